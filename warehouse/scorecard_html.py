"""The scorecard report as one self-contained HTML page (``sohoa report --format html``).

Owns the HTML rendering of the report object built by ``report.build_report`` (the
``--format json`` object): header, summary cards, charts and tables, all labels in
Vietnamese (NFC). The page needs no network: no CDN, fonts or scripts; the charts are PNGs
drawn with matplotlib's Agg renderer on ``matplotlib.figure.Figure`` objects (no pyplot, no
global state, safe in threads) in DejaVu Sans, which matplotlib bundles and which covers
Vietnamese, and embedded as ``data:`` URIs. The arithmetic (rates, points, N/A) is
``report.py``'s; this module only formats the numbers it is given: decimal comma
("77,78 %"), dot for thousands ("1.234"), "N/A" — never 0 % — when a denominator is 0.
"""

from __future__ import annotations

import base64
import io
import math
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from typing import Any

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MultipleLocator

Indicators = dict[str, Any]  # one row of the report: indicator key → {numerator, ...}

# The same as ``report.INDICATORS`` / ``report.NAMES_VI`` (a test checks): not imported, as
# ``report`` pulls in the index and the signing stack, seconds of imports a renderer of a
# saved JSON report does not need.
INDICATORS = ("digitization", "reuse", "electronic_results")
NAMES_VI = {"digitization": "Tỷ lệ số hoá hồ sơ",
            "reuse": "Tỷ lệ tái sử dụng dữ liệu số hoá",
            "electronic_results": "Tỷ lệ cấp kết quả điện tử"}
TITLE = "Báo cáo chỉ số số hoá và tái sử dụng (QĐ 766/QĐ-TTg)"
THRESHOLD = 80.0
DPI = 110
FONT = "DejaVu Sans"  # bundled with matplotlib; has every Vietnamese precomposed letter
COLORS = {"digitization": "#1f6fb2", "reuse": "#8a4fa8", "electronic_results": "#2a9d8f"}
THRESHOLD_COLOR = "#c0392b"
# What each rate counts (``report.Tally.indicators``), under the cards.
RATIOS_VI = {"digitization": "hồ sơ đã số hoá / hồ sơ tiếp nhận",
             "reuse": "hồ sơ tái sử dụng dữ liệu số hoá / hồ sơ tiếp nhận",
             "electronic_results": "hồ sơ có tệp kết quả (điện tử hoặc đã số hoá) / hồ sơ "
                                   "tiếp nhận; cách tính legacy: kết quả cấp bản điện tử / "
                                   "hồ sơ có kết quả"}
NO_AGENCY = "(chưa rõ cơ quan)"
NO_PROCEDURE = "(chưa rõ thủ tục)"
BAR_CHART_MAX_MONTHS = 6  # more months than this: lines instead of grouped bars


def render_html(report: dict[str, Any]) -> str:
    """The whole page for ``report`` (the ``report --format json`` object), NFC."""
    several = len(report["agencies"]) > 1
    body = [_header(report), _cards(report["total"]), _manifest(report.get("manifest")),
            _months_section(report)]
    if several:
        body.append(_comparison_section(report))
    body += [_agency_section(report, item, chart=several) for item in report["agencies"]]
    body.append(_footer(report))
    page = _PAGE.format(title=escape(TITLE), css=_CSS, body="\n".join(b for b in body if b))
    return unicodedata.normalize("NFC", page)


# -- formatting -----------------------------------------------------------------------------


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def fmt_count(value: int) -> str:
    """Dot for thousands, as Vietnamese writes them: 12345 → "12.345"."""
    return f"{value:,}".replace(",", ".")


def fmt_decimal(value: float, places: int = 2) -> str:
    return f"{value:,.{places}f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def fmt_rate(ind: Indicators) -> str:
    return "N/A" if ind["rate"] is None else f"{fmt_decimal(ind['rate'])} %"


def fmt_points(ind: Indicators) -> str:
    if ind["points"] is None:
        return "N/A"
    return f"{fmt_decimal(ind['points'])} / {_fmt_max(ind['max_points'])}"


def _fmt_max(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def fmt_month(month: str) -> str:
    """"2026-10" → "10/2026"."""
    year, _, mm = month.partition("-")
    return f"{mm}/{year}" if mm else month


def _fmt_day(iso: str) -> str:
    try:
        return date.fromisoformat(iso).strftime("%d/%m/%Y")
    except ValueError:
        return iso


def _fmt_generated(iso: str) -> str:
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    offset = moment.strftime("%z")
    zone = f" (UTC{offset[:3]}:{offset[3:]})" if offset else ""
    return moment.strftime("%H:%M, %d/%m/%Y") + zone


def status(ind: Indicators) -> str:
    """CSS class: "ok" at ≥ 80 %, "low" below, "na" when there is nothing to count."""
    if ind["rate"] is None:
        return "na"
    return "ok" if ind["rate"] >= THRESHOLD else "low"


STATUS_VI = {"ok": "Đạt (≥ 80 %)", "low": "Chưa đạt", "na": "N/A (mẫu số bằng 0)"}


def _profile_text(report: dict[str, Any]) -> str:
    """The profile's name and each indicator's threshold (``scorecard.PROFILES``)."""
    profile = report.get("profile")
    if not profile:
        return ""
    rules = "; ".join(
        f"{_e(NAMES_VI[k])}: " + ("tuyến tính" if r["full_at"] >= 100
                                  else f"đủ điểm khi ≥ {_fmt_max(r['full_at'])} %")
        for k, r in profile["rules"].items() if k in NAMES_VI)
    return f"{_e(profile['title'])} ({_e(profile['name'])}) — {rules}. "


def _agency_name(agency: str | None) -> str:
    return agency if agency else NO_AGENCY


# -- header, cards, notes -------------------------------------------------------------------


def _header(report: dict[str, Any]) -> str:
    agency = report.get("agency")
    scope = f"Cơ quan {_e(agency)}" if agency else "Tất cả cơ quan"
    max_points = report.get("max_points") or {}
    maxima = "; ".join(f"{_e(NAMES_VI[k])}: {_e(_fmt_max(max_points[k]))} điểm"
                       for k in INDICATORS if k in max_points)
    return f"""<header>
<h1>{_e(TITLE)}</h1>
<p class="period">Từ {_e(_fmt_day(report["from"]))} đến {_e(_fmt_day(report["to"]))}</p>
<p class="meta"><span><b>Phạm vi:</b> {scope}</span>
<span><b>Lập lúc:</b> {_e(_fmt_generated(report["generated_at"]))}</span></p>
<p class="rules"><b>Cách tính:</b> {_profile_text(report)}tỷ lệ = tử số ÷ mẫu số × 100 %, \
làm tròn 2 chữ số thập phân; điểm = điểm tối đa × tỷ lệ ÷ ngưỡng đủ điểm, không quá điểm tối \
đa (làm tròn 2 chữ số). <b>Đạt</b> khi tỷ lệ ≥ 80 %. <b>N/A</b> khi mẫu số bằng 0: không có \
hồ sơ để tính, không phải 0 %. Điểm tối đa — {maxima}.</p>
</header>"""


def _cards(total: Indicators) -> str:
    cards = "\n".join(_card(key, total[key]) for key in INDICATORS)
    return f'<section class="cards" aria-label="Tổng hợp cả kỳ">\n{cards}\n</section>'


def _card(key: str, ind: Indicators) -> str:
    state = status(ind)
    fill = 0.0 if ind["rate"] is None else max(0.0, min(100.0, float(ind["rate"])))
    return f"""<article class="card {state}">
<h3>{_e(NAMES_VI[key])}</h3>
<p class="big">{_e(fmt_rate(ind))}</p>
<p class="badge">{_e(STATUS_VI[state])}</p>
<div class="meter" aria-hidden="true"><span style="width:{fill:.2f}%"></span><i></i></div>
<dl><dt>Điểm</dt><dd>{_e(fmt_points(ind))}</dd>
<dt>Tử số / Mẫu số</dt><dd>{_e(_fraction(ind))}</dd></dl>
<p class="hint">{_e(RATIOS_VI[key])}</p>
</article>"""


def _fraction(ind: Indicators) -> str:
    return f"{fmt_count(ind['numerator'])} / {fmt_count(ind['denominator'])}"


def _manifest(manifest: dict[str, Any] | None) -> str:
    if not manifest:
        return ""
    return f"""<aside class="manifest">
<h2>Hồ sơ xử lý ngoài hệ thống</h2>
<p>Tệp <b>{_e(manifest["file"])}</b>: {_e(fmt_count(manifest["rows"]))} dòng, trong đó \
<b>{_e(fmt_count(manifest["added"]))}</b> hồ sơ được cộng vào báo cáo này; \
{_e(fmt_count(manifest["skipped_known"]))} hồ sơ đã có trong hệ thống (dùng số liệu của hệ \
thống); {_e(fmt_count(manifest["outside"]))} hồ sơ ngoài kỳ báo cáo hoặc của cơ quan khác \
(không tính).</p>
</aside>"""


def _footer(report: dict[str, Any]) -> str:
    return f"""<footer><p>{_e(TITLE)} · từ {_e(_fmt_day(report["from"]))} đến \
{_e(_fmt_day(report["to"]))} · lập bằng sohoa lúc {_e(_fmt_generated(report["generated_at"]))}.
</p></footer>"""


# -- sections -------------------------------------------------------------------------------


def _months_section(report: dict[str, Any]) -> str:
    months = report["months"]
    if not months:
        return ('<section><h2>Diễn biến theo tháng</h2>'
                '<p class="empty">Không có hồ sơ nào trong kỳ báo cáo.</p></section>')
    chart = _figure(rate_chart([(fmt_month(m["month"]), m) for m in months]),
                    "Tỷ lệ theo tháng, toàn bộ phạm vi báo cáo")
    rows = [_Row((fmt_month(m["month"]),), m) for m in months]
    rows.append(_Row(("Cả kỳ",), report["total"], "subtotal"))
    return f"""<section>
<h2>Diễn biến theo tháng — toàn bộ</h2>
{chart}
{_table(("Tháng",), rows, report)}
</section>"""


def _comparison_section(report: dict[str, Any]) -> str:
    agencies = report["agencies"]
    chart = _figure(agency_chart([(_agency_name(a["agency"]), a) for a in agencies]),
                    "Tỷ lệ cả kỳ của từng cơ quan")
    rows = [_Row((_agency_name(a["agency"]),), a) for a in agencies]
    rows.append(_Row(("Tổng",), report["total"], "subtotal"))
    return f"""<section>
<h2>So sánh giữa các cơ quan</h2>
{chart}
{_table(("Cơ quan",), rows, report)}
</section>"""


def _agency_section(report: dict[str, Any], item: Indicators, *, chart: bool) -> str:
    agency = item["agency"]
    figure = ""
    if chart:
        points = [(fmt_month(m["month"]), m) for m in report["agency_months"]
                  if m["agency"] == agency]
        figure = _figure(rate_chart(points), f"Tỷ lệ theo tháng — {_agency_name(agency)}")
    rows = []
    previous: str | None = None
    for row in (r for r in report["rows"] if r["agency"] == agency):
        procedure = row["procedure"] or NO_PROCEDURE
        rows.append(_Row((procedure, fmt_month(row["month"])), row,
                         "repeat" if procedure == previous else "first"))
        previous = procedure
    rows.append(_Row(("Cả cơ quan", ""), item, "subtotal"))
    return f"""<section class="agency">
<h2>Cơ quan {_e(_agency_name(agency))}</h2>
{_chips(item)}
{figure}
{_table(("Thủ tục (mã TTHC)", "Tháng"), rows, report)}
</section>"""


def _chips(item: Indicators) -> str:
    chips = "".join(f'<span class="chip {status(item[k])}">{_e(NAMES_VI[k])}: '
                    f'<b>{_e(fmt_rate(item[k]))}</b></span>' for k in INDICATORS)
    return f'<p class="chips">{chips}</p>'


# -- tables ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    labels: Sequence[str]
    indicators: Indicators
    kind: str = ""  # "subtotal", "first" (of a procedure's rows), "repeat" or ""


def _table(labels: Sequence[str], rows: Iterable[_Row], report: dict[str, Any]) -> str:
    max_points = report.get("max_points") or {}
    top = "".join(f'<th rowspan="2" scope="col">{_e(label)}</th>' for label in labels)
    for key in INDICATORS:
        maximum = max_points.get(key)
        extra = f' <span class="max">(tối đa {_e(_fmt_max(maximum))} điểm)</span>' \
            if maximum is not None else ""
        top += f'<th colspan="3" scope="colgroup" class="ind">{_e(NAMES_VI[key])}{extra}</th>'
    sub = '<th scope="col">Tử số / Mẫu số</th><th scope="col">Tỷ lệ</th>' \
          '<th scope="col">Điểm</th>'
    body = "\n".join(_table_row(row) for row in rows)
    return (f'<div class="table-wrap"><table>\n<thead><tr>{top}</tr><tr>{sub * 3}</tr>'
            f'</thead>\n<tbody>\n{body}\n</tbody></table></div>')


def _table_row(row: _Row) -> str:
    cells = [f'<th scope="row" class="label">{_e(row.labels[0])}</th>']
    cells += [f'<td class="label">{_e(label)}</td>' for label in row.labels[1:]]
    for key in INDICATORS:
        ind = row.indicators[key]
        state = status(ind)
        title = f' title="{_e(STATUS_VI[state])}"'
        cells += [f'<td class="num">{_e(_fraction(ind))}</td>',
                  f'<td class="rate {state}"{title}>{_e(fmt_rate(ind))}</td>',
                  f'<td class="pts {state}">{_e(fmt_points(ind))}</td>']
    kind = f' class="{row.kind}"' if row.kind else ""
    return f"<tr{kind}>{''.join(cells)}</tr>"


# -- charts ---------------------------------------------------------------------------------


def _figure(png: bytes, caption: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    width, height = _png_size(png)
    return (f'<figure><img src="data:image/png;base64,{data}" width="{width}" '
            f'height="{height}" alt="{_e(caption)}"><figcaption>{_e(caption)}</figcaption>'
            f'</figure>')


def _png_size(png: bytes) -> tuple[int, int]:
    """Pixel size from the IHDR chunk (bytes 16–24 of any PNG)."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def series(points: Sequence[tuple[str, Indicators]], key: str) -> list[float]:
    """Rates of one indicator, NaN where N/A: a gap in the chart, never a zero."""
    values = []
    for _, inds in points:
        value = inds[key]["rate"]
        values.append(math.nan if value is None else float(value))
    return values


def rate_chart(points: Sequence[tuple[str, Indicators]]) -> bytes:
    """Rates per month (label, indicators): grouped bars, or lines for a long period."""
    figure = Figure(figsize=(9.6, 3.5), dpi=DPI, layout="constrained")
    axes = figure.add_subplot()
    labels = [label for label, _ in points]
    if len(points) <= BAR_CHART_MAX_MONTHS:
        _grouped_bars(axes, labels, {k: series(points, k) for k in INDICATORS})
    else:
        _lines(axes, labels, {k: series(points, k) for k in INDICATORS})
    _rate_axis(axes.yaxis, axes)
    axes.axhline(THRESHOLD, color=THRESHOLD_COLOR, linestyle="--", linewidth=1.2, zorder=3)
    axes.text(1.005, THRESHOLD, "Ngưỡng 80 %", transform=axes.get_yaxis_transform(),
              ha="left", va="center", fontsize=8, color=THRESHOLD_COLOR, fontfamily=FONT,
              parse_math=False)
    axes.set_xlabel("Tháng", fontfamily=FONT, fontsize=9)
    _legend(axes)
    return _png(figure)


def _grouped_bars(axes: Any, labels: list[str], values: dict[str, list[float]]) -> None:
    width = 0.8 / len(values)
    for n, (key, rates) in enumerate(values.items()):
        xs = [i + (n - (len(values) - 1) / 2) * width for i in range(len(labels))]
        axes.bar(xs, rates, width * 0.92, color=COLORS[key], label=NAMES_VI[key], zorder=2)
        for x, value in zip(xs, rates, strict=True):
            missing = math.isnan(value)
            axes.text(x, 1.5 if missing else value + 1.2, "N/A" if missing else
                      fmt_decimal(value), ha="center", va="bottom", fontsize=7,
                      fontfamily=FONT, parse_math=False, zorder=4,
                      color="#777777" if missing else "#333333",
                      fontstyle="italic" if missing else "normal")
    axes.set_xticks(range(len(labels)), labels)
    axes.set_xlim(-0.6, len(labels) - 0.4)


def _lines(axes: Any, labels: list[str], values: dict[str, list[float]]) -> None:
    xs = list(range(len(labels)))
    for key, rates in values.items():  # NaN breaks the line: N/A months are gaps
        axes.plot(xs, rates, color=COLORS[key], label=NAMES_VI[key], marker="o",
                  markersize=4, linewidth=1.8, zorder=2)
    axes.set_xticks(xs, labels)
    axes.set_xlim(-0.5, len(labels) - 0.5)


def agency_chart(points: Sequence[tuple[str, Indicators]]) -> bytes:
    """Whole-period rates per agency, horizontal grouped bars, first agency on top."""
    height = 1.2 + 0.55 * len(points)
    figure = Figure(figsize=(9.6, height), dpi=DPI, layout="constrained")
    axes = figure.add_subplot()
    labels = [_shorten(label) for label, _ in points]
    width = 0.8 / len(INDICATORS)
    for n, key in enumerate(INDICATORS):
        rates = series(points, key)
        ys = [i + (n - (len(INDICATORS) - 1) / 2) * width for i in range(len(points))]
        axes.barh(ys, rates, width * 0.92, color=COLORS[key], label=NAMES_VI[key], zorder=2)
        for y, value in zip(ys, rates, strict=True):
            missing = math.isnan(value)
            axes.text(0.8 if missing else value + 0.8, y, "N/A" if missing else
                      fmt_decimal(value), va="center", fontsize=7, fontfamily=FONT,
                      parse_math=False, zorder=4, color="#777777" if missing else "#333333",
                      fontstyle="italic" if missing else "normal")
    axes.set_yticks(range(len(points)), labels)
    axes.set_ylim(len(points) - 0.5, -0.95)  # headroom above the first agency for the label
    _rate_axis(axes.xaxis, axes)
    axes.axvline(THRESHOLD, color=THRESHOLD_COLOR, linestyle="--", linewidth=1.2, zorder=3)
    axes.text(THRESHOLD + 0.8, -0.72, "Ngưỡng 80 %", ha="left", va="center", fontsize=8,
              color=THRESHOLD_COLOR, fontfamily=FONT, parse_math=False)
    _legend(axes)
    return _png(figure)


def _shorten(label: str, limit: int = 28) -> str:
    """A tick label: at most ``limit`` characters, "$" literal (tick labels parse mathtext)."""
    short = label if len(label) <= limit else label[: limit - 1] + "…"
    return short.replace("$", r"\$")


def _rate_axis(axis: Any, axes: Any) -> None:
    """0–100 % with room above for the value labels; grid behind the bars."""
    axis.set_major_locator(MultipleLocator(20))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f} %" if v <= 100 else ""))
    if axis is axes.yaxis:
        axes.set_ylim(0, 110)
    else:
        axes.set_xlim(0, 110)
    axes.grid(axis="y" if axis is axes.yaxis else "x", color="#e3e3e3", zorder=0)
    axes.tick_params(labelsize=8, labelfontfamily=FONT)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def _legend(axes: Any) -> None:
    axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(INDICATORS),
                frameon=False, prop={"family": FONT, "size": 8})


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    # No "Software" tag: the bytes depend on the data only, not on the matplotlib version.
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


# -- page -----------------------------------------------------------------------------------

_PAGE = """<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
{css}
</style>
</head>
<body>
<main>
{body}
</main>
</body>
</html>
"""

_CSS = """
:root { --ok: #1e7b34; --ok-bg: #e6f4ea; --low: #a15c00; --low-bg: #fff1dc;
  --na: #5f6368; --na-bg: #eceff1; --line: #d9dde3; --ink: #1d2329; --muted: #5c6670; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; background: #f5f6f8; color: var(--ink);
  font: 14px/1.45 "DejaVu Sans", "Segoe UI", Arial, sans-serif; }
main { max-width: 1280px; margin: 0 auto; padding: 20px 24px 32px; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 10px; padding-bottom: 4px;
  border-bottom: 2px solid var(--line); }
h3 { font-size: 14px; margin: 0 0 6px; font-weight: 600; }
.period { font-size: 18px; font-weight: 600; margin: 0 0 6px; color: #1f4e79; }
.meta { margin: 0 0 8px; color: var(--muted); display: flex; gap: 24px; flex-wrap: wrap; }
.rules { margin: 0; font-size: 12px; color: var(--muted); max-width: 1100px; }
.cards { display: grid; grid-template-columns: repeat(3, 1fr); gap: 14px; margin: 18px 0; }
.card { border: 1px solid var(--line); border-left: 6px solid var(--na); border-radius: 6px;
  padding: 12px 14px; background: #fff; break-inside: avoid; }
.card.ok { border-left-color: var(--ok); background: var(--ok-bg); }
.card.low { border-left-color: var(--low); background: var(--low-bg); }
.card.na { background: var(--na-bg); }
.card .big { font-size: 34px; font-weight: 700; margin: 2px 0; line-height: 1.1; }
.card.ok .big, .card.ok .badge { color: var(--ok); }
.card.low .big, .card.low .badge { color: var(--low); }
.card.na .big, .card.na .badge { color: var(--na); }
.badge { margin: 0 0 8px; font-weight: 600; font-size: 13px; }
.meter { position: relative; height: 8px; background: #fff; border: 1px solid var(--line);
  border-radius: 4px; margin-bottom: 8px; }
.meter span { display: block; height: 100%; border-radius: 3px; background: var(--na); }
.card.ok .meter span { background: var(--ok); }
.card.low .meter span { background: var(--low); }
.meter i { position: absolute; left: 80%; top: -3px; bottom: -3px;
  border-left: 2px dashed #c0392b; }
.card dl { display: grid; grid-template-columns: auto 1fr; gap: 2px 10px; margin: 0; }
.card dt { color: var(--muted); }
.card dd { margin: 0; font-weight: 600; white-space: nowrap; }
.hint { margin: 6px 0 0; font-size: 12px; color: var(--muted); }
.manifest { border: 1px solid #b7c9e2; background: #eef4fb; border-radius: 6px;
  padding: 8px 14px; margin: 8px 0 0; break-inside: avoid; }
.manifest h2 { border: 0; margin: 0 0 2px; padding: 0; font-size: 15px; }
.manifest p { margin: 0; }
figure { margin: 8px 0 12px; break-inside: avoid; }
figure img { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 12px; color: var(--muted); }
.chips { display: flex; flex-wrap: wrap; gap: 8px; margin: 0 0 8px; }
.chip { border-radius: 12px; padding: 2px 10px; font-size: 12px; background: var(--na-bg); }
.chip.ok { background: var(--ok-bg); color: var(--ok); }
.chip.low { background: var(--low-bg); color: var(--low); }
.chip.na { color: var(--na); font-style: italic; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 12.5px; }
th, td { border: 1px solid var(--line); padding: 4px 6px; }
thead th { background: #f0f3f7; font-weight: 600; text-align: center; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
th.ind { font-size: 12.5px; }
th .max { font-weight: 400; color: var(--muted); white-space: nowrap; }
tbody th, td.label { text-align: left; font-weight: 400; white-space: nowrap; }
td.num, td.rate, td.pts { text-align: right; white-space: nowrap;
  font-variant-numeric: tabular-nums; }
td.rate.ok { background: var(--ok-bg); color: var(--ok); font-weight: 600; }
td.rate.low { background: var(--low-bg); color: var(--low); font-weight: 600; }
td.na { background: repeating-linear-gradient(135deg, var(--na-bg) 0 6px, #f7f8f9 6px 12px);
  color: var(--na); font-style: italic; text-align: center; }
tr.repeat > th { color: #9aa3ad; }
tr.first > * { border-top: 2px solid #c5ccd5; }
tr.subtotal > * { font-weight: 700; border-top: 2px solid #8d99a6; background: #f7f9fb; }
tr.subtotal > td.na { background: repeating-linear-gradient(135deg, var(--na-bg) 0 6px,
  #f7f9fb 6px 12px); }
.empty { color: var(--muted); font-style: italic; }
footer { margin-top: 28px; font-size: 11px; color: var(--muted);
  border-top: 1px solid var(--line); }
@media screen and (max-width: 720px) { .cards { grid-template-columns: 1fr; } }
@page { size: A4 landscape; margin: 10mm; }
@media print {
  body { background: #fff; font-size: 11px; }
  main { max-width: none; padding: 0; }
  table { font-size: 10px; }
  th, td { padding: 2px 4px; }
  .agency { break-before: page; }
  h2 { break-after: avoid; }
}
""".strip()
