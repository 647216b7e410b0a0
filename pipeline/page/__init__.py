"""One page: intake (file types, pages, decoding), cleanup (blank check, light, noise,
seals), geometry (quarter-turn and skew), OCR through an :mod:`ocr_models` engine, layout
(reading order), all run by :func:`pipeline.page.process.process_page`; the process pool
and ordered fan-out over all pages of all files (:mod:`pipeline.page.pool`); poppler's
``pdftoppm`` (:mod:`pipeline.page.poppler`)."""
