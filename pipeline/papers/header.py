"""The header of an official letter (Decree 30/2020 layout), read by structure, not position.

Owns reading, from a page's OCR lines with word boxes, the parts every Vietnamese official
document prints at its top, wherever the scan or the drafter put them:

- the *national motto* ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" / "Độc lập - Tự do - Hạnh phúc"),
  matched fuzzily on accent-folded text, also when OCR merged it with the issuer's first
  line (lines are cut into *pieces* at wide horizontal gaps, and a piece is cut where the
  motto begins);
- the *issuer block*: the upper-case lines left of (or above) the motto and above the number;
  a separately printed parent body ("BỘ TÀI CHÍNH" above "CỤC THUẾ") is told apart from a
  two-line name ("ỦY BAN NHÂN DÂN" / "TỈNH QUẢNG NGÃI") by the words a body's name starts
  with;
- the *number* ("Số: 24 /TTr-UBND", label read as Số/So/Sô/S6…) anywhere in the header: its
  printed symbol is kept even when the hand-written digits before it are unreadable;
- the *place-and-date line* ("Quảng Ngãi, ngày 05 tháng 3 năm 2024") in any printed form,
  with each unread part kept as ``?`` (:class:`DateReading`);
- the *title* (QUYẾT ĐỊNH, CHỈ THỊ, TỜ TRÌNH … per Decree 30/2020) and the subject under it,
  or a letter's "V/v …" lines under the number (up to "Kính gửi" or a gap).

Incoming-mail stamps ("CÔNG VĂN ĐẾN", "ĐẾN Số … Ngày …") and digital-signature boxes are
distractors and are skipped. :mod:`pipeline.papers.fields` turns a :class:`Header` into fields.

Unreadable parts (a contract convention, see the README): a number whose digits cannot be read
keeps its printed symbol, ``"?/QĐ-UBND"``; a date keeps what was read, ``"2024-09-??"``; each
``?`` stands for one unread character (``"?5"`` is a day whose first digit was not read) and
a run of unknown length is one ``?``. :func:`NumberReading.value` and :func:`DateReading.iso`
produce these; a handwritten-digit reader fills a reading's ``number`` / ``day`` / ``month``
and calls them again.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from common.vn import fold, nfc
from ocr_models import Word
from pipeline.papers.extract import WordBox

UNREAD = "?"  # one unread character (or an unread run of unknown length) in a value

# -- pieces of lines ------------------------------------------------------------------------------


@dataclass
class Piece(WordBox):
    """A run of words of one OCR line with no wide gap inside (one column's share of it)."""

    words: list[Word]
    text: str = ""
    folded: str = ""

    def __post_init__(self) -> None:
        self.words = sorted(self.words, key=lambda w: w.left)
        self.text = nfc(" ".join(w.text for w in self.words))
        self.folded = fold(self.text)


    @property
    def centre(self) -> float:
        return (self.left + self.right) / 2

    @property
    def is_upper(self) -> bool:
        letters = [c for c in self.text if c.isalpha()]
        return len(letters) >= 2 and sum(c.isupper() for c in letters) >= 0.8 * len(letters)

    @property
    def clean(self) -> str:
        """Folded letters and digits only, single spaces."""
        return " ".join(re.sub(r"[^a-z0-9]", " ", self.folded).split())


def similar(a: str, b: str, at_least: float = 0.0) -> float:
    """difflib's similarity ratio of ``a`` and ``b``, exact whenever it is ``>= at_least``;
    below that, possibly only an upper bound of it (still ``< at_least``). Callers that
    compare with a threshold or a best score so far pass it: most pairs are then settled
    by difflib's cheap bounds (lengths, letter counts) without the full matching, which
    cost more than any other step of field extraction."""
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if at_least > 0.0:
        bound = matcher.real_quick_ratio()
        if bound < at_least:
            return bound
        bound = matcher.quick_ratio()
        if bound < at_least:
            return bound
    return matcher.ratio()



MOTTO_1 = "cong hoa xa hoi chu nghia viet nam"
MOTTO_2 = "doc lap tu do hanh phuc"


def _motto_start(words: Sequence[Word]) -> int | None:
    """Index of the word where the national motto starts inside a merged line, if any."""
    folded = [re.sub(r"[^a-z0-9]", "", fold(w.text)) for w in words]
    best, at = 0.0, None
    for i in range(1, len(words)):
        if folded[i][:1] != "c":
            continue
        tail = " ".join(folded[i:i + 7])
        score = similar(tail[:len(MOTTO_1)], MOTTO_1, max(best, 0.75))
        if score > best:
            best, at = score, i
    return at if best >= 0.75 else None


def _runs(line: Sequence[Word], gap: float) -> list[list[Word]]:
    words = sorted(line, key=lambda w: w.left)
    h = sorted(w.height for w in words)[len(words) // 2]
    runs, run = [], [words[0]]
    for w in words[1:]:
        if w.left - (run[-1].left + run[-1].width) > gap * h:
            runs.append(run)
            run = [w]
        else:
            run.append(w)
    runs.append(run)
    out = []
    for run in runs:
        cut = _motto_start(run)
        out += [run[:cut], run[cut:]] if cut is not None else [run]
    return out


def split_pieces(lines: Sequence[Sequence[Word]]) -> list[Piece]:
    """Every line cut where the page's two header columns meet: at the left edge of the
    national motto (found in the runs of words between wide gaps, and also where OCR glued
    the motto onto the issuer's line). Blanks left for hand-written digits ("Số:      /CT")
    do not cut a line; without a motto only very wide gaps do. Pieces go top to bottom."""
    rows = [_runs(line, 2.0) for line in lines if line]
    motto_lefts = [min(w.left for w in run) for row in rows for run in row
                   if is_motto(Piece(run))]
    boundary = min(motto_lefts) if motto_lefts else None
    pieces: list[Piece] = []
    for row in rows:
        merged: list[list[Word]] = [row[0]]
        for run in row[1:]:
            prev = merged[-1]
            h = sorted(w.height for w in prev)[len(prev) // 2]
            prev_right = max(w.left + w.width for w in prev)
            left = min(w.left for w in run)
            if boundary is not None:
                same = (prev_right < boundary + h) == (left < boundary - h) or \
                    is_motto(Piece(run)) and is_motto(Piece(prev))
            else:
                same = left - prev_right < 6 * h
            if same and not is_motto(Piece(run)):
                merged[-1] = prev + run
            else:
                merged.append(run)
        pieces += [Piece(run) for run in merged]
    pieces.sort(key=lambda p: (p.top, p.left))
    return pieces


# -- what a piece is ------------------------------------------------------------------------------

_STAMP = re.compile(r"^(?:cong\s*van\s*|c\s*\.?\s*v\s*\.?\s*)?den\b|^chuyen\s*[:.]|^luu\s*ho\s*so"
                    r"|^ky\s*boi|^thoi\s*gian\s*ky|^email\s*:|^co\s*quan\s*:|^signed\s*by"
                    r"|^ngay\s*ky|^(?:so|ngay)\s*den\b")
_NUMBER_LABEL = re.compile(r"^[\W_]{0,2}(?:s[o06e]|5[o0])(?![a-z])\s*[:;.,]?\s*")
_SUBJECT = re.compile(r"^[\W_]{0,3}(?:v\s*[/.|\\1l]\s*v\b\s*[:.]?|ve\s*viec\b|vv\s*[:.])")
_SYMBOL_ONLY = re.compile(r"^[\w?⁄+]{0,6}\s*/\s*[A-Za-zĐđ]{1,8}(?:\s*-\s*[A-Za-zĐđ0-9.]{1,12})+$")
_KINH_GUI = re.compile(r"^[\W_]{0,2}kinh\s*gu?i")
_BODY_START = re.compile(r"^(?:can\s*cu|thuc\s*hien|theo\s*de\s*nghi|xet\s*de\s*nghi|dieu\s*\d"
                         r"|[ivx]+\s*[.-]\s|\d+\s*[.)]\s)")

# Document kinds of Decree 30/2020 (Appendix III) and of legal normative documents.
TITLES: tuple[str, ...] = (
    "NGHỊ QUYẾT", "QUYẾT ĐỊNH", "CHỈ THỊ", "QUY CHẾ", "QUY ĐỊNH", "THÔNG CÁO", "THÔNG BÁO",
    "HƯỚNG DẪN", "CHƯƠNG TRÌNH", "KẾ HOẠCH", "PHƯƠNG ÁN", "ĐỀ ÁN", "DỰ ÁN", "BÁO CÁO",
    "BIÊN BẢN", "TỜ TRÌNH", "HỢP ĐỒNG", "CÔNG ĐIỆN", "BẢN GHI NHỚ", "BẢN THỎA THUẬN",
    "GIẤY ỦY QUYỀN", "GIẤY MỜI", "GIẤY GIỚI THIỆU", "GIẤY NGHỈ PHÉP", "PHIẾU GỬI",
    "PHIẾU CHUYỂN", "PHIẾU BÁO", "THƯ CÔNG", "NGHỊ ĐỊNH", "THÔNG TƯ", "THÔNG TƯ LIÊN TỊCH",
    "LUẬT", "PHÁP LỆNH", "LỆNH", "QUYẾT ĐỊNH KHEN THƯỞNG",
)
_TITLE_FOLDED = {fold(t): t for t in TITLES}
LETTER_KIND = "công văn"  # a letter with no title: the subject sits under the number as V/v
# Titles that make a page not an official letter (petitions and forms).
FORM_TITLES = re.compile(r"^(?:don\b|to\s*khai\b|phieu\s*yeu\s*cau|mau\s*so)")


def match_title(piece: Piece) -> str | None:
    """The document kind a title line names ("QUYÊT ĐINH" -> "QUYẾT ĐỊNH"), if any."""
    text = piece.clean
    if not piece.is_upper or not 3 <= len(text) <= 40:
        return None
    best, score = None, 0.0
    need = 0.85 if len(text) <= 6 else 0.8
    for key, title in _TITLE_FOLDED.items():
        s = similar(text, key, max(score, need))  # below both it changes nothing
        if s > score or (s == score and best and len(title) > len(best)):
            best, score = title, s
    return best if score >= need else None


def is_motto(piece: Piece) -> int:
    """1 for the motto's first line, 2 for its second, 0 otherwise."""
    text = piece.clean
    if "xa hoi chu nghia" in text or similar(text[:len(MOTTO_1) + 2], MOTTO_1, 0.7) >= 0.7:
        return 1
    if ("tu do" in text and "hanh phuc" in text) or similar(text, MOTTO_2, 0.7) >= 0.7:
        return 2
    return 0


# -- number and date readings ---------------------------------------------------------------------

_DIGIT_LIKE = str.maketrans({"o": "0", "O": "0", "D": "0", "l": "1", "I": "1", "|": "1",
                             "i": "1", "!": "1", "]": "1", "[": "1"})


def digits_or_unread(token: str) -> str:
    """A hand-filled number or day as read: digits kept (O/0, l/1 undone), every other
    character one ``?``; trailing and leading strokes (``+ . , ' -``) dropped."""
    token = token.strip(" .,;:'`\"+-*_~")
    if not token:
        return ""
    token = token.translate(_DIGIT_LIKE)
    return "".join(c if c.isdigit() else UNREAD for c in token)


@dataclass
class NumberReading:
    """"Số: 24 /TTr-UBND": the number (digits, ``?`` where unread, "" when none was read),
    the printed symbol from the first "/" on, and whether the digits were filled in by hand
    (set apart from the printed symbol, as a blank in the template is)."""

    number: str
    symbol: str
    raw: str
    words: list[Word] = field(default_factory=list)
    filled_in: bool = False

    def value(self) -> str:
        return (self.number or UNREAD) + self.symbol

    @property
    def complete(self) -> bool:
        return bool(self.number) and UNREAD not in self.number


def read_number(after_label: str, words: list[Word] | None = None) -> NumberReading:
    """The value after "Số:" with spaces removed and fill-in dots dropped."""
    raw = nfc(" ".join(after_label.split()))
    text = re.sub(r"\.{2,}|…", " ", raw)
    # Tesseract doubles Đ, sometimes as Icelandic Ð
    text = text.replace("Đ\u00d0", "Đ").replace("\u00d0", "Đ")
    m = re.match(r"^(.*?)\s*(/.*)$", text)
    if not m:
        # the "/" lost with the hand-written digits before it: "Số: ÔCT-CS"
        sym = re.search(r"([A-ZĐ][A-Za-zĐđ]{0,7}(?:\s*-\s*[A-ZĐ0-9][A-Za-zĐđ0-9.]{0,11})+)\s*$",
                        text)
        if not sym:
            return NumberReading("", re.sub(r"\s+", "", text), raw, list(words or []))
        head = text[:sym.start()]
        return NumberReading(digits_or_unread(head.replace(" ", "")),
                             "/" + re.sub(r"\s+", "", sym.group(1)), raw, list(words or []),
                             filled_in=True)
    head, symbol = m.group(1), re.sub(r"\s+", "", m.group(2)).rstrip(".,;:")
    symbol = re.sub(r"I\)(?=-|$)", "D", symbol)  # "UBNI)": a D read as I and a bracket
    filled = bool(re.search(r"\s/", text)) or not head.strip()
    number = digits_or_unread(head.replace(" ", ""))
    return NumberReading(number, symbol, raw, list(words or []), filled_in=filled)


@dataclass
class DateReading:
    """A place-and-date line: day and month as 1-2 characters (digits or ``?``), the year as
    4, the place before the comma. ``missing`` lists parts whose label or value was absent."""

    day: str
    month: str
    year: str
    place: str
    raw: str
    words: list[Word] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    garbled: list[str] = field(default_factory=list)

    def iso(self) -> str:
        """``2024-09-05``; unread parts as ``?`` (``2024-09-??``, ``2024-??-?5``)."""
        def part(value: str, width: int) -> str:
            if not value:
                return UNREAD * width
            return value.rjust(width, "0") if value.isdigit() else value.rjust(width, UNREAD)
        return f"{part(self.year, 4)}-{part(self.month, 2)}-{part(self.day, 2)}"

    @property
    def complete(self) -> bool:
        return UNREAD not in self.iso()


# the year's four digits, one space inside allowed ("năm 201 5": a gap between glyphs)
_YEAR = re.compile(r"n\s*[aăeê]\s*m\s*[:.]?\s*((?:[0-9oOlI]\s?){3}[0-9oOlI])(?![0-9])")
_DATE_WORD = re.compile(r"\bn[gq]\w{0,2}y|\bth\w{0,2}ng")


def read_date(text: str, words: list[Word] | None = None) -> DateReading | None:
    """"Quảng Ngãi, ngày 05 tháng 3 năm 2024" in any printed form: labels lost by OCR
    ("Quảng Ngãi, tháng 9 năm 2024", "Quảng Ngãi, 01 năm 2025") keep the parts that are
    there; an unread part is ``?``."""
    text = nfc(" ".join(text.split()))
    folded = fold(text)
    if len(folded) != len(text):
        folded = text.lower()
    years = list(_YEAR.finditer(folded))
    if not years:
        return None
    ym = years[0]
    year = digits_or_unread(re.sub(r"\s", "", text[ym.start(1):ym.end(1)]))
    before = folded[:ym.start()]
    comma = before.find(",")
    place = text[:comma].strip(" .,") if 0 < comma <= 45 else ""
    body_f = before[comma + 1:] if comma >= 0 else before
    body_t = text[comma + 1:ym.start()] if comma >= 0 else text[:ym.start()]
    if not place:  # "Quảng Ngãi. ngày": a full stop read for the comma
        m = re.search(r"\bn[gq]\w{0,2}y\b", before)
        if m and 0 < m.start() <= 45:
            place = text[:m.start()].strip(" .,")
            body_f, body_t = before[m.start():], text[m.start():ym.start()]
    if not place and not _DATE_WORD.search(before):
        return None
    day_f, month_f = "", ""
    missing: list[str] = []
    m_month = re.search(r"th\w{0,2}ng", body_f)
    m_day = re.search(r"n[gq]\w{0,2}y", body_f)
    if m_month:
        month_t = body_t[m_month.end():].strip()
        start = m_day.end() if m_day and m_day.start() < m_month.start() else 0
        day_t = body_t[start:m_month.start()].strip()
        month_f, day_f = month_t, day_t
    else:
        # "tháng" lost: the number just before "năm" is the month, one before it the day
        tokens = [t for t in re.sub(r"n[gq]\w{0,2}y", " ", body_f).split()]
        raw_tokens = body_t.split()
        tokens = raw_tokens[len(raw_tokens) - len(tokens):] if len(raw_tokens) >= len(tokens) \
            else tokens
        missing.append("month_label")
        if tokens:
            month_f = tokens[-1]
            day_f = " ".join(tokens[:-1])
    day, month = digits_or_unread(day_f.replace(" ", "")), digits_or_unread(
        month_f.replace(" ", ""))
    garbled: list[str] = []
    if not day:
        missing.append("day")
    if not month:
        missing.append("month")
    if day.isdigit() and not 1 <= int(day) <= 31 or len(day) > 2:
        garbled.append("day")
        day = UNREAD * 2
    if month.isdigit() and not 1 <= int(month) <= 12 or len(month) > 2:
        garbled.append("month")
        month = UNREAD * 2
    if UNREAD in day and "day" not in garbled:
        garbled.append("day")
    if UNREAD in month and "month" not in garbled:
        garbled.append("month")
    if UNREAD in year:
        garbled.append("year")
    return DateReading(day, month, year, place, text, list(words or []), missing, garbled)


# -- the header -----------------------------------------------------------------------------------

# Words a body's own name starts with: a line starting with one, under a complete name,
# starts a new (subordinate) body: "BỘ TÀI CHÍNH" / "CỤC THUẾ".
BODY_HEADS = re.compile(
    r"^(?:bo|so|cuc|tong\s*cuc|chi\s*cuc|ban|truong|vien|hoc\s*vien|phong|van\s*phong"
    r"|hoi\s*dong|uy\s*ban|ubnd|cong\s*an|bo\s*chi\s*huy|trung\s*tam|toa\s*an|thanh\s*tra"
    r"|kho\s*bac|benh\s*vien|dai\s*hoc|thu\s*tuong|chinh\s*phu|tinh\s*uy|thanh\s*uy|huyen\s*uy"
    r"|dang\s*uy|doan|hoi|cong\s*ty|ngan\s*hang|quoc\s*hoi|chu\s*tich|chi\s*nhanh|dai"
    r"|bch|ct|tt)\b")
_CONTINUES = re.compile(r"(?:\bva|-|,|&)\s*$")
# A body-name head word that is the second half of a compound cut at the line end ("…VÀ
# MÔI" / "TRƯỜNG", "…VÀ XÃ" / "HỘI", "BỘ QUỐC" / "PHÒNG") continues the line above.
_COMPOUND_TAILS: dict[str, frozenset[str]] = {
    "truong": frozenset({"moi", "thi", "nha", "hien", "chien", "quang"}),
    "hoi": frozenset({"xa", "quoc", "co"}),
    "phong": frozenset({"quoc", "du", "van"}),
    "dai": frozenset({"hien", "thoi", "vi"}),
    "vien": frozenset({"sinh", "giao", "thanh", "nhan", "hoc"}),
    "doan": frozenset({"giai", "chan", "phan"}),
    "ban": frozenset({"van", "co", "nhat"}),
}


@dataclass
class Header:
    """What the header of one page says (pieces, for words and boxes)."""

    motto: Piece | None = None
    parent: list[Piece] = field(default_factory=list)
    issuer: list[Piece] = field(default_factory=list)
    number: NumberReading | None = None
    number_piece: Piece | None = None
    date: DateReading | None = None
    title: str | None = None
    title_piece: Piece | None = None
    subject: list[Piece] = field(default_factory=list)
    kinh_gui: bool = False
    form_title: bool = False  # "ĐƠN …", "TỜ KHAI": a petition or a form, not a letter
    form_kind: str = ""  # "to_khai" for a declaration form, "khac" for a petition
    subject_offcentre: bool = False  # a centred subject line is off centre: words lost
    subject_label_lost: bool = False  # a letter's subject found without its "V/v"

    @property
    def kind(self) -> str | None:
        if self.title:
            return self.title
        if self.number is not None and (self.subject or self.kinh_gui):
            return LETTER_KIND
        return None

    def cues(self) -> list[str]:
        """The official-letter cues found (for typing a page when its title is noise)."""
        out = []
        if self.motto is not None:
            out.append("motto")
        if self.issuer:
            out.append("issuer")
        if self.number is not None and self.number.symbol:
            out.append("number")
        if self.date is not None:
            out.append("date")
        if self.subject:
            out.append("subject")
        if self.title:
            out.append("title")
        if self.kinh_gui:
            out.append("kinh_gui")
        return out


def _median_height(pieces: Sequence[Piece]) -> float:
    hs = sorted(p.height for p in pieces)
    return float(hs[len(hs) // 2]) if hs else 1.0


def _overlap(a: Piece, lo: float, hi: float) -> float:
    inter = min(a.right, hi) - max(a.left, lo)
    return max(0.0, inter) / max(1.0, min(a.right - a.left, hi - lo))


def _is_stamp(p: Piece) -> bool:
    return bool(_STAMP.search(p.folded.strip(" -_.:'\"")))


def read_header(lines: Sequence[Sequence[Word]]) -> Header:
    """The header parts of one page (lines of words in reading order, with boxes)."""
    pieces = [p for p in split_pieces(lines) if any(c.isalnum() for c in p.text)]
    head = Header()
    if not pieces:
        return head
    h = _median_height(pieces)
    page_top = min(p.top for p in pieces)
    page_bottom = max(p.bottom for p in pieces)
    # the header is in the upper part (of a page of text; a short page is all header)
    limit = page_top + max(0.55 * (page_bottom - page_top), 25 * h)
    stamps = [p for p in pieces if _is_stamp(p)]

    def in_stamp(p: Piece) -> bool:
        for s in stamps:
            if p is s:
                return True
            # (the stamp's own letter size: a stamp prints larger than the page's text)
            above = 0 < s.top - p.top <= 2 * max(h, s.height) and p.left < s.right and \
                p.right > s.left
            if above and s.folded.strip(" -_.:'\"").startswith(("cong van", "cv")):
                return True  # the receiving body's name printed on the stamp
            near_x = p.left < s.right + 2 * h and p.right > s.left - 2 * h
            if near_x and 0 <= p.top - s.top <= 5 * h and len(p.text) <= 40 and \
                    not p.is_upper and not _SUBJECT.match(p.folded):
                return True
        return False

    top = [p for p in pieces if p.top <= limit and not in_stamp(p)]
    # the motto
    m1 = [p for p in top if is_motto(p) == 1]
    m2 = [p for p in top if is_motto(p) == 2]
    motto = m1[0] if m1 else (m2[0] if m2 else None)
    head.motto = motto
    # end of the header: the first "Kính gửi", else the first body paragraph
    kinh = next((p for p in top if _KINH_GUI.match(p.folded)), None)
    head.kinh_gui = kinh is not None
    end = kinh.top if kinh else limit
    # the title and the subject under it
    for p in top:
        if p.top >= end or (motto is not None and p.top <= motto.top):
            continue
        if FORM_TITLES.match(p.clean) and p.is_upper:
            head.form_title = True
            head.form_kind = "to_khai" if p.clean.startswith("to khai") else "khac"
            break
        title = match_title(p)
        if title:
            head.title, head.title_piece = title, p
            break
    # the number
    numbers = []
    for p in top:
        if p.top >= end and kinh is not None:
            continue
        m = _NUMBER_LABEL.match(p.folded)
        if not m:
            continue
        rest = p.text[m.end():]
        symbol_only = re.search(r"[A-ZĐ]{1,8}\s*-\s*[A-ZĐ0-9]", rest) and len(rest) <= 30
        alone = not rest.strip() and re.match(r"^\W{0,2}s\w?\s*:", p.folded) and (
            motto is None or p.centre < motto.left)
        if ("/" not in rest or len(rest) > 40) and not alone and not symbol_only:
            continue
        numbers.append((p, rest, m.end()))
    if not numbers:  # the label lost to OCR: a printed symbol alone in the issuer's column
        for p in top:
            if (kinh is not None and p.top >= kinh.top) or (
                    motto is not None and p.centre >= motto.left):
                continue
            if _SYMBOL_ONLY.match(p.text.strip()):
                numbers.append((p, p.text, 0))
    if numbers:
        # the one in the issuer's column (left of the motto) first, else the topmost
        def rank(item: tuple[Piece, str, int]) -> tuple[int, int]:
            p = item[0]
            left = motto is None or p.centre < motto.left or p.top > motto.top
            return (0 if left else 1, p.top)
        p, rest, at = min(numbers, key=rank)
        label_words = len(p.text[:at].split())
        words = p.words[label_words:] if label_words < len(p.words) else []
        head.number, head.number_piece = read_number(rest, words), p
    # the place-and-date line: in the header, else anywhere above the body
    for p in top:
        if in_stamp(p) or (kinh is not None and p.top >= kinh.top):
            continue
        if head.title_piece is not None and p.top > head.title_piece.top:
            continue
        if not re.search(r"th\w{0,2}ng|n[gq]\w{0,2}y", p.folded) or \
                not _YEAR.search(p.folded):
            continue
        if _SUBJECT.match(p.folded) or _NUMBER_LABEL.match(p.folded) or len(p.text) > 70:
            continue
        reading = read_date(p.text, list(p.words))
        if reading is not None and (reading.place or p.folded.lstrip().startswith("ng")):
            head.date = reading
            break
    if head.date is None:  # "Quảng Ngãi, 01 năm 2025": both labels lost
        for p in top:
            if p.top >= (head.title_piece.top if head.title_piece else end):
                break
            if motto is not None and p.top < motto.top - h:
                continue
            if re.match(r"^[^,\d]{2,40},\s*[\w?{}]{0,3}\s*\S{0,3}\s*[\w?]{0,3}\s*n\w{1,2}m\s*\d{4}",
                        p.folded) and not _NUMBER_LABEL.match(p.folded):
                head.date = read_date(p.text, list(p.words))
                break
    # the subject: a letter's "V/v" lines, or the lines under the title
    start: Piece | None = None
    for p in top:
        if p.top >= end:
            break
        for i in range(min(3, len(p.words))):  # scraps of a stamp or a seal before "V/v"
            rest = Piece(p.words[i:])
            if _SUBJECT.match(rest.folded):
                start = rest
                break
        if start is not None:
            break
    if head.title_piece is not None:
        below = [p for p in top if p.top > head.title_piece.top + 0.5 * h and p.top < end]
        if below and (start is None or start.top > below[0].top + h):
            start = below[0] if not below[0].is_upper and not _KINH_GUI.match(
                below[0].folded) else start
        if start is not None and start.top - head.title_piece.bottom > 3 * h:
            start = None
    if start is None and head.title_piece is None and head.number_piece is not None:
        # a letter whose "V/v" was lost to OCR: the lower-case line right under the number
        num = head.number_piece
        under = [p for p in top if 0 < p.top - num.bottom <= 1.5 * h and p.top < end
                 and _overlap(p, num.left - 2 * h, num.right + 2 * h) >= 0.5]
        if under and not under[0].is_upper and not _KINH_GUI.match(under[0].folded) \
                and not _starts_body(under[0]) and len(under[0].text) <= 80:
            start = under[0]
            head.subject_label_lost = True
    if start is not None:
        rights = sorted(p.right for p in pieces)
        text_right = rights[int(0.9 * (len(rights) - 1))]
        centred = head.title_piece is not None and start.top > head.title_piece.top
        head.subject = _subject_lines(start, top, h, end, text_right if centred else None)
        if centred and head.title_piece is not None:
            axis = head.title_piece.centre
            head.subject_offcentre = any(abs(p.centre - axis) > 2.5 * h for p in head.subject)
    # the issuer block
    head.parent, head.issuer = _issuer(top, motto, head, h)
    return head


def _starts_body(p: Piece) -> bool:
    """A body paragraph's opening ("Căn cứ …", "Thực hiện …", "Điều 1."): a sentence, so
    a capital or a digit first — a subject's second line may start "thực hiện dự án …"."""
    first = p.text.lstrip(" -–•*.")[:1]
    return bool(_BODY_START.match(p.folded)) and not first.islower()


def _subject_lines(start: Piece, pieces: Sequence[Piece], h: float, end: float,
                   text_right: float | None) -> list[Piece]:
    """The subject's lines from ``start`` down. Under a title (``text_right`` given) the
    subject is centred and narrower than the text: a line reaching the right margin is the
    body's first line."""
    out = [start]
    lo, hi = start.left, start.right
    for p in pieces:
        if p.top <= out[-1].top + 0.5 * h or p is start:
            continue
        if p.top >= end or p.top - out[-1].bottom > 1.3 * h or len(out) >= 6:
            break
        if _overlap(p, lo, hi) < 0.5:
            continue  # the other column (the date line beside a letter's V/v)
        f = p.folded.strip()
        if _KINH_GUI.match(f) or _starts_body(p) or p.is_upper or is_motto(p) \
                or re.fullmatch(r"[\W_]+", p.text):
            break
        if text_right is not None and p.right >= text_right - 0.3 * h:
            break
        out.append(p)
        lo, hi = min(lo, p.left), max(hi, p.right)
    return out


def _issuer(pieces: Sequence[Piece], motto: Piece | None, head: Header,
            h: float) -> tuple[list[Piece], list[Piece]]:
    """(parent body lines, issuing body lines): the upper-case block left of or above the
    motto, nearest above the number (or the subject, title or date)."""
    stops = [p.top for p in (head.number_piece, head.title_piece) if p is not None]
    stops += [head.subject[0].top] if head.subject else []
    stop = min(stops) if stops else (motto.bottom + 4 * h if motto else pieces[0].top + 8 * h)
    cands = []
    for p in pieces:
        if p.top >= stop - 0.3 * h or not p.is_upper or is_motto(p):
            continue
        if p is head.number_piece or p is head.title_piece or match_title(p) and \
                motto is not None and p.top > motto.bottom:
            continue
        if motto is not None and not (p.centre < motto.left or p.bottom < motto.top):
            continue
        if len(p.clean) < 2 or re.fullmatch(r"[\W_\d]+", p.text) or "/" in p.text or \
                re.match(r"^\W{0,2}s\w?\s*:", p.folded):
            continue
        cands.append(p)
    if not cands:
        return [], []
    # the block nearest above the stop: consecutive lines less than 2.5 heights apart
    block = [cands[-1]]
    for p in reversed(cands[:-1]):
        if block[0].top - p.top > 2.5 * h:
            break
        block.insert(0, p)
    # a line starting a body's name under a complete name starts the issuer proper
    split = 0
    for i in range(1, len(block)):
        prev = block[i - 1].clean
        if BODY_HEADS.match(block[i].clean) and not _CONTINUES.search(block[i - 1].text) \
                and not prev.endswith(("ban", "uy ban")) and not _compound_cut(prev,
                                                                              block[i].clean):
            split = i
    return block[:split], block[split:]


def _compound_cut(above: str, line: str) -> bool:
    """Whether ``line`` starts with the second half of a compound that ``above`` (folded
    text) ends with the first half of."""
    head = line.split()[0] if line.split() else ""
    tail = above.split()[-1] if above.split() else ""
    return tail in _COMPOUND_TAILS.get(head, frozenset())


# -- agency names ---------------------------------------------------------------------------------


def correct_agency(text: str, vocabulary: frozenset[str],
                   phrases: Sequence[str] = ()) -> str:
    """OCR slips in an upper-case agency line fixed against agency and place names:

    1. a run of words with the letters of a known phrase ("TĨNH QUẢNG NGAI" -> "TỈNH QUẢNG
       NGÃI", "ÚY BAN NHÂN DÁN" -> "ỦY BAN NHÂN DÂN") becomes that phrase — the longest first,
       so "HÀ TĨNH" stays; the print variant "UỶ" is kept where it was read;
    2. any other word not in the word list is replaced by the one listed word with the same
       letters, or by the one listed word within a small edit distance when the word is not
       a Vietnamese syllable at all."""
    from ocr_models.vietnamese import default_lexicon

    lexicon = default_lexicon()
    tokens = [t for t in nfc(text).split() if any(c.isalnum() for c in t)]  # rules, dashes
    keys = [re.sub(r"[^a-z0-9]", "", fold(t)) for t in tokens]
    by_words: dict[tuple[str, ...], str] = {}
    for phrase in phrases:
        words = tuple(re.sub(r"[^a-z0-9]", "", fold(w)) for w in phrase.split())
        by_words.setdefault(words, phrase)
    whole = by_words.get(tuple(keys))
    if whole is None and len(tokens) >= 2:
        # not a known name letter for letter: the one name the whole line is close to
        line = " ".join(keys)
        # scores below 0.84 neither pass (0.88) nor block a passing one (within 0.04)
        scored = sorted(((similar(line, " ".join(k), 0.84), p) for k, p in by_words.items()
                         if abs(len(k) - len(tokens)) <= 1), reverse=True)
        if scored and scored[0][0] >= 0.88 and (len(scored) == 1 or
                                                scored[1][0] < scored[0][0] - 0.04):
            return scored[0][1]
    longest = max((len(k) for k in by_words), default=0)
    fixed: list[str | None] = [None] * len(tokens)
    i = 0
    while i < len(tokens):
        for n in range(min(longest, len(tokens) - i), 0, -1):
            phrase = by_words.get(tuple(keys[i:i + n]))
            if phrase is None or n == 1 and len(keys[i]) < 3:
                continue
            for k, word in enumerate(phrase.split()):
                read = tokens[i + k]
                core = read.strip(".,;:()")
                keep = core.upper() == "UỶ" and word == "ỦY"
                fixed[i + k] = read if keep or not core.isalpha() else read.replace(core, word)
            i += n
            break
        else:
            i += 1
    by_fold: dict[str, list[str]] = {}
    for word in vocabulary:
        by_fold.setdefault(fold(word), []).append(word)
    out = []
    for token, done in zip(tokens, fixed, strict=True):
        if done is not None:
            out.append(done)
            continue
        core = token.strip(".,;:()")
        lead = token[:token.find(core)] if core else ""
        trail = token[len(lead) + len(core):]
        upper = core.upper()
        if not core.isalpha() or upper in vocabulary:
            out.append(token)
            continue
        same = by_fold.get(fold(upper), [])
        if len(same) == 1:
            out.append(lead + same[0] + trail)
            continue
        if lexicon is None or core.lower() not in lexicon:
            close = difflib.get_close_matches(upper, list(vocabulary), n=2, cutoff=0.75)
            if len(close) == 1 or (len(close) == 2 and similar(upper, close[0]) >
                                   similar(upper, close[1]) + 0.1):
                out.append(lead + close[0] + trail)
                continue
        out.append(token)
    return " ".join(out)


# -- candidates -----------------------------------------------------------------------------------


def header_candidates(head: Header, page: int = 0) -> list:
    """The header's raw field candidates (:class:`~pipeline.papers.extract.Candidate`), each
    with a ``reading`` that says it came from the header: issuer lines joined by " / "
    (``"issuer"``), the number (its :class:`NumberReading`), the date line (its
    :class:`DateReading`), the document kind (``"kind"``) and the subject (``"subject"``, or
    ``"subject_offcentre"`` when a line of it is off the title's centre: words were lost).
    Kinds are the extractor's (agency, code, date, text), so the page stage reads their
    words a second time from the image."""
    from pipeline.papers.extract import Candidate

    found = []
    if head.parent:
        found.append(Candidate("co_quan_chu_quan", " / ".join(p.text for p in head.parent),
                               "agency", [w for p in head.parent for w in p.words], page,
                               reading="issuer"))
    if head.issuer:
        found.append(Candidate("co_quan_ban_hanh", " / ".join(p.text for p in head.issuer),
                               "agency", [w for p in head.issuer for w in p.words], page,
                               reading="issuer"))
    if head.number is not None:
        found.append(Candidate("so_hieu", head.number.raw, "code", head.number.words, page,
                               reading=head.number))
    if head.date is not None:
        found.append(Candidate("ngay_ghi", head.date.raw, "date", head.date.words, page,
                               reading=head.date))
    kind = head.kind
    if kind:
        words = head.title_piece.words if head.title_piece is not None else []
        found.append(Candidate("loai_van_ban", kind, "kind", list(words), page, reading="kind"))
    if head.subject:
        found.append(Candidate("trich_yeu", " ".join(p.text for p in head.subject), "text",
                               [w for p in head.subject for w in p.words], page,
                               reading="subject_offcentre" if head.subject_offcentre
                               or head.subject_label_lost else "subject"))
    return found
