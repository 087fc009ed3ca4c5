"""What the board page reads: a year's closed motions as their snapshots published them, and the power of each weighted rule used.

Every closed motion is read from the snapshot stored when it closed, never recomputed;
secret ballots carry their totals only. The voting power of each weighted rule the board
used is computed here once per journal head (the page keeps the whole `BoardPage`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType

from ledger.domain.errors import ValidationFailed
from ledger.domain.governance.decide import Voter, voter_votes
from ledger.domain.governance.coalitions import DEFAULT_MEMORY_BUDGET, DEFAULT_SAMPLES, PowerMethod
from ledger.domain.governance.power import rounded_voting_power
from ledger.domain.governance.rules import Rule, Weighting
from ledger.queries.contributions import scale_of_year
from ledger.queries.governance import MotionRow, closed_motions, list_motions, member_names


@dataclass(frozen=True, slots=True)
class ClosedMotion:
    """A closed motion as its snapshot published it."""

    id: int
    title: str
    kind: str
    ballot: str
    rule_name: str
    rule_json: str  # canonical JSON of the rule as applied
    weights_basis: str
    weights: tuple[tuple[str, str], ...]  # every voting member's weight, by code
    ineligible: frozenset[str]  # suspended members, without a vote
    eligible: frozenset[str]
    present: frozenset[str]
    voted: frozenset[str]
    proxies: tuple[tuple[str, str], ...]  # member -> the member whose delegate carried its vote
    votes: tuple[tuple[str, str], ...] | None  # roll call only
    tally: tuple[int, int, int, int] | None  # in favour, against, abstaining, absent; None for a secret ballot
    outcome: str
    explanation: str
    held_on: date
    closed_on: date
    decision_seq: int  # the journal entry that closed it, with this snapshot

    @property
    def rule(self) -> Rule:
        return Rule.from_json(json.loads(self.rule_json))

    @property
    def members(self) -> frozenset[str]:
        """Every member with a status giving a vote on the meeting's day (suspended ones included)."""
        return frozenset(code for code, _ in self.weights)

    @classmethod
    def from_snapshot(cls, row: MotionRow, snapshot: Mapping) -> ClosedMotion:
        decision = snapshot["decision"]
        members = decision["members"]
        votes = snapshot.get("votes")
        return cls(
            id=row.id,
            title=row.title,
            kind=row.kind,
            ballot=row.ballot,
            rule_name=snapshot.get("rule_name") or row.rule_name,
            rule_json=json.dumps(snapshot["rule"], sort_keys=True, separators=(",", ":")),
            weights_basis=snapshot.get("weights_basis", ""),
            weights=tuple(sorted(snapshot.get("weights", {}).items())),
            ineligible=frozenset(snapshot.get("ineligible") or {}),
            eligible=frozenset(decision.get("eligible", ())),
            present=frozenset(decision.get("present", ())),
            voted=frozenset(snapshot.get("voted", ())),
            proxies=tuple(sorted((snapshot.get("proxies") or {}).items())),
            votes=None if votes is None else tuple(sorted(votes.items())),
            tally=None if members is None else (members["in_favour"], members["against"], members["abstaining"], members["absent"]),
            outcome=row.outcome or decision["outcome"],
            explanation=decision.get("explanation", ""),
            held_on=row.held_on,
            closed_on=row.closed_at,
            decision_seq=row.decision_seq,
        )


@dataclass(frozen=True, slots=True)
class BoardYear:
    """Everything the page shows for one year, as read from ledger.queries."""

    year: int
    years: tuple[int, ...]
    motions: tuple[ClosedMotion, ...]  # closed, in the order they were closed
    pending: int  # the year's motions still in draft or open
    names: Mapping[str, str]
    scale_weights: tuple[tuple[str, str], ...] | None  # contribution shares (%) of the year's scale, if any

    def name(self, code: str) -> str:
        return self.names.get(code, code)


def closed_years(rows: Sequence[MotionRow]) -> tuple[int, ...]:
    """The years whose meetings closed at least one motion, oldest first."""
    return tuple(sorted({row.held_on.year for row in rows if row.status == "closed"}))


def read_board(connection, year: int, years: Sequence[int]) -> BoardYear:
    """The year's closed motions with their snapshots, the members' names and the year's contribution shares."""
    motions = [ClosedMotion.from_snapshot(row, snapshot) for row, snapshot in closed_motions(connection, year)]
    motions.sort(key=lambda motion: (motion.closed_on, motion.id))
    scale = scale_of_year(connection, year)
    return BoardYear(
        year=year,
        years=tuple(years),
        motions=tuple(motions),
        pending=sum(1 for row in list_motions(connection, year) if row.status != "closed"),
        names=MappingProxyType(member_names(connection)),
        scale_weights=tuple((line.code, str(line.share_pct)) for line in scale.lines) if scale else None,
    )


def roll_call_motions(motions: Sequence[ClosedMotion]) -> list[ClosedMotion]:
    return [motion for motion in motions if motion.ballot == "roll_call" and motion.votes is not None]


def secret_motions(motions: Sequence[ClosedMotion]) -> list[ClosedMotion]:
    return [motion for motion in motions if motion.votes is None]


def year_members(board: BoardYear) -> list[str]:
    """Every member with a vote at one of the year's meetings, by name."""
    codes = {code for motion in board.motions for code in motion.members}
    return sorted(codes, key=lambda code: (board.name(code), code))


@dataclass(frozen=True, slots=True)
class Participation:
    code: str
    name: str
    entitled: int  # closed motions of the year it could vote on
    voted: int  # of those, how many it voted on (yes, no or abstain; by proxy included)
    by_proxy: int


def participation(board: BoardYear) -> list[Participation]:
    """Per member, from the roll-calls' lists of who voted: how many it voted on. A secret ballot
    publishes no voter (ledger.domain.governance.rules.published_snapshot), so it is not counted."""
    rows = []
    for code in year_members(board):
        entitled = [motion for motion in roll_call_motions(board.motions) if code in motion.members and code not in motion.ineligible]
        voted = [motion for motion in entitled if code in motion.voted]
        by_proxy = sum(1 for motion in voted if code in dict(motion.proxies))
        rows.append(Participation(code, board.name(code), len(entitled), len(voted), by_proxy))
    return rows


@dataclass(frozen=True, slots=True)
class RuleUse:
    """A weighted rule with the weights it was applied with, and the motions decided so."""

    rule_name: str
    rule_json: str
    weights_basis: str
    weights: tuple[tuple[str, str], ...]  # the members entitled to vote, by code
    motions: tuple[str, ...]


def weighted_rule_uses(motions: Sequence[ClosedMotion]) -> list[RuleUse]:
    """Each distinct (weighted rule, weights) of the year's motions, in order of first use."""
    uses: dict[tuple, list] = {}
    for motion in motions:
        if motion.rule.weights is not Weighting.WEIGHTED:
            continue
        weights = tuple((code, weight) for code, weight in motion.weights if code not in motion.ineligible)
        key = (motion.rule_json, motion.weights_basis, weights)
        uses.setdefault(key, [motion.rule_name, []])[1].append(motion.title)
    return [RuleUse(name, rule, basis, weights, tuple(titles)) for (rule, basis, weights), (name, titles) in uses.items()]


@dataclass(frozen=True, slots=True)
class PowerRow:
    code: str
    weight: str
    weight_share: Fraction  # basic votes included
    banzhaf: Fraction
    shapley_shubik: Fraction
    standard_error: Fraction | None  # Shapley-Shubik sampled only


@dataclass(frozen=True, slots=True)
class PowerResult:
    """Both power indices of every member under one rule use, or why they could not be computed."""

    use: RuleUse
    rows: tuple[PowerRow, ...]
    method: PowerMethod | None
    samples: int = 0
    seed: int | None = None
    coarse_parts: int | None = None  # weights were rounded to parts of this many of the total
    basic_votes_share: Fraction = Fraction(0)
    problem: str | None = None


def voting_power(use: RuleUse, *, memory_budget: int = DEFAULT_MEMORY_BUDGET, samples: int = DEFAULT_SAMPLES) -> PowerResult:
    """Normalised Banzhaf and Shapley-Shubik indices of each member (ledger.domain.governance.power.rounded_voting_power).

    Exact on the weights as stored when they fit; otherwise exact on the weights rounded to
    parts of the total, and labelled so.
    """
    rule = Rule.from_json(json.loads(use.rule_json))
    weights = {code: Decimal(weight) for code, weight in use.weights}
    basic = rule.basic_votes_share or Fraction(0)
    votes = voter_votes(rule, [Voter(code, weight) for code, weight in weights.items()])
    total = sum(votes.values())
    try:
        power, parts = rounded_voting_power(rule, weights, memory_budget=memory_budget, samples=samples)
    except ValidationFailed as failed:
        return PowerResult(use, (), None, basic_votes_share=basic, problem=str(failed))
    shapley = power.shapley_shubik
    sampled = shapley.method is PowerMethod.SAMPLED
    rows = [
        PowerRow(
            code, str(weights[code]), votes[code] / total if total else Fraction(0), power.banzhaf[code], shapley.index[code],
            shapley.standard_error[code] if sampled else None,
        )
        for code in weights
    ]
    rows.sort(key=lambda row: (-row.weight_share, row.code))
    return PowerResult(use, tuple(rows), shapley.method, shapley.samples, shapley.seed, parts, basic)


@dataclass(frozen=True, slots=True)
class BoardPage:
    """A year's data and its voting power, computed once per journal head."""

    board: BoardYear
    power: tuple[PowerResult, ...]


def read_page(connection, year: int, years: Sequence[int]) -> BoardPage:
    """The year as the page shows it, with the power of every weighted rule it used."""
    board = read_board(connection, year, years)
    return BoardPage(board, tuple(voting_power(use) for use in weighted_rule_uses(board.motions)))
