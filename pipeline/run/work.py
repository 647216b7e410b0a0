"""Batch work units that any process can run: OCR one page of a stored original, and
assemble an original's papers once its pages are done.

Both are plain functions of object keys and ids — never file bytes — so a dramatiq actor
(:mod:`pipeline.run.queue`) or a local loop can run them. Both are idempotent: a page whose
result is already stored is not redone, a paper already indexed is not stored again, so a
message delivered twice (a worker killed mid-task) changes nothing the second time.

Page results travel through the object store under ``work/<sha>/``: the one-page
searchable PDF and a JSON of the page (text, words, classification and field candidates).
Progress is kept in the index's ``work`` table (see :meth:`ReuseIndex.work_set`).
"""

from __future__ import annotations

import json
import logging
import tempfile
from dataclasses import asdict, replace
from datetime import date
from pathlib import Path
from typing import Any

from common.errors import PageProcessingError
from ocr_models import Word
from pipeline.page.intake import list_pages
from pipeline.page.process import PageOptions, PageResult, process_page
from pipeline.papers.classify import PageClass
from pipeline.papers.extract import Candidate, Mrz, page_lines
from pipeline.papers.fields import PageFacts
from pipeline.papers.qr import CardQr
from reuse_index import ReuseIndex
from storage import ObjectStore, page_keys

log = logging.getLogger(__name__)

CRASH_LIMIT = 3  # tries of a page that each ended with its worker process gone


# -- page results as JSON ----------------------------------------------------------------------

def _words(items: list[dict]) -> list[Word]:
    return [Word(**w) for w in items]


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def facts_to_json(facts: PageFacts | None) -> dict | None:
    if facts is None:
        return None
    qr = asdict(facts.qr) if facts.qr else None
    if qr:
        qr = {**qr, "birth": qr["birth"] and qr["birth"].isoformat(),
              "issued": qr["issued"] and qr["issued"].isoformat()}
    return {
        "page_class": asdict(facts.page_class),
        "candidates": [{"key": c.key, "raw": c.raw, "kind": c.kind, "page": c.page,
                        "source": c.source, "alternatives": c.alternatives,
                        "words": [asdict(w) for w in c.words]} for c in facts.candidates],
        "mrz": asdict(facts.mrz) if facts.mrz else None,
        "qr": qr,
    }


def facts_from_json(data: dict | None, words: list[Word], text: str) -> PageFacts | None:
    if data is None:
        return None
    mrz = data.get("mrz")
    qr = data.get("qr")
    return PageFacts(
        page_class=PageClass(**data["page_class"]),
        candidates=[Candidate(key=c["key"], raw=c["raw"], kind=c["kind"],
                              words=_words(c["words"]), page=c["page"], source=c["source"],
                              alternatives=list(c["alternatives"]))
                    for c in data["candidates"]],
        lines=page_lines(words, text),
        mrz=Mrz(**{**mrz, "words": _words(mrz["words"])}) if mrz else None,
        qr=CardQr(**{**qr, "birth": _date(qr["birth"]), "issued": _date(qr["issued"])})
        if qr else None,
    )


def page_to_json(result: PageResult) -> dict[str, Any]:
    error = None
    if result.error is not None:
        error = {"type": type(result.error).__name__, "message": result.error.describe("vi"),
                 "message_en": result.error.describe("en"), "detail": result.error.detail}
    return {"source": result.source, "index": result.index, "rotation": result.rotation,
            "skew_deg": result.skew_deg, "blank": result.blank, "text": result.text,
            "confidence": result.confidence, "dpi": result.dpi, "colour": result.colour,
            "seconds": result.seconds, "words": [asdict(w) for w in result.words],
            "facts": facts_to_json(result.facts), "error": error}


def page_from_json(data: dict[str, Any], pdf: str | None = None) -> PageResult:
    words = _words(data["words"])
    result = PageResult(source=data["source"], index=data["index"], rotation=data["rotation"],
                        skew_deg=data["skew_deg"], blank=data["blank"], text=data["text"],
                        confidence=data["confidence"], dpi=data["dpi"], colour=data["colour"],
                        words=words, pdf=pdf, seconds=data["seconds"],
                        facts=facts_from_json(data["facts"], words, data["text"]))
    if data.get("error"):
        result.error = PageProcessingError(data["source"], page=data["index"],
                                           detail=data["error"].get("detail"))
    return result


# -- the two work units ----------------------------------------------------------------------------

_ORIGINALS: dict[str, Path] = {}  # object key -> local copy, the few most recent
_KEEP_ORIGINALS = 4
_CACHE_DIR: tempfile.TemporaryDirectory | None = None


def _local_original(store: ObjectStore, key: str) -> Path:
    """A local copy of a stored original, downloaded once per worker process: the pages of
    a 300-page PDF are 300 messages, and each must not fetch the whole file again."""
    global _CACHE_DIR
    if key in _ORIGINALS and _ORIGINALS[key].exists():
        _ORIGINALS[key] = _ORIGINALS.pop(key)  # most recent last
        return _ORIGINALS[key]
    if _CACHE_DIR is None:
        _CACHE_DIR = tempfile.TemporaryDirectory(prefix="sohoa-originals-")
    while len(_ORIGINALS) >= _KEEP_ORIGINALS:
        _ORIGINALS.pop(next(iter(_ORIGINALS))).unlink(missing_ok=True)
    local = store.download(key, Path(_CACHE_DIR.name) / Path(key).name)
    _ORIGINALS[key] = local
    return local


def run_page(store: ObjectStore, index: ReuseIndex, *, sha256: str, original_key: str,
             source: str, page: int, options: PageOptions) -> bool:
    """OCR page ``page`` of a stored original; store its PDF and JSON; record it.

    Returns True when every page of the original is now finished (time to assemble)."""
    json_key, pdf_key = page_keys(sha256, page)
    if not store.exists(json_key):
        state, attempts = index.work.attempts(sha256, page)
        if state == "running" and attempts >= CRASH_LIMIT:
            # every try ended with the worker gone (the queue's actor puts a row back to
            # "queued" before a retry): a page that kills the OCR engine is failed, not
            # handed from worker to worker for ever
            log.error("page %d of %s: the worker died on it %d times; failed", page + 1,
                      sha256[:12], attempts)
            result = PageResult(source=source, index=page, error=PageProcessingError(
                source, page=page,
                detail=f"the worker process died on this page {attempts} times"))
        else:
            result = _read_page(store, index, sha256=sha256, original_key=original_key,
                                source=source, page=page, options=options, pdf_key=pdf_key)
        body = json.dumps(page_to_json(result), ensure_ascii=False).encode()
        store.put_bytes(json_key, body, content_type="application/json")
        state = "failed" if result.error else "done"
        index.work.set(sha256, page, state,
                       error=result.error.describe("vi") if result.error else None)
    else:
        log.debug("page %d of %s already done", page + 1, sha256[:12])
        if index.work.state(sha256, page) not in ("done", "failed"):
            index.work.set(sha256, page, "done")
    finished, total = index.work.pages_finished(sha256)
    return finished >= total


def _read_page(store: ObjectStore, index: ReuseIndex, *, sha256: str, original_key: str,
               source: str, page: int, options: PageOptions, pdf_key: str) -> PageResult:
    """OCR the page (its row counted as an attempt) and store its one-page PDF."""
    index.work.set(sha256, page, "running")
    with tempfile.TemporaryDirectory(prefix="sohoa-page-") as tmp:
        refs = list_pages(_local_original(store, original_key))
        result = process_page(refs[page], replace(options, workdir=tmp))
        result.source = source
        if result.error is not None:  # name the user's file, not the local copy
            result.error.source = source
        if result.pdf and not result.error:
            store.put_file(pdf_key, Path(result.pdf), content_type="application/pdf")
    return result


def load_pages(store: ObjectStore, sha256: str, total: int, tmp: Path) -> list[PageResult]:
    """Every page result of an original, with its one-page PDF downloaded into ``tmp``."""
    pages = []
    for page in range(total):
        json_key, pdf_key = page_keys(sha256, page)
        data = json.loads(store.get_bytes(json_key))
        pdf = None
        if store.exists(pdf_key):
            pdf = str(store.download(pdf_key, tmp / f"page-{page:05d}.pdf"))
        pages.append(page_from_json(data, pdf))
    return pages
