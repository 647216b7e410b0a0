"""Typed errors of the pipeline. Each carries an exit code and a message for counter staff.

The message is Vietnamese (what the user reads); ``detail`` is English technical detail
for the log. The CLI turns these into output in one place (``cli.report_error``).
"""

from __future__ import annotations


class SohoaError(Exception):
    """Base class: ``message_vi`` for the user, ``detail`` for the log."""

    exit_code = 1
    message_vi = "Lỗi không xác định"
    message_en = "Unexpected error"
    show_detail = False  # append the detail to the user message (when it helps the user)

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


class InputFileError(SohoaError):
    exit_code = 2
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


class PageProcessingError(SohoaError):
    exit_code = 3
    message_vi = "Không xử lý được trang này"
    message_en = "This page could not be processed"


class OcrUnavailableError(SohoaError):
    exit_code = 4
    message_vi = "Chưa cài đặt phần mềm nhận dạng chữ (OCR)"
    message_en = "The OCR engine is not installed"
    show_detail = True


def describe_error(exc: BaseException, lang: str = "vi") -> str:
    """User-facing text for any exception."""
    if isinstance(exc, SohoaError):
        return exc.describe(lang)
    return (SohoaError().describe(lang) + f": {type(exc).__name__}").strip()
