"""The ground floor: what every other package may use and that imports nothing of ours.

- :mod:`common.errors` — the one error root (:class:`~common.errors.SohoaError`) and the
  one exit-code enum (:class:`~common.errors.ExitCode`), plus the errors several floors
  raise (bad input, bad request, no such document, ...);
- :mod:`common.vn` — Vietnam's time zone, NFC and accent folding;
- :mod:`common.settings` — the typed ``SOHOA_*`` settings, loaded once at the edge;
- :mod:`common.fanout` — one bounded, ordered map over an executor.
- :mod:`common.redact` — what log lines may say about citizens (IDs masked, searched
  names left out), installed once per process.
"""
