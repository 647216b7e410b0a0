"""Finding papers by what they say: `sohoa search --text` / `--number` on papers scanned
for real (scripted OCR, real store, signatures and index), a correction found at once,
`sohoa reindex` reading the text back from the signed PDFs of an index that predates it,
and an erased paper gone from the text index."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from ocr_models import registry
from tests.conftest import run_cli as _run
from tests.pipeline.test_scan_dossier import InkEngine, index, page, scan


@pytest.fixture
def home(home: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> Path:
    monkeypatch.setitem(registry._FACTORIES, "ink", InkEngine)
    assert _run(capsys, "keys", "demo")[0] == 0
    return home


@pytest.fixture
def birth(home: Path, tmp_path: Path, capsys) -> dict:
    """A birth certificate: "GIẤY KHAI SINH", "Họ, chữ đệm, tên: Trần Minh Khôi", ..."""
    code, out, err = scan(capsys, "000.00.19.H12-261122-0001", page(tmp_path / "ks.png", 14))
    assert code == 0, err
    [doc] = out["documents"]
    return doc


def test_search_the_text_as_a_table_and_as_json(home: Path, birth: dict, capsys) -> None:
    from cli import main

    assert main(["search", "--text", "giay khai sinh"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "Trích đoạn" in lines[0] and len(lines) == 3
    assert birth["id"] in lines[2] and "«GIẤY» «KHAI» «SINH»" in lines[2]

    code, found, _ = _run(capsys, "search", "--text", "TRAN minh khoi", "--json")
    assert code == 0 and [d["id"] for d in found] == [birth["id"]]
    snippet = found[0]["snippet"]
    marked = [snippet["text"][a:b] for a, b in snippet["highlights"]]
    assert marked == ["Trần", "Minh", "Khôi"]  # the text as read, diacritics kept

    code, found, err = _run(capsys, "search", "--text", "hộ chiếu")
    assert code == 1 and "Không tìm thấy" in err
    code, found, _ = _run(capsys, "search", "--text", "ho chieu", "--json")
    assert code == 1 and found == []
    code, found, _ = _run(capsys, "search", "--number", "576/qd-ubnd", "--json")
    assert code == 1 and found == []
    with index(home) as idx:
        [event] = idx.events(kind="accessed", action="search", limit=1)
        assert event.detail["number"] == "576/qd-ubnd"  # recorded as every search is


def test_a_corrected_name_is_found_at_once(home: Path, birth: dict, capsys) -> None:
    assert _run(capsys, "search", "--text", "tran minh khue")[0] == 1
    code, _, err = _run(capsys, "fix", birth["id"], "--field", "ho_ten", "--value",
                        "Trần Minh Khuê", "--reason", "đối chiếu bản chính")
    assert code == 0, err
    code, found, _ = _run(capsys, "search", "--text", "minh khue", "--json")
    assert code == 0 and [d["id"] for d in found] == [birth["id"]]
    snippet = found[0]["snippet"]
    assert [snippet["text"][a:b] for a, b in snippet["highlights"]] == ["Minh", "Khuê"]
    # the OCR text as read stays searchable (the signed paper says "Khôi")
    assert _run(capsys, "search", "--text", "khoi", "--json")[0] == 0


def test_reindex_reads_the_text_back_from_the_signed_pdfs(home: Path, birth: dict,
                                                          capsys) -> None:
    with index(home) as idx, idx._engine.begin() as conn:  # as an index from before
        conn.execute(text("UPDATE document_text SET text = NULL, terms = '' "
                          "WHERE document_id = :d"), {"d": birth["id"]})
    assert _run(capsys, "search", "--text", "giay khai sinh")[0] == 1
    code, report, err = _run(capsys, "reindex", "--json")
    assert code == 0, err
    assert report == {"indexed": 1, "failed": 0, "problems": []}
    assert "Đã đưa nội dung 1 giấy tờ" in err
    code, found, _ = _run(capsys, "search", "--text", "giay khai sinh", "--json")
    assert code == 0 and [d["id"] for d in found] == [birth["id"]]
    with index(home) as idx:
        read_back = idx.texts([birth["id"]])[birth["id"]] or ""
    assert "Trần Minh Khôi" in read_back
    assert "Bản sao điện tử" not in read_back  # the signature's stamp is not the paper's text
    code, report, _ = _run(capsys, "reindex", "--json")  # nothing left to do
    assert code == 0 and report["indexed"] == 0


def test_reindex_reports_a_damaged_pdf(home: Path, birth: dict, capsys) -> None:
    with index(home) as idx, idx._engine.begin() as conn:
        conn.execute(text("UPDATE document_text SET text = NULL WHERE document_id = :d"),
                     {"d": birth["id"]})
    pdf = home / "store" / birth["pdf_key"]
    pdf.write_bytes(pdf.read_bytes() + b"%tampered")
    code, report, err = _run(capsys, "reindex", "--json")
    assert code == 9 and report["failed"] == 1
    assert report["problems"] == [{"id": birth["id"], "problem": "sha256 mismatch"}]


def test_an_erased_paper_is_gone_from_the_text_index(home: Path, birth: dict,
                                                     capsys) -> None:
    assert _run(capsys, "search", "--text", "khai sinh")[0] == 0
    with index(home) as idx:
        assert idx.delete_document(birth["id"])
        with idx._engine.connect() as conn:
            left = {name: conn.execute(text(f"SELECT count(*) FROM {name} WHERE {key} = :d"),
                                       {"d": birth["id"]}).scalar()
                    for name, key in (("documents", "id"), ("document_text", "document_id"),
                                      ("document_numbers", "document_id"),
                                      ("name_terms", "document_id"),
                                      ("originals", "document_id"))}
            words = conn.execute(text("SELECT count(*) FROM document_fts WHERE document_fts "
                                      "MATCH 'khoi'")).scalar()
            # the FTS index against its content table: entries without a row are an error
            conn.exec_driver_sql("INSERT INTO document_fts(document_fts, rank) "
                                 "VALUES ('integrity-check', 1)")
        assert (left, words) == (dict.fromkeys(left, 0), 0)
    assert _run(capsys, "search", "--text", "khai sinh")[0] == 1


def test_unsigned_revision_is_the_pdf_before_its_first_signature() -> None:
    from warehouse.reindex import unsigned_revision

    original = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
    signed = original + b"2 0 obj\n<</ByteRange [0 10 20 30]>>\nendobj\n%%EOF\n"
    twice = signed + b"3 0 obj\n<</ByteRange [0 40 50 60]>>\nendobj\n%%EOF\n"
    assert unsigned_revision(signed) == original
    assert unsigned_revision(twice) == original
    assert unsigned_revision(original) == original  # nothing signed: the whole file
