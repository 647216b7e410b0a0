"""Certificate helpers shared by the key loader, the signer and the verifier."""

from __future__ import annotations

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization


def to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    """The certificate as asn1crypto holds it (what pyHanko works with)."""
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def subject(cert: x509.Certificate) -> str:
    """The certificate's subject, RFC 4514."""
    return cert.subject.rfc4514_string()
