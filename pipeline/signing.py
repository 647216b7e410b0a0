"""PAdES signatures on the PDF/A copies, and their verification (through pyHanko).

This module owns, kept apart the way pyHanko keeps them apart:

- **who** signs: :class:`SigningConfig` (from ``SOHOA_*`` variables), :func:`load_signer`
  that opens the agency's key once (PKCS#12 file by default, a PKCS#11 token as an option)
  and refuses a wrong password, a weak key (RSA < 2048, EC < 256) or an expired
  certificate before any other work, and :class:`AgencySigner` that holds it;
- **what** is signed: a PAdES baseline signature (ETSI EN 319 142, ``ETSI.CAdES.detached``,
  SHA-256) appended as an incremental update, so the PDF/A bytes before it stay as they
  are; the signer's chain is embedded; an RFC 3161 timestamp is added when a TSA is set;
- **how it looks**: visible text at the top right of page 1, no image: the copy type, the
  agency's name and the signing time in ISO 8601 with the +07:00 offset (always
  Asia/Ho_Chi_Minh time), in an embedded TrueType font that has the Vietnamese letters;
- **how it is checked**: :func:`verify_pdf` reports what it found (intact, valid, trusted,
  which certificate, when, whether the signature covers the whole file) and never raises
  for a bad file;
- :func:`create_demo_pki`: a local demo CA and agency certificate, clearly marked as not
  for production, so that a laptop can sign without a real certificate.
"""

from __future__ import annotations

import asyncio
import binascii
import contextlib
import io
import logging
import os
import re
import secrets
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.content import RawContent
from pyhanko.pdf_utils.font.api import FontEngineFactory
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.metadata.model import VENDOR, DocumentMetadata
from pyhanko.pdf_utils.metadata.xmp_xml import MetadataStream
from pyhanko.pdf_utils.misc import PDF_DELIMITERS, PDF_WHITESPACE
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.general import get_pyca_cryptography_hash
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.validation import async_validate_pdf_signature, validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore, SimpleTrustManager

from common.errors import ExitCode, SohoaError
from common.vn import VN_TZ

__all__ = [
    "AgencySigner",
    "DemoPki",
    "SignatureInfo",
    "SigningConfig",
    "SigningError",
    "SigningKeyError",
    "VerificationReport",
    "create_demo_pki",
    "demo_pki_paths",
    "load_signer",
    "verify_pdf",
]

log = logging.getLogger(__name__)
# fontTools logs every subsetting step at INFO; one signature is not worth 60 log lines.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)


class _NoTraceback(logging.Filter):
    """pyHanko logs an untrusted certificate path as a warning with a full traceback; the
    report already says it, so keep the one-line message only."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        return True


logging.getLogger("pyhanko.sign.validation.generic_cms").addFilter(_NoTraceback())


DEFAULT_COPY_TYPE = "Bản sao điện tử"
MIN_RSA_BITS = 2048
MIN_EC_BITS = 256
MD_ALGORITHM = "sha256"

ENV_P12 = "SOHOA_SIGNING_P12"
ENV_PASSWORD = "SOHOA_SIGNING_PASSWORD"
ENV_PASSWORD_FILE = "SOHOA_SIGNING_PASSWORD_FILE"
ENV_PKCS11_LIB = "SOHOA_PKCS11_LIB"
ENV_PKCS11_TOKEN = "SOHOA_PKCS11_TOKEN"
ENV_PKCS11_KEY_LABEL = "SOHOA_PKCS11_KEY_LABEL"
ENV_PKCS11_PIN = "SOHOA_PKCS11_PIN"
ENV_AGENCY_NAME = "SOHOA_AGENCY_NAME"
ENV_TSA_URL = "SOHOA_TSA_URL"
ENV_TRUST_ROOTS = "SOHOA_TRUST_ROOTS"

# Fonts with every Vietnamese letter, first found wins (Debian: fonts-noto-core,
# fonts-liberation2, fonts-dejavu-core).
STAMP_FONTS = (
    Path("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf"),
    Path("/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf"),
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
)
# Characters kept in the stamp font: printable ASCII, Latin-1, the Vietnamese letters
# (Ă Đ Ĩ Ũ Ơ Ư and the precomposed letters of Latin Extended Additional, text being NFC),
# combining tone marks, common punctuation and the đồng sign. A small font keeps the
# per-signature subsetting fast.
_STAMP_FONT_RANGES = ((0x20, 0x7E), (0xA0, 0xFF), (0x102, 0x103), (0x110, 0x111),
                      (0x128, 0x129), (0x168, 0x169), (0x1A0, 0x1A1), (0x1AF, 0x1B0),
                      (0x300, 0x301), (0x303, 0x303), (0x309, 0x309), (0x323, 0x323),
                      (0x1EA0, 0x1EF9), (0x2013, 0x2014), (0x2018, 0x201D), (0x2022, 0x2022),
                      (0x2026, 0x2026), (0x20AB, 0x20AB))

# Stamp geometry, in PDF points (1/72 inch). Vietnamese administrative papers keep a top
# margin of 20-25 mm (57-71 pt), so a stamp 10 pt from the top and at most 46 pt high sits
# in the margin above the national motto.
STAMP_FONT_SIZE = 8
STAMP_MIN_FONT_SIZE = 6
STAMP_LINE_GAP = 2  # leading = font size + gap
STAMP_PADDING = 4
STAMP_EDGE_OFFSET = 10  # from the top and right edges of the visible page
STAMP_MAX_WIDTH = 0.45  # of the page width
STAMP_BORDER_RGB = (0.1, 0.25, 0.6)
SIGNATURE_FIELD_PREFIX = "SohoaSignature"

DEMO_MARK = "DEMO - KHÔNG DÙNG THẬT"
DEMO_KEY_BITS = 3072
DEMO_CA_DAYS = 3650
DEMO_AGENCY_DAYS = 825
_CN_MAX = 64  # RFC 5280 upper bound for a common name

_CONFIG_HELP_VI = (
    f"Cấu hình khóa ký số của cơ quan: đặt {ENV_P12} là đường dẫn tệp .p12/.pfx và "
    f"{ENV_PASSWORD} (hoặc {ENV_PASSWORD_FILE}: tệp chứa mật khẩu); hoặc dùng token USB "
    f"qua {ENV_PKCS11_LIB}, {ENV_PKCS11_TOKEN}, {ENV_PKCS11_KEY_LABEL}, {ENV_PKCS11_PIN}."
)


# --------------------------------------------------------------------------- errors


class SigningError(SohoaError):
    """Signing failed. ``message_vi`` is for the user; ``str()`` is the English detail."""

    exit_code = ExitCode.signing_key
    message_vi = "Không ký số được tài liệu."
    message_en = "The document could not be signed."

    def __init__(self, detail: str = "", *, message_vi: str | None = None,
                 source: str = "") -> None:
        Exception.__init__(self, detail or self.message_en)
        self.source = source
        self.page = None
        self.detail = detail
        if message_vi is not None:
            self.message_vi = message_vi


class SigningKeyError(SigningError):
    """The key or certificate is missing, locked, too weak or expired."""

    message_vi = "Không mở được khóa ký số của cơ quan. " + _CONFIG_HELP_VI
    message_en = "The agency's signing key could not be opened."


# --------------------------------------------------------------------------- who: config


@dataclass(frozen=True)
class DemoPki:
    """Files of the demo PKI (see :func:`create_demo_pki`)."""

    ca_cert: Path
    p12: Path
    password_file: Path


def demo_pki_paths(home: Path) -> DemoPki:
    keys = Path(home) / "keys"
    return DemoPki(ca_cert=keys / "demo-ca.pem", p12=keys / "demo-agency.p12",
                   password_file=keys / "demo-agency.password")


@dataclass(frozen=True)
class SigningConfig:
    """Where the agency's key is and how to sign. Secrets are kept out of ``repr``."""

    p12_path: Path | None = None
    p12_password: bytes | None = field(default=None, repr=False)
    pkcs11_lib: str | None = None
    pkcs11_token: str | None = None
    pkcs11_key_label: str | None = None
    pkcs11_pin: str | None = field(default=None, repr=False)
    agency_name: str = ""
    tsa_url: str | None = None
    trust_roots: tuple[Path, ...] = ()

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, home: Path) -> SigningConfig:
        """Read ``SOHOA_*`` variables; fall back to the demo PKI under ``home/keys``."""

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        p12 = get(ENV_P12)
        p12_path = Path(p12).expanduser() if p12 else None
        password = _password_from_env(env)
        pkcs11_lib = get(ENV_PKCS11_LIB)
        trust = [Path(p).expanduser() for p in env.get(ENV_TRUST_ROOTS, "").split(os.pathsep)
                 if p.strip()]
        if p12_path is None and pkcs11_lib is None:
            demo = demo_pki_paths(home)
            if demo.p12.is_file():
                p12_path = demo.p12
                if password is None and demo.password_file.is_file():
                    password = _read_password_file(demo.password_file)
                if demo.ca_cert.is_file() and demo.ca_cert not in trust:
                    trust.append(demo.ca_cert)
        return cls(
            p12_path=p12_path, p12_password=password, pkcs11_lib=pkcs11_lib,
            pkcs11_token=get(ENV_PKCS11_TOKEN), pkcs11_key_label=get(ENV_PKCS11_KEY_LABEL),
            pkcs11_pin=get(ENV_PKCS11_PIN),
            agency_name=unicodedata.normalize("NFC", get(ENV_AGENCY_NAME) or ""),
            tsa_url=get(ENV_TSA_URL), trust_roots=tuple(trust),
        )

    def configured(self) -> bool:
        """A key source is set (it may still fail to open)."""
        return self.p12_path is not None or self.pkcs11_lib is not None


def _password_from_env(env: Mapping[str, str]) -> bytes | None:
    if env.get(ENV_PASSWORD):
        return env[ENV_PASSWORD].encode("utf-8")
    file = env.get(ENV_PASSWORD_FILE, "").strip()
    return _read_password_file(Path(file).expanduser()) if file else None


def _read_password_file(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningKeyError(
            f"cannot read the password file ({exc.strerror})",
            message_vi=(f"Không đọc được tệp mật khẩu khóa ký số ({ENV_PASSWORD_FILE}). "
                        "Kiểm tra đường dẫn và quyền đọc tệp."),
        ) from exc
    return data.rstrip(b"\r\n")


# --------------------------------------------------------------------------- who: keys


def load_signer(config: SigningConfig) -> AgencySigner:
    """Open the agency's key now; raise :class:`SigningKeyError` if it cannot sign."""
    if config.p12_path is not None and config.pkcs11_lib is not None:
        raise SigningKeyError(
            "both a PKCS#12 file and a PKCS#11 token are configured",
            message_vi=(f"Chỉ cấu hình một nguồn khóa ký số: hoặc {ENV_P12} (tệp .p12), "
                        f"hoặc {ENV_PKCS11_LIB} (token USB), không dùng cả hai."),
        )
    if config.p12_path is not None:
        signer, cert = _load_p12(config.p12_path, config.p12_password)
        closer = None
    elif config.pkcs11_lib is not None:
        signer, cert, closer = _load_pkcs11(config)
    else:
        raise SigningKeyError("no signing key is configured",
                              message_vi="Chưa cấu hình khóa ký số. " + _CONFIG_HELP_VI)
    try:
        _check_key_strength(cert.public_key())
        _check_certificate(cert, datetime.now(UTC))
    except SigningKeyError:
        if closer is not None:
            closer()
        raise
    agency = AgencySigner(signer, cert, tsa_url=config.tsa_url, close=closer)
    _stamp_font()  # load and trim the font now, not during the first signature
    log.info("signing key loaded (%s, %d bits)", type(cert.public_key()).__name__,
             cert.public_key().key_size)
    return agency


def _load_p12(path: Path, password: bytes | None) -> tuple[signers.Signer, x509.Certificate]:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SigningKeyError(
            f"cannot read the PKCS#12 file ({exc.strerror})",
            message_vi=(f"Không đọc được tệp khóa ký số {path.name} ({ENV_P12}). "
                        "Kiểm tra đường dẫn và quyền đọc tệp. " + _CONFIG_HELP_VI),
        ) from exc
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, password)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(
            f"cannot open the PKCS#12 file: wrong password or damaged file ({exc})",
            message_vi=(f"Sai mật khẩu tệp khóa ký số {path.name} (hoặc tệp bị hỏng). "
                        f"Đặt đúng mật khẩu trong biến môi trường {ENV_PASSWORD}, hoặc ghi "
                        f"mật khẩu vào một tệp (quyền 600) và trỏ {ENV_PASSWORD_FILE} tới "
                        "tệp đó."),
        ) from exc
    if key is None or cert is None:
        raise SigningKeyError(
            "the PKCS#12 file holds no private key with its certificate",
            message_vi=(f"Tệp {path.name} không chứa khóa bí mật kèm chứng thư số của cơ "
                        "quan. Hãy xuất lại tệp .p12/.pfx có cả khóa bí mật."),
        )
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise _weak_key_error(f"unsupported key type {type(key).__name__}")
    if key.public_key().public_numbers() != cert.public_key().public_numbers():
        raise SigningKeyError(
            "the private key does not match the certificate",
            message_vi=f"Khóa bí mật trong {path.name} không khớp với chứng thư số.",
        )
    return _KeySigner(key, cert, extra), cert


def _load_pkcs11(config: SigningConfig
                 ) -> tuple[signers.Signer, x509.Certificate, Callable[[], None]]:
    try:
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign import pkcs11 as p11
    except ImportError as exc:  # python-pkcs11 missing
        raise SigningKeyError(
            f"PKCS#11 support is not installed ({exc})",
            message_vi="Chưa cài thư viện python-pkcs11 để dùng token USB.",
        ) from exc
    criteria = TokenCriteria(label=config.pkcs11_token) if config.pkcs11_token else None
    try:
        session = p11.open_pkcs11_session(config.pkcs11_lib, token_criteria=criteria,
                                          user_pin=config.pkcs11_pin)
    except Exception as exc:  # library missing, no token, wrong PIN: all key problems
        raise SigningKeyError(
            f"cannot open the PKCS#11 token: {type(exc).__name__}: {exc}",
            message_vi=(f"Không mở được token ký số: kiểm tra token đã cắm, thư viện "
                        f"{ENV_PKCS11_LIB}, tên token {ENV_PKCS11_TOKEN} và mã PIN "
                        f"{ENV_PKCS11_PIN}."),
        ) from exc
    signer = p11.PKCS11Signer(session, key_label=config.pkcs11_key_label,
                              other_certs_to_pull=None)
    try:
        asyncio.run(signer.ensure_objects_loaded())
        cert = x509.load_der_x509_certificate(signer.signing_cert.dump())
    except Exception as exc:
        session.close()
        raise SigningKeyError(
            f"key or certificate not found on the token: {type(exc).__name__}: {exc}",
            message_vi=(f"Không tìm thấy khóa/chứng thư số trên token (nhãn "
                        f"{ENV_PKCS11_KEY_LABEL})."),
        ) from exc
    return signer, cert, session.close


def _weak_key_error(detail: str) -> SigningKeyError:
    return SigningKeyError(
        detail,
        message_vi=(f"Khóa ký số quá yếu hoặc không được hỗ trợ: cần RSA từ {MIN_RSA_BITS} "
                    f"bit hoặc ECDSA từ {MIN_EC_BITS} bit. Hãy xin cấp chứng thư số mới."),
    )


def _check_key_strength(public_key: Any) -> None:
    if isinstance(public_key, rsa.RSAPublicKey):
        if public_key.key_size < MIN_RSA_BITS:
            raise _weak_key_error(f"RSA key of {public_key.key_size} bits "
                                  f"(at least {MIN_RSA_BITS} required)")
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        if public_key.key_size < MIN_EC_BITS:
            raise _weak_key_error(f"EC key of {public_key.key_size} bits "
                                  f"(at least {MIN_EC_BITS} required)")
    else:
        raise _weak_key_error(f"unsupported key type {type(public_key).__name__}")


def _check_certificate(cert: x509.Certificate, now: datetime) -> None:
    if now > cert.not_valid_after_utc:
        when = cert.not_valid_after_utc.astimezone(VN_TZ).date().isoformat()
        raise SigningKeyError(
            f"the certificate expired on {cert.not_valid_after_utc.isoformat()}",
            message_vi=f"Chứng thư số của cơ quan đã hết hạn ngày {when}. Hãy gia hạn.",
        )
    if now < cert.not_valid_before_utc:
        raise SigningKeyError(
            f"the certificate is not valid before {cert.not_valid_before_utc.isoformat()}",
            message_vi="Chứng thư số chưa đến ngày có hiệu lực. Kiểm tra đồng hồ máy tính.",
        )
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not (usage.digital_signature or usage.content_commitment):
        raise SigningKeyError(
            "the certificate's key usage does not allow signatures",
            message_vi="Chứng thư số này không dùng để ký (thiếu quyền ký số).",
        )


class _KeySigner(signers.Signer):
    """pyHanko signer over a key held in memory (parsed once, unlike ``SimpleSigner``)."""

    def __init__(self, key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
                 cert: x509.Certificate, chain: Sequence[x509.Certificate]) -> None:
        store = SimpleCertificateStore()
        store.register_multiple(_to_asn1(c) for c in chain)
        super().__init__(signing_cert=_to_asn1(cert), cert_registry=store, embed_roots=True)
        self._key = key
        # Placeholder length for size estimates (an ECDSA DER signature is at most this).
        self._max_len = (key.key_size + 7) // 8 * (1 if isinstance(key, rsa.RSAPrivateKey)
                                                   else 2) + 16

    async def async_sign_raw(self, data: bytes, digest_algorithm: str,
                             dry_run: bool = False) -> bytes:
        if dry_run:
            return bytes(self._max_len)
        algo = get_pyca_cryptography_hash(digest_algorithm)
        if isinstance(self._key, rsa.RSAPrivateKey):
            return self._key.sign(data, padding.PKCS1v15(), algo)
        return self._key.sign(data, ec.ECDSA(algo))


def _to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _subject(cert: x509.Certificate) -> str:
    return cert.subject.rfc4514_string()


# --------------------------------------------------------------------------- how it looks


@dataclass(frozen=True)
class _StampFont:
    data: bytes  # TrueType, trimmed to the Latin/Vietnamese blocks, no layout tables
    widths: dict[int, float]  # code point -> advance in 1/1000 em
    missing_width: float


@lru_cache(maxsize=1)
def _stamp_font() -> _StampFont:
    """The stamp font, trimmed once per process.

    Subsetting the whole font for every signature costs ~0.4 s (mostly its layout tables);
    this trimmed copy keeps only the Latin blocks (all Vietnamese letters are precomposed
    there, text is NFC) and no GSUB/GPOS, so the per-signature subset is cheap.
    """
    from fontTools import subset
    from fontTools.ttLib import TTFont

    path = next((p for p in STAMP_FONTS if p.is_file()), None)
    if path is None:
        raise SigningError(
            "no font with Vietnamese glyphs found: " + ", ".join(map(str, STAMP_FONTS)),
            message_vi="Thiếu phông chữ tiếng Việt (cài gói fonts-noto-core).",
        )
    font = TTFont(path)
    options = subset.Options()
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "kern", "BASE", "JSTF", "MATH"]
    options.layout_features = []
    options.hinting = False
    options.notdef_outline = True
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(unicodes=[cp for lo, hi in _STAMP_FONT_RANGES
                                 for cp in range(lo, hi + 1)])
    subsetter.subset(font)
    scale = 1000 / font["head"].unitsPerEm
    metrics = font["hmtx"].metrics
    widths = {cp: metrics[name][0] * scale for cp, name in font.getBestCmap().items()}
    missing = metrics[".notdef"][0] * scale if ".notdef" in metrics else 600.0
    buffer = io.BytesIO()
    font.save(buffer)
    return _StampFont(buffer.getvalue(), widths, missing)


def _text_width(text: str, size: float) -> float:
    font = _stamp_font()
    return sum(font.widths.get(ord(ch), font.missing_width) for ch in text) * size / 1000


@dataclass(frozen=True)
class _MemoryFontFactory(FontEngineFactory):
    """Like pyHanko's ``GlyphAccumulatorFactory``, over font bytes held in memory."""

    font_bytes: bytes = field(repr=False)
    font_size: int = STAMP_FONT_SIZE

    def create_font_engine(self, writer: Any, obj_stream: Any = None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs:
            obj_stream = writer.prepare_object_stream()
        return GlyphAccumulator(writer=writer, font_handle=io.BytesIO(self.font_bytes),
                                font_size=self.font_size, obj_stream=obj_stream)


_Rect = tuple[float, float, float, float]  # x1, y1, x2, y2


@dataclass(frozen=True)
class _StampLayout:
    lines: tuple[str, ...]
    font_size: int
    box: _Rect  # in page user space


def _wrap(text: str, size: float, max_width: float) -> list[str]:
    """Greedy word wrap of ``text`` to ``max_width`` points."""
    lines: list[str] = []
    for word in text.split():
        if lines and _text_width(lines[-1] + " " + word, size) <= max_width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _stamp_layout(texts: Sequence[str], visible: _Rect, taken: Sequence[_Rect] = ()
                  ) -> _StampLayout:
    """Font size, lines and box of the stamp: top right of the visible page area, below
    the ``taken`` boxes (stamps of earlier signatures) that it would overlap."""
    x0, y0, x1, y1 = visible
    max_text = (x1 - x0) * STAMP_MAX_WIDTH - 2 * STAMP_PADDING
    size = STAMP_FONT_SIZE
    while size > STAMP_MIN_FONT_SIZE and max(_text_width(t, size) for t in texts) > max_text:
        size -= 1
    lines = [line for t in texts for line in _wrap(t, size, max_text)]
    width = min(max(_text_width(line, size) for line in lines), max_text) + 2 * STAMP_PADDING
    height = len(lines) * (size + STAMP_LINE_GAP) + 2 * STAMP_PADDING + STAMP_LINE_GAP
    right = x1 - STAMP_EDGE_OFFSET
    top = y1 - STAMP_EDGE_OFFSET
    for rect in sorted(taken, key=lambda r: -r[3]):  # below earlier signatures' stamps
        if rect[0] < right and rect[2] > right - width and rect[1] < top and rect[3] > top - height:
            top = rect[1] - STAMP_LINE_GAP
    box = (round(right - width, 2), round(top - height, 2), round(right, 2), round(top, 2))
    return _StampLayout(tuple(lines), size, box)


def _stamp_style(stamp: _StampLayout) -> TextStampStyle:
    width = stamp.box[2] - stamp.box[0]
    height = stamp.box[3] - stamp.box[1]
    white = RawContent(b"1 g 0 0 %.2f %.2f re f" % (width, height),
                       box=layout.BoxConstraints(width=width, height=height))
    return TextStampStyle(
        stamp_text="%(sohoa_text)s",
        border_width=1,
        border_color=STAMP_BORDER_RGB,
        background=white,
        background_opacity=1.0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN, y_align=layout.AxisAlignment.ALIGN_MIN,
            margins=layout.Margins.uniform(0)),
        text_box_style=TextBoxStyle(
            font=_MemoryFontFactory(_stamp_font().data, stamp.font_size),
            font_size=stamp.font_size,
            leading=stamp.font_size + STAMP_LINE_GAP,
            box_layout_rule=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MIN,
                y_align=layout.AxisAlignment.ALIGN_MID,
                margins=layout.Margins.uniform(STAMP_PADDING)),
        ),
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN, y_align=layout.AxisAlignment.ALIGN_MID),
    )


def _normal(rect: Any) -> _Rect:
    x1, y1, x2, y2 = (float(v) for v in rect)
    return min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)


def _page_one(writer: IncrementalPdfFileWriter) -> tuple[_Rect, list[_Rect]]:
    """Page 1's visible box (crop box, else media box, inherited through the page tree)
    and the boxes of the signature widgets already on it."""
    page_ref, _ = writer.prev.find_page_for_modification(0)
    page: Any = page_ref.get_object()
    found: dict[str, Any] = {}
    node: Any = page
    while node is not None:
        for key in ("/CropBox", "/MediaBox", "/Rotate"):
            if key not in found and key in node:
                found[key] = node[key]
        node = node["/Parent"].get_object() if "/Parent" in node else None
    if int(found.get("/Rotate", 0)) % 360:
        log.warning("page 1 is rotated; the stamp is placed in unrotated page space")
    visible = _normal(found.get("/CropBox", found.get("/MediaBox", [0, 0, 595, 842])))
    taken = []
    for annot in page.get("/Annots", []):
        annot = annot.get_object()
        if annot.get("/FT") == "/Sig" and "/Rect" in annot:
            taken.append(_normal(annot["/Rect"]))
    return visible, taken


# --------------------------------------------------------------------------- what: signing


class _PdfAWriter(IncrementalPdfFileWriter):
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
        self.subject: str = _subject(cert)
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
            writer = _PdfAWriter(pdf_in)
            writer.modified_at = when
            if writer.prev.encrypted:
                raise SigningError("the PDF is encrypted",
                                   message_vi="Tệp PDF có mật khẩu, không ký được.")
            name = _free_field_name(writer)
            stamp = _stamp_layout(texts, *_page_one(writer))
            meta = signers.PdfSignatureMetadata(
                field_name=name, md_algorithm=MD_ALGORITHM, reason=reason,
                subfilter=fields.SigSeedSubFilter.PADES)
            pdf_signer = signers.PdfSigner(
                meta, self._signer, timestamper=self._timestamper,
                stamp_style=_stamp_style(stamp),
                new_field_spec=fields.SigFieldSpec(name, on_page=0, box=stamp.box))
            reserved = await _sign_with_time(pdf_signer, writer, pdf_out, when=when,
                                             text="\n".join(stamp.lines),
                                             reserved=self._reserved)
            if self._timestamper is None:  # without a TSA the size never changes
                self._reserved = reserved
        except SigningError:
            raise
        except PyHankoSigningError as exc:
            raise SigningError(f"pyHanko refused to sign: {exc}") from exc
        except Exception as exc:  # unreadable or damaged PDF structure
            raise SigningError(
                f"cannot sign this PDF: {type(exc).__name__}: {exc}",
                message_vi="Tệp PDF bị hỏng hoặc có cấu trúc không đọc được, không ký được.",
            ) from exc
        return name


async def _sign_with_time(pdf_signer: signers.PdfSigner, writer: IncrementalPdfFileWriter,
                          output: io.BufferedIOBase, *, when: datetime, text: str,
                          reserved: int | None) -> int:
    """pyHanko's ``async_sign_pdf``, with the signing time fixed to ``when``.

    The same time goes into the signature dictionary (/M) and the visible text, so what
    the reader sees and what the signature says never differ. ``reserved``: bytes for the
    signature container (estimated with a dry run when ``None``); returned.
    """
    session = pdf_signer.init_signing_session(writer)
    session.system_time = when
    validation_info = await session.perform_presign_validation(writer)
    if reserved is None:
        reserved = await session.estimate_signature_container_size(validation_info)
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


# --------------------------------------------------------------------------- checking

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
        token = _VERIFYING.set(True)
        try:
            return _verify_stream(_PdfBytes(bytes(data)), trust_roots)
        finally:
            _VERIFYING.reset(token)
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
    return [_to_asn1(c) for c in certs]


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


# Shortcuts for verification, each giving exactly what the code it stands in for gives
# (tests/test_signing.py compares them with it). Profiled, a check of one of our PDFs
# spent about half its time in pyHanko reading the signature's /Contents, a hex string of
# some 10,000 digits, a byte at a time through Python; names (/Type, /Sig...) are read
# the same way. And asn1crypto prepares every name of every certificate anew (RFC 4518)
# each time it compares or indexes them, though every document carries the same few.
# So: the hex strings and names of the PDF verify_pdf reads (``_PdfBytes``, its bytes at
# hand) are read with one search each, falling back to pyHanko's reader for anything
# unusual; and names are prepared, compared and keyed once per distinct encoding while
# ``_VERIFYING`` is set. Signing, and any other reader, goes through pyHanko's code.

_VERIFYING: ContextVar[bool] = ContextVar("sohoa_verifying", default=False)


class _PdfBytes(io.BytesIO):
    """The PDF verify_pdf reads, its bytes at hand for the readers below."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.data = data


_HEX_STRING_CHARS = generic.HEX_DIGITS + PDF_WHITESPACE
_read_hex_string_bytewise = generic.read_hex_string_from_stream


def _read_hex_string(stream: Any) -> generic.ByteStringObject | generic.TextStringObject:
    """pyHanko's ``read_hex_string_from_stream`` in one pass over a ``_PdfBytes``: when
    everything between ``<`` and the next ``>`` is hex digits and PDF white space (else
    pyHanko's own reader runs, errors and comments included), the same string results
    and the stream is left just past the ``>``, as pyHanko leaves it."""
    if type(stream) is _PdfBytes:
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


generic.read_hex_string_from_stream = _read_hex_string  # read_object looks it up per call

_TOKEN_END = re.compile(b"[" + re.escape(PDF_WHITESPACE + PDF_DELIMITERS) + b"]")
_read_until_delimiter_bytewise = generic.read_until_delimiter


def _read_until_delimiter(stream: Any) -> bytes:
    """pyHanko's ``read_until_delimiter`` (names, operators) in one search over a
    ``_PdfBytes``: the bytes up to the next white space or delimiter, the stream left on
    that byte (or at the end of the file when there is none), as pyHanko leaves it."""
    if type(stream) is not _PdfBytes:
        return _read_until_delimiter_bytewise(stream)
    data, start = stream.data, stream.tell()
    found = _TOKEN_END.search(data, start)
    end = found.start() if found else max(start, len(data))
    stream.seek(end)
    return data[start:end]


generic.read_until_delimiter = _read_until_delimiter  # imported by name into generic

_ldap_string_prep_uncached = asn1_x509.NameTypeAndValue._ldap_string_prep
_PREPARED_NAMES: dict[str, str] = {}
_PREPARED_NAMES_MAX = 4096


def _ldap_string_prep(self: asn1_x509.NameTypeAndValue, string: Any) -> Any:
    """asn1crypto's preparation of a name's value (a function of the string alone),
    remembered while verifying; a string it rejects raises every time, as before."""
    if not (type(string) is str and _VERIFYING.get()):
        return _ldap_string_prep_uncached(self, string)
    prepared = _PREPARED_NAMES.get(string)
    if prepared is None:
        prepared = _ldap_string_prep_uncached(self, string)
        if len(_PREPARED_NAMES) < _PREPARED_NAMES_MAX:
            _PREPARED_NAMES[string] = prepared
    return prepared


asn1_x509.NameTypeAndValue._ldap_string_prep = _ldap_string_prep

_rdn_sequence_eq_uncached = asn1_x509.RDNSequence.__eq__
_NAME_MATCHES: dict[tuple[bytes, bytes], bool] = {}
_NAME_MATCHES_MAX = 4096


def _rdn_sequence_eq(self: asn1_x509.RDNSequence, other: Any) -> bool:
    """asn1crypto's RFC 5280 name comparison (a function of the two encodings), its
    answers remembered while verifying; names it cannot compare raise every time."""
    if not (isinstance(other, asn1_x509.RDNSequence) and _VERIFYING.get()):
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


asn1_x509.RDNSequence.__eq__ = _rdn_sequence_eq

_rdn_sequence_hashable_uncached = asn1_x509.RDNSequence.hashable.fget
_NAME_KEYS: dict[bytes, str] = {}


def _rdn_sequence_hashable(self: asn1_x509.RDNSequence) -> str:
    """asn1crypto's comparison key of a name (registries of certificates by subject),
    remembered by encoding while verifying."""
    if not _VERIFYING.get():
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


asn1_x509.RDNSequence.hashable = property(_rdn_sequence_hashable)


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
        intact=intact, valid=valid, trusted=trusted, signer=_subject(cert),
        signed_at=reported.astimezone(VN_TZ) if reported is not None else None,
        covers_whole_file=whole, problems=tuple(problems),
        issuer=cert.issuer.rfc4514_string(), serial_number=f"{cert.serial_number:x}",
        field_name=field_name, signature_count=len(statuses),
        timestamped_at=tst.timestamp.astimezone(VN_TZ) if tst is not None else None,
    )


# --------------------------------------------------------------------------- demo PKI

_DEMO_README = f"""\
KHÓA KÝ SỐ DEMO - KHÔNG DÙNG THẬT / DEMO SIGNING KEYS - NOT FOR PRODUCTION

Các tệp trong thư mục này do sohoa tạo ra để chạy thử trên máy cá nhân:
  demo-ca.pem            chứng thư gốc của một CA demo (khóa bí mật của CA đã bị hủy)
  demo-agency.p12        khóa + chứng thư số "cơ quan" do CA demo cấp
  demo-agency.password   mật khẩu của tệp .p12
Chữ ký tạo bằng các khóa này KHÔNG có giá trị pháp lý. Khi triển khai thật, dùng chứng
thư số của cơ quan do tổ chức chứng thực được cấp phép cấp ({ENV_P12} /
{ENV_PKCS11_LIB}), và xóa thư mục này.

These files were made by sohoa for trying the system out on one machine. Signatures made
with them have NO legal value. In production configure the agency's real certificate
({ENV_P12} or a PKCS#11 token via {ENV_PKCS11_LIB}) and delete this folder.
"""


def create_demo_pki(home: Path, *, agency_name: str, overwrite: bool = False) -> DemoPki:
    """A demo CA and an agency certificate in ``home/keys`` (RSA 3072, SHA-256).

    The CA's private key is thrown away once the agency certificate is issued. Key and
    password files are mode 600, the folder 700. Refuses to replace existing files
    unless ``overwrite`` is true.
    """
    agency = unicodedata.normalize("NFC", " ".join(agency_name.split()))
    if not agency:
        raise ValueError("agency_name must not be empty")
    paths = demo_pki_paths(home)
    keys = paths.p12.parent
    readme = keys / "README-DEMO-KHONG-DUNG-THAT.txt"
    existing = [p for p in (paths.ca_cert, paths.p12, paths.password_file) if p.exists()]
    if existing and not overwrite:
        raise SigningError(
            f"demo PKI files already exist: {', '.join(p.name for p in existing)}",
            message_vi=(f"Đã có khóa ký số demo trong {keys}. Không ghi đè; xóa các tệp đó "
                        "hoặc chọn ghi đè nếu thật sự muốn tạo lại."),
        )
    keys.mkdir(parents=True, exist_ok=True)
    keys.chmod(0o700)
    now = datetime.now(UTC) - timedelta(minutes=5)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=DEMO_KEY_BITS)
    ca_cert = _demo_ca_cert(ca_key, now)
    key = rsa.generate_private_key(public_exponent=65537, key_size=DEMO_KEY_BITS)
    cert = _demo_agency_cert(key, agency, ca_key, ca_cert, now)
    password = secrets.token_urlsafe(24).encode("ascii")
    p12 = pkcs12.serialize_key_and_certificates(
        b"sohoa-demo-agency", key, cert, [ca_cert],
        serialization.BestAvailableEncryption(password))
    _write_private(paths.p12, p12)
    _write_private(paths.password_file, password + b"\n")
    _write_private(paths.ca_cert, ca_cert.public_bytes(serialization.Encoding.PEM), mode=0o644)
    _write_private(readme, _DEMO_README.encode("utf-8"), mode=0o644)
    log.warning("created a DEMO signing key and CA (not for production) in %s", keys)
    return paths


def _demo_name(common_name: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"sohoa {DEMO_MARK}"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Demo PKI - not for production"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _demo_ca_cert(ca_key: rsa.RSAPrivateKey, now: datetime) -> x509.Certificate:
    name = _demo_name(f"sohoa CA {DEMO_MARK}")
    return (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now).not_valid_after(now + timedelta(days=DEMO_CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )


def _demo_agency_cert(key: rsa.RSAPrivateKey, agency: str, ca_key: rsa.RSAPrivateKey,
                      ca_cert: x509.Certificate, now: datetime) -> x509.Certificate:
    suffix = f" ({DEMO_MARK})"
    common_name = agency[:_CN_MAX - len(suffix)].rstrip() + suffix
    return (
        x509.CertificateBuilder()
        .subject_name(_demo_name(common_name)).issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now).not_valid_after(now + timedelta(days=DEMO_AGENCY_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign, content_commitment=not cert_sign,
        key_encipherment=False, data_encipherment=False, key_agreement=False,
        key_cert_sign=cert_sign, crl_sign=cert_sign, encipher_only=False,
        decipher_only=False)


def _write_private(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Write ``data`` atomically, the file created with ``mode`` from the start."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp, mode)  # the umask may have narrowed it
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
