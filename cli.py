"""The ``sohoa`` command: parses arguments, calls the packages, maps errors to messages.

User-facing messages are Vietnamese by default (``--ui en`` or ``SOHOA_UI_LANG=en`` for
English); logs are English and go to stderr; ``--json`` output goes to stdout alone.
Exit codes: 0 all pages read; 2 an input file or the request was bad; 3 a page failed;
4 the OCR engine is missing; 5 object store; 6 signing key; 7 index database;
8 no such document; 9 a stored document failed verification; 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from common import redact
from common.errors import (
    DiskFullError,
    ExitCode,
    InvalidRequestError,
    SohoaError,
    describe_error,
    disk_full,
)
from common.settings import Settings
from common.vn import VN_TZ, fold
from pipeline.page.pool import FileResult, check_engine, ocr_to_pdf, process_files, settle_text
from pipeline.page.process import PageOptions, PageResult
from pipeline.papers.doctypes import DOC_TYPES
from pipeline.papers.fields import documents_for_pages
from reuse_index.accounts import ROLES

if TYPE_CHECKING:
    from warehouse.access import Warehouse

log = logging.getLogger("sohoa")

UI = {
    "vi": {
        "progress": "Đang xử lý: trang {done}/{total} ({rate:.1f} trang/phút, còn ~{eta})",
        "done": "Xong: {pages} trang từ {files} tệp, {blank} trang trắng, {failed} lỗi.",
        "pdf": "Đã ghi PDF/A tìm kiếm được: {path}",
        "no_pdf": "Không có trang nào đọc được nên không tạo PDF.",
        "interrupted": "Đã dừng theo yêu cầu.",
        "error": "LỖI",
        "batch": "Lô: {dossiers} hồ sơ: {done} xong ({partial} còn tệp lỗi), {failed} lỗi; "
                 "{files} tệp: {files_failed} tệp lỗi, {not_taken} tệp không lấy; "
                 "{pages} trang, {documents} giấy tờ mới, {skipped} đã có từ trước.",
        "queued": "Lô: {dossiers} hồ sơ: {done} đã xếp hàng ({partial} còn tệp lỗi), "
                  "{failed} lỗi; {files} tệp: {files_failed} tệp lỗi, {not_taken} tệp "
                  "không lấy; {pages} trang đã xếp hàng cho các worker, {skipped} giấy tờ "
                  "đã có từ trước (sohoa status để theo dõi).",
        "resume": "Chạy lại cùng lệnh để làm tiếp phần còn lại.",
    },
    "en": {
        "progress": "Processing: page {done}/{total} ({rate:.1f} pages/min, ~{eta} left)",
        "done": "Done: {pages} pages from {files} files, {blank} blank, {failed} failed.",
        "pdf": "Wrote searchable PDF/A: {path}",
        "no_pdf": "No readable page, so no PDF was written.",
        "interrupted": "Stopped on request.",
        "error": "ERROR",
        "batch": "Batch: {dossiers} dossiers: {done} done ({partial} with failed files), "
                 "{failed} failed; {files} files: {files_failed} failed, {not_taken} not "
                 "taken; {pages} pages, {documents} new documents, {skipped} found already "
                 "done.",
        "queued": "Batch: {dossiers} dossiers: {done} queued ({partial} with failed "
                  "files), {failed} failed; {files} files: {files_failed} failed, "
                  "{not_taken} not taken; {pages} pages queued for the workers, {skipped} "
                  "documents found already done (watch with sohoa status).",
        "resume": "Run the same command again to finish the rest.",
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


def build_parser(settings: Settings | None = None) -> argparse.ArgumentParser:
    """The ``sohoa`` argument parser; defaults come from ``settings`` (``SOHOA_*``)."""
    settings = settings or Settings.load()
    parser = argparse.ArgumentParser(
        prog="sohoa", description="Số hoá hồ sơ: quét, nhận dạng chữ tiếng Việt, PDF/A.")
    parser.add_argument("--ui", choices=("vi", "en"), default=settings.ui_lang,
                        help="ngôn ngữ thông báo / message language (vi, en)")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="nhật ký kỹ thuật (tiếng Anh): -v cảnh báo, -vv thông tin, "
                             "-vvv gỡ lỗi / technical log: -v warnings, -vv info, -vvv debug")
    sub = parser.add_subparsers(dest="command", required=True)

    ocr = sub.add_parser("ocr", help="nhận dạng chữ các tệp quét / OCR scanned files")
    ocr.add_argument("files", nargs="+", type=Path, help="PDF, TIFF, JPEG, PNG")
    ocr.add_argument("--json", action="store_true", help="print the JSON result to stdout")
    ocr.add_argument("--pdf", type=Path, help="write one searchable PDF/A-2b of all pages")
    ocr.add_argument("--engine", default=None,
                     help="OCR engine (SOHOA_OCR_ENGINE; default tesseract)")
    ocr.add_argument("--lang", default="vie", help="OCR languages, e.g. vie or vie+eng")
    ocr.add_argument("--workers", type=int, default=None, help="processes (default: cores)")
    ocr.add_argument("--no-correct", action="store_true",
                     help="keep OCR text as read (no Vietnamese syllable repair)")
    ocr.add_argument("--no-fields", action="store_true",
                     help="text only: no classification or field extraction (faster)")
    ocr.add_argument("--words", action="store_true", help="include word boxes in the JSON")
    ocr.add_argument("--quiet", action="store_true", help="no progress on stderr")
    ocr.set_defaults(handler=cmd_ocr)
    _warehouse_commands(sub, settings)
    parser.set_defaults(settings=settings)
    return parser


def _warehouse_commands(sub: argparse._SubParsersAction, settings: Settings) -> None:
    keys = sub.add_parser("keys", help="khoá ký số / signing keys")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    demo = keys_sub.add_parser(
        "demo", help="tạo CA và chứng thư THỬ NGHIỆM / demo CA (not for production)")
    demo.add_argument("--agency-name", default=None, help="tên cơ quan trên chứng thư")
    demo.add_argument("--force", action="store_true", help="overwrite existing demo keys")
    demo.add_argument("--json", action="store_true")
    demo.set_defaults(handler=cmd_keys_demo)

    scan = sub.add_parser("scan", help="số hoá một hồ sơ vào kho / digitize one dossier")
    scan.add_argument("files", nargs="+", type=Path)
    scan.add_argument("--dossier", required=True, help="mã hồ sơ")
    scan.add_argument("--procedure", required=True, help="mã TTHC, e.g. 1.001193")
    scan.add_argument("--agency", required=True, help="mã cơ quan, e.g. H12.19")
    scan.add_argument("--agency-name", default=None, help="tên cơ quan (SOHOA_AGENCY_NAME)")
    scan.add_argument("--type", default=None, choices=sorted(DOC_TYPES),
                      help="loại giấy tờ: cả tệp là một giấy tờ loại này "
                           "(mặc định: tự nhận dạng, tách các giấy tờ trong tệp)")
    scan.add_argument("--component", default=None, help="mã thành phần hồ sơ")
    scan.add_argument("--owner-id", default=None, help="số định danh cá nhân của chủ giấy tờ")
    scan.add_argument("--owner-name", default=None, help="họ tên chủ giấy tờ")
    scan.add_argument("--returns-result", action=argparse.BooleanOptionalAction, default=None,
                      help="thủ tục có trả kết quả là giấy tờ (chỉ số kết quả điện tử)")
    scan.add_argument("--result", action="store_true",
                      help="các tệp này là kết quả giải quyết của hồ sơ (đã số hoá)")
    scan.add_argument("--received-at", type=datetime.fromisoformat, default=None,
                      help="ngày (giờ) tiếp nhận hồ sơ, ISO 8601 (mặc định: ngày ghi trong "
                           "mã hồ sơ, hoặc bây giờ)")
    scan.add_argument("--allow-legacy-code", action="store_true",
                      help="nhận mã hồ sơ cũ không theo cấu trúc Thông tư 01/2018/TT-VPCP")
    scan.add_argument("--workers", type=int, default=None)
    scan.add_argument("--engine", default=None,
                     help="OCR engine (SOHOA_OCR_ENGINE; default tesseract)")
    scan.add_argument("--json", action="store_true")
    scan.add_argument("--quiet", action="store_true")
    scan.set_defaults(handler=cmd_scan)

    batch = sub.add_parser("batch", help="số hoá cả lô: mỗi thư mục con là một hồ sơ / "
                                         "a folder of dossiers")
    batch.add_argument("root", type=Path, help="thư mục lô; tên thư mục con = mã hồ sơ")
    batch.add_argument("--procedure", default=None,
                       help="mã TTHC cho hồ sơ không có trong manifest.csv")
    batch.add_argument("--agency", default=settings.agency,
                       help="mã cơ quan (SOHOA_AGENCY)")
    batch.add_argument("--agency-name", default=None, help="tên cơ quan (SOHOA_AGENCY_NAME)")
    batch.add_argument("--component", default=None, help="mã thành phần hồ sơ")
    batch.add_argument("--returns-result", action=argparse.BooleanOptionalAction, default=None,
                       help="thủ tục có trả kết quả là giấy tờ (manifest: co_ket_qua)")
    batch.add_argument("--allow-legacy-code", action="store_true",
                       help="nhận mã hồ sơ cũ không theo cấu trúc Thông tư 01/2018/TT-VPCP")
    batch.add_argument("--workers", type=int, default=None, help="processes (local mode)")
    batch.add_argument("--engine", default=None,
                     help="OCR engine (SOHOA_OCR_ENGINE; default tesseract)")
    batch.add_argument("--json", action="store_true", help="one JSON summary on stdout")
    batch.add_argument("--quiet", action="store_true")
    batch.set_defaults(handler=cmd_batch)

    worker = sub.add_parser("worker", help="chạy worker dramatiq / run queue workers")
    worker.add_argument("--processes", type=int, default=None, help="default: cores")
    worker.add_argument("--threads", type=int, default=1, help="per process (OCR: keep 1)")
    worker.set_defaults(handler=cmd_worker)

    status = sub.add_parser("status", help="tình trạng hàng đợi / queue and work status")
    status.add_argument("--dossier", default=None)
    status.add_argument("--json", action="store_true")
    status.set_defaults(handler=cmd_status)

    search = sub.add_parser("search", help="tìm giấy tờ đã số hoá / find digitized papers")
    search.add_argument("--id", dest="owner_id", help="số định danh cá nhân (exact)")
    search.add_argument("--name", help="họ tên, không cần dấu")
    search.add_argument("--type", dest="doc_type", type=doc_type_arg, metavar="LOẠI",
                        help="loại giấy tờ: khoá hoặc tên tiếng Việt, không cần dấu "
                             "(can_cuoc, \"căn cước\", \"giấy khai sinh\", ...)")
    search.add_argument("--agency")
    search.add_argument("--text", metavar="TỪ",
                        help="tìm trong nội dung và các trường, không cần dấu; mọi từ phải có, "
                             "\"cụm từ\" trong ngoặc kép")
    search.add_argument("--number", metavar="SỐ",
                        help="số, ký hiệu văn bản (vd: 576/QĐ-UBND, không cần dấu)")
    search.add_argument("--limit", type=int, default=50)
    search.add_argument("--json", action="store_true")
    search.set_defaults(handler=cmd_search)

    reindex = sub.add_parser("reindex", help="đưa nội dung giấy tờ đã lưu vào chỉ mục tìm "
                                             "kiếm / index the text of stored papers")
    reindex.add_argument("--all", action="store_true",
                         help="đọc lại cả những giấy tờ đã có nội dung trong chỉ mục")
    reindex.add_argument("--json", action="store_true")
    reindex.set_defaults(handler=cmd_reindex)

    get = sub.add_parser("get", help="lấy bản sao đã kiểm tra / a verified copy")
    get.add_argument("doc_id")
    get.add_argument("--out", type=Path, required=True)
    get.add_argument("--dossier", default=None, help="for which dossier (access log)")
    get.add_argument("--json", action="store_true")
    get.set_defaults(handler=cmd_get)

    reuse = sub.add_parser("reuse", help="tái sử dụng giấy tờ đã số hoá cho hồ sơ mới / "
                                         "attach a stored paper to a dossier")
    reuse.add_argument("doc_id")
    reuse.add_argument("--dossier", required=True, help="mã hồ sơ đang giải quyết")
    reuse.add_argument("--component", default=None, help="mã thành phần hồ sơ")
    reuse.add_argument("--json", action="store_true")
    reuse.set_defaults(handler=cmd_reuse)

    merge = sub.add_parser("merge", help="gộp giấy tờ bị tách (mặt trước, mặt sau) / merge "
                                         "papers stored split")
    merge.add_argument("doc_ids", nargs="+", metavar="DOC_ID",
                       help="các mã giấy tờ, theo thứ tự trang (mặt trước trước)")
    merge.add_argument("--reason", default=None, help="lý do gộp (ghi vào nhật ký)")
    merge.add_argument("--agency-name", default=None, help="tên cơ quan (SOHOA_AGENCY_NAME)")
    merge.add_argument("--engine", default=None, help="OCR engine (SOHOA_OCR_ENGINE)")
    merge.add_argument("--json", action="store_true")
    merge.set_defaults(handler=cmd_merge)

    fix = sub.add_parser("fix", help="sửa một trường cần kiểm tra / correct a field")
    fix.add_argument("doc_id")
    fix.add_argument("--field", required=True, help="khoá trường, e.g. ngay_sinh")
    fix.add_argument("--value", required=True, help="giá trị đúng (ngày: dd/mm/yyyy)")
    fix.add_argument("--reason", required=True, help="lý do sửa (ghi vào nhật ký)")
    fix.add_argument("--json", action="store_true")
    fix.set_defaults(handler=cmd_fix)

    verify = sub.add_parser("verify", help="kiểm tra toàn vẹn và chữ ký / check hash+signature")
    verify.add_argument("doc_ids", nargs="*")
    verify.add_argument("--all", action="store_true",
                        help="kiểm tra cả kho: tệp, mã băm, chữ ký, bản gốc, đối tượng thừa / "
                             "sweep the whole warehouse")
    verify.add_argument("--json", action="store_true",
                        help="--all: a JSON list of findings on stdout")
    verify.add_argument("--hash-only", action="store_true",
                        help="--all: hashes only, no signature check (faster)")
    verify.add_argument("--resume", action="store_true",
                        help="--all: go on with the last unfinished sweep of the same options")
    verify.add_argument("--workers", type=int, default=None,
                        help="--all: processes checking signatures (default: cores)")
    verify.add_argument("--quiet", action="store_true", help="no progress on stderr")
    verify.set_defaults(handler=cmd_verify)

    report = sub.add_parser("report", help="chỉ số số hoá, tái sử dụng (QĐ 766) / scorecard")
    report.add_argument("--from", dest="date_from", required=True, type=_iso_date,
                        help="ngày đầu kỳ, YYYY-MM-DD")
    report.add_argument("--to", dest="date_to", required=True, type=_iso_date,
                        help="ngày cuối kỳ (tính cả ngày này)")
    report.add_argument("--agency", default=None, help="chỉ một cơ quan")
    report.add_argument("--format", choices=("table", "json", "csv", "html"), default="table")
    report.add_argument("--out", type=Path, default=None, help="ghi ra tệp (mặc định: stdout)")
    report.add_argument("--manifest", type=Path, default=None,
                        help="CSV hồ sơ giải quyết ngoài hệ thống (để mẫu số đúng)")
    report.add_argument("--profile", default="portal-2026",
                        choices=("portal-2026", "written-2026", "legacy"),
                        help="cách tính điểm: portal-2026 (như Cổng DVCQG chấm, mặc định), "
                             "written-2026 (theo văn bản mô tả công thức), legacy (cách cũ "
                             "8/8/6 điểm, đủ điểm khi ≥ 80 %%)")
    report.add_argument("--max-points", action="append", default=[], metavar="KEY=N",
                        help="đổi điểm tối đa của cách tính đã chọn: digitization=4, reuse=2, "
                             "electronic_results=6")
    report.set_defaults(handler=cmd_report)

    review = sub.add_parser("review", help="trang, trường cần xem lại (OCR) / quality audit")
    review.add_argument("--from", dest="date_from", required=True, type=_iso_date,
                        help="số hoá từ ngày, YYYY-MM-DD")
    review.add_argument("--to", dest="date_to", required=True, type=_iso_date,
                        help="đến ngày (tính cả ngày này)")
    review.add_argument("--agency", default=None, help="chỉ một cơ quan")
    review.add_argument("--threshold", type=float, default=None,
                        help="trang có độ tin cậy OCR dưới ngưỡng này cần xem lại "
                             "(mặc định 0.80)")
    review.add_argument("--limit", type=int, default=200,
                        help="số tài liệu liệt kê, thấp nhất trước (0: chỉ tổng hợp)")
    review.add_argument("--format", choices=("table", "json", "csv"), default="table")
    review.add_argument("--out", type=Path, default=None, help="ghi ra tệp (mặc định: stdout)")
    review.set_defaults(handler=cmd_review)

    export = sub.add_parser("export", help="xuất Parquet cho kho dữ liệu / Parquet export")
    export.add_argument("--from", dest="date_from", required=True, type=_iso_date,
                        help="ngày đầu kỳ, YYYY-MM-DD")
    export.add_argument("--to", dest="date_to", required=True, type=_iso_date,
                        help="ngày cuối kỳ (tính cả ngày này)")
    export.add_argument("--out", type=Path, required=True, help="thư mục đích")
    export.add_argument("--agency", default=None, help="chỉ một cơ quan")
    export.add_argument("--format", choices=("parquet", "portal"), default="parquet",
                        help="parquet (kho dữ liệu, mặc định) hoặc portal (JSON từng hồ sơ "
                             "như Cổng DVCQG trao đổi)")
    export.add_argument("--key-file", type=Path, default=None,
                        help="khoá bí danh hoá số định danh (mặc định: SOHOA_EXPORT_KEY)")
    export.add_argument("--identified", action="store_true",
                        help="xuất số định danh và họ tên thật (chỉ khi được phép)")
    export.add_argument("--force", action="store_true", help="ghi đè bản xuất đã có")
    export.add_argument("--json", action="store_true", help="tóm tắt JSON trên stdout")
    export.add_argument("--quiet", action="store_true", help="không in tiến độ")
    export.set_defaults(handler=cmd_export)

    result = sub.add_parser("result", help="ghi nhận kết quả giải quyết hồ sơ / record a result")
    result.add_argument("dossier", help="mã hồ sơ")
    how = result.add_mutually_exclusive_group(required=True)
    how.add_argument("--electronic", action="store_true", help="kết quả cấp bản điện tử")
    how.add_argument("--paper", action="store_true", help="kết quả giấy (chưa số hoá)")
    how.add_argument("--digitized", action="store_true",
                     help="kết quả giấy đã được số hoá (xem scan --result)")
    result.add_argument("--document", default=None, help="mã tài liệu kết quả trong kho")
    result.add_argument("--at", type=datetime.fromisoformat, default=None,
                        help="thời điểm cấp (ISO 8601; mặc định: bây giờ)")
    result.set_defaults(handler=cmd_result)

    serve = sub.add_parser("serve", help="chạy trang web và API / run the web page and API")
    serve.add_argument("--host", default=settings.host,
                       help="địa chỉ lắng nghe (mặc định 127.0.0.1: chỉ máy này)")
    serve.add_argument("--port", type=int, default=settings.port)
    serve.add_argument("--workers", type=int, default=1, help="server processes")
    serve.add_argument("--log-level", default="warning")
    serve.set_defaults(handler=cmd_serve)

    users = sub.add_parser("users", help="tài khoản trang web và API / web accounts")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    add = users_sub.add_parser("add", help="tạo tài khoản / create an account")
    add.add_argument("username")
    add.add_argument("--role", action="append", required=True, choices=ROLES,
                     help="counter, officer, auditor, admin (repeat for several)")
    add.add_argument("--name", default="", help="họ tên hiển thị")
    how = add.add_mutually_exclusive_group()
    how.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    how.add_argument("--no-password", action="store_true",
                     help="no password: an account for API tokens only")
    add.set_defaults(handler=cmd_users_add)
    lst = users_sub.add_parser("list", help="danh sách tài khoản / list accounts")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(handler=cmd_users_list)
    change = users_sub.add_parser("set", help="đổi vai trò, mật khẩu, khoá / change an account")
    change.add_argument("username")
    change.add_argument("--role", action="append", choices=ROLES, help="replace the roles")
    change.add_argument("--name", default=None)
    change.add_argument("--password-stdin", action="store_true")
    change.add_argument("--password", action="store_true", help="prompt for a new password")
    state = change.add_mutually_exclusive_group()
    state.add_argument("--disable", action="store_true", help="khoá tài khoản")
    state.add_argument("--enable", action="store_true",
                       help="mở khoá tài khoản (và bỏ khoá đăng nhập do nhập sai mật khẩu)")
    change.set_defaults(handler=cmd_users_set)
    token = users_sub.add_parser("token", help="cấp mã truy cập API / issue an API token")
    token.add_argument("username")
    token.add_argument("--label", required=True, help="e.g. mot-cua-tinh")
    token.add_argument("--days", type=int, default=365, help="valid for (0: no expiry)")
    token.add_argument("--json", action="store_true")
    token.set_defaults(handler=cmd_users_token)
    revoke = users_sub.add_parser("revoke", help="thu hồi mã truy cập / revoke a token")
    revoke.add_argument("token_id")
    revoke.set_defaults(handler=cmd_users_revoke)


def open_warehouse(settings: Settings):
    """The configured warehouse as a context manager (imported on use: ``sohoa ocr``
    needs neither the index nor pyHanko)."""
    from warehouse.access import Warehouse

    return Warehouse.open(settings)


def cmd_keys_demo(args: argparse.Namespace) -> int:
    settings = args.settings
    agency = args.agency_name or settings.agency_name or "Cơ quan thử nghiệm sohoa"
    from pipeline.signing.demo import create_demo_pki

    pki = create_demo_pki(settings.home, agency_name=agency, overwrite=args.force)
    info = {"ca_cert": str(pki.ca_cert), "p12": str(pki.p12),
            "password_file": str(pki.password_file), "production": False}
    if args.json:
        print(json.dumps(info, ensure_ascii=False))
    msg = {"vi": "Đã tạo khoá THỬ NGHIỆM (không dùng cho văn bản thật): {p12}",
           "en": "Created DEMO keys (not for production): {p12}"}[args.ui]
    print(msg.format(p12=pki.p12), file=sys.stderr)
    return 0


def cmd_scan(args: argparse.Namespace) -> int:
    from pipeline.papers.doctypes import type_name
    from pipeline.run.submit import agency_name_for, make_scanner, open_signer, page_options
    from pipeline.scan import ScanRequest

    settings = args.settings
    received_at = _checked_receipt(args.dossier, args.received_at, args.allow_legacy_code)
    signer = open_signer(settings)  # no key, or a wrong password: refused before any work
    options = page_options(settings, args.engine)
    request = ScanRequest(dossier=args.dossier, procedure=args.procedure, agency=args.agency,
                          received_at=received_at,
                          agency_name=agency_name_for(settings, args.agency_name, args.agency),
                          actor=settings.actor, doc_type=args.type, component=args.component,
                          owner_id=args.owner_id, owner_name=args.owner_name,
                          returns_result=True if args.result else args.returns_result,
                          is_result=args.result)
    with open_warehouse(settings) as warehouse:
        scanner = make_scanner(settings, warehouse.store, warehouse.index, options=options,
                               signer=signer, workers=args.workers,
                               on_page=Progress(args.ui, enabled=not args.quiet))
        result = scanner.scan(args.files, request)
    from pipeline.run.runlog import record_run

    record_run(settings.home, "scan", {
        "dossiers": 1, "files": len(args.files),
        "files_failed": len({e.source for e in result.errors if e.page is None}),
        "documents": sum(not d.skipped for d in result.documents),
        "skipped": sum(d.skipped for d in result.documents),
        "reused": sum(d.reused for d in result.documents),
        "problems": [{"dossier": request.dossier, "source": Path(e.source).name
                      if e.source else None, "page": e.page, "message": e.describe("vi"),
                      "message_en": e.describe("en")} for e in result.errors]},
        target=request.dossier)
    for err in result.errors:
        print(f"{UI[args.ui]['error']}: {err.describe(args.ui)}", file=sys.stderr)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        for doc in result.documents:
            state = ("đã số hóa trước, tái sử dụng cho hồ sơ này" if doc.reused
                     else "đã có từ trước" if doc.skipped else "đã lưu")
            kind = type_name(doc.record.doc_type) if args.ui == "vi" else doc.record.doc_type
            print(f"{doc.record.id}  {kind}  {doc.record.pdf_key}  ({state})")
    return result.errors[0].exit_code if result.errors else ExitCode.ok


def cmd_batch(args: argparse.Namespace) -> int:
    from pipeline.run.batch import BatchSummary, discover
    from pipeline.run.submit import page_options, submit
    from pipeline.scan import ScanRequest

    settings = args.settings
    agency = args.agency or settings.agency
    agency_name = args.agency_name or settings.agency_name or agency or ""
    template = ScanRequest(dossier="-", procedure=args.procedure or "", agency=agency or "",
                           agency_name=agency_name, actor=settings.actor,
                           component=args.component, returns_result=args.returns_result)
    summary = BatchSummary()
    jobs = _checked_codes(discover(args.root, template, summary), summary,
                          args.allow_legacy_code)
    # queued: the workers OCR, so this machine needs no engine (and no key)
    options = page_options(settings, args.engine) if not settings.broker_url else \
        PageOptions(engine=args.engine or settings.ocr_engine)
    with open_warehouse(settings) as warehouse:
        submit(jobs, settings, warehouse.store, warehouse.index, options=options,
               summary=summary, workers=args.workers,
               on_page=Progress(args.ui, enabled=not args.quiet))
    for problem in summary.problems:
        where = problem["source"] or ""
        if problem["page"] is not None:
            where += f", trang {problem['page'] + 1}" if args.ui == "vi" else \
                f", page {problem['page'] + 1}"
        print(f"{UI[args.ui]['error']}: [{problem['dossier']}] {where}: "
              f"{problem['message' if args.ui == 'vi' else 'message_en']}", file=sys.stderr)
    key = "queued" if summary.queued else "batch"
    print(UI[args.ui][key].format(**summary.to_json()), file=sys.stderr)
    if not summary.queued:  # queued work is in the work table; local runs only here
        from pipeline.run.runlog import record_run

        record_run(settings.home, "batch", summary.to_json(), target=str(args.root))
    if summary.interrupted:
        print(UI[args.ui]["interrupted"] + " " + UI[args.ui]["resume"], file=sys.stderr)
    if args.json:
        print(json.dumps(summary.to_json(), ensure_ascii=False))
    if summary.interrupted:
        return ExitCode.interrupted
    return ExitCode.bad_input if summary.failed or summary.problems else ExitCode.ok


def _checked_receipt(code: str, received_at: datetime | None,
                     allow_legacy: bool) -> datetime | None:
    """The dossier code checked against Circular 01/2018/TT-VPCP, Art. 19
    (``common/dossier_code.py``), and against ``--received-at`` when given; the receiving
    time to record (``None``: now, as before)."""
    from common.dossier_code import check

    if received_at is not None and received_at.tzinfo is None:
        received_at = received_at.replace(tzinfo=VN_TZ)
    check(code, received_at=received_at, allow_legacy=allow_legacy)
    return received_at


def _checked_codes(jobs: list, summary: Any, allow_legacy: bool) -> list:
    """The batch's dossiers whose codes follow the legal structure (and whose manifest
    receiving date, if any, is the code's); the others are problems, not scanned."""
    from common.dossier_code import DossierCodeError, check

    kept = []
    for job in jobs:
        try:
            check(job.request.dossier, received_at=job.request.received_at,
                  allow_legacy=allow_legacy)
        except DossierCodeError as exc:
            summary.failed += 1
            summary.problem(job.request.dossier, exc)
            continue
        kept.append(job)
    return kept


def cmd_worker(args: argparse.Namespace) -> int:
    settings = args.settings
    if not settings.broker_url:
        raise InvalidRequestError(detail="SOHOA_BROKER_URL is not set (redis://… or amqp://…)")
    processes = args.processes or max(1, os.cpu_count() or 1)
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    env.setdefault("dramatiq_prom_host", "127.0.0.1")  # metrics on loopback unless told
    cmd = [sys.executable, "-m", "dramatiq", "pipeline.run.queue", "--processes", str(processes),
           "--threads", str(args.threads)]
    log.info("starting %d worker process(es)", processes)
    os.execvpe(cmd[0], cmd, env)
    return 0  # not reached


def cmd_status(args: argparse.Namespace) -> int:
    settings = args.settings
    with open_warehouse(settings) as warehouse:
        counts = warehouse.index.work.counts(dossier_code=args.dossier)
        problems = warehouse.index.work.problems()
        documents = warehouse.index.count_documents()
    queues = None
    if settings.broker_url:
        from pipeline.run import queue

        queues = queue.queue_depths()
    from pipeline.run.runlog import recent_runs

    runs = recent_runs(settings.home)
    pages = counts["pages"]
    data = {**pages, "dead_lettered": pages["dead"] + counts["files"]["dead"],
            "pages": pages, "files": counts["files"], "queues": queues, "problems": problems,
            "documents": documents, "local_runs": runs}
    if args.json:
        print(json.dumps(data, ensure_ascii=False))
        return 0
    vi = args.ui == "vi"
    print(f"Kho: {documents} giấy tờ đã số hoá." if vi else
           f"Warehouse: {documents} digitized documents.")
    queued_any = any(sum(row.values()) for row in (pages, counts["files"]))
    if queued_any or settings.broker_url:
        names = STATE_NAMES if vi else {}
        for name, row in ((("Trang" if vi else "Pages"), pages),
                          (("Tệp" if vi else "Files"), counts["files"])):
            print(f"{name} (hàng đợi): " if vi else f"{name} (queue): ", end="")
            print(", ".join(f"{names.get(k, k)} {v}" for k, v in row.items()))
        for name, q in (queues or {}).items():
            print(f"{'Hàng đợi' if vi else 'Queue'} {name}: "
                  + ", ".join(f"{names.get(k, k)} {v}" for k, v in q.items()))
        for p in problems:
            page = "" if p["page"] is None else f" trang {p['page'] + 1}"
            print(f"{names.get(p['state'], p['state'])}: [{p['dossier']}] {p['source']}{page}: "
                  f"{p['error']}")
    if not runs:
        print("Chưa có lần chạy nào trên máy này." if vi else "No local run recorded yet.")
    for run in runs:
        print(_run_line(run, vi))
        for p in run.get("problems", [])[:10]:
            where = ", ".join(str(x) for x in (p.get("dossier"), p.get("source")) if x)
            print(f"   - [{where}] {p.get('message' if vi else 'message_en')}")
    return 0


STATE_NAMES = {"queued": "chờ", "running": "đang xử lý", "done": "xong", "failed": "lỗi",
               "dead": "hỏng hẳn", "ready": "sẵn sàng", "delayed": "chờ thử lại"}


def _run_line(run: dict, vi: bool) -> str:
    """One local run in a line: when, what, how it went."""
    when = run.get("finished_at", "")
    with contextlib.suppress(ValueError):
        when = datetime.fromisoformat(when).astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")
    n = {k: run.get(k, 0) for k in ("dossiers", "files", "files_failed", "documents",
                                    "skipped", "not_taken")}
    kind = {"batch": "lô", "scan": "quét hồ sơ"}.get(run.get("kind"), run.get("kind"))
    if vi:
        return (f"{when} {kind} {run.get('target', '')}: {n['dossiers']} hồ sơ, {n['files']} "
                f"tệp ({n['files_failed']} lỗi, {n['not_taken']} không lấy), "
                f"{n['documents']} giấy tờ mới, {n['skipped']} đã có"
                + (f" ({run['reused']} tái sử dụng cho hồ sơ này)." if run.get("reused")
                   else "."))
    return (f"{when} {run.get('kind')} {run.get('target', '')}: {n['dossiers']} dossiers, "
            f"{n['files']} files ({n['files_failed']} failed, {n['not_taken']} not taken), "
            f"{n['documents']} new documents, {n['skipped']} found done.")


def cmd_search(args: argparse.Namespace) -> int:
    settings = args.settings
    if not (args.owner_id or args.name or args.doc_type or args.agency or args.text
            or args.number):
        raise InvalidRequestError(detail="give --id, --name, --type, --agency, --text or "
                                         "--number")
    with open_warehouse(settings) as warehouse:
        found = warehouse.index.search(owner_id=args.owner_id, name=args.name,
                                       doc_type=args.doc_type, agency=args.agency,
                                       text=args.text, number=args.number, limit=args.limit)
        snippets = warehouse.index.snippets(found, args.text) if args.text else {}
        warehouse.index.record_event("accessed", actor=settings.actor, detail={
            "action": "search", "id": args.owner_id, "name": args.name,
            "type": args.doc_type, "agency": args.agency, "text": args.text,
            "number": args.number, "results": len(found)})
    if args.json:
        print(json.dumps([{**r.to_dict(), **({"snippet": snippets[r.id].to_dict()}
                                             if r.id in snippets else {})} for r in found],
                         ensure_ascii=False))
    elif found:
        print(search_table(found, args.ui, snippets if args.text else None))
    if not found:
        print("Không tìm thấy giấy tờ nào." if args.ui == "vi" else "Nothing found.",
              file=sys.stderr)
        return ExitCode.other_error  # 1, as grep: nothing matched (scripts can test it)
    return 0


def search_table(found: Sequence, lang: str, snippets: dict | None = None) -> str:
    """Search results as an aligned table with a header (Vietnamese type names); with
    ``snippets`` (a text search) a last column shows where the words are, «marked»."""
    from pipeline.papers.doctypes import type_name

    header = (("Mã giấy tờ", "Loại", "Số định danh", "Họ tên", "Ngày số hoá", "Hiệu lực đến")
              if lang == "vi" else ("Id", "Type", "Personal ID", "Name", "Digitized",
                                    "Valid until"))
    rows = [(r.id, type_name(r.doc_type) if lang == "vi" else r.doc_type, r.owner_id or "-",
             r.owner_name or "-", f"{r.digitized_at.astimezone(VN_TZ):%d/%m/%Y}",
             f"{r.valid_until:%d/%m/%Y}" if r.valid_until else "-") for r in found]
    if snippets is not None:
        header = (*header, "Trích đoạn" if lang == "vi" else "Snippet")
        rows = [(*row, snippets[r.id].marked("«", "»") if r.id in snippets else "-")
                for row, r in zip(rows, found, strict=True)]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
             for row in [header, tuple("-" * w for w in widths), *rows]]
    return "\n".join(lines)


def cmd_reindex(args: argparse.Namespace) -> int:
    from warehouse.reindex import reindex

    def progress(done: int, total: int) -> None:
        if not args.json and (done == total or done % 100 == 0):
            print(f"Đang đọc nội dung: {done}/{total} giấy tờ" if args.ui == "vi"
                  else f"Reading text: {done}/{total} papers", file=sys.stderr)

    with open_warehouse(args.settings) as warehouse:
        report = reindex(warehouse, everything=args.all, progress=progress)
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False))
    for doc_id, problem in report.problems:
        print(f"{UI[args.ui]['error']}: {doc_id}: {problem}", file=sys.stderr)
    msg = {"vi": "Đã đưa nội dung {done} giấy tờ vào chỉ mục tìm kiếm, {failed} lỗi.",
           "en": "Indexed the text of {done} papers, {failed} failed."}[args.ui]
    print(msg.format(done=report.done, failed=len(report.problems)), file=sys.stderr)
    return ExitCode.ok if not report.problems else ExitCode.integrity


def doc_type_arg(text: str) -> str:
    """A document type given as its key or its Vietnamese name, any case, with or without
    diacritics ("căn cước", "giay khai sinh", "Giấy khai sinh")."""
    wanted = " ".join(fold(text).replace("_", " ").split())
    for key, name in DOC_TYPES.items():
        names = {key.replace("_", " "), fold(name)}
        names |= {part.strip() for part in fold(name).split("/")}
        if wanted in names:
            return key
    choices = ", ".join(f"{k} ({v})" for k, v in DOC_TYPES.items())
    raise argparse.ArgumentTypeError(f"không có loại giấy tờ {text!r}; chọn một trong: {choices}")


def cmd_get(args: argparse.Namespace) -> int:
    settings = args.settings
    with open_warehouse(settings) as warehouse:
        data = warehouse.fetch(args.doc_id, actor=settings.actor, dossier=args.dossier)
    partial = args.out.with_name(args.out.name + ".part")
    partial.write_bytes(data)
    partial.replace(args.out)
    if args.json:
        print(json.dumps({"id": args.doc_id, "out": str(args.out), "verified": True,
                          "bytes": len(data)}))
    msg = {"vi": "Đã ghi bản sao đã kiểm tra (nguyên vẹn, chữ ký hợp lệ) của {id} vào {out} "
                 "({kb} KB).",
           "en": "Wrote the verified copy (intact, signature valid) of {id} to {out} "
                 "({kb} KB)."}[args.ui]
    print(msg.format(id=args.doc_id, out=args.out, kb=max(1, round(len(data) / 1024))),
          file=sys.stderr)
    return 0


def cmd_reuse(args: argparse.Namespace) -> int:
    settings = args.settings
    with open_warehouse(settings) as warehouse:
        record = warehouse.reuse(args.doc_id, dossier=args.dossier, actor=settings.actor,
                                 component=args.component)
    if args.json:
        print(json.dumps({"id": record.id, "dossier": args.dossier,
                          "component": args.component, "reused": True,
                          "valid_until": record.valid_until.isoformat()
                          if record.valid_until else None}, ensure_ascii=False))
    else:
        msg = {"vi": "Đã gắn {id} vào hồ sơ {dossier} (tái sử dụng, không sao chép).",
               "en": "Attached {id} to dossier {dossier} (reused, not copied)."}[args.ui]
        print(msg.format(id=record.id, dossier=args.dossier), file=sys.stderr)
    return 0


def cmd_merge(args: argparse.Namespace) -> int:
    from pipeline.papers.doctypes import type_name
    from pipeline.run.submit import agency_name_for, make_scanner, open_signer, page_options
    from warehouse.merge import merge_documents

    settings = args.settings
    signer = open_signer(settings)  # no key, or a wrong password: refused before any work
    with open_warehouse(settings) as warehouse:
        first = warehouse.document(args.doc_ids[0])
        scanner = make_scanner(settings, warehouse.store, warehouse.index,
                               options=page_options(settings, args.engine), signer=signer,
                               workers=1)
        record = merge_documents(
            warehouse, scanner, args.doc_ids, actor=settings.actor, reason=args.reason,
            agency_name=agency_name_for(settings, args.agency_name, first.agency_code))
    if args.json:
        print(json.dumps({"id": record.id, "merged": list(args.doc_ids),
                          "type": record.doc_type, "owner_id": record.owner_id,
                          "pdf_key": record.pdf_key,
                          "original_keys": list(record.original_keys)}, ensure_ascii=False))
    else:
        msg = {"vi": "Đã gộp {n} giấy tờ thành {id} ({type}); các mã cũ được đánh dấu "
                     "đã gộp, bản ký số cũ giữ nguyên.",
               "en": "Merged {n} papers into {id} ({type}); the old ids are marked "
                     "superseded, their signed copies kept."}[args.ui]
        kind = type_name(record.doc_type) if args.ui == "vi" else record.doc_type
        print(msg.format(n=len(args.doc_ids), id=record.id, type=kind),
              file=sys.stderr)
    return 0


def cmd_fix(args: argparse.Namespace) -> int:
    from pipeline.papers.labels import field_label
    from warehouse.corrections import correct_field

    settings = args.settings
    with open_warehouse(settings) as warehouse:
        done = correct_field(warehouse, args.doc_id, args.field, args.value,
                             actor=settings.actor, reason=args.reason, via="cli")
    if args.json:
        print(json.dumps(done.to_json(), ensure_ascii=False))
    else:
        msg = {"vi": "Đã sửa {field} của {id}: “{old}” → “{new}” (siêu dữ liệu phiên bản "
                     "{version}; bản ký số giữ nguyên).",
               "en": "Corrected {field} of {id}: {old} → {new} (metadata version "
                     "{version}; the signed copy is unchanged)."}[args.ui]
        facts = done.to_json()
        if args.ui == "vi":  # the field as people call it (its key after it), days dd/mm/yyyy
            facts["field"] = f"{field_label(facts['field'])} ({facts['field']})"
            facts["old"], facts["new"] = _day_vi(facts["old"]), _day_vi(facts["new"])
        else:
            facts["old"], facts["new"] = repr(facts["old"]), repr(facts["new"])
        print(msg.format(**facts), file=sys.stderr)
    return 0


def _day_vi(value: object) -> str:
    """A field value for a Vietnamese reader: an ISO day as dd/mm/yyyy, the rest as is."""
    text = "" if value is None else str(value)
    try:
        return date.fromisoformat(text).strftime("%d/%m/%Y") if len(text) == 10 else text
    except ValueError:
        return text


def cmd_verify(args: argparse.Namespace) -> int:

    settings = args.settings
    if args.all == bool(args.doc_ids):
        raise InvalidRequestError(detail="give document ids or --all")
    if not args.all and (args.hash_only or args.resume or args.workers is not None):
        raise InvalidRequestError(detail="--hash-only, --resume and --workers go with --all")
    if args.workers is not None and args.workers < 1:
        raise InvalidRequestError(detail="--workers must be at least 1")
    if args.all:
        return _verify_all(args, settings)
    with open_warehouse(settings) as warehouse:
        checks = [warehouse.verify(warehouse.document(d))[0] for d in args.doc_ids]
    if args.json:
        print(json.dumps([c.to_json() for c in checks], ensure_ascii=False))
    else:
        for c in checks:
            state = "OK" if c.ok else "LỖI: " + ", ".join(c.problems)
            print(f"{c.document_id}  {state}")
    return ExitCode.ok if all(c.ok for c in checks) else ExitCode.integrity


def _verify_all(args: argparse.Namespace, settings: Settings) -> int:
    """``verify --all``: the integrity sweep, progress on stderr, findings on stdout."""
    from warehouse import sweep

    with open_warehouse(settings) as warehouse:
        live = sys.stderr.isatty() and not args.quiet

        def show(progress: sweep.SweepProgress) -> None:
            line = sweep.progress_line(progress, args.ui)
            print(f"\r{line}\033[K" if live else line, end="" if live else "\n",
                  file=sys.stderr, flush=True)

        try:
            result = sweep.run_sweep(
                warehouse, sweep.SweepOptions(signatures=not args.hash_only,
                                              workers=args.workers),
                resume=args.resume, on_progress=None if args.quiet else show,
                progress_every=0.5 if live else 10.0)
        except sweep.SweepInterrupted as stop:
            again = "sohoa verify --all --resume" + " --hash-only" * args.hash_only
            print("\n" * live + sweep.interrupted_line(stop, args.ui, command=again),
                  file=sys.stderr)
            return ExitCode.interrupted
    print("\n" * live, end="", file=sys.stderr)
    separator = "["
    for finding in result.findings():  # streamed from the sweep's state file
        if args.json:
            print(separator + json.dumps(finding.to_json(), ensure_ascii=False), end="")
            separator = ", "
        else:
            print(sweep.finding_line(finding, args.ui))
    if args.json:
        print("[]" if separator == "[" else "]")
    print(sweep.summary_line(result, args.ui, asked_to_resume=args.resume), file=sys.stderr)
    return ExitCode.integrity if result.total_findings else ExitCode.ok


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: ngày dạng YYYY-MM-DD") from exc


def cmd_report(args: argparse.Namespace) -> int:
    from decimal import Decimal, InvalidOperation

    from warehouse.scorecard import (
        INDICATORS,
        ReportRequest,
        build_report,
        render_csv,
        render_table,
    )

    max_points: dict[str, Decimal] = {}
    for item in args.max_points:
        key, _, value = item.partition("=")
        try:
            if key not in INDICATORS or Decimal(value) <= 0:
                raise InvalidOperation
            max_points[key] = Decimal(value)
        except InvalidOperation as exc:
            raise InvalidRequestError(detail=f"--max-points {item!r}: KEY=N, KEY in "
                                             f"{sorted(INDICATORS)}") from exc
    request = ReportRequest(date_from=args.date_from, date_to=args.date_to,
                            agency=args.agency, manifest=args.manifest, max_points=max_points,
                            profile=args.profile)
    with open_warehouse(args.settings) as warehouse:
        report = build_report(warehouse.index, request)
    if args.format == "json":
        text = json.dumps(report, ensure_ascii=False)  # compact: the C encoder, ~10x faster
    elif args.format == "csv":
        text = render_csv(report)
    elif args.format == "html":
        from warehouse.scorecard_html import render_html

        text = render_html(report)
    else:
        text = render_table(report)
    _write_output(text, args.out)
    return 0


def _write_output(text: str, out: Path | None) -> None:
    """``text`` to stdout, or to ``out`` through a temporary file (never half written)."""
    if out is None:
        print(text)
        return
    partial = out.with_name(out.name + ".part")
    partial.write_text(text + ("" if text.endswith("\n") else "\n"), encoding="utf-8")
    partial.replace(out)
    print(f"{out}", file=sys.stderr)


def cmd_review(args: argparse.Namespace) -> int:
    from pipeline.papers.fields import REVIEW_CONFIDENCE
    from warehouse.review import build_review, render_csv, render_table

    settings = args.settings
    with open_warehouse(settings) as warehouse:
        review = build_review(warehouse.index, first_day=args.date_from,
                              last_day=args.date_to, agency=args.agency,
                              threshold=args.threshold or REVIEW_CONFIDENCE, limit=args.limit)
        warehouse.index.record_event("accessed", actor=settings.actor, detail={
            "action": "review", "from": review["from"], "to": review["to"],
            "agency": args.agency, "items": review["items_shown"]})
    if args.format == "json":
        text = json.dumps(review, ensure_ascii=False, indent=1)
    elif args.format == "csv":
        text = render_csv(review)
    else:
        text = render_table(review, args.ui)
    _write_output(text, args.out)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from warehouse.export import export, load_key

    settings = args.settings
    key = None if args.identified else load_key(settings.env, args.key_file)
    if args.identified and args.key_file:
        raise InvalidRequestError(detail="--identified and --key-file exclude each other")

    def progress(table: str, rows: int) -> None:
        label = {"vi": "đã xuất", "en": "exported"}[args.ui]
        print(f"{table}: {label} {rows:,} {'dòng' if args.ui == 'vi' else 'rows'}",
              file=sys.stderr, flush=True)

    if args.format == "portal":
        from warehouse.export import export_portal

        with open_warehouse(settings) as warehouse:
            summary = export_portal(warehouse.index, first_day=args.date_from,
                                    last_day=args.date_to, out_dir=args.out,
                                    agency=args.agency, pseudonymise=not args.identified,
                                    key=key, force=args.force, actor=settings.actor)
    else:
        with open_warehouse(settings) as warehouse:
            summary = export(warehouse.index, first_day=args.date_from,
                             last_day=args.date_to, out_dir=args.out, agency=args.agency,
                             pseudonymise=not args.identified, key=key, force=args.force,
                             actor=settings.actor,
                             on_progress=None if args.quiet else progress)
    if args.json:
        print(json.dumps(summary.to_dict(), ensure_ascii=False))
    else:
        for name, path in summary.files.items():
            rows = summary.rows.get(name)
            print(f"{path}\t{rows}" if rows is not None else f"{path}")
    return 0


def cmd_result(args: argparse.Namespace) -> int:
    settings = args.settings
    at = args.at
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=VN_TZ)
    with open_warehouse(settings) as warehouse:
        if args.document and warehouse.index.get(args.document) is None:
            raise InvalidRequestError(detail=f"no document {args.document!r}")
        warehouse.index.record_event("result", dossier_code=args.dossier,
                                     document_id=args.document, actor=settings.actor, at=at,
                                     detail={"electronic": args.electronic,
                                             "digitized": args.electronic or args.digitized})
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = args.settings
    with open_warehouse(settings) as warehouse:  # fail here, clearly, not per worker
        have_accounts = warehouse.index.accounts.count() > 0
    if not have_accounts:
        print({"vi": "Chưa có tài khoản nào. Tạo quản trị viên: sohoa users add TEN --role admin",
               "en": "No accounts yet. Create an admin: sohoa users add NAME --role admin"}
              [args.ui], file=sys.stderr)
    print(f"sohoa: http://{args.host}:{args.port}/  (API: /openapi.json)", file=sys.stderr)
    from web.app import server_options

    uvicorn.run("web.app:create_app", factory=True, host=args.host, port=args.port,
                workers=args.workers, log_level=args.log_level, **server_options(settings))
    return 0


def _read_password(args: argparse.Namespace) -> str:
    import getpass

    from web.security import check_password_strength

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Mật khẩu / password: ")
        if getpass.getpass("Nhập lại / again: ") != password:
            raise InvalidRequestError(detail="the two passwords differ")
    reason = check_password_strength(password, username=args.username,
                                     display_name=getattr(args, "name", None) or "")
    if reason:
        raise InvalidRequestError(detail=reason)
    return password


def _account_event(warehouse: Warehouse, settings: Settings, **detail) -> None:
    warehouse.index.record_event("account", actor=settings.actor,
                                 detail={**detail, "via": "cli"})


def cmd_users_add(args: argparse.Namespace) -> int:
    from reuse_index.accounts import DuplicateAccountError
    from web.security import hash_password

    settings = args.settings
    password_hash = None if args.no_password else hash_password(_read_password(args))
    with open_warehouse(settings) as warehouse:
        try:
            account = warehouse.index.accounts.add(args.username, display_name=args.name,
                                                   password_hash=password_hash, roles=args.role)
        except DuplicateAccountError as exc:
            raise InvalidRequestError(detail=f"account {args.username!r} exists") from exc
        except ValueError as exc:
            raise InvalidRequestError(detail=str(exc)) from exc
        _account_event(warehouse, settings, action="create", username=account.username,
                       roles=list(account.roles))
    print(f"{account.username}: {', '.join(account.roles)}", file=sys.stderr)
    return 0


def cmd_users_list(args: argparse.Namespace) -> int:
    with open_warehouse(args.settings) as warehouse:
        found = warehouse.index.accounts.list()
    if args.json:
        print(json.dumps([a.to_dict() for a in found], ensure_ascii=False))
    for a in [] if args.json else found:
        state = "" if a.active else "  (khoá / disabled)"
        print(f"{a.username}  {','.join(a.roles)}  {a.display_name}{state}")
    return 0


def cmd_users_set(args: argparse.Namespace) -> int:
    from reuse_index.accounts import UnknownAccountError
    from web.security import hash_password

    settings = args.settings
    password_hash = (hash_password(_read_password(args))
                     if args.password or args.password_stdin else None)
    active = True if args.enable else False if args.disable else None
    with open_warehouse(settings) as warehouse:
        before = warehouse.index.accounts.get(args.username)
        try:
            account = warehouse.index.accounts.update(
                args.username, display_name=args.name, roles=args.role, active=active,
                password_hash=password_hash)
        except (UnknownAccountError, ValueError) as exc:
            raise InvalidRequestError(detail=str(exc)) from exc
        unlocked = warehouse.index.accounts.clear_login_locks(account.username) \
            if args.enable else 0
        changed = [k for k, v in (("display_name", args.name), ("roles", args.role),
                                  ("active", active), ("password", password_hash))
                   if v is not None] + (["sign_in_locks"] if unlocked else [])
        _account_event(warehouse, settings, action="change", username=account.username,
                       changed=changed, roles_before=list(before.roles) if before else None,
                       roles=list(account.roles))
    state = "" if account.active else "  (khoá / disabled)"
    print(f"{account.username}: {', '.join(account.roles)}{state}", file=sys.stderr)
    return 0


def cmd_users_token(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime, timedelta

    from reuse_index.accounts import UnknownAccountError
    from web.security import digest, new_api_token

    settings = args.settings
    token_id, text = new_api_token()
    expires = datetime.now(UTC) + timedelta(days=args.days) if args.days > 0 else None
    with open_warehouse(settings) as warehouse:
        try:
            token = warehouse.index.accounts.add_token(
                token_id, token_sha256=digest(text), username=args.username,
                label=args.label, expires_at=expires)
        except (UnknownAccountError, ValueError) as exc:
            raise InvalidRequestError(detail=str(exc)) from exc
        _account_event(warehouse, settings, action="token_issued", username=token.username,
                       token_id=token.id, label=token.label)
    if args.json:
        print(json.dumps({**token.to_dict(), "token": text}, ensure_ascii=False))
    else:
        print(text)
        print({"vi": "Mã chỉ hiển thị một lần; lưu lại ngay.",
               "en": "Shown once only; store it now."}[args.ui], file=sys.stderr)
    return 0


def cmd_users_revoke(args: argparse.Namespace) -> int:
    settings = args.settings
    with open_warehouse(settings) as warehouse:
        token = warehouse.index.accounts.revoke_token(args.token_id)
        if token is None:
            raise InvalidRequestError(detail=f"no token {args.token_id!r}")
        _account_event(warehouse, settings, action="token_revoked", username=token.username,
                       token_id=token.id)
    return 0


def cmd_ocr(args: argparse.Namespace) -> int:
    options = PageOptions(engine=args.engine or args.settings.ocr_engine,
                          languages=tuple(args.lang.split("+")),
                          correct_text=not args.no_correct, fields=not args.no_fields,
                          pdf_images=args.settings.pdf_images)
    check_engine(options)
    progress = Progress(args.ui, enabled=not args.quiet)
    if args.pdf:
        results = ocr_to_pdf(args.files, args.pdf, options, workers=args.workers,
                             title=args.pdf.stem, on_page=progress)
    else:
        results = process_files(args.files, options, workers=args.workers, on_page=progress)
        if options.fields:  # the fields' settled readings into the page text
            settle_text([p for r in results for p in r.pages])
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
    # Papers over the whole page stream: an ID card's two sides may be two files.
    documents = documents_for_pages([p for r in results for p in r.pages])
    return {"pages": pages, "documents": [d.to_json() for d in documents], "errors": errors}


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not raise again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout is not a real file (tests)
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``sohoa``: every error becomes a message (Vietnamese unless ``--ui en``) and
    its exit code (:class:`common.errors.ExitCode`), here and nowhere else."""
    try:
        settings = Settings.load()  # once, for the whole command
    except SohoaError as exc:
        print(f"{UI['vi']['error']}: {describe_error(exc, 'vi')}", file=sys.stderr)
        return exc.exit_code
    args = build_parser(settings).parse_args(argv)
    # English log lines only when asked: every problem a user must see is printed in
    # Vietnamese by the command itself (-v warnings, -vv info, -vvv debug)
    level = logging.ERROR - 10 * args.verbose
    logging.basicConfig(level=max(logging.DEBUG, level), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    redact.install()  # no personal ID or searched name in a log line at INFO and above
    try:
        code = args.handler(args)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit
        return code
    except BrokenPipeError:  # `sohoa search | head`: the reader has had enough
        _silence_stdout()
        return ExitCode.ok
    except KeyboardInterrupt:
        print(UI[args.ui]["interrupted"], file=sys.stderr)
        return ExitCode.interrupted
    except SohoaError as exc:
        if disk_full(exc):
            exc = DiskFullError(detail=exc.detail)
        log.debug("%s", exc.detail)
        print(f"{UI[args.ui]['error']}: {describe_error(exc, args.ui)}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:
        if not disk_full(exc):
            raise
        log.debug("%s", exc)
        print(f"{UI[args.ui]['error']}: {DiskFullError().describe(args.ui)}", file=sys.stderr)
        return DiskFullError.exit_code


if __name__ == "__main__":
    sys.exit(main())
