"""Voting power of weighted rules: each member's normalised Banzhaf and Shapley-Shubik index under a rule.

Weight is not power (DESIGN.md, Governance). A rule and its weights become a weighted game
in integer weights (`rule_game`); the indices are counted exactly by generating functions
in ledger.domain.governance.coalitions, never by listing 2^n coalitions, and weights too
fine to count in a page's time are rounded first, saying so (`rounded_voting_power`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType

from ledger.domain.errors import Problem, ValidationFailed, raise_if_any
from ledger.domain.governance.coalitions import (
    DEFAULT_MEMORY_BUDGET,
    DEFAULT_SAMPLES,
    PowerBudgetExceeded,
    PowerMethod,
    ShapleyShubik,
    banzhaf,
    shapley_shubik,
)
from ledger.domain.governance.rules import Rule, Threshold, ThresholdOp, Weighting, exact_fraction, rule_votes

POWER_WORK_LIMIT = 4_000_000
"""The most coalition counts (members + 1, times the total integer weight) `rounded_voting_power`
computes exactly for one rule: about three seconds. Finer weights (populations in persons, say)
are rounded first, and the result says so."""

COARSE_PARTS = 100_000
"""Rounded weights are parts of this many of the total (0.001 %, the contribution scale's
precision), fewer for a council too large for POWER_WORK_LIMIT even then."""


@dataclass(frozen=True, slots=True)
class WeightedGame:
    """The voting game of a weighted rule, in integer weights.

    A coalition wins when it has at least `members_quota` members and either its weight
    reaches `quota` or it has at least `weight_waived_from` members. `scale` is what the
    rule's weights (basic votes included) were multiplied by to make them integers.
    """

    weights: Mapping[str, int]
    quota: int
    members_quota: int
    weight_waived_from: int | None
    scale: Fraction


@dataclass(frozen=True, slots=True)
class VotingPower:
    """Both indices of every member under one weighted rule."""

    game: WeightedGame
    banzhaf: Mapping[str, Fraction]
    shapley_shubik: ShapleyShubik


def _exact_weights(weights: Mapping[str, Decimal | int | Fraction]) -> dict[str, Fraction]:
    problems = []
    exact: dict[str, Fraction] = {}
    for code, weight in weights.items():
        value = exact_fraction(weight)
        if value is None or value < 0:
            accepted = "accepted: an int, Decimal or Fraction, 0 or more"
            problems.append(Problem(f"weights.{code}", f"{weight!r} is not accepted; {accepted}"))
        else:
            exact[code] = value
    raise_if_any(problems)
    return exact


def integer_weights(decimal_weights: Mapping[str, Decimal | int | Fraction]) -> tuple[dict[str, int], Fraction]:
    """Scale weights exactly to the smallest integers with the same proportions.

    Returns the integer weights and the scale, so that integer = weight * scale: the lcm of
    the denominators, divided by the gcd of the results (a smaller total weight makes the
    exact computation cheaper and does not change the game).
    """
    exact = _exact_weights(decimal_weights)
    common_denominator = math.lcm(*(weight.denominator for weight in exact.values()))
    scaled = {code: int(weight * common_denominator) for code, weight in exact.items()}
    divisor = math.gcd(*scaled.values()) or 1
    return {code: value // divisor for code, value in scaled.items()}, Fraction(common_denominator, divisor)


def _integer_quota(threshold: Threshold, total: int) -> int:
    """The least whole count that meets `threshold` when measured against `total`."""
    share = threshold.fraction * total
    if threshold.op is ThresholdOp.AT_LEAST:
        return math.ceil(share)
    return math.floor(share) + 1


def rule_game(rule: Rule, weights: Mapping[str, Decimal | int | Fraction]) -> WeightedGame:
    """The weighted game a rule defines among the members given (those eligible to vote).

    Power is computed with every member present and voting yes or no, so the bases
    "cast", "present" and "eligible" coincide and abstention plays no part; basic votes are
    shared among the members given (`rule_votes`). The game is the whole rule: the weight threshold, the members
    threshold when there is one (double majority), and the blocking minority (a coalition
    that leaves fewer than that many members outside wins on members alone). The quorum
    is met by assumption.
    """
    if rule.weights is not Weighting.WEIGHTED or rule.weight_threshold is None:
        raise ValidationFailed.single(
            "rule.weights", "power indices are for weighted rules; under equal weights every member has the same power, 1/n"
        )
    integers, scale = integer_weights(rule_votes(rule, _exact_weights(weights)))
    members = len(integers)
    blocking = rule.blocking_minority_min_members
    return WeightedGame(
        weights=MappingProxyType(integers),
        quota=_integer_quota(rule.weight_threshold, sum(integers.values())),
        members_quota=0 if rule.members_threshold is None else _integer_quota(rule.members_threshold, members),
        # a blocking minority larger than the council waives the weight for any coalition
        weight_waived_from=None if blocking is None else max(1, members - blocking + 1),
        scale=scale,
    )


def rule_voting_power(
    rule: Rule,
    weights: Mapping[str, Decimal | int | Fraction],
    *,
    memory_budget: int = DEFAULT_MEMORY_BUDGET,
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
) -> VotingPower:
    """Banzhaf and Shapley-Shubik indices of every member under a rule (see `rule_game`).

    Under equal weights the game is symmetric, so each index is 1/n, exact. A rule no member
    can swing (every coalition wins, or none does) has no power indices: ValidationFailed.
    Exact Banzhaf indices beyond `memory_budget` bytes: PowerBudgetExceeded.
    """
    if rule.weights is Weighting.EQUAL:
        return _equal_voting_power(rule, weights)
    game = rule_game(rule, weights)
    _require_a_swing(game)
    options = dict(members_quota=game.members_quota, weight_waived_from=game.weight_waived_from, memory_budget=memory_budget)
    try:
        banzhaf_index = banzhaf(game.weights, game.quota, **options)
    except PowerBudgetExceeded:
        raise _rule_over_budget(game, memory_budget) from None
    return VotingPower(
        game=game,
        banzhaf=MappingProxyType(banzhaf_index),
        shapley_shubik=shapley_shubik(game.weights, game.quota, samples=samples, seed=seed, **options),
    )


def _equal_voting_power(rule: Rule, weights: Mapping[str, object]) -> VotingPower:
    """Each member 1/n, whenever some member can swing.

    The game is the same rule with one unit of weight per member: its quota tells a game
    nobody can swing.
    """
    unit = Rule(Weighting.WEIGHTED, rule.base, rule.abstention, weight_threshold=rule.members_threshold)
    game = rule_game(unit, dict.fromkeys(weights, 1))
    _require_a_swing(game)
    index = MappingProxyType(dict.fromkeys(weights, Fraction(1, len(game.weights))))
    return VotingPower(game, index, ShapleyShubik(PowerMethod.EXACT, index, MappingProxyType({}), 0, None))


def _require_a_swing(game: WeightedGame) -> None:
    total, members = sum(game.weights.values()), len(game.weights)
    if game.quota < 1:
        why = "the weight threshold is met by every coalition, even one without members"
    elif game.quota > total or game.members_quota > members:
        why = "the thresholds cannot be met even by all members together"
    else:
        return
    raise ValidationFailed.single(
        "rule",
        f"{why}, so no member can change an outcome and power indices are undefined; "
        "accepted: a rule that some coalitions meet and others miss",
    )


def _rule_over_budget(game: WeightedGame, budget: int) -> PowerBudgetExceeded:
    total = sum(game.weights.values())
    scaled = "" if game.scale == 1 else f" (the weights with their basic votes, times {game.scale})"
    return PowerBudgetExceeded.single(
        "weights",
        f"exact power indices for these weights need more than the {budget // 1_000_000} MB allowed: the work grows "
        f"with the total of the weights reduced to the smallest whole numbers in the same proportions, here {total:,}"
        f"{scaled}; accepted: coarser weights (for example populations in tens of thousands, shares in basis points, "
        "fewer decimal places)",
    )


def coarse_parts(votes: Mapping[str, Fraction], work_limit: int = POWER_WORK_LIMIT) -> int | None:
    """None when the exact weights are within `work_limit`; else how many parts of the total to round them to."""
    integers, _ = integer_weights(votes)
    rows = len(integers) + 1
    if rows * sum(integers.values()) <= work_limit:
        return None
    return min(COARSE_PARTS, max(1_000, work_limit // rows))


def rounded_voting_power(
    rule: Rule,
    weights: Mapping[str, Decimal | int | Fraction],
    *,
    memory_budget: int = DEFAULT_MEMORY_BUDGET,
    samples: int = DEFAULT_SAMPLES,
    work_limit: int = POWER_WORK_LIMIT,
) -> tuple[VotingPower, int | None]:
    """Both indices, and the parts of the total the weights were rounded to (None: not rounded).

    Exact on the weights given when they are within `work_limit` (and the memory budget);
    otherwise on the weights, basic votes included, rounded to parts of the total. A chart
    that draws power to a tenth of a percent passes a lower limit than a simulator does.
    """
    votes = rule_votes(rule, _exact_weights(weights))
    total = sum(votes.values())
    parts = coarse_parts(votes, work_limit) if total else None

    def indices(parts: int | None) -> VotingPower:
        if parts is None:
            return rule_voting_power(rule, weights, memory_budget=memory_budget, samples=samples)
        rounded = {code: round(vote / total * parts) for code, vote in votes.items()}
        return rule_voting_power(replace(rule, basic_votes_share=None), rounded, memory_budget=memory_budget, samples=samples)

    try:
        return indices(parts), parts
    except PowerBudgetExceeded:
        if parts is not None or not total:
            raise
    # over the memory budget: try the rounded weights before giving up
    return indices(COARSE_PARTS), COARSE_PARTS
