"""The public datasets: what each is, where the API serves it, and which ledger tables it is
read from, so that its last change is the last journal entry that wrote to one of them.

This is the one declared mapping from datasets to what changes them. Every ledger row carries
the sequence number of the journal entry that wrote it (`journal_seq`), so a dataset's last
change is the greatest `journal_seq` over its tables: no list of entry kinds to keep in step
with the services (a motion's effect, say, writes the table it changes under `motion.closed`).
The journal itself changes with every entry; the checkpoints when one is signed.

The catalogue page, the Data Package, the zip and the dashboards' "Data:" captions all read
these declarations; the fields of each dataset come from its API resource model.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from sqlalchemy import Connection, func, literal, select, union_all

from ledger.db.tables import (
    AssessmentTable,
    Ballot,
    Budget,
    ComputePlan,
    ComputeReserve,
    ContributionScale,
    FiscalYear,
    GpuPool,
    InKindPledge,
    InKindStep,
    InstalmentTable,
    JournalEntry,
    LedgerSetting,
    Meeting,
    Member,
    MemberStatusChange,
    Motion,
    MotionEvent,
    PaymentReversal,
    PaymentTable,
    Presence,
    Project,
    ProjectAccount,
    Proxy,
    QuotaLedgerEntry,
    ScaleLine,
    StandingWaiver,
    UsageMonth,
    YearEvent,
)
from ledger.db.tlog import StoredCheckpoint
from ledger.queries.compute import compute_years
from ledger.queries.contributions import list_years

journal = JournalEntry.__table__
checkpoints_t = StoredCheckpoint.__table__


class Editions(Enum):
    """Whether a dataset is one file, or one per fiscal year or per year with a capacity plan."""

    ONE = "one"
    FISCAL_YEARS = "fiscal years"
    COMPUTE_YEARS = "years with a capacity plan"


@dataclass(frozen=True, slots=True)
class Dataset:
    """One published dataset.

    key: its name in the catalogue, the Data Package and the zip (lower case, hyphens).
    operation: the operationId of the /api/v1 route serving it (its fields are that route's model).
    path: the route's path, with {year} for a dataset published per year.
    tables: the ledger tables it is read from (its last change is the latest entry that wrote to one).
    query: fixed query parameters of the published file (the journal is exported whole).
    """

    key: str
    title: str
    description: str
    operation: str
    path: str
    tables: tuple[type, ...]
    editions: Editions = Editions.ONE
    query: tuple[tuple[str, str], ...] = ()

    def url(self, year: int | None = None, fmt: str | None = None) -> str:
        """The API URL of one edition (a year for a yearly dataset), as JSON or with ?format=csv."""
        path = self.path.format(year=year) if self.editions is not Editions.ONE else self.path
        query = [*self.query, *((("format", fmt),) if fmt and fmt != "json" else ())]
        return path + ("?" + "&".join(f"{k}={v}" for k, v in query) if query else "")

    def resource_name(self, year: int | None = None) -> str:
        """The edition's name in the Data Package and the file name (without .csv) in the zip."""
        return self.key if self.editions is Editions.ONE else f"{self.key}-{year}"


MEMBERSHIP = (Member, MemberStatusChange)
SCALES = (ContributionScale, ScaleLine)
SETTLEMENT = (FiscalYear, Budget, YearEvent, AssessmentTable, InstalmentTable, PaymentTable, PaymentReversal,
              InKindPledge, InKindStep, StandingWaiver, LedgerSetting, *SCALES, *MEMBERSHIP)
COMPUTE = (ComputePlan, GpuPool, ComputeReserve, QuotaLedgerEntry, UsageMonth, Project, ProjectAccount, AssessmentTable, *MEMBERSHIP)
JOURNAL_PAGE_ALL = "100000"

DATASETS: tuple[Dataset, ...] = (
    Dataset("members", "Members", "Every member state with its status today, the day it joined and, if it left, the day it withdrew.",
            "listMembers", "/api/v1/members", MEMBERSHIP),
    Dataset("years", "Fiscal years", "Each fiscal year's budget in the base currency and its status (draft, adopted, closed).",
            "listYears", "/api/v1/years", (FiscalYear, Budget, YearEvent)),
    Dataset("contributions", "Contributions by year",
            "Each member's share, assessment, cash paid, in-kind credited, outstanding amount, arrears and standing for one fiscal year.",
            "yearContributions", "/api/v1/years/{year}/contributions", SETTLEMENT, Editions.FISCAL_YEARS),
    Dataset("scales", "Scales of contributions",
            "Every adopted scale: its period, parameters (ceiling, floor, precision), the income measure, and each member's income and share.",
            "listScales", "/api/v1/scales", SCALES),
    Dataset("motions", "Board motions", "Every board motion with its kind, status, outcome and closing day; each motion's tally at /api/v1/motions/ID.",
            "listMotions", "/api/v1/motions", (Motion, MotionEvent, Meeting, Ballot, Presence, Proxy)),
    Dataset("projects", "Projects", "Projects, the Slurm account each member's use is charged through, and their safety level.",
            "listProjects", "/api/v1/projects", (Project, ProjectAccount)),
    Dataset("compute", "Compute by year",
            "A year's GPU capacity and reserves, and each member's quota, use, transfers, year-end lines, balance and use against contribution.",
            "yearCompute", "/api/v1/years/{year}/compute", COMPUTE, Editions.COMPUTE_YEARS),
    Dataset("compute-monthly", "Compute use by month", "Reference GPU-hours used in each month of a year, all members together.",
            "yearComputeMonthly", "/api/v1/years/{year}/compute/monthly", (UsageMonth, ComputePlan), Editions.COMPUTE_YEARS),
    Dataset("compute-levels", "Compute use by safety level", "Reference GPU-hours used in a year by projects of each safety level, SL-1 to SL-4.",
            "yearComputeLevels", "/api/v1/years/{year}/compute/levels", (UsageMonth, Project, ProjectAccount, ComputePlan), Editions.COMPUTE_YEARS),
    Dataset("journal", "Journal", "Every journal entry: sequence number, time, actor, kind, the canonical payload as hashed, and the hash chain.",
            "listJournal", "/api/v1/journal", (JournalEntry,), query=(("limit", JOURNAL_PAGE_ALL),)),
    Dataset("checkpoints", "Checkpoints", "Every signed checkpoint of the journal's Merkle tree, with its witnesses' cosignatures.",
            "listCheckpoints", "/api/v1/checkpoints", (StoredCheckpoint,)),
)
BY_KEY = {dataset.key: dataset for dataset in DATASETS}


@dataclass(frozen=True, slots=True)
class LastChange:
    """The journal entry that last changed a dataset (for checkpoints: the last one signed, and the entries it covers)."""

    seq: int
    at: datetime


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The datasets as published at one journal head: each one's years and last change."""

    head: int
    years: dict[str, tuple[int, ...]]
    changes: dict[str, LastChange | None]

    def editions(self, dataset: Dataset) -> tuple[int | None, ...]:
        return (None,) if dataset.editions is Editions.ONE else self.years[dataset.key]


def read_catalogue(connection: Connection) -> Catalogue:
    """Each dataset's editions and last change: one query over every table's greatest journal_seq."""
    tables = sorted({model.__table__.name: model.__table__ for dataset in DATASETS for model in dataset.tables
                     if model is not StoredCheckpoint}.items())
    latest = union_all(*(select(literal(name).label("name"), func.max(table.c.journal_seq if name != "journal_entry" else table.c.seq).label("seq"))
                         for name, table in tables)).subquery()
    seqs = {name: seq for name, seq in connection.execute(select(latest.c.name, latest.c.seq)) if seq}
    times = dict(connection.execute(select(journal.c.seq, journal.c.recorded_at).where(journal.c.seq.in_(set(seqs.values())))).all())
    signed = connection.execute(select(checkpoints_t.c.size, checkpoints_t.c.signed_at).order_by(checkpoints_t.c.size.desc()).limit(1)).first()
    changes: dict[str, LastChange | None] = {}
    for dataset in DATASETS:
        if dataset.tables == (StoredCheckpoint,):
            changes[dataset.key] = LastChange(signed.size, signed.signed_at) if signed else None
            continue
        found = [seqs[model.__table__.name] for model in dataset.tables if model.__table__.name in seqs]
        changes[dataset.key] = LastChange(max(found), times[max(found)]) if found else None
    fiscal = tuple(year.year for year in list_years(connection))
    planned = tuple(sorted(compute_years(connection)))
    years = {dataset.key: fiscal if dataset.editions is Editions.FISCAL_YEARS else planned
             for dataset in DATASETS if dataset.editions is not Editions.ONE}
    return Catalogue(seqs.get("journal_entry", 0), years, changes)
