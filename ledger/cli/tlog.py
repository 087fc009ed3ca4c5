"""Commands of the transparency log: checkpoint, keys generate; and reading a checkpoint for verify."""

from __future__ import annotations

from pathlib import Path

import click

from ledger.config import ConfigurationError, Settings
from ledger.db.engine import make_engine
from ledger.domain.errors import DomainError
from ledger.domain.signed_note import Checkpoint, NoteError, NoteSigner, VerifierKey, open_checkpoint
from ledger.services.checkpoints import publish_checkpoint
from ledger.db.uow import UnitOfWork
from ledger.domain.access import system_actor
from ledger.services.keys import generate_key_file, load_key_file, log_signer, rotate_signing_key


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from error


def opened_checkpoint(path: Path, verifier_key: str | None, settings: Settings) -> Checkpoint:
    """The checkpoint in `path`, once its signature verifies with `verifier_key` (the key
    text, or a file holding it) or, by default, with this ledger's own signing key."""
    try:
        if verifier_key:
            key_path = Path(verifier_key)
            key = VerifierKey.parse(key_path.read_text() if key_path.is_file() else verifier_key)
        elif settings.signing_key_file and settings.signing_key_file.exists():
            key = NoteSigner(settings.log_origin, load_key_file(settings.signing_key_file)).verifier
        else:
            raise click.ClickException("no signing key configured here: give the checkpoint's verifier key with --key")
        return open_checkpoint(path.read_text(encoding="utf-8"), [key])
    except (NoteError, ConfigurationError) as error:
        raise click.ClickException(f"{path}: {error}") from error


def register_tlog_commands(main: click.Group) -> None:
    main.add_command(checkpoint)
    main.add_command(keys)


@click.command()
def checkpoint() -> None:
    """Sign a checkpoint of the journal's tree when the head has moved, and print the latest."""
    settings = _settings()
    engine = make_engine(settings.database_url)
    try:
        published = publish_checkpoint(engine, log_signer(settings))
    except (DomainError, ConfigurationError) as error:
        raise click.ClickException(str(error)) from error
    finally:
        engine.dispose()
    click.echo(published.cosigned_note, nl=False)


@click.group()
def keys() -> None:
    """The ledger's Ed25519 signing key."""


@keys.command("generate")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
def keys_generate(file: Path | None) -> None:
    """Write a new signing key (PEM, mode 0600) to FILE (default: LEDGER_SIGNING_KEY_FILE) and print its verifier key."""
    settings = _settings()
    path = file or settings.signing_key_file
    if path is None:
        raise click.ClickException("name the file: ledger keys generate FILE")
    try:
        key = generate_key_file(path)
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Wrote {path}. Verifier key (publish it; set LEDGER_SIGNING_KEY_FILE={path}):")
    click.echo(NoteSigner(settings.log_origin, key).verifier.text())


@keys.command("rotate")
@click.argument("new_file", type=click.Path(dir_okay=False, path_type=Path))
def keys_rotate(new_file: Path) -> None:
    """Generate NEW_FILE and journal the hand-over to it, signed by the key in use; then point
    LEDGER_SIGNING_KEY_FILE at NEW_FILE."""
    settings = _settings()
    try:
        old = log_signer(settings)
        new_key = generate_key_file(new_file)
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from error
    engine = make_engine(settings.database_url)
    try:
        new = rotate_signing_key(old, new_key, actor=system_actor(), uow=UnitOfWork(engine))
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    finally:
        engine.dispose()
    click.echo(f"Journaled the rotation from {old.verifier.text()}")
    click.echo(f"to {new.verifier.text()}")
    click.echo(f"Now set LEDGER_SIGNING_KEY_FILE={new_file} and restart; keep the old key offline.")
