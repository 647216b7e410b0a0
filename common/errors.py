"""Every sohoa error, rooted in :class:`SohoaError`, and the one :class:`ExitCode` enum.

An error carries its exit code, a Vietnamese message for counter staff (``message_vi``),
an English one (``message_en``) and English technical ``detail`` for the log. The CLI
turns any of them into output in one place (``cli.main``); the web service into an HTTP
answer. Packages raise their own branches (``storage.errors``, ``reuse_index.errors``,
``pipeline.signing.errors``), all below this root, so nothing needs to import upwards to
catch or report an error. Exit codes are the CLI contract (README, "Exit codes").
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The ``sohoa`` command's exit codes (README, "Exit codes")."""

    ok = 0
    other_error = 1  # an unexpected error
    bad_input = 2  # an input file, the request, the manifest or the arguments
    page_failed = 3  # a page could not be processed
    ocr_missing = 4  # the OCR engine or its language data is not installed
    object_store = 5
    signing_key = 6
    index_database = 7
    not_found = 8  # no such document
    integrity = 9  # a stored document failed verification
    expired = 10  # the paper has expired: reuse refused
    output_exists = 11  # an export's output folder already holds an export (use --force)
    interrupted = 130  # Ctrl-C


class SohoaError(Exception):
    """Base class: ``message_vi`` for the user, ``detail`` for the log."""

    exit_code: int = ExitCode.other_error
    message_vi = "Lỗi không xác định"
    message_en = "Unexpected error"
    show_detail = False  # append the detail to the user message (when it helps the user)
    retryable = False  # the same call may succeed later (an unreachable server): queue retries

    def __init__(self, source: str = "", *, page: int | None = None, detail: str = "") -> None:
        self.source = source
        self.page = page
        self.detail = detail
        super().__init__(self.describe("en"))

    def where(self, lang: str = "vi") -> str:
        if not self.source:
            return ""
        if self.page is None:
            return f"{self.source}: "
        label = "trang" if lang == "vi" else "page"
        return f"{self.source} ({label} {self.page + 1}): "

    def describe(self, lang: str = "vi") -> str:
        text = self.message_vi if lang == "vi" else self.message_en
        if self.show_detail and self.detail:
            text = f"{text}: {self.detail}"
        return f"{self.where(lang)}{text}"


def describe_error(exc: BaseException, lang: str = "vi") -> str:
    """User-facing text for any exception."""
    if isinstance(exc, SohoaError):
        return exc.describe(lang)
    return (SohoaError().describe(lang) + f": {type(exc).__name__}").strip()


# -- input files (exit 2) -------------------------------------------------------------------


class InputFileError(SohoaError):
    exit_code = ExitCode.bad_input
    message_vi = "Không đọc được tệp"
    message_en = "Cannot read the file"


class EmptyFileError(InputFileError):
    message_vi = "Tệp rỗng (0 byte). Hãy quét lại tài liệu."
    message_en = "The file is empty (0 bytes). Scan the paper again."


class MissingFileError(InputFileError):
    message_vi = "Không tìm thấy tệp. Kiểm tra lại đường dẫn."
    message_en = "File not found. Check the path."


class UnsupportedFileError(InputFileError):
    message_vi = ("Không phải tệp PDF, TIFF, JPEG hoặc PNG (có thể đã bị đổi đuôi). "
                  "Hãy quét lại hoặc lưu tệp ở định dạng PDF/TIFF/JPEG/PNG.")
    message_en = ("Not a PDF, TIFF, JPEG or PNG file (the extension may have been renamed). "
                  "Scan again or save as PDF/TIFF/JPEG/PNG.")


class CorruptFileError(InputFileError):
    message_vi = "Tệp bị hỏng hoặc không đầy đủ (có thể chưa tải/chép xong). Hãy quét lại."
    message_en = "The file is damaged or truncated (perhaps not fully copied). Scan it again."


class EncryptedPdfError(InputFileError):
    message_vi = ("Tệp PDF có mật khẩu. Hãy mở bằng mật khẩu và lưu lại bản không mật khẩu "
                  "(ví dụ: qpdf --decrypt --password=MẬT_KHẨU vào.pdf ra.pdf), rồi quét lại.")
    message_en = ("The PDF is password-protected. Save an unprotected copy "
                  "(e.g. qpdf --decrypt --password=PASSWORD in.pdf out.pdf) and try again.")


class ImageTooLargeError(InputFileError):
    message_vi = ("Ảnh quá lớn (trên giới hạn điểm ảnh cho phép), có thể là tệp độc hại; "
                  "đã từ chối trước khi giải nén. Hãy quét lại ở 200–600 dpi.")
    message_en = ("The image is too large (over the pixel limit), possibly a decompression "
                  "bomb; refused before decoding. Scan again at 200–600 dpi.")


class TooManyPagesError(InputFileError):
    message_vi = ("Tệp có quá nhiều trang so với giới hạn cho phép (SOHOA_MAX_PAGES); "
                  "hãy tách tệp theo từng giấy tờ")
    message_en = "The file has more pages than allowed (SOHOA_MAX_PAGES); split it by paper"
    show_detail = True


# -- requests (exit 2) ----------------------------------------------------------------------


class InvalidRequestError(SohoaError):
    """What the user asked for is not valid (dossier data, options, dates, ...)."""

    exit_code = ExitCode.bad_input
    message_vi = "Thông tin hồ sơ không hợp lệ"
    message_en = "Invalid dossier information"
    show_detail = True


# -- processing (exit 3, 4) -----------------------------------------------------------------


class PageProcessingError(SohoaError):
    exit_code = ExitCode.page_failed
    message_vi = "Không xử lý được trang này"
    message_en = "This page could not be processed"


class DiskFullError(SohoaError):
    """No space left (or quota reached) on a local disk: the work folder, SOHOA_HOME, the
    local store or the index. Writes are atomic (temporary name, then rename), so what
    was being written is not left half-written."""

    message_vi = ("Ổ đĩa đã đầy (hoặc hết hạn mức): không ghi được. Giải phóng dung lượng "
                  "rồi chạy lại; những gì đã lưu trước đó vẫn nguyên vẹn.")
    message_en = ("The disk is full (or a quota is reached): nothing more can be written. "
                  "Free some space and run again; what was stored before is intact.")


def disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is an out-of-space error."""
    import errno

    while exc is not None:
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


class OcrUnavailableError(SohoaError):
    exit_code = ExitCode.ocr_missing
    message_vi = "Chưa cài đặt phần mềm nhận dạng chữ (OCR)"
    message_en = "The OCR engine is not installed"
    show_detail = True


# -- signing key (exit 6) -------------------------------------------------------------------


class NoSigningKeyError(SohoaError):
    exit_code = ExitCode.signing_key
    message_vi = ("Chưa cấu hình khoá ký số của cơ quan nên không ký được bản sao điện tử. "
                  "Đặt SOHOA_SIGNING_P12 và SOHOA_SIGNING_PASSWORD (hoặc "
                  "SOHOA_SIGNING_PASSWORD_FILE); để thử nghiệm: sohoa keys demo")
    message_en = ("No agency signing key is configured, so copies cannot be signed. Set "
                  "SOHOA_SIGNING_P12 and SOHOA_SIGNING_PASSWORD (or SOHOA_SIGNING_PASSWORD_FILE);"
                  " for a demo: sohoa keys demo")


# -- stored documents (exit 8, 9, 10) ---------------------------------------------------------


class DocumentNotFoundError(SohoaError):
    exit_code = ExitCode.not_found
    message_vi = "Không tìm thấy tài liệu trong kho"
    message_en = "No such document in the warehouse"
    show_detail = True


class DocumentIntegrityError(SohoaError):
    """A stored document's hash or signature failed: no copy is handed out."""

    exit_code = ExitCode.integrity
    message_vi = ("Tài liệu lưu trữ không còn nguyên vẹn hoặc chữ ký không hợp lệ; "
                  "không cấp bản sao. Báo cho bộ phận quản trị kho dữ liệu.")
    message_en = ("The stored document is not intact or its signature is not valid; "
                  "no copy was handed out. Tell the data-warehouse team.")
    show_detail = True


class ExpiredDocumentError(SohoaError):
    exit_code = ExitCode.expired
    message_vi = "Giấy tờ đã hết hiệu lực nên không được tái sử dụng"
    message_en = "The paper has expired and cannot be reused"
    show_detail = True
