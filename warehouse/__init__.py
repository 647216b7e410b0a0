"""The read side: what officers and the data-warehouse team do with what is stored.

- ``access``: open the warehouse; verify, hand out and reuse stored papers (every access
  and reuse recorded);
- ``sweep``: the integrity sweep of everything stored (``sohoa verify --all``);
- ``scorecard`` and ``scorecard_html``: the Decision 766 indicators (``sohoa report``);
- ``review``: what an officer should re-check (``sohoa review``);
- ``export``: Parquet files for a data warehouse (``sohoa export``).

Sits above :mod:`pipeline` (it verifies signatures with :mod:`pipeline.signing`); the web
service and the CLI sit above it.
"""
