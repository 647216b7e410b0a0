"""A letter's subject settled word by word (pipeline/papers/subject.py), the subject's text
clean-up and fixed phrases (pipeline/papers/fields.py), and the header rules around it:
a subject line that starts "thực hiện …" in lower case, a year read with a gap."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.papers.fields import build_documents, fix_phrases, page_facts, subject_text
from pipeline.papers.header import read_date
from pipeline.papers.subject import settle_subject
from tests.pipeline.papers.test_header import BODY, header_of, place

pytestmark = pytest.mark.skipif(
    __import__("ocr_models.vietnamese", fromlist=["default_lexicon"]).default_lexicon() is None,
    reason="hunspell-vi not installed")


def test_the_other_readings_outvote_a_tone_slip():
    text, changes = settle_subject(
        "Về việc đón Tết Nguyên đán Nhâm Dằn-năm 2022 đầm ấm",
        ["Về việc đón Tết Nguyên đán Nhâm Dần-năm 2022 đầm ấm",
         "CHỈ THỊ Về việc đón Tết | Nguyên đán Nhâm Dần-năm 2022 đầm ấm"])
    assert text == "Về việc đón Tết Nguyên đán Nhâm Dần-năm 2022 đầm ấm"
    assert [(c.read, c.chosen, c.tied) for c in changes] == [("Dằn", "Dần", False)]


def test_the_same_words_in_the_body_vote_too():
    # the subject and its crop re-reading slip alike; the body prints the words again
    body = ["Thời gian qua, Ban Chỉ đạo xoá nhà tạm, nhà dột nát huyện Bình Sơn",
            "triển khai xóa nhà tạm, nhà dột nát trên địa bàn",
            "nhà dột nát. Để phấn đấu đạt mục tiêu"]
    text, _ = settle_subject("Kết luận về xoá nhà tạm, nhà đột nát huyện Bình Sơn",
                             ["Kết luận về xoá nhà tạm, nhà đột nát huyện Bình Sơn"], body)
    assert text == "Kết luận về xoá nhà tạm, nhà dột nát huyện Bình Sơn"


def test_a_lone_word_elsewhere_does_not_vote():
    # "dột" alone in the body, not next to the subject word's neighbours: no evidence
    text, changes = settle_subject("nhà đột nát", [], ["mái dột", "dột"])
    assert text == "nhà đột nát" and changes == []


def test_a_tie_goes_to_the_commoner_syllable_and_is_reported():
    text, changes = settle_subject("sử dụng đắt để thực hiện", ["sử dụng đất để thực hiện"])
    assert text == "sử dụng đất để thực hiện"
    assert changes and changes[0].tied


def test_numbers_codes_abbreviations_and_case_are_kept():
    text, changes = settle_subject(
        "Nghị quyết 24/2013/NQ-HĐND của HĐND TỈNH",
        ["Nghị quyết 24/2013/NQ-HDND của HDND TÍNH", "Nghị quyết 24/2013/NQ-HDND của HDND TÍNH"])
    assert text == "Nghị quyết 24/2013/NQ-HĐND của HĐND TỈNH"
    assert changes == []
    text, _ = settle_subject("Về Việc Chiên Thăng", ["Về Việc Chiến Thắng"] * 2)
    assert text == "Về Việc Chiến Thắng"


def test_an_invalid_syllable_never_wins():
    text, _ = settle_subject("Quốc tế lao động", ["Quôc tế lao động"] * 3)
    assert text == "Quốc tế lao động"


def test_subject_text_start_of_the_subject():
    assert subject_text("và việc miễn nhiệm chức danh") == "Về việc miễn nhiệm chức danh"
    assert subject_text("V¿v chính sách thuế") == "V/v chính sách thuế"
    assert subject_text("V|v: chính sách thuế") == "V/v: chính sách thuế"
    assert subject_text("Vấn đề về việc") == "Vấn đề về việc"  # not a "Về việc" start


def test_fixed_phrases_of_administrative_prose():
    assert fix_phrases("xếp lương đôi với ông A") == "xếp lương đối với ông A"
    assert fix_phrases("Chuyến đôi số tỉnh") == "Chuyển đổi số tỉnh"
    assert fix_phrases("Tết Nguyên đán Nhâm Dằn") == "Tết Nguyên đán Nhâm Dần"
    assert fix_phrases("Quy hoạch tông thể, tông hợp") == "Quy hoạch tổng thể, tổng hợp"
    assert fix_phrases("một đôi, với nhau") == "một đôi, với nhau"  # broken by punctuation


def test_a_year_read_with_a_gap():
    reading = read_date("Hà Nội, ngày 09 tháng 04 năm 201 5")
    assert reading is not None and reading.iso() == "2015-04-09"
    assert read_date("Hà Nội, ngày 09 tháng 04 năm 1 2015") is None  # five digits: no year


def test_subject_second_line_starting_thuc_hien_is_not_the_body():
    rows = [
        (300, 100, "ỦY BAN NHÂN DÂN"), (1200, 100, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        (300, 160, "TỈNH QUẢNG NGÃI"), (1300, 160, "Độc lập - Tự do - Hạnh phúc"),
        (300, 260, "Số: 08/CT-UBND"), (1250, 260, "Quảng Ngãi, ngày 03 tháng 4 năm 2018"),
        (1150, 380, "CHỈ THỊ"),
        (600, 450, "Về việc tăng cường quản lý nhà nước để hỗ trợ nhà đầu tư"),
        (560, 510, "thực hiện dự án sử dụng vốn ngoài ngân sách nhà nước"),
        (300, 620, "Thực hiện Nghị quyết của Hội đồng nhân dân tỉnh về đầu tư"), *BODY,
    ]
    head, _, _ = header_of(rows)
    assert " ".join(p.text for p in head.subject) == (
        "Về việc tăng cường quản lý nhà nước để hỗ trợ nhà đầu tư "
        "thực hiện dự án sử dụng vốn ngoài ngân sách nhà nước")


def test_letter_subject_field_takes_the_body_spelling():
    words, text = place([
        (300, 100, "ỦY BAN NHÂN DÂN"), (1200, 100, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        (300, 160, "TỈNH QUẢNG NGÃI"), (1300, 160, "Độc lập - Tự do - Hạnh phúc"),
        (300, 260, "Số: 660/TB-UBND"), (1250, 260, "Quảng Ngãi, ngày 20 tháng 12 năm 2024"),
        (1150, 380, "THÔNG BÁO"),
        (700, 450, "Kết luận về xoá nhà tạm, nhà đột nát huyện Bình Sơn"),
        (300, 620, "Ngày 15/12/2024, Ban Chỉ đạo xoá nhà tạm, nhà dột nát huyện họp."),
        (300, 680, "Chương trình xóa nhà tạm, nhà dột nát trên địa bàn huyện"), *BODY,
    ])
    [doc] = build_documents([page_facts(words, text)], today=date(2026, 12, 1))
    assert doc.fields["trich_yeu"].value == \
        "Kết luận về xoá nhà tạm, nhà dột nát huyện Bình Sơn"
    assert doc.fields["ngay_ban_hanh"].value == "2024-12-20"


def test_the_receiving_body_printed_on_an_incoming_stamp_is_not_the_issuer():
    """A consolidated text whose issuer block is covered by stamps: the name on the
    "CÔNG VĂN ĐẾN" stamp (printed larger than the page's text) is no issuer."""
    from pipeline.papers.header import read_header
    from tests.pipeline.papers.test_header import lines_of

    words, text = place([
        (100, 100, "VĂN PHÒNG CHÍNH PHỦ"), (1200, 100, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        (1300, 160, "Độc lập - Tự do - Hạnh phúc"), (100, 190, "CÔNG VĂN ĐẾN"),
        (100, 250, "Giờ ... Ngày ..."), (1100, 330, "THÔNG TƯ"),
        (700, 400, "Quy định và hướng dẫn tổ chức lễ tang"), *BODY,
    ])
    from dataclasses import replace

    # stamp letters: 90 px apart is under two of their heights, over two of the page's
    words = [replace(w, height=52) if w.top in (100, 190) and w.left < 1000 else w
             for w in words]
    head = read_header(lines_of(words, text))
    assert head.issuer == [] and head.title == "THÔNG TƯ"


def test_a_body_sentence_citing_a_paper_makes_no_issue_date():
    """The digit slots found "ngày 20 tháng 6 năm 2016" in "Thông tư số 86/2016/TT-BQP
    ngày 20 tháng 6 năm 2016 …" on a page whose header has no date line: no issue date."""
    from pipeline.page.slots import SlotReading, SlotReadings
    from pipeline.papers.digits_settle import settle_digits
    from pipeline.papers.extract import page_lines

    words, text = place([(300, 700, "Thông tư số 86/2016/TT-BQP ngày 20 tháng 6 năm 2016")])
    day = next(w for w in words if w.text == "20")
    box = (day.left, day.top, day.left + day.width, day.top + day.height)
    slots = SlotReadings(day=SlotReading("day", "20", (0.9, 0.9), "20", 0.9, box, True),
                         month=SlotReading("month", "6", (0.9,), "6", 0.9, box, True),
                         year="2016")
    facts = page_facts(words, text)
    facts.lines = page_lines(words, text)
    facts.slots = slots
    fields: dict = {}
    settle_digits(fields, [facts], "so_ky_hieu", "ngay_ban_hanh", date(2026, 12, 1))
    assert "ngay_ban_hanh" not in fields
    # the same slots on a place-and-date line make the (flagged) issue date
    words, text = place([(1250, 260, "Quảng Ngãi, ngày 20 tháng 6 năm 2016")])
    day = next(w for w in words if w.text == "20")
    box = (day.left, day.top, day.left + day.width, day.top + day.height)
    facts.lines = page_lines(words, text)
    facts.slots = SlotReadings(day=SlotReading("day", "20", (0.9, 0.9), "", 0.0, box, True),
                               month=SlotReading("month", "6", (0.9,), "6", 0.9, box, True),
                               year="2016")
    settle_digits(fields, [facts], "so_ky_hieu", "ngay_ban_hanh", date(2026, 12, 1))
    assert fields["ngay_ban_hanh"].value == "2016-06-20"
