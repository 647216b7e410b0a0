"""OCR engines behind one small interface, and Vietnamese text post-processing.

``get_engine("tesseract")`` is the default; ``get_engine("fake")`` makes tests fast.
"""

from .base import OcrEngine, OcrEngineError, OcrResult, Word
from .registry import available, get_engine, register

__all__ = ["OcrEngine", "OcrEngineError", "OcrResult", "Word", "available", "get_engine",
           "register"]
