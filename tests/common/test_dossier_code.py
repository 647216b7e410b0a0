"""Dossier codes in the structure of Circular 01/2018/TT-VPCP, Art. 19, and the intake rule."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from common.dossier_code import DossierCodeError, check, parse

VN = ZoneInfo("Asia/Ho_Chi_Minh")
TODAY = date(2026, 12, 5)


def test_a_code_is_unit_day_and_sequence() -> None:
    code = parse("000.00.19.H12-261122-0001")
    assert (code.unit, code.received_on, code.sequence) == ("000.00.19.H12", date(2026, 11, 22), 1)
    assert parse(" 000.00.19.h12-261122-0042 ").code == "000.00.19.H12-261122-0042"


@pytest.mark.parametrize("bad", ["Hồ sơ chị Lan", "abc", "H12.19-261001-0001",
                                 "000.00.19.H12-261122-001", "000.00.19.H12-261322-0001",
                                 "000.00.19.H12-260230-0001", "000.00.19.H12-261122-0000",
                                 "000.0.19.H12-261122-0001", "000.00.19.12-261122-0001"])
def test_malformed_codes_are_refused_in_vietnamese(bad: str) -> None:
    with pytest.raises(DossierCodeError) as caught:
        check(bad, today=TODAY)
    text = caught.value.describe("vi")
    assert "Mã hồ sơ" in text and "--allow-legacy-code" in text
    assert check(bad, allow_legacy=True, today=TODAY) is None  # the explicit override


def test_the_date_must_be_the_receiving_day() -> None:
    received = datetime(2026, 11, 22, 23, 30, tzinfo=VN)  # 16:30 UTC: still the 22nd in VN
    assert check("000.00.19.H12-261122-0001", received_at=received, today=TODAY)
    with pytest.raises(DossierCodeError, match="22/11/2026.*23/11/2026"):
        check("000.00.19.H12-261122-0001", received_at=date(2026, 11, 23), today=TODAY)
    with pytest.raises(DossierCodeError, match="sau hôm nay"):
        check("000.00.19.H12-261206-0001", today=TODAY)
    assert check("000.00.19.H12-261206-0001", allow_legacy=True, today=TODAY) is None


def test_scan_and_batch_refuse_a_code_outside_the_structure(home, capsys, tmp_path) -> None:
    from tests.conftest import run_cli

    scan = tmp_path / "a.png"
    scan.write_bytes(b"not read: the code is refused first")
    code, _, err = run_cli(capsys, "scan", str(scan), "--dossier", "Hồ sơ chị Lan",
                           "--procedure", "1.001193", "--agency", "H12.19")
    assert code == 2 and "Mã hồ sơ" in err and "000.00.19.H12-261122-0001" in err
    code, _, err = run_cli(capsys, "scan", str(scan), "--dossier", "000.00.19.H12-261122-0001",
                           "--received-at", "2026-11-23T08:00", "--procedure", "1.001193",
                           "--agency", "H12.19")
    assert code == 2 and "23/11/2026" in err
    assert run_cli(capsys, "keys", "demo")[0] == 0
    stack = tmp_path / "lo"
    (stack / "abc").mkdir(parents=True)
    (stack / "abc" / "a.png").write_bytes(b"x")
    code, out, err = run_cli(capsys, "batch", str(stack), "--procedure", "1.001193",
                             "--agency", "H12.19", "--json", "--quiet", "--engine", "fake")
    assert code == 2 and out["failed"] == 1 and out["done"] == 0
    assert "cấu trúc" in out["problems"][0]["message"]
