"""Typed errors of the reuse index (exit code 7 for all of them).

Like every sohoa error they derive from ``common.errors.SohoaError``, so the CLI
reports them in one place: ``message_vi`` is what counter staff read, ``message_en`` the
English text, ``detail`` the technical cause for the log. Details never contain personal
data (citizen IDs or names); a database URL in a detail has its password hidden.
"""

from __future__ import annotations

from common.errors import ExitCode, SohoaError


class IndexStoreError(SohoaError):
    """Base class of every reuse-index failure."""

    exit_code = ExitCode.index_database
    retryable = True  # the database may be back; duplicates and newer schemas are not
    message_vi = "Lỗi cơ sở dữ liệu chỉ mục hồ sơ số hoá"
    message_en = "Reuse index database error"

    def __init__(self, detail: str = "", *, source: str = "") -> None:
        super().__init__(source, detail=detail)

    def __str__(self) -> str:
        text = self.describe("en")
        return f"{text} ({self.detail})" if self.detail else text


class IndexUnavailableError(IndexStoreError):
    """The database cannot be reached or opened (server down, wrong URL, unwritable file)."""

    message_vi = ("Không kết nối được cơ sở dữ liệu chỉ mục. Kiểm tra máy chủ cơ sở dữ liệu "
                  "đang chạy và địa chỉ kết nối (biến SOHOA_DATABASE_URL), rồi thử lại.")
    message_en = ("Cannot reach the index database. Check that the database server is running "
                  "and the connection address (SOHOA_DATABASE_URL), then try again.")


class DuplicateDocumentError(IndexStoreError):
    """A document with the same id is already indexed."""

    retryable = False
    message_vi = "Tài liệu này đã có trong chỉ mục (trùng mã tài liệu)."
    message_en = "This document is already in the index (duplicate document id)."


class SchemaTooNewError(IndexStoreError):
    """The database was migrated by a newer sohoa than this one."""

    retryable = False
    message_vi = ("Cơ sở dữ liệu chỉ mục thuộc phiên bản sohoa mới hơn phiên bản đang chạy. "
                  "Hãy cập nhật sohoa.")
    message_en = ("The index database belongs to a newer sohoa version than this one. "
                  "Update sohoa.")
