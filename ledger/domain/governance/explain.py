"""The sentence that says why a vote was adopted, rejected or without a quorum, from the thresholds as applied."""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction
from typing import TYPE_CHECKING

from ledger.domain.governance.rules import Abstention, Base, Measure, Outcome, Rule, ThresholdOp

if TYPE_CHECKING:  # decide.py builds the checks and imports this module to word them
    from ledger.domain.governance.decide import ThresholdCheck


_FRACTION_NAMES = {
    Fraction(1, 2): "half",
    Fraction(2, 3): "two-thirds",
    Fraction(3, 4): "three-quarters",
    Fraction(3, 5): "three-fifths",
    Fraction(1): "unanimity",
}

_MEMBER_BASES = {
    Base.CAST: "of votes cast",
    Base.PRESENT: "of members present",
    Base.ELIGIBLE: "of all members entitled to vote",
}

_WEIGHT_BASES = {
    Base.CAST: "of the weight cast",
    Base.PRESENT: "of the weight present",
    Base.ELIGIBLE: "of the weight of all members entitled to vote",
}


def _base_words(rule: Rule, words: Mapping[Base, str]) -> str:
    if rule.base is Base.CAST and rule.abstention is Abstention.AGAINST:
        return f"{words[Base.CAST]}, abstentions counting as against"
    return words[rule.base]


def _percent(share: Fraction, decimals: int) -> str:
    hundredths = share * 100
    if hundredths.denominator == 1:
        return f"{hundredths.numerator} %"
    scale = 10**decimals
    # round half up, from the exact value
    rounded = math.floor(hundredths * scale + Fraction(1, 2))
    whole, part = divmod(rounded, scale)
    return f"{whole}.{part:0{decimals}d} %"


def _percent_pair(share: Fraction, required: Fraction) -> tuple[str, str]:
    """Format a share and a required share as percentages, with enough decimals to tell them apart."""
    decimals = 1
    while share != required and decimals < 6 and _percent(share, decimals) == _percent(required, decimals):
        decimals += 1
    return _percent(share, decimals), _percent(required, decimals)


def _verdict(check: ThresholdCheck, required: str, base_words: str) -> str:
    at_least = check.threshold.op is ThresholdOp.AT_LEAST
    reached = check.threshold.is_met(check.count, check.base)
    if at_least:
        verb = "reaching" if reached else "short of"
    else:
        verb = "above" if reached else "not above"
    return f"{verb} the required {required} {base_words}"


def _required_words(fraction: Fraction, required_percent: str) -> str:
    name = _FRACTION_NAMES.get(fraction)
    return required_percent if name is None else f"{name} ({required_percent})"


def _clause(rule: Rule, check: ThresholdCheck, not_yes: int) -> str:
    fraction = check.threshold.fraction
    if check.base == 0:
        shown, required = "no share", _percent(fraction, 1)
    else:
        shown, required = _percent_pair(check.count / check.base, fraction)
    required_words = _required_words(fraction, required)
    if check.measure is Measure.MEMBERS:
        head = f"{check.count} of {check.base} members voted yes ({shown})"
        return f"{head}, {_verdict(check, required_words, _base_words(rule, _MEMBER_BASES))}"
    head = f"{shown} of the weight voted yes"
    clause = f"{head}, {_verdict(check, required_words, _base_words(rule, _WEIGHT_BASES))}"
    if check.deemed_met:
        return (
            f"{clause}, but only {not_yes} member{'s' if not_yes != 1 else ''} did not vote yes, fewer than the "
            f"{rule.blocking_minority_min_members} a blocking minority needs, so the weight threshold counts as met"
        )
    if not check.met and rule.blocking_minority_min_members is not None:
        blocking = rule.blocking_minority_min_members
        return f"{clause}, and {not_yes} members did not vote yes, enough for a blocking minority of {blocking}"
    return clause


def _quorum_clause(check: ThresholdCheck) -> str:
    if check.base:
        shown, required = _percent_pair(check.count / check.base, check.threshold.fraction)
    else:
        shown, required = "no share", _percent(check.threshold.fraction, 1)
    head = f"{check.count} of {check.base} members entitled to vote were present ({shown})"
    return f"{head}, {_verdict(check, _required_words(check.threshold.fraction, required), 'for a quorum')}"


def explain(
    rule: Rule, outcome: Outcome, checks: tuple[ThresholdCheck, ...], quorum: ThresholdCheck | None, not_yes: int
) -> str:
    """The sentence a delegate reads: the outcome, then each threshold with its count, share and verdict.

    `not_yes` is how many eligible members did not vote yes (the blocking minority's count).
    """
    if outcome is Outcome.NO_QUORUM:
        assert quorum is not None  # only a quorum can be missing
        return f"No quorum: {_quorum_clause(quorum)}."
    clauses = [_clause(rule, check, not_yes) for check in checks]
    if quorum is not None:
        clauses.append(f"quorum met ({quorum.count} of {quorum.base} members entitled to vote present)")
    return f"{outcome.value.capitalize()}: " + "; ".join(clauses) + "."
