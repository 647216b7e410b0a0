"""Every key people may see has a Vietnamese label in the one table
(``pipeline/papers/labels.py``): each field key the extraction can produce for any document
type (a label found on the page, in the context of any related person; header, card and
land keys; the keys of the real papers' truth files), each portal-metadata key of a stored
paper (and sohoa's extensions), and each reason code a field can be flagged with."""

from __future__ import annotations

import ast
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

from pipeline.papers import extract, fields, labels
from pipeline.papers.doctypes import DOC_TYPES
from tests.conftest import REPO

PAPERS = REPO / "pipeline" / "papers"
TRUTH = REPO / "tests" / "data" / "realdev" / "truth"


def _calls(path: Path) -> list[ast.Call]:
    tree = ast.parse(path.read_text("utf-8"))
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call)]


def _name(call: ast.Call) -> str:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


def _const(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) \
        else None


def produced_field_keys() -> set[str]:
    """The field keys the extraction can put on a paper, read from its code."""
    keys: set[str] = set()
    contexts = [None, *(s.lstrip("_") for s in fields.PEOPLE if s)]
    for label in extract.LABELS:  # a label in the block of each related person
        if label.key in extract.PAPER_KEYS:
            keys.add(label.key)
        else:
            keys |= {extract._key(label.key, c) for c in [label.context, *contexts]}
    for path in PAPERS.glob("*.py"):  # Candidate("so_hieu", ...), fields["noi_cap"] = ...
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _name(node) == "Candidate" and node.args:
                keys.add(_const(node.args[0]) or "")
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) \
                            and target.value.id == "fields" and _const(target.slice):
                        keys.add(_const(target.slice))
                    elif isinstance(target, ast.Name) and target.id == "target":
                        # a candidate's key turned into the paper's ("so_hieu" -> "so")
                        keys |= {_const(n) or "" for n in ast.walk(node.value)}
    keys |= set(fields.DATE_LINE_KEY.values()) | set(fields.DATE_KINDS)
    return {k for k in keys if re.fullmatch(r"[a-z][a-z0-9_]+", k) and k not in DOC_TYPES}


def test_every_field_key_of_every_document_type_has_a_label() -> None:
    produced = produced_field_keys()
    assert {"dan_toc_cha", "nam_sinh_me", "noi_cu_tru_cha", "so_ky_hieu", "noi_cap",
            "ho_ten_nguoi_yeu_cau"} <= produced  # the reading of the code finds them
    truth = {k for f in TRUTH.glob("*.json")
             for k in json.loads(f.read_text("utf-8")).get("fields", {})}
    assert truth, "the real papers' truth files are missing"
    missing = sorted(k for k in produced | truth if k not in labels.FIELD_LABELS)
    assert not missing, f"field keys without a Vietnamese label: {missing}"
    assert set(fields.PEOPLE) - {""} == set(labels.PERSONS)
    assert labels.field_label("dan_toc_cha") == "Dân tộc của cha"
    assert labels.field_label("nam_sinh_me") == "Năm sinh của mẹ"
    assert labels.field_label("ho_ten_me") == "Họ tên mẹ"


def test_every_reason_code_has_a_label() -> None:
    codes: set[str] = set()
    for path in PAPERS.glob("*.py"):
        for call in _calls(path):
            if _name(call) == "Problem" and call.args and _const(call.args[0]):
                codes.add(_const(call.args[0]))
            elif _name(call) == "_flag" and len(call.args) > 1 and _const(call.args[1]):
                codes.add(_const(call.args[1]))
    assert {"handwritten", "unreadable", "low_confidence", "handwritten_read"} <= codes
    missing = sorted(codes - set(labels.REASON_NAMES))
    assert not missing, f"reason codes without a Vietnamese label: {missing}"


def test_every_metadata_key_has_a_label() -> None:
    from pipeline.scan import portal_metadata
    from warehouse import corrections, integrity, review

    record = SimpleNamespace(fields={"so_ky_hieu": {"value": "1/QĐ", "needs_review": True}},
                             doc_type="van_ban_hanh_chinh", valid_until=None, owner_id=None,
                             owner_name=None, digitized_at=datetime(2026, 1, 2, tzinfo=UTC),
                             pdf_sha256="0" * 64, original_sha256s=["1" * 64])
    request = SimpleNamespace(agency="H12.19", agency_name="UBND", dossier="X",
                              procedure="1.001193", component=None)
    keys = set(portal_metadata(record, request))
    keys |= {review.PAGE_CONFIDENCE_KEY, corrections.CHANGE_KEY, corrections.REVIEW_KEY,
             integrity.VERSION_KEY, integrity.PREVIOUS_KEY}
    keys |= {v for k, v in vars(corrections).items()
             if k.endswith("_KEY") and isinstance(v, str) and v[:1].isupper()}
    assert "SuaDoi" in keys and "DoTinCayOCR" in keys
    missing = sorted(keys - set(labels.METADATA_LABELS))
    assert not missing, f"metadata keys without a Vietnamese label: {missing}"
