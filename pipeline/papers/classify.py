"""Page classification into the contract's document types, and grouping of pages into papers.

A page is typed by its title — the large upper-case lines under the national motto
("GIẤY KHAI SINH", "TỜ KHAI ĐĂNG KÝ KẾT HÔN", "QUYẾT ĐỊNH") — matched on accent-folded
text with a tolerance for OCR slips, then by weaker cues (the ID card's bilingual labels and
machine-readable zone; an official letter's "Số: 12/UBND-VP" and "Kính gửi"). A page
without a title of its own (the back of an ID card, page 2 of a decision) is a
*continuation*: it joins the paper before it when it fits that paper. Blank pages belong
to no paper.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pipeline.papers.extract import MOTTO, Line, _is_mrz
from pipeline.papers.header import Header, similar

# title (folded) -> type; a title line may be split over two lines ("GIẤY XÁC NHẬN" /
# "TÌNH TRẠNG HÔN NHÂN"), so pairs of consecutive lines are tried too.
TITLES: tuple[tuple[str, str], ...] = (
    ("to khai dang ky khai sinh", "to_khai"),
    ("to khai dang ky ket hon", "to_khai"),
    ("to khai cap giay xac nhan tinh trang hon nhan", "to_khai"),
    ("to khai", "to_khai"),
    ("giay khai sinh", "giay_khai_sinh"),
    ("ban sao giay khai sinh", "giay_khai_sinh"),
    ("trich luc khai sinh", "giay_khai_sinh"),
    ("giay chung nhan ket hon", "giay_chung_nhan_ket_hon"),
    ("giay xac nhan tinh trang hon nhan", "giay_xac_nhan_tinh_trang_hon_nhan"),
    ("giay chung nhan quyen su dung dat", "giay_chung_nhan_qsdd"),
    ("giay chung nhan quyen su dung dat quyen so huu nha o va tai san khac gan lien voi dat",
     "giay_chung_nhan_qsdd"),
    ("can cuoc cong dan", "can_cuoc"),
    ("can cuoc", "can_cuoc"),
    ("citizen identity card", "can_cuoc"),
    ("identity card", "can_cuoc"),
    ("quyet dinh", "van_ban_hanh_chinh"),
    ("cong van", "van_ban_hanh_chinh"),
    ("thong bao", "van_ban_hanh_chinh"),
    ("ke hoach", "van_ban_hanh_chinh"),
    ("bao cao", "van_ban_hanh_chinh"),
    ("to trinh", "van_ban_hanh_chinh"),
)
CARD_BACK = re.compile(r"dac\s*diem\s*nhan\s*dang|ngay\s*,?\s*thang\s*,?\s*nam\s*(cap|/\s*date)"
                       r"|cuc\s*truong\s*cuc\s*canh\s*sat|ministry\s*of\s*public\s*security"
                       r"|place\s*of\s*birth|date\s*of\s*issue")
LETTER_NUMBER = re.compile(r"^so\s*[:;.]?\s*\d{1,6}/[a-z]{2,}")


@dataclass
class PageClass:
    """What one page is: a type and whether it starts a paper or continues one."""

    doc_type: str  # a type key, or "blank"
    confidence: float
    starts: bool  # has a title of its own
    card_back: bool = False
    cues: list[str] = field(default_factory=list)
    card_cues: int = 0  # lines that look like an ID card's back (labels, MRZ)

    def to_json(self) -> dict:
        return {"type": self.doc_type, "confidence": round(self.confidence, 3),
                "starts_document": self.starts}




def _clean(folded: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9/ ]", " ", folded).split())


# An ID card front: its bilingual labels, however badly the Vietnamese half is read.
CARD_FRONT = re.compile(r"full\s*name|date\s*of\s*birth|\bsex\b|nationality|place\s*of\s*origin"
                        r"|place\s*of\s*residence|date\s*of\s*expiry|so\s*/?\s*no\b"
                        r"|can\s*cuoc|identity\s*card")
PERSONAL_ID_RUN = re.compile(r"(?<!\d)\d{12}(?!\d)")
# A birth certificate's labels (when its title is lost to a guilloche background).
BIRTH_LABELS = re.compile(r"noi\s*sinh|ho\s*,?\s*chu\s*dem\s*,?\s*va\s*ten\s*"
                          r"(?:nguoi\s*)?(?:me|cha)|noi\s*dang\s*ky\s*khai\s*sinh|ngay\s*,?\s*thang\s*,?\s*nam\s*sinh"
                          r"|ghi\s*bang\s*chu")
# A land-use certificate's labels (when its red title is lost to the guilloche background):
# the parcel's number, map sheet, area, use, term and origin, printed on every edition.
LAND_LABELS = re.compile(r"thua\s*dat\s*so|to\s*ban\s*do\s*so|so\s*vao\s*so\s*cap"
                         r"|muc\s*dich\s*su\s*dung|thoi\s*han\s*su\s*dung"
                         r"|nguon\s*goc\s*su\s*dung|nguoi\s*su\s*dung\s*dat")
# A page of an official letter's body or end (page 2 of a decision): no title of its own.
LETTER_BODY = re.compile(r"^(?:noi\s*nhan\s*:|tm\.?\s*(?:uy\s*ban|ubnd)|kt\.?\s*(?:chu\s*tich"
                         r"|giam\s*doc|bo\s*truong|thu\s*truong)|dieu\s*\d+\s*\.)")


def _letter_cues(header: Header | None) -> list[str]:
    if header is None or header.form_title:
        return []
    return header.cues()


def classify_page(lines: Sequence[Line], blank: bool = False,
                  header: Header | None = None) -> PageClass:
    """The page's type: its title when readable, else the set of labels and patterns on it
    (an official letter's header parts, an ID card's bilingual labels and ID number, a
    birth certificate's labels)."""
    if blank or not lines:
        return PageClass("blank", 1.0, False)
    cues = _letter_cues(header)
    if header is not None and header.title and not header.form_title and \
            {"motto", "issuer", "number", "date"} & set(cues):
        return PageClass("van_ban_hanh_chinh", 0.95, True, cues=[f"title:{header.title}"])
    best: tuple[float, str, str] = (0.0, "khac", "")
    # titles sit in the upper part of the page, in upper case
    candidates = [ln for ln in lines[:30] if ln.mostly_upper or ln.text.istitle()]
    texts = [_clean(ln.folded) for ln in candidates]
    pairs = texts + [f"{a} {b}" for a, b in zip(texts, texts[1:], strict=False)]
    for text in pairs:
        if not 5 <= len(text) <= 110:
            continue
        for title, doc_type in TITLES:
            score = similar(text, title, best[0])  # below the best so far it changes nothing
            # a long title may be cut ("TỜ KHAI ĐĂNG KÝ KHAI SINH" read as two lines)
            if text.startswith(title) and len(title) >= 8:
                score = max(score, 0.9 + 0.1 * len(title) / len(text))
            if score > best[0] or (score == best[0] and len(title) > len(best[2])):
                best = (score, doc_type, title)
    score, doc_type, title = best
    if len(title) < 12 and score < 0.97:  # "CÔNG AN" is not "CÔNG VĂN": short titles exact
        score = min(score, 0.8)
    folded = [ln.folded for ln in lines]
    back = sum(bool(CARD_BACK.search(f)) for f in folded) + sum(_is_mrz(ln.text) for ln in lines)
    if back >= 2 and doc_type != "can_cuoc" and score < 0.97:
        return PageClass("can_cuoc", 0.9, False, card_back=True, cues=["card back"])
    if score >= 0.82:
        return PageClass(doc_type, min(1.0, score), True, cues=[f"title:{title}"])
    if "number" in cues and len({"motto", "issuer", "date", "subject"} & set(cues)) >= 2:
        return PageClass("van_ban_hanh_chinh", 0.9, True, cues=["letter header", *cues])
    if back >= 2:
        return PageClass("can_cuoc", 0.9, False, card_back=True, cues=["card back"])
    front = sum(bool(CARD_FRONT.search(f)) for f in folded)
    if front >= 2 and any(PERSONAL_ID_RUN.search(ln.text) for ln in lines) or front >= 4:
        return PageClass("can_cuoc", 0.8, True, cues=["card labels"])
    if sum(bool(BIRTH_LABELS.search(f)) for f in folded) >= 3:
        return PageClass("giay_khai_sinh", 0.75, True, cues=["birth labels"])
    if len({"motto", "issuer", "number", "date", "subject"} & set(cues)) >= 3:
        return PageClass("van_ban_hanh_chinh", 0.8, True, cues=["letter header", *cues])
    if sum(bool(LAND_LABELS.search(f)) for f in folded) >= 4:
        return PageClass("giay_chung_nhan_qsdd", 0.75, True, cues=["land labels"])
    has_motto = any(MOTTO.search(f) for f in folded[:12])
    if has_motto and any(LETTER_NUMBER.match(f.strip()) for f in folded[:12]):
        return PageClass("van_ban_hanh_chinh", 0.85, True, cues=["letter number"])
    if header is not None and header.form_title:  # "ĐƠN …", "TỜ KHAI …": not a letter
        return PageClass(header.form_kind, 0.7, True, cues=["petition or form"])
    if any(f.strip().startswith("kinh gui") for f in folded[:25]):
        return PageClass("van_ban_hanh_chinh", 0.7, True, cues=["kinh gui"])
    if has_motto:
        return PageClass("khac", 0.6, True, cues=["motto, no known title"])
    if sum(bool(LETTER_BODY.match(f.strip())) for f in folded) >= 1 and back == 0:
        return PageClass("van_ban_hanh_chinh", 0.6, False, cues=["letter body"])
    return PageClass("khac", 0.5, False, cues=["no title"], card_cues=back)


@dataclass
class PageGroup:
    """Consecutive pages of one paper (indices into the page list)."""

    doc_type: str
    pages: list[int]
    confidence: float


def group_pages(classes: Sequence[PageClass], *,
                same_card: Callable[[int, int], bool] | None = None) -> list[PageGroup]:
    """Consecutive pages into papers: a titled page starts one; a card back joins the card
    front before it; an untitled page continues the paper before it (or starts a
    ``khac`` one); blank pages are left out.

    A card scanned back first is one card too, its front first: file names often sort
    the back before the front ("back.jpg" < "front.jpg", "mat_sau" < "mat_truoc"), so a
    card front right after a lone card back joins it, as page one — the same paper as a
    front-first scan — unless ``same_card(front, back)`` (page indices) says the two sides
    belong to different cards (different personal IDs: two people's cards)."""
    groups: list[PageGroup] = []
    last: PageGroup | None = None
    lone_back: PageGroup | None = None  # a card paper that so far is only its back
    backs_seen: set[int] = set()
    for i, pc in enumerate(classes):
        if pc.doc_type == "blank":
            continue
        if pc.card_back:
            if last is not None and last.doc_type == "can_cuoc" and id(last) not in backs_seen:
                last.pages.append(i)
                backs_seen.add(id(last))
                continue
            last = lone_back = PageGroup("can_cuoc", [i], pc.confidence)
            backs_seen.add(id(last))
            groups.append(last)
            continue
        if pc.doc_type == "can_cuoc" and pc.starts and last is not None and last is lone_back \
                and (same_card is None or same_card(i, last.pages[0])):
            last.pages.insert(0, i)  # the front is the card's first page
            lone_back = None
            continue
        if not pc.starts and last is not None and last.doc_type != "can_cuoc":
            last.pages.append(i)
            continue
        if not pc.starts and pc.card_cues and last is not None and \
                last.doc_type == "can_cuoc" and id(last) not in backs_seen:
            last.pages.append(i)  # a badly read card back: one cue is enough after a front
            backs_seen.add(id(last))
            continue
        last = PageGroup(pc.doc_type, [i], pc.confidence)
        groups.append(last)
    return groups
