"""No citizen in the logs at INFO and above (Decree 13/2023 on personal data): a morning's
commands (scan, batch, search by ID, name and text, get, reuse, verify) run with every
logger at DEBUG, with scans named after the citizen's ID as counters often name them.
DEBUG lines may name the citizen (a developer's own run); the others show an ID's last
3 digits at most, and never the name. The web server's own log: tests/web/test_api.py."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from common.vn import fold
from tests.conftest import lined_page, run_cli

OWNER_ID = "052190012345"
OWNER = "Nguyễn Thị Hồng Nhung"
DOSSIER = "000.00.19.H12-261122-0001"
NEXT_DOSSIER = "000.00.19.H12-261122-0002"
BATCH_DOSSIER = "000.00.19.H12-261122-0003"


def personal(text: str) -> list[str]:
    """The citizen's ID, name (as written, unaccented, in capitals) found in ``text``."""
    folded = fold(text).lower()
    found = [OWNER_ID] if OWNER_ID in text else []
    return found + [OWNER for name in (fold(OWNER).lower(), "nguyen+thi", "nguyen%20thi")
                    if name in folded][:1]


def test_the_commands_log_no_citizen_at_info(home: Path, tmp_path: Path, capsys,
                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    assert run_cli(capsys, "keys", "demo")[0] == 0
    scan = lined_page(tmp_path / f"{OWNER_ID}-khai-sinh.png", 20)
    code, out, err = run_cli(capsys, "scan", str(scan), "--dossier", DOSSIER, "--procedure",
                             "1.001193", "--agency", "H12.19", "--engine", "fake",
                             "--owner-id", OWNER_ID, "--owner-name", OWNER, "--type",
                             "giay_khai_sinh", "--json", "--quiet", "--workers", "1")
    assert code == 0, err
    [doc] = out["documents"]

    batch = tmp_path / "lo" / BATCH_DOSSIER
    batch.mkdir(parents=True)
    lined_page(batch / f"{OWNER_ID}-cccd.png", 40)
    (batch / f"{OWNER_ID}-hong.pdf").write_bytes(b"%PDF-1.7 cut short")  # fails
    code, summary, err = run_cli(capsys, "batch", str(batch.parent), "--procedure",
                                 "1.001193", "--agency", "H12.19", "--engine", "fake",
                                 "--json", "--quiet", "--workers", "1")
    assert code != 0 and summary["problems"], err

    for args in (("search", "--id", OWNER_ID), ("search", "--name", fold(OWNER).lower()),
                 ("search", "--text", OWNER), ("get", doc["id"], "--out",
                                                 str(tmp_path / "ban.pdf")),
                 ("reuse", doc["id"], "--dossier", NEXT_DOSSIER), ("verify", doc["id"])):
        code, _, err = run_cli(capsys, *args)
        assert code == 0, (args, err)

    records = caplog.records
    assert any(r.levelno == logging.DEBUG for r in records)  # everything was captured
    leaks = [(r.levelname, r.name, r.getMessage()) for r in records
             if r.levelno >= logging.INFO and personal(r.getMessage())]
    assert leaks == []
    # the failed file is named where a developer looks (DEBUG), ID and all
    assert any(f"{OWNER_ID}-hong.pdf" in r.getMessage() for r in records
               if r.levelno == logging.DEBUG)
