"""Typed errors of the object store.

Each error carries ``message_vi`` (what counter staff or the warehouse team read),
``message_en`` and an English technical ``detail``; ``str(exc)`` is the detail, so logs
and tracebacks stay in English. All exit with code 5 in the CLI. They are
``common.errors.SohoaError``s (as the index's errors are), so the CLI reports every
failure through one handler.
"""

from __future__ import annotations

from common.errors import ExitCode, SohoaError


class StoreError(SohoaError):
    """Base class of every object-store failure."""

    exit_code = ExitCode.object_store
    retryable = True  # the server or disk may be back; write-once and key errors are not
    message_vi = "Lỗi kho lưu trữ."
    message_en = "Object store error."

    def __init__(self, detail: str = "", *, key: str | None = None) -> None:
        self.key = key
        super().__init__(detail=detail or self.message_en)

    def __str__(self) -> str:
        return self.detail

    def describe(self, lang: str = "vi") -> str:
        """User-facing text: the message, plus the object key when there is one."""
        text = self.message_vi if lang == "vi" else self.message_en
        if self.key:
            label = "đối tượng" if lang == "vi" else "object"
            text = f"{text} ({label}: {self.key})"
        return text


class StoreUnavailableError(StoreError):
    """Endpoint unreachable, timed out, credentials refused, bucket missing, disk unusable."""

    message_vi = ("Không kết nối được kho lưu trữ. Kiểm tra địa chỉ máy chủ, tài khoản truy "
                  "cập, tên bucket và kết nối mạng (hoặc quyền ghi thư mục lưu trữ).")
    message_en = ("Cannot reach the object store. Check the endpoint, the access keys, the "
                  "bucket name and the network (or the storage folder's permissions).")


class StoreConfigError(StoreError):
    """The ``SOHOA_S3_*`` / ``StoreConfig`` settings are inconsistent or malformed."""

    retryable = False
    message_vi = "Cấu hình kho lưu trữ không hợp lệ (biến môi trường SOHOA_S3_*)."
    message_en = "Invalid object store configuration (SOHOA_S3_* variables)."


class ObjectExistsError(StoreError):
    """Write-once violation: different bytes are already stored under the key."""

    retryable = False
    message_vi = ("Trong kho đã có một đối tượng khác cùng khoá; dữ liệu lưu trữ không được "
                  "ghi đè.")
    message_en = ("A different object is already stored under this key; stored data is "
                  "never overwritten.")


class ObjectNotFoundError(StoreError):
    retryable = False
    message_vi = "Không tìm thấy đối tượng trong kho lưu trữ."
    message_en = "Object not found in the store."


class StoredBytesMismatchError(StoreError):
    """Stored bytes no longer match the SHA-256 recorded when they were written."""

    retryable = False
    message_vi = ("Dữ liệu trong kho không khớp mã băm SHA-256 đã ghi khi lưu: đối tượng có "
                  "thể đã bị hỏng hoặc bị sửa.")
    message_en = ("Stored bytes do not match the SHA-256 recorded at write time: the object "
                  "may be damaged or tampered with.")


class InvalidKeyError(StoreError, ValueError):
    """A key or prefix that is not a safe, normalised object name."""

    retryable = False
    message_vi = "Khoá đối tượng không hợp lệ."
    message_en = "Invalid object key."
