"""Settings, built once at the edge (the CLI) from ``SOHOA_*`` variables and passed down.

``SOHOA_HOME`` (default: the user's data directory, e.g. ``~/.local/share/sohoa``) holds
the local object store, the SQLite index and local demo keys. ``SOHOA_CONFIG`` may name a
TOML file of the same ``SOHOA_*`` keys; the environment wins over the file.
"""

from __future__ import annotations

import getpass
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir


@dataclass(frozen=True)
class Settings:
    home: Path
    env: Mapping[str, str]  # the merged SOHOA_* values (file, then environment)

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None) -> Settings:
        environ = dict(os.environ if environ is None else environ)
        merged: dict[str, str] = {}
        config_file = environ.get("SOHOA_CONFIG")
        if config_file:
            with open(config_file, "rb") as fh:
                merged.update({k: str(v) for k, v in tomllib.load(fh).items()})
        merged.update({k: v for k, v in environ.items() if k.startswith("SOHOA_")})
        home = Path(merged.get("SOHOA_HOME") or user_data_dir("sohoa", appauthor=False))
        return cls(home=home, env=merged)

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.env.get(key, default)

    @property
    def actor(self) -> str:
        """Who is acting, for the access log (accounts arrive with the web service)."""
        return self.env.get("SOHOA_USER") or getpass.getuser()

    @property
    def agency_code(self) -> str | None:
        return self.env.get("SOHOA_AGENCY_CODE")

    @property
    def agency_name(self) -> str | None:
        return self.env.get("SOHOA_AGENCY_NAME")
