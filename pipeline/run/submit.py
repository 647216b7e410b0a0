"""The one scan wiring: from settings to a working scanner, and from a batch's dossiers to
work done locally or queued — the same for ``sohoa scan``/``batch``, web uploads and the
queue's assembling workers.

- :func:`open_backends` — the configured object store (checked) and index;
- :func:`page_options` — the page stage's options for the configured (or given) OCR engine,
  checked at start-up with the install command when the engine cannot run;
- :func:`open_signer` — the agency's key, opened now (a missing key or a wrong password is
  refused before any work);
- :func:`make_scanner` — a :class:`~pipeline.scan.DossierScanner` over those;
- :func:`submit` — a batch's dossiers to the dramatiq workers when ``SOHOA_BROKER_URL`` is
  set, else through one local process pool.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from common.errors import NoSigningKeyError
from common.private import private_dir
from common.settings import Settings
from pipeline.page.pool import check_engine
from pipeline.page.process import PageOptions, PageResult
from pipeline.run.batch import BatchSummary, DossierJob
from pipeline.scan import DossierScanner, ScannedDocument
from pipeline.signing.config import SigningConfig
from reuse_index import ReuseIndex
from storage import ObjectStore, StoreConfig, open_store

if TYPE_CHECKING:
    from pipeline.signing.sign import AgencySigner


def store_config(settings: Settings) -> StoreConfig:
    """The object store ``settings`` configure (a local folder under ``SOHOA_HOME`` unless
    ``SOHOA_S3_ENDPOINT`` is set)."""
    return StoreConfig.from_env(settings.env, default_root=settings.home / "store")


def open_store_checked(settings: Settings) -> ObjectStore:
    """The configured object store, probed (unreachable: a clear error now)."""
    private_dir(settings.home)
    store = open_store(store_config(settings))
    store.check()
    return store


@contextmanager
def open_backends(settings: Settings) -> Iterator[tuple[ObjectStore, ReuseIndex]]:
    """The configured store and index, the index closed on the way out."""
    store = open_store_checked(settings)
    index = ReuseIndex.from_env(settings.env, home=settings.home)
    try:
        yield store, index
    finally:
        index.close()


def page_options(settings: Settings, engine: str | None = None, **options: object
                 ) -> PageOptions:
    """Page options for ``engine`` (default: ``SOHOA_OCR_ENGINE``), the engine checked."""
    options.setdefault("pdf_images", settings.pdf_images)
    result = PageOptions(engine=engine or settings.ocr_engine, **options)  # type: ignore[arg-type]
    check_engine(result)
    return result


def signing_config(settings: Settings) -> SigningConfig:
    return SigningConfig.from_env(settings.env, home=settings.home)


def open_signer(settings: Settings) -> AgencySigner:
    """The agency's key, opened now: no key configured, a wrong password or a weak or
    expired certificate stop the command before any page is read."""
    config = signing_config(settings)
    if not config.configured():
        raise NoSigningKeyError()
    from pipeline.signing.keys import load_signer  # pyHanko: only where something is signed

    return load_signer(config)


def agency_name_for(settings: Settings, given: str | None, agency: str | None) -> str:
    """The agency name on the visible signature: given, else ``SOHOA_AGENCY_NAME``, else
    the signing configuration's, else the agency code."""
    return (given or settings.agency_name or signing_config(settings).agency_name
            or agency or "")


def make_scanner(settings: Settings, store: ObjectStore, index: ReuseIndex, *,
                 options: PageOptions, signer: AgencySigner | None,
                 workers: int | None = None, **hooks: object) -> DossierScanner:
    """A scanner over the given store, index and key (``hooks``: ``on_page``,
    ``executor``)."""
    return DossierScanner(store=store, index=index, signer=signer, options=options,
                          workers=workers, max_pages=settings.max_pages,
                          **hooks)  # type: ignore[arg-type]


def submit(jobs: list[DossierJob], settings: Settings, store: ObjectStore, index: ReuseIndex,
           *, options: PageOptions, summary: BatchSummary, workers: int | None = None,
           on_page: Callable[[PageResult, int], None] | None = None,
           on_document: Callable[[ScannedDocument], None] | None = None,
           isolated: bool = False) -> BatchSummary:
    """Digitize ``jobs``: queued to the workers when a broker is configured (originals
    stored and pages recorded here; no key needed here), else here, in one process pool
    (``isolated``: a worker process even for one worker, see ``make_pool``)."""
    if settings.broker_url:
        from pipeline.run import queue  # the broker module: imported only when queueing

        scanner = make_scanner(settings, store, index, options=options, signer=None)
        return queue.enqueue(jobs, scanner, summary=summary)
    from pipeline.run.local import run_local

    signer = open_signer(settings)

    def factory(**hooks: object) -> DossierScanner:
        return make_scanner(settings, store, index, options=options, signer=signer,
                            workers=workers, **hooks)

    return run_local(jobs, factory, workers=workers, summary=summary, on_page=on_page,
                     on_document=on_document, isolated=isolated)
