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


MIN_SECRET_KEY_BYTES = 32
"""Production's session-signing key: at least 256 bits (ASVS V6.2.1, NIST SP 800-131A for HMAC keys)."""


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
    session_idle_minutes: int = 30
    """A session unused this long ends (ASVS V3.3.2 at level 2: re-authentication after idle time)."""
    session_absolute_hours: int = 12
    """A session ends this long after sign-in, used or not (ASVS V3.3.2: an absolute lifetime)."""
    trusted_proxies: int = 0
    """Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host are believed (Werkzeug's ProxyFix)."""
    require_second_factor: bool = False
    """Every official must enrol and use TOTP; on by default in production (ASVS V2.7/V2.8 at level 2)."""
    max_request_bytes: int = 2 * 1024 * 1024
    """The largest request body any endpoint reads; a larger one is refused with 413."""

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
        """Read LEDGER_DATABASE_URL, LEDGER_SECRET_KEY, LEDGER_ENV, LEDGER_TODAY, LEDGER_SIGNING_KEY_FILE,
        LEDGER_LOG_ORIGIN, LEDGER_WITNESSES, LEDGER_WITNESS_QUORUM, LEDGER_SESSION_IDLE_MINUTES,
        LEDGER_SESSION_ABSOLUTE_HOURS, LEDGER_TRUSTED_PROXIES, LEDGER_REQUIRE_SECOND_FACTOR and LEDGER_MAX_REQUEST_BYTES."""
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
        if env == "production" and len(secret_key.encode("utf-8")) < MIN_SECRET_KEY_BYTES:
            raise ConfigurationError(
                f"LEDGER_SECRET_KEY has {len(secret_key.encode('utf-8'))} bytes; production needs at least "
                f"{MIN_SECRET_KEY_BYTES} random bytes, e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
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
        require_second_factor = environ.get("LEDGER_REQUIRE_SECOND_FACTOR", "1" if env == "production" else "0").strip()
        if require_second_factor not in ("0", "1"):
            raise ConfigurationError(f"LEDGER_REQUIRE_SECOND_FACTOR is {require_second_factor!r}; accepted: 0 or 1")
        return cls(
            database_url=database_url, secret_key=secret_key, env=env, fixed_today=fixed_today,
            signing_key_file=signing_key_file, log_origin=log_origin,
            witnesses=environ.get("LEDGER_WITNESSES", "").strip(), witness_quorum=int(raw_quorum) if raw_quorum else None,
            session_idle_minutes=_whole_number(environ, "LEDGER_SESSION_IDLE_MINUTES", 30, 1, 24 * 60),
            session_absolute_hours=_whole_number(environ, "LEDGER_SESSION_ABSOLUTE_HOURS", 12, 1, 7 * 24),
            trusted_proxies=_whole_number(environ, "LEDGER_TRUSTED_PROXIES", 0, 0, 5),
            require_second_factor=require_second_factor == "1",
            max_request_bytes=_whole_number(environ, "LEDGER_MAX_REQUEST_BYTES", 2 * 1024 * 1024, 1024, 64 * 1024 * 1024),
        )


def _whole_number(environ: dict[str, str], name: str, default: int, lowest: int, highest: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not lowest <= int(raw) <= highest:
        raise ConfigurationError(f"{name} is {raw!r}; give a whole number from {lowest} to {highest}, or leave it unset")
    return int(raw)


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
