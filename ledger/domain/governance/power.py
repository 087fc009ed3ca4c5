"""Voting power of weighted rules: normalised Banzhaf and Shapley-Shubik indices.

Weight is not power (DESIGN.md, Governance). Both indices count, for each member, the
coalitions of the others that it turns from losing into winning. They are computed
exactly from generating functions over integer weights, never by listing 2^n coalitions:

- the product  P(x) = prod_j (1 + x^w_j)  counts coalitions by total weight, and
  P(x, y) = prod_j (1 + y x^w_j)  counts them by size and weight;
- a member is removed from the full product by dividing its factor out rather than by
  recomputing the product without it: since c[t] = P[t] - c[t - w], a window sum of the
  others' counts is an alternating sum of window sums of P, read from prefix sums of P;
- polynomials are packed into Python integers, one fixed-width slot per coefficient, so
  multiplying by (1 + x^w) is one shift and one addition over the whole polynomial;
- only coefficients below the quota matter, or below W - quota + 1 counting the
  complements of coalitions, whichever is smaller.

The game is "a coalition wins when its weight reaches the quota", optionally also "and it
has at least `members_quota` members" (double majority), and optionally "a coalition of at
least `weight_waived_from` members wins on members alone" (a blocking minority must have
that many fewer members). Banzhaf for a plain weighted game needs one polynomial in x;
Shapley-Shubik and the compound games need the table by size and weight, which is exact
within a memory budget and otherwise replaced by a seeded sample of orderings.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from itertools import accumulate, repeat
from types import MappingProxyType

from ledger.domain.errors import Problem, ValidationFailed, raise_if_any
from ledger.domain.governance.rules import Rule, Threshold, ThresholdOp, Weighting, exact_fraction, is_whole, rule_votes

DEFAULT_MEMORY_BUDGET = 200_000_000
"""Bytes a table of coalition counts may take (estimated) before Shapley-Shubik is sampled."""

DEFAULT_SAMPLES = 20_000
"""Random orderings drawn when Shapley-Shubik is sampled."""

POWER_WORK_LIMIT = 4_000_000
"""The most coalition counts (members + 1, times the total integer weight) `rounded_voting_power`
computes exactly for one rule: about three seconds. Finer weights (populations in persons, say)
are rounded first, and the result says so."""

COARSE_PARTS = 100_000
"""Rounded weights are parts of this many of the total (0.001 %, the contribution scale's
precision), fewer for a council too large for POWER_WORK_LIMIT even then."""

# Widening the packed slots costs a pass over the polynomial; widening by 8 bytes at a
# time keeps the passes few while the slots stay close to what the counts need.
_WIDEN_STEP = 8

# Blocks of a packed polynomial, with their overflow (up to one more block), stay below
# the size from which the C allocator maps fresh pages for every new integer instead of
# recycling memory (at most 32 MB on glibc); 12 MB measured fastest.
_BLOCK_BYTES = 12_000_000


class PowerBudgetExceeded(ValidationFailed):
    """An exact index would need more memory than the budget allows; the message says what to change."""


class PowerMethod(StrEnum):
    """How an index was obtained."""

    EXACT = "exact"
    SAMPLED = "sampled"


@dataclass(frozen=True, slots=True)
class ShapleyShubik:
    """Shapley-Shubik index of each member, exact or estimated from sampled orderings.

    When sampled, `standard_error` gives each member's standard error (binomial, from the
    `samples` orderings drawn with `seed`); when exact it is empty and `samples` is 0.
    """

    method: PowerMethod
    index: Mapping[str, Fraction]
    standard_error: Mapping[str, Fraction]
    samples: int
    seed: int | None


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


# --- the game --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Game:
    codes: tuple[str, ...]
    weights: tuple[int, ...]
    quota: int
    members_quota: int
    weight_waived_from: int  # len(codes) + 1 when the weight is never waived

    @property
    def plain(self) -> bool:
        """Whether only the weight decides (no members threshold, no blocking-minority clause)."""
        return self.members_quota <= 1 and self.weight_waived_from > len(self.codes)

    def wins(self, size: int, weight: int) -> bool:
        return size >= self.members_quota and (weight >= self.quota or size >= self.weight_waived_from)


def _game(weights: Mapping[str, int], quota: int, members_quota: int, weight_waived_from: int | None) -> _Game:
    problems = []
    if not weights:
        problems.append(Problem("weights", "no members; accepted: one or more members with integer weights"))
    for code, weight in weights.items():
        if not is_whole(weight, 0):
            accepted = "accepted: an int, 0 or more (integer_weights scales others)"
            problems.append(Problem(f"weights.{code}", f"{weight!r} is not accepted; {accepted}"))
    raise_if_any(problems)
    total, members = sum(weights.values()), len(weights)
    if not is_whole(quota, 1) or quota > total:
        problems.append(Problem("quota", f"{quota!r} is not accepted; accepted: an int from 1 to the total weight, {total}"))
    if not is_whole(members_quota, 0) or members_quota > members:
        accepted = f"accepted: an int from 0 to the number of members, {members}"
        problems.append(Problem("members_quota", f"{members_quota!r} is not accepted; {accepted}"))
    if weight_waived_from is not None and not is_whole(weight_waived_from, 1):
        accepted = "accepted: None or an int, 1 or more"
        problems.append(Problem("weight_waived_from", f"{weight_waived_from!r} is not accepted; {accepted}"))
    raise_if_any(problems)
    # listed by code so that results never depend on the order members were given in
    codes = tuple(sorted(weights))
    return _Game(codes, tuple(weights[code] for code in codes), quota, members_quota,
                 members + 1 if weight_waived_from is None else weight_waived_from)


def _limit(game: _Game) -> int:
    """How many low coefficients the counts need: below the quota, or below W - q + 1 counting complements."""
    if game.plain:
        return min(game.quota, sum(game.weights) - game.quota + 1)
    return game.quota


def _slot_bytes(factors: int) -> int:
    """Bytes per slot for counts of subsets of `factors` players (at most 2^factors, so factors + 1 bits)."""
    return factors // 8 + 1


def _table_bytes(game: _Game, rows: int) -> int:
    return rows * _limit(game) * _slot_bytes(len(game.codes))


def _over_budget(game: _Game, needed: int, budget: int) -> PowerBudgetExceeded:
    return PowerBudgetExceeded.single(
        "weights",
        f"an exact index needs about {needed // 1_000_000 + 1} MB for a total weight of {sum(game.weights)}, "
        f"over the budget of {budget // 1_000_000} MB; "
        "accepted: coarser integer weights (for example shares in basis points) or a larger budget",
    )


# --- packed polynomials ----------------------------------------------------------------


class _BlockedPolynomial:
    """A polynomial truncated below x^limit, packed into integers of `block` slots each.

    One huge integer would be simpler, but every operation on it allocates a fresh
    buffer of tens of megabytes that the allocator maps from the kernel and faults in page
    by page; blocks of a few megabytes are recycled instead, which is about three times
    faster. A block may run past its end ("overflow") into the next block's slots until
    `settle` carries the excess over, so that multiplying by (1 + x^w) stays one shift and
    one addition per block.
    """

    __slots__ = ("limit", "block", "width", "blocks", "overflow")

    def __init__(self, limit: int, block: int) -> None:
        self.limit, self.block, self.width, self.overflow = limit, block, 1, 0
        self.blocks = [0] * -(-limit // block)
        self.blocks[0] = 1

    def _slots(self, index: int) -> int:
        return self.block if index < len(self.blocks) - 1 else self.limit - index * self.block

    def settle(self) -> None:
        """Carry every block's overflow into the next block; drop what reaches the limit."""
        for index, value in enumerate(self.blocks):
            bits = self._slots(index) * self.width * 8
            excess = value >> bits
            if excess:
                self.blocks[index] = value & ((1 << bits) - 1)
                if index + 1 < len(self.blocks):
                    self.blocks[index + 1] += excess
        self.overflow = 0

    def widen(self, width: int) -> None:
        """Give every slot `width` bytes."""
        self.settle()
        self.blocks = [_widen(value, self._slots(index), self.width, width) for index, value in enumerate(self.blocks)]
        self.width = width

    def multiply_by_binomial(self, weight: int) -> None:
        """Multiply by (1 + x^weight)."""
        lift, rest = divmod(weight, self.block)
        shift = rest * self.width * 8
        blocks = self.blocks
        # from the top down, so each block adds a source not yet updated
        for index in range(len(blocks) - 1, lift - 1, -1):
            source = blocks[index - lift]
            if source:
                blocks[index] += source << shift
        self.overflow += rest
        if self.overflow >= self.block:
            self.settle()

    def to_bytes(self) -> bytes:
        """All coefficients below the limit, little-endian, `width` bytes each."""
        self.settle()
        return b"".join(value.to_bytes(self._slots(index) * self.width, "little") for index, value in enumerate(self.blocks))


def _widen(packed: int, slots: int, width: int, new_width: int) -> int:
    """Re-pack `slots` coefficients from `width` to `new_width` bytes per slot."""
    source = packed.to_bytes(slots * width, "little")
    target = bytearray(slots * new_width)
    for byte in range(width):
        target[byte::new_width] = source[byte::width]
    return int.from_bytes(target, "little")


def _counts_by_weight(weights: Sequence[int], limit: int) -> tuple[bytes, int, int]:
    """Coefficients of prod (1 + x^w) below x^limit as bytes; returns (bytes, slot bytes, factors used).

    Factors are taken lightest first, so the polynomial stays short for as long as
    possible, and the slots start narrow and widen as the counts grow.
    """
    # a factor x^w beyond the limit adds nothing below it, and (1 + x^0) = 2 only doubles
    # every count, which normalised indices cancel
    factors = [weight for weight in sorted(weights) if 0 < weight < limit]
    polynomial = _BlockedPolynomial(limit, max(1, _BLOCK_BYTES // _slot_bytes(len(factors))))
    for used, weight in enumerate(factors, start=1):
        if _slot_bytes(used) > polynomial.width:
            polynomial.widen(min(_slot_bytes(len(factors)), polynomial.width + _WIDEN_STEP))
        polynomial.multiply_by_binomial(weight)
    return polynomial.to_bytes(), polynomial.width, len(factors)


def _prefix_sums(data: bytes, width: int, limit: int, factors: int) -> Callable[[int], int]:
    """F(x) = sum of the coefficients 0..x packed in `data`, as a function (0 below 0)."""
    ends = range(width, limit * width + width, width)
    slices = map(slice, range(0, limit * width, width), ends)
    coefficients = map(int.from_bytes, map(data.__getitem__, slices), repeat("little"))
    out = _slot_bytes(factors)
    sums = b"".join(map(int.to_bytes, accumulate(coefficients), repeat(out), repeat("little")))

    def prefix(x: int) -> int:
        if x < 0:
            return 0
        return int.from_bytes(sums[x * out : x * out + out], "little")

    return prefix


def _counts_by_size_and_weight(weights: Sequence[int], limit: int) -> list[Callable[[int], int]]:
    """For each size s, the prefix sums over weight of the coefficients of y^s in prod (1 + y x^w)."""
    width = _slot_bytes(len(weights))
    bits = width * 8
    mask = (1 << (limit * bits)) - 1
    rows = [1] + [0] * len(weights)
    for used, weight in enumerate(sorted(weights), start=1):
        if weight >= limit:
            continue
        shift = weight * bits
        for size in range(used - 1, -1, -1):
            if rows[size]:
                rows[size + 1] += (rows[size] << shift) & mask
    prefixes = []
    for size in range(len(rows)):
        prefixes.append(_prefix_sums(rows[size].to_bytes(limit * width, "little"), width, limit, len(weights)))
        rows[size] = 0  # free the packed row once its prefix sums exist
    return prefixes


# --- swings ----------------------------------------------------------------------------


def _window_without(prefix: Callable[[int], int], weight: int, low: int, high: int) -> int:
    """Coalitions of the others with weight in [low, high], from the full product's prefix sums.

    The others' counts c satisfy c[t] = P[t] - c[t - weight], so their window sum is the
    alternating sum of P's window sums shifted down by multiples of the weight.
    """
    total, sign = 0, 1
    while high >= 0:
        total += sign * (prefix(high) - prefix(low - 1))
        low, high, sign = low - weight, high - weight, -sign
    return total


def _banzhaf_swings_plain(game: _Game) -> dict[int, int]:
    """Swings of each distinct weight in a plain weighted game, from one polynomial in x."""
    limit = _limit(game)
    data, width, factors = _counts_by_weight(game.weights, limit)
    prefix = _prefix_sums(data, width, limit, factors)
    # a member of weight 0 never swings: its window is empty
    return {weight: _window_without(prefix, weight, limit - weight, limit - 1) if weight else 0 for weight in set(game.weights)}


def _window_without_by_size(prefixes: Sequence[Callable[[int], int]], weight: int, size: int, low: int, high: int) -> int:
    """Coalitions of the others of `size` members with weight in [low, high].

    With c_s[t] = P_s[t] - c_{s-1}[t - weight], the window sum alternates down the sizes.
    """
    total, sign = 0, 1
    for smaller in range(size, -1, -1):
        if high < 0:
            break
        row = prefixes[smaller]
        total += sign * (row(high) - row(low - 1))
        low, high, sign = low - weight, high - weight, -sign
    return total


def _swings_by_size(game: _Game, prefixes: Sequence[Callable[[int], int]], weight: int) -> list[int]:
    """For each size s of the others' coalition, how many it turns from losing to winning."""
    others = len(game.codes) - 1
    limit = _limit(game)
    members_quota, waived_from, quota = game.members_quota, game.weight_waived_from, game.quota
    swings = []
    for size in range(others + 1):
        if game.plain:
            swings.append(_window_without_by_size(prefixes, weight, size, limit - weight, limit - 1))
        elif size + 1 < members_quota:
            swings.append(0)
        elif size + 1 >= waived_from:
            # joining makes it win on members alone; before, it lost for want of members,
            # or, with members enough but short of the blocking size, for want of weight
            if size < members_quota:
                swings.append(math.comb(others, size))
            elif size < waived_from:
                swings.append(_window_without_by_size(prefixes, weight, size, 0, quota - 1))
            else:
                swings.append(0)
        elif size < members_quota:
            # joining supplies the missing member: all coalitions heavy enough with it
            swings.append(math.comb(others, size) - _window_without_by_size(prefixes, weight, size, 0, quota - weight - 1))
        else:
            swings.append(_window_without_by_size(prefixes, weight, size, quota - weight, quota - 1))
    return swings


def _table_swings(game: _Game, budget: int) -> dict[int, list[int]] | None:
    """Swings by size for each distinct weight, or None when the table exceeds the budget."""
    if _table_bytes(game, len(game.codes) + 1) > budget:
        return None
    prefixes = _counts_by_size_and_weight(game.weights, _limit(game))
    return {weight: _swings_by_size(game, prefixes, weight) for weight in set(game.weights)}


def _normalised(codes: Sequence[str], amounts: Sequence[int]) -> dict[str, Fraction]:
    total = sum(amounts)
    return {code: Fraction(amount, total) for code, amount in zip(codes, amounts)}


def banzhaf(
    weights: Mapping[str, int],
    quota: int,
    *,
    members_quota: int = 0,
    weight_waived_from: int | None = None,
    memory_budget: int = DEFAULT_MEMORY_BUDGET,
) -> dict[str, Fraction]:
    """Normalised Banzhaf index of each member, exact: its swings over the total swings.

    A plain weighted game (weight reaches `quota`) needs one polynomial of the size of the
    quota; a compound game (`members_quota`, `weight_waived_from`) needs the table by size
    and weight. Either must fit `memory_budget` bytes (estimated), else ValidationFailed.
    """
    game = _game(weights, quota, members_quota, weight_waived_from)
    if game.plain:
        needed = _table_bytes(game, 1)
        if needed > memory_budget:
            raise _over_budget(game, needed, memory_budget)
        by_weight = _banzhaf_swings_plain(game)
        return _normalised(game.codes, [by_weight[weight] for weight in game.weights])
    by_size = _table_swings(game, memory_budget)
    if by_size is None:
        raise _over_budget(game, _table_bytes(game, len(game.codes) + 1), memory_budget)
    return _normalised(game.codes, [sum(by_size[weight]) for weight in game.weights])


def shapley_shubik(
    weights: Mapping[str, int],
    quota: int,
    *,
    members_quota: int = 0,
    weight_waived_from: int | None = None,
    memory_budget: int = DEFAULT_MEMORY_BUDGET,
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
) -> ShapleyShubik:
    """Shapley-Shubik index of each member: the share of orderings in which it is pivotal.

    Exact from the table of coalitions by size and weight when that table fits
    `memory_budget` bytes (estimated: members x limit x slot bytes); otherwise estimated
    from `samples` random orderings drawn with `seed`, and labelled as sampled.
    """
    game = _game(weights, quota, members_quota, weight_waived_from)
    by_size = _table_swings(game, memory_budget)
    if by_size is None:
        return _sampled_shapley_shubik(game, samples, seed)
    members = len(game.codes)
    # a coalition of s others before the pivot, and members - 1 - s after it
    orderings = [math.factorial(size) * math.factorial(members - 1 - size) for size in range(members)]
    pivotal = {weight: sum(map(int.__mul__, swings, orderings)) for weight, swings in by_size.items()}
    index = {code: Fraction(pivotal[weight], math.factorial(members)) for code, weight in zip(game.codes, game.weights)}
    return ShapleyShubik(PowerMethod.EXACT, MappingProxyType(index), MappingProxyType({}), 0, None)


def _sampled_shapley_shubik(game: _Game, samples: int, seed: int) -> ShapleyShubik:
    if not is_whole(samples, 1):
        raise ValidationFailed.single("samples", f"{samples!r} is not accepted; accepted: an int, 1 or more")
    generator = random.Random(seed)
    order = list(zip(game.codes, game.weights))
    pivots = dict.fromkeys(game.codes, 0)
    for _ in range(samples):
        generator.shuffle(order)
        size = weight = 0
        for code, member_weight in order:
            size += 1
            weight += member_weight
            if game.wins(size, weight):
                pivots[code] += 1
                break
    index = {code: Fraction(count, samples) for code, count in pivots.items()}
    return ShapleyShubik(
        PowerMethod.SAMPLED,
        MappingProxyType(index),
        MappingProxyType({code: _binomial_standard_error(share, samples) for code, share in index.items()}),
        samples,
        seed,
    )


def _binomial_standard_error(share: Fraction, samples: int) -> Fraction:
    """sqrt(p (1 - p) / samples), to 12 decimal places (a square root is rarely rational)."""
    variance = share * (1 - share) / samples
    scale = 10**12
    return Fraction(math.isqrt(variance.numerator * scale * scale // variance.denominator), scale)
