"""Splitting a whole into parts in proportion to weights, by largest remainder, so the parts add up exactly.

The one implementation of the largest remainder method (Hamilton's method): the scale's
shares (ledger.domain.contributions), members' GPU-hour quotas (ledger.domain.compute) and a
job's GPU time split between months (ledger.domain.sacct) all call it.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from ledger.domain.errors import ValidationFailed


def apportion(total: int, weights: Sequence[int | Fraction]) -> tuple[int, ...]:
    """Split ``total`` in proportion to ``weights`` (integers or exact Fractions) by largest
    remainder, summing exactly.

    Ties between equal remainders go to the earlier weight, so the result is deterministic.
    All weights zero: everything goes to the first part (there is nothing to be proportional to).
    """
    if total < 0 or any(weight < 0 for weight in weights):
        raise ValidationFailed.single("weights", "total and weights must not be negative")
    if not weights:
        raise ValidationFailed.single("weights", "at least one part is needed")
    weight_sum = sum(weights)
    if weight_sum == 0:
        return (total,) + (0,) * (len(weights) - 1)
    floors_and_remainders = [divmod(total * weight, weight_sum) for weight in weights]
    parts = [floor for floor, _ in floors_and_remainders]
    leftover = total - sum(parts)
    by_remainder = sorted(
        range(len(weights)), key=lambda index: (-floors_and_remainders[index][1], index)
    )
    for index in by_remainder[:leftover]:
        parts[index] += 1
    return tuple(parts)
