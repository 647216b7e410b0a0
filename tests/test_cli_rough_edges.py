"""The CLI as a new user meets it: `search` prints a table with a header and Vietnamese
type names, says "Không tìm thấy" and exits 1 on no match, survives `| head`; `--type`
takes Vietnamese names; `get --out` says what it wrote."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli import doc_type_arg, main
from tests.conftest import REPO, lined_page
from tests.conftest import run_cli as _run

OWNER_ID = "052190012345"


@pytest.fixture
def stored(home: Path, tmp_path: Path, capsys) -> list[dict]:
    assert main(["keys", "demo"]) == 0
    scans = [lined_page(tmp_path / f"ks{n}.png", 20 + 10 * n) for n in range(3)]
    code, out, err = _run(capsys, "scan", *map(str, scans),
                          "--dossier", "000.00.19.H12-261122-0001",
                          "--procedure", "1.001193", "--agency", "H12.19", "--engine", "fake",
                          "--owner-id", OWNER_ID, "--owner-name", "Nguyễn Thị Hồng Nhung",
                          "--type", "giay_khai_sinh", "--json", "--quiet", "--workers", "1")
    assert code == 0, err
    return out["documents"]


@pytest.mark.parametrize("text, key", [
    ("căn cước", "can_cuoc"), ("CAN CUOC", "can_cuoc"), ("can_cuoc", "can_cuoc"),
    ("giấy khai sinh", "giay_khai_sinh"), ("Giay  khai sinh", "giay_khai_sinh"),
    ("căn cước công dân", "can_cuoc"), ("giấy khai sinh", "giay_khai_sinh"),
    ("van ban hanh chinh", "van_ban_hanh_chinh")])
def test_type_accepts_vietnamese_names(text: str, key: str) -> None:
    assert doc_type_arg(text) == key


def test_an_unknown_type_is_explained_in_vietnamese(home: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["search", "--type", "hộ chiếu"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "không có loại giấy tờ" in err and "can_cuoc (Căn cước" in err


def test_search_table_no_match_and_get(home: Path, stored: list[dict], tmp_path: Path,
                                       capsys) -> None:
    assert main(["search", "--type", "giấy khai sinh"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:2] == ["Mã", "giấy"] and "Họ tên" in lines[0]
    assert set(lines[1]) <= {"-", " "} and len(lines) == 2 + len(stored)
    assert all("Giấy khai sinh" in line and OWNER_ID in line for line in lines[2:])

    code, found, err = _run(capsys, "search", "--name", "tran van")
    assert code == 1 and "Không tìm thấy" in err and found is None
    code, found, _ = _run(capsys, "search", "--id", "001190099999", "--json")
    assert code == 1 and found == []  # the JSON contract: still a list

    out = tmp_path / "ban_sao.pdf"
    code, _, err = _run(capsys, "get", stored[0]["id"], "--out", str(out))
    assert code == 0 and out.exists()
    assert str(out) in err and "Đã ghi bản sao đã kiểm tra" in err


def test_search_into_a_closed_pipe_has_no_traceback(home: Path, stored: list[dict]) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "cli", "search", "--id", OWNER_ID],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # `| head -0`: the reader is gone before the first line
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, err
    assert "Traceback" not in err and "BrokenPipe" not in err
