"""The write path: scanned files in, signed searchable PDF/A papers in the store and the
index out. Packages and modules in flow order::

    files ─► page/ ──────────────────────────────────────────────────► papers/ ─► pdfa
             intake ─► clean ─► geometry ─► OCR ─► layout          classify    PDF/A-2b
             (bytes,   (blank,  (quarter-   (ocr_models,           extract     per paper,
             pages,    light,   turn,       Vietnamese             validate    text layer
             poppler)  noise)   skew)       text repair)           fields
                      process: one page;  pool: every page, in order        │
                                                                            ▼
    scan:  originals stored first (SHA-256) ─► pages ─► papers ─► PDF/A ─► signing/
           ─► store ─► index
    run/:  submit (the one wiring) ─► local (one process pool) | queue (dramatiq)

- ``page/``: one page, as plain functions of a page reference and options
  (``process.process_page``), fanned out over a process pool in input order
  (``pool.process_files``); ``poppler`` wraps the one external program it runs itself.
- ``papers/``: what a page is and what it says — type, labelled values, QR and MRZ,
  validation against reference tables — and the grouping of pages into papers.
- ``pdfa``: searchable PDF/A-2b pages and their assembly.
- ``signing/``: PAdES with the agency's key (who, what, how it looks, how it is checked).
- ``scan``: one dossier to the warehouse, in the order DESIGN.md fixes.
- ``run/``: where the work runs — here or on the queue — and the batch layout.

Nothing here imports :mod:`warehouse` or :mod:`web` (the read side and the service sit
above); everything may use :mod:`common`, :mod:`ocr_models`, :mod:`storage` and
:mod:`reuse_index`.
"""
