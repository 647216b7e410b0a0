"""Validation of extracted field values: what catches an OCR error before it reaches the index.

Each check returns :class:`Problem` objects (a code for machines, a Vietnamese and an
English message for people); a field with any problem is marked ``needs_review``. Checks
never change a value into a different one: they parse (dates into ISO form), normalise
(NFC, title case, spacing) and judge.

- personal ID: 12 digits ``PPP G YY RRRRRR`` — province code from the 63-code table,
  century/sex digit, and year digits consistent with the same paper's birth date and sex;
- dates: numeric (``05/03/2024``), long (``ngày 05 tháng 3 năm 2024``) and spelled out
  (``Ngày ba tháng hai năm hai nghìn không trăm hai mươi tư``); real and plausible;
- names: Vietnamese syllables, title case, NFC; a family name that is neither common nor in
  the sourced list of ~460 (``reference.known_family_names``) is flagged, and so is a rare
  one with the letters of a common one ("Hạ" for "Hà", "Nguyên" for "Nguyễn": the usual
  OCR slip on a capital's marks);
- document numbers: ``345/2019``, ``15/QĐ-UBND``, land serials ``AA 01234567``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from common.vn import fold, nfc
from ocr_models.vietnamese import SyllableLexicon, default_lexicon
from pipeline.papers.reference import (
    ETHNIC_GROUPS,
    FAMILY_NAMES,
    NATIONALITIES,
    PROVINCE_CODES,
    SEXES,
    known_family_names,
)


@dataclass(frozen=True)
class Problem:
    """Why a value needs review."""

    code: str
    vi: str
    en: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.vi, "message_en": self.en}


# -- dates ----------------------------------------------------------------------------------------

_NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})(?!\d)")
_LONG_DATE = re.compile(
    r"ng[aà]y\s*[:.,;]?\s*(\d{1,2})\s*th[aá]ng\s*[:.,;]?\s*(\d{1,2})\s*n[aă]m\s*[:.,;]?\s*(\d{4})",
    re.IGNORECASE)  # a speck after a word, as a photo's grain is read, is no separator

_DIGIT_WORDS = {"không": 0, "một": 1, "mốt": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4,
                "năm": 5, "lăm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9}
_MARKERS = {"mười": "10", "mươi": "x10", "trăm": "x100", "nghìn": "x1000", "ngàn": "x1000",
            "linh": "skip", "lẻ": "skip"}


def _number_token(word: str) -> int | str | None:
    """A number word's value, a multiplier marker, or None when it is not a number word.
    Exact spellings only: "Nam" after a year is a word, not the digit five."""
    low = nfc(word).lower()
    if low in _MARKERS:
        return _MARKERS[low]
    return _DIGIT_WORDS.get(low)


def words_to_number(words: list[str]) -> int | None:
    """Vietnamese number words to an int: 'hai nghìn không trăm hai mươi tư' -> 2024."""
    if not words:
        return None
    total, group, num = 0, 0, 0
    for w in words:
        t = _number_token(w)
        if t is None:
            return None
        if t == "skip":
            continue
        if t == "10":
            group += 10
            num = 0
        elif t == "x10":
            group += num * 10
            num = 0
        elif t == "x100":
            group += num * 100
            num = 0
        elif t == "x1000":
            total += (group + num) * 1000
            group = num = 0
        else:
            if num:  # two unit digits in a row: not one number
                return None
            num = int(t)
    return total + group + num


def parse_spelled_date(text: str) -> date | None:
    """'Ngày ba tháng hai năm hai nghìn không trăm hai mươi tư' -> 2024-02-03."""
    words = [w for w in re.split(r"[\s,.;:]+", nfc(text)) if w]
    folded = [fold(w) for w in words]
    try:
        start = folded.index("ngay")
        mid = folded.index("thang", start + 1)
    except ValueError:
        return None
    day = words_to_number(words[start + 1:mid])
    rest = words[mid + 1:]
    for i, w in enumerate(rest):  # "tháng năm năm ...": try every "năm" as the separator
        if fold(w) != "nam" or nfc(w).lower() != "năm" or i == 0:
            continue
        month = words_to_number(rest[:i])
        year_words = []
        for y in rest[i + 1:]:
            if _number_token(y) is None or words_to_number([*year_words, y]) is None:
                break
            year_words.append(y)
        year = words_to_number(year_words)
        if day and month and year and 1 <= month <= 12 and 1800 <= year <= 2200:
            try:
                return date(year, month, day)
            except ValueError:
                return None
    return None


def parse_date(text: str) -> date | None:
    """The first date of a text in any printed form, or None (also for impossible dates)."""
    text = nfc(text)
    matches = [m for m in (p.search(text) for p in (_NUMERIC_DATE, _LONG_DATE)) if m]
    if matches:
        m = min(matches, key=lambda m: m.start())
        d, mth, y = (int(g) for g in m.groups())
        try:
            return date(y, mth, d)
        except ValueError:
            return None
    return parse_spelled_date(text)


def check_date(value: date, kind: str, today: date | None = None) -> list[Problem]:
    """Plausibility of a date by what it is: birth, issue (cấp/đăng ký/ban hành), expiry."""
    today = today or date.today()
    if kind == "birth":
        if value > today:
            return [Problem("date_future", "Ngày sinh ở tương lai", "birth date in the future")]
        if value.year < 1900:
            return [Problem("date_implausible", "Ngày sinh trước năm 1900",
                            "birth date before 1900")]
    elif kind == "issue":
        if value > today:
            return [Problem("date_future", "Ngày cấp ở tương lai", "issue date in the future")]
        if value.year < 1945:
            return [Problem("date_implausible", "Ngày cấp trước năm 1945",
                            "issue date before 1945")]
    elif kind == "expiry" and not 1990 <= value.year <= today.year + 100:
        return [Problem("date_implausible", "Ngày hết hạn không hợp lý",
                            "implausible expiry date")]
    return []


# -- personal ID ----------------------------------------------------------------------------------

PERSONAL_ID = re.compile(r"^\d{12}$")
OLD_ID_CARD = re.compile(r"^\d{9}$")  # a CMND number, still found on older papers


def century_digit(born_year: int, sex: str | None) -> set[int]:
    """The allowed century/sex digits for a birth year (and sex, when known)."""
    century = (born_year // 100) - 19  # 1900s -> 0, 2000s -> 1, ...
    if not 0 <= century <= 4:
        return set()
    male, female = 2 * century, 2 * century + 1
    if sex == "Nam":
        return {male}
    if sex == "Nữ":
        return {female}
    return {male, female}


def check_personal_id(value: str, born: date | None = None, birth_year: int | None = None,
                      sex: str | None = None) -> list[Problem]:
    """Structure of a 12-digit personal ID, cross-checked with the paper's birth data."""
    if OLD_ID_CARD.match(value):  # same code: not a personal ID, said for what it is
        return [Problem("id_format", "Số CMND cũ (9 chữ số), chưa phải số định danh 12 chữ số",
                        "an old 9-digit ID card (CMND) number, not a 12-digit personal ID")]
    if not PERSONAL_ID.match(value):
        return [Problem("id_format", "Số định danh phải gồm đúng 12 chữ số",
                        "personal ID must be exactly 12 digits")]
    problems = []
    if value[:3] not in PROVINCE_CODES:
        problems.append(Problem("id_province", f"Mã tỉnh {value[:3]} không có trong danh mục",
                                f"province code {value[:3]} is not in the 63-code table"))
    g = int(value[3])
    if g > 5:  # 0-5: born 1900-2199; later digits are not in use
        problems.append(Problem("id_century", "Chữ số thế kỷ/giới tính không hợp lệ",
                                "invalid century/sex digit"))
    year = born.year if born else birth_year
    if year is not None and g <= 5:
        allowed = century_digit(year, sex)
        if g not in allowed and g not in century_digit(year, None):
            problems.append(Problem("id_century", "Chữ số thế kỷ không khớp năm sinh",
                                    "century digit does not match the birth year"))
        elif sex in SEXES and g not in allowed:
            problems.append(Problem("id_sex", "Chữ số giới tính không khớp giới tính",
                                    "sex digit does not match the sex"))
        if int(value[4:6]) != year % 100:
            problems.append(Problem("id_year", "Năm sinh trong số định danh khác năm sinh",
                                    "birth year digits do not match the birth date"))
    elif sex in SEXES and g <= 5 and g % 2 != (0 if sex == "Nam" else 1):
        problems.append(Problem("id_sex", "Chữ số giới tính không khớp giới tính",
                                "sex digit does not match the sex"))
    return problems


# -- names ----------------------------------------------------------------------------------------

_NAME_CHARS = re.compile(r"^[^\W\d_]+$")


def title_case(text: str) -> str:
    """'NGUYỄN THỊ HỒNG' -> 'Nguyễn Thị Hồng' (NFC, single spaces)."""
    return " ".join(w[:1].upper() + w[1:].lower() for w in nfc(text).split())


def check_name(value: str, lexicon: SyllableLexicon | None = None) -> list[Problem]:
    """A person's name: 2-7 Vietnamese syllables, a known family name."""
    lexicon = lexicon if lexicon is not None else default_lexicon()
    words = nfc(value).split()
    if not 2 <= len(words) <= 7:
        return [Problem("name_length", "Họ tên phải có từ 2 đến 7 tiếng",
                        "a name has 2 to 7 syllables")]
    bad = [w for w in words if not _NAME_CHARS.match(w)
           or (lexicon is not None and not _name_syllable(w, lexicon))]
    if bad:
        return [Problem("name_syllable", f"Không phải tiếng Việt: {' '.join(bad)}",
                        "not Vietnamese syllables: " + " ".join(bad))]
    if not family_name_known(words):
        return [Problem("name_family", f"Họ \"{words[0]}\" ít gặp, cần kiểm tra",
                        f"unusual family name {words[0]!r}")]
    return []


_Y_TO_I = str.maketrans("yýỳỷỹỵ", "iíìỉĩị")
_VOWELS = set("aăâeêioôơuưy")


def _name_syllable(word: str, lexicon: SyllableLexicon) -> bool:
    """A syllable of the list, or its spelling with a final "y" for "i" after a consonant,
    as names keep it ("My", "Vy", "Thy": the list has only "mi", "vi", "thi")."""
    if word in lexicon:
        return True
    low = nfc(word).lower()
    last = low[-1:]
    if not last or last.translate(_Y_TO_I) == last or len(low) < 2 or \
            fold(low[-2]) in _VOWELS:
        return False
    return low[:-1] + last.translate(_Y_TO_I) in lexicon


def family_name_known(words: list[str]) -> bool:
    """Whether a name (its words, title case) starts with a family name to accept as read:
    a common one; a two-syllable one of the sourced list; or a rare one of the list that
    does not have the letters of a common one (OCR misreads marks, so a rare "Hạ" read
    where a common "Hà" may be printed is left to a person)."""
    if words[0] in FAMILY_NAMES:
        return True
    known = known_family_names()
    if len(words) >= 3 and " ".join(words[:2]) in known.compound:
        return True
    return words[0] in known.single and fold(words[0]) not in _COMMON_FOLDED


_COMMON_FOLDED = frozenset(fold(n) for n in FAMILY_NAMES)


# -- document numbers and small vocabularies ------------------------------------------------------

_SO = re.compile(r"^\d{1,6}/(\d{4}|[A-ZĐ]{2,10})$")
_SO_KY_HIEU = re.compile(r"^\d{1,6}(/\d{4})?/[A-ZĐ]{1,10}(-[A-ZĐ]{1,10}){0,3}$")
_SERIAL = re.compile(r"^[A-Z]{2} \d{6,8}$")
_BOOK = re.compile(r"^[A-Z]{2,3} \d{5}$")
_INT = re.compile(r"^\d{1,5}$")

PATTERNS: dict[str, tuple[re.Pattern[str], str]] = {
    "so": (_SO, "345/2019"),
    "so_ky_hieu": (_SO_KY_HIEU, "15/QĐ-UBND"),
    "so_phat_hanh": (_SERIAL, "AA 01234567"),
    "so_vao_so": (_BOOK, "CS 01234"),
    "thua_dat_so": (_INT, "123"),
    "to_ban_do_so": (_INT, "12"),
}


def check_pattern(key: str, value: str) -> list[Problem]:
    pattern, example = PATTERNS[key]
    if pattern.match(value):
        return []
    return [Problem("format", f"Sai dạng (ví dụ đúng: {example})",
                    f"unexpected format (expected like {example})")]


def check_choice(key: str, value: str) -> list[Problem]:
    allowed = {"gioi_tinh": SEXES, "dan_toc": ETHNIC_GROUPS, "quoc_tich": NATIONALITIES}[key]
    if value in allowed:
        return []
    return [Problem("not_in_list", "Giá trị không có trong danh mục", "value not in the list")]
