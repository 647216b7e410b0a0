"""What is signed: a PAdES baseline signature (ETSI EN 319 142, ``ETSI.CAdES.detached``,
SHA-256) appended to the PDF/A as an incremental update, so the bytes before it stay as
they are; the signer's chain is embedded; an RFC 3161 timestamp is added when a TSA is set.
:class:`AgencySigner` holds the key :func:`pipeline.signing.keys.load_signer` opened.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import tempfile
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.timestamps import HTTPTimeStamper

from common.vn import VN_TZ
from pipeline.signing.adapt import PdfAWriter, sign_with_time
from pipeline.signing.certs import subject
from pipeline.signing.config import ENV_AGENCY_NAME, SigningError
from pipeline.signing.stamp import page_one, stamp_layout, stamp_style

log = logging.getLogger(__name__)

DEFAULT_COPY_TYPE = "Bản sao điện tử"
MD_ALGORITHM = "sha256"
SIGNATURE_FIELD_PREFIX = "SohoaSignature"


@dataclass(frozen=True)
class SignatureInfo:
    signer: str  # certificate subject, RFC 4514
    signed_at: datetime  # Asia/Ho_Chi_Minh time (+07:00), whole seconds
    field_name: str


def signing_time(when: datetime | None = None) -> datetime:
    """``when`` (default: now) in Vietnam time, whole seconds. Naive means Vietnam time."""
    if when is None:
        when = datetime.now(VN_TZ)
    elif when.tzinfo is None:
        when = when.replace(tzinfo=VN_TZ)
    return when.astimezone(VN_TZ).replace(microsecond=0)


class AgencySigner:
    """The agency's key, opened once per process; signs PDFs (thread-safe enough for
    one signature at a time per instance)."""

    def __init__(self, signer: signers.Signer, cert: x509.Certificate, *,
                 tsa_url: str | None = None, close: Callable[[], None] | None = None) -> None:
        self._signer = signer
        self.certificate = cert
        self.subject: str = subject(cert)
        self._timestamper = HTTPTimeStamper(tsa_url) if tsa_url else None
        self._close = close
        self._reserved: int | None = None  # signature container size, once estimated

    def close(self) -> None:
        """Close a PKCS#11 session (nothing to do for a PKCS#12 key)."""
        if self._close is not None:
            self._close()
            self._close = None

    def __enter__(self) -> AgencySigner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def sign_pdf(self, src: Path, dest: Path, *, agency_name: str,
                 when: datetime | None = None, copy_type: str = DEFAULT_COPY_TYPE,
                 reason: str | None = None) -> SignatureInfo:
        """Sign ``src`` into ``dest`` (may be the same path; written atomically)."""
        return _run(self.sign_pdf_async(src, dest, agency_name=agency_name, when=when,
                                        copy_type=copy_type, reason=reason))

    async def sign_pdf_async(self, src: Path, dest: Path, *, agency_name: str,
                             when: datetime | None = None,
                             copy_type: str = DEFAULT_COPY_TYPE,
                             reason: str | None = None) -> SignatureInfo:
        """:meth:`sign_pdf` for callers that already run an event loop."""
        agency = unicodedata.normalize("NFC", " ".join(agency_name.split()))
        copy_type = unicodedata.normalize("NFC", " ".join(copy_type.split()))
        if not agency:
            raise SigningError("no agency name for the visible signature",
                               message_vi=f"Chưa có tên cơ quan ký ({ENV_AGENCY_NAME}).")
        stamp_time = signing_time(when)
        src, dest = Path(src), Path(dest)
        started = time.perf_counter()
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".signing-", suffix=".pdf", dir=dest.parent)
        try:
            with open(src, "rb") as pdf_in, os.fdopen(fd, "w+b") as pdf_out:
                name = await self._sign_stream(
                    pdf_in, pdf_out, texts=(copy_type, agency, stamp_time.isoformat()),
                    when=stamp_time, reason=reason or copy_type)
            os.replace(tmp_name, dest)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        log.info("signed PDF in %.1f ms (field %s)", (time.perf_counter() - started) * 1000,
                 name)
        return SignatureInfo(signer=self.subject, signed_at=stamp_time, field_name=name)

    async def _sign_stream(self, pdf_in: io.BufferedIOBase, pdf_out: io.BufferedIOBase, *,
                           texts: tuple[str, ...], when: datetime, reason: str) -> str:
        try:
            return await self._sign_once(pdf_in, pdf_out, texts=texts, when=when,
                                         reason=reason, tight=True)
        except PyHankoSigningError as exc:
            if "larger than expected" not in str(exc):
                raise SigningError(f"pyHanko refused to sign: {exc}") from exc
        # A token whose signature outgrew the dry run's (a key larger than it assumed):
        # once more, with pyHanko's 50 % margin, kept for the next documents.
        log.warning("signature larger than its dry run; signing again with a wider margin")
        self._reserved = None
        pdf_in.seek(0)
        pdf_out.seek(0)
        pdf_out.truncate()
        try:
            return await self._sign_once(pdf_in, pdf_out, texts=texts, when=when,
                                         reason=reason, tight=False)
        except PyHankoSigningError as exc:
            raise SigningError(f"pyHanko refused to sign: {exc}") from exc

    async def _sign_once(self, pdf_in: io.BufferedIOBase, pdf_out: io.BufferedIOBase, *,
                         texts: tuple[str, ...], when: datetime, reason: str,
                         tight: bool) -> str:
        try:
            writer = PdfAWriter(pdf_in)
            writer.modified_at = when
            if writer.prev.encrypted:
                raise SigningError("the PDF is encrypted",
                                   message_vi="Tệp PDF có mật khẩu, không ký được.")
            name = _free_field_name(writer)
            stamp = stamp_layout(texts, *page_one(writer))
            meta = signers.PdfSignatureMetadata(
                field_name=name, md_algorithm=MD_ALGORITHM, reason=reason,
                subfilter=fields.SigSeedSubFilter.PADES)
            pdf_signer = signers.PdfSigner(
                meta, self._signer, timestamper=self._timestamper,
                stamp_style=stamp_style(stamp),
                new_field_spec=fields.SigFieldSpec(name, on_page=0, box=stamp.box))
            reserved = await sign_with_time(pdf_signer, writer, pdf_out, when=when,
                                             text="\n".join(stamp.lines),
                                             reserved=self._reserved, tight=tight)
            if self._timestamper is None:  # without a TSA the size never changes
                self._reserved = reserved
        except (SigningError, PyHankoSigningError):
            raise
        except Exception as exc:  # unreadable or damaged PDF structure
            raise SigningError(
                f"cannot sign this PDF: {type(exc).__name__}: {exc}",
                message_vi="Tệp PDF bị hỏng hoặc có cấu trúc không đọc được, không ký được.",
            ) from exc
        return name


def _free_field_name(writer: IncrementalPdfFileWriter) -> str:
    taken = {name for name, _, _ in fields.enumerate_sig_fields(writer.prev)}
    n = 1
    while f"{SIGNATURE_FIELD_PREFIX}{n}" in taken:
        n += 1
    return f"{SIGNATURE_FIELD_PREFIX}{n}"


def _run(coro: Any) -> Any:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    coro.close()
    raise RuntimeError("called from a running event loop: use the *_async method")
