"""The scorecard report (Decision 766/QĐ-TTg, shared/DESIGN.md "Indicators").

Owns the indicator arithmetic as named **profiles** (``PROFILES``): each indicator's
maximum points, its threshold rule (points = min(max, max × rate ÷ ``full_at``): linear
when ``full_at`` is 100 %, "full at ≥ X %" otherwise), and which counts make its numerator
and denominator. ``portal-2026`` (the default) follows the national portal's observed
scores; ``written-2026`` its written methodology; ``legacy`` sohoa's reading before issue
18. ``docs/scorecard-sources.md`` says which source each rule follows. Also the manifest
of dossiers handled outside the system, and the JSON / table / CSV renderings; the HTML
rendering is ``scorecard_html.py``. The counts come from the index
(``ReuseIndex.indicator_counts``): see ``reuse_index/indicators.py`` for which dossiers
count and as of when.

Rates are percent, rounded half-up to two decimals; a zero denominator gives rate and
points ``None`` (N/A). The portal's group "Số hoá hồ sơ" is 22 points over 7 indicators,
of which sohoa computes 3: ``group`` in each row adds those 3 (N/A as 0, as the portal
does) over the group's total.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from common.errors import InvalidRequestError
from common.private import safe_writer
from common.vn import VN_TZ, vn_day_start
from reuse_index import ReuseIndex
from reuse_index.indicators import DossierCounts

THRESHOLD = Decimal(80)  # the "full at ≥ 80 %" rule of the legacy profile (web/meta.py)
CENT = Decimal("0.01")
HUNDRED = Decimal(100)
INDICATORS = ("digitization", "reuse", "electronic_results")
NAMES_VI = {"digitization": "Tỷ lệ số hoá hồ sơ",
            "reuse": "Tỷ lệ tái sử dụng dữ liệu số hoá",
            "electronic_results": "Tỷ lệ cấp kết quả điện tử"}
# The portal's codes of the three indicators (its reporting/evaluation/dossier-digitized).
PORTAL_CODES = {"digitization": "SO_HOA_GIAY_TO_GIAI_QUYET",
                "reuse": "REUSED_DIGITIZED_DATA",
                "electronic_results": "ORIGINAL_RESULT_AVAILABLE"}


@dataclass(frozen=True)
class Rule:
    """How one indicator is counted and scored.

    ``numerator`` / ``denominator`` name ``Tally`` counts. Points are
    min(max, max × rate ÷ ``full_at``); ``from_fraction`` takes the rate as the exact
    fraction (the portal: its scores match numerator ÷ denominator, not the rounded rate
    it shows), otherwise the rate as shown (rounded to 2 decimals)."""

    max_points: Decimal
    full_at: Decimal
    numerator: str
    denominator: str
    from_fraction: bool = True


@dataclass(frozen=True)
class Profile:
    name: str
    title_vi: str
    rules: dict[str, Rule]
    group_points: Decimal | None = None  # the portal group's total (all its indicators)
    group_indicators: int | None = None

    def with_max_points(self, max_points: dict[str, Decimal]) -> Profile:
        rules = {k: replace(r, max_points=max_points.get(k, r.max_points))
                 for k, r in self.rules.items()}
        return replace(self, rules=rules)


PROFILES: dict[str, Profile] = {
    "portal-2026": Profile(
        name="portal-2026",
        title_vi="Cổng DVCQG 2026 (theo điểm Cổng chấm thực tế)",
        rules={"digitization": Rule(Decimal(4), HUNDRED, "digitized", "received"),
               "reuse": Rule(Decimal(2), Decimal(80), "reused", "received"),
               "electronic_results": Rule(Decimal(6), HUNDRED, "result_file", "received")},
        group_points=Decimal(22), group_indicators=7),
    "written-2026": Profile(
        name="written-2026",
        title_vi="Mô tả công thức chỉ số 766 (văn bản)",
        rules={"digitization": Rule(Decimal(4), Decimal(80), "digitized", "received"),
               "reuse": Rule(Decimal(2), Decimal(80), "reused", "received"),
               "electronic_results": Rule(Decimal(6), HUNDRED, "result_file",
                                          "returns_result")},
        group_points=Decimal(22), group_indicators=7),
    "legacy": Profile(
        name="legacy",
        title_vi="Cách tính cũ của sohoa (8/8/6 điểm, đủ điểm khi ≥ 80 %)",
        rules={"digitization": Rule(Decimal(8), THRESHOLD, "digitized", "received", False),
               "reuse": Rule(Decimal(8), THRESHOLD, "reused", "received", False),
               "electronic_results": Rule(Decimal(6), THRESHOLD, "electronic",
                                          "returns_result", False)}),
}
DEFAULT_PROFILE = "portal-2026"
DEFAULT_MAX_POINTS = {k: r.max_points for k, r in PROFILES[DEFAULT_PROFILE].rules.items()}


def rate(numerator: int, denominator: int) -> Decimal | None:
    """Percent, rounded half-up to 2 decimals; ``None`` (N/A) when nothing to count."""
    if denominator == 0:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(CENT, ROUND_HALF_UP)


def points(value: Decimal | None, max_points: Decimal,
           full_at: Decimal = THRESHOLD) -> Decimal | None:
    """min(max, value × max ÷ ``full_at``), half-up to 2 decimals; ``None`` stays N/A."""
    if value is None:
        return None
    if value >= full_at:
        return max_points.quantize(CENT)
    return (value * max_points / full_at).quantize(CENT, ROUND_HALF_UP)


def score(numerator: int, denominator: int, rule: Rule) -> tuple[Decimal | None,
                                                                  Decimal | None]:
    """(rate, points) of one indicator under ``rule``."""
    shown = rate(numerator, denominator)
    if shown is None:
        return None, None
    exact = Decimal(numerator) * 100 / Decimal(denominator) if rule.from_fraction else shown
    return shown, points(exact, rule.max_points, rule.full_at)


@dataclass
class Tally:
    """The counts behind the indicators for one group of dossiers."""

    received: int = 0
    digitized: int = 0
    reused: int = 0
    returns_result: int = 0
    electronic: int = 0
    result_file: int = 0

    def add(self, other: Tally | DossierCounts) -> None:
        self.received += other.received
        self.digitized += other.digitized
        self.reused += other.reused
        self.returns_result += other.returns_result
        self.electronic += other.electronic
        self.result_file += other.result_file

    def indicators(self, profile: Profile | dict[str, Decimal] | None = None
                   ) -> dict[str, Any]:
        """Each indicator's numerator, denominator, rate, points, maximum and threshold,
        and (for a profile with a portal group) ``group``: the points of these indicators
        added, N/A counting 0, over the group's total."""
        if profile is None:
            profile = PROFILES[DEFAULT_PROFILE]
        elif not isinstance(profile, Profile):  # a max-points dict (older callers)
            profile = PROFILES[DEFAULT_PROFILE].with_max_points(profile)
        out: dict[str, Any] = {}
        total = Decimal(0)
        for key in INDICATORS:
            rule = profile.rules[key]
            num, den = getattr(self, rule.numerator), getattr(self, rule.denominator)
            value, got = score(num, den, rule)
            total += got or 0
            out[key] = {"numerator": num, "denominator": den,
                        "rate": float(value) if value is not None else None,
                        "points": float(got) if got is not None else None,
                        "max_points": float(rule.max_points),
                        "full_at": float(rule.full_at)}
        if profile.group_points is not None:
            covered = sum((r.max_points for r in profile.rules.values()), Decimal(0))
            out["group"] = {"points": float(total.quantize(CENT)),
                            "max_points_covered": float(covered),
                            "group_max_points": float(profile.group_points),
                            "group_indicators": profile.group_indicators,
                            "group_rate_of_these": float(
                                (total * 100 / profile.group_points).quantize(
                                    CENT, ROUND_HALF_UP))}
        return out


def profile_named(name: str | None, max_points: dict[str, Decimal] | None = None) -> Profile:
    """The profile ``name`` (default ``portal-2026``), with ``max_points`` overriding."""
    key = name or DEFAULT_PROFILE
    if key not in PROFILES:
        raise InvalidRequestError(detail=f"--profile {key!r}: một trong {sorted(PROFILES)}")
    profile = PROFILES[key]
    return profile.with_max_points(max_points) if max_points else profile


# -- the manifest of dossiers handled outside the system ----------------------------------

MANIFEST_COLUMNS = {
    "dossier": ("dossier", "ma_ho_so", "mã hồ sơ"),
    "agency": ("agency", "ma_co_quan", "mã cơ quan"),
    "procedure": ("procedure", "ma_tthc", "mã tthc"),
    "received_at": ("received_at", "ngay_nhan", "ngày nhận"),
    "returns_result": ("returns_result", "co_ket_qua", "có kết quả"),
    "digitized": ("digitized", "da_so_hoa", "đã số hoá"),
    "reused": ("reused", "tai_su_dung", "tái sử dụng"),
    "result_electronic": ("result_electronic", "ket_qua_dien_tu", "kết quả điện tử"),
}
# Optional: the result's file is attached (issued electronic or the paper digitized): the
# portal's electronic-result numerator. Missing: the same as result_electronic.
OPTIONAL_COLUMNS = {"result_file": ("result_file", "co_tep_ket_qua", "có tệp kết quả")}
_TRUE = {"1", "true", "yes", "x", "có", "co", "c"}
_FALSE = {"", "0", "false", "no", "không", "khong", "k"}


@dataclass
class ManifestSummary:
    file: str
    rows: int = 0
    added: int = 0
    skipped_known: int = 0  # the system has its own facts for these codes: they win
    outside: int = 0  # received outside the period or another agency

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "rows": self.rows, "added": self.added,
                "skipped_known": self.skipped_known, "outside": self.outside}


def read_manifest(path: Path) -> list[dict[str, Any]]:
    """Rows of an external-dossier manifest (CSV, UTF-8, English or Vietnamese headers)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidRequestError(str(path), detail=f"cannot read the manifest: {exc}") from exc
    reader = csv.DictReader(io.StringIO(unicodedata.normalize("NFC", text)))
    headers = {_norm(h): h for h in reader.fieldnames or ()}
    columns = {}
    for key, names in MANIFEST_COLUMNS.items():
        found = next((headers[n] for n in map(_norm, names) if n in headers), None)
        if found is None:
            raise InvalidRequestError(str(path), detail=f"manifest: missing column {names[0]} "
                                                        f"({names[1]})")
        columns[key] = found
    for key, names in OPTIONAL_COLUMNS.items():
        found = next((headers[n] for n in map(_norm, names) if n in headers), None)
        if found is not None:
            columns[key] = found
    rows = []
    for line, raw in enumerate(reader, start=2):
        try:
            rows.append(_manifest_row({k: (raw.get(c) or "").strip() for k, c in
                                       columns.items()}))
        except ValueError as exc:
            raise InvalidRequestError(str(path), detail=f"manifest line {line}: {exc}") from exc
    return rows


def _norm(header: str) -> str:
    return re.sub(r"\s+", " ", header.strip().lower())


def _manifest_row(raw: dict[str, str]) -> dict[str, Any]:
    if not raw["dossier"]:
        raise ValueError("empty dossier code")
    return {"dossier": raw["dossier"], "agency": raw["agency"] or None,
            "procedure": raw["procedure"] or None,
            "received_at": _parse_time(raw["received_at"]),
            **{k: _flag(raw[k], k) for k in ("returns_result", "digitized", "reused",
                                              "result_electronic")},
            "result_file": _flag(raw["result_file"], "result_file") if raw.get("result_file")
            else _flag(raw["result_electronic"], "result_electronic")}


def _flag(text: str, name: str) -> bool:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{name}: {text!r} is not 1/0 (có/không)")


def _parse_time(text: str) -> datetime:
    for parse in (datetime.fromisoformat, lambda t: datetime.strptime(t, "%d/%m/%Y")):
        try:
            value = parse(text)
        except ValueError:
            continue
        return value if value.tzinfo else value.replace(tzinfo=VN_TZ)
    raise ValueError(f"received_at {text!r}: use 2026-10-05, 2026-10-05 08:30 or 05/10/2026")


# -- the report ---------------------------------------------------------------------------


@dataclass
class ReportRequest:
    date_from: date
    date_to: date
    agency: str | None = None
    manifest: Path | None = None
    max_points: dict[str, Decimal] = field(default_factory=dict)  # overrides the profile's
    profile: str = DEFAULT_PROFILE

    def bounds(self) -> tuple[datetime, datetime]:
        """Whole Vietnamese days ``date_from``..``date_to`` as [since, until)."""
        if self.date_to < self.date_from:
            raise InvalidRequestError(detail="--to is before --from")
        if self.date_from.year < 1900 or self.date_to.year > 9000:
            raise InvalidRequestError(detail="--from/--to outside 1900-9000")
        since = vn_day_start(self.date_from)
        until = vn_day_start(self.date_to + timedelta(days=1))
        return since, until


def build_report(index: ReuseIndex, request: ReportRequest, *,
                 now: datetime | None = None) -> dict[str, Any]:
    """The report object (``report --format json``)."""
    since, until = request.bounds()
    profile = profile_named(request.profile, request.max_points)
    groups: dict[tuple[str | None, str | None, str], Tally] = {}
    for counts in index.indicator_counts(since=since, until=until, agency=request.agency):
        groups.setdefault((counts.agency, counts.procedure, counts.month), Tally()).add(counts)
    manifest = None
    if request.manifest is not None:
        manifest = _add_manifest(index, request, groups, since, until)
    rows, agencies, months, agency_months, total = [], {}, {}, {}, Tally()
    for (agency, procedure, month), tally in sorted(groups.items(), key=_group_order):
        rows.append({"agency": agency, "procedure": procedure, "month": month,
                     **tally.indicators(profile)})
        agencies.setdefault(agency, Tally()).add(tally)
        months.setdefault(month, Tally()).add(tally)
        agency_months.setdefault((agency, month), Tally()).add(tally)
        total.add(tally)
    mp = profile
    return {
        "from": request.date_from.isoformat(), "to": request.date_to.isoformat(),
        "agency": request.agency,
        "generated_at": (now or datetime.now(VN_TZ)).astimezone(VN_TZ).isoformat(
            timespec="seconds"),
        "profile": {"name": profile.name, "title": profile.title_vi,
                    "rules": {k: {"max_points": float(r.max_points), "full_at": float(r.full_at),
                                  "numerator": r.numerator, "denominator": r.denominator,
                                  "portal_code": PORTAL_CODES[k]}
                              for k, r in profile.rules.items()},
                    "group_max_points": float(profile.group_points)
                    if profile.group_points is not None else None},
        "max_points": {k: float(r.max_points) for k, r in profile.rules.items()},
        "rows": rows,
        "agencies": [{"agency": a, **t.indicators(mp)} for a, t in
                     sorted(agencies.items(), key=lambda kv: kv[0] or "")],
        "months": [{"month": m, **t.indicators(mp)} for m, t in sorted(months.items())],
        "agency_months": [{"agency": a, "month": m, **t.indicators(mp)} for (a, m), t in
                          sorted(agency_months.items(), key=lambda kv: (kv[0][0] or "",
                                                                         kv[0][1]))],
        "total": total.indicators(mp),
        "manifest": manifest.to_json() if manifest else None,
    }


def _group_order(item: tuple[tuple[str | None, str | None, str], Tally]) -> tuple:
    (agency, procedure, month), _ = item
    return agency or "", procedure or "", month


def _add_manifest(index: ReuseIndex, request: ReportRequest,
                  groups: dict[tuple[str | None, str | None, str], Tally],
                  since: datetime, until: datetime) -> ManifestSummary:
    assert request.manifest is not None
    rows = read_manifest(request.manifest)
    summary = ManifestSummary(file=request.manifest.name, rows=len(rows))
    known = index.known_dossiers(r["dossier"] for r in rows)
    for row in rows:
        if row["dossier"] in known:
            summary.skipped_known += 1
            continue
        received: datetime = row["received_at"]
        if not since <= received < until or (request.agency and row["agency"] != request.agency):
            summary.outside += 1
            continue
        month = received.astimezone(VN_TZ).strftime("%Y-%m")
        returns = row["returns_result"]
        tally = groups.setdefault((row["agency"], row["procedure"], month), Tally())
        tally.add(Tally(received=1, digitized=int(row["digitized"]),
                        reused=int(row["reused"]), returns_result=int(returns),
                        electronic=int(returns and row["result_electronic"]),
                        result_file=int(returns and row["result_file"])))
        summary.added += 1
    return summary


# -- renderings -----------------------------------------------------------------------------


def _pct(ind: dict[str, Any]) -> str:
    return "N/A" if ind["rate"] is None else f"{ind['rate']:.2f} %".replace(".", ",")


def _pts(ind: dict[str, Any]) -> str:
    if ind["points"] is None:
        return "N/A"
    return f"{ind['points']:.2f}/{ind['max_points']:g}".replace(".", ",")


def _month(month: str) -> str:
    year, _, mm = month.partition("-")
    return f"{mm}/{year}"


def render_table(report: dict[str, Any]) -> str:
    """A plain-text table for a terminal (Vietnamese headings)."""
    head = ("Cơ quan", "Mã TTHC", "Tháng", "Số hoá", "Điểm", "Tái sử dụng", "Điểm",
            "KQ điện tử", "Điểm")

    def line(label: Iterable[str], inds: dict[str, Any]) -> list[str]:
        cells = list(label)
        for key in INDICATORS:
            ind = inds[key]
            cells += [f"{ind['numerator']}/{ind['denominator']} {_pct(ind)}", _pts(ind)]
        return cells

    table = [list(head)]
    table += [line((r["agency"] or "-", r["procedure"] or "-", _month(r["month"])), r)
              for r in report["rows"]]
    table += [line((a["agency"] or "-", "cả cơ quan", ""), a) for a in report["agencies"]]
    table.append(line(("TỔNG", "", ""), report["total"]))
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    out = [f"Chỉ số số hoá (QĐ 766/QĐ-TTg) từ {_day(report['from'])} đến {_day(report['to'])}"
           + (f", cơ quan {report['agency']}" if report["agency"] else "")]
    for n, row in enumerate(table):
        out.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    group = report["total"].get("group")
    if group:
        out.append(f"Nhóm «Số hoá hồ sơ» của Cổng: 3 chỉ số này được "
                   f"{group['points']:.2f}/{group['max_points_covered']:g} điểm "
                   f"(nhóm {group['group_max_points']:g} điểm, {group['group_indicators']} chỉ "
                   f"số; 4 chỉ số còn lại ngoài dữ liệu sohoa)".replace(".", ","))
    if report["manifest"]:
        m = report["manifest"]
        out.append(f"Ngoài hệ thống ({m['file']}): {m['added']} hồ sơ thêm vào, "
                   f"{m['skipped_known']} đã có trong hệ thống, {m['outside']} ngoài kỳ.")
    out.append(f"Cách tính: {report['profile']['title']} ({report['profile']['name']}). "
               + "; ".join(_rule_text(k, r) for k, r in report["profile"]["rules"].items())
               + ". Tỷ lệ làm tròn 2 chữ số; N/A khi mẫu số bằng 0.")
    return "\n".join(out)


def _rule_text(key: str, rule: dict[str, Any]) -> str:
    full = rule["full_at"]
    how = "tuyến tính" if full >= 100 else f"đủ điểm khi ≥ {full:g} %"
    return f"{NAMES_VI[key]}: tối đa {rule['max_points']:g} điểm, {how}"


def _day(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%d/%m/%Y")


def render_csv(report: dict[str, Any]) -> str:
    """One row per agency × procedure × month, then per agency and the total."""
    buffer = io.StringIO()
    writer = safe_writer(buffer)
    header = ["level", "agency", "procedure", "month"]
    for key in INDICATORS:
        header += [f"{key}_{part}" for part in ("numerator", "denominator", "rate", "points")]
    writer.writerow(header)

    def cells(inds: dict[str, Any]) -> list[Any]:
        out: list[Any] = []
        for key in INDICATORS:
            ind = inds[key]
            out += [ind["numerator"], ind["denominator"],
                    "N/A" if ind["rate"] is None else f"{ind['rate']:.2f}",
                    "N/A" if ind["points"] is None else f"{ind['points']:.2f}"]
        return out

    for r in report["rows"]:
        writer.writerow(["row", r["agency"] or "", r["procedure"] or "", r["month"], *cells(r)])
    for a in report["agencies"]:
        writer.writerow(["agency", a["agency"] or "", "", "", *cells(a)])
    writer.writerow(["total", report["agency"] or "", "", "", *cells(report["total"])])
    return buffer.getvalue()
