"""Slurm usage ingestion on a real database: totals, deduplication, refusals, replacement of
running jobs, verification of batch digests, and the command line."""

from __future__ import annotations

import io
import json
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from ledger.cli import main as cli
from ledger.db.uow import UnitOfWork
from ledger.domain.access import Actor, Role, system_actor
from ledger.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ledger.domain.sacct_generator import ExportSpec, expected_usage, write_export
from ledger.queries.usage import monthly_usage, usage_by_member
from ledger.services.compute import assign_account, import_projects, register_project
from ledger.services.usage import IngestRefused, ingest_usage
from ledger.services.verification import verify_ledger

ACTOR = system_actor("test")
FACTORS = {"h100": Decimal("2.5"), "a100": Decimal("1")}
AS_OF = datetime(2025, 7, 1, tzinfo=UTC)
HOUR_MS = 3_600_000  # reference GPU-ms in one GPU-hour at factor 1
HEADER = "JobIDRaw|Cluster|Account|Submit|Start|End|ElapsedRaw|State|AllocTRES|JobName"
ACCOUNTS = {"deu-llm": "SL-2", "deu-safety": "SL-4", "fra-vision": "SL-1", "can-climate": "SL-3"}


@pytest.fixture
def projects(engine, members):
    """Four registered projects of DEU, FRA and CAN."""
    for account, level in ACCOUNTS.items():
        register_project(account[:3].upper(), f"Project {account}", account, level, actor=ACTOR, uow=UnitOfWork(engine))
    return tuple(ACCOUNTS)


def export(*rows: str) -> list[str]:
    """An export as the lines of a file: the header, then the rows as written."""
    return [line + "\n" for line in (HEADER, *rows)]


def job(job_id: int, account: str = "deu-llm", start: str = "2025-03-01T10:00:00", end: str = "2025-03-01T12:00:00",
        elapsed: str = "7200", state: str = "COMPLETED", tres: str = "cpu=8,gres/gpu=2", submit: str = "2025-03-01T09:00:00") -> str:
    return f"{job_id}|aurora|{account}|{submit}|{start}|{end}|{elapsed}|{state}|{tres}|train"


def ingest(engine, lines, **options):
    options = {"gpu_factors": FACTORS, "as_of": AS_OF, "actor": ACTOR, "engine": engine} | options
    return ingest_usage(lines, **options)


def count(engine, table: str) -> int:
    with engine.connect() as connection:
        return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def journal_size(engine) -> int:
    return count(engine, "journal_entry")


def per_member(engine, year: int) -> dict[str, int]:
    with engine.connect() as connection:
        return {usage.group: usage.reference_gpu_ms for usage in usage_by_member(connection, year)}


def per_month(engine, year: int, member: str | None = None) -> dict[str, int]:
    with engine.connect() as connection:
        return {usage.group: usage.reference_gpu_ms for usage in monthly_usage(connection, year, member)}


# A generated export it has never seen ------------------------------------------------------

SPEC = ExportSpec(accounts=tuple(ACCOUNTS), year=2025, gpu_types=("h100", "a100"), jobs=2_700, seed=20251)


@pytest.fixture(scope="module")
def generated() -> list[str]:
    stream = io.StringIO()
    write_export(SPEC, stream)
    return stream.getvalue().splitlines(keepends=True)


def test_published_usage_equals_the_exports_own_totals_and_a_second_run_changes_nothing(engine, projects, generated):
    assert len(generated) > 5_000
    summary = ingest(engine, generated, as_of=SPEC.as_of.replace(tzinfo=UTC), batch_rows=700)
    assert summary.bad_rows == 0 and summary.ingested > 2_000
    assert len(summary.entries) == -(-summary.ingested // 700)  # one entry per batch
    assert dict(summary.skipped).keys() >= {"job_step", "pending", "never_started", "no_gpus"}

    expected = expected_usage(SPEC, FACTORS)
    members: Counter = Counter()
    months: dict[str, Counter] = {}
    for (account, month), usage in expected.items():
        members[(month[:4], account[:3].upper())] += usage
        months.setdefault(account[:3].upper(), Counter())[month] += usage
    for year in (2025, 2026):  # jobs running over New Year are split into January
        assert per_member(engine, year) == {code: ms for (y, code), ms in members.items() if y == str(year)}
    for code, by_month in months.items():
        assert per_month(engine, 2025, code) | per_month(engine, 2026, code) == dict(by_month)
    assert summary.reference_gpu_ms == sum(expected.values())

    rows, entries = count(engine, "usage_job"), journal_size(engine)
    again = ingest(engine, generated, as_of=SPEC.as_of.replace(tzinfo=UTC), batch_rows=700)
    assert (again.ingested, again.duplicates, again.entries) == (0, summary.ingested, ())
    assert (count(engine, "usage_job"), journal_size(engine)) == (rows, entries)
    assert verify_ledger(engine).ok


def test_gpu_hours_are_read_from_the_monthly_rollup_as_decimals(engine, projects):
    # 2 GPUs for 2 hours, and 1 H100 (factor 2.5) for an hour across the end of March, half in each month.
    ingest(engine, export(job(1), job(2, start="2025-03-31T23:30:00", end="2025-04-01T00:30:00", elapsed="3600",
                                     tres="gres/gpu:h100=1,gres/gpu=1")))
    with engine.connect() as connection:
        march, april = monthly_usage(connection, 2025, "DEU")
        (germany,) = usage_by_member(connection, 2025)
    assert (march.group, march.gpu_hours, april.group, april.gpu_hours) == ("2025-03", Decimal("5.250"), "2025-04", Decimal("1.250"))
    assert (germany.group, germany.reference_gpu_ms, germany.gpu_hours) == ("DEU", 6_500 * 3_600, Decimal("6.500"))
    assert per_month(engine, 2025, "FRA") == {}


# Bad input ---------------------------------------------------------------------------------

BAD_ROWS = {
    "too few fields": ("12|aurora|deu-llm|2025-03-01T09:00:00", "too_few_fields", "4 fields; the header has 10"),
    "unparseable time": (job(12, start="yesterday"), "bad_time", "Start 'yesterday' is not a time"),
    "unparseable elapsed": (job(12, elapsed="2h"), "bad_elapsed", "ElapsedRaw '2h' is not whole seconds"),
    "End before Start": (job(12, end="2025-03-01T08:00:00"), "end_before_start", "End 2025-03-01T08:00:00 is before Start"),
    "negative GPU count": (job(12, tres="gres/gpu=-4"), "bad_gpus", "AllocTRES: 'gres/gpu=-4' needs a whole number of GPUs >= 0"),
    "unknown account": (job(12, account="ita-ghost"), "unknown_account", "account 'ita-ghost' is not a registered project's"),
    "unknown state": (job(12, state="EXPLODED"), "unknown_state", "unknown State 'EXPLODED'"),
    "JobIDRaw not a number": (job(12).replace("12|", "12a|", 1), "bad_job_id", "JobIDRaw '12a' is not a whole number"),
}


@pytest.mark.parametrize("case", sorted(BAD_ROWS))
def test_a_bad_row_is_reported_with_its_line_and_kept_out(engine, projects, case):
    row, reason, message = BAD_ROWS[case]
    summary = ingest(engine, export(job(10), job(11), row, job(13)))
    assert summary.ingested == 3 and summary.problem_counts == ((reason, 1),)
    report = "\n".join(summary.report_lines())
    if reason == "unknown_account":  # listed once per account, with its lines
        assert summary.problems == ()
        assert "unknown account 'ita-ghost': 1 rows, lines 4;" in report
    else:
        (problem,) = summary.problems
        assert (problem.line, problem.reason) == (4, reason)
        assert str(problem).startswith(f"line 4: {reason}: {message}")
        assert str(problem) in report
    assert per_month(engine, 2025) == {"2025-03": 3 * 4 * HOUR_MS}  # the three good rows, 4 GPU-hours each


@pytest.mark.parametrize("case", sorted(BAD_ROWS))
def test_strict_refuses_the_whole_file_on_a_bad_row_storing_nothing(engine, projects, case):
    row, reason, message = BAD_ROWS[case]
    entries = journal_size(engine)
    good = [job(job_id) for job_id in range(100, 130)]
    # Two earlier chunks were already written in the transaction when the bad row is read.
    with pytest.raises(IngestRefused) as refused:
        ingest(engine, export(*good, row), strict=True, batch_rows=10)
    assert f"line {len(good) + 2}: {reason}: {message}" in str(refused.value)
    assert "nothing was stored" in str(refused.value)
    assert (count(engine, "usage_job"), count(engine, "usage_month"), journal_size(engine)) == (0, 0, entries)


def test_strict_stores_a_good_file_in_one_transaction_and_one_entry(engine, projects):
    told: list[int] = []
    summary = ingest(engine, export(*(job(job_id) for job_id in range(100, 130))), strict=True, batch_rows=10,
                     progress=told.append)
    assert (summary.ingested, len(summary.entries), count(engine, "usage_job")) == (30, 1, 30)
    assert sum(told) == summary.rows_read == 30
    assert verify_ledger(engine).ok


def test_unknown_accounts_are_listed_with_their_lines(engine, projects):
    summary = ingest(engine, export(job(1, account="ita-ghost"), job(2), job(3, account="ita-ghost"), job(4, account="esp-x")))
    assert [(u.account, u.rows, u.lines) for u in summary.unknown_accounts] == [("esp-x", 1, (5,)), ("ita-ghost", 2, (2, 4))]
    report = "\n".join(summary.report_lines())
    assert "unknown account 'ita-ghost': 2 rows, lines 2, 4; register it with `ledger projects add`" in report
    assert per_member(engine, 2025) == {"DEU": 4 * HOUR_MS}


@pytest.mark.parametrize(
    "first_line, message",
    [
        ("12|aurora|deu-llm|2025-03-01T09:00:00|2025-03-01T10:00:00|2025-03-01T12:00:00|7200|COMPLETED|gres/gpu=2|x",
         "header: the first line is not a sacct header and no column list was given; give the --format list"),
        ("JobID,Account,Start,End,State", "header: the first line is not a sacct header"),
        ("JobIDRaw|Account|Submit|State", "header: not a sacct header; missing Start, End, AllocTRES. The ledger needs "
         "JobIDRaw, Cluster (or a default cluster), Account, Submit, Start, End, ElapsedRaw (or Elapsed), State and AllocTRES"),
    ],
)
def test_a_file_whose_columns_cannot_be_known_is_refused_with_the_columns_and_the_command(engine, projects, first_line, message):
    entries = journal_size(engine)
    with pytest.raises(IngestRefused) as refused:
        ingest(engine, [first_line + "\n", job(1) + "\n"])
    assert message in str(refused.value)
    assert "sacct --allusers --allocations --parsable2 --format=JobIDRaw,Cluster,Account,Submit,Start,End,ElapsedRaw," in str(refused.value)
    assert "nothing was stored" in str(refused.value)
    assert (count(engine, "usage_job"), journal_size(engine)) == (0, entries)


def test_an_empty_file_and_a_file_with_no_cluster_are_refused(engine, projects):
    with pytest.raises(IngestRefused, match="the export is empty"):
        ingest(engine, [])
    no_cluster = ["JobIDRaw|Account|Submit|Start|End|ElapsedRaw|State|AllocTRES\n"]
    with pytest.raises(IngestRefused, match="the export has no Cluster column"):
        ingest(engine, no_cluster)
    with pytest.raises(IngestRefused, match="a cluster name"):
        ingest(engine, no_cluster, cluster="a|b")
    assert ingest(engine, no_cluster + ["7|deu-llm|2025-03-01T09:00:00|2025-03-01T10:00:00|2025-03-01T11:00:00|3600|COMPLETED|gres/gpu=1\n"],
                  cluster="lumi").ingested == 1


# Running jobs ------------------------------------------------------------------------------

def running(job_id: int, elapsed: int = 7200) -> str:
    """Running since 22:00 on 2 GPUs: ElapsedRaw 2 hours (all in June) when exported at AS_OF."""
    return job(job_id, end="Unknown", elapsed=str(elapsed), state="RUNNING", start="2025-06-30T22:00:00", submit="2025-06-30T21:00:00")


def finished(job_id: int) -> str:
    """The same job finished at 04:00: 6 hours on 2 GPUs, 2 in June and 4 in July."""
    return job(job_id, end="2025-07-01T04:00:00", elapsed="21600", start="2025-06-30T22:00:00", submit="2025-06-30T21:00:00")


RUNNING, FINISHED = running(50), finished(50)


def test_a_running_row_is_replaced_by_its_finished_row_and_counts_once(engine, projects):
    first = ingest(engine, export(RUNNING))  # running for 2 hours at AS_OF, 2 GPUs
    assert per_month(engine, 2025) == {"2025-06": 4 * HOUR_MS}
    same = ingest(engine, export(RUNNING))
    assert (same.ingested, same.duplicates) == (0, 1)
    finished = ingest(engine, export(FINISHED))
    assert (finished.ingested, finished.replaced_running, finished.duplicates) == (1, 1, 0)
    assert per_month(engine, 2025) == {"2025-06": 4 * HOUR_MS, "2025-07": 8 * HOUR_MS}
    assert first.reference_gpu_ms + finished.reference_gpu_ms == 12 * HOUR_MS
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, revision, supersedes_id, provisional, state FROM usage_job ORDER BY id")).all()
    assert [tuple(row) for row in rows] == [(1, 0, None, True, "RUNNING"), (2, 1, 1, False, "COMPLETED")]
    assert ingest(engine, export(RUNNING, FINISHED)).duplicates == 2  # a stale running row changes nothing
    assert verify_ledger(engine).ok


def test_a_running_row_seen_later_again_is_extended_and_its_finished_row_in_the_same_file_wins(engine, projects):
    ingest(engine, export(RUNNING))
    later = ingest(engine, export(running(50, elapsed=4 * 3600)))  # exported two hours later
    assert later.replaced_running == 1
    assert per_month(engine, 2025) == {"2025-06": 4 * HOUR_MS, "2025-07": 4 * HOUR_MS}
    both = ingest(engine, export(running(51), finished(51)))
    assert (both.ingested, both.replaced_running) == (2, 1)
    assert per_month(engine, 2025)["2025-07"] == 4 * HOUR_MS + 8 * HOUR_MS


def test_a_requeued_job_counts_each_run_and_repeated_lines_count_once(engine, projects):
    requeued = job(60, end="2025-03-01T11:00:00", elapsed="3600", state="REQUEUED")
    rerun = job(60, submit="2025-03-01T11:00:00", start="2025-03-01T11:00:00", end="2025-03-01T12:00:00", elapsed="3600")
    summary = ingest(engine, export(requeued, rerun, rerun))
    assert (summary.ingested, summary.duplicates) == (2, 1)
    assert per_month(engine, 2025) == {"2025-03": 4 * HOUR_MS}


# Verification ------------------------------------------------------------------------------

USAGE_JOB_COLUMNS = ("id, cluster, job_id, submitted_at, revision, supersedes_id, account, project_id, state, "
                     "started_at, ended_at, gpus, reference_gpu_ms, provisional, line, journal_seq")


def _inserted_row(engine, row_id: int, seq: int) -> str:
    submit = "'2025-03-01 09:00:00'" if engine.dialect.name == "sqlite" else "'2025-03-01 09:00:00+00'"
    return (f"INSERT INTO usage_job ({USAGE_JOB_COLUMNS}) VALUES ({row_id}, 'aurora', 999, {submit}, 0, NULL, 'deu-llm', "
            f"1, 'COMPLETED', {submit}, {submit}, 1, 0, false, 99, {seq})")


TAMPERING = {
    "gpus changed": (lambda engine, seq, last: "UPDATE usage_job SET gpus = gpus + 1 WHERE id = 2",
                     "usage_job rows 1 to 3 differ from the digest the entry recorded in sha256"),
    "usage changed": (lambda engine, seq, last: "UPDATE usage_job SET reference_gpu_ms = 1 WHERE id = 3",
                      "differ from the digest the entry recorded in sums, sha256"),
    "row deleted": (lambda engine, seq, last: "DELETE FROM usage_job WHERE id = 2",
                    "usage_job 2 recorded but missing from the database"),
    "last row deleted": (lambda engine, seq, last: "DELETE FROM usage_job WHERE id = 3",
                         "usage_job 3 recorded but missing from the database"),
    "row inserted": (lambda engine, seq, last: _inserted_row(engine, 4, seq),
                     "usage_job 4 claims entry {seq} but entry {seq} does not record it: inserted outside the application"),
    "row inserted on another entry": (lambda engine, seq, last: _inserted_row(engine, 4, 1),
                                      "1 usage_job row claims entry 1, which records none: inserted outside the application"),
    "row with no entry": (lambda engine, seq, last: _inserted_row(engine, 4, last + 50),
                          "claims entry {last_plus} but no journal entry has that sequence number"),
    "rollup changed": (lambda engine, seq, last: "UPDATE usage_month SET delta_ms = delta_ms + 1",
                       "usage_month 1 differs from what the entry recorded in delta_ms"),
}


@pytest.mark.parametrize("change", sorted(TAMPERING))
def test_verify_names_the_batch_entry_when_usage_is_changed_in_sql(engine, projects, change):
    summary = ingest(engine, export(job(1), job(2), job(3)))
    (seq,) = summary.entries
    assert verify_ledger(engine).ok
    last = journal_size(engine)
    statement, phrase = TAMPERING[change]
    with engine.begin() as connection:
        connection.execute(text(statement(engine, seq, last)))
    report = verify_ledger(engine)
    assert not report.ok
    first = report.problems[0]
    expected_seq = {"row inserted on another entry": 1, "row with no entry": last + 50}.get(change, seq)
    assert first.seq == expected_seq, [str(p) for p in report.problems]
    assert phrase.format(seq=seq, last_plus=last + 50) in str(first)


def test_the_batch_entry_states_its_digest_and_lines(engine, projects):
    summary = ingest(engine, export(job(1), "1.batch|aurora|deu-llm|x|x|x|0|COMPLETED||batch", job(2)))
    with engine.connect() as connection:
        payload = connection.execute(text("SELECT payload FROM journal_entry WHERE seq = :s"), {"s": summary.entries[0]}).scalar_one()
    entry = json.loads(payload)
    digest = entry["digests"]["usage_job"]
    assert (digest["rows"], digest["first_id"], digest["last_id"], digest["sums"]) == (2, 1, 2, {"reference_gpu_ms": 8 * HOUR_MS})
    assert len(digest["sha256"]) == 64 and entry["details"] == {"first_line": 2, "last_line": 4}
    assert [row["table"] for row in entry["rows"]] == ["usage_month"]
    assert "alice" not in payload and "train" not in payload  # no user or job names


# Projects ----------------------------------------------------------------------------------


def test_registering_projects_checks_everything(engine, members):
    with pytest.raises(ValidationFailed) as refused:
        register_project("DEU", "x", "bad account", "SL-9", actor=ACTOR, uow=UnitOfWork(engine))
    assert {problem.field for problem in refused.value.problems} == {"title", "account", "safety_level"}
    project = register_project("deu", "Large  language models", "DEU-LLM", "sl-2", actor=ACTOR, uow=UnitOfWork(engine))
    assert (project.member_code, project.title, project.account, project.safety_level, project.code) == (
        "DEU", "Large language models", "deu-llm", "SL-2", "DEU-LLM")
    with pytest.raises(Conflict, match="deu-llm belongs to project"):
        register_project("DEU", "Again", "deu-llm", "SL-1", actor=ACTOR, uow=UnitOfWork(engine))
    with pytest.raises(NotFound, match="no member with code ITA"):
        register_project("ITA", "Italian project", "ita-x", "SL-1", actor=ACTOR, uow=UnitOfWork(engine))
    with pytest.raises(Forbidden):
        register_project("DEU", "Treasurer's", "deu-t", "SL-1", actor=Actor("user:9", Role.TREASURER), uow=UnitOfWork(engine))
    secretariat = Actor("user:8", Role.SECRETARIAT)
    assert register_project("FRA", "Vision", "fra-vision", "SL-1", actor=secretariat, uow=UnitOfWork(engine)).id
    with pytest.raises(Forbidden):
        ingest(engine, export(job(1)), actor=Actor("user:7", Role.DELEGATE, "DEU"))


@pytest.mark.parametrize("account", ["ac10000", "ec313", "chaff", "IscrC_CLIMA", "naiss2025-5-123", "project_465000123"])
def test_any_valid_slurm_account_name_is_registered_and_charged_case_insensitively(engine, members, account):
    project = register_project("DEU", "Site account", account, "SL-2", actor=ACTOR, uow=UnitOfWork(engine))
    assert project.account == account.lower() and project.code == account.upper()
    summary = ingest(engine, export(job(1, account=account.upper()), job(2, account=account.lower())))
    assert summary.ingested == 2 and summary.bad_rows == 0
    assert per_member(engine, 2025) == {"DEU": 8 * HOUR_MS}
    assert verify_ledger(engine).ok


@pytest.mark.parametrize("account", ["", "a b", "a|b", "a,b", "a=b", "'ac1'", "x" * 65])
def test_an_invalid_account_name_is_refused_naming_the_field_and_nothing_is_stored(engine, members, account):
    entries = journal_size(engine)
    with pytest.raises(ValidationFailed) as refused:
        register_project("DEU", "Bad account", account, "SL-2", actor=ACTOR, uow=UnitOfWork(engine))
    assert [problem.field for problem in refused.value.problems] == ["account"]
    assert "a Slurm account name as sacct prints it" in str(refused.value)
    assert (count(engine, "project"), journal_size(engine)) == (0, entries)


def test_a_project_has_several_accounts_and_an_account_moves_from_a_date_as_a_journaled_fact(engine, members):
    register_project("DEU", "Language models", "ac10000", "SL-2", code="LLM", actor=ACTOR, uow=UnitOfWork(engine))
    register_project("FRA", "Vision", "ec313", "SL-1", code="VISION", actor=ACTOR, uow=UnitOfWork(engine))
    assign_account("AC10001", "llm", actor=ACTOR, uow=UnitOfWork(engine))  # a second account, from the beginning
    march = ingest(engine, export(job(1, account="ac10000"), job(2, account="ac10001"), job(3, account="ec313")))
    assert march.ingested == 3
    assert per_member(engine, 2025) == {"DEU": 8 * HOUR_MS, "FRA": 4 * HOUR_MS}

    entries = journal_size(engine)
    with pytest.raises(Conflict, match="a move must be dated after it"):  # usage up to 1 March is published
        assign_account("ac10000", "VISION", "2025-03-01", actor=ACTOR, uow=UnitOfWork(engine))
    with pytest.raises(ValidationFailed, match="valid_from"):
        assign_account("ac10000", "VISION", actor=ACTOR, uow=UnitOfWork(engine))
    with pytest.raises(NotFound, match="no project with code NOPE"):
        assign_account("ac10000", "NOPE", "2025-04-01", actor=ACTOR, uow=UnitOfWork(engine))
    assert journal_size(engine) == entries
    fact = assign_account("ac10000", "VISION", "2025-04-01", actor=ACTOR, uow=UnitOfWork(engine))
    assert (fact.account, fact.member_code, fact.valid_from.isoformat()) == ("ac10000", "FRA", "2025-04-01")
    with pytest.raises(Conflict, match="a move must be later"):
        assign_account("ac10000", "LLM", "2025-03-15", actor=ACTOR, uow=UnitOfWork(engine))

    # A job started on 31 March stays Germany's, one started on 1 April is France's.
    april = ingest(engine, export(job(4, account="ac10000", start="2025-03-31T22:00:00", end="2025-03-31T23:00:00", elapsed="3600"),
                                  job(5, account="AC10000", start="2025-04-01T00:00:00", end="2025-04-01T01:00:00", elapsed="3600")))
    assert april.ingested == 2
    assert per_month(engine, 2025, "DEU") == {"2025-03": 10 * HOUR_MS}
    assert per_month(engine, 2025, "FRA") == {"2025-03": 4 * HOUR_MS, "2025-04": 2 * HOUR_MS}
    assert verify_ledger(engine).ok


def test_projects_import_a_csv_of_accounts_all_or_nothing(engine, members):
    rows = [
        {"account": "ac10000", "member": "DEU", "project": "LLM", "safety_level": "SL-2", "title": "Language models"},
        {"account": "ac10001", "member": "DEU", "project": "LLM", "safety_level": "SL-2"},
        {"account": "chaff", "member": "CAN", "project": "CHAFF", "safety_level": "SL-4"},
    ]
    bad = rows + [{"account": "a b", "member": "DEU", "project": "X", "safety_level": "SL-9"},
                  {"account": "ec313", "member": "ITA", "project": "Y", "safety_level": "SL-1"}]
    entries = journal_size(engine)
    with pytest.raises(ValidationFailed) as refused:
        import_projects(bad, actor=ACTOR, uow=UnitOfWork(engine))
    fields = [problem.field for problem in refused.value.problems]
    assert fields == ["row 5.account", "row 5.safety_level", "row 6"], refused.value.problems
    assert "no member with code ITA" in str(refused.value)
    assert (count(engine, "project"), count(engine, "project_account"), journal_size(engine)) == (0, 0, entries)
    with pytest.raises(ValidationFailed, match="header: missing safety_level"):
        import_projects([{"account": "x", "member": "DEU", "project": "X"}], actor=ACTOR, uow=UnitOfWork(engine))

    assert import_projects(rows, actor=ACTOR, uow=UnitOfWork(engine)) == (2, 1)
    assert journal_size(engine) == entries + 1
    summary = ingest(engine, export(job(1, account="ac10000"), job(2, account="AC10001"), job(3, account="chaff")))
    assert summary.ingested == 3
    assert per_member(engine, 2025) == {"DEU": 8 * HOUR_MS, "CAN": 4 * HOUR_MS}
    assert verify_ledger(engine).ok


# Command line ------------------------------------------------------------------------------


def test_the_command_line_ingests_prints_the_summary_and_exits_1_on_a_refused_file(engine, members, tmp_path, monkeypatch):
    monkeypatch.setenv("LEDGER_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    runner = CliRunner()
    added = runner.invoke(cli, ["projects", "add", "DEU", "Large language models", "deu-llm", "--level", "SL-2"])
    assert added.exit_code == 0, added.output
    assert "account deu-llm, SL-2" in added.output
    assert runner.invoke(cli, ["projects", "add", "DEU", "Bad", "fra x", "--level", "SL-2"]).exit_code == 1
    site = runner.invoke(cli, ["projects", "add", "DEU", "Site account", "ac10000", "--level", "SL-2", "--project", "llm2"])
    assert site.exit_code == 0 and "Registered project LLM2" in site.output and "account ac10000" in site.output
    csv_file = tmp_path / "projects.csv"
    csv_file.write_text("account,member,project,safety_level\nEC313,FRA,VISION,SL-1\nchaff,FRA,VISION,SL-1\n")
    imported = runner.invoke(cli, ["projects", "import", str(csv_file)])
    assert imported.exit_code == 0, imported.output
    assert "1 projects registered, 1 accounts added or moved" in imported.output
    moved = runner.invoke(cli, ["projects", "account", "chaff", "LLM2", "--from", "2026-01-01"])
    assert moved.exit_code == 0 and "Account chaff charged to project LLM2 of DEU from 2026-01-01" in moved.output

    good = tmp_path / "aurora.sacct"
    good.write_text("".join(export(job(1), job(2, account="ita-ghost"), job(3, state="PENDING"))))
    done = runner.invoke(cli, ["ingest-usage", str(good), "--as-of", "2025-07-01T00:00:00"])
    assert done.exit_code == 0, done.output
    for phrase in ("Rows read: 3", "Ingested: 1 (0 replaced running jobs)", "Skipped: pending 1",
                   "Problems: unknown_account 1", "unknown account 'ita-ghost': 1 rows, lines 3", "Usage added: 4.000"):
        assert phrase in done.output
    again = runner.invoke(cli, ["ingest-usage", str(good), "--as-of", "2025-07-01T00:00:00"])
    assert "Ingested: 0" in again.output and "Duplicates: 1" in again.output

    headless = tmp_path / "headless.sacct"
    headless.write_text(job(5) + "\n")
    refused = runner.invoke(cli, ["ingest-usage", str(headless)])
    assert refused.exit_code == 1
    assert "Refused" in refused.output and "the first line is not a sacct header and no column list was given" in refused.output

    bad = tmp_path / "bad.sacct"
    bad.write_text("".join(export(job(6), job(7, end="2025-02-01T00:00:00"))))
    strict = runner.invoke(cli, ["ingest-usage", str(bad), "--strict"])
    assert strict.exit_code == 1
    assert "line 3: end_before_start" in strict.output
    assert count(engine, "usage_job") == 1
    assert runner.invoke(cli, ["verify"]).exit_code == 0


def test_dry_run_prints_the_reconciliation_report_and_stores_nothing(engine, members, tmp_path, monkeypatch):
    monkeypatch.setenv("LEDGER_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    runner = CliRunner()
    assert runner.invoke(cli, ["projects", "add", "DEU", "Site account", "ac10000", "--level", "SL-2"]).exit_code == 0
    headerless = tmp_path / "noheader.sacct"
    # sacct --noheader --parsable, local time in Oslo: 23:30-00:30 CET is wholly January in UTC.
    headerless.write_text(
        "1|aurora|ac10000|2025-01-31T22:00:00|2025-01-31T23:30:00|2025-02-01T00:30:00|3600|COMPLETED|gres/gpu=4,gres/gpumem=320G|\n"
        "1.batch|aurora|ac10000|2025-01-31T22:00:00|2025-01-31T23:30:00|2025-02-01T00:30:00|3600|COMPLETED|gres/gpu=4,gres/gpumem=320G|\n"
        "2|aurora|chaff|2025-01-31T22:00:00|2025-01-31T23:00:00|Unknown|1800|RUNNING|gres/gpu=2|\n")
    fmt = "JobIDRaw,Cluster,Account,Submit,Start,End,ElapsedRaw,State,AllocTRES"
    entries = journal_size(engine)
    refused = runner.invoke(cli, ["ingest-usage", str(headerless), "--dry-run"])
    assert refused.exit_code == 1 and "no column list was given" in refused.output
    checked = runner.invoke(cli, ["ingest-usage", str(headerless), "--dry-run", "--format", fmt, "--timezone", "Europe/Oslo"])
    assert checked.exit_code == 0, checked.output
    assert "Dry run: nothing was stored or journaled" in checked.output
    assert "Skipped: job_step 1" in checked.output and "unknown account 'chaff'" in checked.output
    report = checked.output[checked.output.index("Reconciliation"):]
    assert "aurora       2025-01 state   COMPLETED                        1          4.000" in report
    assert "aurora       2025-01 account chaff                            1          1.000" in report
    assert "aurora       2025-01 total                                    2          5.000" in report
    assert (count(engine, "usage_job"), journal_size(engine)) == (0, entries)
    stored = runner.invoke(cli, ["ingest-usage", str(headerless), "--format", fmt, "--timezone", "Europe/Oslo"])
    assert stored.exit_code == 0 and "Ingested: 1" in stored.output
    assert per_month(engine, 2025, "DEU") == {"2025-01": 4 * HOUR_MS}
    bad_zone = runner.invoke(cli, ["ingest-usage", str(headerless), "--format", fmt, "--timezone", "Mars/Base"])
    assert bad_zone.exit_code == 1 and "timezone: an IANA time zone name" in bad_zone.output


def test_cluster_time_zones_and_the_reporting_time_zone_are_settings(engine, projects):
    from ledger.services.contributions import change_setting

    change_setting("cluster_time_zones", "aurora=Europe/Oslo, lumi=Europe/Helsinki", "Board, item 3",
                   actor=ACTOR, uow=UnitOfWork(engine))
    # 23:30 to 00:30 local on aurora (CET, UTC+1) and on lumi (EET, UTC+2), across the end of January.
    rows = [job(1, start="2025-01-31T23:30:00", end="2025-02-01T00:30:00", elapsed="3600", submit="2025-01-31T23:00:00"),
            job(2, start="2025-01-31T23:30:00", end="2025-02-01T00:30:00", elapsed="3600", submit="2025-01-31T23:00:00").replace("|aurora|", "|lumi|")]
    assert ingest(engine, export(*rows)).ingested == 2
    assert per_month(engine, 2025, "DEU") == {"2025-01": 4 * HOUR_MS}  # all in January in UTC
    again = ingest(engine, export(*(row.replace("T23:30:00", "T23:30:00+01:00").replace("T00:30:00", "T00:30:00+01:00")
                                     for row in rows[:1])))
    assert (again.ingested, again.duplicates) == (0, 1)  # the same job written with its offset

    change_setting("reporting_time_zone", "Asia/Tokyo", "Board, item 4", actor=ACTOR, uow=UnitOfWork(engine))
    # 30 March 14:30 to 15:30 UTC is 23:30 to 00:30 in Tokyo: split between March and April.
    tokyo = ingest(engine, export(job(3, start="2025-03-31T14:30:00", end="2025-03-31T15:30:00", elapsed="3600"),), timezone="UTC")
    assert tokyo.ingested == 1
    assert per_month(engine, 2025, "DEU") == {"2025-01": 4 * HOUR_MS, "2025-03": HOUR_MS, "2025-04": HOUR_MS}
    with pytest.raises(ValidationFailed, match="an IANA time zone name"):
        change_setting("reporting_time_zone", "Nowhere/City", "x", actor=ACTOR, uow=UnitOfWork(engine))
    assert verify_ledger(engine).ok


def test_dry_run_with_strict_still_refuses_a_bad_file(engine, projects):
    entries = journal_size(engine)
    with pytest.raises(IngestRefused, match="line 3: bad_time"):
        ingest(engine, export(job(1), job(2, start="yesterday")), dry_run=True, strict=True)
    summary = ingest(engine, export(job(1), job(2, start="yesterday")), dry_run=True)
    assert summary.dry_run and summary.ingested == 0 and summary.problem_counts == (("bad_time", 1),)
    assert [(line.by, line.group, line.jobs, line.gpu_seconds) for line in summary.reconciliation] == [
        ("state", "COMPLETED", 1, 4 * 3600), ("account", "deu-llm", 1, 4 * 3600)]
    assert journal_size(engine) == entries and count(engine, "usage_job") == 0


def test_parsing_in_worker_processes_stores_exactly_what_one_process_does(engine, projects, generated, backend, monkeypatch):
    if backend != "sqlite":
        pytest.skip("the same code path on both; once is enough for the processes' start-up time")
    monkeypatch.setattr("ledger.services.usage.BLOCK_LINES", 400)  # many blocks, results kept in order
    sequential = ingest(engine, generated[:3_000], as_of=SPEC.as_of.replace(tzinfo=UTC), dry_run=True)
    parallel = ingest(engine, generated[:3_000], as_of=SPEC.as_of.replace(tzinfo=UTC), dry_run=True, workers=2)
    assert parallel == sequential and parallel.rows_read > 2_500
    summary = ingest(engine, generated, as_of=SPEC.as_of.replace(tzinfo=UTC), workers=2, batch_rows=700)
    expected = expected_usage(SPEC, FACTORS)
    assert summary.reference_gpu_ms == sum(expected.values()) and summary.bad_rows == 0
    assert verify_ledger(engine).ok
