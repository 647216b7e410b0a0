"""Who signs: :func:`load_signer` opens the agency's key once (a PKCS#12 file by default,
a PKCS#11 USB token as an option) and refuses a wrong password, a weak key (RSA < 2048,
EC < 256) or an expired certificate before any other work.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.sign import signers
from pyhanko.sign.general import get_pyca_cryptography_hash
from pyhanko_certvalidator.registry import SimpleCertificateStore

from common.vn import VN_TZ
from pipeline.signing.certs import to_asn1
from pipeline.signing.config import (
    _CONFIG_HELP_VI,
    ENV_P12,
    ENV_PASSWORD,
    ENV_PASSWORD_FILE,
    ENV_PKCS11_KEY_LABEL,
    ENV_PKCS11_LIB,
    ENV_PKCS11_PIN,
    ENV_PKCS11_TOKEN,
    SigningConfig,
    SigningKeyError,
)
from pipeline.signing.sign import AgencySigner
from pipeline.signing.stamp import stamp_font

log = logging.getLogger(__name__)

MIN_RSA_BITS = 2048
MIN_EC_BITS = 256


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
    stamp_font()  # load and trim the font now, not during the first signature
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
        store.register_multiple(to_asn1(c) for c in chain)
        super().__init__(signing_cert=to_asn1(cert), cert_registry=store, embed_roots=True)
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


