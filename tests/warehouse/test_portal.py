"""The national portal's exchange record per dossier (``warehouse/portal.py``), checked
against its JSON Schema (``warehouse/data/portal-dossier.schema.json``), through
``sohoa export --format portal`` and the API. The papers and dossiers are those of
``test_export.py`` (marriage certificates: a type with a sourced result code)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import jsonschema
import pytest

from reuse_index import DocumentRecord, ReuseIndex
from tests.conftest import run_cli
from tests.warehouse.test_export import (
    DOSSIER_A,
    DOSSIER_B,
    ID_NHUNG,
    ID_TAM,
    KEY,
    fill,
    pseudonym,
)
from warehouse.export import PORTAL_FILE, export_portal
from warehouse.portal import RESULT_CODES, dossier_record, id_kind, load_schema

VALID = jsonschema.Draft202012Validator(load_schema())


@pytest.fixture
def index(tmp_path: Path):
    with ReuseIndex(f"sqlite:///{tmp_path / 'index.db'}") as ix:
        fill(ix)
        yield ix


def test_the_schema_is_a_valid_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(load_schema())


def test_a_dossier_that_reused_result_papers(index: ReuseIndex) -> None:
    record = dossier_record(index, DOSSIER_B)
    VALID.validate(record)
    files = {f["TepDinhKemId"]: f for f in record["TaiLieuNop"]}
    assert set(files) == {"b-november", "a-first-second", "a-too-early"}
    own = files["b-november"]
    assert (own["DuocSoHoa"], own["DuocTaiSuDung"], own["MaKetQuaThayThe"]) == ("1", "0", "")
    reused = files["a-first-second"]  # a marriage certificate from the warehouse: a result
    assert (reused["DuocSoHoa"], reused["DuocTaiSuDung"]) == ("1", "2")
    assert reused["MaKetQuaThayThe"] == "KQ.G15.000032" == RESULT_CODES[
        "giay_chung_nhan_ket_hon"]
    paper = reused["ThongTinGiayTo"]
    assert paper["MaGiayTo"] == "KQ.G15.000032" and paper["LoaiDinhDanhCHS"] == 1
    assert paper["PhamViHieuLuc"] == "Toàn quốc" and paper["MaChuGiayTo"] == ID_NHUNG
    assert paper["NgaySoHoa"] == "20261001000000"  # 30/09 17:00 UTC = 01/10 00:00 +07
    assert record["HoSoCoThanhPhanSoHoa"] == "1" and record["KenhThucHien"] == "2"
    assert record["NgayTiepNhan"] == "20261105090000" and record["MaTTHC"] == "1.001193"
    assert {(o["LoaiDinhDanh"], o["SoDinhDanh"]) for o in record["DinhDanhCHS"]} == {
        ("1", ID_NHUNG), ("1", ID_TAM)}
    assert record["MaHoSoDungCauTruc"] is False  # an older code: said, not hidden
    assert any("Thông tư 01/2018" in w for w in record["CanhBao"])


def test_types_without_a_sourced_code_are_flagged(index: ReuseIndex) -> None:
    index.upsert_dossier("000.00.19.H12-261120-0003", procedure_code="1.001193",
                         agency_code="H12.19", received_at=datetime(2026, 11, 20, 2, tzinfo=UTC),
                         channel=1, returns_result=True)
    index.add_document(DocumentRecord(
        id="tk-1", doc_type="to_khai", owner_id="123456789", owner_name="Lê Văn Tám",
        digitized_at=datetime(2026, 11, 20, 3, tzinfo=UTC),
        dossier_code="000.00.19.H12-261120-0003", agency_code="H12.19",
        metadata={"MaGiayTo": "to_khai", "MaThanhPhanHoSo": "TP2"}))
    index.add_document(DocumentRecord(
        id="ks-kq", doc_type="giay_khai_sinh", owner_id="001303012345", owner_name="Bé Na",
        digitized_at=datetime(2026, 11, 21, 3, tzinfo=UTC),
        dossier_code="000.00.19.H12-261120-0003", agency_code="H12.19"))
    index.record_event("result", document_id="ks-kq", dossier_code="000.00.19.H12-261120-0003",
                       detail={"electronic": False, "digitized": True})
    record = dossier_record(index, "000.00.19.H12-261120-0003")
    VALID.validate(record)
    [form] = record["TaiLieuNop"]
    assert form["ThongTinGiayTo"]["MaGiayTo"] is None and form["MaThanhPhanHoSo"] == "TP2"
    assert form["ThongTinGiayTo"]["LoaiDinhDanhCHS"] == 2  # a 9-digit ID card number
    assert record["MaHoSoDungCauTruc"] is True
    assert any("tk-1" in w and "to_khai" in w for w in record["CanhBao"])
    [result] = record["DanhSachGiayToKetQua"]
    assert result["MaGiayToKetQua"] == "KQ.G15.000031" and result["GiayToId"] == "ks-kq"
    assert {o["LoaiDinhDanh"] for o in record["DinhDanhCHS"]} == {"1", "2"}


def test_id_kinds() -> None:
    assert (id_kind("001303012345"), id_kind("123456789"), id_kind("12345"),
            id_kind(None)) == (1, 2, None, None)


def test_export_format_portal(index: ReuseIndex, tmp_path: Path) -> None:
    summary = export_portal(index, first_day=date(2026, 10, 1), last_day=date(2026, 12, 31),
                            out_dir=tmp_path / "out", key=KEY)
    body = json.loads((tmp_path / "out" / PORTAL_FILE).read_text(encoding="utf-8"))
    assert summary.rows == {"portal": 2} and body["pseudonymised"] is True
    assert [r["MaHoSo"] for r in body["HoSo"]] == [DOSSIER_A, DOSSIER_B]
    for record in body["HoSo"]:
        VALID.validate(record)
    text = json.dumps(body, ensure_ascii=False)
    assert ID_NHUNG not in text and ID_TAM not in text and "Nhung" not in text
    owners = {o["SoDinhDanh"] for o in body["HoSo"][1]["DinhDanhCHS"]}
    assert owners == {pseudonym(ID_NHUNG), pseudonym(ID_TAM)}
    assert index.events(kind="accessed", action="export")[0].detail["format"] == "portal"


def test_export_command_portal_identified(home: Path, capsys, tmp_path: Path) -> None:
    with ReuseIndex.from_env({}, home=home) as ix:
        fill(ix)
    code, out, _ = run_cli(capsys, "export", "--format", "portal", "--from", "2026-11-01",
                           "--to", "2026-11-30", "--out", str(tmp_path / "p"),
                           "--identified", "--json")
    assert code == 0 and out["rows"] == {"portal": 1}
    body = json.loads((tmp_path / "p" / PORTAL_FILE).read_text(encoding="utf-8"))
    [record] = body["HoSo"]
    VALID.validate(record)
    assert record["MaHoSo"] == DOSSIER_B and ID_TAM in json.dumps(record)
