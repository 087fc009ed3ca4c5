"""Declared invariants of the ledger: pure checks over facts summed by SQL, run by `ledger verify`.

In the style of beancount's validations (beancount/ops/validation.py): each check is a
function ``(facts) -> list of problems`` and one declared tuple, `INVARIANTS`, runs them
all, so an auditor sees every broken rule at once. The facts are aggregates the queries
compute in SQL (`ledger.queries.invariants`); a check only compares them with the rule.
Every problem names the year, member, motion or row it is about.

The hash chain says whether rows were changed behind the application's back; these say
whether the figures still obey the rules, which also catches a defect of the application.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from ledger.domain.compute import REFERENCE_GPU_MS_PER_GPU_HOUR, gpu_hours
from ledger.domain.members import MembershipTimeline
from ledger.domain.money import format_minor

SHARE_UNITS_PER_PERCENT = 10**9
"""Shares are summed in SQL as whole billionths of a percent: exact for any declared precision
down to 1e-9 %, and the same integer on SQLite and PostgreSQL."""

HUNDRED_PERCENT = 100 * SHARE_UNITS_PER_PERCENT

EFFECT_KINDS = {
    "fiscal_year_event": ("budget",),
    "scale": ("scale",),
    "member_status_change": ("accession", "withdrawal"),
    "standing_waiver": ("arrears_waiver",),
    "quota_entry": ("quota_transfer",),
    "ledger_setting": ("setting",),
}
"""The motion kinds whose adopted effect writes rows of each table (ledger.services.governance.EFFECTS)."""

_CITED_MOTION = re.compile(r"motion #(\d+)")


@dataclass(frozen=True, slots=True)
class InvariantProblem:
    """A broken invariant: which one, what it is about (a year, member, motion or row) and what is wrong."""

    invariant: str
    subject: str
    message: str

    def __str__(self) -> str:
        return f"{self.invariant}: {self.subject}: {self.message}"


@dataclass(frozen=True, slots=True)
class ShareTotal:
    """The shares of a scale or of a year's assessments, summed in billionths of a percent."""

    subject: str
    total: int


@dataclass(frozen=True, slots=True)
class YearTotals:
    """A year whose budget is adopted: its latest budget and what its assessments sum to (minor units)."""

    year: int
    currency: str
    budget_minor: int
    assessed_minor: int


@dataclass(frozen=True, slots=True)
class AllocationTotal:
    """A year's allocation: its plan's capacity and the credit lines (reserves and quotas) written from it."""

    year: int
    plan_id: int
    capacity_gpu_hours: int
    credited_ms: int


@dataclass(frozen=True, slots=True)
class AssessedMember:
    """A positive assessment and the dates of its fiscal year."""

    year: int
    member: str
    amount_minor: int
    currency: str
    starts_on: date
    ends_on: date


@dataclass(frozen=True, slots=True)
class MemberClosing:
    """A member's ledger of a closed year, as of the closing entry, in reference GPU-ms.

    usable_ms: lines that are neither frozen nor the closing's own, minus usage journaled
    up to the closing. carried_out_ms: what the closing carried out (positive when hours
    were carried, negative when an overdraft was). balance_ms: every line minus that usage.
    """

    year: int
    member: str
    usable_ms: int
    carried_out_ms: int
    balance_ms: int


@dataclass(frozen=True, slots=True)
class Carry:
    """What a member carried out of a year and what arrived in the next one (reference GPU-ms)."""

    year: int
    member: str
    carried_out_ms: int
    carried_in_ms: int


@dataclass(frozen=True, slots=True)
class TransferTotal:
    """The transfer lines written under a motion, summed (the out and in lines cancel)."""

    motion_id: int | None
    lines: int
    total_ms: int


@dataclass(frozen=True, slots=True)
class ClosedMotion:
    """A closed motion: its kind, closing day, outcome, the snapshot the closing stored, and the
    members whose ballots its rows hold (a secret ballot's snapshot names no voter)."""

    motion_id: int
    kind: str
    closed_on: date
    outcome: str
    snapshot_json: str
    voters: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EffectRow:
    """A row that an adopted motion's effect wrote, found by the motion it is tied to.

    Rows are tied to a motion by being written in the journal entry of its closing, or
    (quota_entry) by their motion_id; motion_kind and outcome are None for a motion that
    does not exist or was never closed.
    """

    table: str
    row_id: int
    what: str
    motion_id: int | None
    motion_kind: str | None
    outcome: str | None


@dataclass(frozen=True, slots=True)
class Citation:
    """A decision text (of a budget, scale, waiver, plan or setting) naming "motion #N": the
    motion's kind and closing outcome (None when no such motion was closed)."""

    table: str
    row_id: int
    what: str
    motion_id: int
    motion_kind: str | None
    outcome: str | None


def cited_motions(decision: str) -> tuple[int, ...]:
    """The motion numbers a decision text cites as "motion #N"."""
    return tuple(int(number) for number in _CITED_MOTION.findall(decision))


@dataclass(frozen=True, slots=True)
class LedgerFacts:
    """What the invariants read, each aggregate computed by one grouped query."""

    scale_shares: tuple[ShareTotal, ...]
    year_shares: tuple[ShareTotal, ...]
    year_totals: tuple[YearTotals, ...]
    allocations: tuple[AllocationTotal, ...]
    assessed: tuple[AssessedMember, ...]
    timelines: tuple[MembershipTimeline, ...]
    closings: tuple[MemberClosing, ...]
    carries: tuple[Carry, ...]
    transfers: tuple[TransferTotal, ...]
    closed_motions: tuple[ClosedMotion, ...]
    effect_rows: tuple[EffectRow, ...]
    citations: tuple[Citation, ...]


def _percent(units: int) -> str:
    return f"{units / SHARE_UNITS_PER_PERCENT:.9f}".rstrip("0").rstrip(".") + " %"


def shares_sum_to_100(facts: LedgerFacts) -> list[InvariantProblem]:
    """Every scale's shares and every year's assessed shares sum to exactly 100 % (largest
    remainder rounding, DESIGN.md Scale of contributions)."""
    return [
        InvariantProblem("shares_sum_to_100", total.subject, f"the shares sum to {_percent(total.total)}, not 100 %")
        for total in (*facts.scale_shares, *facts.year_shares)
        if total.total != HUNDRED_PERCENT
    ]


def assessments_sum_to_the_budget(facts: LedgerFacts) -> list[InvariantProblem]:
    """An adopted year's assessments sum to its budget exactly (budget x share, a joiner's pro
    rata credited to the others: CERN practice, DESIGN.md Assessments)."""
    return [
        InvariantProblem(
            "assessments_sum_to_the_budget", str(year.year),
            f"the assessments sum to {format_minor(year.assessed_minor, year.currency)} {year.currency}, "
            f"the budget is {format_minor(year.budget_minor, year.currency)} {year.currency}",
        )
        for year in facts.year_totals
        if year.assessed_minor != year.budget_minor
    ]


def reserves_and_quotas_make_the_capacity(facts: LedgerFacts) -> list[InvariantProblem]:
    """An allocated year's reserve and quota credits sum to its plan's capacity (reserves first,
    the rest by largest remainder: DESIGN.md Compute)."""
    return [
        InvariantProblem(
            "reserves_and_quotas_make_the_capacity", str(allocation.year),
            f"reserves and quotas credit {gpu_hours(allocation.credited_ms):,} GPU-hours, the capacity of plan "
            f"{allocation.plan_id} is {allocation.capacity_gpu_hours:,}",
        )
        for allocation in facts.allocations
        if allocation.credited_ms != allocation.capacity_gpu_hours * REFERENCE_GPU_MS_PER_GPU_HOUR
    ]


def assessed_only_while_paying(facts: LedgerFacts) -> list[InvariantProblem]:
    """No member is assessed for a year in which its membership timeline has no paying day
    (pro rata temporis, DESIGN.md Members: no assessment outside paying periods)."""
    timelines = {timeline.code: timeline for timeline in facts.timelines}
    problems = []
    for assessed in facts.assessed:
        timeline = timelines.get(assessed.member)
        if timeline is None or timeline.paying_days(assessed.starts_on, assessed.ends_on) == 0:
            problems.append(InvariantProblem(
                "assessed_only_while_paying", f"{assessed.year} {assessed.member}",
                f"assessed {format_minor(assessed.amount_minor, assessed.currency)} {assessed.currency} but neither a "
                f"member nor an associate on any day of {assessed.year}",
            ))
    return problems


def no_frozen_hours_made_usable(facts: LedgerFacts) -> list[InvariantProblem]:
    """A closing carries at most the usable balance: frozen hours (quota_suspension "frozen")
    are forfeited, never carried into the next year (README, Compute rules)."""
    return [
        InvariantProblem(
            "no_frozen_hours_made_usable", f"{closing.year} {closing.member}",
            f"carried {gpu_hours(closing.carried_out_ms):,} GPU-hours out of {closing.year} but only "
            f"{gpu_hours(max(closing.usable_ms, 0)):,} were usable: frozen hours were carried",
        )
        for closing in facts.closings
        if closing.carried_out_ms > max(closing.usable_ms, 0)
    ]


def balances_are_the_sum_of_their_lines(facts: LedgerFacts) -> list[InvariantProblem]:
    """A GPU-hour balance is the sum of its lines, never a stored figure (DESIGN.md Compute): a
    closed year's lines minus its usage up to the closing are zero for every member, what a
    closing carries out arrives in the next year, and a transfer's lines cancel."""
    name = "balances_are_the_sum_of_their_lines"
    problems = [
        InvariantProblem(name, f"{closing.year} {closing.member}",
                         f"the balance after closing is {gpu_hours(closing.balance_ms):,} GPU-hours, not 0")
        for closing in facts.closings
        if closing.balance_ms != 0
    ]
    problems += [
        InvariantProblem(name, f"{carry.year} {carry.member}",
                         f"carried {gpu_hours(carry.carried_out_ms):,} GPU-hours out of {carry.year} but "
                         f"{gpu_hours(carry.carried_in_ms):,} into {carry.year + 1}")
        for carry in facts.carries
        if carry.carried_out_ms != carry.carried_in_ms
    ]
    problems += [
        InvariantProblem(name, f"motion #{transfer.motion_id}" if transfer.motion_id else "a transfer without a motion",
                         f"its {transfer.lines} transfer lines sum to {gpu_hours(transfer.total_ms):,} GPU-hours, not 0")
        for transfer in facts.transfers
        if transfer.total_ms != 0 or transfer.lines != 2
    ]
    return problems


def counted_ballots_were_entitled(facts: LedgerFacts) -> list[InvariantProblem]:
    """Every ballot a closed motion counted is a member's on the closing day (membership
    timeline: only members vote, CERN Convention Art. V) whose vote the snapshot does not
    record as suspended without a waiver (UN Charter Art. 19, CERN Art. V.8)."""
    timelines = {timeline.code: timeline for timeline in facts.timelines}
    problems = []
    for motion in facts.closed_motions:
        subject = f"motion #{motion.motion_id}"
        try:
            snapshot = json.loads(motion.snapshot_json or "")
            voted = snapshot["voted"] if "voted" in snapshot else motion.voters
            counted = sorted(set(voted) & set(snapshot["decision"]["eligible"]))
            suspended = snapshot["ineligible"]
        except (ValueError, KeyError, TypeError):
            problems.append(InvariantProblem("counted_ballots_were_entitled", subject, "its closing snapshot cannot be read"))
            continue
        for code in counted:
            timeline = timelines.get(code)
            status = timeline.status_on(motion.closed_on) if timeline else None
            if timeline is None or not timeline.is_member_on(motion.closed_on):
                problems.append(InvariantProblem(
                    "counted_ballots_were_entitled", f"{subject} {code}",
                    f"its ballot was counted but on {motion.closed_on} its status was {status.value if status else 'none'}, "
                    "and only members vote",
                ))
            elif code in suspended:
                problems.append(InvariantProblem(
                    "counted_ballots_were_entitled", f"{subject} {code}",
                    f"its ballot was counted but its vote was suspended without a waiver: {suspended[code]}",
                ))
    return problems


def effects_cite_adopted_motions(facts: LedgerFacts) -> list[InvariantProblem]:
    """Every effect of a motion (budget or scale adopted, member admitted or withdrawn, waiver,
    quota transfer, setting changed) belongs to a motion of that kind that was adopted, every decision citing
    "motion #N" cites an adopted motion, and every adopted motion of those kinds has its
    effect (DESIGN.md Governance: the effect applies in the motion's transaction and cites it)."""
    name = "effects_cite_adopted_motions"
    problems = []
    for row in facts.effect_rows:
        subject = f"{row.table} {row.row_id} ({row.what})"
        if row.motion_id is None:
            problems.append(InvariantProblem(name, subject, "a quota transfer without the motion that authorises it"))
        elif row.outcome != "adopted":
            problems.append(InvariantProblem(name, subject, f"written by motion #{row.motion_id}, which was {row.outcome or 'never closed'}"))
        elif row.motion_kind not in EFFECT_KINDS[row.table]:
            problems.append(InvariantProblem(
                name, subject, f"written by motion #{row.motion_id}, a {row.motion_kind} motion, not {' or '.join(EFFECT_KINDS[row.table])}"
            ))
    problems += [
        InvariantProblem(
            name, f"{citation.table} {citation.row_id} ({citation.what})",
            f"cites motion #{citation.motion_id}, which "
            + (f"was {citation.outcome}" if citation.outcome else "does not exist or was never closed"),
        )
        for citation in facts.citations
        if citation.outcome != "adopted"
    ]
    with_effect = {row.motion_id for row in facts.effect_rows}
    effect_kinds = {kind for kinds in EFFECT_KINDS.values() for kind in kinds}
    problems += [
        InvariantProblem(name, f"motion #{motion.motion_id}", f"a {motion.kind} motion adopted without its effect recorded")
        for motion in facts.closed_motions
        if motion.outcome == "adopted" and motion.kind in effect_kinds and motion.motion_id not in with_effect
    ]
    return problems


Invariant = Callable[[LedgerFacts], list[InvariantProblem]]

INVARIANTS: tuple[Invariant, ...] = (
    shares_sum_to_100,
    assessments_sum_to_the_budget,
    reserves_and_quotas_make_the_capacity,
    assessed_only_while_paying,
    no_frozen_hours_made_usable,
    balances_are_the_sum_of_their_lines,
    counted_ballots_were_entitled,
    effects_cite_adopted_motions,
)
"""The declared invariants `ledger verify` checks, in this order."""


def check_invariants(facts: LedgerFacts) -> list[InvariantProblem]:
    """Every problem of every declared invariant, in declaration order."""
    return [problem for invariant in INVARIANTS for problem in invariant(facts)]
