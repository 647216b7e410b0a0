"""Print what `make demo` found: each page's turn and skew, each paper's type and fields."""

from __future__ import annotations

import json
import sys

KEYS = ("so_dinh_danh", "ho_ten", "ngay_sinh", "so", "so_ky_hieu", "so_phat_hanh",
        "ngay_cap", "ngay_ban_hanh", "ngay_dang_ky", "co_gia_tri_den")


def main() -> int:
    data = json.load(sys.stdin)
    for p in data["pages"]:
        text = p["text"][:60].replace("\n", " / ")
        print(f"page {p['index']} {p['source']}: {p.get('type', '-')}, turned {p['rotation']}°,"
              f" skew {p['skew_deg']:+.2f}° | {text}")
    for d in data["documents"]:
        print(f"\n{d['type']}  pages {d['pages']}" + ("  (cần kiểm tra)" if d["needs_review"]
                                                      else ""))
        for key in KEYS:
            f = d["fields"].get(key)
            if f:
                flag = "  ⚠ " + "; ".join(r["message"] for r in f.get("reasons", [])) \
                    if f["needs_review"] else ""
                print(f"  {key:16s} {f['value']}  [{f['source']}, {f['confidence']:.2f}]{flag}")
    for e in data["errors"]:
        print(f"error: {e['source']} page {e['page']}: {e['message']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
