"""Reference tables that field validation checks OCR'd values against.

- the 63 province codes that open a personal ID number (Circular 07/2016/TT-BCA, the
  codes of the provinces before the 2025 merger, which every ID issued so far carries);
- the 54 ethnic groups of the official list (Decision 121-TCTK/PPCĐ), as papers print them;
- common Vietnamese family names: a name whose first syllable is not among them is not
  wrong, but it is unusual enough that an officer should look at it (OCR reads capital
  "NGUYỄN" as "NGUYÊN" on some fonts: both are syllables, only one is a common surname).
"""

from __future__ import annotations

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

NATIONALITIES: frozenset[str] = frozenset({"Việt Nam"})
SEXES: tuple[str, str] = ("Nam", "Nữ")
