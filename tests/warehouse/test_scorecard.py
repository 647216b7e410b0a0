"""The scorecard indicators on a worked example, computed by hand below, under the
``legacy`` profile (8/8/6 points, full at ≥ 80 %) and the default ``portal-2026`` profile;
and the portal profile checked against the portal's own published rows
(``data/portal_dossier_digitized_sample.json``, sources cited in the file).

Period 1 October – 30 November 2026 (Vietnam time). Dossiers:

| code | agency / procedure | received (VN) | facts | returns a result |
| --- | --- | --- | --- | --- |
| D1 | A1 / 1.001193 | 05/10 | paper digitized 05/10; result electronic 07/10 | yes |
| D2 | A1 / 1.001193 | 10/10 | paper digitized 10/10; result on paper, not digitized | yes |
| D3 | A1 / 1.001193 | 31/10 23:30 | digitized 02/11; result digitized 03/11 | yes |
| D4 | A1 / 1.001193 | 20/10 | nothing digitized; reuse of an expired paper refused | yes |
| D5 | A1 / 1.000656 | 03/11 00:30 (= 02/11 UTC) | a component reused 03/11 | no |
| D6 | A2 / 2.000001 | 15/11 | nothing | unknown |
| D7, D8 | A1 | 30/09, 01/12 | outside the period | |
| E1 (manifest) | A1 / 1.001193 | 20/11 | digitized, result electronic | yes |

Rows (numerator/denominator → rate → points, max 8 / 8 / 6):
- A1 1.000656 11/2026 (D5): digitization 1/1 100 % → 8; reuse 1/1 → 8; electronic 0/0 N/A.
- A1 1.001193 10/2026 (D1–D4): digitization D1, D3 = 2/4 = 50 % → 50 × 8 / 80 = 5;
  reuse 0/4 → 0; electronic D1 = 1/4 = 25 % → 25 × 6 / 80 = 1.875 → 1.88.
- A1 1.001193 11/2026 (E1): 1/1 → 8; 0/1 → 0; 1/1 → 6.
- A2 2.000001 11/2026 (D6): 0/1 → 0; 0/1 → 0; 0/0 N/A.
- Total: digitization 4/7 = 57.142… → 57.14 % → 57.14 × 8 / 80 = 5.714 → 5.71;
  reuse 1/7 = 14.285… → 14.29 % → 1.429 → 1.43; electronic 2/5 = 40 % → 3.
An October-only report: D3 was digitized on 2 November, after that period, so
digitization is 1/4 = 25 % → 2.5 points there (a report re-run later says the same).

The same dossiers under ``portal-2026`` (digitization max 4 and linear, reuse max 2 and
full at ≥ 80 %, electronic results max 6 and linear over *all* dossiers received, its
numerator the dossiers whose result has a file: issued electronic or digitized; points
from the exact fraction):
- A1 1.000656 11/2026 (D5): 1/1 → 4; 1/1 → 2; electronic 0/1 (no paper result) → 0.
- A1 1.001193 10/2026: digitization 2/4 = 50 % → 2; reuse 0/4 → 0; electronic D1
  (electronic) and D3 (digitized result) = 2/4 → 3.
- Total: digitization 4/7 = 57.14 % → 4 × 4/7 = 2.2857 → 2.29; reuse 1/7 = 14.29 % →
  2 × (100/7) ÷ 80 = 0.357 → 0.36; electronic D1, D3, E1 = 3/7 = 42.86 % → 6 × 3/7 =
  2.571 → 2.57. Group: 2.29 + 0.36 + 2.57 = 5.22 of the 12 points these three carry (the
  portal's group is 22 over 7 indicators): 5.22 / 22 = 23.73 %.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from reuse_index import DocumentRecord, ReuseIndex
from tests.conftest import run_cli
from warehouse.scorecard import (
    PORTAL_CODES,
    PROFILES,
    ReportRequest,
    Tally,
    build_report,
    points,
    rate,
    render_table,
    score,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def vn(day: str, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.min.time(),
                            VN).replace(hour=hour, minute=minute)


def paper(doc_id: str, dossier: str, at: datetime) -> DocumentRecord:
    return DocumentRecord(id=doc_id, doc_type="giay_khai_sinh", owner_id="001303012345",
                          owner_name="Nguyễn Thị Hồng Nhung", digitized_at=at,
                          dossier_code=dossier, agency_code="A1", signed=True, pages=1)


def build_example(index: ReuseIndex) -> None:
    dossiers = [("D1", "A1", "1.001193", vn("2026-10-05"), True),
                ("D2", "A1", "1.001193", vn("2026-10-10"), True),
                ("D3", "A1", "1.001193", vn("2026-10-31", 23, 30), True),
                ("D4", "A1", "1.001193", vn("2026-10-20"), True),
                ("D5", "A1", "1.000656", vn("2026-11-03", 0, 30), False),
                ("D6", "A2", "2.000001", vn("2026-11-15"), None),
                ("D7", "A1", "1.001193", vn("2026-09-30", 23), True),
                ("D8", "A1", "1.001193", vn("2026-12-01", 0, 1), True)]
    for code, agency, procedure, received, returns in dossiers:
        index.upsert_dossier(code, procedure_code=procedure, agency_code=agency,
                             received_at=received, channel=1, returns_result=returns)
    index.add_document(paper("p1", "D1", vn("2026-10-05", 10)))
    index.record_event("result", dossier_code="D1", at=vn("2026-10-07"),
                       detail={"electronic": True, "digitized": True})
    index.add_document(paper("p2", "D2", vn("2026-10-10", 10)))
    index.record_event("result", dossier_code="D2", at=vn("2026-10-12"),
                       detail={"electronic": False, "digitized": False})
    index.add_document(paper("p3", "D3", vn("2026-11-02")))
    index.record_event("result", dossier_code="D3", at=vn("2026-11-03"),
                       detail={"electronic": False, "digitized": True})
    index.record_event("reuse_refused", document_id="p1", dossier_code="D4",
                       at=vn("2026-10-21"), detail={"reason": "expired on 2026-01-01"})
    index.record_event("reused", document_id="p1", dossier_code="D5", at=vn("2026-11-03"))
    index.add_document(paper("p7", "D7", vn("2026-09-30", 23, 30)))
    index.add_document(paper("p8", "D8", vn("2026-12-01", 1)))


def write_manifest(path: Path) -> Path:
    path.write_text("ma_ho_so,ma_co_quan,ma_tthc,ngay_nhan,co_ket_qua,da_so_hoa,tai_su_dung,"
                    "ket_qua_dien_tu\n"
                    "E1,A1,1.001193,20/11/2026,có,1,0,1\n"
                    "D1,A1,1.001193,2026-10-05,1,0,0,0\n"
                    "E3,A1,1.001193,2027-01-01,1,1,1,1\n", encoding="utf-8")
    return path


def ind(numerator: int, denominator: int, value: float | None, got: float | None,
        max_points: float, full_at: float = 80.0) -> dict:
    return {"numerator": numerator, "denominator": denominator, "rate": value,
            "points": got, "max_points": max_points, "full_at": full_at}


def legacy(**kwargs) -> ReportRequest:
    return ReportRequest(profile="legacy", **kwargs)


@pytest.fixture
def index(db_url: str) -> ReuseIndex:  # noqa: F811
    with ReuseIndex(db_url) as ix:
        build_example(ix)
        yield ix


def test_rates_and_points_are_rounded_half_up() -> None:
    assert rate(2, 3) == Decimal("66.67") and rate(1, 8) == Decimal("12.50")
    assert rate(1, 7) == Decimal("14.29") and rate(0, 0) is None
    assert points(Decimal("80.00"), Decimal(8)) == Decimal("8.00")
    assert points(Decimal("99.99"), Decimal(8)) == Decimal("8.00")
    assert points(Decimal("25.00"), Decimal(6)) == Decimal("1.88")  # 1.875 → up
    assert points(Decimal("66.67"), Decimal(8)) == Decimal("6.67")
    assert points(None, Decimal(8)) is None


def test_the_worked_example(index: ReuseIndex, tmp_path: Path) -> None:
    report = build_report(index, legacy(
        date_from=date(2026, 10, 1), date_to=date(2026, 11, 30),
        manifest=write_manifest(tmp_path / "ngoai_he_thong.csv")))
    assert (report["from"], report["to"]) == ("2026-10-01", "2026-11-30")
    rows = {(r["agency"], r["procedure"], r["month"]): r for r in report["rows"]}
    assert list(rows) == [("A1", "1.000656", "2026-11"), ("A1", "1.001193", "2026-10"),
                          ("A1", "1.001193", "2026-11"), ("A2", "2.000001", "2026-11")]
    d5 = rows["A1", "1.000656", "2026-11"]
    assert d5["digitization"] == ind(1, 1, 100.0, 8.0, 8.0)
    assert d5["reuse"] == ind(1, 1, 100.0, 8.0, 8.0)
    assert d5["electronic_results"] == ind(0, 0, None, None, 6.0)
    october = rows["A1", "1.001193", "2026-10"]
    assert october["digitization"] == ind(2, 4, 50.0, 5.0, 8.0)
    assert october["reuse"] == ind(0, 4, 0.0, 0.0, 8.0)
    assert october["electronic_results"] == ind(1, 4, 25.0, 1.88, 6.0)
    manifest_row = rows["A1", "1.001193", "2026-11"]
    assert manifest_row["digitization"] == ind(1, 1, 100.0, 8.0, 8.0)
    assert manifest_row["electronic_results"] == ind(1, 1, 100.0, 6.0, 6.0)
    a2 = rows["A2", "2.000001", "2026-11"]
    assert a2["digitization"] == ind(0, 1, 0.0, 0.0, 8.0)
    assert a2["electronic_results"]["rate"] is None
    assert report["total"] == {"digitization": ind(4, 7, 57.14, 5.71, 8.0),
                               "reuse": ind(1, 7, 14.29, 1.43, 8.0),
                               "electronic_results": ind(2, 5, 40.0, 3.0, 6.0)}
    agencies = {a["agency"]: a for a in report["agencies"]}
    assert agencies["A1"]["digitization"] == ind(4, 6, 66.67, 6.67, 8.0)
    assert [m["month"] for m in report["months"]] == ["2026-10", "2026-11"]
    assert report["manifest"] == {"file": "ngoai_he_thong.csv", "rows": 3, "added": 1,
                                  "skipped_known": 1, "outside": 1}


def test_a_period_is_judged_as_it_stood_at_its_end(index: ReuseIndex) -> None:
    october = build_report(index, legacy(date_from=date(2026, 10, 1),
                                         date_to=date(2026, 10, 31)))
    [row] = october["rows"]
    assert row["digitization"] == ind(1, 4, 25.0, 2.5, 8.0)  # D3 digitized in November
    assert row["electronic_results"] == ind(1, 4, 25.0, 1.88, 6.0)
    only_a2 = build_report(index, legacy(date_from=date(2026, 10, 1),
                                         date_to=date(2026, 11, 30), agency="A2"))
    assert [r["agency"] for r in only_a2["rows"]] == ["A2"]
    assert only_a2["total"]["digitization"] == ind(0, 1, 0.0, 0.0, 8.0)
    empty = build_report(index, legacy(date_from=date(2025, 1, 1),
                                       date_to=date(2025, 1, 31)))
    assert empty["rows"] == [] and empty["total"]["reuse"] == ind(0, 0, None, None, 8.0)
    assert "N/A" in render_table(empty)


def test_report_command_formats(home: Path, capsys, tmp_path: Path) -> None:
    with ReuseIndex.from_env({}, home=home) as ix:
        build_example(ix)
    bare = ["--from", "2026-10-01", "--to", "2026-11-30", "--profile", "legacy"]
    code, report, _ = run_cli(capsys, "report", *bare, "--format", "json")
    assert code == 0 and report["total"]["digitization"] == ind(3, 6, 50.0, 5.0, 8.0)
    period = [*bare, "--manifest", str(write_manifest(tmp_path / "ngoai.csv"))]
    code, report, _ = run_cli(capsys, "report", *period, "--format", "json")
    assert code == 0 and report["total"]["digitization"]["numerator"] == 4
    assert set(report["rows"][0]) >= {"agency", "procedure", "month", "digitization",
                                      "reuse", "electronic_results"}
    code, _, _ = run_cli(capsys, "report", *period, "--format", "csv", "--out",
                         str(tmp_path / "r.csv"))
    rows = list(csv.DictReader(io.StringIO((tmp_path / "r.csv").read_text())))
    assert code == 0 and rows[-1]["level"] == "total"
    assert rows[-1]["digitization_rate"] == "57.14" and rows[-1]["reuse_points"] == "1.43"
    assert [r["electronic_results_rate"] for r in rows if r["month"] == "2026-11"][0] == "N/A"
    from cli import main

    assert main(["report", *period]) == 0
    table = capsys.readouterr().out
    assert "TỔNG" in table and "57,14 %" in table and "N/A" in table
    assert "10/2026" in table and "01/10/2026" in table
    code, report, _ = run_cli(capsys, "report", *period, "--format", "json", "--max-points",
                              "reuse=10")
    assert report["total"]["reuse"]["points"] == 1.79  # 14.29 × 10 / 80
    code, _, err = run_cli(capsys, "report", "--from", "2026-12-01", "--to", "2026-11-01")
    assert code == 2 and "--to" in err
    code, _, err = run_cli(capsys, "report", *period, "--max-points", "khac=3")
    assert code == 2


def test_results_recorded_by_command_count(home: Path, capsys) -> None:
    with ReuseIndex.from_env({}, home=home) as ix:
        ix.upsert_dossier("R1", procedure_code="1.001193", agency_code="A1",
                          received_at=vn("2026-11-02"), returns_result=True)
        ix.add_document(paper("r1", "R1", vn("2026-11-02", 10)))
    assert run_cli(capsys, "result", "R1", "--electronic", "--at", "2026-11-05T10:00")[0] == 0
    code, report, _ = run_cli(capsys, "report", "--from", "2026-11-01", "--to", "2026-11-30",
                              "--format", "json", "--profile", "legacy")
    assert report["total"]["electronic_results"] == ind(1, 1, 100.0, 6.0, 6.0)
    assert report["total"]["digitization"] == ind(1, 1, 100.0, 8.0, 8.0)
    with ReuseIndex.from_env({}, home=home) as ix:
        [event] = ix.events(kind="result")
    assert event.actor == "can-bo-mot-cua" and event.at == vn("2026-11-05", 10).astimezone(UTC)
    assert json.dumps(event.detail) == '{"electronic": true, "digitized": true}'


def test_the_worked_example_as_the_portal_scores_it(index: ReuseIndex, tmp_path: Path) -> None:
    report = build_report(index, ReportRequest(
        date_from=date(2026, 10, 1), date_to=date(2026, 11, 30),
        manifest=write_manifest(tmp_path / "ngoai_he_thong.csv")))
    assert report["profile"]["name"] == "portal-2026"
    assert report["max_points"] == {"digitization": 4.0, "reuse": 2.0,
                                    "electronic_results": 6.0}
    rows = {(r["agency"], r["procedure"], r["month"]): r for r in report["rows"]}
    d5 = rows["A1", "1.000656", "2026-11"]
    assert d5["digitization"] == ind(1, 1, 100.0, 4.0, 4.0, 100.0)
    assert d5["reuse"] == ind(1, 1, 100.0, 2.0, 2.0, 80.0)
    assert d5["electronic_results"] == ind(0, 1, 0.0, 0.0, 6.0, 100.0)
    october = rows["A1", "1.001193", "2026-10"]
    assert october["digitization"] == ind(2, 4, 50.0, 2.0, 4.0, 100.0)
    assert october["electronic_results"] == ind(2, 4, 50.0, 3.0, 6.0, 100.0)
    total = report["total"]
    assert total["digitization"] == ind(4, 7, 57.14, 2.29, 4.0, 100.0)
    assert total["reuse"] == ind(1, 7, 14.29, 0.36, 2.0, 80.0)
    assert total["electronic_results"] == ind(3, 7, 42.86, 2.57, 6.0, 100.0)
    assert total["group"] == {"points": 5.22, "max_points_covered": 12.0,
                              "group_max_points": 22.0, "group_indicators": 7,
                              "group_rate_of_these": 23.73}
    october_only = build_report(index, ReportRequest(date_from=date(2026, 10, 1),
                                                     date_to=date(2026, 10, 31)))
    [row] = october_only["rows"]
    assert row["digitization"] == ind(1, 4, 25.0, 1.0, 4.0, 100.0)  # D3 digitized 2/11
    assert row["electronic_results"] == ind(1, 4, 25.0, 1.5, 6.0, 100.0)
    assert "portal-2026" in render_table(report) and "tuyến tính" in render_table(report)


# -- the portal's own rows ------------------------------------------------------------------

SAMPLE = Path(__file__).parent / "data" / "portal_dossier_digitized_sample.json"


def portal_rows() -> list[tuple[str, dict]]:
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    return [(f"{src['repository']}:{row['departmentCode']}", row)
            for src in data["sources"] for row in src["rows"]]


def metric(row: dict, key: str) -> dict:
    return next(m for m in row["metrics"] if m["code"] == PORTAL_CODES[key])


def as_decimal(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


@pytest.mark.parametrize(("label", "row"), portal_rows(), ids=[r[0] for r in portal_rows()])
def test_portal_profile_recomputes_the_portals_rows(label: str, row: dict) -> None:
    """Each row's three indicators: rate and points to 2 decimals from the portal's own
    numerator and denominator; the group total from those points and the portal's four
    other indicators (N/A counted 0), over 22."""
    profile = PROFILES["portal-2026"]
    group = Decimal(0)
    for key in ("digitization", "reuse", "electronic_results"):
        m = metric(row, key)
        rule = profile.rules[key]
        assert float(rule.max_points) == m["maxScore"]
        shown, got = score(m["numerator"], m["denominator"], rule)
        assert (shown, got) == (as_decimal(m["ratio"]), as_decimal(m["score"])), (label, key)
        group += got or 0
    ours = {PORTAL_CODES[k] for k in PORTAL_CODES}
    group += sum(Decimal(str(m["score"] or 0)) for m in row["metrics"] if m["code"] not in ours)
    assert group == as_decimal(row["totalScore"]), label
    assert (group * 100 / 22).quantize(Decimal("0.01")) == as_decimal(row["ratio"]), label


def test_portal_rows_that_tell_the_rules_apart() -> None:
    """The rows that decide between readings: 80.06 % digitization scores 3.20 (linear,
    not full at 80 %); 75.92 % electronic results score 4.55 (from 1223/1611, not from
    the rounded 75.92 → 4.56); 45.03 % reuse scores 1.13 (full at 80 %, not linear)."""
    rows = dict(portal_rows())
    h44_08 = metric(rows["ChippedTopaz/qd766:H44.08"], "digitization")
    assert score(h44_08["numerator"], h44_08["denominator"], PROFILES["legacy"].rules[
        "digitization"])[1] != as_decimal(h44_08["score"])
    assert score(261, 326, PROFILES["written-2026"].rules["digitization"])[1] == Decimal("4.00")
    assert score(1223, 1611, PROFILES["portal-2026"].rules["electronic_results"]) == (
        Decimal("75.92"), Decimal("4.55"))
    assert points(Decimal("75.92"), Decimal(6), Decimal(100)) == Decimal("4.56")
    assert score(77, 171, PROFILES["portal-2026"].rules["reuse"])[1] == Decimal("1.13")


@pytest.mark.parametrize("code", ["ChippedTopaz/qd766:H44.46", "ChippedTopaz/qd766:H44.13",
                                  "duynghiaqn/Crawler-766:H21.17"])
def test_portal_rows_through_the_report(code: str, home: Path, tmp_path: Path) -> None:
    """A portal row rebuilt as that many dossiers (a manifest of dossiers handled outside
    the system) gives the portal's rates and points through ``build_report``."""
    row = dict(portal_rows())[code]
    n = {k: metric(row, k)["numerator"] for k in PORTAL_CODES}
    total = metric(row, "digitization")["denominator"]
    lines = ["ma_ho_so,ma_co_quan,ma_tthc,ngay_nhan,co_ket_qua,da_so_hoa,tai_su_dung,"
             "ket_qua_dien_tu"]
    lines += [f"X{i:05d},{row['departmentCode']},1.001193,2026-11-02,1,"
              f"{int(i < n['digitization'])},{int(i < n['reuse'])},"
              f"{int(i < n['electronic_results'])}" for i in range(total)]
    manifest = tmp_path / "portal.csv"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with ReuseIndex.from_env({}, home=home) as ix:
        report = build_report(ix, ReportRequest(date_from=date(2026, 11, 1),
                                                date_to=date(2026, 11, 30), manifest=manifest))
    for key in PORTAL_CODES:
        m, got = metric(row, key), report["total"][key]
        assert (got["numerator"], got["denominator"]) == (m["numerator"], m["denominator"])
        assert (got["rate"], got["points"]) == (m["ratio"], m["score"]), key


def test_zero_denominators_are_na_and_the_group_still_counts_them_as_zero() -> None:
    out = Tally().indicators(PROFILES["portal-2026"])
    assert all(out[k]["rate"] is None and out[k]["points"] is None for k in PORTAL_CODES)
    assert out["group"]["points"] == 0.0 and out["group"]["group_max_points"] == 22.0


def test_the_table_says_the_group_points(index: ReuseIndex) -> None:
    report = build_report(index, ReportRequest(date_from=date(2026, 10, 1),
                                               date_to=date(2026, 11, 30)))
    assert "Số hoá hồ sơ" in render_table(report)
    assert "Số hoá hồ sơ" not in render_table(build_report(index, legacy(
        date_from=date(2026, 10, 1), date_to=date(2026, 11, 30))))
