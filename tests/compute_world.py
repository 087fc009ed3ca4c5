"""Builders of a small compute ledger on a real database, shared by the compute tests.

`build_facility` gives four members with assessed years 2023-2026; `build_compute_world`
adds a 2025 plan, allocated quotas, four projects at every safety level, usage in three
months ingested from a small export, an adopted quota transfer and an adjustment, with the
figures each of those should publish in `EXPECTED`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import text

from ledger.db.uow import UnitOfWork
from ledger.domain.access import Actor, Role, system_actor
from ledger.queries.compute import compute_year
from ledger.services import compute
from ledger.services import contributions
from ledger.services import governance
from ledger.services.members import admit_member
from ledger.services.usage import ingest_usage

SECRETARIAT = system_actor("test")
TODAY = date(2026, 11, 22)
HOUR_MS = 3_600_000
MEMBERS = ("AUT", "BEL", "DEU", "FRA")
INCOMES = {"AUT": "10", "BEL": "20", "DEU": "40", "FRA": "30"}
POOLS = [
    {"type": "h100", "count": "60", "availability": "0.9", "factor": "2.5"},
    {"type": "a100", "count": "40", "availability": "1", "factor": "1"},
]
RESERVES = {"open_calls": "10", "safety_labs": "5"}
# 2025 has 8,760 hours: 60 x 8,760 x 0.9 x 2.5 + 40 x 8,760 = 1,182,600 + 350,400.
CAPACITY_2025 = 1_533_000


def rows(engine, table: str) -> int:
    with engine.connect() as connection:
        return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def entries(engine) -> int:
    return rows(engine, "journal_entry")


def published(engine, year: int = 2025):
    with engine.connect() as connection:
        return compute_year(connection, year)


def plan(engine, year: int = 2025, pools=POOLS, reserves=RESERVES, actor=SECRETARIAT) -> int:
    return compute.record_compute_plan(year, pools, reserves, "Board, 10 December 2024, item 7", actor=actor, uow=UnitOfWork(engine))


def allocate(engine, year: int = 2025, on_date: str = "2025-01-02") -> int:
    return compute.allocate_quotas(year, on_date, today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(engine))


def build_facility(engine) -> tuple[str, ...]:
    """Four members since 2020 on a 2023-2026 scale; 2023 to 2026 opened with their budgets adopted."""
    for code in MEMBERS:
        admit_member(code, None, "member", "2020-01-01", actor=SECRETARIAT, uow=UnitOfWork(engine))
    proposal = contributions.propose_scale(2023, 2026, INCOMES, ceiling="", floor="", precision="0.001", associate_factor="10",
                                     uow=UnitOfWork(engine))
    contributions.adopt_scale(proposal, income_measure="test incomes", decision="Board 2022", adopted_on="2022-12-01", today=TODAY,
                        actor=SECRETARIAT, uow=UnitOfWork(engine))
    for year in (2023, 2024, 2025, 2026):
        contributions.open_year(year, f"{year}-03-31", "1000000.00", actor=SECRETARIAT, uow=UnitOfWork(engine))
        contributions.adopt_budget(year, "Board", f"{year - 1}-12-01", today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(engine))
    return MEMBERS


def pay_everything(engine, codes=MEMBERS) -> None:
    for code in codes:
        amount = str(Decimal(INCOMES[code]) * 10_000 * 4)  # a share of 1,000,000 a year, four years
        contributions.record_payment(code, "2023-01-15", "EUR", amount, "1", "2023-01-15", "ECB", f"PAY-{code}", today=TODAY,
                               actor=SECRETARIAT, uow=UnitOfWork(engine))




def delegate(code: str) -> Actor:
    return Actor(f"user:{code}", Role.DELEGATE, code)


def adopt(engine, motion_id: int, on_date: str = "2025-06-12") -> str:
    """Open a motion, have every member vote yes, close it; return the outcome."""
    governance.open_motion(motion_id, on_date, today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(engine))
    for code in MEMBERS:
        governance.cast_ballot(motion_id, code, "yes", today=date.fromisoformat(on_date), actor=delegate(code), uow=UnitOfWork(engine))
    return governance.close_motion(motion_id, on_date, today=TODAY, actor=SECRETARIAT, uow=UnitOfWork(engine))


def set_carry_over(engine, rule: str = "up to 10 %") -> None:
    """The board sets quota_carry_over by a setting motion at its latest meeting (that of
    12 June 2025), whose adoption applies it: once the ledger holds the board's decisions a
    setting changes only so; before the first recorded meeting free text cites the decision
    (ledger.services.contributions.cite_board_decision, issue 13 item 8)."""
    with engine.connect() as connection:
        meeting = connection.execute(text("SELECT max(id) FROM meeting")).scalar()
    if meeting is None:
        contributions.change_setting("quota_carry_over", rule, "Board, 2025", actor=SECRETARIAT, uow=UnitOfWork(engine))
        return
    motion = governance.propose_motion(meeting, "Carry-over of GPU-hours", f"Unused GPU-hours carry over {rule}.", "setting",
                                       "simple_majority", "equal", "roll_call", {"key": "quota_carry_over", "value": rule},
                                       actor=SECRETARIAT, uow=UnitOfWork(engine))
    assert adopt(engine, motion) == "adopted"


PROJECTS = (
    ("AUT", "Alpine weather models", "aut-weather", "SL-1"),
    ("DEU", "Large language models", "deu-llm", "SL-2"),
    ("FRA", "Vision foundation models", "fra-vision", "SL-3"),
    ("FRA", "Frontier model evaluations", "fra-evals", "SL-4"),
)

EXPORT = [
    "JobIDRaw|Cluster|Account|Submit|Start|End|ElapsedRaw|State|AllocTRES|JobName\n",
    # 4 H100 from 31 March 20:00 to 1 April 02:00: 4 h in March, 2 h in April, x 4 GPUs x 2.5.
    "1|aurora|deu-llm|2025-03-31T19:00:00|2025-03-31T20:00:00|2025-04-01T02:00:00|21600|COMPLETED|cpu=64,gres/gpu:h100=4|pretrain\n",
    "2|aurora|fra-vision|2025-04-10T00:00:00|2025-04-10T00:00:00|2025-04-10T10:00:00|36000|FAILED|gres/gpu=2|train\n",
    "3|aurora|fra-evals|2025-05-02T00:00:00|2025-05-02T00:00:00|2025-05-02T03:00:00|10800|CANCELLED by 42|gres/gpu:a100=8|eval|red team\n",
    "4|aurora|aut-weather|2025-05-03T00:00:00|2025-05-03T01:00:00|2025-05-03T02:00:00|3600|COMPLETED|gres/gpu:h100=1|ensemble\n",
    "5|aurora|aut-weather|2025-05-04T00:00:00|Unknown|Unknown|0|PENDING|cpu=4|queued\n",
]


@dataclass(frozen=True, slots=True)
class Expected:
    """What `build_compute_world` should publish for 2025, in GPU-hours."""

    capacity: int = CAPACITY_2025
    reserved: int = 229_950  # 15 % of 1,533,000
    quotas: tuple[tuple[str, int], ...] = (("AUT", 130_305), ("BEL", 260_610), ("DEU", 521_220), ("FRA", 390_915))
    used: tuple[tuple[str, Decimal], ...] = (("AUT", Decimal("2.500")), ("DEU", Decimal("60.000")), ("FRA", Decimal("44.000")))
    monthly: tuple[tuple[str, Decimal], ...] = (("2025-03", Decimal("40.000")), ("2025-04", Decimal("40.000")), ("2025-05", Decimal("26.500")))
    by_level: tuple[tuple[str, Decimal], ...] = (("SL-1", Decimal("2.500")), ("SL-2", Decimal("60.000")), ("SL-3", Decimal("20.000")), ("SL-4", Decimal("24.000")))
    transfer: tuple[str, str, int] = ("DEU", "AUT", 50_000)
    adjustment: tuple[str, Decimal] = ("BEL", Decimal("-120.5"))


EXPECTED = Expected()


def build_compute_world(engine) -> Expected:
    """The facility with a 2025 compute ledger in use; returns what it should publish."""
    build_facility(engine)
    pay_everything(engine)
    plan(engine)
    allocate(engine)
    for project in PROJECTS:
        compute.register_project(*project, actor=SECRETARIAT, uow=UnitOfWork(engine))
    ingest_usage(EXPORT, as_of=datetime(2025, 6, 1, tzinfo=UTC), actor=SECRETARIAT, engine=engine)
    meeting = governance.schedule_meeting("Board, June 2025", "2025-06-12", actor=SECRETARIAT, uow=UnitOfWork(engine))
    governance.record_presence(meeting, list(MEMBERS), actor=SECRETARIAT, uow=UnitOfWork(engine))
    giver, receiver, hours = EXPECTED.transfer
    motion = governance.propose_motion(meeting, "Lend GPU-hours", f"{giver} lends {hours:,} GPU-hours of 2025 to {receiver}.",
                                  "quota_transfer", "simple_majority", "equal", "roll_call",
                                  {"year": 2025, "from": giver, "to": receiver, "gpu_hours": hours},
                                  actor=SECRETARIAT, uow=UnitOfWork(engine))
    assert adopt(engine, motion) == "adopted"
    code, hours_adjusted = EXPECTED.adjustment
    compute.adjust_quota(2025, code, str(hours_adjusted), "pool B down for three days (incident 42)",
                         actor=SECRETARIAT, uow=UnitOfWork(engine))
    return EXPECTED
