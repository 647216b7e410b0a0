"""Classification, grouping and validated fields end to end: generated papers through real
Tesseract, the CLI's JSON, and the scan flow into the store and the reuse index."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pipeline.papers.fields import _add_months
from reuse_index import ReuseIndex
from tests.conftest import run_cli as _run
from tests.scangen import make_sample
from tests.scangen.samples import make_document

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

DOSSIER = ["--dossier", "000.00.19.H12-261122-0042", "--procedure", "1.004873",
           "--agency", "H12.19", "--agency-name", "Ủy ban nhân dân xã Tân Lập"]


def _save(sample, path: Path) -> Path:
    sample.image.save(path, quality=92, dpi=(sample.truth.dpi, sample.truth.dpi))
    return path


def test_ocr_json_types_groups_and_fields(tmp_path: Path, capsys) -> None:
    """A card copied one side per sheet (two files), a two-page letter and a birth
    certificate: three papers with the right types, pages and key fields."""
    card = make_document(21, doc_type="can_cuoc", level="mild", pages=2)
    letter = make_document(22, doc_type="van_ban_hanh_chinh", level="mild", pages=2)
    birth = make_document(23, doc_type="giay_khai_sinh", level="clean")
    samples = card + letter + birth
    files = [_save(s, tmp_path / f"p{i}.jpg") for i, s in enumerate(samples)]
    code, out, _ = _run(capsys, "ocr", *map(str, files), "--json", "--quiet")
    assert code == 0 and isinstance(out, dict)
    docs = out["documents"]
    assert [(d["type"], d["pages"]) for d in docs] == [
        ("can_cuoc", [0, 1]), ("van_ban_hanh_chinh", [2, 3]), ("giay_khai_sinh", [4])]
    for doc, paper in zip(docs, (card, letter, birth), strict=True):
        truth = paper[0].truth.fields
        for key in ("so_dinh_danh", "ngay_sinh", "so_ky_hieu", "ngay_ban_hanh", "so",
                    "ngay_dang_ky", "gioi_tinh"):
            if key in truth:
                got = doc["fields"][key]
                assert got["value"] == truth[key], (key, got)
                assert set(got) >= {"value", "confidence", "source", "needs_review"}
        # names are right, or flagged for review: never silently wrong
        for key, value in truth.items():
            if key.startswith("ho_ten") and key in doc["fields"]:
                got = doc["fields"][key]
                assert got["value"] == value or got["needs_review"], (key, got, value)
    assert out["pages"][1]["type"] == "can_cuoc"


def test_card_qr_is_preferred_and_recorded(tmp_path: Path, capsys) -> None:
    for seed in range(40, 60):  # the first clean card whose front carries a readable QR
        sample = make_sample(seed, doc_type="can_cuoc", level="clean")
        code, out, _ = _run(capsys, "ocr", str(_save(sample, tmp_path / "the.jpg")), "--json",
                            "--quiet", "--workers", "1")
        fields = out["documents"][0]["fields"]
        if fields.get("ho_ten", {}).get("source") == "qr":
            break
    else:
        pytest.fail("no generated card QR code was decoded in 20 tries")
    truth = sample.truth.fields
    assert fields["ho_ten"]["value"] == truth["ho_ten"]
    assert fields["so_dinh_danh"]["value"] == truth["so_dinh_danh"]
    assert fields["so_dinh_danh"]["source"] == "qr" and fields["ngay_sinh"]["source"] == "qr"
    assert fields["ngay_sinh"]["value"] == truth["ngay_sinh"]


def test_scan_fills_index_and_portal_metadata(home: Path, tmp_path: Path, capsys) -> None:
    """A marital-status certificate and a birth certificate in one PDF: two papers stored
    from one original, each indexed under its owner's ID with the portal metadata; the
    certificate is valid 6 months; a rescan stores nothing new."""
    from tests.scangen.samples import _encode, _merge_pdfs

    xn = make_sample(31, doc_type="giay_xac_nhan_tinh_trang_hon_nhan", level="clean")
    ks = make_sample(32, doc_type="giay_khai_sinh", level="clean")
    pdf_pages = [_encode(s.image, "pdf", s.truth.dpi) for s in (xn, ks)]
    combined = tmp_path / "ho_so.pdf"
    _merge_pdfs(pdf_pages, combined)

    assert _run(capsys, "keys", "demo")[0] == 0
    code, out, err = _run(capsys, "scan", str(combined), *DOSSIER, "--json", "--quiet")
    assert code == 0, err
    docs = out["documents"]
    assert [d["type"] for d in docs] == ["giay_xac_nhan_tinh_trang_hon_nhan", "giay_khai_sinh"]
    assert len({d["id"] for d in docs}) == 2
    assert docs[0]["original_keys"] == docs[1]["original_keys"]
    xn_doc, ks_doc = docs
    t = xn.truth.fields
    meta = xn_doc["metadata"]
    assert meta["MaChuGiayTo"] == t["so_dinh_danh"] == xn_doc["owner_id"]
    assert meta["TenChuGiayTo"] == xn_doc["owner_name"]
    assert meta["NgayCap"] == t["ngay_cap"]
    issued = date.fromisoformat(t["ngay_cap"])
    assert meta["ThoiHanHieuLuc"] == _add_months(issued, 6).isoformat()
    assert meta["SoKyHieu"] == t["so"]
    assert isinstance(meta["CanKiemTra"], list)
    assert ks_doc["metadata"]["MaChuGiayTo"] == ks.truth.fields["so_dinh_danh"]
    assert ks_doc["fields"]["ngay_sinh"]["value"] == ks.truth.fields["ngay_sinh"]

    # the index finds each paper by its owner's ID, with the birth date as a narrowing key
    with ReuseIndex.from_env({"SOHOA_HOME": str(home)}, home=home) as index:
        found = index.search(owner_id=t["so_dinh_danh"])
        assert [r.id for r in found] == [xn_doc["id"]]
        assert found[0].valid_until == _add_months(issued, 6)
        born = date.fromisoformat(ks.truth.fields["ngay_sinh"])
        assert [r.id for r in index.search(owner_id=ks.truth.fields["so_dinh_danh"],
                                           birth_date=born)] == [ks_doc["id"]]

    code, again, _ = _run(capsys, "scan", str(combined), *DOSSIER, "--json", "--quiet")
    assert code == 0 and all(d["skipped"] for d in again["documents"])
    assert {d["id"] for d in again["documents"]} == {d["id"] for d in docs}

    # reuse: the expired certificate (issued ≤ 2025, valid 6 months) is refused, the birth
    # certificate is attached to a new dossier; both outcomes are in the audit log
    code, _, err = _run(capsys, "reuse", xn_doc["id"], "--dossier", "000.00.19.H12-261122-0099")
    assert code == 10 and "hết hiệu lực" in err
    code, out, _ = _run(capsys, "reuse", ks_doc["id"], "--dossier", "000.00.19.H12-261122-0099",
                        "--component", "TP2", "--json")
    assert code == 0 and out["reused"] and out["id"] == ks_doc["id"]
    with ReuseIndex.from_env({"SOHOA_HOME": str(home)}, home=home) as index:
        refused = index.events(kind="reuse_refused")
        reused = index.events(kind="reused")
    assert [e.document_id for e in refused] == [xn_doc["id"]]
    assert "expired" in refused[0].detail["reason"]
    assert [(e.document_id, e.dossier_code, e.detail["component"]) for e in reused] == [
        (ks_doc["id"], "000.00.19.H12-261122-0099", "TP2")]
    assert reused[0].actor == "can-bo-mot-cua"
