"""Documents and their validated fields: from page results to what the index and the portal
metadata need.

:func:`build_documents` classifies each page, groups consecutive pages into papers, and for
each paper merges the pages' raw candidates (:mod:`pipeline.papers.extract`), the chip ID card's
QR code and machine-readable zone, normalises every value (ISO dates, title-case names,
canonical sex / ethnicity / nationality) and validates it (:mod:`pipeline.papers.validate`). A
value that fails a check, disagrees with another reading on the same paper, or was read with
low confidence is kept and marked ``needs_review`` with its reasons — never dropped, never
guessed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from ocr_models.base import Word
from pipeline.papers.classify import PageClass, PageGroup, classify_page, group_pages
from pipeline.papers.digits_settle import settle_digits, settle_id_boxes
from pipeline.papers.extract import (
    LABELS,
    UNIT_WORDS,
    Candidate,
    Line,
    Mrz,
    card_id_fallback,
    decision_subject,
    extract_lines,
    header_parts,
    land_parts,
    page_lines,
    read_mrz,
    signer_agency,
)
from pipeline.papers.header import (
    UNREAD,
    DateReading,
    NumberReading,
    correct_agency,
    header_candidates,
    read_header,
)
from pipeline.papers.qr import CardQr
from pipeline.papers.reference import ETHNIC_GROUPS
from pipeline.papers.subject import settle_subject
from pipeline.papers.validate import (
    PERSONAL_ID,
    Problem,
    check_choice,
    check_date,
    check_name,
    check_pattern,
    check_personal_id,
    fold,
    nfc,
    parse_date,
    parse_spelled_date,
    title_case,
)

REVIEW_CONFIDENCE = 0.80  # mean word confidence below this: an officer looks at it
REVIEW_WORD = 0.45  # any single word below this: idem

# Date keys and what kind of date each is, for plausibility.
DATE_KINDS = {"ngay_sinh": "birth", "ngay_cap": "issue", "ngay_dang_ky": "issue",
              "ngay_ban_hanh": "issue", "co_gia_tri_den": "expiry", "ngay_lam": "issue"}
PEOPLE = ("", "_vo", "_chong", "_me", "_cha", "_nguoi_yeu_cau")
# The place-and-date line ("Tân Phú, ngày 05 tháng 3 năm 2024") means this, per type:
DATE_LINE_KEY = {"van_ban_hanh_chinh": "ngay_ban_hanh", "giay_xac_nhan_tinh_trang_hon_nhan":
                 "ngay_cap", "giay_chung_nhan_qsdd": "ngay_cap", "to_khai": "ngay_lam",
                 "giay_khai_sinh": "ngay_cap", "giay_chung_nhan_ket_hon": "ngay_cap"}
CARD_ISSUERS = (("cuc canh sat", "Cục Cảnh sát quản lý hành chính về trật tự xã hội"),
                ("bo cong an", "Bộ Công an"))


@dataclass
class FieldValue:
    """One field of a document: its value, how sure we are, and where it came from."""

    value: str
    confidence: float
    source: str = "ocr"  # ocr | qr | mrz | rule
    page: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def needs_review(self) -> bool:
        return bool(self.problems)

    def flag(self, problem: Problem) -> None:
        if all(p.code != problem.code for p in self.problems):
            self.problems.append(problem)

    def to_json(self) -> dict:
        data: dict = {"value": self.value, "confidence": round(self.confidence, 3),
                      "source": self.source, "needs_review": self.needs_review}
        if self.problems:
            data["reasons"] = [p.to_json() for p in self.problems]
        return data


@dataclass
class Document:
    """One paper: its type, its pages (indices into the batch's page list), its fields."""

    doc_type: str
    pages: list[int]
    confidence: float
    fields: dict[str, FieldValue] = field(default_factory=dict)

    @property
    def needs_review(self) -> bool:
        return any(f.needs_review for f in self.fields.values())

    def values(self) -> dict[str, str]:
        return {k: f.value for k, f in self.fields.items()}

    def owner(self) -> tuple[str | None, str | None]:
        """(personal ID, name) of the paper's owner (MaChuGiayTo / TenChuGiayTo): the
        person the paper is about, else the requester, else the husband, else the wife."""
        for suffix in ("", "_nguoi_yeu_cau", "_chong", "_vo"):
            pid, name = self.fields.get("so_dinh_danh" + suffix), \
                self.fields.get("ho_ten" + suffix)
            if pid or name:
                # a partly read ID, one not read in full or an old 9-digit CMND number is
                # no CCCD to export
                pid_value = pid.value if pid and UNREAD not in pid.value \
                    and PERSONAL_ID.match(pid.value) \
                    and not any(p.code == "unreadable" for p in pid.problems) else None
                name_value = name.value if name and UNREAD not in name.value \
                    and not any(p.code == "unreadable" for p in name.problems) else None
                return pid_value, name_value
        return None, None

    def valid_until(self) -> date | None:
        """ThoiHanHieuLuc: printed ("Có giá trị đến"), or by law (a marital-status
        certificate is valid 6 months from its issue date)."""
        if "co_gia_tri_den" in self.fields:
            return _iso(self.fields["co_gia_tri_den"].value)
        if self.doc_type == "giay_xac_nhan_tinh_trang_hon_nhan" and "ngay_cap" in self.fields:
            issued = _iso(self.fields["ngay_cap"].value)
            return _add_months(issued, 6) if issued else None
        return None

    def to_json(self) -> dict:
        return {"type": self.doc_type, "pages": self.pages,
                "confidence": round(self.confidence, 3), "needs_review": self.needs_review,
                "fields": {k: f.to_json() for k, f in self.fields.items()}}


# -- page level -----------------------------------------------------------------------------------


@dataclass
class PageFacts:
    """What a page contributes to its document (computed where the page was processed)."""

    page_class: PageClass
    candidates: list[Candidate]
    lines: list[Line]
    mrz: Mrz | None = None
    qr: CardQr | None = None
    slots: object | None = None  # pipeline.page.slots.SlotReadings (handwritten digits)
    idboxes: list = field(default_factory=list)  # pipeline.page.idbox.IdBoxReading rows


# A sheet with both sides of a chip ID card copied on it carries ~130 words that OCR reads
# surely (generated card copies: 35-130): an untyped page with far more is a text page (a
# letter's continuation, prose), not a card whose print OCR could not read.
CARD_MOST_SURE_WORDS = 300
SURE_WORD = 0.8  # a word read at least this surely (and two characters or more) counts


def text_page(words) -> bool:
    """Whether OCR read more words surely than any card copy holds."""
    sure = sum(1 for w in words if w.confidence >= SURE_WORD and len(w.text) >= 2)
    return sure > CARD_MOST_SURE_WORDS


def page_facts(words, text: str, *, blank: bool = False, page: int = 0,
               qr: CardQr | None = None,
               find_qr: Callable[[], CardQr | None] | None = None,
               qr_outline: Callable[[], bool] | None = None) -> PageFacts:
    """``find_qr`` (reads the page image) is called only for pages that may be a card: a
    card by its text, or an untyped page (a card whose print OCR could not read) when
    ``qr_outline`` (a cheap look at the image, if given) sees a QR code on it. An untyped
    page of plenty of surely read text (:func:`text_page`) is not looked at (~0.2 s of CPU
    a page: a letter's continuation pages, prose)."""
    lines = page_lines(words, text)
    head = read_header([ln.words for ln in lines]) if not blank else None
    pc = classify_page(lines, blank=blank, header=head)
    may_be_card = pc.doc_type == "can_cuoc" or pc.doc_type == "khac" and (
        not text_page(words) and (qr_outline is None or qr_outline()))
    if qr is None and find_qr is not None and may_be_card:
        qr = find_qr()
    if pc.doc_type == "khac" and qr is not None:
        pc = PageClass("can_cuoc", 0.95, True, cues=["qr"])
    if pc.doc_type == "van_ban_hanh_chinh":
        # an official letter: its fields are its header's, read by structure
        cands = header_candidates(head, page) if head is not None and pc.starts else []
        return PageFacts(pc, cands, lines, None, qr)
    cands = extract_lines(lines, page) + header_parts(lines, page)
    subject = decision_subject(lines, page)
    if subject:
        cands.append(subject)
    agency = signer_agency(lines, page)
    if agency:
        cands.append(agency)
    cands += land_parts(lines, page)
    if pc.doc_type == "can_cuoc" and not any(c.key == "so_dinh_danh" for c in cands):
        fallback = card_id_fallback(lines, page)
        if fallback:
            cands.append(fallback)
    mrz = read_mrz(lines) if pc.doc_type == "can_cuoc" else None
    return PageFacts(pc, cands, lines, mrz, qr)


# -- normalisation --------------------------------------------------------------------------------


def _name(raw: str) -> str:
    words = [w.strip(".,;:()\"'") for w in raw.split()]
    words = [w for w in words if w]
    if sum(w.isupper() for w in words) >= 2:  # "đa LÊ HỮU HOÀNG": drop scraps before caps
        while words and not words[0].isupper():
            words.pop(0)
        while words and not words[-1].isupper():
            words.pop()
    return title_case(" ".join(words))


def _choice(key: str, raw: str) -> str:
    raw = nfc(raw).strip(" .,;")
    if key.startswith("gioi_tinh"):
        first = fold(raw.split()[0]) if raw.split() else ""
        if first.startswith("nam"):
            return "Nam"
        return "Nữ" if first.startswith("nu") else raw
    if key.startswith("quoc_tich"):
        return "Việt Nam" if fold(raw).replace(" ", "") == "vietnam" else raw
    by_fold = {fold(e).replace(" ", ""): e for e in ETHNIC_GROUPS}
    return by_fold.get(fold(raw).replace(" ", ""), raw)


def _text(raw: str) -> str:
    text = nfc(" ".join(raw.split()))
    text = re.sub(r"\s+([,.;:])", r"\1", text)
    return text.strip(" ;,.")


_ID_RUN = re.compile(r"(?<![\dA-Za-z])[\dOolIS]{11,13}(?![\dA-Za-z])")


def _id(raw: str) -> str:
    m = re.search(r"(?<!\d)\d{12}(?!\d)", raw)
    if m:
        return m.group(0)
    m = _ID_RUN.search(raw)  # O/0 and l/1 confusions inside a number
    if m:
        return m.group(0).translate(str.maketrans("OolIS", "00115"))
    digits = re.findall(r"\d[\d ]{8,}\d", raw)
    return digits[0].replace(" ", "") if digits else raw.strip()


# Administrative unit words an address starts its parts with; OCR slips in them ("Tố dân
# phố") are fixed only where the letters match exactly one of these.
UNIT_PHRASES = ("Tổ dân phố", "Khu phố", "Thị trấn", "Thành phố", "Thị xã", "Phường", "Huyện",
                "Quận", "Tỉnh", "Xã", "Ấp", "Thôn", "Xóm", "Bản", "Số")


def _address(raw: str) -> str:
    parts = [p.strip() for p in _text(raw).split(",")]
    out = []
    for part in parts:
        part = part[:1].upper() + part[1:]  # every part of an address starts with a capital
        for phrase in UNIT_PHRASES:
            n = len(phrase)
            if fold(part[:n]) == fold(phrase) and (len(part) == n or part[n] == " "):
                part = phrase + part[n:]
                break
        out.append(part)
    return ", ".join(out)


# Issuing bodies whose names OCR may garble ("Sở Tài nguyên và Mối trường"); matched on
# their letters without diacritics.
AGENCY_BODIES = {fold(name).replace(" ", ""): name for name in (
    "Sở Tư pháp", "Sở Nội vụ", "Sở Tài nguyên và Môi trường", "Sở Xây dựng", "Sở Y tế",
    "Sở Giáo dục và Đào tạo", "Sở Lao động - Thương binh và Xã hội", "Sở Tài chính",
    "Sở Kế hoạch và Đầu tư", "Sở Nông nghiệp và Phát triển nông thôn", "Sở Công Thương",
    "Sở Giao thông vận tải", "Sở Văn hóa, Thể thao và Du lịch", "Sở Thông tin và Truyền thông",
    "Sở Khoa học và Công nghệ", "Sở Nông nghiệp và Môi trường", "Văn phòng đăng ký đất đai",
    "Công an", "Bộ Công an")}


def _closest_body(folded: str) -> str | None:
    """A known issuing body within a small edit distance ("so tai nguyen va moi tinh")."""
    import difflib

    key = folded.replace(" ", "")
    best = difflib.get_close_matches(key, list(AGENCY_BODIES), n=2, cutoff=0.85)
    if len(best) == 1:
        return AGENCY_BODIES[best[0]]
    cut = [k for k in AGENCY_BODIES if len(key) >= 12 and k.startswith(key)]  # a word lost
    return AGENCY_BODIES[cut[0]] if len(cut) == 1 else None


def _miscased(raw: str) -> bool:
    """An issuing body's name printed in capitals, a word of which was read in small
    letters ("PHƯỜNG QUYẾT Phàng"): the engine was unsure of that word's shapes."""
    for line in raw.split(" / "):
        words = [w for w in ("".join(c for c in x if c.isalpha()) for x in line.split())
                 if len(w) >= 2]
        upper = sum(w.isupper() for w in words)
        if upper > len(words) / 2 and upper < len(words):
            return True
    return False


def _trim_marks(text: str) -> str:
    """``text`` without the words at its ends that have no letter or digit."""
    words = text.split()
    while words and not any(c.isalnum() for c in words[-1]):
        words.pop()
    while words and not any(c.isalnum() for c in words[0]):
        words.pop(0)
    return " ".join(words)


def _agency(raw: str) -> str:
    """'ỦY BAN NHÂN DÂN / PHƯỜNG NGỌC THỤY' -> 'Ủy ban nhân dân phường Ngọc Thụy';
    'UBND TỈNH AN GIANG / SỞ TƯ PHÁP' -> 'Sở Tư pháp tỉnh An Giang'. A mark with no letter
    or digit at either end of a line ("PHƯỜNG QUYẾT THẮNG -": a speck, a rule's end) is
    no part of the name."""
    parts = [_trim_marks(p) for p in raw.split(" / ")]
    parts = [p for p in parts if p]
    if not parts:
        return raw

    def unit(text: str) -> str:
        f = fold(text)
        for u in UNIT_WORDS:
            if f.startswith(u + " "):
                n = len(u)
                return text[:n].lower() + " " + title_case(text[n + 1:])
        return title_case(text)

    def body(text: str) -> str:
        f = fold(text)
        if f.startswith("uy ban nhan dan") or f.startswith("ubnd"):
            return "Ủy ban nhân dân"
        known = AGENCY_BODIES.get(f.replace(" ", "")) or _closest_body(f)
        if known:
            return known
        words = nfc(text).lower().split()
        out = [w.capitalize() if i == 0 or (i > 0 and words[i - 1] == "và") or
               (i == 1 and words[0] == "sở") else w for i, w in enumerate(words)]
        return " ".join(out)

    first = fold(parts[0])
    if first.startswith("ubnd ") and len(parts) >= 2:  # department under a province
        return f"{body(parts[1])} {unit(parts[0][5:].strip())}"
    if len(parts) >= 2:
        return f"{body(parts[0])} {unit(parts[1])}"
    return body(parts[0])


# -- documents ------------------------------------------------------------------------------------


def _add_months(d: date, months: int) -> date:
    month = d.month - 1 + months
    year, month = d.year + month // 12, month % 12 + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def documents_for_pages(pages: Sequence, *, today: date | None = None,
                        force_type: str | None = None) -> list[Document]:
    """Documents of processed pages (:class:`~pipeline.page.process.PageResult`, in order): page
    numbers in the documents are indices into ``pages``. Unreadable pages belong to none.
    ``force_type``: the pages are one paper of that type (the clerk said so)."""
    facts = []
    for i, page in enumerate(pages):
        fact = getattr(page, "facts", None)
        if fact is None or page.error is not None:
            fact = PageFacts(PageClass("blank", 1.0, False), [], [])
        for cand in fact.candidates:
            cand.page = i
        facts.append(fact)
    return build_documents(facts, today=today, force_type=force_type)


def build_documents(facts: Sequence[PageFacts], *, today: date | None = None,
                    force_type: str | None = None) -> list[Document]:
    """Group pages into papers and give each its validated fields."""
    docs = []
    groups = group_pages([f.page_class for f in facts],
                         same_card=lambda front, back: _card_ids_agree(facts[front],
                                                                       facts[back]))
    if force_type is not None:
        content = [i for i, f in enumerate(facts) if f.page_class.doc_type != "blank"]
        groups = [PageGroup(force_type, content, 1.0)] if content else []
    for group in groups:
        doc = Document(group.doc_type, list(group.pages), group.confidence)
        _fill(doc, [facts[i] for i in group.pages], today or date.today())
        docs.append(doc)
    return docs


def _card_id(fact: PageFacts) -> str | None:
    """The 12-digit personal ID a card side carries (QR, MRZ or the printed number)."""
    for pid in (fact.qr.personal_id if fact.qr else None,
                fact.mrz.personal_id if fact.mrz else None,
                *(re.sub(r"\D", "", c.raw) for c in fact.candidates
                  if c.key == "so_dinh_danh")):
        if pid and len(pid) == 12:
            return pid
    return None


def _card_ids_agree(front: PageFacts, back: PageFacts) -> bool:
    """Two card sides may be one card: their personal IDs agree, or one is unread."""
    ids = {_card_id(front), _card_id(back)} - {None}
    return len(ids) <= 1


def _fill(doc: Document, facts: Sequence[PageFacts], today: date) -> None:
    fields = doc.fields
    found: dict[str, Candidate] = {}
    for fact in facts:
        for cand in fact.candidates:
            found.setdefault(cand.key, cand)
    spelled = found.pop("ngay_sinh_bang_chu", None)
    for key, cand in found.items():
        target = key
        if key == "so_hieu":
            target = "so_ky_hieu" if doc.doc_type == "van_ban_hanh_chinh" else "so"
        elif key == "ngay_ghi":
            target = DATE_LINE_KEY.get(doc.doc_type, "ngay_ghi")
            if target in found:
                continue
        if target in fields:
            continue
        if cand.reading is not None:  # an official letter's header part
            fv = _header_field(target, cand, facts)
            if fv is not None:
                fields[target] = fv
            continue
        value = _normalise(cand)
        if cand.written and not any(c.isalnum() for c in cand.raw):
            # dots read, writing seen on them: a handwritten value the engine dropped is
            # kept as unread and flagged, never silently missing
            fv = FieldValue(UNREAD, 0.0, cand.source, cand.page)
            fv.flag(_HANDWRITTEN)
            fv.flag(_UNREADABLE)
            fields[target] = fv
            continue
        if value is None or (not any(c.isalnum() for c in value)
                             and value.strip() not in ("-", "–", "—", "/")):
            continue  # a fill-in line's dots or dashes: the blank left empty (a lone
            # printed "-" or "/" is a value: nothing to declare)
        fields[target] = _reconcile(target, cand, value)
        if cand.kind == "agency" and _miscased(cand.raw):
            fields[target].flag(Problem("low_confidence", "Tên cơ quan đọc không chắc chắn",
                                        "issuer name read with low confidence"))
    _cross_check_header(fields)
    if doc.doc_type == "can_cuoc":
        _card(doc, facts)
    letter = doc.doc_type == "van_ban_hanh_chinh"  # handwritten/stamped digit slots:
    settle_digits(fields, facts, "so_ky_hieu" if letter else None,
                  DATE_LINE_KEY.get(doc.doc_type), today, create=letter)
    # a card prints its number, a letter's fields are its header's; forms have boxes
    if doc.doc_type not in ("can_cuoc", "van_ban_hanh_chinh"):
        settle_id_boxes(fields, facts)
    _validate(doc, spelled, facts, today)


# -- official-letter header fields ----------------------------------------------------------------

# Keys whose value may hold UNREAD parts ("?/QĐ-UBND", "2024-09-??"): never exported as such.
PARTIAL_KEYS = frozenset({"so_ky_hieu", "so", "ngay_ban_hanh", "ngay_cap", "ngay_lam",
                          "ngay_dang_ky", "ngay_ghi"})
SYMBOL = re.compile(r"/(?:\d{4}/)?[A-ZĐ][A-Za-zĐđ0-9]{0,9}(?:-[A-ZĐ][A-Za-zĐđ0-9.]{0,11}){0,3}")
DIGIT_DOUBT = 0.90  # printed digits read below this are checked by an officer
WORD_DOUBT = 0.80  # a subject word read below this: idem


def partial_key(key: str) -> bool:
    """Whether the key's value may hold UNREAD parts: the number and date keys above and
    the personal IDs (handwritten into boxes, read in part)."""
    return key in PARTIAL_KEYS or key.startswith("so_dinh_danh")


def portal_value(key: str, value: object) -> object:
    """A field value as the portal metadata may carry it: a partly read number, date or
    ID (with ``?``) is no value there — the stored fields keep it, flagged, for the
    officer."""
    if partial_key(key) and isinstance(value, str) and UNREAD in value:
        return None
    return value


def number_value(reading: NumberReading, digits: str | None = None) -> str:
    """The ``so_ky_hieu`` value of a number reading; ``digits`` (from a handwritten-digit
    reader) replaces the printed-text engine's number when given."""
    if digits:
        reading.number = digits
    return reading.value()


def date_value(reading: DateReading, day: str | None = None, month: str | None = None) -> str:
    """The ISO value of a date reading (``?`` for unread parts); ``day`` / ``month`` (from a
    handwritten-digit reader) replace unread parts when given."""
    if day:
        reading.day = day
    if month:
        reading.month = month
    return reading.iso()


_HANDWRITTEN = Problem("handwritten", "Phần viết tay chưa đọc được, cần nhập",
                       "hand-written part not read; enter it")
_HANDWRITTEN_CHECK = Problem("handwritten", "Chữ số viết tay, cần kiểm tra",
                             "hand-written digits; check them")
_UNREADABLE = Problem("unreadable", "Có phần không đọc được (dấu ?)",
                      "part of the value is unreadable (marked ?)")


def _header_field(key: str, cand: Candidate,
                  facts: Sequence[PageFacts] = ()) -> FieldValue | None:
    """A field of an official letter's header from its structured reading (``facts``: the
    paper's pages, whose other lines may print the subject's words again)."""
    fv = FieldValue("", cand.confidence, cand.source, cand.page)
    if isinstance(cand.reading, NumberReading):
        r = cand.reading
        fv.value = r.value()
        if not r.number:
            fv.flag(_HANDWRITTEN)
        elif not r.complete:
            fv.flag(_UNREADABLE)
        elif r.filled_in:
            fv.flag(_HANDWRITTEN_CHECK)
        elif min((w.confidence for w in r.words), default=0.0) < DIGIT_DOUBT:
            fv.flag(Problem("low_confidence", "Đọc không chắc chắn", "low OCR confidence"))
        if not SYMBOL.fullmatch(r.symbol):
            fv.flag(Problem("format", "Ký hiệu văn bản sai dạng (ví dụ đúng: 15/QĐ-UBND)",
                            "unexpected symbol format (expected like 15/QĐ-UBND)"))
        return fv
    if isinstance(cand.reading, DateReading):
        r = cand.reading
        fv.value = r.iso()
        if r.complete:
            d = _iso(fv.value)
            if d is None:
                fv.flag(Problem("date_invalid", "Không đọc được ngày hợp lệ", "not a valid date"))
            elif r.missing:
                fv.flag(_HANDWRITTEN_CHECK)
        elif set(r.missing) & {"day", "month"}:
            fv.flag(_HANDWRITTEN)
        else:
            fv.flag(_UNREADABLE)
        digits = [w for w in r.words if any(c.isdigit() for c in w.text)]
        if r.complete and min((w.confidence for w in digits), default=0.0) < DIGIT_DOUBT:
            fv.flag(Problem("low_confidence", "Đọc không chắc chắn", "low OCR confidence"))
        return fv
    if cand.reading == "issuer":
        from pipeline.papers.reference import agency_phrases, agency_vocabulary

        vocab, phrases = agency_vocabulary(), agency_phrases()
        lines = [correct_agency(part, vocab, phrases) for part in cand.raw.split(" / ")]
        fv.value = nfc(" ".join(" ".join(lines).split()))
        if _doubtful_words(fv.value.split(), cand.words, vocab):
            fv.flag(Problem("low_confidence", "Tên cơ quan đọc không chắc chắn",
                            "issuer name read with low confidence"))
        return fv
    if cand.reading == "kind":
        fv.value = cand.raw
        fv.confidence = max(fv.confidence, 0.9)
        return fv
    if cand.reading in ("subject", "subject_offcentre"):
        own = {id(w) for w in cand.words}
        context = [ln.text for f in facts for ln in f.lines
                   if not any(id(w) in own for w in ln.words)]
        value, changes = settle_subject(
            subject_text(cand.raw), [subject_text(a) for a in cand.alternatives], context)
        fv.value = fix_phrases(value)  # a fixed phrase is not put to the vote
        doubt = prose_doubts(fv.value, cand.words)
        doubt += [c.chosen for c in changes if c.tied and c.chosen not in doubt]
        for alt in cand.alternatives:  # the crop read again: words that differ are doubtful
            other = subject_text(alt)
            if _similarity(_squash(other), _squash(fv.value)) < 0.85:
                continue  # a garbled second reading says nothing about the first
            seen = set(other.split())
            doubt += [w for w in fv.value.split() if w not in seen and w not in doubt
                      and any(c.isalpha() for c in w)]
        if cand.confidence < REVIEW_CONFIDENCE and not doubt:
            doubt = [w.text for w in cand.words if w.confidence < REVIEW_CONFIDENCE][:5]
        if cand.reading == "subject_offcentre":
            fv.flag(Problem("unreadable", "Trích yếu có thể thiếu chữ",
                            "words of the subject may be missing (a line off centre, or "
                            "its V/v not read)"))
        if doubt:
            fv.flag(Problem("spelling", "Có chữ đọc không chắc chắn: " + ", ".join(doubt),
                            "doubtful words: " + ", ".join(doubt)))
        return fv
    return None


def _doubtful_words(words: list[str], read: list, vocab: frozenset[str]) -> bool:
    from ocr_models.vietnamese import default_lexicon

    lexicon = default_lexicon()
    for w in words:
        core = w.strip(".,;:()")
        if not core or not core.isalpha() or core.upper() in vocab:
            continue
        if lexicon is not None and core not in lexicon:
            return True
    return any(w.confidence < 0.5 and w.text.upper() not in vocab for w in read)


# Fixed phrases of administrative prose: a run of words with the same letters and other
# diacritics ("Uy ban nhân dân", "UBND tính", "bô sung") is one of these misread.
SUBJECT_PHRASES = ("ủy ban nhân dân", "hội đồng nhân dân", "UBND tỉnh", "UBND huyện",
                   "UBND xã", "HĐND tỉnh", "HĐND huyện", "HĐND xã", "thị trấn", "thị xã",
                   "bổ sung", "bổ nhiệm", "tổ chức", "đẩy mạnh", "tăng cường", "triển khai",
                   "phê duyệt", "hướng dẫn", "sửa đổi", "điều chỉnh", "kiện toàn",
                   "thành lập", "chấn chỉnh", "nâng cao", "đôn đốc", "số hóa",
                   "thủ tục hành chính", "khen thưởng", "công nhận",
                   # compounds of administrative prose whose misreadings are valid
                   # syllables but no Vietnamese phrase ("đôi với", "tông hợp", "đắt đai")
                   "đối với", "chuyển đổi", "hoán đổi", "tổng thể", "tổng hợp", "tổng kết",
                   "sơ kết", "quốc tế", "quốc gia", "thẩm quyền", "thẩm định", "đất đai",
                   "sử dụng đất", "quyền sử dụng đất", "đầu tư", "xây dựng", "đề nghị",
                   "đề xuất", "giải quyết", "kiểm tra", "thanh tra", "phòng, chống",
                   "phòng chống", "thi đua", "kỷ luật", "miễn nhiệm", "điều động",
                   "luân chuyển", "tuyển dụng", "nghỉ hưu", "thiên tai", "dịch bệnh",
                   "an toàn", "an ninh", "trật tự", "ngân sách", "dự toán", "quyết toán",
                   "tài chính", "thuế thu nhập", "giá trị gia tăng", "doanh nghiệp",
                   "nhà ở", "dột nát", "chiến thắng", "quốc khánh", "giỗ tổ hùng vương",
                   "tết nguyên đán", "lao động", "thương binh", "liệt sĩ", "người có công",
                   "chuyển mục đích", "thu hồi đất", "bồi thường", "tái định cư")
# The years of the sixty-year cycle ("Tết Nguyên đán Nhâm Dần"): stem and branch of the
# same parity.
_STEMS = ("giáp", "ất", "bính", "đinh", "mậu", "kỷ", "canh", "tân", "nhâm", "quý")
_BRANCHES = ("tý", "sửu", "dần", "mão", "thìn", "tỵ", "ngọ", "mùi", "thân", "dậu", "tuất",
             "hợi")
SUBJECT_PHRASES += tuple(f"{_STEMS[i % 10]} {_BRANCHES[i % 12]}" for i in range(60))


def fix_phrases(text: str) -> str:
    """Restore the diacritics of fixed administrative phrases, keeping each word's case."""
    words = text.split()
    keys = [fold(w.strip(".,;:()\"'")) for w in words]
    for phrase in SUBJECT_PHRASES:
        pw = phrase.split()
        pk = [fold(w) for w in pw]
        for i in range(len(words) - len(pw) + 1):
            if keys[i:i + len(pw)] != pk or any(
                    words[i + k].rstrip("\"')")[-1:] in ",.;:" for k in range(len(pw) - 1)):
                continue  # not the phrase, or broken by punctuation
            for k, right in enumerate(pw):
                w = words[i + k]
                core = w.strip(".,;:()\"'")
                if core.lower() == right.lower():
                    continue
                fixed = right if right.isupper() else (
                    right[:1].upper() + right[1:] if core[:1].isupper() else right)
                words[i + k] = w.replace(core, fixed)
    return " ".join(words)


def subject_text(raw: str) -> str:
    """A subject as printed: lines joined by one space, typographic quotes straightened,
    OCR's run-together "Vềviệc" and split symbols ("NQ- HĐND") put back."""
    text = nfc(" ".join(raw.split()))
    text = re.sub(r"[“”„‟″]", '"', text).replace("‘", "'").replace("’", "'")
    m = re.match(r"^[\W_]{0,3}(\S{1,4}\s*vi\S{1,3})(?=\s|$)", text)
    if m and re.fullmatch(r"v[aeoc]?viec", fold(m.group(1)).replace(" ", "")):
        text = "Về việc " + text[m.end():].lstrip()  # "và việc": no subject starts so
    text = re.sub(r"^([\W_]{0,3})V[^\w\s]v(?=[\s:])", r"\1V/v", text)  # "V¿v", "V|v"
    text = re.sub(r"^[\W_]{1,3}(?=[Vv])", "", text)  # a scrap before "V/v"
    text = re.sub(r"(?<=[A-ZĐ])- (?=[A-ZĐ]{2})", "-", text)
    return fix_phrases(text.strip())


def prose_doubts(text: str, words: list) -> list[str]:
    """Words of a subject an officer should look at: not a Vietnamese syllable (and not an
    abbreviation or a number), or read by the engine with low confidence — a tone slip on a
    real syllable ("Dân" for "Dần") shows only there."""
    from ocr_models.vietnamese import default_lexicon

    lexicon = default_lexicon()
    doubts: list[str] = []
    for token in text.split():
        core = token.strip(".,;:()\"'-/")
        if len(core) < 2 or not core.isalpha() or core.isupper() or "-" in core:
            continue
        parts = [core]
        for part in parts:
            if lexicon is not None and part not in lexicon and part not in doubts:
                doubts.append(part)
    for w in words:
        core = w.text.strip(".,;:()\"'-/")
        if w.confidence < WORD_DOUBT and any(c.isalpha() for c in core) and core not in doubts:
            doubts.append(core)
    return doubts


def _cross_check_header(fields: dict[str, FieldValue]) -> None:
    """A number filled in by hand means the day was too (both are written in when the
    letter is registered): a cleanly read day still gets an officer's look."""
    number, day = fields.get("so_ky_hieu"), fields.get("ngay_ban_hanh")
    if number is None or day is None:
        return
    if any(p.code == "handwritten" for p in number.problems) and UNREAD not in day.value:
        day.flag(_HANDWRITTEN_CHECK)


def _sound(key: str, kind: str, value: str) -> bool:
    """Does a reading pass the checks that need nothing else from the paper?"""
    if kind == "name":
        return not check_name(value)
    if kind == "date":
        return _iso(value) is not None
    if kind == "id":
        return not check_personal_id(value)
    return True


PROSE_KINDS = ("address", "text", "agency")


def _squash(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


def _similarity(a: str, b: str) -> float:
    import difflib

    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def _reconcile(key: str, cand: Candidate, value: str) -> FieldValue:
    """One field from the page reading and the crop re-readings of the same words.

    All readings agree: confident. They differ and exactly one value passes the checks:
    that one, with the disagreement noted in a lowered confidence. Several sound values:
    keep the page reading and flag it for review."""
    fv = FieldValue(value, cand.confidence, cand.source, cand.page)
    others = []
    for alt in cand.alternatives:
        other = _normalise(Candidate(cand.key, alt, cand.kind, cand.words, cand.page))
        if other and cand.kind in PROSE_KINDS:
            if _squash(other) == _squash(value):
                other = value  # spacing and punctuation are not a disagreement
            elif _similarity(_squash(other), _squash(value)) < 0.9:
                continue  # a garbled second reading says nothing about the first
        if other:
            others.append(other)
    if others and all(o == value for o in others):
        fv.confidence = max(fv.confidence, 0.97)
        return fv
    low = cand.confidence < REVIEW_CONFIDENCE or cand.min_confidence < REVIEW_WORD
    if cand.kind == "name" and len(_text(cand.raw).split()) != len(value.split()):
        # scraps were dropped around a capitalised name: a word of it may be among them
        fv.flag(Problem("name_partial", f"Có chữ không đọc được cạnh họ tên: {cand.raw}",
                        f"unreadable text next to the name: {cand.raw}"))
    if cand.kind in ("address", "name"):
        for problem in layout_doubts(cand.words):
            fv.flag(problem)
    if others:
        sound = {v for v in [value, *others] if _sound(key, cand.kind, v)}
        if len(sound) == 1:
            best = sound.pop()
            if best != value:
                fv.value, fv.source = best, f"{cand.source}+reread"
                if cand.kind == "name" and len(best.split()) < len(value.split()):
                    # the one sound reading is shorter: a word of the name may be lost
                    # ("NGUYỄN QUỐC hậu": the lower-case scrap dropped), not settled
                    fv.flag(Problem("name_partial", "Một lần đọc họ tên có nhiều chữ hơn: "
                                    + value, f"another reading of the name is longer: {value}"))
            fv.confidence = min(max(fv.confidence, 0.85), 0.9)
            return fv
        if len(sound) > 1:
            fv.confidence = min(fv.confidence, 0.6)
            fv.flag(Problem("readings_differ", "Hai lần đọc cho kết quả khác nhau: "
                            + " / ".join(sorted(sound)),
                            "two readings differ: " + " / ".join(sorted(sound))))
            return fv
    if low:
        fv.flag(Problem("low_confidence", "Đọc không chắc chắn", "low OCR confidence"))
    return fv


GAP_HEIGHTS = 2.5  # a space wider than this many letter heights inside a value: a lost word
STRAY_HEIGHTS = 2.0  # a "word" this many times taller than the value's letters: not print


def layout_doubts(words: Sequence[Word]) -> list[Problem]:
    """What the word boxes of one value say about it, whatever the letters: a wide empty
    space between two words of one line (a word the engine lost: "Số 110 [đường] Hoàng
    Diệu") and a doubtful word far taller than the others (a mark of the photo, the seal
    or the guilloche read as "vơ"; a sure word in a box stretched by a stroke is print).
    The value is kept as read; an officer looks at it."""
    if len(words) < 2:
        return []
    heights = sorted(w.height for w in words)
    height = heights[len(heights) // 2]
    problems = []
    for a, b in zip(words, words[1:], strict=False):
        same_line = b.top < a.top + a.height and a.top < b.top + b.height and b.left > a.left
        gap = b.left - (a.left + a.width)
        if same_line and gap > GAP_HEIGHTS * height:
            problems.append(Problem(
                "word_gap", f"Có khoảng trống giữa \"{a.text}\" và \"{b.text}\": có thể thiếu chữ",
                f"a wide space between {a.text!r} and {b.text!r}: a word may be missing"))
    stray = [w.text for w in words
             if w.height > STRAY_HEIGHTS * height and w.confidence < REVIEW_CONFIDENCE]
    if len(words) >= 3 and stray:
        problems.append(Problem(
            "stray_word", f"Chữ khác cỡ với cả dòng, có thể là vết in: {' '.join(stray)}",
            f"words of another size than the line, maybe marks: {' '.join(stray)}"))
    return problems


def _normalise(cand: Candidate) -> str | None:
    kind = cand.kind
    if kind == "name":
        return _name(cand.raw) or None
    if kind == "date":
        raw = re.sub(r"(?<=\d)\s*[Il|!]\s*(?=\d)", "/", cand.raw)
        raw = re.sub(r"(?<!\d)(\d{2})(\d{2})/(\d{4})(?!\d)", r"\1/\2/\3", raw)  # lost "/"
        d = parse_date(raw)
        return d.isoformat() if d else _text(cand.raw)
    if kind == "id":
        return _id(cand.raw)
    if kind == "choice" and cand.key.startswith("quoc_tich") and fold(cand.raw) == "viet":
        return "Việt Nam"  # "Việt" / "Nam" wrapped on a card
    if kind == "choice":
        return _choice(cand.key, cand.raw)
    if kind == "address":
        return _address(cand.raw)
    if kind in ("number", "year"):
        m = re.search(r"\d+", cand.raw)
        return m.group(0) if m else _text(cand.raw)
    if kind == "code":  # "QĐÐ": Tesseract doubles Đ, sometimes as Icelandic Ð (U+00D0)
        code = cand.raw.replace("Đ\u00d0", "Đ").replace("\u00d0", "Đ")  # "QLĐĐ" is real
        parts = code.replace(":", " ").split()
        # a speck after the code ("VP 22715. ị"): a word of one or two characters with no
        # digit and no capital, which no code ends with
        while len(parts) > 1 and len(parts[-1].strip(".,;")) <= 2 and \
                not any(c.isdigit() or c.isupper() for c in parts[-1]):
            parts.pop()
        return " ".join(parts).strip(" .,;")
    if kind == "agency":
        return _agency(cand.raw)
    return _text(cand.raw)


def _card(doc: Document, facts: Sequence[PageFacts]) -> None:
    """The ID card: QR code first, then the MRZ, then what was OCR'd on the front."""
    fields = doc.fields
    text = " ".join(ln.folded for f in facts for ln in f.lines)
    for cue, issuer in CARD_ISSUERS:
        if cue in text and "noi_cap" not in fields:
            fields["noi_cap"] = FieldValue(issuer, 0.95, "rule", facts[0].candidates[0].page
                                           if facts[0].candidates else 0)
    mrz = next((f.mrz for f in facts if f.mrz), None)
    qr = next((f.qr for f in facts if f.qr), None)
    if mrz:
        _merge_mrz(fields, mrz)
    if qr:
        _merge_qr(fields, qr)


def _set_from_mrz(fields: dict[str, FieldValue], key: str, value: str, page: int) -> None:
    """A check-digit-verified MRZ value: confirms the printed reading, or replaces it and
    says so."""
    old = fields.get(key)
    if old is not None and old.value == value:
        old.confidence = max(old.confidence, 0.99)
        old.source = old.source if "mrz" in old.source else f"{old.source}+mrz"
        old.problems = [p for p in old.problems if p.code != "low_confidence"]
        return
    fields[key] = FieldValue(value, 0.99, "mrz", page)
    if old is not None:
        fields[key].flag(Problem("disagrees", f"Khác với chữ in trên giấy ({old.value})",
                                 f"differs from the printed text ({old.value})"))


def _yymmdd(text: str, century: int) -> date | None:
    try:
        return date(century + int(text[:2]), int(text[2:4]), int(text[4:6]))
    except ValueError:
        return None


def _merge_mrz(fields: dict[str, FieldValue], mrz: Mrz) -> None:
    page = fields["so_dinh_danh"].page if "so_dinh_danh" in fields else 0
    pid = mrz.personal_id
    if pid:
        _set_from_mrz(fields, "so_dinh_danh", pid, page)
    century = None
    pid_now = fields.get("so_dinh_danh")
    if pid_now and re.fullmatch(r"\d{12}", pid_now.value):
        century = 1900 + 100 * (int(pid_now.value[3]) // 2)
    born = _yymmdd(mrz.birth, century) if mrz.birth and century else None
    if born:
        _set_from_mrz(fields, "ngay_sinh", born.isoformat(), page)
    expiry = _yymmdd(mrz.expiry, 2000) if mrz.expiry else None
    if expiry and "co_gia_tri_den" not in fields:
        fields["co_gia_tri_den"] = FieldValue(expiry.isoformat(), 0.95, "mrz", page)
    if mrz.sex and "gioi_tinh" in fields and fields["gioi_tinh"].value != mrz.sex:
        fields["gioi_tinh"].flag(Problem("disagrees", "Giới tính khác vùng MRZ",
                                         "sex differs from the MRZ"))
    elif mrz.sex and "gioi_tinh" not in fields:
        fields["gioi_tinh"] = FieldValue(mrz.sex, 0.9, "mrz", page)
    if mrz.name and "ho_ten" in fields and \
            fold(fields["ho_ten"].value).replace(" ", "").upper() != mrz.name.replace(" ", ""):
        fields["ho_ten"].flag(Problem("disagrees", "Họ tên khác vùng MRZ",
                                      "name differs from the MRZ"))


def _merge_qr(fields: dict[str, FieldValue], qr: CardQr) -> None:
    page = qr.page
    values = {"so_dinh_danh": qr.personal_id, "ho_ten": title_case(qr.name),
              "ngay_sinh": qr.birth.isoformat() if qr.birth else None,
              "gioi_tinh": qr.sex,
              "ngay_cap": qr.issued.isoformat() if qr.issued else None}
    residence = "noi_thuong_tru" if "noi_thuong_tru" in fields or "noi_cu_tru" not in fields \
        else "noi_cu_tru"
    if qr.address:
        values[residence] = qr.address
    for key, value in values.items():
        if not value:
            continue
        # the QR is exact by construction: it replaces what OCR read on the card
        fields[key] = FieldValue(value, 1.0, "qr", page)


def _validate(doc: Document, spelled: Candidate | None, facts: Sequence[PageFacts],
              today: date) -> None:
    fields = doc.fields
    for key, fv in fields.items():
        base = key
        for suffix in PEOPLE[1:]:
            if key.endswith(suffix):
                base = key[: -len(suffix)]
        if partial_key(key) and UNREAD in fv.value:
            continue  # flagged where it was read
        if base in DATE_KINDS:
            d = _iso(fv.value)
            if d is None:
                fv.flag(Problem("date_invalid", "Không đọc được ngày hợp lệ",
                                "not a valid date"))
            else:
                for p in check_date(d, DATE_KINDS[base], today):
                    fv.flag(p)
        elif base == "ho_ten" or key.startswith("ho_ten"):
            _check_person_name(fv, facts)
        elif key == "co_quan_ban_hanh":
            _check_agency(fv)
            _check_place(fv, facts)
        elif base in ADDRESS_KEYS and fv.source == "ocr":
            _check_address(fv, facts)
            _check_address_words(fv)
        elif base in ("gioi_tinh", "dan_toc", "quoc_tich"):
            problems = check_choice(base, fv.value)
            for p in problems:
                fv.flag(p)
            if not problems:  # a closed list: a short word's low engine score is no doubt
                fv.problems = [p for p in fv.problems if p.code != "low_confidence"]
        elif base in ("so", "so_phat_hanh", "so_vao_so", "thua_dat_so",
                      "to_ban_do_so"):
            for p in check_pattern(base, fv.value):
                fv.flag(p)
    for suffix in PEOPLE:
        pid = fields.get("so_dinh_danh" + suffix)
        if pid is None or UNREAD in pid.value:
            continue  # a partly read ID is flagged where it was read
        born = _iso(fields["ngay_sinh" + suffix].value) if "ngay_sinh" + suffix in fields \
            else None
        year = None
        if born is None and "nam_sinh" + suffix in fields and \
                fields["nam_sinh" + suffix].value.isdigit():
            year = int(fields["nam_sinh" + suffix].value)
        sex = fields["gioi_tinh" + suffix].value if "gioi_tinh" + suffix in fields else \
            {"_vo": "Nữ", "_chong": "Nam", "_me": "Nữ", "_cha": "Nam"}.get(suffix)
        for p in check_personal_id(pid.value, born, year, sex):
            pid.flag(p)
            if p.code in ("id_year", "id_century") and "ngay_sinh" + suffix in fields:
                fields["ngay_sinh" + suffix].flag(Problem(
                    "disagrees", "Ngày sinh không khớp số định danh",
                    "birth date does not match the personal ID"))
    if spelled is not None and "ngay_sinh" in fields:
        words = parse_spelled_date(spelled.raw)
        numeric = _iso(fields["ngay_sinh"].value)
        if words and numeric and words != numeric:
            fields["ngay_sinh"].flag(Problem(
                "disagrees", f"Ngày sinh bằng chữ khác bằng số ({words:%d/%m/%Y})",
                f"the date in words differs ({words.isoformat()})"))


def _iso(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _check_person_name(fv: FieldValue, facts: Sequence[PageFacts]) -> None:
    """Check a name; where the same name is printed again on the paper (a signature line,
    "Xét đề nghị của bà ..."), compare. Lower-case print reads more reliably than capitals:
    an unsound reading is replaced by the one sound reading found elsewhere, and two
    different sound readings are flagged."""
    problems = check_name(fv.value)
    readings = _name_readings(fv.value, facts)
    sound = {r for r, _ in readings if not check_name(r)}
    if problems and len(sound) == 1:
        fv.value, fv.source = sound.pop(), f"{fv.source}+context"
        fv.confidence = min(fv.confidence, 0.9)
        return
    if [p.code for p in problems] == ["name_family"]:
        surname = _surname_for(fv.value.split()[0])
        if surname:  # "Nguyên" read where "Nguyễn" is printed, at every size we tried
            read = fv.value
            fv.value = " ".join([surname, *fv.value.split()[1:]])
            fv.confidence = min(fv.confidence, 0.7)
            fv.flag(Problem("name_corrected", f"Họ đọc được là \"{read.split()[0]}\", đã sửa "
                            f"thành \"{surname}\"; cần kiểm tra",
                            f"family name read as {read.split()[0]!r}, corrected to "
                            f"{surname!r}; check it"))
            return
    for p in problems:
        fv.flag(p)
    for other in sorted(sound):
        fv.flag(Problem("disagrees", f"Cùng tên được đọc khác: {other}",
                        f"the same name reads differently elsewhere: {other}"))
        break


def _surname_for(word: str) -> str | None:
    """The one common family name with the same letters as ``word`` (other diacritics)."""
    from pipeline.papers.reference import FAMILY_NAMES

    matches = [n for n in FAMILY_NAMES if fold(n) == fold(word)]
    return matches[0] if len(matches) == 1 else None


_PLACE_UNITS = frozenset({"TỈNH", "THÀNH PHỐ", "TP", "HUYỆN", "QUẬN", "THỊ XÃ", "XÃ", "PHƯỜNG",
                          "THỊ TRẤN", "ĐẶC KHU"})


_LOCAL_BODIES = frozenset({"uy ban nhan dan", "ubnd", "hoi dong nhan dan", "hdnd"})


def _check_agency(fv: FieldValue) -> None:
    """An issuing body names a kind of body ("Ủy ban nhân dân", "Sở ...", "Bộ ...", "Chính
    phủ", "Ban chỉ đạo", ...), not only a place: a value that holds none of those words
    was read from noise (a header under a glare read as "Thả") and is flagged. A local
    people's committee or council always says whose ("... xã Quyết Thắng"): one without
    its place lost the line that held it, and is flagged too."""
    from pipeline.papers.reference import AGENCY_PHRASES

    folded = " ".join(fold(fv.value).replace(",", " ").replace("/", " ").split())
    if folded in _LOCAL_BODIES:
        fv.flag(Problem("agency_partial", "Tên cơ quan ban hành thiếu cấp và địa danh",
                        "a people's committee or council without its place"))
        return
    words = f" {folded} "
    for phrase in AGENCY_PHRASES:
        if phrase not in _PLACE_UNITS and f" {fold(phrase)} " in words:
            return
    fv.flag(Problem("agency_unknown", "Tên cơ quan ban hành không rõ loại cơ quan",
                    "the issuing body names no known kind of body"))


def _check_place(fv: FieldValue, facts: Sequence[PageFacts]) -> None:
    """The place in an issuing body's name ("... xã Cẩm Bình") against its lower-case
    readings elsewhere on the paper (the date line, "Nơi đăng ký ..."). Only readings whose
    words were all read with confidence count; one of them that agrees with the value
    confirms it ("La Gi" in two addresses outweighs a doubtful "La Gỉ" in the date line)."""
    upper = fv.value.isupper()  # an official letter's issuer, kept as printed
    units = r"xã|phường|thị trấn|huyện|quận|thị xã|thành phố|tỉnh"
    m = re.search(rf"\b(?:{units.upper() if upper else units}) (.+)$", fv.value)
    if not m or fv.source != "ocr":
        return
    place = m.group(1)
    if upper:
        from pipeline.papers.reference import agency_phrases

        if place in agency_phrases():
            return  # a province's name, matched letter for letter: nothing to improve
    seen = {r for r, upper in _readings(title_case(place), facts, REVIEW_CONFIDENCE)
            if not upper}
    seen = {o.upper() for o in seen} if upper else seen
    if place in seen:
        return  # read the same way elsewhere
    if len(seen) == 1:
        fv.value = fv.value[: m.start(1)] + seen.pop()
        fv.source = "ocr+context"
    elif len(seen) > 1:
        fv.flag(Problem("disagrees", "Tên địa danh được đọc khác nhau",
                        "the place name reads differently on the paper"))


ADDRESS_KEYS = frozenset(label.key for label in LABELS if label.kind == "address")
_PART_HEAD = re.compile(r"^(?:Tổ dân phố|Khu phố|Thị trấn|Thành phố|Thị xã|Phường|Huyện|Quận|"
                        r"Tỉnh|Xã|Ấp|Thôn|Xóm|Bản)\s+")


def _check_address(fv: FieldValue, facts: Sequence[PageFacts]) -> None:
    """Each place name of an address ("Phường Đức Thắng" -> "Đức Thắng") against its other
    readings on the paper ("Kính gửi: Ủy ban nhân dân phường Đức Thắng", the date line).
    Only readings whose words were all read with confidence count. When the address's own
    reading is not among them and they agree on one spelling, that spelling is taken (the
    address's word was doubtful); two confident spellings flag the value."""
    parts = fv.value.split(", ")
    changed = False
    for i, part in enumerate(parts):
        head = _PART_HEAD.match(part)
        place = part[head.end():] if head else part
        if not place or any(ch.isdigit() for ch in place) or len(place.split()) > 4 \
                or place != title_case(place):  # a place name, as readings are compared
            continue
        seen = {r for r, upper in _readings(place, facts, REVIEW_CONFIDENCE) if not upper}
        if place in seen:
            seen.discard(place)
            if seen:
                fv.flag(Problem("disagrees", f"Địa danh được đọc khác nhau: {place} / "
                                + " / ".join(sorted(seen)),
                                f"the place name reads differently on the paper: {place} / "
                                + " / ".join(sorted(seen))))
            continue
        if len(seen) == 1:
            parts[i] = (part[:head.end()] if head else "") + seen.pop()
            changed = True
        elif len(seen) > 1:
            fv.flag(Problem("disagrees", "Địa danh được đọc khác nhau: " + " / ".join(sorted(seen)),
                            "the place name reads differently on the paper: "
                            + " / ".join(sorted(seen))))
    if changed:
        fv.value, fv.source = ", ".join(parts), "ocr+context"


def _check_address_words(fv: FieldValue) -> None:
    """A word of an address whose letters make a Vietnamese syllable but whose marks make
    none ("Cãm Phả" for "Cẩm Phả": a tone misread) was read wrong: the value is flagged.
    Words whose letters are no Vietnamese syllable at all are left alone (the highlands'
    "Krông Búk", "Ea Kar"; codes, house numbers), and so are provinces' names as printed.
    Whatever the context check above changed is looked at as it stands."""
    from ocr_models.vietnamese import default_lexicon, skeleton
    from pipeline.papers.reference import agency_vocabulary

    lexicon, vocab = default_lexicon(), agency_vocabulary()
    doubt = []
    for word in fv.value.replace("-", " ").split():
        core = word.strip(".,;:()'\"")
        if len(core) < 2 or not core.isalpha() or core in lexicon or core.upper() in vocab:
            continue
        if lexicon.by_skeleton.get(skeleton(nfc(core).lower())):
            doubt.append(core)
    if doubt:
        fv.flag(Problem("spelling", "Có chữ đọc không chắc chắn: " + ", ".join(doubt),
                        "doubtful words: " + ", ".join(doubt)))


def _name_readings(value: str, facts: Sequence[PageFacts]) -> list[tuple[str, bool]]:
    """Other readings of the same words on the paper (same letters, other diacritics),
    title-cased, each with whether it was read from an upper-case line."""
    return [(seen, upper) for seen, upper in _readings(value, facts) if seen != value]


def _readings(value: str, facts: Sequence[PageFacts],
              min_confidence: float = 0.0) -> list[tuple[str, bool]]:
    """Every reading of the same letters on the paper (``value`` itself included), title
    case, with whether its line is upper case; readings with a word read below
    ``min_confidence`` are left out."""
    key = fold(value)
    if len(key) < 5:
        return []
    found: list[tuple[str, bool]] = []
    for fact in facts:
        for ln in fact.lines:
            pos = ln.folded.find(key)
            while pos >= 0:
                end = pos + len(key)
                if (pos == 0 or not ln.folded[pos - 1].isalpha()) and \
                        (end == len(ln.folded) or not ln.folded[end].isalpha()) and \
                        all(w.confidence >= min_confidence
                            for w in ln.words_between(pos, end)):
                    seen = title_case(ln.text[pos:end])
                    if (seen, ln.is_upper) not in found:
                        found.append((seen, ln.is_upper))
                pos = ln.folded.find(key, pos + 1)
    return found
