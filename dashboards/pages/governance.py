"""The board's votes of one year: motions and outcomes, the roll-call matrix, participation, voting power, and a what-if simulator.

The year comes from the query string (?year=2025), so every view is a shareable address.
Every closed motion is shown from the snapshot stored when it closed, never recomputed;
secret ballots publish their totals only. Plain functions build the figures and tables from
the query results; `layout` only reads and assembles, and the tests call the plain functions.
The simulator decides with the engine that closes the board's motions (ledger.domain.governance.rules).
"""

from __future__ import annotations

import inspect
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from types import MappingProxyType

import dash
import plotly.graph_objects as go
from dash import ALL, Input, Output, State, ctx, dcc, hooks, html

from dashboards.components import (
    Cell,
    SectionIds,
    TableData,
    bar_height,
    chart_table_csv,
    csv_link,
    headline_figures,
    member_cell,
    html_table,
    section,
    styled,
    table_and_csv,
    year_in_query,
    year_links,
)
from dashboards.data import cached, connect, today
from ledger.domain.governance import rules as voting
from ledger.domain.errors import ValidationFailed
from ledger.domain.governance.rules import PRESETS, Decision, Rule, Voter, Weighting, decide, voter_votes
from ledger.domain.governance.power import DEFAULT_MEMORY_BUDGET, DEFAULT_SAMPLES, PowerMethod, rounded_voting_power
from ledger.formatting import format_quantity
from ledger.queries.contributions import scale_of_year
from ledger.queries.governance import MotionRow, closed_motions, list_motions, member_names

PAGE_PREFIX = "board"
YEARS_ID = f"{PAGE_PREFIX}-years"
MESSAGE_ID = f"{PAGE_PREFIX}-message"
SUMMARY_ID = f"{PAGE_PREFIX}-summary"
PENDING_ID = f"{PAGE_PREFIX}-pending"
EXPLANATIONS_ID = f"{PAGE_PREFIX}-motions-explanations"
SECRET_NOTE_ID = f"{PAGE_PREFIX}-roll-call-secret"
ROLL_CALL_REGION_ID = f"{PAGE_PREFIX}-roll-call-region"
ROLL_CALL_LEGEND_ID = f"{PAGE_PREFIX}-roll-call-legend"
POWER_NOTE_ID = f"{PAGE_PREFIX}-power-note"
SIM_RULE_TYPE = f"{PAGE_PREFIX}-simulator-rule"
SIM_RULES_ID = f"{PAGE_PREFIX}-simulator-rules"
SIM_BALLOT_TYPE = f"{PAGE_PREFIX}-simulator-ballot"
SIM_BALLOTS_ID = f"{PAGE_PREFIX}-simulator-ballots"
SIM_MEMBERS_ID = f"{PAGE_PREFIX}-simulator-members"
SIM_WEIGHTS_NOTE_ID = f"{PAGE_PREFIX}-simulator-weights"
SIM_OUTCOME_ID = f"{PAGE_PREFIX}-simulator-outcome"
SIM_EXPLANATION_ID = f"{PAGE_PREFIX}-simulator-explanation"
SIM_TALLY_ID = f"{PAGE_PREFIX}-simulator-tally"
SIM_TALLY_TABLE_ID = f"{PAGE_PREFIX}-simulator-tally-table"

OUTCOME_LABELS = {"adopted": "Adopted", "rejected": "Rejected", "no_quorum": "No quorum"}
OUTCOME_COLOURS = {"adopted": "#2e7d32", "rejected": "#a61b1b", "no_quorum": "#5f6670"}
BALLOT_LABELS = {"roll_call": "roll call", "secret": "secret"}
PRESET_LABELS = {
    "simple_majority": "Simple majority",
    "two_thirds_of_votes_cast": "Two-thirds of votes cast",
    "two_thirds_of_all_members": "Two-thirds of all members",
    "unanimity": "Unanimity",
    "cern_budget": "CERN budget",
    "eu_qualified_majority": "EU qualified majority",
    "skao_budget": "SKAO budget (double majority)",
    "imf_85_percent": "IMF 85 % special majority",
    "custom": "Custom rule",
}
DEFAULT_PRESET = "simple_majority"
NOT_SIMULATED = "Not simulated"

# What a roll-call cell can say; the words are the data, the colour only repeats them.
VOTE_STATES = ("yes", "no", "abstain", "no ballot", "absent", "suspended", "not a member")
SIMULATOR_CHOICES = ("yes", "no", "abstain", "absent")
FIGURE_COLOURS = {"weight": "#5f6670", "banzhaf": "#0b5394", "shapley_shubik": "#b45f06", "entitled": "#9fc5e8", "voted": "#0b5394"}

# Text and background of each state keep at least 7:1 contrast (WCAG AAA), so the words stay readable on the tint.
STYLESHEET = """<style id="board-styles">
.board-vote { text-align: center; white-space: nowrap; font-weight: 600; }
.board-vote-yes { background: #dcfce7; color: #14532d; }
.board-vote-no { background: #fee2e2; color: #7f1d1d; }
.board-vote-abstain { background: #fef3c7; color: #713f12; }
.board-vote-no-ballot { background: #e0e7ff; color: #312e81; }
.board-vote-absent { background: #e5e7eb; color: #1f2937; font-weight: 400; }
.board-vote-suspended { background: #fce7f3; color: #831843; font-weight: 400; }
.board-vote-not-a-member { background: #ffffff; color: #374151; font-weight: 400; }
.board-legend { display: flex; flex-wrap: wrap; gap: .5rem 1rem; list-style: none; padding: 0; margin: .5rem 0; }
.board-legend li { padding: .1rem .5rem; border-radius: 3px; }
.board-matrix { overflow-x: auto; }
.board-matrix:focus { outline: 2px solid #0b5394; }
.board-matrix th[scope=col] { min-width: 8rem; vertical-align: bottom; }
.board-group { border: 0; padding: 0; margin: 0 0 1rem; }
.board-group > legend { font-weight: 600; font-size: 1.1rem; padding: 0; margin-bottom: .25rem; }
.board-rules { list-style: none; padding: 0; margin: 0; }
.board-rules li { margin: .35rem 0; }
.board-ballots { display: grid; grid-template-columns: repeat(auto-fill, minmax(20rem, 1fr)); gap: .5rem 1.5rem; }
.board-ballots fieldset { border: 1px solid #d0d7de; border-radius: 3px; padding: .25rem .75rem .5rem; margin: 0; }
.board-ballots legend { font-weight: 600; padding: 0 .25rem; }
button.board-toggle { background: #ffffff; color: #0b5394; border: 1px solid #0b5394; border-radius: 3px; padding: .15rem .6rem; margin: .15rem .35rem .15rem 0; }
button.board-toggle[aria-pressed="true"] { background: #0b5394; color: #ffffff; }
button.board-toggle:focus-visible { outline: 3px solid #b45f06; outline-offset: 2px; }
.board-result { border-left: 4px solid #0b5394; background: #f3f7fc; padding: .5rem 1rem; margin: 1rem 0; }
</style>"""


def vote_class(state: str) -> str:
    """The CSS classes of a roll-call cell in `state` (its first word is the vote: "yes (by proxy)" is "yes")."""
    longest_first = sorted(VOTE_STATES, key=len, reverse=True)  # "no ballot" is not "no"
    base = next((known for known in longest_first if state == known or state.startswith(known + " ")), "not a member")
    return f"board-vote board-vote-{base.replace(' ', '-')}"


# --------------------------------------------------------------------------- what the page reads


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
    tally: tuple[int, int, int, int]  # in favour, against, abstaining, absent
    outcome: str
    explanation: str
    held_on: date
    closed_on: date

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
            tally=(members["in_favour"], members["against"], members["abstaining"], members["absent"]),
            outcome=row.outcome or decision["outcome"],
            explanation=decision.get("explanation", ""),
            held_on=row.held_on,
            closed_on=row.closed_at,
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


def pick_year(raw: object, years: Sequence[int], this_year: int) -> tuple[int | None, str | None]:
    """The year the query string asks for (default: the latest with a closed motion), or why there is none to show."""
    if raw is None:
        if not years:
            return None, "No motion has been closed yet: the board's votes appear here once a vote is closed."
        return years[-1], None
    number, problem = year_in_query(raw, years[-1] if years else this_year)
    if number is not None and number not in years:
        return None, f"No motion was closed at a board meeting of {number}. Choose one of the years below."
    return number, problem


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


# --------------------------------------------------------------------------- formatting


def _percent(share: Fraction, places: int = 2) -> str:
    """A share as a percentage, rounded half up from the exact value."""
    quantum = Decimal(1).scaleb(-places)
    return str((Decimal(share.numerator) * 100 / Decimal(share.denominator)).quantize(quantum, rounding=ROUND_HALF_UP))


def rule_label(name: str) -> str:
    return PRESET_LABELS.get(name, name.replace("_", " ").capitalize())


def kind_label(kind: str) -> str:
    return kind.replace("_", " ")


def basis_label(basis: str) -> str:
    if basis == "equal":
        return "one vote each"
    if basis == "contribution":
        return "contribution shares"
    return basis.partition(":")[2] or basis


def tally_text(motion: ClosedMotion) -> str:
    yes, no, abstaining, absent = motion.tally
    return f"{yes} yes, {no} no, {abstaining} abstaining, {absent} absent"


# --------------------------------------------------------------------------- 1. motions and outcomes


def motions_table(board: BoardYear) -> TableData:
    """The year's closed motions: title, kind, rule, ballot, outcome, date closed and the members' tally."""
    return TableData(
        caption=f"Motions closed at the board's meetings of {board.year}, in the order they were closed",
        header=("Motion", "Kind", "Rule", "Weights", "Ballot", "Outcome", "Closed on", "Members' tally"),
        rows=tuple(
            (
                motion.title, kind_label(motion.kind), rule_label(motion.rule_name), basis_label(motion.weights_basis),
                BALLOT_LABELS.get(motion.ballot, motion.ballot), OUTCOME_LABELS.get(motion.outcome, motion.outcome),
                motion.closed_on.isoformat(), tally_text(motion),
            )
            for motion in board.motions
        ),
        row_header=0,
        numeric=frozenset({6}),  # the date, kept on one line
    )


def outcome_counts(motions: Sequence[ClosedMotion]) -> dict[str, Counter]:
    """For each kind of motion (in order of first appearance), how many ended in each outcome."""
    counts: dict[str, Counter] = {}
    for motion in motions:
        counts.setdefault(motion.kind, Counter())[motion.outcome] += 1
    return counts


def outcomes_table(motions: Sequence[ClosedMotion], year: int) -> TableData:
    """Per kind of motion: adopted, rejected, no quorum and the total."""
    counts = outcome_counts(motions)
    outcomes = tuple(OUTCOME_LABELS)
    return TableData(
        caption=f"Outcomes of the motions closed in {year}, by kind",
        header=("Kind", *(OUTCOME_LABELS[outcome] for outcome in outcomes), "Total"),
        rows=tuple((kind_label(kind), *(str(by[outcome]) for outcome in outcomes), str(sum(by.values()))) for kind, by in counts.items()),
        totals=("Total", *(str(sum(by[outcome] for by in counts.values())) for outcome in outcomes), str(len(motions))),
        row_header=0,
        numeric=frozenset(range(1, len(outcomes) + 2)),
    )


def outcomes_figure(motions: Sequence[ClosedMotion]) -> go.Figure:
    """Stacked bars per kind of motion, one colour per outcome."""
    counts = outcome_counts(motions)
    kinds = list(counts)
    figure = go.Figure()
    for outcome, label in OUTCOME_LABELS.items():
        values = [counts[kind][outcome] for kind in kinds]
        if not any(values):
            continue
        figure.add_trace(
            go.Bar(
                name=label,
                x=[kind_label(kind) for kind in kinds],
                y=values,
                marker_color=OUTCOME_COLOURS[outcome],
                hovertemplate=f"%{{x}}: %{{y}} {label.lower()}<extra></extra>",
            )
        )
    figure = styled(figure, 320, barmode="stack", yaxis_title="Motions", xaxis_title="Kind of motion", legend_title_text="Outcome")
    figure.update_layout(legend_traceorder="normal")
    figure.update_yaxes(rangemode="tozero", dtick=1)
    return figure


# --------------------------------------------------------------------------- 2. roll-call matrix


def roll_call_motions(motions: Sequence[ClosedMotion]) -> list[ClosedMotion]:
    return [motion for motion in motions if motion.ballot == "roll_call" and motion.votes is not None]


def secret_motions(motions: Sequence[ClosedMotion]) -> list[ClosedMotion]:
    return [motion for motion in motions if motion.votes is None]


def vote_cell(motion: ClosedMotion, code: str) -> str:
    """What a member did on a roll-call motion, in words."""
    votes = dict(motion.votes or ())
    if code in votes:
        proxies = dict(motion.proxies)
        return f"{votes[code]} (by proxy)" if code in proxies else votes[code]
    if code in motion.ineligible:
        return "suspended"
    if code not in motion.members:
        return "not a member"
    if code in motion.present:
        return "no ballot"
    return "absent"


def year_members(board: BoardYear) -> list[str]:
    """Every member with a vote at one of the year's meetings, by name."""
    codes = {code for motion in board.motions for code in motion.members}
    return sorted(codes, key=lambda code: (board.name(code), code))


def roll_call_table(board: BoardYear) -> TableData:
    """Members (rows) by roll-call motions (columns): each cell the member's vote in words."""
    motions = roll_call_motions(board.motions)
    return TableData(
        caption=f"How each member voted on the {len(motions)} roll-call motions of {board.year}, one column per motion in the order they were closed",
        header=("Member", *(motion.title for motion in motions)),
        rows=tuple((f"{board.name(code)} ({code})", *(vote_cell(motion, code) for motion in motions)) for code in year_members(board)),
        row_header=0,
    )


def matrix_cell_class(column: int, text: str) -> str | None:
    return None if column == 0 else vote_class(text)


# --------------------------------------------------------------------------- 3. participation


@dataclass(frozen=True, slots=True)
class Participation:
    code: str
    name: str
    entitled: int  # closed motions of the year it could vote on
    voted: int  # of those, how many it voted on (yes, no or abstain; by proxy included)
    by_proxy: int


def participation(board: BoardYear) -> list[Participation]:
    """Per member, from the snapshots' lists of who voted (secret ballots included): how many motions it voted on."""
    rows = []
    for code in year_members(board):
        entitled = [motion for motion in board.motions if code in motion.members and code not in motion.ineligible]
        voted = [motion for motion in entitled if code in motion.voted]
        by_proxy = sum(1 for motion in voted if code in dict(motion.proxies))
        rows.append(Participation(code, board.name(code), len(entitled), len(voted), by_proxy))
    return rows


def participation_table(rows: Sequence[Participation], year: int, closed: int) -> TableData:
    return TableData(
        caption=f"Motions each member voted on, of the {closed} motions closed in {year} (roll-call and secret ballots)",
        header=("Code", "Member", "Voted on", "Could vote on", "Voted on (%)", "Of which by proxy"),
        rows=tuple(
            (row.code, member_cell(row.code, row.name), str(row.voted), str(row.entitled), _percent(Fraction(row.voted, row.entitled), 1) if row.entitled else "", str(row.by_proxy))
            for row in rows
        ),
        totals=("", f"Total, {len(rows)} members", str(sum(r.voted for r in rows)), str(sum(r.entitled for r in rows)), "", str(sum(r.by_proxy for r in rows))),
        row_header=1,
        numeric=frozenset({2, 3, 4, 5}),
    )


def participation_figure(rows: Sequence[Participation]) -> go.Figure:
    """Per member: the motions it could vote on and those it voted on, side by side."""
    names = [row.name for row in rows]
    figure = go.Figure()
    for field, label in (("entitled", "Could vote on"), ("voted", "Voted on")):
        figure.add_trace(
            go.Bar(
                name=label,
                orientation="h",
                y=names,
                x=[getattr(row, field) for row in rows],
                marker_color=FIGURE_COLOURS[field],
                hovertemplate=f"%{{y}}: {label.lower()} %{{x}} motions<extra></extra>",
            )
        )
    figure = styled(figure, bar_height(len(rows), 34), barmode="group", xaxis_title="Motions")
    figure.update_yaxes(categoryorder="array", categoryarray=names, autorange="reversed")
    figure.update_xaxes(rangemode="tozero", dtick=1)
    return figure


# --------------------------------------------------------------------------- 4. voting power


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


def power_caption(result: PowerResult, board: BoardYear) -> str:
    use = result.use
    method = "exact" if result.method is PowerMethod.EXACT else f"Shapley-Shubik a sampled estimate ({result.samples} orderings, seed {result.seed})"
    rounded = f", computed on weights rounded to parts of {result.coarse_parts:,} of the total" if result.coarse_parts else ""
    return (
        f"Weight and power of each member under the {rule_label(use.rule_name)} rule with {basis_label(use.weights_basis)}, "
        f"{board.year} (indices normalised, {method}{rounded})"
    )


def power_table(result: PowerResult, board: BoardYear) -> TableData:
    """Per member: its weight, its share of the weight beside its Banzhaf and Shapley-Shubik indices, in %."""
    sampled = result.method is PowerMethod.SAMPLED
    share_label = "Weight share, basic votes included (%)" if result.basic_votes_share else "Weight share (%)"
    basis = result.use.weights_basis
    weight_label = "Weight (contribution share, %)" if basis == "contribution" else f"Weight ({basis_label(basis)})"
    header = ("Code", "Member", weight_label, share_label, "Banzhaf index (%)",
              "Shapley-Shubik index, sampled estimate (%)" if sampled else "Shapley-Shubik index (%)")
    if sampled:
        header += ("Shapley-Shubik standard error (percentage points)",)

    def cells(row: PowerRow) -> tuple[str, ...]:
        weight = Cell(format_quantity(Decimal(row.weight)), row.weight)  # grouped on the page, exact in the CSV
        values = (row.code, member_cell(row.code, board.name(row.code)), weight, _percent(row.weight_share), _percent(row.banzhaf), _percent(row.shapley_shubik))
        return values + ((_percent(row.standard_error, 3),) if sampled else ())

    rows = result.rows
    totals = (
        "", f"Total, {len(rows)} members", "",
        *(_percent(sum((getattr(row, field) for row in rows), Fraction(0))) for field in ("weight_share", "banzhaf", "shapley_shubik")),
    ) + (("",) if sampled else ())
    return TableData(
        caption=power_caption(result, board),
        header=header,
        rows=tuple(cells(row) for row in rows),
        totals=totals,
        row_header=1,
        numeric=frozenset(range(2, len(header))),
    )


def power_figure(result: PowerResult, board: BoardYear) -> go.Figure:
    """Per member, largest weight first: weight share, Banzhaf and Shapley-Shubik index, as grouped bars."""
    rows = result.rows
    names = [board.name(row.code) for row in rows]
    sampled = result.method is PowerMethod.SAMPLED
    figure = go.Figure()
    for field, label in (("weight_share", "Weight share"), ("banzhaf", "Banzhaf index"), ("shapley_shubik", "Shapley-Shubik index")):
        extra = {}
        if field == "shapley_shubik" and sampled:
            label = "Shapley-Shubik index (sampled, ± 1 standard error)"
            extra["error_x"] = {"type": "data", "array": [float(row.standard_error * 100) for row in rows], "color": "#1b1f24"}
        figure.add_trace(
            go.Bar(
                name=label,
                orientation="h",
                y=names,
                x=[float(getattr(row, field) * 100) for row in rows],
                customdata=[_percent(getattr(row, field)) for row in rows],
                hovertemplate=f"%{{y}}: {label} %{{customdata}} %<extra></extra>",
                marker_color=FIGURE_COLOURS["weight" if field == "weight_share" else field],
                **extra,
            )
        )
    figure = styled(figure, bar_height(len(rows), 42), barmode="group", xaxis_title="Share (%)")
    figure.update_yaxes(categoryorder="array", categoryarray=names, autorange="reversed")
    figure.update_xaxes(rangemode="tozero")
    return figure


# --------------------------------------------------------------------------- 5. the simulator


def simulator_members(board: BoardYear) -> tuple[list[dict], str]:
    """The year's members (those with a vote on its latest closed motion) with contribution weights, and where the weights come from.

    Weights: the snapshot of the latest motion weighted by contribution, else the year's scale
    of contributions; a member without one has none (only equal rules can then be simulated).
    """
    latest = board.motions[-1]
    codes = sorted(latest.eligible or latest.members, key=lambda code: (board.name(code), code))
    weighted = [motion for motion in board.motions if motion.weights_basis == "contribution"]
    if weighted:
        source = weighted[-1]
        weights = dict(source.weights)
        note = f"Weights: contribution shares (%) as stored when “{source.title}” closed on {source.closed_on}."
    elif board.scale_weights:
        weights = dict(board.scale_weights)
        note = f"Weights: contribution shares (%) of the scale in force in {board.year}."
    else:
        weights = {}
        note = f"No contribution shares are published for {board.year}: only rules with one vote per member can be simulated."
    members = [{"code": code, "name": board.name(code), "weight": weights.get(code)} for code in codes]
    if weights and any(member["weight"] is None for member in members):
        note += " Members without a share weigh nothing."
        for member in members:
            member["weight"] = member["weight"] or "0"
    return members, note + " Rules with one vote per member ignore the weights."


def _voters(rule: Rule, members: Sequence[Mapping]) -> list[Voter] | str:
    """The members as voters, or why they cannot vote under `rule`."""
    voters = []
    for member in members:
        weight = member.get("weight") if isinstance(member, Mapping) else None
        code = member.get("code") if isinstance(member, Mapping) else None
        if rule.weights is Weighting.EQUAL:
            voters.append(Voter(str(code), 1))
            continue
        if weight is None:
            return "This rule weighs the members, and no contribution shares are published for them: choose a rule with one vote per member."
        try:
            voters.append(Voter(str(code), Decimal(str(weight))))
        except InvalidOperation:
            return f"{weight!r} is not a weight: a weight is a number, 0 or more."
    return voters


def tally_rows(decision: Decision) -> tuple[tuple[str, str, str], ...]:
    """The members and the share of the weight in each group, and the base the thresholds were measured on."""
    members, weight = decision.members, decision.weight
    total = sum((weight.in_favour, weight.against, weight.abstaining, weight.absent), Fraction(0)) if weight else Fraction(0)

    def share(value: Fraction) -> str:
        return _percent(value / total, 1) if weight and total else ""

    groups = (("In favour", "in_favour"), ("Against", "against"), ("Abstaining", "abstaining"), ("Absent", "absent"), ("Base of the thresholds", "base"))
    return tuple((label, str(getattr(members, field)), share(getattr(weight, field)) if weight else "") for label, field in groups)


def simulate(preset_name: object, ballots: Mapping[str, str], members_and_weights: Sequence[Mapping]) -> tuple[str, str, tuple[tuple[str, str, str], ...]]:
    """Decide a hypothetical vote with a preset rule and the engine that closes the board's motions.

    ballots: member code -> yes, no, abstain or absent (a member left out is absent).
    Returns the outcome in words, the engine's explanation and the tally rows; a choice the
    engine refuses gives NOT_SIMULATED and the reason instead.
    """
    rule = PRESETS.get(preset_name) if isinstance(preset_name, str) else None
    if rule is None:
        return NOT_SIMULATED, f"{preset_name!r} is not a rule preset; accepted: {', '.join(PRESETS)}.", ()
    voters = _voters(rule, members_and_weights or ())
    if isinstance(voters, str):
        return NOT_SIMULATED, voters, ()
    wrong = sorted(code for code, choice in ballots.items() if choice not in SIMULATOR_CHOICES)
    if wrong:
        return NOT_SIMULATED, f"The ballot of {', '.join(map(str, wrong))} is not accepted; accepted: {', '.join(SIMULATOR_CHOICES)}.", ()
    cast = {code: choice for code, choice in ballots.items() if choice != "absent"}
    try:
        decision = decide(rule, voters, cast, present=set(cast))
    except ValidationFailed as refused:
        return NOT_SIMULATED, f"The engine refused the ballots: {refused}.", ()
    return OUTCOME_LABELS[decision.outcome.value], decision.explanation, tally_rows(decision)


@dataclass(frozen=True, slots=True)
class SimulatorChoice:
    """What the simulator's toggle buttons say after a press: the rule, the ballots, and each button's aria-pressed."""

    preset: str | None
    ballots: Mapping[str, str]
    rules_pressed: tuple[str, ...]
    ballots_pressed: tuple[str, ...]


def choose(pressed: Mapping | None, rule_ids: Sequence[Mapping], rules_pressed: Sequence[str], ballot_ids: Sequence[Mapping], ballots_pressed: Sequence[str]) -> SimulatorChoice:
    """Apply one press (a rule's button, or a member's ballot button) to the buttons' states; one choice per group stays pressed."""
    pressed = pressed if isinstance(pressed, Mapping) else {}
    rules = [str(state) for state in rules_pressed]
    ballots = [str(state) for state in ballots_pressed]
    if pressed.get("type") == SIM_RULE_TYPE:
        rules = ["true" if rule.get("preset") == pressed.get("preset") else "false" for rule in rule_ids]
    elif pressed.get("type") == SIM_BALLOT_TYPE:
        ballots = [
            ("true" if button.get("choice") == pressed.get("choice") else "false") if button.get("member") == pressed.get("member") else state
            for button, state in zip(ballot_ids, ballots)
        ]
    preset = next((rule.get("preset") for rule, state in zip(rule_ids, rules) if state == "true"), None)
    chosen = {button.get("member"): "absent" for button in ballot_ids}
    chosen.update({button.get("member"): button.get("choice") for button, state in zip(ballot_ids, ballots) if state == "true"})
    return SimulatorChoice(preset, MappingProxyType(chosen), tuple(rules), tuple(ballots))


def simulator_outputs(choice: SimulatorChoice, members_and_weights: Sequence[Mapping]) -> tuple:
    """The simulator's outputs for a choice: the buttons' states, then the outcome, explanation and tally of `simulate`."""
    return (list(choice.rules_pressed), list(choice.ballots_pressed), *simulation_view(*simulate(choice.preset, choice.ballots, members_and_weights)))


def tally_table(rows: Sequence[tuple[str, str, str]]) -> TableData:
    weighted = any(row[2] for row in rows)
    return TableData(
        caption="Tally of the simulated vote",
        header=("Group", "Members", "Share of the weight (%)") if weighted else ("Group", "Members"),
        rows=tuple(row if weighted else row[:2] for row in rows),
        row_header=0,
        numeric=frozenset({1, 2}) if weighted else frozenset({1}),
    )


def simulation_view(outcome: str, explanation: str, rows: Sequence[tuple[str, str, str]]) -> tuple:
    """The simulator's outputs: the outcome, the explanation and the tally as a table."""
    return outcome, explanation, html_table(tally_table(rows), SIM_TALLY_TABLE_ID) if rows else None


def preset_description(name: str) -> str:
    """The first paragraph of the preset's docstring, which cites its source."""
    doc = inspect.getdoc(getattr(voting, name, None)) or ""
    return " ".join(doc.split("\n\n")[0].split())


RULE_BUTTONS = {"type": SIM_RULE_TYPE, "preset": ALL}
BALLOT_BUTTONS = {"type": SIM_BALLOT_TYPE, "member": ALL, "choice": ALL}


@hooks.callback(
    Output(RULE_BUTTONS, "aria-pressed"),
    Output(BALLOT_BUTTONS, "aria-pressed"),
    Output(SIM_OUTCOME_ID, "children"),
    Output(SIM_EXPLANATION_ID, "children"),
    Output(SIM_TALLY_ID, "children"),
    Input(RULE_BUTTONS, "n_clicks"),
    Input(BALLOT_BUTTONS, "n_clicks"),
    State(RULE_BUTTONS, "id"),
    State(RULE_BUTTONS, "aria-pressed"),
    State(BALLOT_BUTTONS, "id"),
    State(BALLOT_BUTTONS, "aria-pressed"),
    State(SIM_MEMBERS_ID, "data"),
    prevent_initial_call=True,
)
def _simulate(_rule_clicks, _ballot_clicks, rule_ids, rules_pressed, ballot_ids, ballots_pressed, members):
    # A hook, not dash.callback: dash.callback goes to the first app built only, and every create_app builds one.
    return simulator_outputs(choose(ctx.triggered_id, rule_ids, rules_pressed, ballot_ids, ballots_pressed), members)


@hooks.index()
def _board_styles(index: str) -> str:
    # The vote colours are CSS classes; the site stylesheet belongs to ledger/web, so the page brings its own rules.
    return index.replace("</head>", STYLESHEET + "\n</head>", 1)


# --------------------------------------------------------------------------- the page


MOTIONS = SectionIds(PAGE_PREFIX, "motions")
OUTCOMES = SectionIds(PAGE_PREFIX, "outcomes")
ROLL_CALL = SectionIds(PAGE_PREFIX, "roll-call")
PARTICIPATION = SectionIds(PAGE_PREFIX, "participation")
POWER = SectionIds(PAGE_PREFIX, "power")
SIMULATOR = SectionIds(PAGE_PREFIX, "simulator")


def power_ids(index: int) -> SectionIds:
    return SectionIds(PAGE_PREFIX, f"power-{index}")


def year_texts(years: Sequence[int]) -> list[tuple[int, str]]:
    """The years with closed motions, newest first, each named by its number."""
    return [(year, str(year)) for year in reversed(years)]


def summary(board: BoardYear) -> html.Ul:
    outcomes = Counter(motion.outcome for motion in board.motions)
    secret = len(secret_motions(board.motions))
    figures = [
        (str(len(board.motions)), "motions closed"),
        (str(outcomes["adopted"]), "adopted"),
        (str(outcomes["rejected"]), "rejected"),
        *([(str(outcomes["no_quorum"]), "without a quorum")] if outcomes["no_quorum"] else []),
        (str(len(board.motions) - secret), "by roll call"),
        (str(secret), "by secret ballot"),
    ]
    return headline_figures(figures, SUMMARY_ID)


def motions_section(board: BoardYear) -> html.Section:
    year = board.year
    pending = (
        [html.P(f"{board.pending} more motion{'s' if board.pending != 1 else ''} of {year} {'are' if board.pending != 1 else 'is'} "
                "in draft or open; each appears here once its vote is closed.", id=PENDING_ID)]
        if board.pending
        else []
    )
    return section(
        MOTIONS,
        "Motions and outcomes",
        [f"Every motion closed at the board's meetings of {year}, with the rule it was decided by and its outcome."],
        [
            *table_and_csv(motions_table(board), MOTIONS, f"board-{year}-motions.csv"),
            html.Details(
                [
                    html.Summary("Why each motion was adopted or rejected, as stated when it closed"),
                    html.Ul([html.Li([html.Strong(motion.title), ": ", motion.explanation]) for motion in board.motions]),
                ],
                id=EXPLANATIONS_ID,
            ),
            *pending,
            section(
                OUTCOMES,
                "Outcomes by kind of motion",
                ["How many motions of each kind the board adopted or rejected. The table below the chart gives the same counts."],
                chart_table_csv(outcomes_figure(board.motions), OUTCOMES, outcomes_table(board.motions, year), f"board-{year}-outcomes.csv"),
                level=3,
            ),
        ],
    )


def roll_call_section(board: BoardYear) -> html.Section:
    year, table = board.year, roll_call_table(board)
    secret = secret_motions(board.motions)
    secret_note = (
        html.P(
            [
                f"Not in the matrix: {len(secret)} secret ballot{'s' if len(secret) != 1 else ''}, whose individual votes are never published, only the totals: ",
                "; ".join(f"“{motion.title}” ({OUTCOME_LABELS.get(motion.outcome, motion.outcome).lower()}, {tally_text(motion)})" for motion in secret),
                ".",
            ],
            id=SECRET_NOTE_ID,
        )
        if secret
        else html.P(f"Every motion of {year} was decided by roll call.", id=SECRET_NOTE_ID)
    )
    if not roll_call_motions(board.motions):
        body = [html.P(f"No motion of {year} was decided by roll call.", id=ROLL_CALL.table), secret_note]
    else:
        legend = html.Ul([html.Li(state, className=vote_class(state)) for state in VOTE_STATES], id=ROLL_CALL_LEGEND_ID, className="board-legend", **{"aria-label": "Cell states"})
        body = [
            legend,
            html.Div(
                html_table(table, ROLL_CALL.table, matrix_cell_class),
                id=ROLL_CALL_REGION_ID,
                className="board-matrix",
                role="region",
                tabIndex=0,
                **{"aria-label": "Roll-call matrix, scrolls sideways when wider than the page"},
            ),
            secret_note,
            html.P(csv_link(table, f"board-{year}-roll-call.csv", f"Download the table “{table.caption}” as CSV", ROLL_CALL.csv)),
        ]
    return section(
        ROLL_CALL,
        "Roll-call votes",
        (
            "How each member's delegate voted on every motion decided by roll call. Each cell says the vote in words; "
            "the colour repeats it. “By proxy”: the member had given its proxy for the meeting to another member's delegate. "
            "“No ballot”: present without voting, counted as abstaining. “Suspended”: the member's vote was suspended (arrears)."
        ),
        body,
    )


def participation_section(board: BoardYear) -> html.Section:
    rows = participation(board)
    return section(
        PARTICIPATION,
        "Participation",
        (
            f"How many of the {len(board.motions)} motions closed in {board.year} each member voted on, by roll call or secret ballot "
            "(who voted is published for every ballot, how only for roll calls). Members join, leave or lose their vote during a year, "
            "so each is counted against the motions it could vote on."
        ),
        chart_table_csv(participation_figure(rows), PARTICIPATION, participation_table(rows, board.year, len(board.motions)), f"board-{board.year}-participation.csv"),
    )


def power_section(board: BoardYear, results: Sequence[PowerResult]) -> html.Section:
    year = board.year
    parts = []
    for index, result in enumerate(results, start=1):
        ids = power_ids(index)
        use = result.use
        motions = "; ".join(f"“{title}”" for title in use.motions)
        title = f"{rule_label(use.rule_name)}, {basis_label(use.weights_basis)}"
        if result.problem:
            parts.append(section(ids, title, [f"Used for {motions}. The indices could not be computed: {result.problem}"], [], level=3))
            continue
        notes = [f"Used for {motions}."]
        if result.coarse_parts:
            notes.append(
                f" The weights as stored are too fine to compute with in a page's time, so the indices are computed exactly on the weights "
                f"rounded to parts of {result.coarse_parts:,} of the total."
            )
        if result.method is PowerMethod.SAMPLED:
            notes.append(
                f" The Shapley-Shubik index is a sampled estimate from {result.samples:,} random orderings (seed {result.seed}), "
                "given with its standard error; the Banzhaf index is exact."
            )
        parts.append(section(ids, title, notes, chart_table_csv(power_figure(result, board), ids, power_table(result, board), f"board-{year}-power-{index}.csv"), level=3))
    if not results:
        parts.append(html.P(f"Every motion of {year} was decided with one vote per member: each member then has the same power, 1/n.", id=POWER_NOTE_ID))
    return section(
        POWER,
        "Voting power",
        (
            "Weight is not power. For each weighted rule the board used this year, with the weights it was applied with, each member's share of "
            "the weight beside its normalised Banzhaf index (the share of all decisive swings that are its own) and its Shapley-Shubik index "
            "(the share of orderings in which it casts the deciding vote). Computed with every member entitled to vote present, voting yes or no."
        ),
        parts,
    )


def toggle(label: str, component_id: dict, pressed: bool, **extra) -> html.Button:
    """A button that stays pressed while its choice holds (aria-pressed): native, so keyboards and screen readers know it."""
    return html.Button(label, id=component_id, type="button", n_clicks=0, className="board-toggle", **{"aria-pressed": "true" if pressed else "false"}, **extra)


def simulator_section(board: BoardYear) -> html.Section:
    members, note = simulator_members(board)
    ballots = {member["code"]: "yes" for member in members}
    outcome, explanation, tally = simulation_view(*simulate(DEFAULT_PRESET, ballots, members))

    def rule_item(name: str) -> html.Li:
        about = f"{SIM_RULES_ID}-{name}"
        return html.Li(
            [
                toggle(rule_label(name), {"type": SIM_RULE_TYPE, "preset": name}, name == DEFAULT_PRESET, **{"aria-describedby": about}),
                html.Span(preset_description(name), id=about),
            ]
        )

    def ballot_group(member: dict) -> html.Fieldset:
        weight = f", weight {member['weight']} %" if member["weight"] is not None else ""
        return html.Fieldset(
            [
                html.Legend(f"{member['name']} ({member['code']}){weight}"),
                *(toggle(choice, {"type": SIM_BALLOT_TYPE, "member": member["code"], "choice": choice}, choice == ballots[member["code"]]) for choice in SIMULATOR_CHOICES),
            ]
        )

    return section(
        SIMULATOR,
        "What if? Simulate a vote",
        [
            ("Choose a rule and each member's ballot: the outcome, the sentence explaining it and the tally come from the same engine "
            "that decides the board's motions. Nothing is recorded. "),
            html.Span(note, id=SIM_WEIGHTS_NOTE_ID),
        ],
        [
            dcc.Store(id=SIM_MEMBERS_ID, data=members),
            html.Fieldset([html.Legend("Rule"), html.Ul([rule_item(name) for name in PRESETS], className="board-rules")], id=SIM_RULES_ID, className="board-group"),
            html.Fieldset(
                [html.Legend("Ballots"), html.Div([ballot_group(member) for member in members], className="board-ballots")],
                id=SIM_BALLOTS_ID,
                className="board-group",
            ),
            html.Div(
                [
                    html.P(["Outcome: ", html.Strong(outcome, id=SIM_OUTCOME_ID)]),
                    html.P(explanation, id=SIM_EXPLANATION_ID),
                    html.Div(tally, id=SIM_TALLY_ID),
                ],
                className="board-result",
                role="status",
                **{"aria-live": "polite", "aria-atomic": "true"},
            ),
        ],
    )


@dataclass(frozen=True, slots=True)
class BoardPage:
    """A year's data and its voting power, computed once per journal head."""

    board: BoardYear
    power: tuple[PowerResult, ...]


def read_page(connection, year: int, years: Sequence[int]) -> BoardPage:
    board = read_board(connection, year, years)
    return BoardPage(board, tuple(voting_power(use) for use in weighted_rule_uses(board.motions)))


def year_content(data: BoardPage) -> list:
    board = data.board
    return [
        summary(board),
        motions_section(board),
        roll_call_section(board),
        participation_section(board),
        power_section(board, data.power),
        simulator_section(board),
    ]


def layout(year: object = None, **_query):
    """The page for ?year=YYYY (default: the latest year with a closed motion); a clear message for any other value."""
    base = dash.get_relative_path(PAGE["path"])
    with connect() as connection:
        years = closed_years(list_motions(connection))
        chosen, problem = pick_year(year, years, today().year)
        # exact power indices of a large council take seconds; the page holds until the ledger changes
        data = cached(connection, ("dashboards.board", chosen), lambda: read_page(connection, chosen, years)) if chosen else None
    links = [year_links(year_texts(years), data.board.year if data else None, base, YEARS_ID, "Year of the meetings:")] if years else []
    if data is None:
        return [html.H1("Board votes"), html.P(problem, id=MESSAGE_ID, className="error"), *links]
    return [
        html.H1(f"Board votes {data.board.year}"),
        html.P(
            "The board's motions and outcomes, how each member voted by roll call, who took part, how much power each weighted rule "
            "gives each member, and a simulator to try a vote under any rule."
        ),
        *links,
        *year_content(data),
    ]


PAGE = {
    "path": "/board",
    "name": "Board",
    "title": "Board votes · Member Ledger",
    "description": "per year: motions and outcomes, roll-call votes, participation, voting power and a vote simulator",
    "layout": layout,
    "order": 3,
}
