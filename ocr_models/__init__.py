"""OCR engines behind one small interface, and Vietnamese text post-processing.

``get_engine()`` gives the default engine (``tesseract+aster`` when the AsterNet model package
is installed, else ``tesseract``); ``get_engine("fake")`` makes tests fast.
"""

from .base import OcrEngine, OcrEngineError, OcrResult, Word
from .registry import available, default_engine, get_engine, register

__all__ = ["OcrEngine", "OcrEngineError", "OcrResult", "Word", "available", "default_engine",
           "get_engine", "register"]
