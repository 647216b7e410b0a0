"""OCR benchmark: the sohoa pipeline against OCRmyPDF and plain Tesseract on the same files.

Two generated page families, read by three readers from the same input bytes on one core:

- family 1: ``tests.scangen`` pages as before (forms, ID cards, letters; degraded, any
  quarter-turn, skew within ±15°, every 10th page a blank back) — unchanged, so figures
  stay comparable with earlier runs;
- family 2: ``tests.scangen.family2`` pages our generator did not make before (other fonts
  and sizes, 100-300 dpi, 1-bit scans, prose book pages, letter headers elsewhere).

Readers:

- **sohoa**: ``process_page`` in this process (OpenCV on one thread, Tesseract with
  ``OMP_THREAD_LIMIT=1``), with the CLI's default engine (``--engine auto``: Tesseract and
  the second reader when its model is installed);
- **OCRmyPDF**: ``ocrmypdf --rotate-pages --deskew --clean -l vie --jobs 1`` on the file, its
  text read back with ``pdftotext`` (the fair peer: it turns and deskews pages too);
- **plain Tesseract**: ``tesseract FILE - -l vie`` on the unprocessed file (it returns little
  on turned pages, so a ratio against it mostly measures turning).

Prints CER/WER per page family for each reader, pages per minute for each, skew and
quarter-turn accuracy and blank detection for sohoa, and peak memory of each reader's
process tree (the benchmark samples ``/proc`` for every descendant process: OCRmyPDF and
everything it spawns; sohoa runs Tesseract inside its own process, so its figure to watch is
"sohoa worker (this process)", unless ``SOHOA_TESSERACT=cli``), with the targets beside them.
``--real [DIR]`` adds line-by-line CER on the ``text_lines`` of ``../shared/realdev`` for
sohoa and plain Tesseract (``benchmarks/realdev.py``).

Per-page baseline ("no page worse than before by more than 0.2 points"): ``--write-baseline
FILE`` stores sohoa's CER of every page under a stable id (generator family, seed, index:
``f1-s1-0003``; real pages by name) with the command, the code commit and the engine;
``--baseline FILE`` compares a run (or ``--report`` of saved runs) with it, prints every page
worse by more than ``--tolerance`` (0.2 points) and, with ``--check``, exits non-zero when
there is one. The committed baseline is ``benchmarks/baselines/ocr_pages.json``.

    .venv/bin/python benchmarks/ocr_bench.py --pages 30 --family2-pages 30 [--seed 1] \
        [--real] [--no-ocrmypdf] [--out bench-out] [--json figures.json] \
        [--write-baseline FILE | --baseline FILE [--check]]

Not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import cv2
from rapidfuzz.distance import Levenshtein

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ocr_models.registry import resolve as resolve_engine  # noqa: E402
from pipeline.page.intake import list_pages  # noqa: E402
from pipeline.page.process import PageOptions, process_page  # noqa: E402
from tests.scangen import generate_set  # noqa: E402
from tests.scangen.family2 import generate_family2  # noqa: E402

READERS = ("sohoa", "ocrmypdf", "plain")
READER_NAMES = {"sohoa": "sohoa", "ocrmypdf": "OCRmyPDF", "plain": "plain tesseract"}
FORM_FAMILY = "1-forms"
# Targets (issue 15), printed beside the figures.
CER_TARGET = 0.010  # every page family
CER_FORM_TARGET = 0.005  # form pages
SECONDS_TARGET = 3.5  # per page per core
PEER_SPEED_TARGET = 3.0  # x OCRmyPDF's pages per minute
OCRMYPDF_ARGS = ("--rotate-pages", "--deskew", "--clean", "-l", "vie", "--jobs", "1")
BASELINE = REPO / "benchmarks" / "baselines" / "ocr_pages.json"
BASELINE_TOLERANCE = 0.002  # 0.2 CER points: "no page worse than before by more than"


# -- scoring ----------------------------------------------------------------------------------


def normalise(text: str) -> str:
    """NFC, whitespace collapsed: layout spacing is not an OCR error."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def error_counts(truth: str, hyp: str) -> tuple[int, int, int, int]:
    """(char edits, truth chars, word edits, truth words)."""
    t, h = normalise(truth), normalise(hyp)
    return (Levenshtein.distance(t, h), len(t),
            Levenshtein.distance(t.split(), h.split()), len(t.split()))


def page_family(generator_family: int, doc_type: str, kind: str = "") -> str:
    """The page family a page is reported under: family-1 forms (every paper but letters),
    family-1 letters, and family 2 by kind (prose, letters)."""
    if generator_family == 1:
        return "1-letters" if doc_type == "van_ban_hanh_chinh" else FORM_FAMILY
    return {"prose": "2-prose", "letter": "2-letters"}.get(kind, f"2-{kind or doc_type}")


def pooled(rows: list[dict], reader: str) -> tuple[float, float]:
    """Pooled (CER, WER) of ``reader`` over ``rows``: edits summed over truth summed."""
    chars = sum(r["chars"] for r in rows)
    words = sum(r["words"] for r in rows)
    ce = sum(r[f"{reader}_char_err"] for r in rows)
    we = sum(r[f"{reader}_word_err"] for r in rows)
    return (ce / chars if chars else float("nan"), we / words if words else float("nan"))


def pages_per_minute(seconds: list[float]) -> float:
    total = sum(seconds)
    return 60.0 * len(seconds) / total if total > 0 else float("nan")


# -- memory of process trees ------------------------------------------------------------------


def _proc_status(pid: int) -> dict[str, str]:
    out: dict[str, str] = {}
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
            for line in f:
                key, _, value = line.partition(":")
                out[key] = value.strip()
    except OSError:
        pass
    return out


def _parents() -> dict[int, int]:
    """pid -> parent pid of every process visible in /proc."""
    out: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", encoding="ascii", errors="replace") as f:
                stat = f.read()
        except OSError:
            continue
        # the command name is in parentheses and may hold spaces: split after the last ")"
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 1:
            out[int(name)] = int(fields[1])
    return out


def descendants(root: int) -> list[int]:
    parents = _parents()
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    out, todo = [], list(children.get(root, []))
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def _kib(value: str) -> int:
    return int(value.split()[0]) if value else 0


@dataclass
class TreePeak:
    """Peak memory of one reader's child processes, MiB."""

    tree_mb: float = 0.0  # most resident memory held by all descendants at one moment
    process_mb: float = 0.0  # largest single descendant (its VmHWM: its own peak)
    largest: str = ""  # that process's name
    processes: set[int] = field(default_factory=set)


class TreeSampler:
    """Samples the resident memory of this process's descendants every ``interval`` seconds,
    booked to the reader set in ``phase`` (RUSAGE_CHILDREN would give only the largest child
    ever reaped, for all readers at once). Each process's VmHWM is its own peak, so a
    process seen alive once is measured at its peak even if it peaks between samples."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.phase: str | None = None
        self.peaks: dict[str, TreePeak] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.wait(self.interval):
            phase = self.phase
            if phase is None:
                continue
            peak = self.peaks.setdefault(phase, TreePeak())
            total = 0
            for pid in descendants(me):
                status = _proc_status(pid)
                if not status:
                    continue
                total += _kib(status.get("VmRSS", ""))
                hwm = _kib(status.get("VmHWM", "")) / 1024
                peak.processes.add(pid)
                if hwm > peak.process_mb:
                    peak.process_mb, peak.largest = hwm, status.get("Name", "?")
            peak.tree_mb = max(peak.tree_mb, total / 1024)


def own_peak_mb() -> float:
    """This process's peak resident memory (the sohoa worker runs in it)."""
    return _kib(_proc_status(os.getpid()).get("VmHWM", "")) / 1024


# -- readers ----------------------------------------------------------------------------------


class CpuClock:
    """CPU seconds spent by this thread and by the child processes reaped meanwhile: a
    reader's cost per page on one core, unaffected by other load on a shared machine (wall
    time is reported too). The sampler thread's own CPU is not counted."""

    def __enter__(self) -> CpuClock:
        self._t0 = time.thread_time()
        self._c0 = _children_cpu()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.thread_time() - self._t0 + _children_cpu() - self._c0


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime



def _env() -> dict[str, str]:
    return {**os.environ, "OMP_THREAD_LIMIT": "1"}


def one_core() -> None:
    """One core per reader: Tesseract without OpenMP threads (this process's children and
    OCRmyPDF's inherit it) and OpenCV without its thread pool, as the batch workers run."""
    os.environ["OMP_THREAD_LIMIT"] = "1"
    cv2.setNumThreads(1)


def run_sohoa(path: Path, options: PageOptions) -> tuple[str, float, object]:
    result = process_page(list_pages(path)[0], options)
    return result.text, result.seconds, result


def run_plain_tesseract(image: Path) -> tuple[str, float]:
    started = time.perf_counter()
    proc = subprocess.run(["tesseract", str(image), "-", "-l", "vie"], capture_output=True,
                          text=True, check=False, env=_env())
    return proc.stdout, time.perf_counter() - started


def run_ocrmypdf(image: Path, workdir: Path) -> tuple[str, float, str | None]:
    """OCRmyPDF on the file, then its text layer as pdftotext reads it:
    (text, seconds of ocrmypdf alone, error or note, else None).

    OCRmyPDF refuses an image whose dpi tag is not credible (the 72 dpi that PDF image
    extractors write); a user would then pass ``--image-dpi``, so it is run again with the
    commonest scanner setting, 300, and the page carries a note."""
    out = workdir / (image.stem + ".ocrmypdf.pdf")
    exe = shutil.which("ocrmypdf") or str(Path(sys.executable).with_name("ocrmypdf"))
    started = time.perf_counter()
    proc = subprocess.run([exe, *OCRMYPDF_ARGS, str(image), str(out)], capture_output=True,
                          text=True, check=False, env=_env())
    note = None
    if proc.returncode != 0 and "DpiError" in proc.stderr:
        note = "dpi tag refused; run again with --image-dpi 300"
        proc = subprocess.run([exe, *OCRMYPDF_ARGS, "--image-dpi", "300", str(image), str(out)],
                              capture_output=True, text=True, check=False, env=_env())
    seconds = time.perf_counter() - started
    if proc.returncode != 0 or not out.exists():
        tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return "", seconds, f"ocrmypdf exit {proc.returncode}: {tail}"
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(out), "-"], capture_output=True,
                          text=True, check=False).stdout
    out.unlink(missing_ok=True)
    return text, seconds, note


def ocrmypdf_available() -> str | None:
    """Why OCRmyPDF cannot run here, or None."""
    if not (shutil.which("ocrmypdf") or Path(sys.executable).with_name("ocrmypdf").exists()):
        return "ocrmypdf is not installed: .venv/bin/pip install -e '.[bench]'"
    if not shutil.which("unpaper"):
        return "unpaper (for --clean) is missing: scripts/install-system-deps.sh"
    return None


# -- the run ----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=30, help="family-1 pages")
    parser.add_argument("--family2-pages", type=int, default=None,
                        help="family-2 pages (default: as many as --pages)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--blank-every", type=int, default=10,
                        help="every Nth family-1 page is a blank duplex back (0: none)")
    parser.add_argument("--out", type=Path, default=REPO / "bench-out")
    parser.add_argument("--format", default="jpg", help="family-1 file format")
    parser.add_argument("--no-ocrmypdf", action="store_true", help="skip the OCRmyPDF peer")
    parser.add_argument("--engine", default="auto",
                        help="sohoa's OCR engine (default auto, as the CLI: tesseract+aster "
                             "when the second reader's model is installed)")
    parser.add_argument("--real", nargs="?", type=Path, const=REPO.parent / "shared" / "realdev",
                        default=None, metavar="DIR",
                        help="also score the text_lines of a realdev set (default "
                             "../shared/realdev)")
    parser.add_argument("--json", type=Path,
                        help="also write per-page figures here (rewritten after every page)")
    parser.add_argument("--report", type=Path, nargs="+", metavar="JSON",
                        help="only print the report of earlier --json files, merged (runs "
                             "split by family or machine)")
    parser.add_argument("--write-baseline", type=Path, metavar="FILE",
                        help="write sohoa's per-page CER (stable page ids) as a baseline "
                             f"(the committed one: {BASELINE.relative_to(REPO)})")
    parser.add_argument("--baseline", type=Path, nargs="?", const=BASELINE, default=None,
                        metavar="FILE", help="compare per-page CER with a baseline (default "
                                             f"{BASELINE.relative_to(REPO)})")
    parser.add_argument("--tolerance", type=float, default=BASELINE_TOLERANCE * 100,
                        metavar="POINTS", help="a page is worse when its CER rose by more "
                                               "than this many points (default 0.2)")
    parser.add_argument("--check", action="store_true",
                        help="with --baseline: exit 1 when any page is worse")
    args = parser.parse_args()
    args.tolerance /= 100
    if args.check and not args.baseline:
        parser.error("--check needs --baseline")
    if args.report:
        return report_files(args.report, baseline=args.baseline, tolerance=args.tolerance,
                            check=args.check, write=args.write_baseline,
                            engine=resolve_engine(args.engine))
    one_core()
    f2_pages = args.pages if args.family2_pages is None else args.family2_pages

    peer = None if args.no_ocrmypdf else ocrmypdf_available()
    if peer:
        parser.error(peer + " (or pass --no-ocrmypdf)")
    readers = [r for r in READERS if not (r == "ocrmypdf" and args.no_ocrmypdf)]

    args.out.mkdir(parents=True, exist_ok=True)
    print(f"generating {args.pages} family-1 and {f2_pages} family-2 pages (seed {args.seed}) "
          f"in {args.out} ...", file=sys.stderr)
    pages: list[tuple[Path, dict]] = []
    for i, (path, truth) in enumerate(generate_set(
            args.out / "family1", args.pages, seed=args.seed, level="degraded",
            fmt=args.format, blank_every=args.blank_every)):
        pages.append((path, {"truth": truth, "family": page_family(1, truth.doc_type),
                             "id": page_id(1, args.seed, i)}))
    for i, (path, truth, scan) in enumerate(generate_family2(args.out / "family2", f2_pages,
                                                              seed=args.seed)):
        pages.append((path, {"truth": truth, "family": page_family(2, truth.doc_type, scan.kind),
                             "scan": scan.to_dict(), "id": page_id(2, args.seed, i)}))

    options = PageOptions(engine=resolve_engine(args.engine))
    print(f"sohoa engine: {options.engine}", file=sys.stderr)
    generator = {"format": args.format, "blank_every": args.blank_every, "level": "degraded",
                 "engine": options.engine}
    rows: list[dict] = []
    with TreeSampler() as sampler, tempfile.TemporaryDirectory(prefix="ocr-bench-") as tmp:
        for n, (path, meta) in enumerate(pages, 1):
            truth = meta["truth"]
            texts: dict[str, str] = {}
            secs: dict[str, float] = {}
            cpu: dict[str, float] = {}
            sampler.phase = "sohoa"
            with CpuClock() as clock:
                texts["sohoa"], secs["sohoa"], result = run_sohoa(path, options)
            cpu["sohoa"] = clock.seconds
            errors = {"sohoa": str(result.error) if result.error else None}
            if "ocrmypdf" in readers and not truth.blank:
                sampler.phase = "ocrmypdf"
                with CpuClock() as clock:
                    texts["ocrmypdf"], secs["ocrmypdf"], errors["ocrmypdf"] = run_ocrmypdf(
                        path, Path(tmp))
                cpu["ocrmypdf"] = clock.seconds
            if not truth.blank:
                sampler.phase = "plain"
                with CpuClock() as clock:
                    texts["plain"], secs["plain"] = run_plain_tesseract(path)
                cpu["plain"] = clock.seconds
            sampler.phase = None
            rows.append(_row(path, meta, result, texts, secs, cpu, errors))
            r = rows[-1]
            if args.json:  # a long run interrupted still leaves its figures
                _save(args.json, rows, sampler.peaks, None, generator)
            print(f"[{n}/{len(pages)}] {path.name} {r['family']} dpi={truth.dpi} "
                  f"rot {truth.rotation}->{result.rotation} skew {truth.skew_deg:+.2f}->"
                  f"{result.skew_deg:+.2f} cer " + " ".join(
                      f"{k} {r.get(f'{k}_cer', float('nan')):.4f} {cpu.get(k, 0):.1f}s"
                      for k in readers), file=sys.stderr)
        peaks = dict(sampler.peaks)
    if rows:
        print(f"\nsohoa engine: {options.engine}")
        _report(rows, readers, peaks, own_peak_mb())
    real = None
    if args.real:
        real = run_real(args.real, options)
    if args.json:
        _save(args.json, rows, peaks, real, generator)
    if args.write_baseline:
        write_baseline(args.write_baseline, rows, real, engine=str(options.engine),
                       generator=generator)
    if args.baseline:
        return compare_with_baseline(args.baseline, rows, real, tolerance=args.tolerance,
                                     check=args.check)
    return 0


def _save(path: Path, rows: list[dict], peaks: dict[str, TreePeak], real: dict | None,
          generator: dict | None = None) -> None:
    data = {"pages": rows, "real": real, "own_mb": own_peak_mb(), "generator": generator,
            "commit": _git_commit(), "command": " ".join(sys.argv[1:]),
            "peaks": {k: {"tree_mb": p.tree_mb, "process_mb": p.process_mb,
                          "largest": p.largest} for k, p in dict(peaks).items()}}
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def report_files(paths: list[Path], *, baseline: Path | None = None,
                 tolerance: float = BASELINE_TOLERANCE, check: bool = False,
                 write: Path | None = None, engine: str = "") -> int:
    """Print the report of saved runs as one: pages pooled, memory peaks the largest; with
    ``baseline``, compare them with it as a fresh run would be; with ``write``, write them
    as a baseline (``engine``: for runs saved before the JSON named it)."""
    rows: list[dict] = []
    peaks: dict[str, TreePeak] = {}
    own = 0.0
    datas = [json.loads(path.read_text(encoding="utf-8")) for path in paths]
    for data in datas:
        rows.extend(data.get("pages") or [])
        own = max(own, float(data.get("own_mb") or 0.0))
        for k, p in (data.get("peaks") or {}).items():
            have = peaks.setdefault(k, TreePeak())
            have.tree_mb = max(have.tree_mb, p["tree_mb"])
            if p["process_mb"] > have.process_mb:
                have.process_mb, have.largest = p["process_mb"], p["largest"]
    real = merge_real([d["real"] for d in datas if d.get("real")])
    readers = [k for k in READERS if any(f"{k}_cer" in r for r in rows)]
    if rows:
        _report(rows, readers, peaks, own)
    if real:
        _print_real(real)
    if write:
        generator = next((d["generator"] for d in datas if d.get("generator")), None) or {}
        write_baseline(write, rows, real, engine=generator.get("engine") or engine,
                       generator=generator, commit=next(
                           (d["commit"] for d in datas if d.get("commit")), None),
                       command=" + ".join(d["command"] for d in datas if d.get("command"))
                       or None)
    if baseline:
        return compare_with_baseline(baseline, rows, real, tolerance=tolerance, check=check)
    return 0


def _row(path: Path, meta: dict, result, texts: dict[str, str], secs: dict[str, float],
         cpu: dict[str, float], errors: dict[str, str | None]) -> dict:
    truth = meta["truth"]
    row = {
        "id": meta.get("id"), "file": f"{path.parent.name}/{path.name}",
        "family": meta["family"],
        "type": truth.doc_type, "dpi": truth.dpi, "scan": meta.get("scan"),
        "blank": truth.blank, "found_blank": result.blank,
        "rotation": truth.rotation, "found_rotation": result.rotation,
        "skew": truth.skew_deg, "found_skew": result.skew_deg,
    }
    _, cn, _, wn = error_counts(truth.text, "")
    row.update(chars=cn, words=wn)
    for reader, text in texts.items():
        ce, _, we, _ = error_counts(truth.text, text)
        row.update({f"{reader}_char_err": ce, f"{reader}_word_err": we,
                    f"{reader}_cer": ce / cn if cn else 0.0,
                    f"{reader}_seconds": secs[reader], f"{reader}_cpu": cpu[reader],
                    f"{reader}_error": errors.get(reader)})
    return row


def _mean(xs: list[float]) -> float:
    return sum(xs) / len(xs) if xs else float("nan")


def _report(rows: list[dict], readers: list[str], peaks: dict[str, TreePeak],
            own_mb: float) -> None:
    text = [r for r in rows if not r["blank"]]
    families = sorted({r["family"] for r in text})
    chars = sum(r["chars"] for r in text)
    print(f"\nOCR benchmark: {len(rows)} pages ({len(text)} text, {len(rows) - len(text)} "
          f"blank), {chars} characters; one core per reader (OMP_THREAD_LIMIT=1, "
          f"cv2.setNumThreads(1))")
    head = "".join(f"{READER_NAMES[k]:>18}" for k in readers)
    print(f"\n{'CER / WER by page family':30}{head}   target (sohoa CER)")
    for fam in [*families, "all"]:
        group = text if fam == "all" else [r for r in text if r["family"] == fam]
        cells = ""
        for k in readers:
            cer, wer = pooled(group, k)
            cells += f"{cer:>9.2%} /{wer:>6.1%}"
        target = CER_FORM_TARGET if fam == FORM_FAMILY else CER_TARGET
        sohoa_cer = pooled(group, "sohoa")[0]
        mark = "" if fam == "all" else ("  ok" if sohoa_cer <= target else "  MISSED")
        label = f"{fam} ({len(group)} p)"
        print(f"{label:30}{cells}   <= {target:.1%}{mark}")
    small = [r for r in text if abs(r["skew"]) <= 5.0]
    print(f"{'  of which |skew| <= 5° (' + str(len(small)) + ' p)':30}" + "".join(
        f"{pooled(small, k)[0]:>9.2%} /{pooled(small, k)[1]:>6.1%}" for k in readers)
        + "   (small skew only)")

    print(f"\n{'speed (CPU s: one core)':30}{head}   target")

    def per_page(group: list[dict], k: str, what: str) -> list[float]:
        return [r[f"{k}_{what}"] for r in group if f"{k}_{what}" in r]

    cpu_s = {k: _mean(per_page(text, k, "cpu")) for k in readers}
    wall_s = {k: _mean(per_page(text, k, "seconds")) for k in readers}
    ppm = {k: pages_per_minute(per_page(text, k, "cpu")) for k in readers}
    print(f"{'CPU seconds per page':30}" + "".join(f"{cpu_s[k]:>18.2f}" for k in readers)
          + f"   sohoa <= {SECONDS_TARGET} s "
          + ("ok" if cpu_s["sohoa"] <= SECONDS_TARGET else "MISSED"))
    ratio = ""
    if "ocrmypdf" in ppm:
        x = ppm["sohoa"] / ppm["ocrmypdf"]
        ratio = (f"   sohoa >= {PEER_SPEED_TARGET:.0f}x OCRmyPDF: {x:.2f}x "
                 + ("ok" if x >= PEER_SPEED_TARGET else "MISSED"))
    print(f"{'pages per minute per core':30}" + "".join(f"{ppm[k]:>18.1f}" for k in readers)
          + ratio)
    print(f"{'wall seconds per page':30}" + "".join(f"{wall_s[k]:>18.2f}" for k in readers)
          + "   (shared machine: wall time includes waiting for a core)")
    for fam in families:
        group = [r for r in text if r["family"] == fam]
        print(f"{'  CPU s/page ' + fam:30}" + "".join(
            f"{_mean(per_page(group, k, 'cpu')):>18.2f}" for k in readers))

    print(f"\n{'peak memory (MiB)':30}" + head)
    print(f"{'  child process tree':30}" + "".join(
        f"{peaks.get(k, TreePeak()).tree_mb:>18.0f}" for k in readers))
    print(f"{'  largest child process':30}" + "".join(
        f"{peaks.get(k, TreePeak()).process_mb:>12.0f} {peaks.get(k, TreePeak()).largest[:5]:>5}"
        for k in readers))
    print(f"{'  sohoa worker (this process)':30}{own_mb:>18.0f}   worker + children <= 1 GB")

    skew_err = [abs(r["found_skew"] - r["skew"]) for r in text]
    turns_ok = sum(r["found_rotation"] == r["rotation"] for r in text)
    blanks_ok = sum(r["found_blank"] == r["blank"] for r in rows)
    print(f"\nsohoa skew abs error mean / max: {_mean(skew_err):.3f}° / "
          f"{max(skew_err, default=0):.3f}° (target <= 0.1° / 0.5°); quarter-turns right "
          f"{turns_ok}/{len(text)}; blank pages right {blanks_ok}/{len(rows)}")
    for r in rows:
        for k in readers:
            if r.get(f"{k}_error"):
                print(f"  {READER_NAMES[k]} on {r['file']}: {r[f'{k}_error']}")
    worst = sorted(text, key=lambda r: -r["sohoa_cer"])[:5]
    print("sohoa's worst pages: " + ", ".join(
        f"{r['file']} {r['family']} {r['sohoa_cer']:.2%}" for r in worst))


# -- per-page baseline ------------------------------------------------------------------------


def page_id(generator_family: int, seed: int, index: int) -> str:
    """A generated page's stable name: the generators make page ``index`` of a seed the same
    whatever the set's size (``sample_seeds``), so ``f1-s1-0003`` is one page in every run."""
    return f"f{generator_family}-s{seed}-{index:04d}"


def _git_commit() -> str:
    """HEAD of the checkout, with ``+dirty`` when tracked files differ from it."""
    def git(*cmd: str) -> str:
        return subprocess.run(["git", "-C", str(REPO), *cmd], capture_output=True, text=True,
                              check=False).stdout.strip()
    head = git("rev-parse", "HEAD") or "unknown"
    return head + ("+dirty" if git("status", "--porcelain", "--untracked-files=no") else "")


def baseline_data(rows: list[dict], real: dict | None, *, engine: str,
                  generator: dict, commit: str | None = None,
                  command: str | None = None) -> dict:
    """The baseline document: how it was made, then sohoa's CER per page id (text pages;
    blank pages carry no text) and per real page (line-by-line CER)."""
    # a page that failed (e.g. Tesseract timed out on a crowded machine) is no baseline
    failed = [r.get("id") or r.get("page") for r in [*rows, *(real or {}).get("pages", [])]
              if r.get("sohoa_error") or r.get("error")]
    if failed:
        print(f"not in the baseline, failed in this run: {', '.join(failed)}", file=sys.stderr)
    pages = {r["id"]: {"family": r["family"], "cer": round(r["sohoa_cer"], 6),
                       "file": r.get("file"),
                       # CPU seconds for reference only (shared machines vary)
                       "cpu": {k: round(r[f"{k}_cpu"], 2) for k in READERS
                               if f"{k}_cpu" in r}}
             for r in rows if r.get("id") and not r["blank"] and "sohoa_cer" in r
             and not r.get("sohoa_error")}
    real_pages = {p["page"]: {"cer": round(p["sohoa_cer"], 6), "lines": p["lines"],
                              "plain_cer": round(p["plain_cer"], 6)}
                  for p in (real or {}).get("pages", []) if not p.get("error")}
    command = command or " ".join(sys.argv[1:])
    return {"command": f"OMP_THREAD_LIMIT=1 python benchmarks/ocr_bench.py {command}",
            "env": {"OMP_THREAD_LIMIT": os.environ.get("OMP_THREAD_LIMIT", "")},
            "commit": commit or _git_commit(), "engine": engine, "generator": generator,
            "tolerance": BASELINE_TOLERANCE, "pages": pages, "real": real_pages}


def write_baseline(path: Path, rows: list[dict], real: dict | None, *, engine: str,
                   generator: dict, commit: str | None = None,
                   command: str | None = None) -> None:
    data = baseline_data(rows, real, engine=engine, generator=generator, commit=commit,
                         command=command)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=False) + "\n",
                    encoding="utf-8")
    print(f"\nbaseline written: {path} ({len(data['pages'])} generated pages, "
          f"{len(data['real'])} real pages, commit {data['commit'][:12]})")


@dataclass(frozen=True)
class Regression:
    """A page whose CER rose by more than the tolerance against the baseline."""

    page: str
    family: str
    before: float
    after: float

    @property
    def points(self) -> float:
        return 100 * (self.after - self.before)


def run_cer(rows: list[dict], real: dict | None) -> dict[str, tuple[str, float]]:
    """page id -> (family, sohoa CER) of a run: generated text pages and real pages."""
    out = {r["id"]: (r["family"], r["sohoa_cer"])
           for r in rows if r.get("id") and not r["blank"] and "sohoa_cer" in r}
    out.update({p["page"]: ("real", p["sohoa_cer"]) for p in (real or {}).get("pages", [])})
    return out


def baseline_cer(base: dict) -> dict[str, tuple[str, float]]:
    """page id -> (family, CER) of a baseline document."""
    out = {k: (v["family"], v["cer"]) for k, v in base.get("pages", {}).items()}
    out.update({k: ("real", v["cer"]) for k, v in base.get("real", {}).items()})
    return out


def regressions(before: dict[str, tuple[str, float]], now: dict[str, tuple[str, float]], *,
                tolerance: float = BASELINE_TOLERANCE) -> list[Regression]:
    """Pages of both whose CER rose from ``before`` to ``now`` by more than ``tolerance``,
    worst first."""
    worse = [Regression(page, family, cer, now[page][1])
             for page, (family, cer) in before.items()
             if page in now and now[page][1] > cer + tolerance + 1e-9]
    return sorted(worse, key=lambda w: -w.points)


def compare_with_baseline(path: Path, rows: list[dict], real: dict | None, *,
                          tolerance: float = BASELINE_TOLERANCE, check: bool = False) -> int:
    """Print every page worse than the baseline by more than ``tolerance``; with ``check``
    the return code is 1 when there is one (or when no page could be compared)."""
    base = json.loads(path.read_text(encoding="utf-8"))
    before, now = baseline_cer(base), run_cer(rows, real)
    compared = sum(page in now for page in before)
    worse = regressions(before, now, tolerance=tolerance)
    better = regressions(now, before, tolerance=tolerance)
    print(f"\nagainst baseline {path.name} (commit {base.get('commit', '?')[:12]}, engine "
          f"{base.get('engine', '?')}): {compared} pages compared, {len(before) - compared} "
          f"baseline pages not in this run")
    for w in worse:
        print(f"  WORSE {w.page} ({w.family}): {w.before:.2%} -> {w.after:.2%} "
              f"(+{w.points:.2f} points)")
    print(f"pages worse by > {100 * tolerance:.1f} points: {len(worse)}; better by more: "
          f"{len(better)}")
    if check and (worse or not compared):
        return 1
    return 0


# -- real pages -------------------------------------------------------------------------------


def run_real(directory: Path, options: PageOptions) -> dict:
    """Line-by-line CER on the transcribed ``text_lines`` of a realdev set (each truth line
    against its best window of the page text: reading order does not count), sohoa and
    plain Tesseract on the same files; scoring from ``benchmarks/realdev.py``."""
    from benchmarks import realdev  # the module that knows the set's format and scoring

    print(f"\nreal pages: {directory}", file=sys.stderr)
    per_page: list[dict] = []
    totals = {k: [0, 0, 0] for k in ("sohoa", "plain")}  # edits, chars, lost lines
    for item in realdev.load_set(directory):
        for page in item.pages:
            lines = page.text_lines
            if not lines:
                continue
            with CpuClock() as clock:
                text, _, result = run_sohoa(page.image, options)
            plain, _ = run_plain_tesseract(page.image)
            entry: dict = {"page": page.name, "lines": len(lines), "cpu_seconds": clock.seconds,
                           "chars": realdev.line_cer(lines, "").chars,
                           "error": str(result.error) if result.error else None}
            for k, hyp in (("sohoa", text), ("plain", plain)):
                score = realdev.line_cer(lines, hyp)
                totals[k][0] += score.edits
                totals[k][1] += score.chars
                totals[k][2] += score.lost_lines
                entry[f"{k}_cer"] = score.cer
                entry[f"{k}_lost"] = score.lost_lines
            per_page.append(entry)
            print(f"  {page.name}: sohoa {entry['sohoa_cer']:.2%} plain {entry['plain_cer']:.2%}"
                  f" {clock.seconds:.1f}s", file=sys.stderr)
    cer = {k: (e / n if n else float("nan")) for k, (e, n, _) in totals.items()}
    real = {"pages": per_page, "cer": cer, "lost_lines": {k: v[2] for k, v in totals.items()}}
    _print_real(real)
    return real


def merge_real(reals: list[dict]) -> dict | None:
    """Real-page figures of several saved runs (the set split over processes) as one:
    pages concatenated, pooled CER weighted by each page's truth characters."""
    if not reals:
        return None
    from benchmarks import realdev

    # a page in several runs (one read again after a failure): the later file's reading
    pages = list({p["page"]: p for real in reals for p in real["pages"]}.values())
    truth: dict[str, list[str]] = {}
    for p in pages:
        if "chars" not in p:  # runs saved before entries carried it: count from the set
            if not truth:
                truth = {pg.name: pg.text_lines for item in realdev.load_set()
                         for pg in item.pages}
            p["chars"] = realdev.line_cer(truth[p["page"]], "").chars
    chars = sum(p["chars"] for p in pages)
    cer = {k: sum(p[f"{k}_cer"] * p["chars"] for p in pages) / chars if chars else float("nan")
           for k in ("sohoa", "plain")}
    lost = {k: sum(p[f"{k}_lost"] for p in pages) for k in ("sohoa", "plain")}
    return {"pages": sorted(pages, key=lambda p: p["page"]), "cer": cer, "lost_lines": lost}


def _print_real(real: dict) -> None:
    per_page, cer = real["pages"], real["cer"]
    lost = real["lost_lines"]
    ratio = cer["sohoa"] / cer["plain"] if cer["plain"] else float("nan")
    print(f"\nreal pages: {len(per_page)} pages with text_lines, "
          f"{sum(p['lines'] for p in per_page)} lines; line-by-line CER")
    print(f"{'':30}{'sohoa':>18}{'plain tesseract':>18}   target")
    print(f"{'pooled CER':30}{cer['sohoa']:>18.2%}{cer['plain']:>18.2%}   sohoa <= 2.0% "
          f"and <= 0.6x plain ({ratio:.2f}x) "
          + ("ok" if cer["sohoa"] <= 0.02 and ratio <= 0.6 else "MISSED"))
    print(f"{'lines lost (line CER > 50%)':30}{lost['sohoa']:>18}{lost['plain']:>18}"
          f"   none")
    print(f"{'CPU s/page (sohoa)':30}{_mean([p['cpu_seconds'] for p in per_page]):>18.2f}")
    worse = [p for p in per_page if p["sohoa_cer"] > p["plain_cer"] + 0.005]
    print(f"pages worse than plain tesseract by > 0.5 points: {len(worse)}" + (
        " (" + ", ".join(f"{p['page']} {p['sohoa_cer']:.1%} vs {p['plain_cer']:.1%}"
                         for p in worse) + ")" if worse else ""))


if __name__ == "__main__":
    sys.exit(main())
