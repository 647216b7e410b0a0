"""Vietnamese vocabulary for the scan generator: the province-code table of the personal ID,
places, personal names, ethnic groups, numbers and dates in words, and administrative prose.

Everything here is static data plus small pure helpers; nothing draws random numbers.
All strings are NFC with the traditional tone placement of official papers (Hòa, Thủy).
"""

from __future__ import annotations

# The 63 province codes of the 12-digit personal ID number (Thông tư 59/2021/TT-BCA, annex).
PROVINCE_CODES: dict[str, str] = {
    "001": "Hà Nội",
    "002": "Hà Giang",
    "004": "Cao Bằng",
    "006": "Bắc Kạn",
    "008": "Tuyên Quang",
    "010": "Lào Cai",
    "011": "Điện Biên",
    "012": "Lai Châu",
    "014": "Sơn La",
    "015": "Yên Bái",
    "017": "Hòa Bình",
    "019": "Thái Nguyên",
    "020": "Lạng Sơn",
    "022": "Quảng Ninh",
    "024": "Bắc Giang",
    "025": "Phú Thọ",
    "026": "Vĩnh Phúc",
    "027": "Bắc Ninh",
    "030": "Hải Dương",
    "031": "Hải Phòng",
    "033": "Hưng Yên",
    "034": "Thái Bình",
    "035": "Hà Nam",
    "036": "Nam Định",
    "037": "Ninh Bình",
    "038": "Thanh Hóa",
    "040": "Nghệ An",
    "042": "Hà Tĩnh",
    "044": "Quảng Bình",
    "045": "Quảng Trị",
    "046": "Thừa Thiên Huế",
    "048": "Đà Nẵng",
    "049": "Quảng Nam",
    "051": "Quảng Ngãi",
    "052": "Bình Định",
    "054": "Phú Yên",
    "056": "Khánh Hòa",
    "058": "Ninh Thuận",
    "060": "Bình Thuận",
    "062": "Kon Tum",
    "064": "Gia Lai",
    "066": "Đắk Lắk",
    "067": "Đắk Nông",
    "068": "Lâm Đồng",
    "070": "Bình Phước",
    "072": "Tây Ninh",
    "074": "Bình Dương",
    "075": "Đồng Nai",
    "077": "Bà Rịa - Vũng Tàu",
    "079": "Hồ Chí Minh",
    "080": "Long An",
    "082": "Tiền Giang",
    "083": "Bến Tre",
    "084": "Trà Vinh",
    "086": "Vĩnh Long",
    "087": "Đồng Tháp",
    "089": "An Giang",
    "091": "Kiên Giang",
    "092": "Cần Thơ",
    "093": "Hậu Giang",
    "094": "Sóc Trăng",
    "095": "Bạc Liêu",
    "096": "Cà Mau",
}

# Centrally-run cities: "Thành phố X"; every other province is "Tỉnh X".
CITIES = frozenset({"001", "031", "048", "079", "092"})

# Southern provinces name hamlets "Ấp" and use "Khu phố"; the north and centre "Thôn", "Xóm".
SOUTH = frozenset({
    "070", "072", "074", "075", "077", "079", "080", "082", "083", "084", "086", "087",
    "089", "091", "092", "093", "094", "095", "096",
})

# A few real districts (before the 2025 reorganisation) of every province.
DISTRICTS: dict[str, tuple[str, ...]] = {
    "001": ("Quận Cầu Giấy", "Quận Đống Đa", "Quận Hoàn Kiếm", "Huyện Gia Lâm",
            "Huyện Đông Anh", "Thị xã Sơn Tây"),
    "002": ("Thành phố Hà Giang", "Huyện Vị Xuyên", "Huyện Đồng Văn"),
    "004": ("Thành phố Cao Bằng", "Huyện Trùng Khánh", "Huyện Hòa An"),
    "006": ("Thành phố Bắc Kạn", "Huyện Ba Bể", "Huyện Chợ Đồn"),
    "008": ("Thành phố Tuyên Quang", "Huyện Sơn Dương", "Huyện Hàm Yên"),
    "010": ("Thành phố Lào Cai", "Thị xã Sa Pa", "Huyện Bảo Thắng"),
    "011": ("Thành phố Điện Biên Phủ", "Huyện Điện Biên", "Huyện Mường Ảng"),
    "012": ("Thành phố Lai Châu", "Huyện Tam Đường", "Huyện Than Uyên"),
    "014": ("Thành phố Sơn La", "Huyện Mộc Châu", "Huyện Mai Sơn"),
    "015": ("Thành phố Yên Bái", "Thị xã Nghĩa Lộ", "Huyện Văn Chấn"),
    "017": ("Thành phố Hòa Bình", "Huyện Lương Sơn", "Huyện Mai Châu"),
    "019": ("Thành phố Thái Nguyên", "Thành phố Sông Công", "Huyện Đại Từ"),
    "020": ("Thành phố Lạng Sơn", "Huyện Cao Lộc", "Huyện Hữu Lũng"),
    "022": ("Thành phố Hạ Long", "Thành phố Cẩm Phả", "Thành phố Uông Bí"),
    "024": ("Thành phố Bắc Giang", "Huyện Lục Ngạn", "Huyện Hiệp Hòa"),
    "025": ("Thành phố Việt Trì", "Thị xã Phú Thọ", "Huyện Lâm Thao"),
    "026": ("Thành phố Vĩnh Yên", "Thành phố Phúc Yên", "Huyện Tam Đảo"),
    "027": ("Thành phố Bắc Ninh", "Thành phố Từ Sơn", "Huyện Tiên Du"),
    "030": ("Thành phố Hải Dương", "Thành phố Chí Linh", "Huyện Gia Lộc"),
    "031": ("Quận Lê Chân", "Quận Ngô Quyền", "Huyện An Dương"),
    "033": ("Thành phố Hưng Yên", "Thị xã Mỹ Hào", "Huyện Văn Lâm"),
    "034": ("Thành phố Thái Bình", "Huyện Vũ Thư", "Huyện Kiến Xương"),
    "035": ("Thành phố Phủ Lý", "Thị xã Duy Tiên", "Huyện Lý Nhân"),
    "036": ("Thành phố Nam Định", "Huyện Hải Hậu", "Huyện Giao Thủy"),
    "037": ("Thành phố Ninh Bình", "Thành phố Tam Điệp", "Huyện Gia Viễn"),
    "038": ("Thành phố Thanh Hóa", "Thành phố Sầm Sơn", "Huyện Thọ Xuân"),
    "040": ("Thành phố Vinh", "Huyện Nghĩa Đàn", "Huyện Diễn Châu"),
    "042": ("Thành phố Hà Tĩnh", "Thị xã Hồng Lĩnh", "Huyện Can Lộc"),
    "044": ("Thành phố Đồng Hới", "Huyện Bố Trạch", "Huyện Lệ Thủy"),
    "045": ("Thành phố Đông Hà", "Huyện Gio Linh", "Huyện Hải Lăng"),
    "046": ("Thành phố Huế", "Thị xã Hương Thủy", "Huyện Phú Vang"),
    "048": ("Quận Hải Châu", "Quận Thanh Khê", "Huyện Hòa Vang"),
    "049": ("Thành phố Tam Kỳ", "Thành phố Hội An", "Huyện Đại Lộc"),
    "051": ("Thành phố Quảng Ngãi", "Huyện Bình Sơn", "Huyện Tư Nghĩa"),
    "052": ("Thành phố Quy Nhơn", "Thị xã An Nhơn", "Huyện Tuy Phước"),
    "054": ("Thành phố Tuy Hòa", "Thị xã Sông Cầu", "Huyện Tuy An"),
    "056": ("Thành phố Nha Trang", "Thành phố Cam Ranh", "Huyện Diên Khánh"),
    "058": ("Thành phố Phan Rang - Tháp Chàm", "Huyện Ninh Hải", "Huyện Ninh Phước"),
    "060": ("Thành phố Phan Thiết", "Thị xã La Gi", "Huyện Hàm Thuận Bắc"),
    "062": ("Thành phố Kon Tum", "Huyện Đắk Hà", "Huyện Ngọc Hồi"),
    "064": ("Thành phố Pleiku", "Thị xã An Khê", "Huyện Chư Păh"),
    "066": ("Thành phố Buôn Ma Thuột", "Thị xã Buôn Hồ", "Huyện Krông Pắc"),
    "067": ("Thành phố Gia Nghĩa", "Huyện Đắk Mil", "Huyện Cư Jút"),
    "068": ("Thành phố Đà Lạt", "Thành phố Bảo Lộc", "Huyện Đức Trọng"),
    "070": ("Thành phố Đồng Xoài", "Thị xã Bình Long", "Huyện Bù Đăng"),
    "072": ("Thành phố Tây Ninh", "Thị xã Trảng Bàng", "Huyện Gò Dầu"),
    "074": ("Thành phố Thủ Dầu Một", "Thành phố Dĩ An", "Thành phố Thuận An"),
    "075": ("Thành phố Biên Hòa", "Thành phố Long Khánh", "Huyện Nhơn Trạch"),
    "077": ("Thành phố Vũng Tàu", "Thành phố Bà Rịa", "Thị xã Phú Mỹ"),
    "079": ("Quận Bình Thạnh", "Quận Gò Vấp", "Quận Tân Bình", "Thành phố Thủ Đức",
            "Huyện Củ Chi"),
    "080": ("Thành phố Tân An", "Huyện Đức Hòa", "Huyện Bến Lức"),
    "082": ("Thành phố Mỹ Tho", "Thị xã Gò Công", "Huyện Cái Bè"),
    "083": ("Thành phố Bến Tre", "Huyện Mỏ Cày Nam", "Huyện Ba Tri"),
    "084": ("Thành phố Trà Vinh", "Huyện Càng Long", "Huyện Tiểu Cần"),
    "086": ("Thành phố Vĩnh Long", "Thị xã Bình Minh", "Huyện Long Hồ"),
    "087": ("Thành phố Cao Lãnh", "Thành phố Sa Đéc", "Huyện Lấp Vò"),
    "089": ("Thành phố Long Xuyên", "Thành phố Châu Đốc", "Huyện Chợ Mới"),
    "091": ("Thành phố Rạch Giá", "Thành phố Phú Quốc", "Huyện Châu Thành"),
    "092": ("Quận Ninh Kiều", "Quận Cái Răng", "Huyện Phong Điền"),
    "093": ("Thành phố Vị Thanh", "Thành phố Ngã Bảy", "Huyện Phụng Hiệp"),
    "094": ("Thành phố Sóc Trăng", "Thị xã Vĩnh Châu", "Huyện Mỹ Xuyên"),
    "095": ("Thành phố Bạc Liêu", "Thị xã Giá Rai", "Huyện Hòa Bình"),
    "096": ("Thành phố Cà Mau", "Huyện Năm Căn", "Huyện Trần Văn Thời"),
}

# Common commune/ward names (many real communes carry each of these names).
COMMUNE_NAMES: tuple[str, ...] = (
    "Tân Phú", "Hòa Bình", "Quang Trung", "Hưng Đạo", "Minh Khai", "Tân Lập", "Đông Hòa",
    "Phú Lợi", "An Bình", "Xuân Hòa", "Thanh Bình", "Nghĩa Hưng", "Yên Thế", "Phước Long",
    "Long Thạnh", "Thạnh Phú", "Đồng Tâm", "Hợp Thành", "Trung Sơn", "Kim Liên", "Hòa Khánh",
    "Phú Thịnh", "Tân Hiệp", "Mỹ Lộc", "Đức Thắng", "Hiệp Phước", "Cẩm Bình", "Lộc Hòa",
    "Ngọc Thụy", "Bình Trưng", "Thới An", "Hải Yến", "Trần Phú", "Lê Lợi", "Quyết Thắng",
    "Vĩnh Hưng", "Nghĩa Đô", "Tân Thuận", "Mỹ Phước", "Phú Hữu", "Định Công", "Hồng Phong",
)

VILLAGE_NORTH: tuple[str, ...] = (
    "Thôn Đông", "Thôn Trung", "Thôn Bắc Sơn", "Thôn Yên Lạc", "Xóm Chùa", "Xóm Mới",
    "Thôn Phú Mỹ", "Thôn Hạ", "Thôn Thượng", "Xóm Đình", "Thôn Tân Hưng", "Thôn Đồng Lạc",
)
VILLAGE_SOUTH: tuple[str, ...] = (
    "Ấp Bình Hòa", "Ấp Tân Thạnh", "Ấp Mỹ Điền", "Ấp Phú Hòa", "Ấp Long Bình", "Ấp Thạnh Lợi",
    "Ấp Hòa Hiệp", "Ấp Vĩnh Phước", "Ấp Đông Thạnh", "Ấp Tân Quy",
)
STREETS: tuple[str, ...] = (
    "Lê Lợi", "Trần Hưng Đạo", "Nguyễn Trãi", "Lý Thường Kiệt", "Hai Bà Trưng", "Phan Đình Phùng",
    "Hoàng Diệu", "Nguyễn Văn Cừ", "Võ Thị Sáu", "Điện Biên Phủ", "Quang Trung", "Nguyễn Huệ",
    "Bà Triệu", "Lê Duẩn", "Trường Chinh", "Phạm Văn Đồng", "Nguyễn Du", "Hùng Vương",
)

# Family names with rough population weights (percent).
FAMILY_NAMES: tuple[tuple[str, float], ...] = (
    ("Nguyễn", 38.0), ("Trần", 11.0), ("Lê", 9.5), ("Phạm", 7.0), ("Hoàng", 4.0),
    ("Huỳnh", 3.0), ("Phan", 4.5), ("Vũ", 3.5), ("Võ", 3.0), ("Đặng", 2.1), ("Bùi", 2.0),
    ("Đỗ", 1.4), ("Hồ", 1.3), ("Ngô", 1.3), ("Dương", 1.0), ("Lý", 0.5), ("Đinh", 0.6),
    ("Trương", 0.6), ("Đào", 0.4), ("Trịnh", 0.4), ("Mai", 0.3), ("Lương", 0.3), ("Cao", 0.3),
    ("Hà", 0.3), ("Tạ", 0.2), ("Lâm", 0.2), ("Phùng", 0.2), ("Tô", 0.2), ("Châu", 0.2),
    ("Quách", 0.1), ("Kiều", 0.1), ("Vương", 0.1),
)

MIDDLE_MALE: tuple[str, ...] = (
    "Văn", "Văn", "Văn", "Đức", "Minh", "Quốc", "Hữu", "Công", "Thanh", "Anh", "Quang",
    "Xuân", "Ngọc", "Trọng", "Đình", "Bá", "Tuấn", "Hoàng", "Gia", "Thế", "Mạnh", "Duy",
)
MIDDLE_FEMALE: tuple[str, ...] = (
    "Thị", "Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Minh", "Phương", "Hồng", "Thùy",
    "Khánh", "Bảo", "Mai", "Kim", "Diệu", "Mỹ", "Hoài", "Quỳnh",
)
# Second middle names (four-syllable names such as "Nguyễn Thị Hồng Nhung").
MIDDLE2_MALE: tuple[str, ...] = ("Minh", "Đức", "Hoàng", "Quang", "Thành", "Gia", "Anh", "Bảo")
MIDDLE2_FEMALE: tuple[str, ...] = (
    "Hồng", "Thu", "Ngọc", "Thanh", "Phương", "Thúy", "Diệu", "Khánh", "Hải", "Mỹ", "Bích",
)
GIVEN_MALE: tuple[str, ...] = (
    "Hùng", "Dũng", "Tuấn", "Cường", "Khôi", "Huy", "Long", "Nam", "Phúc", "Quyết", "Thắng",
    "Trung", "Việt", "Đạt", "Hiếu", "Khoa", "Lâm", "Nghĩa", "Phong", "Sơn", "Thành", "Tiến",
    "Toàn", "Vũ", "Dương", "Hải", "Hưng", "Kiên", "Lộc", "Mạnh", "Nhật", "Quân", "Tài",
    "Thịnh", "Tùng", "Vĩnh", "Bảo", "Đức", "Hoàng", "Khải", "Trí", "Tường", "Định", "Lực",
    "Thuận", "Quý", "Khánh", "Hậu", "Phước", "Lợi",
)
GIVEN_FEMALE: tuple[str, ...] = (
    "Nhung", "Hương", "Lan", "Linh", "Ngọc", "Trang", "Hà", "Thảo", "Huyền", "Mai", "Phương",
    "Yến", "Hằng", "Hạnh", "Loan", "Ngân", "Oanh", "Quỳnh", "Thủy", "Tuyết", "Vân", "Xuân",
    "Ánh", "Diệp", "Giang", "Hiền", "Liên", "My", "Nguyệt", "Nhàn", "Thư", "Trâm", "Uyên",
    "Vy", "Ly", "Duyên", "Dung", "Chi", "Hoa", "Hồng", "Lụa", "Thắm", "Đào", "Huệ", "Nga",
)

# Ethnic groups with rough weights; "Kinh" dominates.
ETHNIC_GROUPS: tuple[tuple[str, float], ...] = (
    ("Kinh", 86.0), ("Tày", 2.0), ("Thái", 2.0), ("Mường", 1.5), ("Khmer", 1.4), ("Hoa", 0.8),
    ("Nùng", 1.1), ("Mông", 1.2), ("Dao", 0.9), ("Gia Rai", 0.5), ("Ê Đê", 0.4),
    ("Ba Na", 0.3), ("Sán Dìu", 0.2), ("Chăm", 0.2),
)

# Identifying marks printed on the back of the 2016-2021 citizen identity card.
MARKS: tuple[str, ...] = (
    "Nốt ruồi C: 1cm trên đầu lông mày phải",
    "Nốt ruồi C: 2cm dưới sau mép trái",
    "Sẹo chấm C: 1cm trên sau đuôi mắt trái",
    "Sẹo chấm C: 2cm dưới trước dái tai phải",
    "Nốt ruồi C: 1,5cm trên cánh mũi trái",
    "Sẹo chấm C: 3cm dưới sau cằm",
)

# -- numbers and dates in words ----------------------------------------------------------------

_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
MONTH_WORDS = (
    "", "một", "hai", "ba", "tư", "năm", "sáu", "bảy", "tám", "chín", "mười", "mười một",
    "mười hai",
)


def _below_hundred(n: int) -> str:
    tens, unit = divmod(n, 10)
    if tens == 0:
        return _DIGITS[unit]
    head = "mười" if tens == 1 else f"{_DIGITS[tens]} mươi"
    if unit == 0:
        return head
    if unit == 5:
        tail = "lăm"
    elif unit == 1 and tens >= 2:
        tail = "mốt"
    elif unit == 4 and tens >= 2:
        tail = "tư"
    else:
        tail = _DIGITS[unit]
    return f"{head} {tail}"


def _below_thousand(n: int, *, full: bool) -> str:
    """0..999; ``full`` spells the hundreds and 'linh' even when zero (inside a bigger number)."""
    hundreds, rest = divmod(n, 100)
    if hundreds == 0 and not full:
        return _below_hundred(rest)
    words = f"{_DIGITS[hundreds]} trăm"
    if rest == 0:
        return words
    if rest < 10:
        return f"{words} linh {_DIGITS[rest]}"
    return f"{words} {_below_hundred(rest)}"


def number_words(n: int) -> str:
    """A number 0..999 999 in Vietnamese words: 1990 -> 'một nghìn chín trăm chín mươi'."""
    if not 0 <= n < 1_000_000:
        raise ValueError(n)
    thousands, rest = divmod(n, 1000)
    if thousands == 0:
        return _below_thousand(rest, full=False)
    head = f"{_below_thousand(thousands, full=False)} nghìn"
    if rest == 0:
        return head
    return f"{head} {_below_thousand(rest, full=True)}"


def date_words(day: int, month: int, year: int) -> str:
    """'Ngày năm tháng ba năm một nghìn chín trăm chín mươi' for 05/03/1990."""
    return f"Ngày {number_words(day)} tháng {MONTH_WORDS[month]} năm {number_words(year)}"


# -- administrative prose ------------------------------------------------------------------------

# Legal bases of a decision ("Căn cứ ..."); the generator picks a few and ends with "Theo đề nghị".
LEGAL_BASES: tuple[str, ...] = (
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015; Luật sửa đổi, bổ sung "
    "một số điều của Luật Tổ chức Chính phủ và Luật Tổ chức chính quyền địa phương ngày 22 "
    "tháng 11 năm 2019;",
    "Căn cứ Nghị định số 45/2020/NĐ-CP ngày 08 tháng 4 năm 2020 của Chính phủ về thực hiện thủ "
    "tục hành chính trên môi trường điện tử;",
    "Căn cứ Nghị định số 61/2018/NĐ-CP ngày 23 tháng 4 năm 2018 của Chính phủ về thực hiện cơ "
    "chế một cửa, một cửa liên thông trong giải quyết thủ tục hành chính;",
    "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn "
    "thư;",
    "Căn cứ Quyết định số 06/QĐ-TTg ngày 06 tháng 01 năm 2022 của Thủ tướng Chính phủ phê duyệt "
    "Đề án phát triển ứng dụng dữ liệu về dân cư, định danh và xác thực điện tử phục vụ chuyển "
    "đổi số quốc gia giai đoạn 2022 - 2025, tầm nhìn đến năm 2030;",
    "Căn cứ Nghị định số 123/2015/NĐ-CP ngày 15 tháng 11 năm 2015 của Chính phủ quy định chi "
    "tiết một số điều và biện pháp thi hành Luật Hộ tịch;",
    "Căn cứ Quyết định số 766/QĐ-TTg ngày 23 tháng 6 năm 2022 của Thủ tướng Chính phủ phê duyệt "
    "Bộ chỉ số chỉ đạo, điều hành và đánh giá chất lượng phục vụ người dân, doanh nghiệp trong "
    "thực hiện thủ tục hành chính, dịch vụ công theo thời gian thực trên môi trường điện tử;",
)

# Topics of decisions and official letters. Placeholders: {org} (the issuing body, e.g.
# "Ủy ban nhân dân huyện Nghĩa Đàn"), {unit} (its area, "huyện Nghĩa Đàn"), {year}, {pct},
# {pct2}, {n}, {day}, {month}.
TOPICS: tuple[dict[str, object], ...] = (
    {
        "decision": "Về việc công nhận kết quả số hóa hồ sơ, kết quả giải quyết thủ tục hành chính "
                    "năm {year}",
        "article": "Công nhận kết quả số hóa hồ sơ, kết quả giải quyết thủ tục hành chính của các "
                   "cơ quan, đơn vị trên địa bàn {unit} năm {year}: tỷ lệ hồ sơ được số hóa đạt "
                   "{pct}%, tỷ lệ khai thác, sử dụng lại thông tin, dữ liệu đã số hóa đạt {pct2}%.",
        "letter": "V/v đẩy mạnh số hóa hồ sơ, kết quả giải quyết thủ tục hành chính",
        "body": (
            "Thực hiện chỉ đạo của Ủy ban nhân dân tỉnh về việc nâng cao chất lượng phục vụ người "
            "dân, doanh nghiệp trong giải quyết thủ tục hành chính, {org} đề "
            "nghị các cơ quan, đơn vị quán triệt, triển khai thực hiện nghiêm túc một số nội "
            "dung sau đây.",
            "Bộ phận Một cửa các cấp phải thực hiện số hóa đầy đủ thành phần hồ sơ ngay khi tiếp "
            "nhận, bảo đảm mỗi hồ sơ được lưu trữ dưới dạng điện tử, có giá trị pháp lý và được "
            "cập nhật vào kho dữ liệu của tổ chức, cá nhân.",
            "Cán bộ, công chức được giao nhiệm vụ có trách nhiệm kiểm tra, đối chiếu bản chính với "
            "bản điện tử, ký số và chịu trách nhiệm về tính chính xác của kết quả số hóa.",
            "Đến hết tháng {month} năm {year}, tỷ lệ hồ sơ được số hóa trên địa bàn mới đạt "
            "{pct}%, thấp hơn nhiều so với chỉ tiêu được giao.",
            "Các xã, thị trấn chưa bảo đảm trang thiết bị phục vụ số hóa phải chủ động rà soát, "
            "đề xuất bổ sung máy quét, chữ ký số và đường truyền trước ngày {day} tháng {month}.",
            "Kết quả thực hiện nhiệm vụ này là một trong những tiêu chí đánh giá, xếp loại thi "
            "đua cuối năm đối với tập thể và người đứng đầu cơ quan, đơn vị.",
        ),
    },
    {
        "decision": "Về việc thành lập Tổ công tác triển khai Đề án 06 trên địa bàn {unit}",
        "article": "Thành lập Tổ công tác triển khai Đề án phát triển ứng dụng dữ liệu về dân cư, "
                   "định danh và xác thực điện tử trên địa bàn {unit} gồm {n} thành viên có tên "
                   "trong danh sách kèm theo.",
        "letter": "V/v triển khai thu thập, cập nhật, làm sạch dữ liệu dân cư",
        "body": (
            "Thực hiện Kế hoạch của Ủy ban nhân dân tỉnh về triển khai Đề án 06 năm {year}, "
            "{org} yêu cầu các cơ quan, đơn vị khẩn trương rà soát, thu thập và "
            "cập nhật thông tin công dân vào Cơ sở dữ liệu quốc gia về dân cư.",
            "Công an các xã, thị trấn chủ trì, phối hợp với công chức Tư pháp - Hộ tịch đối chiếu "
            "dữ liệu hộ tịch điện tử, điều chỉnh kịp thời những trường hợp sai lệch về họ tên, "
            "ngày sinh, quê quán.",
            "Người dân được hướng dẫn kích hoạt tài khoản định danh điện tử mức độ 2 để sử dụng "
            "các dịch vụ công trực tuyến một cách thuận lợi, nhanh chóng.",
            "Việc thu thập, xử lý thông tin cá nhân phải bảo đảm bí mật, an toàn, tuyệt đối không "
            "để lộ, lọt dữ liệu của công dân.",
            "Định kỳ trước ngày {day} hằng tháng, các đơn vị báo cáo kết quả thực hiện về {org} "
            "qua Văn phòng để tổng hợp.",
        ),
    },
    {
        "decision": "Về việc phê duyệt danh sách hộ nghèo, hộ cận nghèo năm {year}",
        "article": "Phê duyệt danh sách {n} hộ nghèo và hộ cận nghèo trên địa bàn {unit} năm "
                   "{year} theo chuẩn nghèo đa chiều giai đoạn 2022 - 2025.",
        "letter": "V/v rà soát hộ nghèo, hộ cận nghèo năm {year}",
        "body": (
            "Căn cứ kết quả rà soát của Ban Chỉ đạo các xã, thị trấn, {org} đề "
            "nghị các địa phương niêm yết công khai danh sách hộ nghèo, hộ cận nghèo tại trụ sở "
            "và nhà văn hóa thôn, tổ dân phố.",
            "Việc bình xét phải bảo đảm dân chủ, công khai, đúng đối tượng, không để xảy ra khiếu "
            "nại, thắc mắc trong nhân dân.",
            "Những hộ thoát nghèo được tiếp tục hưởng chính sách hỗ trợ về bảo hiểm y tế, giáo "
            "dục và tín dụng ưu đãi theo quy định hiện hành.",
            "Phòng Lao động - Thương binh và Xã hội có trách nhiệm hướng dẫn, kiểm tra, giám sát "
            "quá trình rà soát tại cơ sở.",
        ),
    },
    {
        "decision": "Về việc hỗ trợ kinh phí khắc phục hậu quả thiên tai năm {year}",
        "article": "Hỗ trợ kinh phí khắc phục hậu quả thiên tai cho {n} hộ gia đình bị thiệt hại "
                   "nặng về nhà ở trên địa bàn {unit}, mức hỗ trợ theo danh sách kèm theo.",
        "letter": "V/v tăng cường công tác phòng, chống thiên tai mùa mưa bão năm {year}",
        "body": (
            "Theo dự báo của Trung tâm Khí tượng thủy văn, mùa mưa bão năm {year} có diễn biến "
            "phức tạp, nguy cơ xảy ra lũ quét, sạt lở đất ở vùng đồi núi là rất lớn.",
            "{org} yêu cầu các xã, thị trấn kiện toàn Ban Chỉ huy phòng, chống "
            "thiên tai và tìm kiếm cứu nạn, phân công nhiệm vụ cụ thể cho từng thành viên.",
            "Chủ động rà soát các khu dân cư ven sông, suối, vùng trũng thấp, sẵn sàng phương án "
            "sơ tán người và tài sản đến nơi an toàn khi có lệnh.",
            "Dự trữ đầy đủ lương thực, thuốc men, nước uống và vật tư cần thiết theo phương châm "
            "bốn tại chỗ.",
            "Tổ chức trực ban nghiêm túc, thường xuyên cập nhật tình hình và báo cáo kịp thời "
            "những sự cố xảy ra trên địa bàn.",
        ),
    },
    {
        "decision": "Về việc khen thưởng các tập thể, cá nhân có thành tích xuất sắc trong phong "
                    "trào thi đua năm {year}",
        "article": "Tặng Giấy khen cho {n} tập thể và cá nhân đã có thành tích xuất sắc trong "
                   "phong trào thi đua yêu nước năm {year} của {unit}.",
        "letter": "V/v hướng dẫn công tác thi đua, khen thưởng năm {year}",
        "body": (
            "Để công tác thi đua, khen thưởng năm {year} bảo đảm chính xác, công khai, công bằng "
            "và kịp thời, {org} hướng dẫn một số nội dung như sau.",
            "Các cơ quan, đơn vị tổ chức bình xét từ cơ sở, chú trọng khen thưởng người lao động "
            "trực tiếp, công chức có nhiều sáng kiến cải cách thủ tục hành chính.",
            "Hồ sơ đề nghị khen thưởng gửi về Phòng Nội vụ trước ngày {day} tháng {month} năm "
            "{year}; quá thời hạn trên, hồ sơ sẽ không được xem xét.",
            "Thủ trưởng các đơn vị chịu trách nhiệm trước Chủ tịch Ủy ban nhân dân về thành tích "
            "của tập thể, cá nhân được đề nghị khen thưởng.",
        ),
    },
    {
        "decision": "Về việc ban hành Quy chế tổ chức và hoạt động của Bộ phận Một cửa {unit}",
        "article": "Ban hành kèm theo Quyết định này Quy chế tổ chức và hoạt động của Bộ phận "
                   "Một cửa {unit}, gồm {n} chương và các điều khoản thi hành.",
        "letter": "V/v nâng cao chất lượng tiếp nhận, trả kết quả tại Bộ phận Một cửa",
        "body": (
            "Qua theo dõi, đánh giá trên Cổng Dịch vụ công quốc gia, vẫn còn hồ sơ trễ hạn, "
            "người dân phải đi lại nhiều lần do hướng dẫn chưa đầy đủ, rõ ràng.",
            "Công chức tại Bộ phận Một cửa phải có thái độ niềm nở, tận tình, hướng dẫn người "
            "dân kê khai hồ sơ một lần, đầy đủ, chính xác.",
            "Trường hợp hồ sơ quá hạn giải quyết, cơ quan có trách nhiệm phải gửi văn bản xin lỗi "
            "tổ chức, cá nhân và hẹn lại thời gian trả kết quả.",
            "Khuyến khích người dân nộp hồ sơ trực tuyến, thanh toán phí, lệ phí không dùng tiền "
            "mặt và nhận kết quả qua dịch vụ bưu chính công ích.",
            "{org} sẽ kiểm tra đột xuất việc thực hiện và xử lý nghiêm các "
            "trường hợp vi phạm.",
        ),
    },
)

LETTER_CLOSINGS: tuple[str, ...] = (
    "Đề nghị các cơ quan, đơn vị quan tâm, phối hợp thực hiện./.",
    "Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, đề nghị phản ánh kịp thời về {org} "
    "để được hướng dẫn, giải quyết./.",
    "Yêu cầu Thủ trưởng các cơ quan, đơn vị nghiêm túc triển khai thực hiện./.",
)

MARITAL_STATUS: tuple[str, ...] = (
    "Chưa đăng ký kết hôn với ai.",
    "Chưa đăng ký kết hôn với ai.",
    "Đã đăng ký kết hôn, nhưng đã ly hôn theo Bản án số {n}/{year}/HNGĐ-ST của Tòa án nhân dân "
    "{district}; hiện tại chưa đăng ký kết hôn với ai.",
)

PURPOSES: tuple[str, ...] = (
    "Làm thủ tục đăng ký kết hôn với {spouse_title} {spouse}, sinh năm {spouse_year}.",
    "Bổ sung hồ sơ vay vốn tại ngân hàng.",
    "Bổ sung hồ sơ mua bán, chuyển nhượng quyền sử dụng đất.",
    "Làm thủ tục xuất khẩu lao động.",
)

LAND_PURPOSES: tuple[str, ...] = (
    "Đất ở tại nông thôn", "Đất ở tại đô thị", "Đất trồng cây lâu năm", "Đất trồng lúa",
)
LAND_ORIGINS: tuple[str, ...] = (
    "Công nhận quyền sử dụng đất như giao đất có thu tiền sử dụng đất",
    "Nhà nước giao đất có thu tiền sử dụng đất",
    "Nhận chuyển nhượng đất được công nhận quyền sử dụng đất",
    "Nhận thừa kế quyền sử dụng đất",
)
