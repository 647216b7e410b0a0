"""The Vietnamese names people see for the keys of the data: field keys, portal-metadata
keys and review-reason codes — one table, used by the web page (``GET /api/meta``), the CLI,
the OCR review report and the exports. Document type names are ``doctypes.DOC_TYPES``.

Field keys about a related person carry a suffix (``dan_toc_cha``, ``nam_sinh_me``,
``noi_cu_tru_nguoi_yeu_cau``: see ``extract._key`` and ``fields.PEOPLE``); their labels are
the base key's label with the person named ("Dân tộc của cha"), unless the table names the
key itself ("Họ tên mẹ"). A test checks that every key the extraction can produce, every
metadata key and every reason code has a label here.
"""

from __future__ import annotations

from pipeline.papers.doctypes import DOC_TYPES, type_name

# The fields about the paper's own person, in the order a paper's fields are shown.
_PERSON_FIELDS: dict[str, str] = {
    "ho_ten": "Họ và tên",
    "so_dinh_danh": "Số định danh",
    "ngay_sinh": "Ngày sinh",
    "ngay_sinh_bang_chu": "Ngày sinh (bằng chữ)",
    "nam_sinh": "Năm sinh",
    "gioi_tinh": "Giới tính",
    "dan_toc": "Dân tộc",
    "quoc_tich": "Quốc tịch",
    "que_quan": "Quê quán",
    "noi_sinh": "Nơi sinh",
    "noi_thuong_tru": "Nơi thường trú",
    "noi_cu_tru": "Nơi cư trú",
    "dac_diem_nhan_dang": "Đặc điểm nhận dạng",
    "co_gia_tri_den": "Có giá trị đến",
    "ngay_cap": "Ngày cấp",
    "noi_cap": "Nơi cấp",
    "noi_dang_ky_khai_sinh": "Nơi đăng ký khai sinh",
}

# The fields about the paper itself.
_PAPER_FIELDS: dict[str, str] = {
    "so": "Số",
    "so_ky_hieu": "Số, ký hiệu",
    "so_hieu": "Số hiệu",
    "so_phat_hanh": "Số phát hành",
    "so_vao_so": "Số vào sổ",
    "ngay_ban_hanh": "Ngày ban hành",
    "ngay_dang_ky": "Ngày đăng ký",
    "ngay_ghi": "Ngày ghi",
    "ngay_lam": "Ngày làm",
    "co_quan_ban_hanh": "Cơ quan ban hành",
    "co_quan_chu_quan": "Cơ quan chủ quản",
    "loai_van_ban": "Loại văn bản",
    "trich_yeu": "Trích yếu",
    "ho_ten_nguoi_di_khai_sinh": "Người đi khai sinh",
    "noi_dang_ky_ket_hon": "Nơi đăng ký kết hôn",
    "tinh_trang_hon_nhan": "Tình trạng hôn nhân",
    "nguoi_yeu_cau": "Người yêu cầu",
    "thua_dat_so": "Thửa đất số",
    "to_ban_do_so": "Tờ bản đồ số",
}

# Related people: the key suffix and how the person is named (``fields.PEOPLE``).
PERSONS: dict[str, str] = {"_me": "mẹ", "_cha": "cha", "_vo": "vợ", "_chong": "chồng",
                           "_nguoi_yeu_cau": "người yêu cầu"}

# Keys of a related person named as a whole, not as "<base> của <person>".
_NAMED: dict[str, str] = {"ho_ten_me": "Họ tên mẹ", "ho_ten_cha": "Họ tên cha",
                          "ho_ten_chong": "Họ tên chồng", "ho_ten_vo": "Họ tên vợ",
                          "ho_ten_nguoi_yeu_cau": "Họ tên người yêu cầu"}


def _field_labels() -> dict[str, str]:
    table = {**_PERSON_FIELDS, **_PAPER_FIELDS}
    for suffix, person in PERSONS.items():
        for key, name in _PERSON_FIELDS.items():
            table[key + suffix] = _NAMED.get(key + suffix, f"{name} của {person}")
    return table


# Every field key, in the order a document's fields are shown.
FIELD_LABELS: dict[str, str] = _field_labels()

# The portal's metadata keys (``pipeline/scan.py`` ``portal_metadata``) and sohoa's
# extensions of them.
METADATA_LABELS: dict[str, str] = {
    "MaGiayTo": "Mã loại giấy tờ",
    "TenGiayTo": "Tên giấy tờ",
    "SoKyHieu": "Số, ký hiệu",
    "TrichYeuNoiDung": "Trích yếu nội dung",
    "NgayCap": "Ngày cấp",
    "ThoiHanHieuLuc": "Thời hạn hiệu lực",
    "PhamViHieuLuc": "Phạm vi hiệu lực",
    "MaCoQuan": "Mã cơ quan số hoá",
    "TenCoQuan": "Tên cơ quan số hoá",
    "CoQuanBanHanh": "Cơ quan ban hành",
    "LoaiDinhDanhCHS": "Loại định danh chủ sở hữu",
    "MaChuGiayTo": "Mã chủ giấy tờ",
    "TenChuGiayTo": "Tên chủ giấy tờ",
    "NgaySoHoa": "Ngày số hoá",
    "MaHoSo": "Mã hồ sơ",
    "MaTTHC": "Mã thủ tục hành chính",
    "MaThanhPhanHoSo": "Mã thành phần hồ sơ",
    "DuocSoHoa": "Được số hoá",
    "DuocTaiSuDung": "Được tái sử dụng",
    "SHA256": "Mã băm SHA-256 (bản PDF)",
    "SHA256BanGoc": "Mã băm SHA-256 (bản quét gốc)",
    "CanKiemTra": "Trường cần kiểm tra",
    "DoTinCayOCR": "Độ tin cậy OCR từng trang",  # warehouse/review.py
    "PhienBan": "Phiên bản siêu dữ liệu",  # a corrected field's version (warehouse/corrections)
    "SuaDoi": "Lần sửa gần nhất",
    "MetadataTruoc": "Mã băm phiên bản trước",
}

# Why a field was marked for review: the ``Problem`` codes of pipeline/papers (fields,
# validate, digits_settle), in a few words.
REASON_NAMES: dict[str, str] = {
    "low_confidence": "đọc không chắc chắn",
    "readings_differ": "hai lần đọc khác nhau",
    "disagrees": "không khớp thông tin khác",
    "date_invalid": "ngày không hợp lệ",
    "date_future": "ngày ở tương lai",
    "date_implausible": "ngày không hợp lý",
    "id_format": "số định danh sai dạng",
    "id_province": "mã tỉnh không có trong danh mục",
    "id_century": "chữ số thế kỷ không khớp",
    "id_sex": "chữ số giới tính không khớp",
    "id_year": "năm sinh không khớp số định danh",
    "name_length": "họ tên sai độ dài",
    "name_family": "họ ít gặp",
    "name_syllable": "không phải tiếng Việt",
    "name_partial": "có chữ không đọc được cạnh họ tên",
    "name_corrected": "họ đã được sửa tự động",
    "word_gap": "có khoảng trống, có thể thiếu chữ",
    "stray_word": "có vết lạ đọc thành chữ",
    "not_in_list": "không có trong danh mục",
    "format": "sai dạng",
    "handwritten": "viết tay, cần nhập hoặc kiểm tra",
    "handwritten_read": "viết tay, đã đọc được, cần kiểm tra",
    "unreadable": "có phần không đọc được (dấu ?)",
    "spelling": "có chữ đọc không chắc chắn",
    "agency_unknown": "không rõ tên cơ quan",
    "agency_partial": "tên cơ quan thiếu cấp và địa danh",
}


def field_label(key: str) -> str:
    """A field key as people read it; an unknown key is shown as it is."""
    return FIELD_LABELS.get(key, key)


def metadata_label(key: str) -> str:
    return METADATA_LABELS.get(key, key)


def reason_name(code: str) -> str:
    return REASON_NAMES.get(code, code)


__all__ = ["DOC_TYPES", "FIELD_LABELS", "METADATA_LABELS", "PERSONS", "REASON_NAMES",
           "field_label", "metadata_label", "reason_name", "type_name"]
