"""Field extraction from one page's OCR lines: labels, their values, and where they came from.

Works on the page layout, not on a flattened string: each OCR line keeps its words' boxes
and confidences. A label ("Họ, chữ đệm, tên:", "Số định danh cá nhân:", "Ngày sinh / Date of
birth:") is found on the accent-folded line text (so a missed diacritic in a label does not
matter); its value is the rest of the line up to the next label, or the next line for the
card's two-line labels, plus wrapped continuation lines for addresses. Labels that name a
person ("... tên người mẹ", "... tên vợ", "Thông tin bên nam") set a context, so the birth
date and ID that follow go to that person's keys (``so_dinh_danh_vo``...).

Header parts (issuing body, ``Số:``, the place-and-date line, the subject) and the chip ID
card's machine-readable zone are read by position and pattern. The output is raw
:class:`Candidate` values with the words they came from; :mod:`pipeline.papers.fields` turns them
into validated fields.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ocr_models import Word
from pipeline.papers.validate import fold

# -- lines ----------------------------------------------------------------------------------------


class WordBox:
    """The box of a run of OCR words (``self.words``, at least one) and their median
    height: shared by page lines here and header pieces (pipeline/papers/header.py)."""

    words: list[Word]

    @property
    def left(self) -> int:
        return min(w.left for w in self.words)

    @property
    def right(self) -> int:
        return max(w.left + w.width for w in self.words)

    @property
    def top(self) -> int:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> int:
        return max(w.top + w.height for w in self.words)

    @property
    def height(self) -> int:
        return int(sorted(w.height for w in self.words)[len(self.words) // 2])


@dataclass
class Line(WordBox):
    """One OCR line: its words, text, accent-folded text (same length) and word spans."""

    words: list[Word]
    text: str = ""
    folded: str = ""
    spans: list[tuple[int, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        parts, pos = [], 0
        for w in self.words:
            parts.append(w.text)
            self.spans.append((pos, pos + len(w.text)))
            pos += len(w.text) + 1
        self.text = " ".join(parts)
        folded = fold(self.text)
        self.folded = folded if len(folded) == len(self.text) else self.text.lower()

    def words_between(self, start: int, end: int) -> list[Word]:
        return [w for w, (a, b) in zip(self.words, self.spans, strict=True)
                if b > start and a < end]

    @property
    def is_upper(self) -> bool:
        letters = [c for c in self.text if c.isalpha()]
        return len(letters) >= 3 and sum(c.isupper() for c in letters) >= 0.85 * len(letters)

    @property
    def mostly_upper(self) -> bool:
        """Upper case as a blurred, low-resolution photo is read: Tesseract gives some
        words of a title or an issuer in capitals back in small letters ("GIẤY khai
        SINH", "THỊ XÃ buôn HỒ"). Upper case (:attr:`is_upper`), or most words in
        capitals with two letters in three upper case."""
        if self.is_upper:
            return True
        letters = [c for c in self.text if c.isalpha()]
        words = [w for w in (''.join(c for c in x.text if c.isalpha()) for x in self.words)
                 if len(w) >= 2]
        return len(letters) >= 6 and len(words) >= 2 and \
            sum(c.isupper() for c in letters) >= 0.6 * len(letters) and \
            sum(w.isupper() for w in words) > len(words) / 2


def page_lines(words: Sequence[Word], text: str) -> list[Line]:
    """Rebuild a page's lines from its words in reading order and its text (one line per
    text line, words separated by single spaces)."""
    lines, i = [], 0
    for row in text.split("\n"):
        n = len(row.split()) if row.strip() else 0
        if n:
            lines.append(Line(list(words[i:i + n])))
        i += n
    return lines


# -- candidates -----------------------------------------------------------------------------------


@dataclass
class Candidate:
    """A raw value found on a page."""

    key: str
    raw: str  # the text as read (one space between words, lines joined by a space)
    kind: str  # name | date | id | choice | text | address | number | year | code
    words: list[Word]
    page: int = 0
    source: str = "ocr"  # ocr | mrz | qr
    alternatives: list[str] = field(default_factory=list)  # other readings of the same words
    reading: object | None = None  # a structured reading (header.NumberReading / DateReading)
    # only a fill-in line's dots or dashes were read, yet the page image shows writing
    # there (pipeline.page.idbox.mark_written_blanks): handwriting the engine dropped
    written: bool = False

    @property
    def confidence(self) -> float:
        if not self.words:
            return 0.0
        chars = sum(len(w.text) for w in self.words)
        return sum(w.confidence * len(w.text) for w in self.words) / max(1, chars)

    @property
    def min_confidence(self) -> float:
        return min((w.confidence for w in self.words), default=0.0)


# -- labels ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Label:
    pattern: re.Pattern[str]
    key: str  # base key; the context suffix may be added
    kind: str
    context: str | None = None  # the person this label starts ("me", "vo", ...)
    bare: bool = False  # no colon needed (the card's bilingual labels)
    below: bool = False  # the value may be on the next line


def _label(rx: str, key: str, kind: str, **kw) -> Label:
    return Label(re.compile(rx), key, kind, **kw)


_HTEN = r"ho\s*[,.]?\s*chu\s*dem\s*[,.]?\s*(?:va\s*)?ten"
# Longer labels first: the first pattern to claim a stretch of a line wins it.
LABELS: tuple[Label, ...] = (
    _label(_HTEN + r"\s*nguoi\s*di\s*khai\s*sinh", "ho_ten_nguoi_di_khai_sinh", "name"),
    _label(_HTEN + r"\s*nguoi\s*yeu\s*cau", "ho_ten", "name", context="nguoi_yeu_cau"),
    _label(_HTEN + r"\s*nguoi\s*me", "ho_ten", "name", context="me"),
    _label(_HTEN + r"\s*nguoi\s*cha", "ho_ten", "name", context="cha"),
    _label(_HTEN + r"\s*vo\b", "ho_ten", "name", context="vo"),
    _label(_HTEN + r"\s*chong\b", "ho_ten", "name", context="chong"),
    _label(_HTEN + r"(?:\s*khai\s*sinh)?\s*/\s*full\s*name", "ho_ten", "name", bare=True,
           below=True),
    _label(r"(?:ho\s*va\s*)?ten\s*/\s*full\s*name", "ho_ten", "name", bare=True, below=True),
    _label(_HTEN, "ho_ten", "name"),
    _label(r"ngay\s*[,.]?\s*thang\s*[,.]?\s*nam\s*sinh(?:\s*/\s*date\s*of\s*birth)?", "ngay_sinh",
           "date", bare=True, below=True),
    _label(r"ngay\s*sinh\s*/\s*date\s*of\s*birth", "ngay_sinh", "date", bare=True, below=True),
    _label(r"ghi\s*bang\s*chu", "ngay_sinh_bang_chu", "text"),
    _label(r"nam\s*sinh", "nam_sinh", "year"),
    _label(r"gioi\s*tinh(?:\s*/?\s*sex)?", "gioi_tinh", "choice"),
    _label(r"dan\s*toc", "dan_toc", "choice"),
    # the card's 7-point English half is often misread ("Quốc tịch / Nung: Việt Nam")
    _label(r"quoc\s*tich(?:\s*/\s*(?:nationality|[a-z]{2,14}))?", "quoc_tich", "choice"),
    _label(r"noi\s*dang\s*ky\s*khai\s*sinh(?:\s*/\s*place\s*of\s*birth)?",
           "noi_dang_ky_khai_sinh", "address", below=True),
    _label(r"noi\s*dang\s*ky\s*ket\s*hon", "noi_dang_ky_ket_hon", "address"),
    _label(r"noi\s*sinh", "noi_sinh", "address"),
    _label(r"que\s*quan(?:\s*/\s*place\s*of\s*origin)?", "que_quan", "address", below=True),
    _label(r"so\s*dinh\s*danh\s*ca\s*nhan\s*/\s*personal\s*identification\s*number",
           "so_dinh_danh", "id", bare=True, below=True),
    _label(r"so\s*dinh\s*danh\s*ca\s*nhan", "so_dinh_danh", "id"),
    _label(r"giay\s*to\s*tuy\s*than", "so_dinh_danh", "id"),
    _label(r"noi\s*thuong\s*tru(?:\s*/\s*place\s*of\s*residence)?", "noi_thuong_tru",
           "address", below=True),
    _label(r"dia\s*chi\s*thuong\s*tru", "noi_thuong_tru", "address"),
    _label(r"noi\s*cu\s*tru(?:\s*/\s*place\s*of\s*residence)?", "noi_cu_tru", "address",
           below=True),
    _label(r"ngay\s*[,.]?\s*thang\s*[,.]?\s*nam\s*dang\s*ky", "ngay_dang_ky", "date"),
    _label(r"ngay\s*[,.]?\s*thang\s*[,.]?\s*nam\s*het\s*han(?:\s*/\s*date\s*of\s*expiry)?",
           "co_gia_tri_den", "date"),
    _label(r"co\s*gia\s*tri\s*den(?:\s*/\s*date\s*of\s*exp\w*)?", "co_gia_tri_den", "date"),
    _label(r"ngay\s*[,.]?\s*thang\s*[,.]?\s*nam\s*cap(?:\s*/\s*date\s*of\s*issue)?", "ngay_cap",
           "date"),
    _label(r"ngay\s*[,.]?\s*th\w*\s*[,.]?\s*nam\s*/\s*date\s*[,.]?\s*month\s*[,.]?\s*year",
           "ngay_cap", "date"),
    _label(r"dac\s*diem\s*nhan\s*dang(?:\s*/\s*personal\s*identification)?",
           "dac_diem_nhan_dang", "text"),
    _label(r"tinh\s*trang\s*hon\s*nhan", "tinh_trang_hon_nhan", "text"),
    _label(r"so\s*vao\s*so\s*cap\s*gcn", "so_vao_so", "code"),
    _label(r"thua\s*dat\s*so", "thua_dat_so", "number"),
    _label(r"to\s*ban\s*do\s*so", "to_ban_do_so", "number"),
    _label(r"(?:ong|ba)(?=\s*:)", "ho_ten", "name"),
    _label(r"(?:cccd|cmnd|can\s*cuoc(?:\s*cong\s*dan)?)\s*so", "so_dinh_danh", "id"),
    _label(r"so\s*/?\s*no\.?(?=\s*[:.]?\s*\d)", "so_dinh_danh", "id", bare=True),
    # the card's English halves, for when 7-point Vietnamese labels are misread
    _label(r"full\s*name", "ho_ten", "name", bare=True, below=True),
    _label(r"date\s*of\s*birth", "ngay_sinh", "date", bare=True, below=True),
    _label(r"(?<=/)\s*sex", "gioi_tinh", "choice", bare=True),
    _label(r"nationality", "quoc_tich", "choice", bare=True),
    _label(r"place\s*of\s*origin", "que_quan", "address", bare=True, below=True),
    _label(r"thuong\s*tru\s*/\s*place\s*of\s*\w+", "noi_thuong_tru", "address",
           bare=True, below=True),
    _label(r"place\s*of\s*residence", "noi_cu_tru", "address", bare=True, below=True),
    _label(r"date\s*of\s*exp\w*", "co_gia_tri_den", "date", bare=True),
    _label(r"date\s*of\s*issue", "ngay_cap", "date", bare=True),
    _label(r"personal\s*identification\s*number", "so_dinh_danh", "id", bare=True,
           below=True),
)

# Keys about the paper itself, never about the person whose block they stand in.
PAPER_KEYS = frozenset({"ngay_dang_ky", "noi_dang_ky_ket_hon", "so_vao_so", "thua_dat_so",
                        "to_ban_do_so", "tinh_trang_hon_nhan", "ho_ten_nguoi_di_khai_sinh"})
# (context, base key) -> key; other pairs become "<base>_<context>"
CONTEXT_KEYS = {
    ("nguoi_yeu_cau", "noi_cu_tru"): "noi_cu_tru",
}
# Lines that end a person's context: what follows is about the paper's main person.
_RESET = re.compile(r"^(?:de\s*nghi|xac\s*nhan\s*:|ii\.|i\.\s*nguoi)")
_SET_CONTEXT = ((re.compile(r"^thong\s*tin\s*ben\s*nu"), "vo"),
                (re.compile(r"^thong\s*tin\s*ben\s*nam"), "chong"))


def _key(base: str, context: str | None) -> str:
    if not context:
        return base
    return CONTEXT_KEYS.get((context, base), f"{base}_{context}")


@dataclass
class _Hit:
    start: int
    end: int  # end of the label including its colon
    label: Label


def _find_labels(line: Line) -> list[_Hit]:
    hits: list[_Hit] = []
    taken: list[tuple[int, int]] = []
    for label in LABELS:
        for m in label.pattern.finditer(line.folded):
            s, e = m.start(), m.end()
            if s > 0 and line.folded[s - 1].isalnum():
                continue  # inside a word
            if any(s < b and e > a for a, b in taken):
                continue
            rest = line.folded[e:]
            colon = re.match(r"\s*[:;]", rest)
            if colon:
                e += colon.end()
            elif not label.bare:
                continue
            hits.append(_Hit(s, e, label))
            taken.append((s, e))
    hits.sort(key=lambda h: h.start)
    return hits


def _value_span(line: Line, start: int, end: int) -> tuple[str, list[Word]]:
    raw = line.text[start:end].strip(" \t")
    words = line.words_between(start + (len(line.text[start:end]) -
                                        len(line.text[start:end].lstrip())), end)
    return " ".join(raw.split()), words


def _continues(prev: Line, nxt: Line, page_right: int) -> bool:
    """Is ``nxt`` the wrapped rest of the value that ends ``prev``?"""
    if _find_labels(nxt) or nxt.is_upper and len(nxt.text) > 12 or _is_mrz(nxt.text):
        return False
    gap = nxt.top - (prev.top + prev.height)
    if gap > 1.6 * prev.height:
        return False
    if prev.text.rstrip().endswith((",", "-")) or nxt.text[:1].islower():
        return True
    return prev.right >= page_right - 3 * prev.height and len(nxt.words) <= 8


def _name_tail(prev: Line, nxt: Line) -> bool:
    """Is ``nxt`` the end of a capitalised name that ``prev`` ends with?"""
    if len(nxt.words) > 2 or _find_labels(nxt) or not nxt.text.isupper():
        return False
    if not all(w.text.isalpha() for w in nxt.words):
        return False
    return nxt.top - (prev.top + prev.height) < 1.2 * prev.height


_LEADER_CHARS = " .…·,;-_–—~"


def _blank_label(line: Line) -> bool:
    """A form's next item with its blank left empty ("8. Nơi tạm trú: ……"): a label
    ending in ":" with nothing but fill-in dots after it — not a value of the label above."""
    text = line.text.rstrip(_LEADER_CHARS)
    return text.endswith(":") and any(c.isalpha() for c in text)


def extract_lines(lines: Sequence[Line], page: int = 0) -> list[Candidate]:
    """Every labelled value of a page, in reading order, with the person context applied."""
    found: list[Candidate] = []
    if not lines:
        return found
    rights = sorted(ln.right for ln in lines)
    page_right = rights[int(0.9 * (len(rights) - 1))]
    context: str | None = None
    used: set[int] = set()  # lines consumed as values of a label on an earlier line
    for i, line in enumerate(lines):
        if i in used:
            continue
        head = line.folded.lstrip()
        if _RESET.match(head):
            context = None
        for rx, ctx in _SET_CONTEXT:
            if rx.match(head):
                context = ctx
        hits = _find_labels(line)
        for j, hit in enumerate(hits):
            if hit.label.context:
                context = hit.label.context
            stop = hits[j + 1].start if j + 1 < len(hits) else len(line.text)
            raw, words = _value_span(line, hit.end, stop)
            k = i
            if not raw and hit.label.below and i + 1 < len(lines) \
                    and not _find_labels(lines[i + 1]) and not _blank_label(lines[i + 1]):
                k = i + 1
                raw, words = lines[k].text, list(lines[k].words)
                used.add(k)
            if hit.label.kind == "name" and j == len(hits) - 1 and raw.isupper() \
                    and k + 1 < len(lines) and _name_tail(lines[k], lines[k + 1]):
                k += 1  # a long name in capitals wrapped onto the next line
                used.add(k)
                raw = f"{raw} {lines[k].text}"
                words += lines[k].words
            if hit.label.kind in ("address", "text") and j == len(hits) - 1:
                while k + 1 < len(lines) and _continues(lines[k], lines[k + 1], page_right):
                    k += 1
                    used.add(k)
                    raw = f"{raw} {lines[k].text}".strip()
                    words += lines[k].words
            if not raw:
                continue
            key = _key(hit.label.key, None if hit.label.key in PAPER_KEYS else context)
            found.append(Candidate(key, raw, hit.label.kind, words, page))
    return found


# -- header, title, date line ---------------------------------------------------------------------

MOTTO = re.compile(r"cong\s*hoa\s*xa\s*hoi\s*chu\s*nghia")
_NUMBER = re.compile(r"^so\s*[:;.]?\s*(\S*\d\S*)")
_PLACE_DATE = re.compile(r"^([^,]{2,40}),\s*ngay\s*[:.,;]?\s*(\d{1,2})\s*thang\s*[:.,;]?"
                         r"\s*(\d{1,2})\s*nam\s*[:.,;]?\s*(\d{4})")
UNIT_WORDS = ("thanh pho", "thi tran", "thi xa", "phuong", "huyen", "quan", "tinh", "xa")


def header_parts(lines: Sequence[Line], page: int = 0) -> list[Candidate]:
    """Number (``Số:``), subject (``V/v``), the place-and-date line and the issuing body."""
    found: list[Candidate] = []
    motto = next((i for i, ln in enumerate(lines[:12]) if MOTTO.search(ln.folded)), None)
    head = list(lines[:motto]) if motto is not None else []
    issuer: list[Line] = []
    subject: list[Line] = []
    for ln in head:
        m = _NUMBER.match(ln.folded)
        if m:
            raw = ln.text[m.start(1):].split()[0].strip(".,;")
            found.append(Candidate("so_hieu", raw, "code", ln.words_between(m.start(1), 10**6),
                                   page))
        elif ln.folded.startswith(("v/v", "v/ v", "v.v")) or subject:
            subject.append(ln)
        elif ln.mostly_upper and not found:
            issuer.append(ln)
    if issuer:
        found.append(Candidate("co_quan_ban_hanh", " / ".join(ln.text for ln in issuer),
                               "agency", [w for ln in issuer for w in ln.words], page))
    if subject:
        found.append(Candidate("trich_yeu", " ".join(ln.text for ln in subject), "text",
                               [w for ln in subject for w in ln.words], page))
    for ln in lines:
        m = _PLACE_DATE.match(ln.folded.strip())
        if m:
            at = ln.folded.index("ngay", m.end(1))
            found.append(Candidate("ngay_ghi", ln.text[at:], "date",
                                   ln.words_between(at, 10**6), page))
            break
    return found


def signer_agency(lines: Sequence[Line], page: int = 0) -> Candidate | None:
    """The issuing body named in a signature block: "TM. ỦY BAN NHÂN DÂN" / "HUYỆN X"."""
    for i, ln in enumerate(lines):
        f = ln.folded.strip()
        if re.match(r"^(tm\.?\s*)?(uy\s*ban\s*nhan\s*dan|so\s*tai\s*nguyen)", f) \
                and i + 1 < len(lines) and lines[i + 1].mostly_upper:
            unit = lines[i + 1]
            if fold(unit.text).startswith(UNIT_WORDS):
                text = re.sub(r"^TM\.?\s*", "", ln.text)
                return Candidate("co_quan_ban_hanh", f"{text} / {unit.text}", "agency",
                                 ln.words + unit.words, page)
    return None


def decision_subject(lines: Sequence[Line], page: int = 0) -> Candidate | None:
    """The subject under a decision's title: lines after "QUYẾT ĐỊNH" up to the
    authority line (upper case)."""
    for i, ln in enumerate(lines):
        if re.fullmatch(r"\s*quyet\s*dinh\s*", ln.folded):
            body: list[Line] = []
            for nxt in lines[i + 1:i + 5]:
                if nxt.is_upper or nxt.folded.startswith("can cu"):
                    break
                body.append(nxt)
            if body:
                return Candidate("trich_yeu", " ".join(b.text for b in body), "text",
                                 [w for b in body for w in b.words], page)
    return None


def land_parts(lines: Sequence[Line], page: int = 0) -> list[Candidate]:
    """The land certificate's serial (``AA 01234567``), printed on a line of its own; a
    speck read as a one- or two-character word beside it, or marks after it (a guilloche
    line, a photo's grain), do not hide it. A ninth digit (one read twice) is kept: the
    format check flags it."""
    found = []
    for ln in lines:
        m = re.fullmatch(r"\s*(?:\S{1,2}\s+)?([A-Z]{2})\s*(\d{6,9})"
                         r"(?:\s+\S{1,2}|\s*[^\w\s])*\s*", ln.text)
        if m:
            found.append(Candidate("so_phat_hanh", f"{m.group(1)} {m.group(2)}", "code",
                                   list(ln.words), page))
    return found


# -- machine-readable zone of the chip ID card ----------------------------------------------------

_MRZ_VALUES = {**{str(d): d for d in range(10)},
               **{chr(ord("A") + i): 10 + i for i in range(26)}, "<": 0}
_TO_DIGIT = str.maketrans({"O": "0", "D": "0", "Q": "0", "I": "1", "L": "1", "T": "1",
                           "Z": "2", "S": "5", "B": "8", "G": "6"})


def _is_mrz(text: str) -> bool:
    return "<<" in text or bool(re.search(r"[A-Z0-9<]{25,}", text.replace(" ", "")))


def mrz_check(data: str) -> str:
    weights = (7, 3, 1)
    return str(sum(_MRZ_VALUES.get(c, 0) * weights[i % 3] for i, c in enumerate(data)) % 10)


@dataclass
class Mrz:
    personal_id: str | None = None
    birth: str | None = None  # YYMMDD
    sex: str | None = None  # Nam / Nữ
    expiry: str | None = None  # YYMMDD
    name: str | None = None  # ASCII, "NGUYEN VAN AN"
    words: list[Word] = field(default_factory=list)


def read_mrz(lines: Iterable[Line]) -> Mrz | None:
    """The ID, birth date, sex, expiry and ASCII name of the MRZ, each kept only when its
    check digit is right (OCR confusions O/0, I/1 are undone in digit positions first)."""
    rows = [ln for ln in lines if _is_mrz(ln.text)]
    if not rows:
        return None
    out = Mrz(words=[w for ln in rows for w in ln.words])
    for ln in rows:
        t = re.sub(r"\s+", "", ln.text.upper())
        m = re.search(r"VNM([0-9A-Z]{9})([0-9A-Z])([0-9A-Z]{12})<<([0-9A-Z])", t)
        if m and out.personal_id is None:
            doc, check, pid, final = (g.translate(_TO_DIGIT) for g in m.groups())
            if pid.isdigit() and mrz_check(doc) == check and doc == pid[3:] \
                    and mrz_check(f"{doc}{check}{pid}<<") == final:
                out.personal_id = pid
            continue
        m = re.match(r"([0-9A-Z]{6})([0-9A-Z])([MF])([0-9A-Z]{6})([0-9A-Z])VNM", t)
        if m and out.birth is None:
            born, cb, sex, exp, ce = m.groups()
            born, cb, exp, ce = (g.translate(_TO_DIGIT) for g in (born, cb, exp, ce))
            if born.isdigit() and mrz_check(born) == cb:
                out.birth = born
            if exp.isdigit() and mrz_check(exp) == ce:
                out.expiry = exp
            out.sex = "Nam" if sex == "M" else "Nữ"
            continue
        m = re.match(r"([A-Z]+)<<([A-Z<]+)", t)
        if m and out.name is None and not any(c.isdigit() for c in t):
            given = " ".join(p for p in m.group(2).split("<") if p)
            out.name = f"{m.group(1)} {given}".strip()
    return out


def card_id_fallback(lines: Sequence[Line], page: int = 0) -> Candidate | None:
    """A 12-digit number on a card's front line that starts with "Số" (label misread)."""
    for ln in lines:
        if _is_mrz(ln.text):
            continue
        m = re.search(r"(?<!\d)(\d{12})(?!\d)", ln.text)
        if m:
            return Candidate("so_dinh_danh", m.group(1), "id",
                             ln.words_between(m.start(1), m.end(1)), page)
    return None

