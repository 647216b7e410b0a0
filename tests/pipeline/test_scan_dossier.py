"""`sohoa scan` across the files of a dossier and across dossiers: a card's front and back
scanned as two files are one paper; a paper already stored, scanned again for a new
dossier, is linked to that dossier as digitized by reuse (and counted so).

The OCR engine is scripted per page (a page's ink decides whether it reads as a card's
front, its back or a birth certificate); store, index and signatures are real.
"""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ocr_models import registry
from reuse_index import ReuseIndex
from tests.conftest import run_cli as _run
from tests.pipeline.ink import LINES, InkEngine, page


@pytest.fixture
def home(home: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> Path:
    monkeypatch.setitem(registry._FACTORIES, "ink", InkEngine)
    assert _run(capsys, "keys", "demo")[0] == 0
    return home


def scan(capsys, dossier: str, *files: Path, **extra: str) -> tuple[int, dict, str]:
    opts = [f"--{k.replace('_', '-')}={v}" for k, v in extra.items()]
    code, out, err = _run(capsys, "scan", *map(str, files), "--dossier", dossier,
                          "--procedure", "1.001193", "--agency", "H12.19", "--engine", "ink",
                          "--json", "--quiet", "--workers", "1", *opts)
    assert isinstance(out, dict), err
    return code, out, err


def index(home: Path) -> ReuseIndex:
    return ReuseIndex.from_env({"SOHOA_HOME": str(home)}, home=home)


def test_the_engine_script_tells_pages_apart(tmp_path: Path) -> None:
    import cv2

    for lines, script in LINES.items():
        img = cv2.imread(str(page(tmp_path / f"p{lines}.png", lines)), cv2.IMREAD_GRAYSCALE)
        engine = InkEngine()
        engine.recognize(img)
        assert engine.script == list(script)


def test_card_front_and_back_in_two_files_are_one_paper(home: Path, tmp_path: Path,
                                                        capsys) -> None:
    front, back = page(tmp_path / "truoc.png", 4), page(tmp_path / "sau.png", 8)
    birth = page(tmp_path / "khai_sinh.png", 14)
    code, out, err = scan(capsys, "000.00.19.H12-261122-0001", front, back, birth)
    assert code == 0, err
    docs = out["documents"]
    assert [d["type"] for d in docs] == ["can_cuoc", "giay_khai_sinh"]
    card = docs[0]
    assert card["pages"] == [0, 1] and card["sources"] == ["truoc.png", "sau.png"]
    assert len(card["original_keys"]) == 2
    assert card["owner_id"] == "001190012345"
    with index(home) as idx:
        rec = idx.get(card["id"])
        assert len(rec.original_sha256s) == 2
        assert [d.id for d in idx.find_all_by_original(rec.original_sha256s[1])] == [rec.id]
        assert idx.count_documents() == 2
    # the signed PDF's binding lists both originals: verify finds the paper whole
    code, checked, err = _run(capsys, "verify", card["id"], "--json")
    assert code == 0 and checked[0]["ok"], (checked, err)
    code, sweep, _ = _run(capsys, "verify", "--all", "--json")
    assert code == 0 and sweep == []

    # scanning the same files again makes nothing new and reports the card once
    code, again, _ = scan(capsys, "000.00.19.H12-261122-0001", front, back, birth)
    assert [d["id"] for d in again["documents"]] == [d["id"] for d in docs]
    assert all(d["skipped"] and not d["reused"] for d in again["documents"])


def test_a_card_scanned_back_first_is_the_same_paper(home: Path, tmp_path: Path,
                                                   capsys) -> None:
    """Names sort the back first ("mat_sau" < "mat_truoc"): still one card, front first,
    with the id, fields and page order a front-first scan gives it."""
    from pipeline.scan import document_id, sha256_file

    back, front = page(tmp_path / "mat_sau.png", 8), page(tmp_path / "mat_truoc.png", 4)
    code, out, err = scan(capsys, "000.00.19.H12-261122-0004", back, front)
    assert code == 0, err
    [card] = out["documents"]
    assert card["type"] == "can_cuoc" and card["owner_id"] == "001190012345"
    assert card["sources"] == ["mat_truoc.png", "mat_sau.png"]
    assert card["id"] == document_id(sha256_file(front))
    pdf = home / "store" / card["pdf_key"]
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout.split("\f")
    assert "CĂN CƯỚC" in text[0] and "IDVNM" in text[1]  # the front is page one
    code, checked, _ = _run(capsys, "verify", card["id"], "--json")
    assert code == 0 and checked[0]["ok"]


def test_a_paper_continued_in_another_file_is_one_paper(home: Path, tmp_path: Path,
                                                        capsys) -> None:
    """An untitled page (no title, no motto) at the start of a file continues the paper
    before it; a titled page starts its own; a card back after another paper is a card."""
    birth, cont = page(tmp_path / "a.png", 14), page(tmp_path / "a2.png", 11)
    back, other = page(tmp_path / "b.png", 8), page(tmp_path / "c.png", 14)
    code, out, _ = scan(capsys, "000.00.19.H12-261122-0002", birth, cont, back, other)
    assert [(d["type"], d["sources"]) for d in out["documents"]] == [
        ("giay_khai_sinh", ["a.png", "a2.png"]), ("can_cuoc", ["b.png"]),
        ("giay_khai_sinh", ["c.png"])]


def test_a_paper_scanned_again_for_a_new_dossier_is_reused(home: Path, tmp_path: Path,
                                                           capsys) -> None:
    birth = page(tmp_path / "khai_sinh.png", 14)
    code, first, _ = scan(capsys, "000.00.19.H12-261122-0011", birth)
    assert code == 0 and not first["documents"][0]["reused"]
    doc_id = first["documents"][0]["id"]

    copy = tmp_path / "lan2" / "giay.png"
    copy.parent.mkdir()
    copy.write_bytes(birth.read_bytes())  # the same bytes, another file name
    code, second, _ = scan(capsys, "000.00.19.H12-261122-0012", copy, component="TP2")
    assert code == 0
    [doc] = second["documents"]
    assert doc["id"] == doc_id and doc["skipped"] and doc["reused"]

    with index(home) as idx:
        events = idx.events(dossier_code="000.00.19.H12-261122-0012", kind="reused")
        assert [(e.document_id, e.detail["found_by"], e.detail["component"])
                for e in events] == [(doc_id, "rescan", "TP2")]
        assert idx.count_documents() == 1  # nothing copied
        now = datetime.now(UTC)
        counts = {c.procedure: c for c in idx.indicator_counts(
            since=now - timedelta(days=1), until=now + timedelta(days=1))}
        total = counts["1.001193"]
        assert total.received == 2 and total.digitized == 2 and total.reused == 1

    # a third scan for B records no second reuse
    scan(capsys, "000.00.19.H12-261122-0012", copy)
    with index(home) as idx:
        assert len(idx.events(dossier_code="000.00.19.H12-261122-0012", kind="reused")) == 1


def test_a_card_stored_split_is_merged_into_one_verifiable_document(
        home: Path, tmp_path: Path, capsys) -> None:
    """Each file forced to be one paper (as every scan did before): the card is split.
    ``sohoa merge`` makes one signed document of both originals; the old ones stay
    stored and verifiable, marked superseded, and search finds only the merged one."""
    front, back = page(tmp_path / "truoc.png", 4), page(tmp_path / "sau.png", 8)
    _, out, _ = scan(capsys, "000.00.19.H12-261122-0003", front, back, type="can_cuoc")
    old = [d["id"] for d in out["documents"]]
    assert len(old) == 2 and out["documents"][1]["owner_id"] is None  # the back: no owner

    code, merged, err = _run(capsys, "merge", *old, "--reason", "mặt sau bị tách",
                             "--engine", "ink", "--json")
    assert code == 0, err
    assert merged["id"] not in old and merged["type"] == "can_cuoc"
    assert merged["owner_id"] == "001190012345" and len(merged["original_keys"]) == 2
    code, sweep, _ = _run(capsys, "verify", "--all", "--json")
    assert code == 0 and sweep == []  # the new binding lists both originals; old ones intact

    _, found, _ = _run(capsys, "search", "--type", "can_cuoc", "--json")
    assert [d["id"] for d in found] == [merged["id"]]
    with index(home) as idx:
        assert [e.detail["from"] for e in idx.events(kind="merged")] == [old]
        assert {e.document_id: e.detail["by"] for e in idx.events(kind="superseded")} == \
            dict.fromkeys(old, merged["id"])
    # the same merge again makes nothing new; a superseded paper is not attached
    code, again, _ = _run(capsys, "merge", *old, "--engine", "ink", "--json")
    assert code == 0 and again["id"] == merged["id"]
    code, _, err = _run(capsys, "reuse", old[1], "--dossier", "000.00.19.H12-261122-0009")
    assert code != 0 and merged["id"] in err
    # a rescan of the card's files for the same dossier finds the merged document
    _, rescan, _ = scan(capsys, "000.00.19.H12-261122-0003", front, back)
    assert [d["id"] for d in rescan["documents"]] == [merged["id"]]
