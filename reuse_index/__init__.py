"""The reuse index: digitized documents, dossiers and events on SQLite or PostgreSQL.

Owns the index schema and its migrations, name and ID search, reuse and access events
(and, later, the indicator queries). Start with ``ReuseIndex.from_env(os.environ,
home=...)``: SQLite at ``home/index.db`` unless ``SOHOA_DATABASE_URL`` names a database.
"""

from .errors import (
    DuplicateDocumentError,
    IndexStoreError,
    IndexUnavailableError,
    SchemaTooNewError,
)
from .index import ENV_URL, ReuseIndex
from .migrations import LATEST_VERSION, MIGRATIONS
from .names import name_key, name_terms
from .records import (
    EVENT_KINDS,
    REFUSAL_REASONS,
    DocumentRecord,
    Dossier,
    Event,
    refusal,
    refusal_text,
)

__all__ = [
    "ENV_URL",
    "EVENT_KINDS",
    "REFUSAL_REASONS",
    "LATEST_VERSION",
    "MIGRATIONS",
    "DocumentRecord",
    "Dossier",
    "DuplicateDocumentError",
    "Event",
    "IndexStoreError",
    "IndexUnavailableError",
    "ReuseIndex",
    "SchemaTooNewError",
    "name_key",
    "name_terms",
    "refusal",
    "refusal_text",
]
