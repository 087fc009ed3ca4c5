"""The board page's "What if?": the year's members and weights, a vote decided by the one simulator, and its state in the address.

The vote is decided by ledger.domain.governance.simulate, the simulator the public API
(POST /api/v1/voting/simulate) calls too. The chosen rule and ballots live in the query
string (?year=2025&rule=skao_budget&ballots=DEU-no,FRA-absent), so a simulation is a
shareable address and reloading it restores the buttons (issue 14, item 10).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from urllib.parse import parse_qsl, urlencode

from dashboards.governance.read import BoardYear
from dashboards.governance.tables import OUTCOME_LABELS, share_percent
from ledger.domain.errors import ValidationFailed
from ledger.domain.governance import presets
from ledger.domain.governance.decide import Decision
from ledger.domain.governance.presets import PRESETS
from ledger.domain.governance.rules import Rule, Weighting
from ledger.domain.governance.simulate import simulate_vote

DEFAULT_PRESET = "simple_majority"
DEFAULT_CHOICE = "yes"
NOT_SIMULATED = "Not simulated"
SIMULATOR_CHOICES = ("yes", "no", "abstain", "absent")
RULE_PARAMETER = "rule"
BALLOTS_PARAMETER = "ballots"
"""The query string's names: rule=PRESET, ballots=CODE-CHOICE,... (members left out vote yes)."""


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


def tally_rows(decision: Decision) -> tuple[tuple[str, str, str], ...]:
    """The members and the share of the weight in each group, and the base the thresholds were measured on."""
    members, weight = decision.members, decision.weight
    total = sum((weight.in_favour, weight.against, weight.abstaining, weight.absent), Fraction(0)) if weight else Fraction(0)

    def share(value: Fraction) -> str:
        return share_percent(value / total, 1) if weight and total else ""

    groups = (("In favour", "in_favour"), ("Against", "against"), ("Abstaining", "abstaining"), ("Absent", "absent"), ("Base of the thresholds", "base"))
    return tuple((label, str(getattr(members, field)), share(getattr(weight, field)) if weight else "") for label, field in groups)


def preset_description(name: str) -> str:
    """The first paragraph of the preset's docstring, which cites its source."""
    doc = inspect.getdoc(getattr(presets, name, None)) or ""
    return " ".join(doc.split("\n\n")[0].split())

def _members(rule: Rule, members: Sequence[Mapping]) -> list[tuple[str, Decimal | None]] | str:
    """The page's members as (code, weight) for the simulator, or why they cannot vote under `rule`."""
    found = []
    for member in members:
        weight = member.get("weight") if isinstance(member, Mapping) else None
        code = member.get("code") if isinstance(member, Mapping) else None
        if weight is None:
            if rule.weights is Weighting.WEIGHTED:
                return "This rule weighs the members, and no contribution shares are published for them: choose a rule with one vote per member."
            found.append((str(code), None))
            continue
        try:
            found.append((str(code), Decimal(str(weight))))
        except InvalidOperation:
            return f"{weight!r} is not a weight: a weight is a number, 0 or more."
    return found


def simulate(preset_name: object, ballots: Mapping[str, str], members_and_weights: Sequence[Mapping]) -> tuple[str, str, tuple[tuple[str, str, str], ...]]:
    """Decide a hypothetical vote with a preset rule (ledger.domain.governance.simulate.simulate_vote).

    ballots: member code -> yes, no, abstain or absent (a member left out is absent).
    Returns the outcome in words, the engine's explanation and the tally rows; a choice the
    engine refuses gives NOT_SIMULATED and the reason instead.
    """
    rule = PRESETS.get(preset_name) if isinstance(preset_name, str) else None
    if rule is None:
        return NOT_SIMULATED, f"{preset_name!r} is not a rule preset; accepted: {', '.join(PRESETS)}.", ()
    members = _members(rule, members_and_weights or ())
    if isinstance(members, str):
        return NOT_SIMULATED, members, ()
    wrong = sorted(code for code, choice in ballots.items() if choice not in SIMULATOR_CHOICES)
    if wrong:
        return NOT_SIMULATED, f"The ballot of {', '.join(map(str, wrong))} is not accepted; accepted: {', '.join(SIMULATOR_CHOICES)}.", ()
    cast = {code: choice for code, choice in ballots.items() if choice != "absent"}
    try:
        decision = simulate_vote(rule, members, cast).decision
    except ValidationFailed as refused:
        return NOT_SIMULATED, f"The engine refused the ballots: {refused}.", ()
    return OUTCOME_LABELS[decision.outcome.value], decision.explanation, tally_rows(decision)


# --------------------------------------------------------------------------- the state in the address


def chosen_in_query(rule: object, ballots: object, codes: Sequence[str]) -> tuple[str, dict[str, str], list[str]]:
    """The preset and each member's ballot the query string asks for, defaults for the rest, and what was not understood.

    `codes` are the simulator's members; a member the query does not name votes yes.
    """
    problems = []
    preset = DEFAULT_PRESET
    if rule is not None:
        if isinstance(rule, str) and rule in PRESETS:
            preset = rule
        else:
            problems.append(f"rule={rule!r} is not a rule preset (accepted: {', '.join(PRESETS)}), so {DEFAULT_PRESET} is shown")
    chosen = dict.fromkeys(codes, DEFAULT_CHOICE)
    if ballots is not None:
        for item in (ballots.split(",") if isinstance(ballots, str) else [ballots]):
            code, _, choice = str(item).partition("-")
            if code in chosen and choice in SIMULATOR_CHOICES:
                chosen[code] = choice
            elif item:
                accepted = f"CODE-CHOICE with a member's code and one of {', '.join(SIMULATOR_CHOICES)}"
                problems.append(f"ballots: {item!r} is not understood (accepted: {accepted}), so it is left out")
    return preset, chosen, problems


def simulator_search(search: str | None, preset: str | None, ballots: Mapping[str, str]) -> str:
    """The address's query string with the simulator's state: the other parameters (the year) kept, defaults left out."""
    kept = [(name, value) for name, value in parse_qsl((search or "").lstrip("?")) if name not in (RULE_PARAMETER, BALLOTS_PARAMETER)]
    if preset and preset != DEFAULT_PRESET:
        kept.append((RULE_PARAMETER, preset))
    changed = ",".join(f"{code}-{choice}" for code, choice in sorted(ballots.items()) if choice != DEFAULT_CHOICE)
    if changed:
        kept.append((BALLOTS_PARAMETER, changed))
    return "?" + urlencode(kept, safe=",") if kept else ""
