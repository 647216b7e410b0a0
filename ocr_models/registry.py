"""Engine registry: the pipeline asks for an engine by name, never imports one directly.

Names: ``tesseract``; ``tesseract+aster`` (Tesseract, with the AsterNet line reader as a
second reader, ``ocr_models/combine.py``) when the model package is installed; ``fake``
for tests. ``auto`` (or no name) is the default: ``tesseract+aster`` when the model
package and onnxruntime are installed, else ``tesseract``.
"""

from __future__ import annotations

from collections.abc import Callable

from .base import OcrEngine, OcrEngineError

_FACTORIES: dict[str, Callable[[], OcrEngine]] = {}

AUTO = "auto"


def register(name: str, factory: Callable[[], OcrEngine]) -> None:
    """Make an engine available under ``name`` (later registrations win)."""
    _FACTORIES[name] = factory


def available() -> list[str]:
    return sorted(_FACTORIES)


def default_engine() -> str:
    """``tesseract+aster`` when its model package is installed, else ``tesseract``."""
    from . import aster

    return "tesseract+aster" if aster.available() else "tesseract"


def resolve(name: str | None) -> str:
    """The engine name ``name`` stands for (``auto`` and ``None``: the default)."""
    return default_engine() if not name or name == AUTO else name


def get_engine(name: str | None = None) -> OcrEngine:
    """A new engine instance by name; raises :class:`OcrEngineError` for unknown names."""
    name = resolve(name)
    try:
        factory = _FACTORIES[name]
    except KeyError:
        raise OcrEngineError(
            f"unknown OCR engine {name!r}; available: {', '.join([AUTO, *available()])}"
        ) from None
    return factory()


def _tesseract() -> OcrEngine:
    from .tesseract import TesseractEngine
    return TesseractEngine()


def _tesseract_aster() -> OcrEngine:
    from .combine import TesseractAsterEngine
    return TesseractAsterEngine()


def _fake() -> OcrEngine:
    from .fake import FakeEngine
    return FakeEngine()


register("tesseract", _tesseract)
register("tesseract+aster", _tesseract_aster)
register("fake", _fake)
