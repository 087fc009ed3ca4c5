"""The board page's tables and charts, each a plain function of what the page read (dashboards.governance.read).

Each chart has a table with the same figures (TableData), which the page shows beside it
and offers as CSV. The words are the data: a roll-call cell says the vote, and its colour
only repeats it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import plotly.graph_objects as go

from dashboards.components import Cell, TableData, bar_height, member_cell, styled
from dashboards.governance.read import BoardYear, ClosedMotion, Participation, PowerResult, PowerRow, roll_call_motions, year_members
from ledger.domain.governance.coalitions import PowerMethod
from ledger.formatting import format_quantity

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

# What a roll-call cell can say; the words are the data, the colour only repeats them.
VOTE_STATES = ("yes", "no", "abstain", "no ballot", "absent", "suspended", "not a member")
FIGURE_COLOURS = {"weight": "#5f6670", "banzhaf": "#0b5394", "shapley_shubik": "#b45f06", "entitled": "#9fc5e8", "voted": "#0b5394"}


def vote_class(state: str) -> str:
    """The CSS classes of a roll-call cell in `state` (its first word is the vote: "yes (by proxy)" is "yes")."""
    longest_first = sorted(VOTE_STATES, key=len, reverse=True)  # "no ballot" is not "no"
    base = next((known for known in longest_first if state == known or state.startswith(known + " ")), "not a member")
    return f"board-vote board-vote-{base.replace(' ', '-')}"


def share_percent(share: Fraction, places: int = 2) -> str:
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
    """A roll-call's members by how they voted; a secret ballot publishes none (ledger.domain.governance.publication)."""
    if motion.tally is None:
        return "secret ballot: outcome and thresholds only"
    yes, no, abstaining, absent = motion.tally
    return f"{yes} yes, {no} no, {abstaining} abstaining, {absent} absent"


def motions_table(board: BoardYear) -> TableData:
    """The year's closed motions: title, kind, rule, ballot, outcome, date closed and the members' tally."""
    return TableData(
        caption=f"Motions closed at the board's meetings of {board.year}, in the order they were closed",
        header=("Motion", "Kind", "Rule", "Weights", "Ballot", "Outcome", "Closed on", "Members' tally", "Decision journaled"),
        rows=tuple(
            (
                motion.title, kind_label(motion.kind), rule_label(motion.rule_name), basis_label(motion.weights_basis),
                BALLOT_LABELS.get(motion.ballot, motion.ballot), OUTCOME_LABELS.get(motion.outcome, motion.outcome),
                motion.closed_on.isoformat(), tally_text(motion), str(motion.decision_seq),
            )
            for motion in board.motions
        ),
        row_header=0,
        numeric=frozenset({6}),  # the date, kept on one line
        receipt_column=8,
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


def participation_table(rows: Sequence[Participation], year: int, closed: int) -> TableData:
    return TableData(
        caption=f"Roll-call motions each member voted on, of the {closed} closed in {year} (a secret ballot publishes no voter)",
        header=("Code", "Member", "Voted on", "Could vote on", "Voted on (%)", "Of which by proxy"),
        rows=tuple(
            (row.code, member_cell(row.code, row.name), str(row.voted), str(row.entitled), share_percent(Fraction(row.voted, row.entitled), 1) if row.entitled else "", str(row.by_proxy))
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
        values = (row.code, member_cell(row.code, board.name(row.code)), weight, share_percent(row.weight_share), share_percent(row.banzhaf), share_percent(row.shapley_shubik))
        return values + ((share_percent(row.standard_error, 3),) if sampled else ())

    rows = result.rows
    totals = (
        "", f"Total, {len(rows)} members", "",
        *(share_percent(sum((getattr(row, field) for row in rows), Fraction(0))) for field in ("weight_share", "banzhaf", "shapley_shubik")),
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
                customdata=[share_percent(getattr(row, field)) for row in rows],
                hovertemplate=f"%{{y}}: {label} %{{customdata}} %<extra></extra>",
                marker_color=FIGURE_COLOURS["weight" if field == "weight_share" else field],
                **extra,
            )
        )
    figure = styled(figure, bar_height(len(rows), 42), barmode="group", xaxis_title="Share (%)")
    figure.update_yaxes(categoryorder="array", categoryarray=names, autorange="reversed")
    figure.update_xaxes(rangemode="tozero")
    return figure


def tally_table(rows: Sequence[tuple[str, str, str]]) -> TableData:
    weighted = any(row[2] for row in rows)
    return TableData(
        caption="Tally of the simulated vote",
        header=("Group", "Members", "Share of the weight (%)") if weighted else ("Group", "Members"),
        rows=tuple(row if weighted else row[:2] for row in rows),
        row_header=0,
        numeric=frozenset({1, 2}) if weighted else frozenset({1}),
    )
