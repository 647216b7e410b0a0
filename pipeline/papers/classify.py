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

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from pipeline.papers.extract import MOTTO, Line, _is_mrz

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


def _similar(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def _clean(folded: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9/ ]", " ", folded).split())


def classify_page(lines: Sequence[Line], blank: bool = False) -> PageClass:
    if blank or not lines:
        return PageClass("blank", 1.0, False)
    best: tuple[float, str, str] = (0.0, "khac", "")
    # titles sit in the upper part of the page, in upper case
    candidates = [ln for ln in lines[:30] if ln.is_upper or ln.text.istitle()]
    texts = [_clean(ln.folded) for ln in candidates]
    pairs = texts + [f"{a} {b}" for a, b in zip(texts, texts[1:], strict=False)]
    for text in pairs:
        if not 5 <= len(text) <= 110:
            continue
        for title, doc_type in TITLES:
            score = _similar(text, title)
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
    if back >= 2:
        return PageClass("can_cuoc", 0.9, False, card_back=True, cues=["card back"])
    has_motto = any(MOTTO.search(f) for f in folded[:12])
    if has_motto and any(LETTER_NUMBER.match(f.strip()) for f in folded[:12]):
        return PageClass("van_ban_hanh_chinh", 0.85, True, cues=["letter number"])
    if any(f.strip().startswith("kinh gui") for f in folded[:25]):
        return PageClass("van_ban_hanh_chinh", 0.7, True, cues=["kinh gui"])
    if has_motto:
        return PageClass("khac", 0.6, True, cues=["motto, no known title"])
    return PageClass("khac", 0.5, False, cues=["no title"], card_cues=back)


@dataclass
class PageGroup:
    """Consecutive pages of one paper (indices into the page list)."""

    doc_type: str
    pages: list[int]
    confidence: float


def group_pages(classes: Sequence[PageClass]) -> list[PageGroup]:
    """Consecutive pages into papers: a titled page starts one; a card back joins the card
    front before it; an untitled page continues the paper before it (or starts a
    ``khac`` one); blank pages are left out."""
    groups: list[PageGroup] = []
    last: PageGroup | None = None
    backs_seen: set[int] = set()
    for i, pc in enumerate(classes):
        if pc.doc_type == "blank":
            continue
        if pc.card_back:
            if last is not None and last.doc_type == "can_cuoc" and id(last) not in backs_seen:
                last.pages.append(i)
                backs_seen.add(id(last))
                continue
            last = PageGroup("can_cuoc", [i], pc.confidence)
            backs_seen.add(id(last))
            groups.append(last)
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
