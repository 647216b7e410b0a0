"""Reading order: side-by-side header and signature blocks read left block first."""

from __future__ import annotations

from ocr_models import Word
from pipeline.page.layout import reading_order


def _line(text: str, x: int, y: int, line: int, h: int = 40) -> list[Word]:
    words = []
    for token in text.split():
        w = 25 * len(token)
        words.append(Word(token, x, y, w, h, 0.95, 1, 1, line))
        x += w + 12
    return words


def _text(words: list[Word]) -> list[str]:
    return [" ".join(w.text for w in line) for line in reading_order(words)]


def test_staggered_two_column_header_then_body() -> None:
    words = (_line("ỦY BAN NHÂN DÂN", 500, 250, 1) + _line("CỘNG HÒA XÃ HỘI", 1400, 280, 2)
             + _line("XÃ TÂN LẬP", 560, 315, 3) + _line("Độc lập - Tự do", 1500, 355, 4)
             + _line("Số: 155/XNTTHN", 540, 405, 5)
             + _line("Tân Lập, ngày 06 tháng 9", 1450, 440, 6)
             + _line("GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN QUAN TRỌNG", 700, 560, 7)
             + _line("Xét đề nghị của ông Nguyễn Bá Thành về việc cấp giấy", 300, 660, 8))
    assert _text(words) == [
        "ỦY BAN NHÂN DÂN", "XÃ TÂN LẬP", "Số: 155/XNTTHN",
        "CỘNG HÒA XÃ HỘI", "Độc lập - Tự do", "Tân Lập, ngày 06 tháng 9",
        "GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN QUAN TRỌNG",
        "Xét đề nghị của ông Nguyễn Bá Thành về việc cấp giấy",
    ]


def test_signature_names_merged_by_ocr_are_split_into_columns() -> None:
    # Tesseract put both signers' lines on one line each (same line numbers)
    words = (_line("VỢ", 500, 2000, 1) + _line("CHỒNG", 1700, 2000, 1)
             + _line("(Ký, ghi rõ họ tên)", 400, 2060, 2)
             + _line("(Ký, ghi rõ họ tên)", 1600, 2060, 2)
             + _line("Phạm Thu Thảo", 420, 2300, 3) + _line("Nguyễn Đình Hoàng", 1620, 2300, 3))
    assert _text(words) == ["VỢ", "(Ký, ghi rõ họ tên)", "Phạm Thu Thảo",
                            "CHỒNG", "(Ký, ghi rõ họ tên)", "Nguyễn Đình Hoàng"]


def test_single_column_keeps_line_order() -> None:
    words = _line("Họ, chữ đệm, tên: NGUYỄN VĂN AN", 300, 100, 1) + _line(
        "Giới tính: Nam        Quốc tịch: Việt Nam", 300, 160, 2) + _line(
        "Nơi cư trú: Thôn 2, xã Lộc Hòa", 300, 220, 3)
    assert _text(words) == ["Họ, chữ đệm, tên: NGUYỄN VĂN AN",
                            "Giới tính: Nam Quốc tịch: Việt Nam", "Nơi cư trú: Thôn 2, xã Lộc Hòa"]


def test_header_blocks_merged_into_one_ocr_line_stay_whole() -> None:
    """The engine reads "ỦY BAN NHÂN DÂN" and "CỘNG HÒA XÃ HỘI ..." as one line: their
    gap is only ~2.7 capital heights (the national title is long) and the column gap
    between the blocks under them only ~2.5. Each block must still come out whole."""
    def row(left: str, x_left: int, right: str, x_right: int, y: int, line: int
            ) -> list[Word]:
        words = _line(left, x_left, y, line, h=50)
        right_words = _line(right, x_right, y, line, h=50)
        return words + right_words

    gap = 135  # between "DÂN" and "CỘNG": 2.7 heights, ~9 word spaces
    first = _line("ỦY BAN NHÂN DÂN", 400, 240, 1, h=50)
    end = max(w.left + w.width for w in first)
    words = (first + _line("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", end + gap, 245, 1, h=50)
             + row("TỈNH QUẢNG NGÃI", 400, "Độc lập - Tự do - Hạnh phúc", 960, 315, 2)
             + row("Số: 04/CT-UBND", 420, "Quảng Ngãi, ngày 15 tháng 3", 900, 430, 3)
             + _line("Về việc tăng cường công tác phòng, chống tham nhũng, tiêu cực",
                     480, 660, 4, h=50))
    assert _text(words) == [
        "ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NGÃI", "Số: 04/CT-UBND",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
        "Quảng Ngãi, ngày 15 tháng 3",
        "Về việc tăng cường công tác phòng, chống tham nhũng, tiêu cực",
    ]


def test_wide_word_spaces_of_a_justified_line_do_not_cut_it() -> None:
    words = []
    x = 300
    for token in ["Điều", "1.", "Giao", "Sở", "Tài", "chính", "chủ", "trì", "thực", "hiện"]:
        words.append(Word(token, x, 500, 25 * len(token), 40, 0.9, 1, 1, 1))
        x += 25 * len(token) + 45  # every space stretched to ~1.1 heights
    assert _text(words) == ["Điều 1. Giao Sở Tài chính chủ trì thực hiện"]


def test_header_blocks_without_a_straight_gutter_stay_whole() -> None:
    """The left block's subject line ("V/v ...") reaches under the start of the national
    title: no vertical gutter separates the blocks, yet each is read whole."""
    words = (_line("THỦ TƯỚNG CHÍNH PHỦ", 300, 155, 1, h=34)
             + _line("CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM", 820, 155, 1, h=34)
             + _line("Độc lập - Tự do - Hạnh phúc", 990, 206, 2, h=34)
             + _line("Số: 464/TTg-CĐS", 360, 281, 3, h=34)
             + _line("Hà Nội, ngày 30 tháng 4", 950, 293, 4, h=34)
             + _line("V/v triển khai Nghị quyết", 270, 339, 5, h=34)
             + _line("đơn giản hóa TTHC", 330, 384, 6, h=34)
             + _line("Kính gửi: các Bộ, cơ quan ngang Bộ và Ủy ban nhân dân", 300, 600, 7,
                     h=34))
    assert _text(words) == [
        "THỦ TƯỚNG CHÍNH PHỦ", "Số: 464/TTg-CĐS", "V/v triển khai Nghị quyết",
        "đơn giản hóa TTHC",
        "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
        "Hà Nội, ngày 30 tháng 4",
        "Kính gửi: các Bộ, cơ quan ngang Bộ và Ủy ban nhân dân",
    ]
