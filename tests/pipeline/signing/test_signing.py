"""PAdES signing and verification (pipeline/signing/), checked against poppler's pdfsig."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import time
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pikepdf
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from PIL import Image, ImageDraw, ImageFont

from pipeline import signing
from pipeline.pdfa import assemble_pdfa, write_page_pdf
from pipeline.signing import (
    AgencySigner,
    DemoPki,
    SigningConfig,
    SigningError,
    SigningKeyError,
    adapt,
    create_demo_pki,
    load_signer,
    verify_pdf,
)
from pipeline.signing import verify as sig_verify

AGENCY = "Ủy ban nhân dân xã Tân Lập"
TEXT_FONT = Path("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf")

needs_pdfsig = pytest.mark.skipif(shutil.which("pdfsig") is None, reason="pdfsig not installed")
needs_nss = pytest.mark.skipif(shutil.which("pdfsig") is None or shutil.which("certutil") is None,
                               reason="pdfsig or certutil (libnss3-tools) not installed")
needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                     reason="pdftotext not installed")


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sohoa-home")


@pytest.fixture(scope="session")
def pki(home: Path) -> DemoPki:
    return create_demo_pki(home, agency_name=AGENCY)


@pytest.fixture(scope="session")
def config(pki: DemoPki, home: Path) -> SigningConfig:
    return SigningConfig.from_env({}, home=home)


@pytest.fixture(scope="session")
def signer(config: SigningConfig) -> AgencySigner:
    return load_signer(config)


@pytest.fixture(scope="session")
def pdfa(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-page PDF/A-2b made the way the pipeline makes it (A4 scan at 150 dpi)."""
    work = tmp_path_factory.mktemp("pdfa")
    image = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(image)
    font = (ImageFont.truetype(str(TEXT_FONT), 30) if TEXT_FONT.is_file()
            else ImageFont.load_default())
    draw.text((760, 120), "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM", font=font, fill=0, anchor="mm")
    for i in range(20):
        draw.text((120, 260 + 60 * i), f"Dòng {i + 1}: giấy tờ của công dân", font=font, fill=0)
    image.save(work / "page.png")
    write_page_pdf(work / "page.png", work / "page.pdf", dpi=150, words=[])
    return assemble_pdfa([work / "page.pdf"], work / "doc.pdf", title="Giấy khai sinh")


@pytest.fixture(scope="session")
def signed(signer: AgencySigner, pdfa: Path, tmp_path_factory: pytest.TempPathFactory
           ) -> tuple[Path, signing.SignatureInfo]:
    dest = tmp_path_factory.mktemp("signed") / "signed.pdf"
    info = signer.sign_pdf(pdfa, dest, agency_name=AGENCY)
    return dest, info


@pytest.fixture(scope="session")
def nss_db(pki: DemoPki, tmp_path_factory: pytest.TempPathFactory) -> str:
    """An NSS database trusting the demo CA, for ``pdfsig -nssdir``."""
    db = tmp_path_factory.mktemp("nss")
    subprocess.run(["certutil", "-N", "--empty-password", "-d", f"sql:{db}"], check=True,
                   capture_output=True)
    # pdfsig checks the signer for e-mail (S/MIME) use: the CA needs the "C" flag there.
    subprocess.run(["certutil", "-A", "-n", "sohoa-demo-ca", "-t", "C,C,", "-i",
                    str(pki.ca_cert), "-d", f"sql:{db}"], check=True, capture_output=True)
    return f"sql:{db}"


def pdfsig(path: Path, nss: str | None = None) -> str:
    args = ["pdfsig"] + (["-nssdir", nss] if nss else []) + [str(path)]
    result = subprocess.run(args, capture_output=True, text=True, timeout=60)
    return result.stdout + result.stderr


def byte_range(data: bytes) -> tuple[int, int, int, int]:
    found = re.findall(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", data)
    a, b, c, d = (int(v) for v in found[-1])
    return a, b, c, d


def flipped(data: bytes) -> bytes:
    """One byte changed in the middle of the first signed range (page image data)."""
    _, length, _, _ = byte_range(data)
    out = bytearray(data)
    out[length // 2] ^= 0x55
    return bytes(out)


def make_p12(tmp: Path, *, key: rsa.RSAPrivateKey, days: tuple[int, int] = (-1, 365),
             password: bytes = b"pw") -> Path:
    """Self-signed certificate + key in a PKCS#12 file."""
    now = datetime.now(UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test agency")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now + timedelta(days=days[0]))
            .not_valid_after(now + timedelta(days=days[1]))
            .sign(key, hashes.SHA256()))
    path = tmp / "test.p12"
    path.write_bytes(pkcs12.serialize_key_and_certificates(
        b"test", key, cert, None, serialization.BestAvailableEncryption(password)))
    return path


# --------------------------------------------------------------------------- demo PKI and config


def test_demo_pki_is_labelled_and_private(pki: DemoPki) -> None:
    ca = x509.load_pem_x509_certificate(pki.ca_cert.read_bytes())
    assert signing.DEMO_MARK in ca.subject.rfc4514_string()
    key, cert, _ = pkcs12.load_key_and_certificates(pki.p12.read_bytes(),
                                                    pki.password_file.read_bytes().strip())
    assert key is not None and cert is not None
    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size >= 3072
    assert signing.DEMO_MARK in cert.subject.rfc4514_string()
    assert cert.issuer == ca.subject
    assert (pki.p12.stat().st_mode & 0o777) == 0o600
    assert (pki.password_file.stat().st_mode & 0o777) == 0o600
    assert (pki.p12.parent.stat().st_mode & 0o777) == 0o700
    readme = next(pki.p12.parent.glob("README*"))
    assert "KHÔNG DÙNG THẬT" in readme.read_text(encoding="utf-8")


def test_demo_pki_refuses_to_overwrite(tmp_path: Path) -> None:
    first = create_demo_pki(tmp_path, agency_name="UBND phường 1")
    before = first.p12.read_bytes()
    with pytest.raises(SigningError) as err:
        create_demo_pki(tmp_path, agency_name="UBND phường 1")
    assert err.value.message_vi and err.value.exit_code == 6
    assert first.p12.read_bytes() == before
    again = create_demo_pki(tmp_path, agency_name="UBND phường 1", overwrite=True)
    assert again.p12.read_bytes() != before


def test_config_from_env(pki: DemoPki, home: Path, tmp_path: Path) -> None:
    demo = SigningConfig.from_env({"SOHOA_AGENCY_NAME": AGENCY}, home=home)
    assert demo.configured() and demo.p12_path == pki.p12
    assert demo.p12_password == pki.password_file.read_bytes().strip()
    assert demo.trust_roots == (pki.ca_cert,) and demo.agency_name == AGENCY
    assert "password" not in repr(demo).lower().replace("password_file", "")
    assert not SigningConfig.from_env({}, home=tmp_path).configured()

    password_file = tmp_path / "pw"
    password_file.write_text("s3cret\n")
    extra_root = tmp_path / "root.pem"
    env = {"SOHOA_SIGNING_P12": str(tmp_path / "agency.p12"),
           "SOHOA_SIGNING_PASSWORD_FILE": str(password_file),
           "SOHOA_TRUST_ROOTS": os.pathsep.join([str(pki.ca_cert), str(extra_root)]),
           "SOHOA_TSA_URL": "http://tsa.example/tsr"}
    explicit = SigningConfig.from_env(env, home=home)
    assert explicit.p12_path == tmp_path / "agency.p12" and explicit.p12_password == b"s3cret"
    assert explicit.trust_roots == (pki.ca_cert, extra_root)
    assert explicit.tsa_url == "http://tsa.example/tsr"
    token = SigningConfig.from_env({"SOHOA_PKCS11_LIB": "/usr/lib/x.so", "SOHOA_PKCS11_PIN": "1"},
                                   home=home)
    assert token.configured() and token.p12_path is None and token.pkcs11_pin == "1"


# --------------------------------------------------------------------------- key checks


def test_wrong_password_is_refused_with_help(pki: DemoPki) -> None:
    with pytest.raises(SigningKeyError) as err:
        load_signer(SigningConfig(p12_path=pki.p12, p12_password=b"not the password"))
    assert err.value.exit_code == 6
    assert "SOHOA_SIGNING_PASSWORD" in err.value.message_vi
    assert "mật khẩu" in err.value.message_vi
    assert "password" in str(err.value)


def test_weak_rsa_key_is_refused(tmp_path: Path) -> None:
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(SigningKeyError) as err:
        load_signer(SigningConfig(p12_path=make_p12(tmp_path, key=weak), p12_password=b"pw"))
    assert "1024" in str(err.value)
    assert "2048" in err.value.message_vi


def test_expired_certificate_is_refused(tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    p12 = make_p12(tmp_path, key=key, days=(-400, -1))
    with pytest.raises(SigningKeyError) as err:
        load_signer(SigningConfig(p12_path=p12, p12_password=b"pw"))
    assert "expired" in str(err.value) and "hết hạn" in err.value.message_vi


def test_missing_or_unconfigured_key(tmp_path: Path) -> None:
    with pytest.raises(SigningKeyError) as err:
        load_signer(SigningConfig())
    assert "SOHOA_SIGNING_P12" in err.value.message_vi
    with pytest.raises(SigningKeyError):
        load_signer(SigningConfig(p12_path=tmp_path / "absent.p12", p12_password=b"x"))


# --------------------------------------------------------------------------- sign + verify


def test_round_trip(signed: tuple[Path, signing.SignatureInfo], signer: AgencySigner,
                    config: SigningConfig) -> None:
    path, info = signed
    report = verify_pdf(path, trust_roots=config.trust_roots)
    assert report.ok, report.problems
    assert report.intact and report.valid and report.trusted and report.covers_whole_file
    assert report.signer == signer.subject == info.signer
    assert AGENCY in report.signer
    assert report.signed_at == info.signed_at
    assert report.signed_at is not None
    assert abs(report.signed_at - datetime.now(UTC)) < timedelta(minutes=1)
    assert report.signed_at.utcoffset() == timedelta(hours=7)
    assert report.field_name == info.field_name and report.signature_count == 1
    assert report.problems == ()
    as_dict = json.loads(json.dumps(report.to_dict()))
    assert as_dict["ok"] is True and as_dict["signed_at"].endswith("+07:00")
    # The same bytes as data, not a path.
    assert verify_pdf(path.read_bytes(), trust_roots=config.trust_roots).ok


def test_signature_is_an_incremental_update_that_keeps_pdfa(
        signed: tuple[Path, signing.SignatureInfo], pdfa: Path) -> None:
    path, _ = signed
    original, data = pdfa.read_bytes(), path.read_bytes()
    assert data.startswith(original)  # every byte of the PDF/A is still there
    with pikepdf.open(path) as pdf:
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "2" and meta["pdfaid:conformance"] == "B"
        assert str(pdf.docinfo["/Producer"]) == meta["pdf:Producer"]
        mod_date = pikepdf.models.metadata.decode_pdf_date(str(pdf.docinfo["/ModDate"]))
        assert mod_date == datetime.fromisoformat(meta["xmp:ModifyDate"])
        sig = pdf.Root.AcroForm.Fields[0].V
        assert sig.SubFilter == "/ETSI.CAdES.detached"
        assert int(pdf.pages[0].Annots[0].F) & 4  # printable (PDF/A)


@needs_pdftotext
def test_visible_text_top_right(signed: tuple[Path, signing.SignatureInfo]) -> None:
    path, info = signed
    text = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-layout", str(path), "-"],
                          capture_output=True, text=True, check=True).stdout
    lines = [unicodedata.normalize("NFC", line.strip()) for line in text.splitlines()]
    stamp_time = info.signed_at.isoformat()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00", stamp_time)
    for expected in ("Bản sao điện tử", AGENCY, stamp_time):
        assert any(line.endswith(expected) for line in lines), (expected, lines[:8])
    with pikepdf.open(path) as pdf:
        page = pdf.pages[0]
        width, height = float(page.MediaBox[2]), float(page.MediaBox[3])
        x1, y1, x2, y2 = (float(v) for v in page.Annots[0].Rect)
    assert width - x2 < 20 and height - y2 < 20  # top right
    assert x2 - x1 < 0.45 * width and y2 - y1 < 60  # small: stays in the top margin


def test_time_is_vietnam_time_whatever_the_machine_zone(
        signer: AgencySigner, pdfa: Path, tmp_path: Path, config: SigningConfig,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        when = datetime(2026, 11, 22, 2, 15, tzinfo=UTC)
        info = signer.sign_pdf(pdfa, tmp_path / "s.pdf", agency_name=AGENCY, when=when)
    finally:
        monkeypatch.undo()
        time.tzset()
    assert info.signed_at.isoformat() == "2026-11-22T09:15:00+07:00"
    report = verify_pdf(tmp_path / "s.pdf", trust_roots=config.trust_roots)
    assert report.signed_at == when and report.signed_at.isoformat().endswith("+07:00")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(tmp_path / "s.pdf"), "-"], capture_output=True,
                              text=True, check=True).stdout
        assert "2026-11-22T09:15:00+07:00" in text


def test_second_signature_goes_below_the_first(
        signed: tuple[Path, signing.SignatureInfo], signer: AgencySigner, tmp_path: Path,
        config: SigningConfig) -> None:
    path, _ = signed
    info = signer.sign_pdf(path, tmp_path / "twice.pdf", agency_name="Sở Tư pháp tỉnh Lạng Sơn")
    assert info.field_name == "SohoaSignature2"
    report = verify_pdf(tmp_path / "twice.pdf", trust_roots=config.trust_roots)
    assert report.ok and report.signature_count == 2, report.problems
    with pikepdf.open(tmp_path / "twice.pdf") as pdf:
        first, second = ([float(v) for v in a.Rect] for a in pdf.pages[0].Annots)
    assert second[3] <= first[1]  # no overlap


def test_signing_a_broken_pdf_is_a_signing_error(signer: AgencySigner, tmp_path: Path) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n1 0 obj << >> endobj\n")
    with pytest.raises(SigningError) as err:
        signer.sign_pdf(broken, tmp_path / "out.pdf", agency_name=AGENCY)
    assert err.value.message_vi
    assert not (tmp_path / "out.pdf").exists()
    assert not list(tmp_path.glob(".signing-*"))
    with pytest.raises(SigningError):
        signer.sign_pdf(broken, tmp_path / "out.pdf", agency_name="  ")


# --------------------------------------------------------------------------- tampering


def test_byte_flip_is_not_intact(signed: tuple[Path, signing.SignatureInfo], tmp_path: Path,
                                 config: SigningConfig) -> None:
    path, _ = signed
    report = verify_pdf(flipped(path.read_bytes()), trust_roots=config.trust_roots)
    assert not report.intact and not report.ok
    assert any(p.startswith("not_intact") for p in report.problems)
    assert report.problems_vi() and "thay đổi" in report.problems_vi()[0]


def test_appended_data_is_not_covered(signed: tuple[Path, signing.SignatureInfo],
                                      config: SigningConfig) -> None:
    path, _ = signed
    report = verify_pdf(path.read_bytes() + b"\n% appended after signing\n",
                        trust_roots=config.trust_roots)
    assert report.intact and report.valid and not report.covers_whole_file and not report.ok
    assert any(p.startswith("not_whole_file") for p in report.problems)


def test_untrusted_ca(signed: tuple[Path, signing.SignatureInfo], tmp_path: Path) -> None:
    path, _ = signed
    other = create_demo_pki(tmp_path, agency_name="Cơ quan khác")
    report = verify_pdf(path, trust_roots=[other.ca_cert])
    assert report.intact and report.valid and not report.trusted and not report.ok
    assert any(p.startswith("untrusted_certificate") for p in report.problems)
    bare = verify_pdf(path)
    assert bare.intact and not bare.trusted
    assert any(p.startswith("no_trust_roots") for p in bare.problems)


@pytest.mark.parametrize("data", [b"", b"garbage, not a PDF at all", b"%PDF-1.7\n%%EOF",
                                  b"%PDF-1.7\n" + b"\x00\xff" * 500])
def test_garbage_gives_a_report(data: bytes) -> None:
    report = verify_pdf(data)
    assert not report.ok and report.problems and report.signer is None


def test_bad_inputs_give_reports(signed: tuple[Path, signing.SignatureInfo], pdfa: Path,
                                 tmp_path: Path) -> None:
    path, _ = signed
    data = path.read_bytes()
    assert verify_pdf(data[: len(data) // 2]).problems  # truncated
    unsigned = verify_pdf(pdfa)
    assert not unsigned.ok and unsigned.problems[0].startswith("no_signature")
    missing = verify_pdf(tmp_path / "absent.pdf")
    assert missing.problems[0].startswith("unreadable_file")
    _, hex_start, _, _ = byte_range(data)  # /Contents <...> sits between the two ranges
    contents = bytearray(data)
    contents[hex_start + 200: hex_start + 260] = b"0" * 60  # damaged signature container
    assert not verify_pdf(bytes(contents)).ok


# --------------------------------------------------------------------------- pdfsig agreement


@needs_pdfsig
def test_pdfsig_agrees_valid(signed: tuple[Path, signing.SignatureInfo]) -> None:
    path, _ = signed
    out = pdfsig(path)
    assert "Signature is Valid" in out, out
    assert "ETSI.CAdES.detached" in out and "SHA-256" in out
    assert "Total document signed" in out


@needs_nss
def test_pdfsig_trusts_the_demo_ca(signed: tuple[Path, signing.SignatureInfo],
                                   nss_db: str) -> None:
    path, _ = signed
    out = pdfsig(path, nss_db)
    assert "Signature is Valid" in out and "Certificate is Trusted" in out, out


@needs_nss
def test_pdfsig_agrees_on_byte_flip(signed: tuple[Path, signing.SignatureInfo], tmp_path: Path,
                                    nss_db: str, config: SigningConfig) -> None:
    path, _ = signed
    bad = tmp_path / "flipped.pdf"
    bad.write_bytes(flipped(path.read_bytes()))
    out = pdfsig(bad, nss_db)
    assert "Signature is Valid" not in out, out
    assert "Digest Mismatch" in out or "Invalid" in out
    assert not verify_pdf(bad, trust_roots=config.trust_roots).intact


@needs_pdfsig
def test_pdfsig_agrees_on_appended_data(signed: tuple[Path, signing.SignatureInfo],
                                        tmp_path: Path) -> None:
    path, _ = signed
    longer = tmp_path / "longer.pdf"
    longer.write_bytes(path.read_bytes() + b"\n% appended\n")
    assert "Not total document signed" in pdfsig(longer)
    assert not verify_pdf(longer).covers_whole_file


# --------------------------------------------------------------------------- PKCS#11 token

SOFTHSM_LIB = next((p for p in (Path("/usr/lib/softhsm/libsofthsm2.so"),
                                Path("/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"))
                    if p.is_file()), None)


@pytest.mark.skipif(SOFTHSM_LIB is None or shutil.which("softhsm2-util") is None,
                    reason="softhsm2 not installed")
def test_pkcs11_token_signs(pki: DemoPki, pdfa: Path, tmp_path: Path, config: SigningConfig,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    pkcs11 = pytest.importorskip("pkcs11")
    tokens = tmp_path / "tokens"
    tokens.mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n")
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", "sohoa",
                    "--pin", "1234", "--so-pin", "5678"], check=True, capture_output=True)
    key, cert, _ = pkcs12.load_key_and_certificates(pki.p12.read_bytes(),
                                                    pki.password_file.read_bytes().strip())
    assert key is not None and cert is not None
    key_pem = tmp_path / "key.pem"
    key_pem.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    subprocess.run(["softhsm2-util", "--import", str(key_pem), "--token", "sohoa",
                    "--label", "agency", "--id", "01", "--pin", "1234"],
                   check=True, capture_output=True)
    lib = pkcs11.lib(str(SOFTHSM_LIB))
    with lib.get_token(token_label="sohoa").open(rw=True, user_pin="1234") as session:
        session.create_object({
            pkcs11.Attribute.CLASS: pkcs11.ObjectClass.CERTIFICATE,
            pkcs11.Attribute.CERTIFICATE_TYPE: pkcs11.CertificateType.X_509,
            pkcs11.Attribute.TOKEN: True, pkcs11.Attribute.LABEL: "agency",
            pkcs11.Attribute.ID: b"\x01",
            pkcs11.Attribute.SUBJECT: cert.subject.public_bytes(),
            pkcs11.Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
        })

    token_config = SigningConfig(pkcs11_lib=str(SOFTHSM_LIB), pkcs11_token="sohoa",
                                 pkcs11_key_label="agency", pkcs11_pin="1234")
    with load_signer(token_config) as token_signer:
        token_signer.sign_pdf(pdfa, tmp_path / "token.pdf", agency_name=AGENCY)
    report = verify_pdf(tmp_path / "token.pdf", trust_roots=config.trust_roots)
    assert report.ok, report.problems

    with pytest.raises(SigningKeyError) as err:
        load_signer(SigningConfig(pkcs11_lib=str(SOFTHSM_LIB), pkcs11_token="sohoa",
                                  pkcs11_key_label="agency", pkcs11_pin="0000"))
    assert "SOHOA_PKCS11_PIN" in err.value.message_vi


# --------------------------------------------------------------------------- verification shortcuts
# verify_pdf reads hex strings and names in one search each and remembers prepared
# certificate names (pipeline/signing/adapt.py): the reports must be exactly pyHanko's own.


def _pyhanko_readers_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Put back everything verify_pdf's shortcuts stand in for."""
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils import generic

    monkeypatch.setattr(generic, "read_hex_string_from_stream",
                        adapt._read_hex_string_bytewise)
    monkeypatch.setattr(generic, "read_until_delimiter", adapt._read_until_delimiter_bytewise)
    monkeypatch.setattr(asn1_x509.NameTypeAndValue, "_ldap_string_prep",
                        adapt._ldap_string_prep_uncached)
    monkeypatch.setattr(asn1_x509.RDNSequence, "__eq__", adapt._rdn_sequence_eq_uncached)
    monkeypatch.setattr(asn1_x509.RDNSequence, "hashable",
                        property(adapt._rdn_sequence_hashable_uncached))
    # roots read and parsed for every check, each context building its own trust manager
    monkeypatch.setattr(sig_verify, "_trust",
                        lambda paths: (*sig_verify._load_trust_roots(paths), None))
    # and a new event loop for every signature
    monkeypatch.setattr(sig_verify, "_validate_signature", lambda sig, context:
                        sig_verify.validate_pdf_signature(sig, signer_validation_context=context))


def _signature_value_changed(data: bytes) -> bytes:
    """One hex digit of the CMS signature value in /Contents changed: the signed bytes
    are untouched, the signature over them no longer verifies."""
    _, lt, gt, _ = byte_range(data)  # /Contents <...> lies between the two ranges
    digits = data[lt + 1:gt - 1]
    at = lt + 1 + len(digits.rstrip(b"0")) - 20  # the signature value ends the CMS blob
    out = bytearray(data)
    out[at] = ord("1") if out[at] == ord("0") else ord("0")
    return bytes(out)


def test_changed_signature_value_is_invalid(signed: tuple[Path, signing.SignatureInfo],
                                            config: SigningConfig) -> None:
    path, _ = signed
    report = verify_pdf(_signature_value_changed(path.read_bytes()),
                        trust_roots=config.trust_roots)
    assert report.intact and not report.valid and not report.ok
    assert any(p.startswith("invalid_signature") for p in report.problems)


def test_verification_shortcuts_change_no_report(signed: tuple[Path, signing.SignatureInfo],
                                                 config: SigningConfig, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path, _ = signed
    data = path.read_bytes()
    _, lt, gt, _ = byte_range(data)
    contents = data[lt:gt]

    def hex_body(new: bytes) -> bytes:
        return data[:lt + 1] + new + data[gt - 1:]

    files = {
        "intact": data,
        "byte flipped in the signed range": flipped(data),
        "byte flipped in the second signed range": data[:-40] + bytes([data[-40] ^ 1])
        + data[-39:],
        "signature value changed": _signature_value_changed(data),
        "CMS damaged": data[:lt + 200] + b"0" * 60 + data[lt + 260:],
        "appended": data + b"\n% appended after signing\n",
        "/Contents in upper case": data[:lt] + contents.upper() + data[gt:],
        "/Contents with white space": hex_body(b" \n" + contents[3:-1]),
        "/Contents with a non-hex digit": hex_body(b"g" + contents[2:-1]),
        "/Contents with a comment sign": hex_body(b"%" + contents[2:-1]),
        "/Contents closed early": hex_body(contents[1:100] + b">" + contents[101:-1]),
        "truncated in /Contents": data[:lt + 500],
        "truncated": data[:len(data) // 2],
        "file path": path,
    }
    other = create_demo_pki(tmp_path / "other", agency_name="Cơ quan khác")
    garbage = tmp_path / "garbage.pem"
    garbage.write_bytes(b"-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
    trusts = {"demo CA": list(config.trust_roots), "another CA": [other.ca_cert],
              "no roots": [], "unreadable root": [garbage, tmp_path / "absent.pem"]}

    def reports() -> dict[tuple[str, str], dict]:
        return {(name, trust): verify_pdf(pdf, trust_roots=roots).to_dict()
                for name, pdf in files.items() for trust, roots in trusts.items()}

    fast = reports()
    assert fast == reports()  # and again, from what the first round remembered
    with monkeypatch.context() as patch:
        _pyhanko_readers_only(patch)
        slow = reports()
    assert fast == slow
    assert fast[("intact", "demo CA")]["ok"]
    assert not fast[("intact", "another CA")]["trusted"]
    assert not fast[("byte flipped in the signed range", "demo CA")]["intact"]
    assert not fast[("signature value changed", "demo CA")]["valid"]
    assert not any(report["ok"] for (name, trust), report in fast.items()
                   if name not in ("intact", "/Contents in upper case", "file path")
                   or trust != "demo CA")


def test_fast_pdf_readers_read_as_pyhanko_does() -> None:
    """Hex strings and names read from the PDF being verified: the same value or error,
    and the stream left at the same place, as pyHanko's byte-at-a-time readers."""
    import random

    def outcome(read, stream_type, data: bytes, at: int) -> tuple:
        stream = stream_type(data)
        stream.seek(at)
        try:
            value = read(stream)
        except Exception as exc:
            return "error", type(exc).__name__, str(exc), stream.tell()
        return "value", type(value).__name__, value, stream.tell()

    rng = random.Random(20240601)
    alphabet = b"0123456789abcdefABCDEF \n\r\t\f\x00<>()[]{}/%#gz\x80\xff"
    samples = [b"<>", b"<0>", b"<4142>", b"<41 4 2>", b"<fe ff 00 41>", b"<41%c\n42>",
               b"<41", b"<4g>", b"/Name /Other", b"/Na#20me>>", b"/Sig", b"/A", b""]
    for _ in range(3000):
        noise = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        samples.append(b"<" + noise + (b">" if rng.random() < 0.8 else b"") + noise[:3])
        samples.append(b"/" + noise)
    for data in samples:
        for at in {0, 1, data.find(b"<"), data.find(b"/"), len(data), len(data) + 2}:
            if at < 0:
                continue
            for fast, pyhanko in ((adapt._read_hex_string, adapt._read_hex_string_bytewise),
                                  (adapt._read_until_delimiter,
                                   adapt._read_until_delimiter_bytewise)):
                assert (outcome(fast, adapt.PdfBytes, data, at)
                        == outcome(pyhanko, io.BytesIO, data, at)), (data, at, fast.__name__)


def test_a_replaced_trust_root_counts_at_once(signed: tuple[Path, signing.SignatureInfo],
                                              pki: DemoPki, tmp_path: Path) -> None:
    path, _ = signed
    root = tmp_path / "root.pem"
    root.write_bytes(pki.ca_cert.read_bytes())
    assert verify_pdf(path, trust_roots=[root]).ok
    other = create_demo_pki(tmp_path / "other", agency_name="Cơ quan khác")
    root.write_bytes(other.ca_cert.read_bytes())  # same name, same size, another key
    replaced = verify_pdf(path, trust_roots=[root])
    assert replaced.intact and replaced.valid and not replaced.trusted
    root.unlink()
    gone = verify_pdf(path, trust_roots=[root])
    assert not gone.trusted and any(p.startswith("trust_root_unreadable")
                                    for p in gone.problems)


@pytest.mark.filterwarnings("ignore:coroutine .* was never awaited:RuntimeWarning")
def test_validation_keeps_its_event_loop_sound(signed: tuple[Path, signing.SignatureInfo],
                                               config: SigningConfig,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Signatures are validated on an event loop the thread keeps: inside a running loop
    the report is what pyHanko's own call gives; Ctrl-C during a validation stops it, and
    the next check starts afresh."""
    import asyncio

    path, _ = signed
    expected = verify_pdf(path, trust_roots=config.trust_roots)
    assert expected.ok

    async def inside_a_loop() -> signing.VerificationReport:
        return verify_pdf(path, trust_roots=config.trust_roots)

    within = asyncio.run(inside_a_loop())
    with monkeypatch.context() as patch:
        _pyhanko_readers_only(patch)
        assert asyncio.run(inside_a_loop()) == within  # the same error, whatever it is
    assert not within.ok and within.problems[0].startswith("validation_error")

    real = sig_verify.async_validate_pdf_signature

    async def interrupted(*args, **kwargs):
        asyncio.get_running_loop().call_soon(_ctrl_c)  # arrives while this task waits
        await asyncio.sleep(1)
        return await real(*args, **kwargs)

    def _ctrl_c() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(sig_verify, "async_validate_pdf_signature", interrupted)
    with pytest.raises(KeyboardInterrupt):
        verify_pdf(path, trust_roots=config.trust_roots)
    monkeypatch.setattr(sig_verify, "async_validate_pdf_signature", real)
    assert verify_pdf(path, trust_roots=config.trust_roots) == expected
    assert verify_pdf(path, trust_roots=config.trust_roots) == expected


# --------------------------------------------------------------------------- reserved space


def _unused_reserved_bytes(data: bytes) -> int:
    """Bytes of the signature's /Contents left as zero padding after the CMS container."""
    a, b, c, _ = byte_range(data)
    hex_body = data[a + b + 1:c - 1]
    return (len(hex_body) - len(hex_body.rstrip(b"0"))) // 2


def test_signature_reserves_little_more_than_it_needs(
        signed: tuple[Path, signing.SignatureInfo]) -> None:
    """Without a time-stamp authority the container's size is known from a dry run:
    pyHanko's 50 % margin (kilobytes of zeros in every stored PDF) is not needed."""
    path, _ = signed
    assert _unused_reserved_bytes(path.read_bytes()) <= 64


def test_a_signature_larger_than_its_dry_run_is_signed_again_with_room(
        config: SigningConfig, pdfa: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A token whose real signature outgrows the dry run's estimate (a key larger than
    pyHanko assumed) still signs: once more with the wide margin, kept for the next."""
    monkeypatch.setattr(adapt, "TIGHT_MARGIN_HEX", -200)  # the tight estimate falls short
    with load_signer(config) as fresh:
        for name in ("one.pdf", "two.pdf"):
            fresh.sign_pdf(pdfa, tmp_path / name, agency_name=AGENCY)
            report = verify_pdf(tmp_path / name, trust_roots=config.trust_roots)
            assert report.ok, report.problems
            assert _unused_reserved_bytes((tmp_path / name).read_bytes()) > 100
