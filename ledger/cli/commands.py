"""Commands: init, demo, serve, verify, report, users add|list|deactivate|reactivate|set-role|reset-password, projects add, compute plan|allocate|close,
ingest-usage. Each reads settings from the environment.

Long because every command of the command line is here, each a thin wrapper parsing its
options and calling one use case or query; the file is their one index."""

from __future__ import annotations

import csv
import functools
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from sqlalchemy import Engine, func, select

from ledger.cli.tlog import held_checkpoint, published_pdf, register_tlog_commands, witness_demo_checkpoint
from ledger.config import ConfigurationError, Settings
from ledger.db.engine import make_engine
from ledger.db.schema import upgrade
from ledger.db.tables import JournalEntry
from ledger.db.uow import UnitOfWork
from ledger.domain.access import system_actor
from ledger.domain.errors import DomainError
from ledger.domain.invariants import INVARIANTS
from ledger.domain.journal import PublishedEntry
from ledger.domain.text import control_character_problems
from ledger.reports.model import LANGUAGES as REPORT_LANGUAGES
from ledger.services import compute, officials
from ledger.demo import load_demo
from ledger.services.officials import add_official
from ledger.services.usage import IngestRefused, ingest_usage
from ledger.services.verification import VerificationReport, verify_export, verify_ledger

console = Console(stderr=True)


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from error


@contextmanager
def _database() -> Iterator[Engine]:
    """The configured database, its connections closed when the command ends."""
    engine = make_engine(_settings().database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def _run(use_case, *args, **options):
    """Run a use case as the system, turning a refusal into the command's error message."""
    with _refusal_as_error(), _database() as engine:
        return use_case(*args, **options, actor=system_actor(), uow=UnitOfWork(engine))


def _read(build, *args, **options):
    """Build a report as of today from the database, turning a refusal (no such year...) into the command's error message."""
    with _refusal_as_error(), _database() as engine, engine.connect() as connection:
        return build(connection, *args, _settings().today(), **options)


@contextmanager
def _refusal_as_error() -> Iterator[None]:
    try:
        yield
    except DomainError as error:
        raise click.ClickException(str(error)) from error


@click.group()
def main() -> None:
    """The Member Ledger: contributions, compute and board votes of a public research facility."""


@main.command()
def init() -> None:
    """Create the database schema, or upgrade it to the latest revision."""
    with _database() as engine:
        revision = upgrade(engine)
        click.echo(f"Schema at revision {revision} on {engine.url.render_as_string(hide_password=True)}")


@main.command()
def demo() -> None:
    """Load the demo facility (idempotent); prints each new demo official's password once; the
    checkpoint of the loaded journal is cosigned by two member states' witnesses run locally."""
    with _database() as engine:
        upgrade(engine)
        load_demo(engine, click.echo, today=_settings().today())
        witness_demo_checkpoint(engine, _settings())


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="gunicorn worker processes")
def serve(host: str, port: int, workers: int) -> None:
    """Serve the web app: gunicorn where installed, else Flask's development server."""
    from ledger.web import create_app

    settings = _settings()
    try:
        from gunicorn.app.base import BaseApplication
    except ImportError:
        create_app(settings).run(host=host, port=port, debug=False)
        return

    class LedgerServer(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("accesslog", "-")

        def load(self):
            return create_app(settings)

    click.echo(f"Serving on http://{host}:{port}/ with {workers} gunicorn workers")
    LedgerServer().run()


@main.command()
@click.option(
    "--export",
    "export_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Check a downloaded journal (CSV or JSON from /api/v1/journal) instead of the database.",
)
@click.option(
    "--checkpoint",
    "checkpoint_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A signed checkpoint (from /api/v1/checkpoint) the journal must extend.",
)
@click.option("--key", "verifier_key", help="The verifier key trusted (default: this ledger's signing key); a checkpoint by another key of the journal's key rotations is followed to it.")
def verify(export_file: Path | None, checkpoint_file: Path | None, verifier_key: str | None) -> None:
    """Recompute the hash chain and the Merkle tree and check every ledger row against its journal entry."""
    against = held_checkpoint(checkpoint_file, verifier_key, _settings()) if checkpoint_file else None
    if export_file:
        report = verify_export(_read_export(export_file), against=against)
    else:
        with _database() as engine:
            with engine.connect() as connection:
                total = connection.execute(select(func.count()).select_from(JournalEntry)).scalar_one()
            with Progress(
                TextColumn("Verifying the journal"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                console=console, transient=True, disable=total < 50_000,
            ) as progress:
                task = progress.add_task("verify", total=total)
                report = verify_ledger(engine, progress=lambda n: progress.advance(task, n), against=against)
    _print_report(report, rows_checked=export_file is None)
    if against is not None:
        click.echo(f"The journal extends the signed checkpoint of {against.claimed.size} entries (root {against.claimed.root.hex()}).")


def _print_report(report: VerificationReport, *, rows_checked: bool) -> None:
    scope = f"{report.entries} entries and {report.rows} ledger rows" if rows_checked else f"{report.entries} entries"
    invariants = f"; {len(INVARIANTS)} invariants hold" if rows_checked else ""
    if report.ok:
        click.echo(f"OK: {scope} verified{invariants}. Head: entry {report.head.seq}, hash {report.head.hash}")
        return
    if report.problems:
        click.echo(f"FAILED: {len(report.problems)} problem(s) in {scope}. First bad entry: {report.problems[0].seq}", err=True)
        for problem in report.problems:
            click.echo(f"  {problem}", err=True)
    if report.invariant_problems:
        click.echo(f"FAILED: {len(report.invariant_problems)} invariant problem(s):", err=True)
        for problem in report.invariant_problems:
            click.echo(f"  {problem}", err=True)
    sys.exit(1)


def _read_export(path: Path) -> Iterator[PublishedEntry]:
    """Entries from the API's CSV (pages may be concatenated) or JSON ({"entries": [...]})."""
    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith(("{", "[")):
        document = json.loads(text)
        records = document["entries"] if isinstance(document, dict) else document
    else:
        records = (row for row in csv.DictReader(text.splitlines(keepends=True)) if row["seq"] != "seq")
    for record in records:
        yield PublishedEntry(int(record["seq"]), record["payload"], record["prev_hash"], record["hash"])


@main.group()
def report() -> None:
    """PDF reports."""


@report.command("annual")
@click.argument("year", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Where to write the PDF (default: annual-report-YEAR.pdf).")
@click.option("--lang", type=click.Choice(REPORT_LANGUAGES), default="en", show_default=True, help="The report's language.")
def report_annual(year: int, output: Path | None, lang: str) -> None:
    """Write the annual report of an adopted or closed year (PDF/A-3, its tables attached as CSV)."""
    from ledger.reports.annual import build_annual_report
    from ledger.reports.render import render_annual_report

    report_data = _read(build_annual_report, year, lang=lang)
    target = output or Path(f"annual-report-{year}{'' if lang == 'en' else '-' + lang}.pdf")
    target.write_bytes(published_pdf(report_data, render_annual_report))
    click.echo(f"Wrote {target} ({report_data.status}, figures as of {report_data.as_of})")


@report.command("statement")
@click.argument("year", type=int)
@click.argument("code")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Where to write the PDF.")
@click.option("--lang", type=click.Choice(REPORT_LANGUAGES), default="en", show_default=True, help="The statement's language.")
def report_statement(year: int, code: str, output: Path | None, lang: str) -> None:
    """Write a member's statement of account for a year."""
    from ledger.reports.annual import build_member_statement
    from ledger.reports.render import render_member_statement

    statement = _read(build_member_statement, year, code.upper(), lang=lang)
    target = output or Path(f"statement-{year}-{code.upper()}{'' if lang == 'en' else '-' + lang}.pdf")
    target.write_bytes(render_member_statement(statement))
    click.echo(f"Wrote {target}")


@main.group()
def users() -> None:
    """Officials' accounts."""


@users.command("add")
@click.argument("email")
@click.option("--role", required=True, help="secretariat, treasurer, delegate or auditor")
@click.option("--member", default=None, help="ISO 3166-1 alpha-3 code; required for a delegate")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
def users_add(email: str, role: str, member: str | None, password_stdin: bool) -> None:
    """Add an official; the password is prompted for, or read from standard input."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    official = _run(add_official, email, password, role, member)
    click.echo(f"Added user:{official.id} {official.email} as {official.role.value}")


@users.command("list")
def users_list() -> None:
    """List officials: account, e-mail, role, state, second factor."""
    with _database() as engine:
        for user in officials.list_officials(engine):
            bound = f" for {user['member_code']}" if user["member_code"] else ""
            state = "active" if user["active"] else "deactivated"
            factor = "second factor" if user["second_factor"] else "no second factor"
            click.echo(f"user:{user['id']}\t{user['email']}\t{user['role']}{bound}\t{state}\t{factor}")


@users.command("deactivate")
@click.argument("user_id", type=click.IntRange(1, 2**31 - 1))
def users_deactivate(user_id: int) -> None:
    """Deactivate an official: no more sign-ins, every session ends."""
    _run(officials.deactivate_official, user_id)
    click.echo(f"Deactivated user:{user_id}")


@users.command("reactivate")
@click.argument("user_id", type=click.IntRange(1, 2**31 - 1))
def users_reactivate(user_id: int) -> None:
    """Reactivate a deactivated official."""
    _run(officials.reactivate_official, user_id)
    click.echo(f"Reactivated user:{user_id}")


@users.command("set-role")
@click.argument("user_id", type=click.IntRange(1, 2**31 - 1))
@click.argument("role")
def users_set_role(user_id: int, role: str) -> None:
    """Give an official another role (not to or from delegate); its sessions end."""
    _run(officials.set_official_role, user_id, role)
    click.echo(f"user:{user_id} is now {role.strip().lower()}")


@users.command("reset-password")
@click.argument("user_id", type=click.IntRange(1, 2**31 - 1))
@click.option("--password-stdin", is_flag=True, help="Read the temporary password from standard input (for scripts).")
def users_reset_password(user_id: int, password_stdin: bool) -> None:
    """Set a temporary password, to be changed at the next sign-in; every session ends."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Temporary password", hide_input=True, confirmation_prompt=True)
    _run(officials.reset_password, user_id, password)
    click.echo(f"Reset the password of user:{user_id}; it must be changed at the next sign-in")


@main.group()
def projects() -> None:
    """Research projects and their Slurm accounts."""


@projects.command("add")
@click.argument("code")
@click.argument("title")
@click.argument("account")
@click.option("--level", "safety_level", required=True, help="safety level, SL-1 to SL-4")
@click.option("--project", "project_code", default=None, help="the project's own code (default: the account in upper case)")
def projects_add(code: str, title: str, account: str, safety_level: str, project_code: str | None) -> None:
    """Register a project of member CODE, charged through the Slurm ACCOUNT as the site named it."""
    project = _run(compute.register_project, code, title, account, safety_level, code=project_code)
    click.echo(f"Registered project {compute.project_code(project)}: {project.title} ({project.member_code}), "
               f"account {project.account}, {project.safety_level}")


@projects.command("account")
@click.argument("account")
@click.argument("project")
@click.option("--from", "valid_from", default=None, metavar="YYYY-MM-DD",
              help="The day the account is charged to PROJECT from (required to move a registered account).")
@click.option("--member", default=None, help="The member charged (default: the project's member).")
def projects_account(account: str, project: str, valid_from: str | None, member: str | None) -> None:
    """Charge the Slurm ACCOUNT to PROJECT (its code): a further account, or a move from a date."""
    fact = _run(compute.assign_account, account, project, valid_from, member)
    since = f"from {fact.valid_from.isoformat()}" if fact.valid_from else "from the beginning"
    click.echo(f"Account {fact.account} charged to project {project.strip().upper()} of {fact.member_code} {since}")


@projects.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def projects_import(file: Path) -> None:
    """Register projects and accounts from a CSV with the columns account, member, project,
    safety_level (and optionally title, valid_from); nothing is stored if any row is bad."""
    with open(file, encoding="utf-8-sig", newline="") as source:
        rows = [{(key or "").strip().lower(): (value or "").strip() for key, value in row.items()}
                for row in csv.DictReader(source)]
    registered, added = _run(compute.import_projects, rows)
    click.echo(f"Imported {file}: {registered} projects registered, {added} accounts added or moved")


@main.group("compute")
def compute_group() -> None:
    """Capacity plans, quota allocation and the year-end closing of the GPU-hour ledger."""


def _pool(value: str) -> dict[str, str]:
    parts = value.split(":")
    if len(parts) != 4:
        raise click.BadParameter(f"{value!r} is not TYPE:COUNT:AVAILABILITY:FACTOR, e.g. h100:60000:0.95:2.5", param_hint="--pool")
    return dict(zip(("type", "count", "availability", "factor"), parts))


def _reserve(value: str) -> tuple[str, str]:
    name, equals, percent = value.partition("=")
    if not equals:
        raise click.BadParameter(f"{value!r} is not NAME=PERCENT, e.g. open_calls=10", param_hint="--reserve")
    return name, percent


@compute_group.command("plan")
@click.argument("year", type=int)
@click.option("--pool", "pools", multiple=True, required=True, metavar="TYPE:COUNT:AVAILABILITY:FACTOR",
              help="A pool of identical GPUs, repeatable, e.g. h100:60000:0.95:2.5 (factor: reference GPU-hours per hour).")
@click.option("--reserve", "reserves", multiple=True, metavar="NAME=PERCENT",
              help="A reserve taken off capacity before member quotas, repeatable, e.g. open_calls=10.")
@click.option("--decision", required=True, help="The board decision the plan follows.")
def compute_plan(year: int, pools: tuple[str, ...], reserves: tuple[str, ...], decision: str) -> None:
    """Record YEAR's accelerator pools and reserves; a later plan replaces it until quotas are allocated."""
    plan_id = _run(compute.record_compute_plan, year, [_pool(value) for value in pools], dict(map(_reserve, reserves)), decision)
    click.echo(f"Recorded capacity plan {plan_id} for {year}")


@compute_group.command("allocate")
@click.argument("year", type=int)
@click.option("--on", "on_date", default=None, metavar="YYYY-MM-DD", help="The allocation date (default: today); "
              "members suspended that day are treated by the quota_suspension setting.")
def compute_allocate(year: int, on_date: str | None) -> None:
    """Credit YEAR's reserves and member quotas from its latest plan, in proportion to the year's assessments."""
    today = _settings().today()
    members = _run(compute.allocate_quotas, year, on_date or today.isoformat(), today=today)
    click.echo(f"Allocated the quotas of {year} to {members} members")


@compute_group.command("close")
@click.argument("year", type=int)
@click.option("--on", "on_date", default=None, metavar="YYYY-MM-DD", help="The closing date (default: today), after the year's end.")
def compute_close(year: int, on_date: str | None) -> None:
    """Carry each member's unused GPU-hours of YEAR into the next year or forfeit them (quota_carry_over setting)."""
    today = _settings().today()
    members = _run(compute.close_compute_year, year, on_date or today.isoformat(), today=today)
    click.echo(f"Closed the GPU-hour ledger of {year} for {members} members")


def _as_of(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a time such as 2026-01-08T00:00:00", param_hint="--as-of") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


@main.command("ingest-usage")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--cluster", default=None, help="Cluster of rows with no Cluster column or an empty one.")
@click.option("--strict", is_flag=True, help="Refuse the whole file on its first bad row, storing nothing.")
@click.option("--dry-run", is_flag=True, help="Check the file and print its reconciliation report; store nothing.")
@click.option("--timezone", "timezone", default=None, metavar="ZONE",
              help="IANA time zone of the export's times (e.g. Europe/Oslo); default: the cluster_time_zones "
              "setting, else UTC. Times with an offset are taken as written.")
@click.option("--format", "columns", default=None, metavar="COLUMNS",
              help="The --format list given to sacct, for an export without a header line (sacct --noheader).")
@click.option("--delimiter", default="|", show_default=True, help="The --delimiter given to sacct.")
@click.option(
    "--as-of", "as_of", default=None, metavar="TIME",
    help="When sacct was run (ISO 8601, UTC unless an offset is given): only for an export with neither "
    "ElapsedRaw nor Elapsed, whose running jobs are charged up to it; such an export needs it.",
)
@click.option("--report", "show_report", is_flag=True, help="Print the reconciliation report after ingesting too.")
@click.option("--workers", type=click.IntRange(0, 64), default=0, show_default=True,
              help="Worker processes that parse blocks of lines while this one deduplicates and writes "
              "(0 parses in this process: on 2 cores it was the faster, see bench/ingest.py).")
def ingest_usage_command(file: Path, cluster: str | None, strict: bool, dry_run: bool, timezone: str | None,
                         columns: str | None, delimiter: str, as_of: str | None, show_report: bool,
                         workers: int) -> None:
    """Ingest a Slurm sacct export (--parsable2 or --parsable, with a header or --format) into the usage ledger.

    Typed GPUs (gres/gpu:TYPE=N) count at the factor the capacity plans give their type;
    untyped ones at 1. Running jobs are charged their ElapsedRaw from Start.
    """
    from ledger.domain.reconciliation import report_text

    moment = _as_of(as_of)
    with _database() as engine, open(file, encoding="utf-8", errors="replace") as export:
        with Progress(
            TextColumn(f"{'Checking' if dry_run else 'Ingesting'} {file.name}"), BarColumn(), DownloadColumn(),
            TransferSpeedColumn(), TimeRemainingColumn(), console=console, transient=True, disable=not console.is_terminal,
        ) as bar:
            task = bar.add_task("ingest", total=file.stat().st_size)
            try:
                summary = ingest_usage(
                    export, cluster=cluster, strict=strict, as_of=moment, timezone=timezone, columns=columns,
                    delimiter=delimiter, dry_run=dry_run, workers=workers,
                    # The text layer reads ahead in blocks; its buffer's position is close enough.
                    progress=lambda _lines: bar.update(task, completed=export.buffer.tell()),
                    actor=system_actor(), engine=engine,
                )
            except IngestRefused as refused:
                bar.stop()
                click.echo(f"Refused {file}:", err=True)
                for problem in refused.problems:
                    click.echo(f"  {problem}", err=True)
                sys.exit(1)
            except DomainError as error:
                raise click.ClickException(str(error)) from error
    click.echo(f"{'Checked (dry run)' if dry_run else 'Ingested'} {file}")
    for line in summary.report_lines():
        click.echo(line)
    if dry_run or show_report:
        click.echo("")
        click.echo("Reconciliation (per cluster and month; hold it against sreport):")
        for line in report_text(summary.reconciliation):
            click.echo(line)


register_tlog_commands(main)


def _refusing_control_characters(callback):
    """A command's callback that first refuses any text argument or option holding a control
    character, naming it, with the web's rule (ledger.domain.text)."""

    @functools.wraps(callback)
    def checked(**params):
        given = [(name, str(item)) for name, value in params.items()
                 for item in (value if isinstance(value, (tuple, list)) else (value,)) if isinstance(item, (str, Path))]
        problems = control_character_problems(given)
        if problems:
            raise click.UsageError("; ".join(f"{problem.field.replace('_', '-')}: {problem.message}" for problem in problems))
        return callback(**params)

    return checked


def _check_every_command(group: click.Group) -> None:
    for command in group.commands.values():
        if isinstance(command, click.Group):
            _check_every_command(command)
        elif command.callback is not None:
            command.callback = _refusing_control_characters(command.callback)


_check_every_command(main)
