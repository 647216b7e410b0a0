"""Reference tables that field validation checks OCR'd values against.

- the 63 province codes that open a personal ID number (Circular 07/2016/TT-BCA, the
  codes of the provinces before the 2025 merger, which every ID issued so far carries);
- the 54 ethnic groups of the official list (Decision 121-TCTK/PPCĐ), as papers print them;
- common Vietnamese family names: a name whose first syllable is not among them is not
  wrong, but it is unusual enough that an officer should look at it (OCR reads capital
  "NGUYỄN" as "NGUYÊN" on some fonts: both are syllables, only one is a common surname);
- all the family names of a sourced list (``pipeline/data/family_names.tsv``, ~460: the
  common ones and the Sino-Vietnamese readings of the classical *Bách gia tính*; built by
  ``scripts/family_names.py``, sources and licences in ``docs/family-names.md``): a rare
  but real family name ("Tiết", "Thẩm", "Âu Dương") is not unusual.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

PROVINCE_CODES: dict[str, str] = {
    "001": "Hà Nội", "002": "Hà Giang", "004": "Cao Bằng", "006": "Bắc Kạn",
    "008": "Tuyên Quang", "010": "Lào Cai", "011": "Điện Biên", "012": "Lai Châu",
    "014": "Sơn La", "015": "Yên Bái", "017": "Hòa Bình", "019": "Thái Nguyên",
    "020": "Lạng Sơn", "022": "Quảng Ninh", "024": "Bắc Giang", "025": "Phú Thọ",
    "026": "Vĩnh Phúc", "027": "Bắc Ninh", "030": "Hải Dương", "031": "Hải Phòng",
    "033": "Hưng Yên", "034": "Thái Bình", "035": "Hà Nam", "036": "Nam Định",
    "037": "Ninh Bình", "038": "Thanh Hóa", "040": "Nghệ An", "042": "Hà Tĩnh",
    "044": "Quảng Bình", "045": "Quảng Trị", "046": "Thừa Thiên Huế", "048": "Đà Nẵng",
    "049": "Quảng Nam", "051": "Quảng Ngãi", "052": "Bình Định", "054": "Phú Yên",
    "056": "Khánh Hòa", "058": "Ninh Thuận", "060": "Bình Thuận", "062": "Kon Tum",
    "064": "Gia Lai", "066": "Đắk Lắk", "067": "Đắk Nông", "068": "Lâm Đồng",
    "070": "Bình Phước", "072": "Tây Ninh", "074": "Bình Dương", "075": "Đồng Nai",
    "077": "Bà Rịa - Vũng Tàu", "079": "Hồ Chí Minh", "080": "Long An", "082": "Tiền Giang",
    "083": "Bến Tre", "084": "Trà Vinh", "086": "Vĩnh Long", "087": "Đồng Tháp",
    "089": "An Giang", "091": "Kiên Giang", "092": "Cần Thơ", "093": "Hậu Giang",
    "094": "Sóc Trăng", "095": "Bạc Liêu", "096": "Cà Mau",
}

ETHNIC_GROUPS: frozenset[str] = frozenset({
    "Kinh", "Tày", "Thái", "Mường", "Khmer", "Hoa", "Nùng", "Mông", "Dao", "Gia Rai",
    "Ê Đê", "Ba Na", "Xơ Đăng", "Sán Chay", "Cơ Ho", "Chăm", "Sán Dìu", "Hrê", "Ra Glai",
    "Mnông", "Thổ", "Xtiêng", "Khơ Mú", "Bru - Vân Kiều", "Cơ Tu", "Giáy", "Tà Ôi", "Mạ",
    "Giẻ Triêng", "Co", "Chơ Ro", "Xinh Mun", "Hà Nhì", "Chu Ru", "Lào", "Kháng", "La Chí",
    "Phù Lá", "La Hủ", "La Ha", "Pà Thẻn", "Chứt", "Lự", "Lô Lô", "Mảng", "Cờ Lao", "Bố Y",
    "Cống", "Ngái", "Si La", "Pu Péo", "Rơ Măm", "Brâu", "Ơ Đu",
})

FAMILY_NAMES: frozenset[str] = frozenset({
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
    "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trương", "Đào", "Trịnh", "Mai", "Lương",
    "Cao", "Hà", "Tạ", "Lâm", "Phùng", "Tô", "Châu", "Quách", "Kiều", "Vương", "Đoàn",
    "Lưu", "Đàm", "Thái", "Chu", "Giang", "Khổng", "Khúc", "La", "Lại", "Lục", "Mạc",
    "Nghiêm", "Ông", "Quan", "Thân", "Tiêu", "Triệu", "Từ", "Vi", "Hứa", "Diệp", "Doãn",
    "Đồng", "Kim", "Lã", "Nông", "Phí", "Phó", "Tăng", "Thạch", "Tống", "Trình", "Ung",
    "Viên", "Âu", "Bạch", "Bế", "Cù", "Cung", "Đậu", "Hầu", "Khương", "Lò", "Lộc", "Mã",
    "Ninh", "Sầm", "Tôn", "Thiều", "Cấn", "Chế", "Chử", "Giáp", "Hàn", "Nhữ", "Tào",
    "Vòng", "Văn", "Ma", "Hoa", "Danh", "Sơn", "Kha",
})

FAMILY_NAMES_FILE = Path(__file__).resolve().parents[1] / "data" / "family_names.tsv"


@dataclass(frozen=True)
class KnownFamilyNames:
    """The sourced list: one-syllable family names and two-syllable ones, title case."""

    single: frozenset[str]
    compound: frozenset[str]

    def __len__(self) -> int:
        return len(self.single) + len(self.compound)


@functools.cache
def known_family_names() -> KnownFamilyNames:
    """Every family name of ``pipeline/data/family_names.tsv`` (the common ones included)."""
    single: set[str] = set(FAMILY_NAMES)
    compound: set[str] = set()
    for line in FAMILY_NAMES_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name = line.split("\t", 1)[0].strip()
        (compound if " " in name else single).add(name)
    return KnownFamilyNames(frozenset(single), frozenset(compound))


NATIONALITIES: frozenset[str] = frozenset({"Việt Nam"})
SEXES: tuple[str, str] = ("Nam", "Nữ")

# Provinces and cities after the 2025 merger (Resolution 202/2025/QH15) that are not among
# the 63 above: with those, every name a letter's issuer block may print.
PROVINCES_2025_NEW: tuple[str, ...] = ("Huế",)

# Names of issuing bodies as their header blocks print them (Decree 30/2020; the ministries
# and ministerial-level bodies; the usual provincial departments and offices). Only their
# words are used, to fix OCR slips in an issuer line word by word.
AGENCY_PHRASES: tuple[str, ...] = (
    "ỦY BAN NHÂN DÂN", "UỶ BAN NHÂN DÂN", "UBND", "HỘI ĐỒNG NHÂN DÂN", "HĐND",
    "TỈNH", "THÀNH PHỐ", "TP", "HUYỆN", "QUẬN", "THỊ XÃ", "XÃ", "PHƯỜNG", "THỊ TRẤN", "ĐẶC KHU",
    "CHÍNH PHỦ", "THỦ TƯỚNG", "VĂN PHÒNG", "QUỐC HỘI", "CHỦ TỊCH", "NƯỚC",
    "BỘ", "SỞ", "CỤC", "TỔNG CỤC", "CHI CỤC", "VỤ", "BAN", "PHÒNG", "TRUNG TÂM", "VIỆN",
    "TRƯỜNG", "ĐẠI HỌC", "CAO ĐẲNG", "HỌC VIỆN", "BỆNH VIỆN", "KHO BẠC", "NHÀ NƯỚC",
    "BỘ QUỐC PHÒNG", "BỘ CÔNG AN", "BỘ NGOẠI GIAO", "BỘ NỘI VỤ", "BỘ TƯ PHÁP", "BỘ TÀI CHÍNH",
    "BỘ CÔNG THƯƠNG", "BỘ NÔNG NGHIỆP VÀ MÔI TRƯỜNG", "BỘ NÔNG NGHIỆP VÀ PHÁT TRIỂN NÔNG THÔN",
    "BỘ TÀI NGUYÊN VÀ MÔI TRƯỜNG", "BỘ XÂY DỰNG", "BỘ GIAO THÔNG VẬN TẢI",
    "BỘ KẾ HOẠCH VÀ ĐẦU TƯ", "BỘ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI",
    "BỘ VĂN HÓA, THỂ THAO VÀ DU LỊCH", "BỘ KHOA HỌC VÀ CÔNG NGHỆ",
    "BỘ THÔNG TIN VÀ TRUYỀN THÔNG", "BỘ GIÁO DỤC VÀ ĐÀO TẠO", "BỘ Y TẾ", "BỘ DÂN TỘC VÀ TÔN GIÁO",
    "THANH TRA CHÍNH PHỦ", "NGÂN HÀNG NHÀ NƯỚC VIỆT NAM", "ỦY BAN DÂN TỘC",
    "SỞ TƯ PHÁP", "SỞ NỘI VỤ", "SỞ TÀI CHÍNH", "SỞ XÂY DỰNG", "SỞ Y TẾ", "SỞ CÔNG THƯƠNG",
    "SỞ GIÁO DỤC VÀ ĐÀO TẠO", "SỞ KHOA HỌC VÀ CÔNG NGHỆ", "SỞ NGOẠI VỤ",
    "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH", "SỞ VĂN HÓA VÀ THỂ THAO", "SỞ DU LỊCH",
    "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG", "SỞ DÂN TỘC VÀ TÔN GIÁO", "SỞ KẾ HOẠCH VÀ ĐẦU TƯ",
    "SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG", "SỞ GIAO THÔNG VẬN TẢI", "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
    "SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI", "SỞ NÔNG NGHIỆP VÀ PHÁT TRIỂN NÔNG THÔN",
    "CỤC THUẾ", "TỔNG CỤC THUẾ", "CHI CỤC THUẾ", "THUẾ", "HẢI QUAN", "TỔNG CỤC HẢI QUAN",
    "CÔNG AN", "CỤC CẢNH SÁT QUẢN LÝ HÀNH CHÍNH VỀ TRẬT TỰ XÃ HỘI", "BỘ CHỈ HUY QUÂN SỰ",
    "BAN CHỈ ĐẠO", "BAN QUẢN LÝ", "BAN TỔ CHỨC", "BAN DÂN TỘC", "THANH TRA", "TỈNH ỦY",
    "THÀNH ỦY", "HUYỆN ỦY", "ĐẢNG ỦY", "BẢO HIỂM XÃ HỘI", "VĂN PHÒNG ĐĂNG KÝ ĐẤT ĐAI",
    "TÒA ÁN NHÂN DÂN", "VIỆN KIỂM SÁT NHÂN DÂN", "CHI NHÁNH", "ĐÀI", "PHÁT THANH", "TRUYỀN HÌNH",
)


def agency_vocabulary() -> frozenset[str]:
    """Upper-case words of agency names and of province names (for issuer lines)."""
    words: set[str] = set()
    names = [*AGENCY_PHRASES, *PROVINCE_CODES.values(), *PROVINCES_2025_NEW, "Hồ Chí Minh"]
    for name in names:
        for w in name.replace(",", " ").replace("-", " ").split():
            words.add(w.upper())
    return frozenset(words)


def agency_phrases() -> tuple[str, ...]:
    """Upper-case agency phrases and "TỈNH <province>" / "THÀNH PHỐ <city>" names."""
    places = [*PROVINCE_CODES.values(), *PROVINCES_2025_NEW]
    units = [f"{u} {p.upper()}" for p in places for u in ("TỈNH", "THÀNH PHỐ")]
    return (*AGENCY_PHRASES, *units, *(p.upper() for p in places))
