"""Name and place checks against the other readings on the same paper (pipeline.papers.fields)
and the name syllable rules (pipeline.papers.validate). Fast: words made by hand, no OCR."""

from __future__ import annotations

from ocr_models.base import Word
from pipeline.papers import fields
from pipeline.papers.fields import FieldValue, page_facts
from pipeline.papers.validate import check_name


def _facts(lines: list[str], doubtful: frozenset[str] = frozenset()):
    """Page facts of typed lines; the words in ``doubtful`` read with confidence 0.3."""
    words = []
    for li, line in enumerate(lines):
        x = 100
        for text in line.split():
            conf = 0.3 if text.strip(",") in doubtful else 0.93
            words.append(Word(text, x, 200 + 90 * li, 22 * len(text), 50, conf, 0, 0, li))
            x += 22 * len(text) + 20
    return page_facts(words, "\n".join(lines))


def _place(value: str, lines: list[str], doubtful: frozenset[str] = frozenset()) -> FieldValue:
    fv = FieldValue(value, 0.95, "ocr")
    fields._check_place(fv, [_facts(lines, doubtful)])
    return fv


def test_place_read_the_same_elsewhere_is_kept_whatever_another_line_says():
    fv = _place("Ủy ban nhân dân thị xã La Gi",
                ["Địa chỉ: Phường Nghĩa Hưng, Thị xã La Gi, Tỉnh Bình Thuận",
                 "La Gỉ, ngày 15 tháng 5 năm 2025"])
    assert (fv.value, fv.source, fv.needs_review) == ("Ủy ban nhân dân thị xã La Gi", "ocr", False)


def test_place_read_differently_only_with_a_doubtful_word_is_kept():
    fv = _place("Ủy ban nhân dân thị xã La Gi", ["La Gỉ, ngày 15 tháng 5 năm 2025"],
                frozenset({"Gỉ"}))
    assert (fv.value, fv.source) == ("Ủy ban nhân dân thị xã La Gi", "ocr")


def test_place_read_differently_with_confidence_replaces_the_capitals_reading():
    fv = _place("Ủy ban nhân dân xã Cấm Bình",
                ["Nơi đăng ký kết hôn: Ủy ban nhân dân xã Cẩm Bình, Huyện Lý Nhân"])
    assert (fv.value, fv.source) == ("Ủy ban nhân dân xã Cẩm Bình", "ocr+context")


def test_place_read_two_other_ways_is_flagged():
    fv = _place("Ủy ban nhân dân xã Cấm Bình",
                ["Nơi sinh: xã Cẩm Bình", "Nơi cư trú: xã Câm Bình"])
    assert fv.value == "Ủy ban nhân dân xã Cấm Bình"
    assert [p.code for p in fv.problems] == ["disagrees"]


def test_an_issuer_read_from_noise_is_flagged_real_bodies_are_not():
    def problems(value: str) -> list[str]:
        fv = FieldValue(value, 0.9, "ocr")
        fields._check_agency(fv)
        return [p.code for p in fv.problems]

    assert problems("Thả") == ["agency_unknown"]  # a glare over "ỦY BAN NHÂN DÂN XÃ ..."
    assert problems("XÃ QUYẾT THẮNG") == ["agency_unknown"]  # a place alone is not a body
    assert problems("ỦY BAN NHÂN DÂN") == ["agency_partial"]  # its place line lost
    assert problems("Ủy ban nhân dân") == ["agency_partial"]
    for body in ("Ủy ban nhân dân xã Quyết Thắng", "CHÍNH PHỦ", "SỞ GIÁO DỤC VÀ ĐÀO TẠO",
                 "BAN CHỈ ĐẠO 138 / UBND TỈNH QUẢNG NGÃI", "Sở Tư pháp tỉnh An Giang",
                 "Văn phòng Đăng ký đất đai", "UỶ BAN NHÂN DÂN HUYỆN LÝ NHÂN"):
        assert problems(body) == [], body


def test_given_names_spelled_with_a_final_y_are_syllables():
    # hunspell-vi lists "mi", "vi", "thi" but not the spellings names keep
    for name in ("Nguyễn Mai Ngọc My", "Trần Thảo Vy", "Lê Anh Thy", "Lê Văn Huy"):
        assert check_name(name) == [], name
    assert [p.code for p in check_name("Lê Văn Ay")] == ["name_syllable"]
    assert [p.code for p in check_name("Lê Văn Qy")] == ["name_syllable"]


def _w(text: str, left: int, top: int = 100, height: int = 30, conf: float = 0.95) -> Word:
    return Word(text, left, top, 18 * len(text), height, conf)


def test_a_wide_space_inside_a_value_line_is_a_lost_word():
    # "Số 110 [đường] Hoàng Diệu": the engine read nothing where a word is printed
    words = [_w("Số", 100), _w("110", 148), _w("Hoàng", 330), _w("Diệu,", 432)]
    assert [p.code for p in fields.layout_doubts(words)] == ["word_gap"]
    tight = [_w("Số", 100), _w("110", 148), _w("đường", 214), _w("Hoàng", 322)]
    assert fields.layout_doubts(tight) == []
    # a value wrapped onto the next line starts at the left again: no gap
    wrapped = [_w("Hiệp", 700), _w("Phước,", 790), _w("Gia", 100, top=140), _w("Nghĩa", 166, 140)]
    assert fields.layout_doubts(wrapped) == []


def test_a_doubtful_word_far_taller_than_the_line_is_flagged():
    words = [_w("vơ", 40, height=80, conf=0.49), _w("Thanh", 100), _w("Bình,", 200),
             _w("Sông", 300)]
    assert "stray_word" in [p.code for p in fields.layout_doubts(words)]
    # a sure word whose box a stroke stretched is print
    sure = [_w("TRẦN", 100), _w("TRỌNG", 190, height=32), _w("SƠN", 300, height=70, conf=0.97)]
    assert fields.layout_doubts(sure) == []


def _address(value: str, lines: list[str], doubtful: frozenset[str] = frozenset()) -> FieldValue:
    fv = FieldValue(value, 0.93, "ocr")
    fields._check_address(fv, [_facts(lines, doubtful)])
    return fv


ADDRESS = "Số 53 đường Hoàng Diệu, Phường Đức Thăng, Thành phố Trà Vinh"


def test_a_doubtful_place_word_takes_the_spelling_read_with_confidence_elsewhere():
    lines = ["Kính gửi: Ủy ban nhân dân phường Đức Thắng, thành phố Trà Vinh",
             "Nơi cư trú: " + ADDRESS, "Làm tại: Đức Thắng, ngày 07 tháng 6 năm 2022"]
    fv = _address(ADDRESS, lines, frozenset({"Thăng"}))
    assert fv.value == "Số 53 đường Hoàng Diệu, Phường Đức Thắng, Thành phố Trà Vinh"
    assert (fv.source, fv.needs_review) == ("ocr+context", False)


def test_two_confident_spellings_of_a_place_flag_the_address():
    lines = ["Kính gửi: Ủy ban nhân dân phường Đức Thắng", "Nơi cư trú: " + ADDRESS]
    fv = _address(ADDRESS, lines)
    assert fv.value == ADDRESS
    assert [p.code for p in fv.problems] == ["disagrees"]


def test_an_address_read_alone_is_left_as_it_is():
    fv = _address(ADDRESS, ["Nơi cư trú: " + ADDRESS])
    assert (fv.value, fv.source, fv.problems) == (ADDRESS, "ocr", [])


def _words_checked(value: str) -> FieldValue:
    fv = FieldValue(value, 0.93, "ocr")
    fields._check_address_words(fv)
    return fv


def test_a_place_word_with_marks_that_make_no_syllable_flags_the_address():
    fv = _words_checked("Số 119 đường Lê Lợi, Phường Đông Hòa, Thành phố Cãm Phả, Tỉnh Quảng Ninh")
    assert [p.code for p in fv.problems] == ["spelling"]
    assert "Cãm" in fv.problems[0].vi


def test_highland_names_and_numbers_in_an_address_are_no_doubt():
    for value in ("Số 115 đường Hùng Vương, Phường Hòa Bình, Thị xã Buôn Hồ, Tỉnh Đắk Lắk",
                  "Xã Ea Kar, Huyện Krông Búk, Tỉnh Đắk Lắk", "Tổ 5, P. Tân Lập, TP. Vinh",
                  "Ấp 10, Hồng Phong, Càng Long, Trà Vinh", "Bà Rịa - Vũng Tàu"):
        assert _words_checked(value).problems == [], value
