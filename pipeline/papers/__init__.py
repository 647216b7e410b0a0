"""Papers: what each page is (``classify``), the labelled values on it (``extract``, ``qr``),
the checks values must pass (``validate``, ``reference``), the contract's document types
(``doctypes``), and the grouping of pages into papers with validated fields (``fields``).
Pure functions of OCR words and lines: no files, no engines, no storage."""
