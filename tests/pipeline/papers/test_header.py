"""The official-letter header read by structure (pipeline/papers/header.py), on synthetic OCR
lines laid out in several ways, and the fields the document stage makes of it."""

from __future__ import annotations

from datetime import date

from ocr_models import Word
from pipeline.papers.fields import build_documents, page_facts, portal_value
from pipeline.papers.header import (
    correct_agency,
    digits_or_unread,
    read_date,
    read_header,
    read_number,
)
from pipeline.papers.reference import agency_phrases, agency_vocabulary

H = 40  # word height, px
CHAR_W = 22


def place(rows: list[tuple[int, int, str]]) -> tuple[list[Word], str]:
    """Words for text pieces at (x, y); pieces on the same y form one OCR line (left to
    right), as a reading-order pass would give them."""
    by_y: dict[int, list[tuple[int, str]]] = {}
    for x, y, text in rows:
        by_y.setdefault(y, []).append((x, text))
    words: list[Word] = []
    lines = []
    for y in sorted(by_y):
        line = []
        for x, text in sorted(by_y[y]):
            left = x
            for token in text.split():
                w = Word(token, left, y, CHAR_W * len(token), H, 0.95)
                line.append(w)
                left += CHAR_W * len(token) + CHAR_W
        words += line
        lines.append(" ".join(w.text for w in line))
    return words, "\n".join(lines)


def lines_of(words: list[Word], text: str) -> list[list[Word]]:
    out, i = [], 0
    for row in text.split("\n"):
        n = len(row.split())
        out.append(words[i:i + n])
        i += n
    return out


BODY = [(300, 1400 + 60 * i, "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015 "
         "và các văn bản hướng dẫn thi hành") for i in range(12)]


def header_of(rows):
    words, text = place(rows)
    return read_header(lines_of(words, text)), words, text


def test_two_columns_number_under_the_motto():
    head, _, _ = header_of([
        (300, 100, "ỦY BAN NHÂN DÂN"), (1200, 100, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        (300, 160, "TỈNH QUẢNG NGÃI"), (1300, 160, "Độc lập - Tự do - Hạnh phúc"),
        (1300, 260, "Số: 1441/UBND-KT"),
        (1250, 330, "Quảng Ngãi, ngày 05 tháng 3 năm 2024"),
        (300, 330, "V/v triển khai thu thập, cập"), (300, 390, "nhật dữ liệu dân cư"),
        (600, 520, "Kính gửi: Các sở, ban, ngành tỉnh"), *BODY,
    ])
    assert " ".join(p.text for p in head.issuer) == "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI"
    assert head.parent == []
    assert head.number is not None and head.number.value() == "1441/UBND-KT"
    assert head.date is not None and head.date.iso() == "2024-03-05"
    assert head.kind == "công văn"
    assert " ".join(p.text for p in head.subject) == \
        "V/v triển khai thu thập, cập nhật dữ liệu dân cư"


def test_issuer_merged_with_the_motto_on_one_line():
    # OCR gave one line "ỦY BAN NHÂN DÂN CỘNG HÒA ..." with no wide gap inside
    head, _, _ = header_of([
        (300, 100, "ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        (300, 160, "TỈNH QUẢNG NGÃI"), (1300, 160, "Độc lập - Tự do - Hạnh phúc"),
        (300, 260, "Số: 04 /CT-UBND"), (1250, 260, "Quảng Ngãi, ngày 15 tháng 3 năm 2024"),
        (1100, 380, "CHỈ THỊ"),
        (700, 450, "Về việc tăng cường công tác phòng, chống tham nhũng"), *BODY,
    ])
    assert " ".join(p.text for p in head.issuer) == "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI"
    assert head.motto is not None and head.motto.text.startswith("CỘNG HÒA")
    assert head.title == "CHỈ THỊ"
    assert head.number is not None and head.number.value() == "04/CT-UBND"
    assert head.number.filled_in  # digits set apart from the printed symbol


def test_three_line_subject_stops_at_kinh_gui():
    head, _, _ = header_of([
        (300, 100, "BỘ TÀI CHÍNH"), (1200, 100, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        (300, 160, "CỤC THUẾ"), (1300, 160, "Độc lập - Tự do - Hạnh phúc"),
        (300, 260, "Số: 2191/CT-CS"), (1250, 260, "Hà Nội, ngày 08 tháng 4 năm 2026"),
        (300, 320, "V/v chính sách thuế"), (300, 370, "thu nhập doanh nghiệp"),
        (300, 420, "đối với hộ kinh doanh"),
        (700, 520, "Kính gửi: Cục Thuế các tỉnh"), *BODY,
    ])
    assert [p.text for p in head.parent] == ["BỘ TÀI CHÍNH"]
    assert [p.text for p in head.issuer] == ["CỤC THUẾ"]
    assert " ".join(p.text for p in head.subject) == \
        "V/v chính sách thuế thu nhập doanh nghiệp đối với hộ kinh doanh"


def test_incoming_stamp_is_not_the_issuer_or_the_date():
    head, _, _ = header_of([
        (300, 100, "ỦY BAN NHÂN DÂN"), (1200, 100, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        (300, 160, "TỈNH QUẢNG NGÃI"), (1300, 160, "Độc lập - Tự do - Hạnh phúc"),
        (300, 260, "Số: 12/CT-UBND"), (1250, 260, "Quảng Ngãi, ngày 20 tháng 3 năm 2018"),
        (1100, 380, "CHỈ THỊ"), (700, 450, "Về việc tăng cường công tác thi hành án"),
        (100, 600, "CÔNG VĂN ĐẾN"), (100, 650, "Số: 812"), (100, 700, "Ngày: 25/3/2018"),
        *BODY,
    ])
    assert " ".join(p.text for p in head.issuer) == "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI"
    assert head.date is not None and head.date.iso() == "2018-03-20"


def _letter_doc(number_line: str, date_line: str):
    words, text = place([
        (300, 100, "UBND TỈNH QUẢNG NGÃI"), (1200, 100, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        (300, 160, "BAN CHỈ ĐẠO 138"), (1300, 160, "Độc lập - Tự do - Hạnh phúc"),
        (300, 260, number_line), (1250, 260, date_line),
        (1100, 380, "QUYẾT ĐỊNH"), (700, 450, "Về việc kiện toàn Tổ giúp việc"), *BODY,
    ])
    facts = page_facts(words, text)
    [doc] = build_documents([facts], today=date(2026, 12, 1))
    return doc


def test_handwritten_number_and_day_are_kept_and_flagged():
    doc = _letter_doc("Số: /QĐ-BCĐ138", "Quảng Ngãi, ngày tháng 9 năm 2024")
    assert doc.doc_type == "van_ban_hanh_chinh"
    number, day = doc.fields["so_ky_hieu"], doc.fields["ngay_ban_hanh"]
    assert number.value == "?/QĐ-BCĐ138"
    assert [p.code for p in number.problems] == ["handwritten"]
    assert day.value == "2024-09-??"
    assert "handwritten" in [p.code for p in day.problems]
    assert doc.fields["co_quan_chu_quan"].value == "UBND TỈNH QUẢNG NGÃI"
    assert doc.fields["co_quan_ban_hanh"].value == "BAN CHỈ ĐẠO 138"
    assert doc.fields["loai_van_ban"].value == "QUYẾT ĐỊNH"
    # the portal never receives a partial value
    assert portal_value("so_ky_hieu", number.value) is None
    assert portal_value("ngay_ban_hanh", day.value) is None
    assert portal_value("so_ky_hieu", "15/QĐ-UBND") == "15/QĐ-UBND"


def test_printed_number_and_date_are_clean():
    doc = _letter_doc("Số: 15/QĐ-BCĐ138", "Quảng Ngãi, ngày 05 tháng 9 năm 2024")
    assert doc.fields["so_ky_hieu"].value == "15/QĐ-BCĐ138"
    assert not doc.fields["so_ky_hieu"].needs_review
    assert doc.fields["ngay_ban_hanh"].value == "2024-09-05"
    assert not doc.fields["ngay_ban_hanh"].needs_review


def test_number_and_date_readings():
    assert read_number("14.../QĐ-KNCGTVPT").value() == "14/QĐ-KNCGTVPT"
    assert read_number("24 /TTr -UBND").value() == "24/TTr-UBND"
    assert read_number("{5/CT-UBND").value() == "?5/CT-UBND"
    assert read_number("30/2020/NĐ-CP").value() == "30/2020/NĐ-CP"
    assert digits_or_unread("O7") == "07"
    assert read_date("Quảng Ngãi, tháng 9 năm 2024").iso() == "2024-09-??"
    assert read_date("Quảng Ngãi, ngày 12 năm 2021").iso() == "2021-12-??"  # "tháng" lost
    assert read_date("Hà Nội, ngày 0ÿ tháng 02 năm 2025").iso() == "2025-02-0?"
    assert read_date("Hà Nội, ngày 32 tháng 02 năm 2025").day == "??"
    assert read_date("Căn cứ Luật Tổ chức chính quyền địa phương") is None


def test_agency_correction_by_phrase_and_word():
    vocab, phrases = agency_vocabulary(), agency_phrases()
    assert correct_agency("TĨNH QUẢNG NGAI", vocab, phrases) == "TỈNH QUẢNG NGÃI"
    assert correct_agency("TỈNH HÀ TĨNH", vocab, phrases) == "TỈNH HÀ TĨNH"
    assert correct_agency("ÚY BAN NHÂN DÁN", vocab, phrases) == "ỦY BAN NHÂN DÂN"
    assert correct_agency("UỶ BAN NHÂN DÂN", vocab, phrases) == "UỶ BAN NHÂN DÂN"  # as printed


def test_petition_is_not_an_official_letter():
    words, text = place([
        (1200, 100, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        (1300, 160, "Độc lập - Tự do - Hạnh phúc"),
        (1100, 300, "ĐƠN ĐỀ NGHỊ"), (300, 380, "Kính gửi: Ủy ban nhân dân xã Tân Phú"), *BODY,
    ])
    [doc] = build_documents([page_facts(words, text)], today=date(2026, 12, 1))
    assert doc.doc_type != "van_ban_hanh_chinh"


def test_card_number_after_bilingual_label():
    words, text = place([
        (300, 100, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), (300, 160, "Độc lập - Tự do - Hạnh phúc"),
        (300, 240, "~~ ~~~ ~~"),
        (300, 300, "Số No. 046202007684"), (300, 360, "Họ và tên / Full name:"),
        (300, 420, "NGUYỄN VĂN AN"), (300, 480, "Ngày sinh / Date of birth: 05/03/2002"),
        (300, 540, "Giới tính / Sex: Nam Quốc tịch / Nationality: Việt Nam"),
    ])
    [doc] = build_documents([page_facts(words, text)], today=date(2026, 12, 1))
    assert doc.doc_type == "can_cuoc"
    assert doc.fields["so_dinh_danh"].value == "046202007684"


def test_subject_text_and_doubts():
    from pipeline.papers.fields import prose_doubts, subject_text

    assert subject_text(",Vềviệc triển khai") == "Về việc triển khai"
    assert subject_text("V/v thuộc Văn phòng UBND tính năm 2010") == \
        "V/v thuộc Văn phòng UBND tỉnh năm 2010"
    assert subject_text("Uy ban nhân dân tỉnh") == "Ủy ban nhân dân tỉnh"
    assert subject_text("Nghị quyết số 24/2013/NQ- HĐND") == "Nghị quyết số 24/2013/NQ-HĐND"
    assert subject_text("không “dấu” trên") == 'không "dấu" trên'
    words = [Word("Nhâm", 0, 0, 10, 10, 0.95), Word("Dân", 0, 0, 10, 10, 0.55)]
    assert prose_doubts("Nhâm Dân", words) == ["Dân"]  # a valid syllable read unsurely
    assert "quyêt" in prose_doubts("Nghị quyêt", [])  # not a syllable


def test_subject_line_off_centre_is_flagged():
    # the subject's second line lost its first words: it no longer sits under the title
    words, text = place([
        (300, 100, "ỦY BAN NHÂN DÂN"), (1200, 100, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        (300, 160, "TỈNH QUẢNG NGÃI"), (1300, 160, "Độc lập - Tự do - Hạnh phúc"),
        (300, 260, "Số: 08/CT-UBND"), (1250, 260, "Quảng Ngãi, ngày 03 tháng 4 năm 2018"),
        (1150, 380, "CHỈ THỊ"),
        (700, 450, "Về việc tăng cường công tác quản lý nhà nước"),
        (1100, 510, "sử dụng vốn ngoài ngân sách"), *BODY,
    ])
    [doc] = build_documents([page_facts(words, text)], today=date(2026, 12, 1))
    assert "unreadable" in [p.code for p in doc.fields["trich_yeu"].problems]


def test_letter_subject_without_its_vv_is_kept_and_flagged():
    words, text = place([
        (300, 100, "BỘ TÀI CHÍNH"), (1200, 100, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        (300, 160, "CỤC THUẾ"), (1300, 160, "Độc lập - Tự do - Hạnh phúc"),
        (300, 260, "Số: /CT-CS"), (1250, 260, "Hà Nội, ngày tháng 4 năm 2026"),
        (300, 320, "chính sách thuế TNDN"),
        (700, 450, "Kính gửi: Thuế tỉnh Ninh Bình"), *BODY,
    ])
    [doc] = build_documents([page_facts(words, text)], today=date(2026, 12, 1))
    subject = doc.fields["trich_yeu"]
    assert subject.value == "chính sách thuế TNDN"
    assert "unreadable" in [p.code for p in subject.problems]
    assert doc.fields["loai_van_ban"].value == "công văn"
    assert doc.fields["so_ky_hieu"].value == "?/CT-CS"


def test_a_body_name_wrapped_mid_compound_is_one_body_under_its_parent():
    """"SỞ TÀI NGUYÊN VÀ MÔI" / "TRƯỜNG": the second line starts with a word that can head
    a body's name (TRƯỜNG, a school), but here it ends the compound "MÔI TRƯỜNG"."""
    head, _, _ = header_of([
        (300, 100, "UBND TỈNH CÀ MAU"), (1200, 100, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        (300, 160, "SỞ TÀI NGUYÊN VÀ MÔI"), (1300, 160, "Độc lập - Tự do - Hạnh phúc"),
        (300, 220, "TRƯỜNG"),
        (300, 300, "Số: 12/STNMT-QLĐĐ"), (1250, 300, "Cà Mau, ngày 05 tháng 3 năm 2024"),
        (300, 360, "V/v cấp đổi giấy chứng nhận"),
        (600, 520, "Kính gửi: Ủy ban nhân dân các huyện"), *BODY,
    ])
    assert " ".join(p.text for p in head.parent) == "UBND TỈNH CÀ MAU"
    assert " ".join(p.text for p in head.issuer) == "SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG"


def test_similar_is_exact_at_or_above_its_floor_and_below_it_otherwise() -> None:
    import difflib
    import random

    from pipeline.papers.header import similar

    rng = random.Random(7)
    words = ["cong hoa xa hoi chu nghia viet nam", "doc lap tu do hanh phuc", "quyet dinh",
             "giay khai sinh", "uy ban nhan dan", "so", "cong van", "to khai"]
    for _ in range(400):
        a = rng.choice(words)
        b = "".join(c for c in rng.choice(words) if rng.random() > 0.15)  # OCR-like losses
        exact = difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
        floor = rng.choice([0.0, 0.5, 0.7, 0.75, 0.84, 0.9])
        got = similar(a, b, floor)
        assert got == exact if exact >= floor else got < floor
