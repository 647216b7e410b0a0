"""PAdES signatures on the PDF/A copies, and their verification (through pyHanko).

Kept apart the way pyHanko keeps them apart:

- :mod:`~pipeline.signing.config` — who signs, as configured (:class:`SigningConfig`,
  the signing errors); no pyHanko;
- :mod:`~pipeline.signing.keys` — who signs: :func:`load_signer` opens the agency's key
  (PKCS#12 file, or a PKCS#11 token) and refuses a wrong password, a weak key or an
  expired certificate before any work;
- :mod:`~pipeline.signing.stamp` — how it looks: the visible text at the top right;
- :mod:`~pipeline.signing.sign` — what is signed: :class:`AgencySigner`, PAdES baseline,
  incremental update, optional RFC 3161 timestamp;
- :mod:`~pipeline.signing.verify` — how it is checked: :func:`verify_pdf` →
  :class:`VerificationReport`, never a bare bool, never an exception;
- :mod:`~pipeline.signing.adapt` — the only code that reaches inside pyHanko, guarded by
  an exact-version test; its verification speed-ups are installed by the first
  :func:`verify_pdf` call, nowhere else;
- :mod:`~pipeline.signing.demo` — a demo PKI for a laptop (not for production).

The names below are re-exported lazily: ``from pipeline.signing import SigningConfig``
loads no pyHanko; ``load_signer`` or ``verify_pdf`` load what they need.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "SigningConfig": "config", "SigningError": "config", "SigningKeyError": "config",
    "DemoPki": "config", "demo_pki_paths": "config",
    "load_signer": "keys",
    "AgencySigner": "sign", "SignatureInfo": "sign", "signing_time": "sign",
    "DEFAULT_COPY_TYPE": "sign",
    "verify_pdf": "verify", "VerificationReport": "verify", "PROBLEMS_VI": "verify",
    "create_demo_pki": "demo", "DEMO_MARK": "demo",
}

__all__ = [
    "AgencySigner",
    "DEFAULT_COPY_TYPE",
    "DEMO_MARK",
    "DemoPki",
    "PROBLEMS_VI",
    "SignatureInfo",
    "SigningConfig",
    "SigningError",
    "SigningKeyError",
    "VerificationReport",
    "create_demo_pki",
    "demo_pki_paths",
    "load_signer",
    "signing_time",
    "verify_pdf",
]

if TYPE_CHECKING:
    from pipeline.signing.config import (
        DemoPki,
        SigningConfig,
        SigningError,
        SigningKeyError,
        demo_pki_paths,
    )
    from pipeline.signing.demo import DEMO_MARK, create_demo_pki
    from pipeline.signing.keys import load_signer
    from pipeline.signing.sign import (
        DEFAULT_COPY_TYPE,
        AgencySigner,
        SignatureInfo,
        signing_time,
    )
    from pipeline.signing.verify import PROBLEMS_VI, VerificationReport, verify_pdf


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pipeline.signing' has no attribute {name!r}")
    value = getattr(import_module(f"pipeline.signing.{module}"), name)
    globals()[name] = value
    return value
