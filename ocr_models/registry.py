"""Engine registry: the pipeline asks for an engine by name, never imports one directly."""

from __future__ import annotations

from collections.abc import Callable

from .base import OcrEngine, OcrEngineError

_FACTORIES: dict[str, Callable[[], OcrEngine]] = {}


def register(name: str, factory: Callable[[], OcrEngine]) -> None:
    """Make an engine available under ``name`` (later registrations win)."""
    _FACTORIES[name] = factory


def available() -> list[str]:
    return sorted(_FACTORIES)


def get_engine(name: str = "tesseract") -> OcrEngine:
    """A new engine instance by name; raises :class:`OcrEngineError` for unknown names."""
    try:
        factory = _FACTORIES[name]
    except KeyError:
        raise OcrEngineError(
            f"unknown OCR engine {name!r}; available: {', '.join(available())}") from None
    return factory()


def _tesseract() -> OcrEngine:
    from .tesseract import TesseractEngine
    return TesseractEngine()


def _fake() -> OcrEngine:
    from .fake import FakeEngine
    return FakeEngine()


register("tesseract", _tesseract)
register("fake", _fake)
