"""How a signed PDF is checked: :func:`verify_pdf` reports what it found (intact, valid,
trusted, which certificate, when, whether the signature covers the whole file) and never
raises for a bad or hostile file. Trust comes only from the configured roots; nothing is
fetched from the network. The first call installs the verification speed-ups of
:mod:`pipeline.signing.adapt`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature, validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleTrustManager

from common.vn import VN_TZ
from pipeline.signing.adapt import VERIFYING, PdfBytes, install_verification_speedups
from pipeline.signing.certs import subject, to_asn1

log = logging.getLogger(__name__)


class _NoTraceback(logging.Filter):
    """pyHanko logs an untrusted certificate path as a warning with a full traceback; the
    report already says it, so keep the one-line message only."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        return True


logging.getLogger("pyhanko.sign.validation.generic_cms").addFilter(_NoTraceback())


PROBLEMS_VI = {
    "unreadable_file": "Không đọc được tệp.",
    "not_a_pdf": "Không phải tệp PDF hoặc tệp bị hỏng.",
    "no_signature": "Tài liệu không có chữ ký số.",
    "not_intact": "Nội dung đã bị thay đổi sau khi ký.",
    "invalid_signature": "Chữ ký số không hợp lệ.",
    "untrusted_certificate": "Chứng thư số không thuộc tổ chức chứng thực được tin cậy.",
    "no_trust_roots": "Chưa cấu hình chứng thư gốc tin cậy để kiểm tra nguồn gốc chữ ký.",
    "trust_root_unreadable": "Không đọc được một chứng thư gốc tin cậy đã cấu hình.",
    "not_whole_file": "Chữ ký không bao phủ toàn bộ tệp (có dữ liệu thêm vào sau khi ký).",
    "validation_error": "Lỗi khi kiểm tra chữ ký.",
}


@dataclass(frozen=True)
class VerificationReport:
    """What verification found. ``problems`` are ``"code: English detail"`` strings; the
    codes are the keys of ``PROBLEMS_VI`` (see :meth:`problems_vi`)."""

    intact: bool
    valid: bool
    trusted: bool
    signer: str | None
    signed_at: datetime | None
    covers_whole_file: bool
    problems: tuple[str, ...]
    issuer: str | None = None
    serial_number: str | None = None  # hex
    field_name: str | None = None
    signature_count: int = 0
    timestamped_at: datetime | None = None  # from a TSA token, when there is one

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted and self.covers_whole_file

    def problems_vi(self) -> tuple[str, ...]:
        """The problems in Vietnamese, one sentence each."""
        return tuple(PROBLEMS_VI.get(p.split(":", 1)[0], p) for p in self.problems)

    def to_dict(self) -> dict[str, Any]:
        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value is not None else None

        return {
            "ok": self.ok, "intact": self.intact, "valid": self.valid,
            "trusted": self.trusted, "covers_whole_file": self.covers_whole_file,
            "signer": self.signer, "issuer": self.issuer, "serial_number": self.serial_number,
            "signed_at": iso(self.signed_at), "timestamped_at": iso(self.timestamped_at),
            "field_name": self.field_name, "signature_count": self.signature_count,
            "problems": list(self.problems),
        }


def _failed(*problems: str, count: int = 0) -> VerificationReport:
    return VerificationReport(intact=False, valid=False, trusted=False, signer=None,
                              signed_at=None, covers_whole_file=False,
                              problems=tuple(problems), signature_count=count)


def verify_pdf(data: bytes | Path, *, trust_roots: Sequence[Path] = ()) -> VerificationReport:
    """Check every signature of a PDF; report on them (signer/time: the last one).

    Trust comes only from ``trust_roots`` (PEM or DER files), never from the system store;
    nothing is fetched from the network. Never raises for a bad or hostile file.
    """
    try:
        if not isinstance(data, bytes | bytearray | memoryview):
            data = Path(data).read_bytes()
        install_verification_speedups()
        token = VERIFYING.set(True)
        try:
            return _verify_stream(PdfBytes(bytes(data)), trust_roots)
        finally:
            VERIFYING.reset(token)
    except OSError as exc:
        return _failed(f"unreadable_file: {exc.strerror or exc}")
    except Exception as exc:  # last resort: a report, never an exception
        log.warning("signature check failed: %s", type(exc).__name__)
        return _failed(f"validation_error: {type(exc).__name__}: {exc}")


def _verify_stream(stream: Any, trust_roots: Sequence[Path]) -> VerificationReport:
    try:
        reader = PdfFileReader(stream, strict=False)
        signatures = list(reader.embedded_regular_signatures)
    except Exception as exc:
        return _failed(f"not_a_pdf: {type(exc).__name__}: {exc}")
    if not signatures:
        return _failed("no_signature: the PDF has no signature")
    roots, problems, trust = _trust(trust_roots)
    statuses: list[PdfSignatureStatus] = []
    for sig in signatures:
        # a new context per signature (its own time and caches); the roots' trust
        # manager is read-only once built, so it is shared
        context = ValidationContext(trust_roots=roots, allow_fetching=False,
                                    trust_manager=trust)
        try:
            statuses.append(_validate_signature(sig, context))
        except Exception as exc:
            problems.append(f"validation_error: {sig.field_name}: {type(exc).__name__}: {exc}")
    if not statuses:
        return _failed(*problems, count=len(signatures))
    return _report(statuses, signatures[-1].field_name, problems, bool(roots),
                   complete=len(statuses) == len(signatures))


_EVENT_LOOP = threading.local()


def _validate_signature(sig: EmbeddedPdfSignature, context: ValidationContext
                        ) -> PdfSignatureStatus:
    """pyHanko's ``validate_pdf_signature`` (the same coroutine, the context released
    after it), on an event loop the thread keeps: ``asyncio.run`` made and closed a loop
    for every signature, some 7% of a check. Called inside a running loop, it is
    pyHanko's own call (and its error); interrupted (Ctrl-C), the half-run validation is
    cancelled and the loop dropped."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        return validate_pdf_signature(sig, signer_validation_context=context)
    loop = getattr(_EVENT_LOOP, "loop", None)
    if loop is None or loop.is_closed():
        loop = _EVENT_LOOP.loop = asyncio.new_event_loop()
    task = loop.create_task(_validated(sig, context))
    try:
        return loop.run_until_complete(task)
    except BaseException:
        if not task.done():
            _EVENT_LOOP.loop = None
            task.cancel()
            with contextlib.suppress(BaseException):
                loop.run_until_complete(task)
            loop.close()
        raise


async def _validated(sig: EmbeddedPdfSignature, context: ValidationContext
                     ) -> PdfSignatureStatus:
    try:
        return await async_validate_pdf_signature(sig, signer_validation_context=context)
    finally:
        await context.aclose()


def _trust(paths: Sequence[Path]
           ) -> tuple[list[asn1_x509.Certificate], list[str], SimpleTrustManager]:
    """The roots in ``paths`` (with the problems reading them) and their trust manager.
    Parsed once per distinct file contents: a sweep checks every document against the
    same roots, and parsing them anew each time also threw away the names asn1crypto
    had prepared for comparison. The files are read every time (a replaced root counts
    at once); when one cannot be read, nothing is cached and the failure is reported."""
    try:
        files = tuple((Path(path).name, Path(path).read_bytes()) for path in paths)
    except OSError:
        roots, problems = _load_trust_roots(paths)
        return roots, problems, SimpleTrustManager.build(trust_roots=roots)
    roots, problems, trust = _trust_from(files)
    return list(roots), list(problems), trust


@lru_cache(maxsize=8)
def _trust_from(files: tuple[tuple[str, bytes], ...]
                ) -> tuple[tuple[asn1_x509.Certificate, ...], tuple[str, ...],
                           SimpleTrustManager]:
    roots: list[asn1_x509.Certificate] = []
    problems: list[str] = []
    for name, data in files:
        try:
            roots += _parse_roots(data)
        except ValueError as exc:
            problems.append(f"trust_root_unreadable: {name}: {exc}")
    if not roots:
        problems.append("no_trust_roots: no trusted root certificate was given")
    return tuple(roots), tuple(problems), SimpleTrustManager.build(trust_roots=roots)


def _parse_roots(data: bytes) -> list[asn1_x509.Certificate]:
    certs = (x509.load_pem_x509_certificates(data) if b"-----BEGIN" in data
             else [x509.load_der_x509_certificate(data)])
    return [to_asn1(c) for c in certs]


def _load_trust_roots(paths: Sequence[Path]) -> tuple[list[asn1_x509.Certificate], list[str]]:
    roots: list[asn1_x509.Certificate] = []
    problems: list[str] = []
    for path in paths:
        try:
            roots += _parse_roots(Path(path).read_bytes())
        except (OSError, ValueError) as exc:
            problems.append(f"trust_root_unreadable: {Path(path).name}: {exc}")
    if not roots:
        problems.append("no_trust_roots: no trusted root certificate was given")
    return roots, problems


def _chain_trusted(status: PdfSignatureStatus) -> bool:
    """The certificate path ends at a configured root (independently of the digest)."""
    return status.trust_problem_indic is None and status.validation_path is not None


def _report(statuses: list[PdfSignatureStatus], field_name: str, problems: list[str],
            have_roots: bool, *, complete: bool) -> VerificationReport:
    last = statuses[-1]
    intact = complete and all(s.intact for s in statuses)
    valid = complete and all(s.valid for s in statuses)
    trusted = complete and all(_chain_trusted(s) for s in statuses)
    whole = last.coverage == SignatureCoverageLevel.ENTIRE_FILE
    if not all(s.intact for s in statuses):
        problems.append("not_intact: the signed bytes were changed after signing")
    if not all(s.valid for s in statuses):
        problems.append("invalid_signature: the cryptographic signature does not verify")
    if have_roots and not all(_chain_trusted(s) for s in statuses):
        why = ", ".join(sorted({str(s.trust_problem_indic) for s in statuses
                                if not _chain_trusted(s)}))
        problems.append(f"untrusted_certificate: {why}")
    if not whole:
        level = last.coverage.name if last.coverage is not None else "unknown"
        problems.append(f"not_whole_file: the last signature covers {level}")
    cert = x509.load_der_x509_certificate(last.signing_cert.dump())
    reported = last.signer_reported_dt
    tst = last.timestamp_validity
    return VerificationReport(
        intact=intact, valid=valid, trusted=trusted, signer=subject(cert),
        signed_at=reported.astimezone(VN_TZ) if reported is not None else None,
        covers_whole_file=whole, problems=tuple(problems),
        issuer=cert.issuer.rfc4514_string(), serial_number=f"{cert.serial_number:x}",
        field_name=field_name, signature_count=len(statuses),
        timestamped_at=tst.timestamp.astimezone(VN_TZ) if tst is not None else None,
    )
