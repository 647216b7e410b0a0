"""The realdev scoring helpers (benchmarks/realdev.py): line-by-line CER and field outcomes."""

from __future__ import annotations

import json
import random
import unicodedata
from pathlib import Path

import pytest
from rapidfuzz.distance import Levenshtein

from benchmarks.realdev import (
    EXACT,
    EXTRA,
    MISSING,
    WRONG_FLAGGED,
    WRONG_UNFLAGGED,
    best_window,
    field_outcome,
    line_cer,
    load_set,
    score_fields,
    values_equal,
)

HEADER = "ỦY BAN NHÂN DÂN\nTỈNH QUẢNG NGÃI\nSố: 11/CT-UBND\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"


def test_perfect_text_scores_zero() -> None:
    score = line_cer(HEADER.split("\n"), HEADER)
    assert score.edits == 0 and score.cer == 0.0 and score.lost_lines == 0
    assert score.chars == sum(len(line) for line in HEADER.split("\n"))


def test_reordered_lines_cost_nothing() -> None:
    lines = HEADER.split("\n")
    score = line_cer(lines, "\n".join(reversed(lines)))
    assert score.cer == 0.0


def test_errors_are_counted_per_character() -> None:
    score = line_cer(["TỈNH QUẢNG NGÃI"], "ỦY BAN NHÂN DÂN TINH QUẢNG NGAI Số: 11")
    assert score.edits == 2 and score.chars == len("TỈNH QUẢNG NGÃI")
    assert score.lines[0].window == "TINH QUẢNG NGAI"


def test_a_missing_line_is_lost() -> None:
    score = line_cer(["ỦY BAN NHÂN DÂN", "Về việc tăng cường các biện pháp"], "ỦY BAN NHÂN DÂN")
    assert score.lost_lines == 1
    assert score.lines[1].cer > 0.5 and score.lines[0].cer == 0.0


def test_normalisation_nfd_quotes_dashes_spaces() -> None:
    page = unicodedata.normalize("NFD", "Độc lập – Tự do  –  Hạnh phúc “Nhâm Dần”")
    score = line_cer(['Độc lập - Tự do - Hạnh phúc "Nhâm Dần"'], page)
    assert score.edits == 0


def test_a_line_split_over_two_page_lines_matches_across_the_break() -> None:
    score = line_cer(["Quảng Ngãi, ngày 11 tháng 9 năm 2024"],
                     "Quảng Ngãi, ngày 11\ntháng 9 năm 2024")
    assert score.edits == 0


@pytest.mark.parametrize("seed", range(30))
def test_best_window_is_the_minimum_over_all_substrings(seed: int) -> None:
    rng = random.Random(seed)
    needle = "".join(rng.choice("abcđ") for _ in range(rng.randint(1, 6)))
    hay = "".join(rng.choice("abcđx") for _ in range(rng.randint(0, 14)))
    brute = min(Levenshtein.distance(needle, hay[i:j])
                for i in range(len(hay) + 1) for j in range(i, len(hay) + 1))
    edits, start, end = best_window(needle, hay)
    assert edits == brute
    assert Levenshtein.distance(needle, hay[start:end]) == edits


# -- fields ---------------------------------------------------------------------------------------


def test_codes_and_dates_compare_exactly() -> None:
    assert values_equal("so_ky_hieu", "11/CT-UBND", " 11/CT-UBND ")
    assert not values_equal("so_ky_hieu", "11/CT-UBND", "11/ct-ubnd", lenient=True)
    assert not values_equal("so_ky_hieu", "11/CT-UBND", "11 /CT-UBND")
    assert not values_equal("ngay_ban_hanh", "2024-09-11", "2024-09-12")


def test_issuer_and_subject_strict_and_lenient() -> None:
    truth = "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI"
    ours = unicodedata.normalize("NFD", "Ủy ban nhân dân  tỉnh Quảng Ngãi")
    assert not values_equal("co_quan_ban_hanh", truth, ours)
    assert values_equal("co_quan_ban_hanh", truth, ours, lenient=True)
    assert values_equal("trich_yeu", 'Về việc "Tết"', "Về việc “Tết”")


def test_field_outcomes() -> None:
    assert field_outcome("so_ky_hieu", "11/CT-UBND", {"value": "11/CT-UBND"}) == EXACT
    assert field_outcome("so_ky_hieu", "11/CT-UBND",
                         {"value": "?/CT-UBND", "needs_review": True}) == WRONG_FLAGGED
    assert field_outcome("so_ky_hieu", "11/CT-UBND",
                         {"value": "17/CT-UBND", "needs_review": False}) == WRONG_UNFLAGGED
    assert field_outcome("so_ky_hieu", "11/CT-UBND", None) == MISSING
    assert field_outcome("so_ky_hieu", "11/CT-UBND", {"value": ""}) == MISSING
    assert field_outcome("so_ky_hieu", None, None) is None


def test_a_value_where_the_truth_has_none_is_an_error() -> None:
    outcomes = score_fields({"loai_van_ban": "THÔNG TƯ"},
                            {"so_ky_hieu": {"value": "46/VBHN-BQP", "needs_review": False},
                             "loai_van_ban": {"value": "THÔNG TƯ"},
                             "ghi_chu": {"value": "not a labelled key"}})
    assert outcomes == {"so_ky_hieu": EXTRA, "loai_van_ban": EXACT}


def test_load_set_pairs_second_pages(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    (tmp_path / "truth").mkdir()
    for name, suffix in (("dev-01", ".jpg"), ("dev-02", ".png"), ("dev-02-p2", ".png")):
        (tmp_path / "images" / (name + suffix)).write_bytes(b"")
        truth = {"type": "van_ban_hanh_chinh", "fields": {}, "file": name + suffix}
        (tmp_path / "truth" / (name + ".json")).write_text(json.dumps(truth))
    items = load_set(tmp_path)
    assert [i.name for i in items] == ["dev-01", "dev-02"]
    assert [p.name for p in items[1].pages] == ["dev-02", "dev-02-p2"]
    assert [i.name for i in load_set(tmp_path, only={"dev-02"})] == ["dev-02"]
    with pytest.raises(KeyError):
        load_set(tmp_path, only={"dev-09"})
