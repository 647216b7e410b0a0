"""pyHanko adaptations: the only places sohoa reaches inside pyHanko and asn1crypto.

They mirror pyHanko internals of the exact version pinned in ``pyproject.toml``
(:data:`PYHANKO_VERSION`); ``tests/pipeline/signing/test_adapt.py`` fails on any other
version, so an upgrade is a conscious step: re-read the code each adaptation mirrors,
then move the pin.

- **Signing** (used by :mod:`pipeline.signing.sign`): :class:`PdfAWriter` keeps DocInfo
  and XMP in agreement after pyHanko's incremental update (PDF/A 6.6.3);
  :func:`sign_with_time` is ``PdfSigner.async_sign_pdf`` with the signing time fixed, so
  the visible stamp, ``/M`` and the CMS signing time agree.
- **Verification speed-ups**, installed by :func:`install_verification_speedups` (which
  :func:`pipeline.signing.verify.verify_pdf` calls; a process that never verifies keeps
  pyHanko as it is): one-pass readers of hex strings and names for the PDF being verified
  (``PdfBytes``), and asn1crypto's name preparation, comparison and hashing remembered per
  encoding while ``VERIFYING`` is set. Each gives exactly what the code it stands in for
  gives (tests compare them).
"""

from __future__ import annotations

import binascii
import io
import re
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.metadata.model import VENDOR, DocumentMetadata
from pyhanko.pdf_utils.metadata.xmp_xml import MetadataStream
from pyhanko.pdf_utils.misc import PDF_DELIMITERS, PDF_WHITESPACE
from pyhanko.sign import signers
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes

PYHANKO_VERSION = "0.38.0"  # the exact pyHanko these adaptations mirror (pyproject pins it)
ASN1CRYPTO_VERSION = "1.5.1"  # ... and asn1crypto, whose name handling is remembered
# SHA-256 (first 16 hex digits) of the source of each pyHanko / asn1crypto function an
# adaptation mirrors or replaces: tests/pipeline/signing/test_adapt.py recomputes them, so
# a changed upstream function fails the tests even under an unchanged version string.
MIRRORED_SOURCES = {
    "pyhanko.sign.signers.pdf_signer:PdfSigner.async_sign_pdf": "332c3aa64b1eebed",
    "pyhanko.pdf_utils.incremental_writer:IncrementalPdfFileWriter._update_meta":
        "dfb235b7343ab001",
    "pyhanko.pdf_utils.generic:read_hex_string_from_stream": "2004d63b8e1ce3d9",
    "pyhanko.pdf_utils.generic:read_until_delimiter": "1c951935fdb8d4b7",
    "asn1crypto.x509:NameTypeAndValue._ldap_string_prep": "1e534b7794dcfc3f",
    "asn1crypto.x509:RDNSequence.__eq__": "54eaf36a27b85a0a",
    "asn1crypto.x509:RDNSequence.hashable": "459bb8f7135e98f9",
}


class PdfAWriter(IncrementalPdfFileWriter):
    """pyHanko's incremental writer, keeping DocInfo and XMP in agreement (PDF/A 6.6.3).

    pyHanko writes its own name as the XMP ``pdf:Producer`` but appends it to the DocInfo
    ``/Producer``, and takes "now" separately for ``/ModDate`` and ``xmp:ModifyDate``.
    After its update both get one producer and the signing time.
    """

    modified_at: datetime | None = None

    def _update_meta(self) -> None:
        super()._update_meta()
        when = self.modified_at
        if when is None:
            return
        if self._info is not None:
            info = self._info.get_object()
            info["/ModDate"] = generic.pdf_date(when)
            info["/Producer"] = generic.TextStringObject(VENDOR)
            self.mark_update(self._info)
        metadata = self.root.get("/Metadata")
        metadata = metadata.get_object() if metadata is not None else None
        if isinstance(metadata, MetadataStream):
            metadata.update_xmp_with_meta(DocumentMetadata(last_modified=when))
            self.update_container(metadata)


TIGHT_MARGIN_HEX = 64  # hex digits (32 bytes) beyond a dry run's container, without a TSA


async def sign_with_time(pdf_signer: signers.PdfSigner, writer: IncrementalPdfFileWriter,
                          output: io.BufferedIOBase, *, when: datetime, text: str,
                          reserved: int | None, tight: bool = True) -> int:
    """pyHanko's ``async_sign_pdf``, with the signing time fixed to ``when``.

    The same time goes into the signature dictionary (/M) and the visible text, so what
    the reader sees and what the signature says never differ. ``reserved``: bytes for the
    signature container (estimated with a dry run when ``None``, to the dry run's size and
    ``TIGHT_MARGIN_HEX`` when ``tight`` and there is no time-stamp authority, else with
    pyHanko's 50 % margin); returned.
    """
    session = pdf_signer.init_signing_session(writer)
    session.system_time = when
    validation_info = await session.perform_presign_validation(writer)
    if reserved is None:
        # pyHanko reserves 50 % more than a dry run's container for a time-stamp
        # authority's answer, whose size varies; without one only an ECDSA signature's DER
        # length can (by a few bytes), so the dry run's size and a small margin do.
        tight = tight and session.timestamper is None
        reserved = await session.estimate_signature_container_size(validation_info,
                                                                   tight=tight)
        if tight:
            reserved += TIGHT_MARGIN_HEX
    tbs = session.prepare_tbs_document(validation_info=validation_info,
                                       bytes_reserved=reserved,
                                       appearance_text_params={"sohoa_text": text})
    prepared, res_output = tbs.digest_tbs_document(output=output)
    post = await tbs.perform_signature(
        document_digest=prepared.document_digest,
        pdf_cms_signed_attrs=PdfCMSSignedAttributes(
            signing_time=when,
            cades_signed_attrs=pdf_signer.signature_meta.cades_signed_attr_spec))
    await post.post_signature_processing(res_output)
    return reserved


# Shortcuts for verification, each giving exactly what the code it stands in for gives
# (tests/test_signing.py compares them with it). Profiled, a check of one of our PDFs
# spent about half its time in pyHanko reading the signature's /Contents, a hex string of
# some 10,000 digits, a byte at a time through Python; names (/Type, /Sig...) are read
# the same way. And asn1crypto prepares every name of every certificate anew (RFC 4518)
# each time it compares or indexes them, though every document carries the same few.
# So: the hex strings and names of the PDF verify_pdf reads (``PdfBytes``, its bytes at
# hand) are read with one search each, falling back to pyHanko's reader for anything
# unusual; and names are prepared, compared and keyed once per distinct encoding while
# ``VERIFYING`` is set. Signing, and any other reader, goes through pyHanko's code.

VERIFYING: ContextVar[bool] = ContextVar("sohoa_verifying", default=False)


class PdfBytes(io.BytesIO):
    """The PDF verify_pdf reads, its bytes at hand for the readers below."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.data = data


_HEX_STRING_CHARS = generic.HEX_DIGITS + PDF_WHITESPACE
_read_hex_string_bytewise = generic.read_hex_string_from_stream


def _read_hex_string(stream: Any) -> generic.ByteStringObject | generic.TextStringObject:
    """pyHanko's ``read_hex_string_from_stream`` in one pass over a ``PdfBytes``: when
    everything between ``<`` and the next ``>`` is hex digits and PDF white space (else
    pyHanko's own reader runs, errors and comments included), the same string results
    and the stream is left just past the ``>``, as pyHanko leaves it."""
    if type(stream) is PdfBytes:
        data, start = stream.data, stream.tell()
        end = data.find(b">", start + 1)
        if end > start and data[start:start + 1] == b"<":
            body = data[start + 1:end]
            if not body.translate(None, _HEX_STRING_CHARS):
                digits = body.translate(None, PDF_WHITESPACE)
                stream.seek(end + 1)
                return generic.pdf_string(
                    binascii.unhexlify(digits + b"0" * (len(digits) % 2)))
    return _read_hex_string_bytewise(stream)



_TOKEN_END = re.compile(b"[" + re.escape(PDF_WHITESPACE + PDF_DELIMITERS) + b"]")
_read_until_delimiter_bytewise = generic.read_until_delimiter


def _read_until_delimiter(stream: Any) -> bytes:
    """pyHanko's ``read_until_delimiter`` (names, operators) in one search over a
    ``PdfBytes``: the bytes up to the next white space or delimiter, the stream left on
    that byte (or at the end of the file when there is none), as pyHanko leaves it."""
    if type(stream) is not PdfBytes:
        return _read_until_delimiter_bytewise(stream)
    data, start = stream.data, stream.tell()
    found = _TOKEN_END.search(data, start)
    end = found.start() if found else max(start, len(data))
    stream.seek(end)
    return data[start:end]



_ldap_string_prep_uncached = asn1_x509.NameTypeAndValue._ldap_string_prep
_PREPARED_NAMES: dict[str, str] = {}
_PREPARED_NAMES_MAX = 4096


def _ldap_string_prep(self: asn1_x509.NameTypeAndValue, string: Any) -> Any:
    """asn1crypto's preparation of a name's value (a function of the string alone),
    remembered while verifying; a string it rejects raises every time, as before."""
    if not (type(string) is str and VERIFYING.get()):
        return _ldap_string_prep_uncached(self, string)
    prepared = _PREPARED_NAMES.get(string)
    if prepared is None:
        prepared = _ldap_string_prep_uncached(self, string)
        if len(_PREPARED_NAMES) < _PREPARED_NAMES_MAX:
            _PREPARED_NAMES[string] = prepared
    return prepared



_rdn_sequence_eq_uncached = asn1_x509.RDNSequence.__eq__
_NAME_MATCHES: dict[tuple[bytes, bytes], bool] = {}
_NAME_MATCHES_MAX = 4096


def _rdn_sequence_eq(self: asn1_x509.RDNSequence, other: Any) -> bool:
    """asn1crypto's RFC 5280 name comparison (a function of the two encodings), its
    answers remembered while verifying; names it cannot compare raise every time."""
    if not (isinstance(other, asn1_x509.RDNSequence) and VERIFYING.get()):
        return _rdn_sequence_eq_uncached(self, other)
    try:
        key = (self.dump(), other.dump())
    except Exception:  # whatever it is, asn1crypto's comparison says what it says
        return _rdn_sequence_eq_uncached(self, other)
    same = _NAME_MATCHES.get(key)
    if same is None:
        same = _rdn_sequence_eq_uncached(self, other)
        if len(_NAME_MATCHES) < _NAME_MATCHES_MAX:
            _NAME_MATCHES[key] = same
    return same



_rdn_sequence_hashable_uncached = asn1_x509.RDNSequence.hashable.fget
_NAME_KEYS: dict[bytes, str] = {}


def _rdn_sequence_hashable(self: asn1_x509.RDNSequence) -> str:
    """asn1crypto's comparison key of a name (registries of certificates by subject),
    remembered by encoding while verifying."""
    if not VERIFYING.get():
        return _rdn_sequence_hashable_uncached(self)
    try:
        encoded = self.dump()
    except Exception:
        return _rdn_sequence_hashable_uncached(self)
    hashable = _NAME_KEYS.get(encoded)
    if hashable is None:
        hashable = _rdn_sequence_hashable_uncached(self)
        if len(_NAME_KEYS) < _NAME_MATCHES_MAX:
            _NAME_KEYS[encoded] = hashable
    return hashable


_INSTALLED = False


def install_verification_speedups() -> None:
    """Put the one-pass readers and the remembered name operations in place (once per
    process; they act only on a ``PdfBytes`` stream and while ``VERIFYING`` is set)."""
    global _INSTALLED
    if _INSTALLED:
        return
    generic.read_hex_string_from_stream = _read_hex_string  # read_object looks it up per call
    generic.read_until_delimiter = _read_until_delimiter  # imported by name into generic
    asn1_x509.NameTypeAndValue._ldap_string_prep = _ldap_string_prep
    asn1_x509.RDNSequence.__eq__ = _rdn_sequence_eq
    asn1_x509.RDNSequence.hashable = property(_rdn_sequence_hashable)
    _INSTALLED = True
