"""Correcting a flagged field (``sohoa fix``): the signed PDF is untouched, a new
write-once metadata version carries the value in a hash chain back to what was signed,
the index and the portal metadata show it, an event records who/old/new/why, the review
list shrinks, and verify checks the chain (an edited or rolled-back version is found)."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import pytest

from common.binding import metadata_digest
from common.vn import vn_today
from ocr_models import registry
from tests.conftest import run_cli as _run
from tests.pipeline.test_scan_dossier import InkEngine, index, page, scan

TODAY = vn_today().isoformat()  # the review's days are Vietnam's (UTC+7)


@pytest.fixture
def home(home: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> Path:
    """The scripted engine of test_scan_dossier, and demo signing keys."""
    monkeypatch.setitem(registry._FACTORIES, "ink", InkEngine)
    assert _run(capsys, "keys", "demo")[0] == 0
    return home


@pytest.fixture
def birth(home: Path, tmp_path: Path, capsys) -> dict:
    code, out, err = scan(capsys, "000.00.19.H12-261122-0001", page(tmp_path / "khai_sinh.png", 14))
    assert code == 0, err
    [doc] = out["documents"]
    assert doc["fields"]["ngay_sinh"]["needs_review"]
    return doc


def _review(capsys) -> list[dict]:
    from cli import main

    assert main(["review", "--from", TODAY, "--to", TODAY, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)["items"]


def test_fix_a_flagged_date(home: Path, birth: dict, capsys) -> None:
    pdf = home / "store" / birth["pdf_key"]
    before = hashlib.sha256(pdf.read_bytes()).hexdigest()
    assert [i["document_id"] for i in _review(capsys)] == [birth["id"]]

    code, out, err = _run(capsys, "fix", birth["id"], "--field", "ngay_sinh", "--value",
                          "30/07/2019", "--reason", "đối chiếu bản chính", "--json")
    assert code == 0, err
    assert out["old"] == "3?/07/2019" and out["new"] == "2019-07-30" and out["version"] == 2

    assert hashlib.sha256(pdf.read_bytes()).hexdigest() == before  # the signed PDF untouched
    v1 = json.loads(pdf.with_suffix(".json").read_bytes())
    v2 = json.loads((pdf.parent / (pdf.stem + ".v2.json")).read_bytes())
    assert v1["CanKiemTra"] == ["ngay_sinh"] and "PhienBan" not in v1
    assert v2["PhienBan"] == 2 and v2["CanKiemTra"] == []
    assert v2["MetadataTruoc"] == metadata_digest(v1)
    assert v2["SuaDoi"] == {"field": "ngay_sinh", "old": "3?/07/2019", "new": "2019-07-30",
                            "reason": "đối chiếu bản chính", "by": "can-bo-mot-cua",
                            "at": v2["SuaDoi"]["at"]}
    with index(home) as idx:
        rec = idx.get(birth["id"])
        assert rec.fields["ngay_sinh"]["value"] == "2019-07-30"
        assert not rec.fields["ngay_sinh"]["needs_review"]
        assert rec.metadata == v2  # the portal metadata is the latest version
        [event] = idx.events(document_id=birth["id"], kind="corrected")
        assert event.actor == "can-bo-mot-cua" and event.detail["old"] == "3?/07/2019"
        assert event.detail["new"] == "2019-07-30" and event.detail["reason"]
        assert idx.search(birth_date=date(2019, 7, 30))[0].id == birth["id"]
    assert _review(capsys) == []  # the review list shrank
    code, checks, _ = _run(capsys, "verify", birth["id"], "--json")
    assert code == 0 and checks[0]["ok"], checks
    code, sweep, _ = _run(capsys, "verify", "--all", "--json")
    assert code == 0 and sweep == []  # no orphan: the sweep knows the versions

    # a second correction chains on the first
    code, out, _ = _run(capsys, "fix", birth["id"], "--field", "ho_ten", "--value",
                        "Trần Minh Khôi Nguyên", "--reason", "thiếu tên", "--json")
    assert code == 0 and out["version"] == 3
    v3 = json.loads((pdf.parent / (pdf.stem + ".v3.json")).read_bytes())
    assert v3["MetadataTruoc"] == metadata_digest(v2)
    assert v3["TenChuGiayTo"] == "Trần Minh Khôi Nguyên"
    _, found, _ = _run(capsys, "search", "--name", "khoi nguyen", "--json")
    assert [d["id"] for d in found] == [birth["id"]]
    code, checks, _ = _run(capsys, "verify", birth["id"], "--json")
    assert code == 0 and checks[0]["ok"], checks


def test_fix_says_what_it_changed_in_words(home: Path, birth: dict, capsys) -> None:
    code, _, err = _run(capsys, "fix", birth["id"], "--field", "ngay_sinh", "--value",
                        "30/07/2019", "--reason", "đối chiếu bản chính")
    assert code == 0, err
    # the field by its Vietnamese label (the one label table), the day as people write it
    assert "Đã sửa Ngày sinh (ngay_sinh)" in err and "“3?/07/2019” → “30/07/2019”" in err


@pytest.mark.parametrize("value, reason, message", [
    ("31/02/2019", "x", "dd/mm/yyyy"), ("30/07/2019", " ", "lý do")])
def test_fix_refuses_bad_input(home: Path, birth: dict, capsys, value: str,
                               reason: str, message: str) -> None:
    code, _, err = _run(capsys, "fix", birth["id"], "--field", "ngay_sinh", "--value", value,
                        "--reason", reason)
    assert code != 0 and message in err
    assert not (home / "store" / birth["pdf_key"].replace(".pdf", ".v2.json")).exists()


def _sql(home: Path, statement: str, *args: object) -> None:
    import sqlite3

    with sqlite3.connect(home / "index.db") as conn:
        conn.execute(statement, args)


def test_verify_finds_a_broken_chain_and_a_rolled_back_row(home: Path, birth: dict,
                                                           capsys) -> None:
    _run(capsys, "fix", birth["id"], "--field", "ngay_sinh", "--value", "30/07/2019",
         "--reason", "đối chiếu bản chính")
    v2 = home / "store" / birth["pdf_key"].replace(".pdf", ".v2.json")
    with index(home) as idx:
        rec = idx.get(birth["id"])
    # the index row rolled back to the signed version: the later version gives it away
    _sql(home, "UPDATE documents SET metadata_json = ? WHERE id = ?",
         json.dumps(birth["metadata"], ensure_ascii=False), birth["id"])
    code, checks, _ = _run(capsys, "verify", birth["id"], "--json")
    assert code != 0 and any("later metadata version" in p for p in checks[0]["problems"])
    # the version file edited along with the row: the chain no longer holds
    forged = {**rec.metadata, "MetadataTruoc": "0" * 64}
    _sql(home, "UPDATE documents SET metadata_json = ? WHERE id = ?",
         json.dumps(forged, ensure_ascii=False), birth["id"])
    v2.chmod(0o644)
    v2.write_text(json.dumps(forged, ensure_ascii=False), encoding="utf-8")
    code, checks, _ = _run(capsys, "verify", birth["id"], "--json")
    assert code != 0 and any("does not follow" in p for p in checks[0]["problems"])


def test_an_export_keeps_no_corrected_name_or_id_in_clear() -> None:
    """A correction's old and new values are personal when the field is: the pseudonymised
    export drops a name's and pseudonymises an ID's (metadata SuaDoi, event detail)."""
    from warehouse.export import Pseudonymiser

    p = Pseudonymiser(b"k" * 32)
    name = p.json({"SuaDoi": {"field": "ho_ten", "old": "Trần Minh Khôi", "new": "Trần Khôi",
                              "reason": "thiếu dấu", "by": "canbo"}})
    assert name["SuaDoi"]["old"] is None and name["SuaDoi"]["new"] is None
    assert name["SuaDoi"]["reason"] == "thiếu dấu"
    ids = p.json({"field": "so_dinh_danh", "old": "052190012345", "new": "052190012346"})
    assert ids["old"] == p.id("052190012345") and "0521900123" not in json.dumps(ids)


def test_scan_names_each_papers_type_in_vietnamese(home: Path, tmp_path: Path,
                                                  capsys) -> None:
    from cli import main

    code = main(["scan", str(page(tmp_path / "khai_sinh.png", 14)), "--dossier",
                 "000.00.19.H12-261122-0002", "--procedure", "1.001193", "--agency", "H12.19",
                 "--engine", "ink", "--quiet", "--workers", "1"])
    out = capsys.readouterr().out
    assert code == 0 and "  Giấy khai sinh  " in out and "  giay_khai_sinh  " not in out
