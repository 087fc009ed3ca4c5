"""The sentence that says why a vote was adopted, rejected or without a quorum, from the thresholds as applied."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ledger.domain.governance.rules import Abstention, Base, Measure, Outcome, Rule, ThresholdOp

if TYPE_CHECKING:  # decide.py builds the checks and imports this module to word them
    from ledger.domain.governance.decide import ThresholdCheck

# Every sentence is an English template with {named} fields, passed through `words`: the
# decision's own sentence uses English as written, and a report in another language passes
# its catalogue (ledger.reports.i18n.Translator), so the same figures read in either.

Words = Callable[..., str]
"""`words(template, **fields)`: the template in some language, formatted with the fields."""


def english(template: str, /, **fields: object) -> str:
    """The templates as written."""
    return template.format(**fields) if fields else template


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

_OUTCOME_WORDS = {Outcome.ADOPTED: "Adopted", Outcome.REJECTED: "Rejected"}


def _base_words(rule: Rule, words: Mapping[Base, str], t: Words) -> str:
    if rule.base is Base.CAST and rule.abstention is Abstention.AGAINST:
        return t("{base}, abstentions counting as against", base=t(words[Base.CAST]))
    return t(words[rule.base])


def _percent(share: Fraction, decimals: int, t: Words) -> str:
    hundredths = share * 100
    if hundredths.denominator == 1:
        return t("{whole} %", whole=hundredths.numerator)
    scale = 10**decimals
    # round half up, from the exact value
    rounded = math.floor(hundredths * scale + Fraction(1, 2))
    whole, part = divmod(rounded, scale)
    return t("{whole}.{part} %", whole=whole, part=f"{part:0{decimals}d}")


def _percent_pair(share: Fraction, required: Fraction, t: Words) -> tuple[str, str]:
    """Format a share and a required share as percentages, with enough decimals to tell them apart."""
    decimals = 1
    while share != required and decimals < 6 and _percent(share, decimals, english) == _percent(required, decimals, english):
        decimals += 1
    return _percent(share, decimals, t), _percent(required, decimals, t)


_VERDICTS = {  # (at least, reached) -> the clause
    (True, True): "reaching the required {required} {base}",
    (True, False): "short of the required {required} {base}",
    (False, True): "above the required {required} {base}",
    (False, False): "not above the required {required} {base}",
}

_DEEMED_MET = {  # whether one member or several did not vote yes -> the clause
    True: "{clause}, but only {not_yes} member did not vote yes, fewer than the {blocking} a blocking minority needs, "
          "so the weight threshold counts as met",
    False: "{clause}, but only {not_yes} members did not vote yes, fewer than the {blocking} a blocking minority needs, "
           "so the weight threshold counts as met",
}


def _verdict(check: ThresholdCheck, required: str, base_words: str, t: Words) -> str:
    reached = check.threshold.is_met(check.count, check.base)
    return t(_VERDICTS[check.threshold.op is ThresholdOp.AT_LEAST, reached], required=required, base=base_words)


def _required_words(fraction: Fraction, required_percent: str, t: Words) -> str:
    name = _FRACTION_NAMES.get(fraction)
    return required_percent if name is None else t("{name} ({percent})", name=t(name), percent=required_percent)


def _clause(rule: Rule, check: ThresholdCheck, not_yes: int, t: Words) -> str:
    fraction = check.threshold.fraction
    if check.base == 0:
        shown, required = t("no share"), _percent(fraction, 1, t)
    else:
        shown, required = _percent_pair(check.count / check.base, fraction, t)
    required_words = _required_words(fraction, required, t)
    if check.measure is Measure.MEMBERS:
        head = t("{count} of {base} members voted yes ({shown})", count=check.count, base=check.base, shown=shown)
        return t("{head}, {verdict}", head=head, verdict=_verdict(check, required_words, _base_words(rule, _MEMBER_BASES, t), t))
    head = t("{shown} of the weight voted yes", shown=shown)
    clause = t("{head}, {verdict}", head=head, verdict=_verdict(check, required_words, _base_words(rule, _WEIGHT_BASES, t), t))
    if check.deemed_met:
        return t(_DEEMED_MET[not_yes == 1], clause=clause, not_yes=not_yes, blocking=rule.blocking_minority_min_members)
    if not check.met and rule.blocking_minority_min_members is not None:
        return t("{clause}, and {not_yes} members did not vote yes, enough for a blocking minority of {blocking}",
                 clause=clause, not_yes=not_yes, blocking=rule.blocking_minority_min_members)
    return clause


def _quorum_clause(check: ThresholdCheck, t: Words) -> str:
    if check.base:
        shown, required = _percent_pair(check.count / check.base, check.threshold.fraction, t)
    else:
        shown, required = t("no share"), _percent(check.threshold.fraction, 1, t)
    head = t("{count} of {base} members entitled to vote were present ({shown})", count=check.count, base=check.base, shown=shown)
    verdict = _verdict(check, _required_words(check.threshold.fraction, required, t), t("for a quorum"), t)
    return t("{head}, {verdict}", head=head, verdict=verdict)


_SECRET_MEASURES = {Measure.MEMBERS.value: "members", Measure.WEIGHT.value: "weight"}
_SECRET_OPS = {ThresholdOp.AT_LEAST: "at least", ThresholdOp.MORE_THAN: "more than"}
_SECRET_VERDICTS = {True: "met", False: "not met"}

SENTENCE_WORDS: tuple[str, ...] = (
    *_FRACTION_NAMES.values(), *_MEMBER_BASES.values(), *_WEIGHT_BASES.values(), *_OUTCOME_WORDS.values(),
    *_VERDICTS.values(), *_DEEMED_MET.values(), *_SECRET_MEASURES.values(), *_SECRET_OPS.values(), *_SECRET_VERDICTS.values(),
)
"""The words and templates of the sentences held in tables, which a catalogue translates like the others."""


def explain(
    rule: Rule, outcome: Outcome, checks: Sequence[ThresholdCheck], quorum: ThresholdCheck | None, not_yes: int,
    t: Words = english,
) -> str:
    """The decision in one sentence: the outcome, then each threshold as applied and the quorum.

    `not_yes` is how many eligible members did not vote yes (for the blocking minority).
    """
    if outcome is Outcome.NO_QUORUM:
        assert quorum is not None  # only a quorum can be missing
        return t("No quorum: {clause}.", clause=_quorum_clause(quorum, t))
    clauses = [_clause(rule, check, not_yes, t) for check in checks]
    if quorum is not None:
        clauses.append(t("quorum met ({count} of {base} members entitled to vote present)", count=quorum.count, base=quorum.base))
    return t("{outcome}: {clauses}.", outcome=t(_OUTCOME_WORDS[outcome]), clauses=t("; ").join(clauses))


def explain_snapshot(snapshot: Mapping[str, Any], t: Words = english) -> str:
    """The sentence of a closed motion's snapshot (its "rule" and "decision"), in the language of `t`.

    The same sentence `decide` recorded, rebuilt from the thresholds as the snapshot
    stored them, so that another language says the very same figures.
    """
    from ledger.domain.governance.decide import ThresholdCheck  # decide imports this module: read the checks at call time

    decision = snapshot["decision"]
    if decision["members"] is None:  # a secret ballot as published: no count of how anyone voted
        return explain_secret(Rule.from_json(snapshot["rule"]), Outcome(decision["outcome"]), decision["checks"], decision.get("quorum"), t)
    not_yes = len(decision["eligible"]) - decision["members"]["in_favour"]
    quorum = decision.get("quorum")
    return explain(
        Rule.from_json(snapshot["rule"]), Outcome(decision["outcome"]),
        [ThresholdCheck.from_json(check) for check in decision["checks"]],
        None if quorum is None else ThresholdCheck.from_json(quorum), not_yes, t,
    )


def explain_secret(
    rule: Rule, outcome: Outcome, checks: Sequence[Mapping[str, Any]], quorum: Mapping[str, Any] | None, t: Words = english,
) -> str:
    """The sentence of a secret ballot as published (publication.published_snapshot): each
    threshold met or not, and the quorum (presence is public), with no count of how anyone voted."""
    from ledger.domain.governance.decide import ThresholdCheck  # decide imports this module: read the checks at call time
    from ledger.domain.governance.rules import Threshold

    if outcome is Outcome.NO_QUORUM:
        assert quorum is not None  # only a quorum can be missing
        return t("No quorum: {clause}.", clause=_quorum_clause(ThresholdCheck.from_json(quorum), t))
    clauses = []
    for check in checks:
        threshold = Threshold(ThresholdOp(check["threshold"]["op"]), Fraction(check["threshold"]["fraction"]))
        words = _MEMBER_BASES if check["measure"] == Measure.MEMBERS.value else _WEIGHT_BASES
        required = _required_words(threshold.fraction, _percent(threshold.fraction, 1, t), t)
        clause = t("the {measure} threshold ({op} {required} {base}) {verdict}", measure=t(_SECRET_MEASURES[check["measure"]]),
                   op=t(_SECRET_OPS[threshold.op]), required=required, base=_base_words(rule, words, t),
                   verdict=t(_SECRET_VERDICTS[bool(check["met"])]))
        if check["deemed_met"]:
            clause = t("{clause}, counted as met: fewer than the {blocking} members a blocking minority needs did not vote yes",
                       clause=clause, blocking=rule.blocking_minority_min_members)
        clauses.append(clause)
    if quorum is not None:
        clauses.append(t("quorum met ({count} of {base} members entitled to vote present)",
                         count=Fraction(quorum["count"]), base=Fraction(quorum["base"])))
    return t("{outcome} by secret ballot: {clauses}.", outcome=t(_OUTCOME_WORDS[outcome]), clauses=t("; ").join(clauses))
