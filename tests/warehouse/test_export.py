"""``sohoa export``: Parquet files for the data-warehouse team, read back with pyarrow.

One small index with papers, dossiers and events on both sides of the Vietnamese-day
boundaries of the fourth quarter of 2026, two agencies, NFD input, personal IDs in
columns, fields, metadata, free text and search events.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import unicodedata
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy.engine import make_url

from reuse_index import DocumentRecord, ReuseIndex
from warehouse.export import (
    KEY_ENV,
    ExportRequestError,
    MissingKeyError,
    OutputExistsError,
    WeakKeyError,
    export,
    load_key,
)

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
KEY = b"khoa-bi-danh-cua-kho-du-lieu-tinh-2026"
Q4 = {"first_day": date(2026, 10, 1), "last_day": date(2026, 12, 31)}
VN_MIDNIGHT_OCT_1 = datetime(2026, 9, 30, 17, 0, tzinfo=UTC)  # 01/10/2026 00:00 +07:00
VN_MIDNIGHT_JAN_1 = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)  # 01/01/2027 00:00 +07:00
SECOND = timedelta(seconds=1)

ID_NHUNG, ID_TAM, ID_CHONG = "001303012345", "079190000123", "001085001122"
NHUNG = "Trần Thị Hồng Nhung"
TAM = "Lê Văn Tám"
NAME_WORDS = ("Trần", "Nhung", "Tám", "Phạm", "Hoàng", "Quý")
DOSSIER_A, DOSSIER_B, DOSSIER_OLD = "H12.19-261001-0001", "H12.20-261105-0002", "H12.19-260930-0009"


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def pseudonym(value: str, key: bytes = KEY) -> str:
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def paper(doc_id: str, *, at: datetime, agency: str, owner_id: str, name: str,
          dossier: str) -> DocumentRecord:
    """A marriage certificate as the scan flow stores it (fields, portal metadata)."""
    fields = {
        "ho_ten": {"value": nfd(name), "confidence": 0.97, "needs_review": True,
                   "reasons": [{"code": "name_family", "message": f"Họ \"{name.split()[0]}\""}]},
        "so_dinh_danh": {"value": owner_id, "confidence": 0.99, "needs_review": False},
        "ho_ten_chong": {"value": "Phạm Quý Hoàng", "confidence": 0.9},
        "so_dinh_danh_chong": {"value": ID_CHONG, "confidence": 0.8, "needs_review": True},
        "ngay_sinh": {"value": "2003-05-01", "confidence": 0.95},
        "trich_yeu": {"value": nfd(f"QUYẾT ĐỊNH cấp cho công dân {owner_id}"),
                      "confidence": 0.9},
    }
    metadata = {
        "MaGiayTo": "giay_chung_nhan_ket_hon", "TenGiayTo": nfd("Giấy chứng nhận kết hôn"),
        "SoKyHieu": "345/2019", "TrichYeuNoiDung": nfd(f"Cấp cho công dân số {owner_id}"),
        "NgayCap": "2019-06-05", "ThoiHanHieuLuc": None, "PhamViHieuLuc": None,
        "MaCoQuan": agency, "TenCoQuan": nfd("UBND xã Quảng Phú"), "LoaiDinhDanhCHS": "CCCD",
        "MaChuGiayTo": f"{owner_id[:3]} {owner_id[3:6]} {owner_id[6:]}",  # as printed
        "TenChuGiayTo": nfd(name), "NgaySoHoa": at.astimezone().isoformat(),
        "MaHoSo": dossier, "MaTTHC": "1.000894", "MaThanhPhanHoSo": "TP1",
        "DuocSoHoa": True, "DuocTaiSuDung": False, "CanKiemTra": ["ho_ten"],
    }
    return DocumentRecord(
        id=doc_id, doc_type="giay_chung_nhan_ket_hon", owner_id=owner_id,
        owner_name=nfd(name), fields=fields, metadata=metadata,
        pdf_key=f"documents/{agency}/2026/10/{doc_id}.pdf", pdf_sha256="c" * 64,
        original_sha256s=(hashlib.sha256(doc_id.encode()).hexdigest(),),
        valid_until=None, dossier_code=dossier, procedure_code="1.000894",
        agency_code=agency, digitized_at=at, signed=True, pages=2)


@pytest.fixture
def index(tmp_path: Path) -> Iterator[ReuseIndex]:
    with ReuseIndex(f"sqlite:///{tmp_path / 'index.db'}") as ix:
        fill(ix)
        yield ix


def fill(ix: ReuseIndex) -> None:
    """Papers, dossiers and events; the comments say whether Q4 2026 (VN days) has them."""
    ix.upsert_dossier(DOSSIER_A, procedure_code="1.000894", agency_code="H12.19",
                      received_at=VN_MIDNIGHT_OCT_1 + timedelta(hours=1), channel=1,
                      returns_result=True)  # in
    ix.upsert_dossier(DOSSIER_B, procedure_code="1.001193", agency_code="H12.20",
                      received_at=datetime(2026, 11, 5, 2, tzinfo=UTC), channel=2,
                      returns_result=False)  # in
    ix.upsert_dossier(DOSSIER_OLD, procedure_code="1.000894", agency_code="H12.19",
                      received_at=VN_MIDNIGHT_OCT_1 - timedelta(hours=1))  # 30/9 23:00: out
    for doc_id, at, agency, owner, name, dossier in (
        ("a-first-second", VN_MIDNIGHT_OCT_1, "H12.19", ID_NHUNG, NHUNG, DOSSIER_A),
        ("a-last-second", VN_MIDNIGHT_JAN_1 - SECOND, "H12.19", ID_NHUNG, NHUNG, DOSSIER_A),
        ("b-november", datetime(2026, 11, 15, 3, tzinfo=UTC), "H12.20", ID_TAM, TAM,
         DOSSIER_B),
        ("a-too-early", VN_MIDNIGHT_OCT_1 - SECOND, "H12.19", ID_NHUNG, NHUNG, DOSSIER_OLD),
        ("a-too-late", VN_MIDNIGHT_JAN_1, "H12.19", ID_NHUNG, NHUNG, DOSSIER_A),
    ):
        ix.add_document(paper(doc_id, at=at, agency=agency, owner_id=owner, name=name,
                              dossier=dossier))
    nov = datetime(2026, 11, 1, 3, tzinfo=UTC)
    ix.record_event("received", dossier_code=DOSSIER_A, actor="can-bo-mot-cua",
                    detail={"files": 2}, at=VN_MIDNIGHT_OCT_1 + timedelta(hours=1))
    ix.record_event("digitized", document_id="a-first-second", dossier_code=DOSSIER_A,
                    actor="can-bo-mot-cua", at=VN_MIDNIGHT_OCT_1 + timedelta(hours=2))
    ix.record_event("accessed", actor="chuyen-vien-7", at=nov, detail={  # sohoa search
        "action": "search", "id": ID_NHUNG, "name": nfd(NHUNG), "type": None,
        "agency": None, "results": 2})
    ix.record_event("accessed", actor="chuyen-vien-7", at=nov + timedelta(hours=1), detail={
        "action": "search", "query": {"owner_id": ID_TAM, "name": TAM}, "results": 1,
        "via": "session", "ip": "10.0.0.7"})  # the web API's search
    ix.record_event("reused", document_id="a-first-second", dossier_code=DOSSIER_B,
                    actor="chuyen-vien-7", at=datetime(2026, 11, 10, tzinfo=UTC),
                    detail={"action": "attach", "DuocTaiSuDung": True})
    ix.record_event("reused", document_id="a-too-early", dossier_code=DOSSIER_B,
                    actor="chuyen-vien-7", at=datetime(2026, 12, 1, tzinfo=UTC),
                    detail={"action": "attach", "DuocTaiSuDung": True})
    ix.record_event("accessed", document_id="a-too-early", actor="chuyen-vien-7",
                    at=VN_MIDNIGHT_OCT_1 - SECOND, detail={"action": "view"})  # out


def run(index: ReuseIndex, out: Path, **options: Any):
    options = {**Q4, "key": KEY, **options}
    return export(index, out_dir=out, **options)


def read(out: Path, table: str) -> pa.Table:
    return pq.read_table(out / f"{table}.parquet")


def strings(table: pa.Table) -> Iterator[str]:
    """Every string value of every string or list-of-string column."""
    for column in table.columns:
        for value in column.to_pylist():
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str):
                    yield item


def not_export(table: pa.Table) -> list[dict]:
    """Event rows other than the exports' own audit events."""
    return [r for r in table.to_pylist() if r["action"] != "export"]


# -- selection ------------------------------------------------------------------------------


def test_exports_whole_vietnamese_days(index: ReuseIndex, tmp_path: Path) -> None:
    summary = run(index, tmp_path / "q4")
    docs = read(tmp_path / "q4", "documents")
    assert sorted(docs.column("id").to_pylist()) == ["a-first-second", "a-last-second",
                                                     "b-november"]
    assert sorted(read(tmp_path / "q4", "dossiers").column("code").to_pylist()) == [
        DOSSIER_A, DOSSIER_B]
    events = read(tmp_path / "q4", "events")
    assert events.column("kind").to_pylist() == ["received", "digitized", "accessed",
                                                 "accessed", "reused", "reused"]
    assert summary.rows == {"documents": 3, "dossiers": 2, "events": 6}
    assert set(summary.files) == {"documents", "dossiers", "events", "manifest.json"}
    assert all(path.is_file() for path in summary.files.values())
    assert summary.seconds >= 0


def test_agency_filter(index: ReuseIndex, tmp_path: Path) -> None:
    run(index, tmp_path / "h1219", agency=" H12.19 ")
    assert sorted(read(tmp_path / "h1219", "documents").column("id").to_pylist()) == [
        "a-first-second", "a-last-second"]
    assert read(tmp_path / "h1219", "dossiers").column("code").to_pylist() == [DOSSIER_A]
    # the agency's dossiers and papers (a paper digitized before the period included: its
    # reuse this quarter is this quarter's audit); searches belong to no agency
    assert [(e["kind"], e["document_id"]) for e in
            not_export(read(tmp_path / "h1219", "events"))] == [
        ("received", None), ("digitized", "a-first-second"), ("reused", "a-first-second"),
        ("reused", "a-too-early")]
    run(index, tmp_path / "h1220", agency="H12.20")
    assert read(tmp_path / "h1220", "documents").column("id").to_pylist() == ["b-november"]
    assert [e["dossier_code"] for e in not_export(read(tmp_path / "h1220", "events"))] == [
        DOSSIER_B, DOSSIER_B]  # the reuses into its dossier
    summary = run(index, tmp_path / "none", agency="H99.99")
    assert summary.rows == {"documents": 0, "dossiers": 0, "events": 0}
    assert read(tmp_path / "none", "documents").schema == read(tmp_path / "h1220",
                                                                "documents").schema


def test_refuses_a_period_that_ends_before_it_starts(index: ReuseIndex,
                                                     tmp_path: Path) -> None:
    with pytest.raises(ExportRequestError) as info:
        run(index, tmp_path / "x", first_day=date(2026, 12, 31), last_day=date(2026, 10, 1))
    assert info.value.exit_code == 2
    assert not (tmp_path / "x" / "manifest.json").exists()


# -- columns --------------------------------------------------------------------------------


def test_columns_have_warehouse_types(index: ReuseIndex, tmp_path: Path) -> None:
    run(index, tmp_path / "q4")
    utc = pa.timestamp("us", tz="UTC")
    docs = read(tmp_path / "q4", "documents").schema
    for name, kind in (("digitized_at", utc), ("NgaySoHoa", utc), ("birth_date", pa.date32()),
                       ("valid_until", pa.date32()), ("NgayCap", pa.date32()),
                       ("ThoiHanHieuLuc", pa.date32()), ("signed", pa.bool_()),
                       ("DuocSoHoa", pa.bool_()), ("DuocTaiSuDung", pa.bool_()),
                       ("pages", pa.int32()), ("id", pa.string()),
                       ("needs_review", pa.list_(pa.string()))):
        assert docs.field(name).type == kind, name
    dossiers = read(tmp_path / "q4", "dossiers").schema
    assert dossiers.field("received_at").type == utc
    assert dossiers.field("returns_result").type == pa.bool_()
    assert pa.types.is_integer(dossiers.field("channel").type)
    events = read(tmp_path / "q4", "events").schema
    assert events.field("at").type == utc
    assert events.field("id").type == pa.int64()
    first = read(tmp_path / "q4", "documents").to_pylist()[0]
    assert first["digitized_at"] == VN_MIDNIGHT_OCT_1
    assert first["birth_date"] == date(2003, 5, 1)


def test_dossiers_carry_every_column_of_the_table(index: ReuseIndex, tmp_path: Path) -> None:
    from reuse_index.schema import dossiers

    run(index, tmp_path / "q4")
    table = read(tmp_path / "q4", "dossiers")
    assert table.column_names == [c.name for c in dossiers.columns]
    row = {r["code"]: r for r in table.to_pylist()}[DOSSIER_B]
    assert (row["procedure_code"], row["agency_code"], row["channel"],
            row["returns_result"]) == ("1.001193", "H12.20", 2, False)
    assert row["received_at"] == datetime(2026, 11, 5, 2, tzinfo=UTC)


def test_portal_metadata_columns(index: ReuseIndex, tmp_path: Path) -> None:
    run(index, tmp_path / "q4")
    row = {r["id"]: r for r in read(tmp_path / "q4", "documents").to_pylist()}["b-november"]
    assert row["MaGiayTo"] == "giay_chung_nhan_ket_hon"
    assert row["TenGiayTo"] == "Giấy chứng nhận kết hôn"
    assert (row["SoKyHieu"], row["MaCoQuan"], row["MaHoSo"], row["MaTTHC"]) == (
        "345/2019", "H12.20", DOSSIER_B, "1.000894")
    assert row["NgayCap"] == date(2019, 6, 5)
    assert row["ThoiHanHieuLuc"] is None
    assert row["NgaySoHoa"] == datetime(2026, 11, 15, 3, tzinfo=UTC)
    assert (row["DuocSoHoa"], row["DuocTaiSuDung"]) == (True, False)
    assert row["needs_review"] == ["ho_ten", "so_dinh_danh_chong"]
    assert json.loads(row["fields_json"])["ngay_sinh"]["value"] == "2003-05-01"
    assert json.loads(row["metadata_json"])["CanKiemTra"] == ["ho_ten"]
    events = {e["kind"]: e for e in read(tmp_path / "q4", "events").to_pylist()}
    assert events["reused"]["action"] == "attach"
    assert json.loads(events["received"]["detail_json"]) == {"files": 2}


def test_vietnamese_text_round_trips_nfc(index: ReuseIndex, tmp_path: Path) -> None:
    run(index, tmp_path / "raw", pseudonymise=False)
    docs = read(tmp_path / "raw", "documents")
    row = {r["id"]: r for r in docs.to_pylist()}["b-november"]
    assert row["owner_name"] == TAM
    assert row["TenCoQuan"] == "UBND xã Quảng Phú"
    assert row["TrichYeuNoiDung"] == f"Cấp cho công dân số {ID_TAM}"
    assert json.loads(row["fields_json"])["trich_yeu"]["value"].startswith("QUYẾT ĐỊNH")
    for table in ("documents", "dossiers", "events"):
        for text in strings(read(tmp_path / "raw", table)):
            assert unicodedata.is_normalized("NFC", text), text


def test_identified_export_keeps_ids_and_names(index: ReuseIndex, tmp_path: Path) -> None:
    summary = run(index, tmp_path / "raw", pseudonymise=False, key=None)
    row = read(tmp_path / "raw", "documents").to_pylist()[0]
    assert (row["owner_id"], row["owner_name"]) == (ID_NHUNG, NHUNG)
    assert row["MaChuGiayTo"] == "001 303 012345"  # as stored
    manifest = json.loads((tmp_path / "raw" / "manifest.json").read_text())
    assert manifest["pseudonymised"] is False and manifest["key_fingerprint"] is None
    assert summary.pseudonymised is False
    assert pq.read_schema(tmp_path / "raw" / "events.parquet").metadata[
        b"sohoa_pseudonymised"] == b"false"


# -- pseudonymisation -----------------------------------------------------------------------


def test_personal_ids_become_hmacs_of_the_key(index: ReuseIndex, tmp_path: Path) -> None:
    run(index, tmp_path / "q4")
    docs = {r["id"]: r for r in read(tmp_path / "q4", "documents").to_pylist()}
    nhung, tam = docs["a-first-second"], docs["b-november"]
    assert nhung["owner_id"] == pseudonym(ID_NHUNG) == docs["a-last-second"]["owner_id"]
    assert tam["owner_id"] == pseudonym(ID_TAM)
    assert nhung["MaChuGiayTo"] == pseudonym(ID_NHUNG)  # printed with spaces: same person
    fields = json.loads(nhung["fields_json"])
    assert fields["so_dinh_danh"]["value"] == pseudonym(ID_NHUNG)
    assert fields["so_dinh_danh_chong"]["value"] == pseudonym(ID_CHONG)
    assert fields["so_dinh_danh_chong"]["confidence"] == 0.8
    assert fields["trich_yeu"]["value"].endswith(pseudonym(ID_NHUNG))
    assert nhung["TrichYeuNoiDung"] == f"Cấp cho công dân số {pseudonym(ID_NHUNG)}"
    searches = [json.loads(e["detail_json"]) for e in read(tmp_path / "q4", "events")
                .to_pylist() if e["action"] == "search"]
    assert searches[0]["id"] == pseudonym(ID_NHUNG)
    assert searches[1]["query"]["owner_id"] == pseudonym(ID_TAM)
    assert searches[1]["results"] == 1 and searches[1]["ip"] == "10.0.0.7"


def test_no_id_number_or_name_left_in_any_file(index: ReuseIndex, tmp_path: Path) -> None:
    run(index, tmp_path / "q4")
    twelve_digits = re.compile(r"(?<![0-9a-fA-F])[0-9]{12}(?![0-9a-fA-F])")
    seen = 0
    for table in ("documents", "dossiers", "events"):
        for text in strings(read(tmp_path / "q4", table)):
            seen += 1
            assert not twelve_digits.search(text), (table, text)
            for raw in (ID_NHUNG, ID_TAM, ID_CHONG, "001 303 012345"):
                assert raw not in text, (table, text)
            for word in NAME_WORDS:
                assert word not in text, (table, text)
    assert seen > 100
    docs = read(tmp_path / "q4", "documents")
    assert docs.column("owner_name").null_count == docs.num_rows
    assert docs.column("TenChuGiayTo").null_count == docs.num_rows
    fields = json.loads(docs.column("fields_json")[0].as_py())
    assert fields["ho_ten"] is None and fields["ho_ten_chong"] is None
    search = json.loads(read(tmp_path / "q4", "events").column("detail_json")[2].as_py())
    assert search["name"] is None


def test_pseudonyms_are_stable_across_exports_and_key_sources(
        index: ReuseIndex, tmp_path: Path) -> None:
    key_file = tmp_path / "export.key"
    key_file.write_bytes(KEY + b"\n")
    from_file = load_key({}, key_file)
    from_env = load_key({KEY_ENV: KEY.decode() + " "})
    assert from_file == from_env == KEY
    assert load_key({}) is None
    run(index, tmp_path / "one", key=from_env)
    run(index, tmp_path / "two", key=from_file)
    for table in ("documents", "dossiers"):
        assert read(tmp_path / "one", table).equals(read(tmp_path / "two", table)), table
    other = run(index, tmp_path / "other-key", key=b"a-different-key-of-another-province")
    assert read(tmp_path / "other-key", "documents").column("owner_id")[0].as_py() != \
        pseudonym(ID_NHUNG)
    assert other.key_fingerprint != run(index, tmp_path / "three").key_fingerprint


def test_manifest_describes_the_export(index: ReuseIndex, tmp_path: Path) -> None:
    summary = run(index, tmp_path / "q4", agency="H12.19")
    text = (tmp_path / "q4" / "manifest.json").read_text(encoding="utf-8")
    manifest = json.loads(text)
    assert manifest == summary.manifest
    assert manifest["period"]["from"] == "2026-10-01" and manifest["period"]["to"] == "2026-12-31"
    assert manifest["period"]["timezone"] == "Asia/Ho_Chi_Minh"
    assert manifest["agency"] == "H12.19"
    assert manifest["schema_version"] == 1 and manifest["index_schema_version"] >= 1
    assert manifest["sohoa_version"]
    assert datetime.fromisoformat(manifest["created_at"]).tzinfo is not None
    assert manifest["pseudonymised"] is True
    assert manifest["pseudonymisation"]["names"] == "null"
    assert manifest["key_fingerprint"] == summary.key_fingerprint
    assert len(manifest["key_fingerprint"]) == 16
    assert KEY.decode() not in text and KEY.hex() not in text
    # the keys and codes in the tables, named for people (the one label table)
    assert manifest["labels"]["fields"]["dan_toc_cha"] == "Dân tộc của cha"
    assert manifest["labels"]["metadata"]["DoTinCayOCR"] == "Độ tin cậy OCR từng trang"
    assert manifest["labels"]["reasons"]["handwritten"]
    schema = pq.read_schema(tmp_path / "q4" / "documents.parquet")
    assert schema.field("TenChuGiayTo").metadata[b"label"].decode() == "Tên chủ giấy tờ"
    for table, rows in (("documents", 2), ("dossiers", 1), ("events", 4)):
        entry = manifest["tables"][table]
        path = tmp_path / "q4" / entry["file"]
        assert entry["rows"] == rows == pq.ParquetFile(path).metadata.num_rows
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_pseudonymising_without_a_key_is_refused(index: ReuseIndex, tmp_path: Path) -> None:
    with pytest.raises(MissingKeyError) as info:
        run(index, tmp_path / "q4", key=None)
    assert KEY_ENV in info.value.describe("vi")
    assert "khoá" in info.value.describe("vi")
    assert info.value.exit_code == 2
    with pytest.raises(WeakKeyError):
        run(index, tmp_path / "q4", key=b"short")
    assert not (tmp_path / "q4").exists() or not any((tmp_path / "q4").iterdir())


# -- files ----------------------------------------------------------------------------------


def test_existing_export_is_kept_unless_forced(index: ReuseIndex, tmp_path: Path) -> None:
    out = tmp_path / "q4"
    run(index, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(OutputExistsError) as info:
        run(index, out, agency="H12.20")
    assert "--force" in info.value.describe("vi")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    run(index, out, agency="H12.20", force=True)
    assert sorted(p.name for p in out.iterdir()) == sorted(before)
    assert json.loads((out / "manifest.json").read_text())["agency"] == "H12.20"
    assert read(out, "documents").num_rows == 1


def test_interrupted_export_leaves_no_file_behind(index: ReuseIndex, tmp_path: Path) -> None:
    def stop(table: str, rows: int) -> None:
        if table == "events":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(index, tmp_path / "q4", on_progress=stop)
    assert list((tmp_path / "q4").iterdir()) == []


def test_rows_stream_in_row_groups(index: ReuseIndex, tmp_path: Path) -> None:
    start = datetime(2026, 11, 20, tzinfo=UTC)
    for i in range(9):
        index.add_document(paper(f"bulk-{i}", at=start + timedelta(minutes=i), agency="H12.21",
                                 owner_id=ID_TAM, name=TAM, dossier=DOSSIER_B))
    progress: list[tuple[str, int]] = []
    run(index, tmp_path / "q4", agency="H12.21", row_group_rows=4,
        on_progress=lambda table, rows: progress.append((table, rows)))
    parquet = pq.ParquetFile(tmp_path / "q4" / "documents.parquet")
    assert [parquet.metadata.row_group(i).num_rows for i in range(3)] == [4, 4, 1]
    assert parquet.read().column("id").to_pylist() == [f"bulk-{i}" for i in range(9)]
    assert [p for p in progress if p[0] == "documents"] == [
        ("documents", 4), ("documents", 8), ("documents", 9)]


def test_each_export_is_recorded(index: ReuseIndex, tmp_path: Path) -> None:
    run(index, tmp_path / "q4", agency="H12.19", actor="kho-du-lieu")
    [event] = index.events(kind="accessed", actor="kho-du-lieu")
    assert event.detail["action"] == "export"
    assert event.detail["pseudonymised"] is True
    assert event.detail["rows"] == {"documents": 2, "dossiers": 1, "events": 4}


# -- PostgreSQL (server-side cursors in one REPEATABLE READ snapshot) -----------------------


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh database on ``SOHOA_TEST_POSTGRES_URL``, dropped afterwards."""
    psycopg = pytest.importorskip("psycopg")
    admin = make_url(os.environ.get("SOHOA_TEST_POSTGRES_URL", PG_ADMIN_URL))
    libpq = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        psycopg.connect(libpq, autocommit=True, connect_timeout=3).close()
    except psycopg.Error as exc:
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    name = f"sohoa_export_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(libpq, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(drivername="postgresql+psycopg", database=name).render_as_string(
            hide_password=False)
    finally:
        with psycopg.connect(libpq, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_export_from_postgresql(pg_url: str, tmp_path: Path) -> None:
    with ReuseIndex(pg_url) as ix:
        fill(ix)
        summary = run(ix, tmp_path / "pg", agency="H12.19", row_group_rows=1)
        assert summary.rows == {"documents": 2, "dossiers": 1, "events": 4}
        parquet = pq.ParquetFile(tmp_path / "pg" / "documents.parquet")
        assert parquet.metadata.num_row_groups == 2
        assert parquet.schema_arrow.field("digitized_at").type == pa.timestamp("us", tz="UTC")
        assert parquet.read().column("owner_id")[0].as_py() == pseudonym(ID_NHUNG)
        ix.record_event("accessed", actor="after-snapshot")  # pooled connection writes again


def test_cli_export(home: Path, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
                    ) -> None:
    """``sohoa export`` on the embedded default: refuses without a key, then exports."""
    from tests.conftest import run_cli

    home.mkdir(parents=True)
    with ReuseIndex(f"sqlite:///{home / 'index.db'}") as ix:
        fill(ix)
    out = tmp_path / "kho"
    code, _, err = run_cli(capsys, "export", "--from", "2026-10-01", "--to", "2026-12-31",
                           "--out", str(out))
    assert code == 2 and KEY_ENV in err and not out.exists()
    monkeypatch.setenv(KEY_ENV, KEY.decode())
    code, summary, err = run_cli(capsys, "export", "--from", "2026-10-01", "--to",
                                 "2026-12-31", "--out", str(out), "--json")
    assert code == 0, err
    assert summary["pseudonymised"] and summary["rows"]["documents"] >= 1
    assert "documents:" in err  # progress on stderr
    owners = read(out, "documents").column("owner_id").to_pylist()
    assert pseudonym(ID_NHUNG) in owners and ID_NHUNG not in owners
    code, _, err = run_cli(capsys, "export", "--from", "2026-10-01", "--to", "2026-12-31",
                           "--out", str(out))
    assert code == 11  # an export is there: kept unless --force
    code, _, _ = run_cli(capsys, "export", "--from", "2026-10-01", "--to", "2026-12-31",
                         "--out", str(out), "--identified", "--force", "--quiet")
    assert code == 0 and ID_NHUNG in read(out, "documents").column("owner_id").to_pylist()
    with ReuseIndex(f"sqlite:///{home / 'index.db'}") as ix:
        exports = ix.events(action="export")
    assert len(exports) == 2 and exports[0].actor == "can-bo-mot-cua"
