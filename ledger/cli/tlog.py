"""Commands of the transparency log: checkpoint, keys generate; and reading a checkpoint for verify."""

from __future__ import annotations

from pathlib import Path

import click

from ledger.config import INSTANCE_DIR, ConfigurationError, Settings
from ledger.db.engine import make_engine
from ledger.domain.errors import DomainError
from ledger.domain.signed_note import COSIGNATURE_V1, NoteError, NoteSigner, VerifierKey, raw_public_key
from ledger.witness.server import Witness, WitnessState, make_server
from ledger.queries.tlog import latest_checkpoint
from ledger.services.checkpoints import publish_checkpoint
from ledger.services.signed_reports import published_annual_report, verify_report
from ledger.services.tlog_verification import HeldCheckpoint
from ledger.services.witnessing import WitnessConfig, parse_witnesses, request_cosignatures
from ledger.witness.local import local_post, local_witnesses
from ledger.db.uow import UnitOfWork
from ledger.domain.access import system_actor
from ledger.services.keys import generate_key_file, load_key_file, log_signer, rotate_signing_key


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from error


def held_checkpoint(path: Path, verifier_key: str | None, settings: Settings) -> HeldCheckpoint:
    """The checkpoint in `path` and the key trusted to have signed it, or signed the rotations
    to the key that did: `verifier_key` (the key text, or a file holding it) or, by default,
    this ledger's own signing key. Its signature is checked by `verify`, once the journal's
    key rotations are read."""
    held = HeldCheckpoint(path.read_text(encoding="utf-8"), _verifier_key(verifier_key, settings))
    try:
        held.claimed  # read now, so a file that holds no checkpoint is refused before the journal is walked
    except NoteError as error:
        raise click.ClickException(f"{path}: {error}") from error
    return held


def _verifier_key(verifier_key: str | None, settings: Settings) -> VerifierKey:
    """The key given (its text, or a file holding it), else this ledger's own signing key."""
    try:
        if verifier_key:
            key_path = Path(verifier_key)
            return VerifierKey.parse(key_path.read_text() if key_path.is_file() else verifier_key)
        if settings.signing_key_file and settings.signing_key_file.exists():
            return NoteSigner(settings.log_origin, load_key_file(settings.signing_key_file)).verifier
    except (NoteError, ConfigurationError) as error:
        raise click.ClickException(str(error)) from error
    raise click.ClickException("no signing key configured here: give the verifier key with --key")


def register_tlog_commands(main: click.Group) -> None:
    main.add_command(checkpoint)
    main.add_command(keys)
    main.add_command(witness)
    report_group = main.commands["report"]
    report_group.add_command(report_verify)


def witness_demo_checkpoint(engine, settings: Settings) -> None:
    """Sign the demo journal's checkpoint and have the demo's local witnesses cosign it."""
    signer = log_signer(settings)
    keys_directory = settings.signing_key_file.parent if settings.signing_key_file else INSTANCE_DIR
    witnesses = local_witnesses(keys_directory / "witnesses", signer.verifier)
    configs = tuple(WitnessConfig(url, witness.verifier) for url, witness in witnesses.items())
    published = publish_checkpoint(engine, signer)
    for answer in request_cosignatures(engine, published, configs, post=local_post(witnesses)):
        click.echo(f"Checkpoint {published.size}: {answer.witness} {answer.message}")


def published_pdf(report, render) -> bytes:
    """A report as the web publishes it: a closed year's signed and kept file, printing the checkpoint that covers it (signed first if none does)."""
    settings = _settings()
    engine = make_engine(settings.database_url)
    try:
        return published_annual_report(engine, log_signer(settings), report, render, witnesses=parse_witnesses(settings.witnesses))
    except (DomainError, ConfigurationError) as error:
        raise click.ClickException(str(error)) from error
    finally:
        engine.dispose()


@click.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--key", "verifier_key", help="The facility's verifier key (default: this ledger's signing key).")
def report_verify(file: Path, verifier_key: str | None) -> None:
    """Check a downloaded annual report's PAdES signature: by the facility's key, intact, covering the whole file."""
    check = verify_report(file.read_bytes(), _verifier_key(verifier_key, _settings()))
    for finding in check.findings:
        click.echo(("OK: " if check.ok else "FAILED: ") + finding, err=not check.ok)
    if not check.ok:
        raise SystemExit(1)


@click.command()
def checkpoint() -> None:
    """Sign a checkpoint of the journal's tree when the head has moved, send it to the
    witnesses (LEDGER_WITNESSES) that have not cosigned it, and print it with their cosignatures."""
    settings = _settings()
    engine = make_engine(settings.database_url)
    try:
        witnesses = parse_witnesses(settings.witnesses)
        published = publish_checkpoint(engine, log_signer(settings))
        for answer in request_cosignatures(engine, published, witnesses):
            click.echo(f"{answer.witness}: {answer.message}", err=True)
        with engine.connect() as connection:
            published = latest_checkpoint(connection)
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


@click.group()
def witness() -> None:
    """Run a witness that cosigns this ledger's checkpoints (c2sp.org/tlog-witness)."""


@witness.command("init")
@click.option("--name", required=True, help="The witness's name, a schema-less URL, e.g. witness.bmbf.de/ledger")
@click.option("--key", "key_file", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Where to write its key (PEM)")
def witness_init(name: str, key_file: Path) -> None:
    """Create the witness's key and print the verifier key to give the facility (LEDGER_WITNESSES)."""
    try:
        key = generate_key_file(key_file)
        verifier = VerifierKey(name, raw_public_key(key), COSIGNATURE_V1)
    except (ConfigurationError, NoteError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(verifier.text())


@witness.command("serve")
@click.option("--name", required=True, help="The name given to `ledger witness init`")
@click.option("--key", "key_file", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--log", "log_keys", required=True, multiple=True, help="Verifier key of a log to witness (from /api/v1/checkpoint/key)")
@click.option("--state", "state_file", required=True, type=click.Path(dir_okay=False, path_type=Path), help="JSON file of the last cosigned checkpoints")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=7380, show_default=True, type=int)
def witness_serve(name: str, key_file: Path, log_keys: tuple[str, ...], state_file: Path, host: str, port: int) -> None:
    """Serve POST /add-checkpoint: cosign each checkpoint that extends the last one cosigned."""
    try:
        logs = {key.name: key for key in map(VerifierKey.parse, log_keys)}
        server = make_server(Witness(name, load_key_file(key_file), logs, WitnessState(state_file)), host, port)
    except (ConfigurationError, NoteError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Witness {name} on http://{host}:{server.server_address[1]}/add-checkpoint for {', '.join(logs)}")
    server.serve_forever()
