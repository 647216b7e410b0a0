"""The pyHanko adaptations (pipeline/signing/adapt.py) hold only for the exact pyHanko and
asn1crypto they mirror: an upgrade must fail here until the adaptations are re-read."""

from __future__ import annotations

import hashlib
import importlib
import inspect
from importlib import metadata

from pipeline.signing import adapt


def test_exact_versions_pinned_for_the_adaptations() -> None:
    assert metadata.version("pyhanko") == adapt.PYHANKO_VERSION, (
        "pyHanko changed: re-read pipeline/signing/adapt.py against it, then update "
        "PYHANKO_VERSION, MIRRORED_SOURCES and the pin in pyproject.toml")
    assert metadata.version("asn1crypto") == adapt.ASN1CRYPTO_VERSION


# once the speed-ups are installed in this process, the originals are where adapt keeps them
KEPT = {
    "read_hex_string_from_stream": adapt._read_hex_string_bytewise,
    "read_until_delimiter": adapt._read_until_delimiter_bytewise,
    "NameTypeAndValue._ldap_string_prep": adapt._ldap_string_prep_uncached,
    "RDNSequence.__eq__": adapt._rdn_sequence_eq_uncached,
    "RDNSequence.hashable": adapt._rdn_sequence_hashable_uncached,
}


def test_mirrored_upstream_functions_are_unchanged() -> None:
    changed = []
    for where, expected in adapt.MIRRORED_SOURCES.items():
        module_name, _, attribute = where.partition(":")
        obj = importlib.import_module(module_name)
        for part in attribute.split("."):
            obj = getattr(obj, part)
        obj = obj.fget if isinstance(obj, property) else obj
        obj = KEPT.get(attribute, obj) if obj.__module__.startswith("pipeline") else obj
        digest = hashlib.sha256(inspect.getsource(obj).encode()).hexdigest()[:16]
        if digest != expected:
            changed.append(f"{where}: {digest} != {expected}")
    assert not changed, "upstream code the adaptations mirror has changed:\n" + "\n".join(changed)


def test_originals_are_kept_for_the_speedups() -> None:
    """The speed-ups fall back to exactly the functions they replaced."""
    for kept in (adapt._read_hex_string_bytewise, adapt._read_until_delimiter_bytewise,
                 adapt._ldap_string_prep_uncached, adapt._rdn_sequence_eq_uncached,
                 adapt._rdn_sequence_hashable_uncached):
        assert not kept.__module__.startswith("pipeline")
