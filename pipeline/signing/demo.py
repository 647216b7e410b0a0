"""A local demo PKI: a CA and an agency certificate, clearly marked as not for production,
so that a laptop can sign without a real certificate (``sohoa keys demo``).
"""

from __future__ import annotations

import logging
import os
import secrets
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from pipeline.signing.config import ENV_P12, ENV_PKCS11_LIB, DemoPki, SigningError, demo_pki_paths

log = logging.getLogger(__name__)

DEMO_MARK = "DEMO - KHÔNG DÙNG THẬT"
DEMO_KEY_BITS = 3072
DEMO_CA_DAYS = 3650
DEMO_AGENCY_DAYS = 825
_CN_MAX = 64  # RFC 5280 upper bound for a common name


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
