"""Generator of realistic scans of Vietnamese administrative papers, for tests and the OCR
benchmark: birth and marriage certificates, marital-status confirmations, application forms,
land-use certificates, official letters and decisions, photocopies of chip ID cards, and blank
duplex backs; each with its ground truth (text in reading order, fields, rotation, skew, dpi).

Modules: :mod:`.vocab` (names, places, province codes, prose), :mod:`.people` (consistent
people, IDs and dates), :mod:`.layout` (fonts, text flow, seals, signatures),
:mod:`.documents` and :mod:`.card` (the paper types), :mod:`.degrade` (scanner effects),
:mod:`.samples` (Truth, make_sample, generate_set). Run ``python -m tests.scangen OUT_DIR``.
"""

from .degrade import degrade
from .documents import DOC_TYPES, render_page
from .samples import LEVELS, Sample, Truth, generate_set, make_sample
from .vocab import PROVINCE_CODES

__all__ = [
    "DOC_TYPES",
    "LEVELS",
    "PROVINCE_CODES",
    "Sample",
    "Truth",
    "degrade",
    "generate_set",
    "make_sample",
    "render_page",
]
