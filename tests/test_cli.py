"""The ``sohoa ocr`` command as a clerk uses it (fake OCR engine: fast, no Tesseract)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from cli import main

REPO = Path(__file__).resolve().parents[1]


def _scan(path: Path, **save) -> Path:
    arr = np.full((1100, 800), 235, np.uint8)
    for y in range(150, 900, 60):
        arr[y:y + 14, 100:700] = 20
        arr[y - 6:y - 2, 120:140] = 20  # "tone marks" above the line
    Image.fromarray(arr).save(path, **save)
    return path


def test_json_contract_and_bad_file_does_not_stop_batch(tmp_path: Path, capsys) -> None:
    good = _scan(tmp_path / "trang1.png", dpi=(100, 100))
    bad = tmp_path / "hong.pdf"
    bad.write_bytes(b"%PDF-1.4\n1 0 obj <<")  # truncated
    empty = tmp_path / "rong.jpg"
    empty.write_bytes(b"")
    code = main(["ocr", str(good), str(bad), str(empty), "--json", "--engine", "fake",
                 "--workers", "1", "--quiet"])
    out = json.loads(capsys.readouterr().out)
    assert code == 2
    assert [p["source"] for p in out["pages"]] == ["trang1.png"]
    page = out["pages"][0]
    assert set(page) >= {"source", "index", "rotation", "skew_deg", "blank", "text",
                         "confidence"}
    assert page["rotation"] in (0, 90, 180, 270) and page["text"] == "Văn bản mẫu"
    assert {e["source"] for e in out["errors"]} == {"hong.pdf", "rong.jpg"}
    assert all(e["message"] for e in out["errors"])
    # the readable page is one paper; with no title it is "khac", pages index into "pages"
    assert [(d["type"], d["pages"]) for d in out["documents"]] == [("khac", [0])]
    assert page["type"] == "khac"


def test_pdf_output_with_fake_engine(tmp_path: Path) -> None:
    a = _scan(tmp_path / "a.jpg", dpi=(200, 200))
    b = _scan(tmp_path / "b.tif", dpi=(200, 200))
    out = tmp_path / "out.pdf"
    code = main(["ocr", str(a), str(b), "--pdf", str(out), "--engine", "fake",
                 "--workers", "2", "--quiet"])
    assert code == 0
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert text.count("Văn bản mẫu") == 2


def test_missing_engine_is_reported_at_start(tmp_path: Path) -> None:
    good = _scan(tmp_path / "x.png")
    proc = subprocess.run([sys.executable, str(REPO / "cli.py"), "ocr", str(good),
                           "--engine", "khong-co"], capture_output=True, text=True)
    assert proc.returncode == 4
    assert "khong-co" in proc.stderr and "Traceback" not in proc.stderr


def test_no_fields_gives_text_without_documents(tmp_path: Path, capsys) -> None:
    good = _scan(tmp_path / "trang1.png", dpi=(100, 100))
    code = main(["ocr", str(good), "--json", "--engine", "fake", "--workers", "1", "--quiet",
                 "--no-fields"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["pages"][0]["text"] == "Văn bản mẫu"
    assert out["documents"] == [] and "type" not in out["pages"][0]
