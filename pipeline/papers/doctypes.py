"""Document types of the contract (shared/DESIGN.md) and their portal names."""

from __future__ import annotations

import re

# key -> Vietnamese name (TenGiayTo); the key itself is the MaGiayTo until the portal's
# result-type codes are mapped per procedure.
DOC_TYPES: dict[str, str] = {
    "can_cuoc": "Căn cước / Căn cước công dân",
    "giay_khai_sinh": "Giấy khai sinh",
    "to_khai": "Tờ khai",
    "giay_chung_nhan_ket_hon": "Giấy chứng nhận kết hôn",
    "giay_xac_nhan_tinh_trang_hon_nhan": "Giấy xác nhận tình trạng hôn nhân",
    "giay_chung_nhan_qsdd": "Giấy chứng nhận quyền sử dụng đất",
    "van_ban_hanh_chinh": "Văn bản hành chính",
    "khac": "Giấy tờ khác",
}

PROCEDURE_CODE = re.compile(r"^\d\.\d{6}$")
PERSONAL_ID = re.compile(r"^\d{12}$")


def type_name(key: str) -> str:
    return DOC_TYPES.get(key, DOC_TYPES["khac"])
