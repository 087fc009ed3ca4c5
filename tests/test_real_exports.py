"""Real sacct exports from other sites' tools (tests/data/sacct/README.md), ingested as their
operators would, publish per member and month what an independent computation from the raw
lines gives, running jobs included; the same jobs in another layout change nothing."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ledger.db.uow import UnitOfWork
from ledger.domain.access import system_actor
from ledger.queries.usage import monthly_usage
from ledger.services.compute import assign_account, register_project
from ledger.services.usage import ingest_usage
from ledger.services.verification import verify_ledger

DATA = Path(__file__).parent / "data" / "sacct"
ACTOR = system_actor("test")
XDMOD_FORMAT = ("jobid,jobidraw,cluster,partition,qos,account,group,gid,user,uid,submit,eligible,start,end,elapsed,"
                "exitcode,state,nnodes,ncpus,reqcpus,reqmem,reqtres,alloctres,timelimit,nodelist,jobname")


def independent_usage(rows: list[dict[str, str]], member_of: dict[str, str]) -> dict[str, Counter]:
    """GPU-milliseconds per member and UTC month of the job's start, from the raw fields: the
    allocation lines only (no '.' in the id), not PENDING, GPUs from gres/gpu=N (typed when
    present), seconds from ElapsedRaw else Elapsed. Every sample job lies within one month."""
    found: dict[str, Counter] = {}
    for row in rows:
        job_id = row.get("jobidraw") or row["jobid"]
        if "." in job_id or row["state"] == "PENDING":
            continue
        typed = [int(n) for n in re.findall(r"gres/gpu:[^=,]+=(\d+)", row["alloctres"])]
        gpus = sum(typed) if typed else sum(int(n) for n in re.findall(r"gres/gpu=(\d+)", row["alloctres"]))
        if "elapsedraw" in row:
            seconds = int(row["elapsedraw"])
        else:
            days, _, clock = row["elapsed"].rpartition("-")
            h, m, s = (int(part) for part in clock.split(":"))
            seconds = int(days or 0) * 86400 + h * 3600 + m * 60 + s
        start = datetime.fromisoformat(row["start"])
        start = start.replace(tzinfo=UTC) if start.tzinfo is None else start.astimezone(UTC)
        if gpus * seconds:
            found.setdefault(member_of[row["account"]], Counter())[f"{start:%Y-%m}"] += gpus * seconds * 1000
    return found


def published(engine, years) -> dict[str, Counter]:
    found: dict[str, Counter] = {}
    with engine.connect() as connection:
        for year in years:
            for member in ("DEU", "FRA", "CAN", "KOR"):
                for usage in monthly_usage(connection, year, member):
                    found.setdefault(member, Counter())[usage.group] += usage.reference_gpu_ms
    return found


def journal_size(engine) -> int:
    from sqlalchemy import text
    with engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM journal_entry")).scalar_one()


def register(engine, accounts: dict[str, str]) -> None:
    """One project per member, with each of the member's accounts (as the site named them)."""
    first: dict[str, str] = {}
    for account, member in accounts.items():
        if member not in first:
            first[member] = account
            register_project(member, f"Projects of {member}", account, "SL-2", code=f"{member}-SITE", actor=ACTOR,
                             uow=UnitOfWork(engine))
        else:
            assign_account(account, f"{member}-SITE", actor=ACTOR, uow=UnitOfWork(engine))


# ceems: header, offsets, no Cluster column, running jobs ---------------------------------

CEEMS_ACCOUNTS = {"acc1": "DEU", "acc2": "FRA", "acc3": "CAN", "acc4": "KOR", "testacc": "DEU"}


def ceems_rows() -> tuple[list[str], list[dict[str, str]]]:
    lines = (DATA / "ceems-testdata-sacct.txt").read_text().splitlines(keepends=True)
    names = [name.lower() for name in lines[0].strip().split("|")]
    return lines, [dict(zip(names, line.rstrip("\n").split("|"), strict=True)) for line in lines[1:]]


def test_the_ceems_export_publishes_the_independent_gpu_hours_running_jobs_included(engine, members):
    register(engine, CEEMS_ACCOUNTS)
    lines, rows = ceems_rows()
    summary = ingest_usage(lines, cluster="ceems", gpu_factors={}, actor=ACTOR, engine=engine)
    assert (summary.rows_read, summary.ingested, summary.bad_rows) == (12, 12, 0)
    expected = independent_usage(rows, CEEMS_ACCOUNTS)
    assert expected["CAN"]["2023-02"] == 8 * (789 + 3000 + 17) * 1000  # a running job's 17 s included
    assert published(engine, (2022, 2023)) == expected
    states = Counter()
    for line in summary.reconciliation:
        if line.by == "state":
            states[line.group] += line.jobs
    assert states == {"CANCELLED": 10, "RUNNING": 2}
    feb = {(line.by, line.group): line.jobs for line in summary.reconciliation if line.month == "2023-02"}
    assert feb[("state", "CANCELLED")] == 8 and feb[("state", "RUNNING")] == 2 and feb[("account", "acc1")] == 3
    assert verify_ledger(engine).ok


@pytest.mark.parametrize("layout", ["noheader_parsable_local_time", "semicolons_header_local_time"])
def test_the_same_ceems_jobs_in_another_layout_change_nothing(engine, members, layout):
    register(engine, CEEMS_ACCOUNTS)
    lines, rows = ceems_rows()
    ingest_usage(lines, cluster="ceems", gpu_factors={}, actor=ACTOR, engine=engine)
    entries = journal_size(engine)
    paris = ZoneInfo("Europe/Paris")

    def local(text: str) -> str:
        return text if text == "Unknown" else datetime.fromisoformat(text).astimezone(paris).strftime("%Y-%m-%dT%H:%M:%S")

    names = lines[0].strip().split("|")
    rewritten = [[local(row[name.lower()]) if name in ("Submit", "Start", "End") else row[name.lower()] for name in names]
                 for row in rows]
    if layout == "noheader_parsable_local_time":
        again = ingest_usage(["|".join(fields) + "|\n" for fields in rewritten], cluster="ceems", gpu_factors={},
                             columns=",".join(names), timezone="Europe/Paris", actor=ACTOR, engine=engine)
    else:
        again = ingest_usage([";".join(names) + "\n"] + [";".join(fields) + "\n" for fields in rewritten], cluster="ceems",
                             gpu_factors={}, delimiter=";", timezone="Europe/Paris", actor=ACTOR, engine=engine)
    assert (again.ingested, again.duplicates, again.bad_rows) == (0, 12, 0)
    assert journal_size(engine) == entries


# Open XDMoD: headerless shredder format, Elapsed only, RUNNING and PENDING -----------------

XDMOD_ACCOUNTS = {"anon": "DEU", "dspumpkins": "FRA", "anonacct": "CAN", "ccr": "KOR", "chaff": "KOR"}


def test_the_xdmod_shredder_export_is_read_with_its_format_list(engine, members):
    register(engine, XDMOD_ACCOUNTS)
    lines = (DATA / "xdmod-shredder-slurm.log").read_text().splitlines(keepends=True)
    names = XDMOD_FORMAT.split(",")
    rows = [dict(zip(names, line.rstrip("\n").split("|"), strict=True)) for line in lines]
    dry = ingest_usage(lines, columns=XDMOD_FORMAT, timezone="UTC", gpu_factors={}, dry_run=True, actor=ACTOR, engine=engine)
    assert dry.dry_run and journal_size(engine) > 0 and dry.ingested == 0
    summary = ingest_usage(lines, columns=XDMOD_FORMAT, timezone="UTC", gpu_factors={}, actor=ACTOR, engine=engine)
    # CPU jobs carry no GPU; the GPU job ran no time; the pending job is skipped before its account is looked up.
    assert dict(summary.skipped) == {"no_gpus": 4, "pending": 1}
    assert (summary.ingested, summary.bad_rows, summary.unknown_accounts) == (1, 0, ())
    assert published(engine, (2015, 2016, 2020)) == independent_usage(rows, XDMOD_ACCOUNTS) == {}
    assert [(line.cluster, line.month, line.by, line.group, line.jobs) for line in summary.reconciliation] == [
        ("ub-hpc", "2016-08", "state", "COMPLETED", 1), ("ub-hpc", "2016-08", "account", "ccr", 1)]
    assert verify_ledger(engine).ok
