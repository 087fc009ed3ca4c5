"""Settings read from the environment, once, by the factories that need them."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path

# The checkpoints' origin line and the signing key's name (c2sp.org/tlog-checkpoint: a
# schema-less URL naming the log); a deployment sets its own with LEDGER_LOG_ORIGIN.
DEFAULT_LOG_ORIGIN = "member-ledger.localhost/journal"
INSTANCE_DIR = Path(os.environ.get("LEDGER_INSTANCE_DIR", Path.cwd() / "instance"))


class ConfigurationError(RuntimeError):
    """The environment does not describe a runnable ledger."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the app, the CLI and the engine need to know about their environment."""

    database_url: str
    secret_key: str
    env: str = "development"
    fixed_today: date | None = None
    signing_key_file: Path | None = None
    log_origin: str = DEFAULT_LOG_ORIGIN
    witnesses: str = ""
    witness_quorum: int | None = None

    def today(self) -> date:
        """The ledger's "today": LEDGER_TODAY when set (tests, the demo, a rehearsal), else the calendar's.

        The one source of today for use cases, queries, pages and the CLI: nothing else calls
        date.today(), so a figure "as of today" is reproducible by fixing this setting.
        """
        return self.fixed_today or date.today()

    @property
    def production(self) -> bool:
        return self.env == "production"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "Settings":
        """Read LEDGER_DATABASE_URL, LEDGER_SECRET_KEY, LEDGER_ENV, LEDGER_TODAY, LEDGER_SIGNING_KEY_FILE and LEDGER_LOG_ORIGIN."""
        environ = dict(os.environ if environ is None else environ)
        env = environ.get("LEDGER_ENV", "development").strip() or "development"
        if env not in ("development", "production", "test"):
            raise ConfigurationError(
                f"LEDGER_ENV is {env!r}; accepted: development, production, test"
            )
        instance = Path(environ.get("LEDGER_INSTANCE_DIR", INSTANCE_DIR))
        database_url = environ.get("LEDGER_DATABASE_URL") or f"sqlite:///{instance / 'ledger.sqlite'}"
        secret_key = environ.get("LEDGER_SECRET_KEY", "")
        if not secret_key:
            if env == "production":
                raise ConfigurationError(
                    "LEDGER_SECRET_KEY is required when LEDGER_ENV=production: "
                    "set it to a long random string shared by every web process"
                )
            secret_key = _development_secret(instance)
        raw_today = environ.get("LEDGER_TODAY", "").strip()
        try:
            fixed_today = date.fromisoformat(raw_today) if raw_today else None
        except ValueError:
            raise ConfigurationError(f"LEDGER_TODAY is {raw_today!r}; give a date as YYYY-MM-DD, or leave it unset") from None
        raw_key_file = environ.get("LEDGER_SIGNING_KEY_FILE", "").strip()
        if not raw_key_file and env == "production":
            raise ConfigurationError(
                "LEDGER_SIGNING_KEY_FILE is required when LEDGER_ENV=production: "
                "create a key with `ledger keys generate FILE` and name the file"
            )
        signing_key_file = Path(raw_key_file) if raw_key_file else instance / "signing_key.pem"
        log_origin = environ.get("LEDGER_LOG_ORIGIN", "").strip() or DEFAULT_LOG_ORIGIN
        raw_quorum = environ.get("LEDGER_WITNESS_QUORUM", "").strip()
        if raw_quorum and not raw_quorum.isdigit():
            raise ConfigurationError(f"LEDGER_WITNESS_QUORUM is {raw_quorum!r}; give a whole number of witnesses, or leave it unset for all")
        return cls(
            database_url=database_url, secret_key=secret_key, env=env, fixed_today=fixed_today,
            signing_key_file=signing_key_file, log_origin=log_origin,
            witnesses=environ.get("LEDGER_WITNESSES", "").strip(), witness_quorum=int(raw_quorum) if raw_quorum else None,
        )


def _development_secret(instance: Path) -> str:
    """A random key kept under instance/, so sessions survive restarts and span processes."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key
