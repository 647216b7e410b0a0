"""The ``sohoa`` command: parses arguments, calls the packages, maps errors to messages.

User-facing messages are Vietnamese by default (``--ui en`` or ``SOHOA_UI_LANG=en`` for
English); logs are English and go to stderr; ``--json`` output goes to stdout alone.
Exit codes: 0 all pages read; 2 an input file could not be read; 3 a page failed;
4 the OCR engine is missing; 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from pipeline.errors import SohoaError, describe_error
from pipeline.orchestrator import FileResult, check_engine, ocr_to_pdf, process_files
from pipeline.page import PageOptions, PageResult

log = logging.getLogger("sohoa")

UI = {
    "vi": {
        "progress": "Đang xử lý: trang {done}/{total} ({rate:.1f} trang/phút, còn ~{eta})",
        "done": "Xong: {pages} trang từ {files} tệp, {blank} trang trắng, {failed} lỗi.",
        "pdf": "Đã ghi PDF/A tìm kiếm được: {path}",
        "no_pdf": "Không có trang nào đọc được nên không tạo PDF.",
        "interrupted": "Đã dừng theo yêu cầu.",
        "error": "LỖI",
    },
    "en": {
        "progress": "Processing: page {done}/{total} ({rate:.1f} pages/min, ~{eta} left)",
        "done": "Done: {pages} pages from {files} files, {blank} blank, {failed} failed.",
        "pdf": "Wrote searchable PDF/A: {path}",
        "no_pdf": "No readable page, so no PDF was written.",
        "interrupted": "Stopped on request.",
        "error": "ERROR",
    },
}


class Progress:
    """Pages done / total with rate and ETA on stderr (a live line on a terminal)."""

    def __init__(self, lang: str, enabled: bool) -> None:
        self.lang, self.enabled = lang, enabled
        self.started = time.monotonic()
        self.done = 0
        self.live = sys.stderr.isatty()

    def __call__(self, page: PageResult, total: int) -> None:
        self.done += 1
        if not self.enabled:
            return
        elapsed = max(1e-6, time.monotonic() - self.started)
        rate = self.done / elapsed * 60
        remaining = (total - self.done) / (self.done / elapsed)
        line = UI[self.lang]["progress"].format(done=self.done, total=total, rate=rate,
                                                eta=_duration(remaining))
        if self.live:
            end = "\n" if self.done == total else ""
            print(f"\r{line}\033[K", end=end, file=sys.stderr, flush=True)
        elif self.done == total or self.done % 10 == 0:
            print(line, file=sys.stderr, flush=True)


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sohoa", description="Số hoá hồ sơ: quét, nhận dạng chữ tiếng Việt, PDF/A.")
    parser.add_argument("--ui", choices=("vi", "en"), default=os.environ.get("SOHOA_UI_LANG", "vi"),
                        help="ngôn ngữ thông báo / message language (vi, en)")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging")
    sub = parser.add_subparsers(dest="command", required=True)

    ocr = sub.add_parser("ocr", help="nhận dạng chữ các tệp quét / OCR scanned files")
    ocr.add_argument("files", nargs="+", type=Path, help="PDF, TIFF, JPEG, PNG")
    ocr.add_argument("--json", action="store_true", help="print the JSON result to stdout")
    ocr.add_argument("--pdf", type=Path, help="write one searchable PDF/A-2b of all pages")
    ocr.add_argument("--engine", default=os.environ.get("SOHOA_OCR_ENGINE", "tesseract"))
    ocr.add_argument("--lang", default="vie", help="OCR languages, e.g. vie or vie+eng")
    ocr.add_argument("--workers", type=int, default=None, help="processes (default: cores)")
    ocr.add_argument("--no-correct", action="store_true",
                     help="keep OCR text as read (no Vietnamese syllable repair)")
    ocr.add_argument("--words", action="store_true", help="include word boxes in the JSON")
    ocr.add_argument("--quiet", action="store_true", help="no progress on stderr")
    ocr.set_defaults(handler=cmd_ocr)
    return parser


def cmd_ocr(args: argparse.Namespace) -> int:
    options = PageOptions(engine=args.engine, languages=tuple(args.lang.split("+")),
                          correct_text=not args.no_correct)
    check_engine(options)
    progress = Progress(args.ui, enabled=not args.quiet)
    if args.pdf:
        results = ocr_to_pdf(args.files, args.pdf, options, workers=args.workers,
                             title=args.pdf.stem, on_page=progress)
    else:
        results = process_files(args.files, options, workers=args.workers, on_page=progress)
    pages = [p for r in results for p in r.pages]
    errors = [e for r in results for e in r.errors]
    for err in errors:
        print(f"{UI[args.ui]['error']}: {err.describe(args.ui)}", file=sys.stderr)
    if args.json:
        print(json.dumps(ocr_json(results, words=args.words), ensure_ascii=False))
    elif not args.pdf:
        for page in pages:
            if not page.error:
                print(page.text + "\n\f")
    if args.pdf:
        written = any(p.pdf and not p.error for p in pages)
        key = "pdf" if written else "no_pdf"
        print(UI[args.ui][key].format(path=args.pdf), file=sys.stderr)
    if not args.quiet:
        print(UI[args.ui]["done"].format(
            pages=len(pages), files=len(results), blank=sum(p.blank for p in pages),
            failed=len(errors)), file=sys.stderr)
    return errors[0].exit_code if errors else 0


def ocr_json(results: Sequence[FileResult], *, words: bool = False) -> dict:
    """The ``sohoa ocr --json`` object (contract in shared/DESIGN.md), plus ``errors``."""
    pages = []
    for result in results:
        for page in result.pages:
            item = page.to_json()
            if words:
                item["words"] = page.words_json()
            pages.append(item)
    errors = [{"source": Path(e.source).name, "page": e.page, "code": type(e).__name__,
               "message": e.describe("vi"), "message_en": e.describe("en")}
              for r in results for e in r.errors]
    # Classification and fields land with issue 4; until then no document is claimed.
    return {"pages": pages, "documents": [], "errors": errors}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * args.verbose
    logging.basicConfig(level=max(logging.DEBUG, level), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print(UI[args.ui]["interrupted"], file=sys.stderr)
        return 130
    except SohoaError as exc:
        log.debug("%s", exc.detail)
        print(f"{UI[args.ui]['error']}: {describe_error(exc, args.ui)}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
