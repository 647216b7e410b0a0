"""Unit tests of page classification, page grouping, field extraction and document building
(pipeline/classify.py, pipeline/extract.py, pipeline/fields.py, pipeline/qr.py) on pages built
from text. Fast: no Tesseract, no images."""

from __future__ import annotations

import random
from datetime import date

import pytest

from ocr_models import Word
from pipeline.papers.classify import PageClass, classify_page, group_pages
from pipeline.papers.extract import page_lines, read_mrz
from pipeline.papers.fields import (
    REVIEW_CONFIDENCE,
    Document,
    PageFacts,
    build_documents,
    page_facts,
)
from pipeline.papers.qr import parse_card_qr
from tests.scangen.people import Person, ascii_fold, mrz_lines, random_person

TODAY = date(2026, 11, 22)
LINE_GAP = 60  # px between the tops of consecutive lines
CHAR_W = 25  # px per character
CONF = 0.95


def make_words(lines: list[str], confidence: float = CONF) -> tuple[list[Word], str]:
    """OCR words for text lines (one top per line, left to right), and the page text."""
    words: list[Word] = []
    for i, line in enumerate(lines):
        left = 100
        for token in line.split():
            width = CHAR_W * len(token)
            words.append(Word(token, left, 100 + LINE_GAP * i, width, 40, confidence))
            left += width + CHAR_W
    text = "\n".join(" ".join(line.split()) for line in lines)
    return words, text


def facts_of(lines: list[str], *, page: int = 0, **kw) -> PageFacts:
    words, text = make_words(lines)
    return page_facts(words, text, page=page, **kw)


def lines_of(texts: list[str]):
    return page_lines(*make_words(texts))


def build(*pages: list[str]) -> list[Document]:
    return build_documents([facts_of(p, page=i) for i, p in enumerate(pages)], today=TODAY)


def codes(doc: Document, key: str) -> list[str]:
    return [p.code for p in doc.fields[key].problems]


MOTTO = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]

BIRTH_CERTIFICATE = [
    "ỦY BAN NHÂN DÂN",
    "XÃ TÂN PHÚ",
    "Số: 12/2020",
    *MOTTO,
    "GIẤY KHAI SINH",
    "Họ, chữ đệm, tên: TRẦN MINH KHÔI",
    "Ngày, tháng, năm sinh: 05/03/2020 ghi bằng chữ: Ngày năm tháng ba năm hai nghìn không "
    "trăm hai mươi",
    "Giới tính: Nam Dân tộc: Kinh Quốc tịch: Việt Nam",
    "Số định danh cá nhân: 001220123456",
    "Họ, chữ đệm, tên người mẹ: LÊ THỊ HOA",
    "Họ, chữ đệm, tên người cha: TRẦN VĂN AN",
    "Ngày, tháng, năm đăng ký: 10/03/2020",
]

MARRIAGE_CERTIFICATE = [
    "ỦY BAN NHÂN DÂN",
    "PHƯỜNG NGỌC THỤY",
    *MOTTO,
    "GIẤY CHỨNG NHẬN KẾT HÔN",
    "Họ, chữ đệm, tên vợ: NGUYỄN THỊ LAN",
    "Ngày, tháng, năm sinh: 12/07/1995",
    "Số định danh cá nhân: 001195123456",
    "Họ, chữ đệm, tên chồng: PHẠM VĂN HÙNG",
    "Ngày, tháng, năm sinh: 01/02/1993",
    "Số định danh cá nhân: 001093654321",
    "Ngày, tháng, năm đăng ký: 10/03/2020",
]

DECISION = [
    "ỦY BAN NHÂN DÂN",
    "HUYỆN ĐỨC HÒA",
    "Số: 15/QĐ-UBND",
    *MOTTO,
    "Đức Hòa, ngày 05 tháng 3 năm 2024",
    "QUYẾT ĐỊNH",
    "Về việc phê duyệt kế hoạch số hóa năm 2024",
    "CHỦ TỊCH ỦY BAN NHÂN DÂN HUYỆN ĐỨC HÒA",
    "Căn cứ Luật Tổ chức chính quyền địa phương;",
]

CONTINUATION = [
    "Điều 2. Quyết định này có hiệu lực kể từ ngày ký.",
    "Điều 3. Chánh Văn phòng và các cơ quan liên quan chịu trách nhiệm thi hành.",
]

CARD_FRONT = [
    *MOTTO,
    "CĂN CƯỚC CÔNG DÂN",
    "Số / No.: 001090123456",
    "Họ và tên / Full name:",
    "NGUYỄN VĂN AN",
    "Ngày sinh / Date of birth: 05/03/1990",
    "Giới tính / Sex: Nam Quốc tịch / Nationality: Việt Nam",
]

CARD_BACK = [
    "Đặc điểm nhân dạng / Personal identification: Nốt ruồi cách 2cm dưới mép trái",
    "Ngày, tháng, năm / Date, month, year: 02/05/2023",
]

PROSE = [
    "Hôm nay trời đẹp, chúng tôi đi chơi ở công viên gần nhà.",
    "Buổi chiều chúng tôi về nhà và ăn cơm cùng gia đình.",
]


# -- the page helper ------------------------------------------------------------------------------


def test_page_lines_rebuilds_the_lines():
    lines = lines_of(["GIẤY KHAI SINH", "Họ, chữ đệm, tên:   TRẦN MINH KHÔI"])
    assert [ln.text for ln in lines] == ["GIẤY KHAI SINH", "Họ, chữ đệm, tên: TRẦN MINH KHÔI"]
    assert lines[0].folded == "giay khai sinh"
    assert lines[0].is_upper and not lines[1].is_upper
    assert lines[1].top - lines[0].top == LINE_GAP


# -- birth certificate -----------------------------------------------------------------------------


def test_birth_certificate_fields():
    [doc] = build(BIRTH_CERTIFICATE)
    assert doc.doc_type == "giay_khai_sinh"
    assert doc.pages == [0]
    expected = {
        "ho_ten": "Trần Minh Khôi",
        "ngay_sinh": "2020-03-05",
        "gioi_tinh": "Nam",
        "so_dinh_danh": "001220123456",
        "ho_ten_me": "Lê Thị Hoa",
        "ho_ten_cha": "Trần Văn An",
        "so": "12/2020",
        "ngay_dang_ky": "2020-03-10",
        "co_quan_ban_hanh": "Ủy ban nhân dân xã Tân Phú",
    }
    values = doc.values()
    for key, value in expected.items():
        assert values.get(key) == value, key
        assert not doc.fields[key].needs_review, (key, doc.fields[key].problems)
        assert doc.fields[key].confidence == pytest.approx(CONF)
    assert values["dan_toc"] == "Kinh"
    assert values["quoc_tich"] == "Việt Nam"
    assert "ngay_sinh_bang_chu" not in values
    assert CONF > REVIEW_CONFIDENCE
    assert not doc.needs_review


def test_birth_certificate_json():
    [doc] = build(BIRTH_CERTIFICATE)
    data = doc.to_json()
    assert data["type"] == "giay_khai_sinh"
    assert data["pages"] == [0]
    assert data["needs_review"] is False
    assert data["fields"]["ho_ten"] == {"value": "Trần Minh Khôi", "confidence": 0.95,
                                        "source": "ocr", "needs_review": False}


def test_birth_certificate_id_year_mismatch():
    page = [ln.replace("001220123456", "001219123456") for ln in BIRTH_CERTIFICATE]
    [doc] = build(page)
    pid = doc.fields["so_dinh_danh"]
    assert pid.value == "001219123456"
    assert pid.needs_review
    assert "id_year" in codes(doc, "so_dinh_danh")
    assert doc.fields["ngay_sinh"].needs_review
    assert "disagrees" in codes(doc, "ngay_sinh")
    assert doc.needs_review
    reasons = doc.to_json()["fields"]["so_dinh_danh"]["reasons"]
    assert any(r["code"] == "id_year" for r in reasons)


def test_birth_certificate_id_sex_mismatch():
    page = [ln.replace("001220123456", "001320123456") for ln in BIRTH_CERTIFICATE]
    [doc] = build(page)
    assert "id_sex" in codes(doc, "so_dinh_danh")


def test_birth_certificate_date_in_words_disagrees():
    page = [ln.replace("tháng ba năm", "tháng tư năm") for ln in BIRTH_CERTIFICATE]
    [doc] = build(page)
    assert doc.values()["ngay_sinh"] == "2020-03-05"  # the numeric date is kept
    assert doc.fields["ngay_sinh"].needs_review
    assert "disagrees" in codes(doc, "ngay_sinh")


def test_birth_certificate_low_confidence_is_flagged():
    words, text = make_words(BIRTH_CERTIFICATE, confidence=0.5)
    [doc] = build_documents([page_facts(words, text)], today=TODAY)
    assert doc.values()["ho_ten"] == "Trần Minh Khôi"
    assert "low_confidence" in codes(doc, "ho_ten")


def test_birth_certificate_future_birth_date():
    page = [ln.replace("05/03/2020 ghi bằng chữ", "05/03/2027 ghi bằng chữ")
            for ln in BIRTH_CERTIFICATE]
    [doc] = build(page)
    assert "date_future" in codes(doc, "ngay_sinh")


# -- marriage certificate --------------------------------------------------------------------------


def test_marriage_certificate_person_context():
    [doc] = build(MARRIAGE_CERTIFICATE)
    assert doc.doc_type == "giay_chung_nhan_ket_hon"
    values = doc.values()
    assert values["ho_ten_vo"] == "Nguyễn Thị Lan"
    assert values["so_dinh_danh_vo"] == "001195123456"
    assert values["ngay_sinh_vo"] == "1995-07-12"
    assert values["ho_ten_chong"] == "Phạm Văn Hùng"
    assert values["so_dinh_danh_chong"] == "001093654321"
    assert values["ngay_sinh_chong"] == "1993-02-01"
    assert values["ngay_dang_ky"] == "2020-03-10"  # a paper key, not the husband's
    assert values["co_quan_ban_hanh"] == "Ủy ban nhân dân phường Ngọc Thụy"
    for key in ("ho_ten", "so_dinh_danh", "ngay_sinh", "ngay_dang_ky_chong"):
        assert key not in values
    assert not doc.needs_review


def test_marriage_certificate_wife_id_checked_against_her_sex():
    # a male sex digit (0) on the wife's ID
    page = [ln.replace("001195123456", "001095123456") for ln in MARRIAGE_CERTIFICATE]
    [doc] = build(page)
    assert "id_sex" in codes(doc, "so_dinh_danh_vo")
    assert not doc.fields["so_dinh_danh_chong"].needs_review


# -- classification -----------------------------------------------------------------------------


def classify(title: list[str]) -> PageClass:
    return classify_page(lines_of([*MOTTO, *title, "Nội dung của giấy tờ được viết ở đây."]))


@pytest.mark.parametrize(("title", "doc_type"), [
    (["TỜ KHAI ĐĂNG KÝ KẾT HÔN"], "to_khai"),
    (["TỜ KHAI ĐĂNG KÝ KHAI SINH"], "to_khai"),
    (["GIẤY XÁC NHẬN", "TÌNH TRẠNG HÔN NHÂN"], "giay_xac_nhan_tinh_trang_hon_nhan"),
    (["QUYẾT ĐỊNH"], "van_ban_hanh_chinh"),
    (["GIẤY KHAI SINH"], "giay_khai_sinh"),
    (["GIẤY CHỨNG NHẬN KẾT HÔN"], "giay_chung_nhan_ket_hon"),
    (["GIẤY CHỨNG NHẬN", "QUYỀN SỬ DỤNG ĐẤT"], "giay_chung_nhan_qsdd"),
    (["CĂN CƯỚC CÔNG DÂN"], "can_cuoc"),
])
def test_classify_titles(title, doc_type):
    pc = classify(title)
    assert pc.doc_type == doc_type
    assert pc.starts
    assert pc.confidence >= 0.82


@pytest.mark.parametrize("title", ["GIAY KHAI SINH", "GIẤY KHAl SINH", "GlẤY KHAI SINH",
                                   "GIẤY KHAI SlNH", "GIẤY KHAI SINH."])
def test_classify_titles_with_ocr_slips(title):
    pc = classify([title])
    assert pc.doc_type == "giay_khai_sinh"
    assert pc.starts


@pytest.mark.parametrize("title", ["'GIẦY khai SINH", "GIẤY KHAI sinh"])
def test_classify_title_with_a_word_read_in_small_letters(title):
    # a blurred photo's title: Tesseract gives one word of it back in small letters
    pc = classify([title])
    assert pc.doc_type == "giay_khai_sinh"
    assert pc.starts


def test_a_sentence_in_small_letters_is_no_title():
    pc = classify(["Giấy khai sinh của con được cấp ngày hôm nay."])
    assert pc.doc_type != "giay_khai_sinh"


LAND_BODY = [
    "I. Người sử dụng đất, chủ sở hữu nhà ở và tài sản khác gắn liền với đất",
    "Bà: LÊ THỊ XUÂN, sinh năm 1963, CCCD số: 096163502632",
    "a) Thửa đất số: 840, tờ bản đồ số: 22;",
    "c) Diện tích: 232 m², (bằng chữ: Hai trăm ba mươi hai mét vuông);",
    "đ) Mục đích sử dụng: Đất ở tại đô thị;",
    "e) Thời hạn sử dụng: Lâu dài;",
    "g) Nguồn gốc sử dụng: Nhà nước giao đất có thu tiền sử dụng đất.",
    "Số vào sổ cấp GCN: VP 92672",
]


def test_classify_land_certificate_by_its_labels():
    # the red title lost to the guilloche background ("1\Y CHỨNG NHẬN", "quyên SỬ DỤNG")
    page = [*MOTTO, "1\\Y CHỨNG NHẬN", "quyên SỬ DỤNG ĐẤT", *LAND_BODY]
    pc = classify_page(lines_of(page))
    assert pc.doc_type == "giay_chung_nhan_qsdd"
    assert pc.starts
    # three of the labels are not enough (a letter may name a parcel)
    assert classify_page(lines_of([*MOTTO, *LAND_BODY[2:5]])).doc_type != \
        "giay_chung_nhan_qsdd"
    # a decision about land keeps its title
    assert classify_page(lines_of([*MOTTO, "QUYẾT ĐỊNH", *LAND_BODY])).doc_type == \
        "van_ban_hanh_chinh"


def test_a_speck_at_the_end_of_the_issuer_line_is_no_part_of_the_name():
    page = ["ỦY BAN NHÂN DÂN", "PHƯỜNG QUYẾT THẮNG -", "Số: 149/2003", *MOTTO, "GIẤY KHAI SINH",
            "Họ, chữ đệm, tên: LÊ DIỆU NGỌC LINH"]
    [doc] = build(page)
    assert doc.fields["co_quan_ban_hanh"].value == "Ủy ban nhân dân phường Quyết Thắng"


def test_an_issuer_line_with_a_word_in_small_letters_is_kept_and_flagged():
    page = ["ỦY BAN NHÂN DÂN", "PHƯỜNG QUYẾT Phàng -", "Số: 149/2003", *MOTTO, "GIẤY KHAI SINH",
            "Họ, chữ đệm, tên: LÊ DIỆU NGỌC LINH"]
    [doc] = build(page)
    assert doc.fields["co_quan_ban_hanh"].value == "Ủy ban nhân dân phường Quyết Phàng"
    assert "low_confidence" in codes(doc, "co_quan_ban_hanh")


def test_land_signer_and_date_read_from_a_blurred_photo():
    # the unit line with words in small letters; a speck read after "năm"
    page = [*MOTTO, "GIẤY CHỨNG NHẬN", "QUYỀN SỬ DỤNG ĐẤT", *LAND_BODY,
            "Buôn Hồ, ngày 17 tháng 02 năm: 2017", "TM. ỦY BAN NHÂN DÂN", "THỊ XÃ buôn HỒ",
            "KT. CHỦ TỊCH"]
    [doc] = build(page)
    values = doc.values()
    assert values["ngay_cap"] == "2017-02-17"
    assert values["co_quan_ban_hanh"] == "Ủy ban nhân dân thị xã Buôn Hồ"
    assert "low_confidence" in codes(doc, "co_quan_ban_hanh")  # "buôn" read in small letters


@pytest.mark.parametrize("serial_line", ["CK 52321554", "CK 52321554 j", "/ CK52321554",
                                         "CK52321554/ / /"])
def test_land_serial_beside_specks(serial_line):
    page = [*MOTTO, "GIẤY CHỨNG NHẬN", "QUYỀN SỬ DỤNG ĐẤT", *LAND_BODY, serial_line]
    [doc] = build(page)
    assert doc.fields["so_phat_hanh"].value == "CK 52321554"
    # a word, not a speck, beside it: not a serial of its own line
    [doc] = build([*MOTTO, "GIẤY CHỨNG NHẬN", "QUYỀN SỬ DỤNG ĐẤT", *LAND_BODY,
                   "Mã CK 52321554 ghi"])
    assert "so_phat_hanh" not in doc.fields
    # a speck after the book number is no part of it
    [doc] = build([*MOTTO, "GIẤY CHỨNG NHẬN", "QUYỀN SỬ DỤNG ĐẤT", *LAND_BODY[:-1],
                   "Số vào sổ cấp GCN: VP 22715. ị"])
    assert doc.fields["so_vao_so"].value == "VP 22715"
    # a digit too many: kept, and flagged
    [doc] = build([*MOTTO, "GIẤY CHỨNG NHẬN", "QUYỀN SỬ DỤNG ĐẤT", *LAND_BODY,
                   "CK346534626/ / /"])
    assert doc.fields["so_phat_hanh"].value == "CK 346534626"
    assert doc.fields["so_phat_hanh"].needs_review


def test_classify_prose_is_khac():
    pc = classify_page(lines_of(PROSE))
    assert pc.doc_type == "khac"
    assert not pc.starts


def test_classify_blank():
    assert classify_page([], blank=True).doc_type == "blank"
    assert classify_page(lines_of(PROSE), blank=True).doc_type == "blank"
    assert classify_page([]).doc_type == "blank"


def test_classify_card_back():
    pc = classify_page(lines_of(CARD_BACK))
    assert pc.doc_type == "can_cuoc"
    assert pc.card_back and not pc.starts


def test_classify_official_letter_by_its_number():
    pc = classify_page(lines_of(["ỦY BAN NHÂN DÂN", "XÃ TÂN PHÚ", "Số: 374/UBND-VX", *MOTTO,
                                 "V/v đẩy mạnh số hóa hồ sơ"]))
    assert pc.doc_type == "van_ban_hanh_chinh"
    assert pc.starts


# -- grouping --------------------------------------------------------------------------------------


def test_group_decision_and_continuation():
    [doc] = build(DECISION, CONTINUATION)
    assert doc.doc_type == "van_ban_hanh_chinh"
    assert doc.pages == [0, 1]
    values = doc.values()
    assert values["so_ky_hieu"] == "15/QĐ-UBND"
    assert values["ngay_ban_hanh"] == "2024-03-05"
    assert values["co_quan_ban_hanh"] == "ỦY BAN NHÂN DÂN HUYỆN ĐỨC HÒA"  # as printed
    assert values["trich_yeu"] == "Về việc phê duyệt kế hoạch số hóa năm 2024"


def test_group_card_front_and_back():
    front, back = facts_of(CARD_FRONT), facts_of(CARD_BACK, page=1)
    assert front.page_class.doc_type == "can_cuoc" and front.page_class.starts
    assert back.page_class.card_back
    [doc] = build_documents([front, back], today=TODAY)
    assert doc.doc_type == "can_cuoc"
    assert doc.pages == [0, 1]
    values = doc.values()
    assert values["so_dinh_danh"] == "001090123456"
    assert values["ho_ten"] == "Nguyễn Văn An"
    assert values["ngay_sinh"] == "1990-03-05"
    assert values["ngay_cap"] == "2023-05-02"
    assert not doc.needs_review


def test_group_two_birth_certificates():
    docs = build(BIRTH_CERTIFICATE, BIRTH_CERTIFICATE)
    assert [(d.doc_type, d.pages) for d in docs] == [("giay_khai_sinh", [0]),
                                                     ("giay_khai_sinh", [1])]


def test_group_blank_page_is_in_no_document():
    blank = page_facts([], "", blank=True, page=1)
    assert blank.page_class.doc_type == "blank"
    docs = build_documents([facts_of(BIRTH_CERTIFICATE), blank,
                            facts_of(BIRTH_CERTIFICATE, page=2)], today=TODAY)
    assert [d.pages for d in docs] == [[0], [2]]
    assert all(1 not in d.pages for d in docs)


def test_group_only_blank_pages():
    assert build_documents([page_facts([], "", blank=True)], today=TODAY) == []


def test_group_untitled_first_page_is_khac():
    [doc] = build(PROSE)
    assert doc.doc_type == "khac"
    assert doc.pages == [0]


def test_group_untitled_page_after_a_card_starts_a_new_paper():
    docs = build(CARD_FRONT, PROSE)
    assert [(d.doc_type, d.pages) for d in docs] == [("can_cuoc", [0]), ("khac", [1])]


def test_group_pages_second_card_back_starts_a_new_card():
    front = PageClass("can_cuoc", 1.0, True)
    back = PageClass("can_cuoc", 0.9, False, card_back=True)
    groups = group_pages([front, back, back])
    assert [(g.doc_type, g.pages) for g in groups] == [("can_cuoc", [0, 1]), ("can_cuoc", [2])]


# -- the chip ID card's MRZ and QR ----------------------------------------------------------------


def person(seed: int = 1, **kw) -> Person:
    return random_person(random.Random(seed), **kw)


@pytest.mark.parametrize(("seed", "male", "born"), [
    (1, True, date(1990, 3, 5)), (2, False, date(1987, 9, 25)), (3, False, date(2001, 2, 3)),
    (4, True, date(2006, 12, 31)),
])
def test_read_mrz(seed, male, born):
    p = person(seed, male=male, born=born)
    mrz = read_mrz(lines_of(list(mrz_lines(p, date(2035, 1, 1)))))
    assert mrz is not None
    assert mrz.personal_id == p.pid
    assert mrz.birth == born.strftime("%y%m%d")
    assert mrz.sex == ("Nam" if male else "Nữ")
    assert mrz.expiry == "350101"
    assert mrz.name == ascii_fold(p.name).upper()


def test_read_mrz_corrupted_id_digit():
    p = person(1, male=True, born=date(1990, 3, 5))
    line1, line2, line3 = mrz_lines(p, date(2035, 1, 1))
    i = 20  # inside the 12-digit ID (IDVNM + 9 + check = 15 characters before it)
    bad = line1[:i] + str((int(line1[i]) + 1) % 10) + line1[i + 1:]
    mrz = read_mrz(lines_of([bad, line2, line3]))
    assert mrz is not None
    assert mrz.personal_id is None
    assert mrz.birth == "900305"  # the other lines still read


def test_read_mrz_corrupted_birth_check_digit():
    p = person(1, male=True, born=date(1990, 3, 5))
    line1, line2, line3 = mrz_lines(p, date(2035, 1, 1))
    bad = line2[:6] + str((int(line2[6]) + 1) % 10) + line2[7:]
    mrz = read_mrz(lines_of([line1, bad, line3]))
    assert mrz.birth is None
    assert mrz.personal_id == p.pid
    assert mrz.expiry == "350101"


def test_read_mrz_undoes_letter_digit_confusions():
    p = person(1, male=True, born=date(1990, 3, 5))
    line1, line2, line3 = mrz_lines(p, date(2035, 1, 1))
    slipped = line1[:5] + line1[5:27].replace("0", "O").replace("1", "I") + line1[27:]
    assert read_mrz(lines_of([slipped, line2, line3])).personal_id == p.pid


def test_read_mrz_none_without_mrz():
    assert read_mrz(lines_of(PROSE)) is None


def test_group_card_scanned_back_first_is_the_same_card_front_first():
    """A batch folder sorts "mat_sau.jpg" (back) before "mat_truoc.jpg" (front): one card,
    its front as page one, read exactly as when the front came first."""
    [doc] = build(CARD_BACK, CARD_FRONT)
    [front_first] = build(CARD_FRONT, CARD_BACK)
    assert doc.doc_type == "can_cuoc" and doc.pages == [1, 0]
    assert doc.values() == front_first.values()
    assert doc.values()["so_dinh_danh"] == "001090123456"


def test_group_two_cards_each_scanned_back_first():
    docs = build(CARD_BACK, CARD_FRONT, CARD_BACK, CARD_FRONT)
    assert [(d.doc_type, d.pages) for d in docs] == [("can_cuoc", [1, 0]), ("can_cuoc", [3, 2])]
    mixed = build(CARD_FRONT, CARD_BACK, CARD_BACK, CARD_FRONT)
    assert [d.pages for d in mixed] == [[0, 1], [3, 2]]


def test_group_a_lone_back_does_not_take_another_persons_front():
    """A's back (its MRZ says A's ID), then B's front and back: A's front is missing, B's
    card stays whole and A's back stays alone."""
    a = person(5, male=False, born=date(1987, 9, 25))
    a_back = [*CARD_BACK, *mrz_lines(a, date(2030, 3, 5))]
    docs = build(a_back, CARD_FRONT, CARD_BACK)  # the front is 001090123456
    assert [(d.doc_type, d.pages) for d in docs] == [("can_cuoc", [0]), ("can_cuoc", [1, 2])]
    assert docs[0].values()["so_dinh_danh"] == a.pid


def test_card_back_with_mrz_confirms_the_front():
    p = person(3, male=True, born=date(1990, 3, 5), family="Nguyễn")
    front = [ln.replace("001090123456", p.pid).replace("NGUYỄN VĂN AN", p.name_upper)
             for ln in CARD_FRONT]
    back = [*CARD_BACK, *mrz_lines(p, date(2030, 3, 5))]
    [doc] = build(front, back)
    assert doc.pages == [0, 1]
    assert doc.fields["so_dinh_danh"].value == p.pid
    assert "mrz" in doc.fields["so_dinh_danh"].source
    assert doc.fields["ngay_sinh"].value == "1990-03-05"
    assert not doc.needs_review


def test_card_back_mrz_disagreeing_with_the_front_is_flagged():
    p = person(3, male=True, born=date(1990, 3, 5), family="Nguyễn")
    front = [ln.replace("NGUYỄN VĂN AN", p.name_upper) for ln in CARD_FRONT]  # ID 001090123456
    back = [*CARD_BACK, *mrz_lines(p, date(2030, 3, 5))]
    [doc] = build(front, back)
    pid = doc.fields["so_dinh_danh"]
    assert pid.value == p.pid  # the check-digit-verified MRZ reading wins
    assert "disagrees" in [pr.code for pr in pid.problems]


def test_parse_card_qr():
    qr = parse_card_qr("001090123456|123456789|Nguyễn Văn An|05031990|Nam|"
                       "Thôn 1, Xã A, Huyện B, Tỉnh C|01022022")
    assert qr is not None
    assert qr.personal_id == "001090123456"
    assert qr.old_id == "123456789"
    assert qr.name == "Nguyễn Văn An"
    assert qr.birth == date(1990, 3, 5)
    assert qr.sex == "Nam"
    assert qr.address == "Thôn 1, Xã A, Huyện B, Tỉnh C"
    assert qr.issued == date(2022, 2, 1)


def test_parse_card_qr_bad_dates_and_sex_become_none():
    qr = parse_card_qr("001090123456||Nguyễn  Văn An|31021990|X|Thôn 1|2022")
    assert qr is not None
    assert qr.old_id == ""
    assert qr.name == "Nguyễn Văn An"
    assert qr.birth is None and qr.issued is None and qr.sex is None


@pytest.mark.parametrize("payload", ["https://example.com/abc", "", "001090123456|x|y",
                                     "abc|d|e|f|g|h|i", "00109012345|1|N|05031990|Nam|A|01022022"])
def test_parse_card_qr_not_a_card(payload):
    assert parse_card_qr(payload) is None


def test_qr_page_is_a_card_and_its_values_win():
    qr = parse_card_qr("001090123456||Nguyễn Văn An|05031990|Nam|Thôn 1, Xã A|01022022")
    facts = facts_of(["Một dòng chữ không rõ"], qr=qr)
    assert facts.page_class.doc_type == "can_cuoc"
    [doc] = build_documents([facts], today=TODAY)
    values = doc.values()
    assert values["so_dinh_danh"] == "001090123456"
    assert values["ho_ten"] == "Nguyễn Văn An"
    assert values["ngay_sinh"] == "1990-03-05"
    assert values["ngay_cap"] == "2022-02-01"
    assert doc.fields["so_dinh_danh"].source == "qr"


# -- known bugs ------------------------------------------------------------------------------------


def test_card_nationality_wrapped_onto_two_lines():
    front = [ln.replace("Nationality: Việt Nam", "Nationality: Việt") for ln in CARD_FRONT]
    [doc] = build([*front, "Nam"])
    assert doc.values()["quoc_tich"] == "Việt Nam"


def test_card_nationality_under_a_misread_english_label():
    front = [ln.replace("Nationality:", "Nung:") for ln in CARD_FRONT]  # as a photo read it
    [doc] = build(front)
    assert doc.values()["quoc_tich"] == "Việt Nam"


def test_unreadable_scrap_beside_a_name_is_flagged_not_dropped_silently():
    page = [line.replace("TRẦN MINH KHÔI", "TRẦN MINH lai)") for line in BIRTH_CERTIFICATE]
    [doc] = build(page)
    assert doc.fields["ho_ten"].value == "Trần Minh"
    assert "name_partial" in codes(doc, "ho_ten")


def test_capital_name_wrapped_onto_the_next_line_is_read_whole():
    page = [line.replace("TRẦN MINH KHÔI", "TRẦN MINH") for line in BIRTH_CERTIFICATE]
    at = next(i for i, line in enumerate(page) if line.endswith("TRẦN MINH"))
    page.insert(at + 1, "KHÔI")
    [doc] = build(page)
    assert doc.fields["ho_ten"].value == "Trần Minh Khôi"


def test_marital_status_certificate_is_valid_six_months():
    from pipeline.papers.fields import Document, FieldValue

    doc = Document("giay_xac_nhan_tinh_trang_hon_nhan", [0], 1.0,
                   {"ngay_cap": FieldValue("2024-08-31", 0.99)})
    assert doc.valid_until() == date(2025, 2, 28)
    card = Document("can_cuoc", [0], 1.0, {"co_gia_tri_den": FieldValue("2036-03-22", 0.99),
                                           "so_dinh_danh": FieldValue("001090123456", 0.99),
                                           "ho_ten": FieldValue("Nguyễn Văn An", 0.99)})
    assert card.valid_until() == date(2036, 3, 22)
    assert card.owner() == ("001090123456", "Nguyễn Văn An")


def test_a_number_the_second_reader_disputes_is_flagged_not_changed():
    """``ocr_models.combine`` keeps Tesseract's reading of a number and puts the other
    reader's into ``Word.alternatives``: the field keeps the first, flagged for review."""
    from dataclasses import replace

    from pipeline.page.process import second_reading

    words, text = make_words(BIRTH_CERTIFICATE)
    words = [replace(w, alternatives=("001220123458",)) if w.text == "001220123456" else w
             for w in words]
    facts = page_facts(words, text, page=0)
    for cand in facts.candidates:  # what the page stage does with disputed words
        other = second_reading(cand.words)
        if other and other != " ".join(w.text for w in cand.words):
            cand.alternatives.append(other)
    [doc] = build_documents([facts], today=TODAY)
    assert doc.values()["so_dinh_danh"] == "001220123456"
    assert doc.fields["so_dinh_danh"].needs_review
    assert second_reading([Word("a", 0, 0, 1, 1, 0.9)]) is None


def test_untyped_page_is_searched_for_a_qr_only_where_an_outline_is_seen():
    qr = parse_card_qr("001090123456||Nguyễn Văn An|05031990|Nam|Thôn 1, Xã A|01022022")
    asked: list[str] = []

    def find_qr():
        asked.append("decode")
        return qr

    def outline(seen: bool):
        def look() -> bool:
            asked.append("look")
            return seen
        return look

    facts = facts_of(["Một dòng chữ không rõ"], find_qr=find_qr, qr_outline=outline(False))
    assert asked == ["look"] and facts.qr is None and facts.page_class.doc_type == "khac"
    asked.clear()
    facts = facts_of(["Một dòng chữ không rõ"], find_qr=find_qr, qr_outline=outline(True))
    assert asked == ["look", "decode"] and facts.page_class.doc_type == "can_cuoc"
    asked.clear()  # a page typed a card by its text is always searched, no look first
    facts = facts_of(CARD_FRONT, find_qr=find_qr, qr_outline=outline(False))
    assert asked == ["decode"] and facts.qr == qr
    asked.clear()  # an untyped page of plenty of surely read text is no card: no look
    prose = ["Những ngôi nhà sàn lợp lá cọ nằm rải rác dưới chân đồi khói bếp bay lên"] * 20
    facts = facts_of(prose, find_qr=find_qr, qr_outline=outline(True))
    assert asked == [] and facts.qr is None and facts.page_class.doc_type == "khac"
    facts = facts_of(prose[:5], find_qr=find_qr, qr_outline=outline(False))
    assert asked == ["look"]


def test_qr_outline_is_seen_on_a_card_scan_at_any_turn_and_not_on_a_text_page():
    import cv2
    import numpy as np

    from pipeline.papers.qr import qr_outline
    from tests.scangen import make_sample

    for seed, doc_type in ((3, "can_cuoc"), (4, "can_cuoc"), (5, "van_ban_hanh_chinh")):
        sample = make_sample(seed, doc_type=doc_type, side="front", level="mild",
                             rotation=90 if seed == 4 else 0)
        image = cv2.cvtColor(np.asarray(sample.image.convert("RGB")), cv2.COLOR_RGB2BGR)
        assert qr_outline(image) is (doc_type == "can_cuoc"), (seed, doc_type)


def test_a_shorter_sound_name_reading_is_flagged():
    """The page read the father's name with its tone marks lost ("TRAN" is no family
    name), the crop re-read kept the marks but read the last word in lower case, which
    is dropped as a scrap: the one sound reading is a word short, so it is flagged."""
    page = [ln.replace("TRẦN VĂN AN", "TRAN VĂN AN") for ln in BIRTH_CERTIFICATE]
    facts = facts_of(page)
    for cand in facts.candidates:
        if cand.key == "ho_ten_cha":
            cand.alternatives.append("TRẦN VĂN an")
    [doc] = build_documents([facts], today=TODAY)
    father = doc.fields["ho_ten_cha"]
    assert father.needs_review
    assert "name_partial" in [p.code for p in father.problems]


def test_blank_form_items_make_no_fields() -> None:
    """A blank form (as the real CT01 of the development set): a label whose fill-in line
    holds only dots or dashes makes no field, and the next item's label ("Nơi tạm trú:")
    is not the value of a label above it that may continue on the next line."""
    docs = build(["TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ",
                  "1. Họ, chữ đệm và tên: ..............................",
                  "4. Số định danh cá nhân: ........................ -",
                  "7. Nơi thường trú:",
                  "8. Nơi tạm trú: ..................................",
                  "9. Nghề nghiệp: ______________"])
    assert docs[0].doc_type == "to_khai"
    assert docs[0].fields == {}
    docs = build(["TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ", "7. Nơi thường trú:",
                  "Thôn Trung, Xã Long Thạnh, Huyện Cao Lộc, Tỉnh Lạng Sơn"])
    assert docs[0].fields["noi_thuong_tru"].value.startswith("Thôn Trung")


def test_date_labels_read_with_periods_for_commas() -> None:
    """The engine often reads the commas of "Ngày, tháng, năm" as periods (a generated
    card back of fields_bench seed 11: "Ngày. tháng. năm / Date, month, year: 08/04/2024"):
    the label is still found and its value kept."""
    back = [CARD_BACK[0], "Ngày. tháng. năm / Date, month, year: 08/04/2024"]
    [doc] = build(CARD_FRONT, back)
    assert doc.fields["ngay_cap"].value == "2024-04-08"
    [doc] = build(["TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ", "1. Họ. chữ đệm và tên: TRẦN MINH KHÔI",
                   "2. Ngày. tháng. năm sinh: 05/03/1990"])
    assert doc.fields["ngay_sinh"].value == "1990-03-05"
    assert doc.fields["ho_ten"].value == "Trần Minh Khôi"
