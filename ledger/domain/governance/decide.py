"""The decision a rule gives on a set of ballots: who counts, the tallies, every threshold as applied.

`decide` applies a rule (ledger.domain.governance.rules) to the ballots of one motion and
returns a `Decision` that carries its tallies, every threshold as applied, and the sentence
a delegate can read (ledger.domain.governance.explain). All arithmetic is exact.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ledger.domain.errors import Problem, raise_if_any
from ledger.domain.governance.explain import explain
from ledger.domain.governance.rules import (
    Abstention,
    Base,
    Measure,
    Number,
    Outcome,
    Rule,
    Threshold,
    Vote,
    Weighting,
    choices,
    exact_fraction,
    field_names,
    fraction_json,
    rule_votes,
)
from ledger.domain.members import is_member_code


@dataclass(frozen=True, slots=True)
class Voter:
    """A member as a vote sees it: its code (ISO 3166-1 alpha-3), weight and standing.

    `suspension` says why the member's vote is suspended (for instance arrears), `waiver`
    names the decision that lifted that suspension for this vote. A suspended member
    without a waiver is not eligible: it is excluded from the votes and from the base.
    """

    code: str
    weight: Number = 1
    suspension: str | None = None
    waiver: str | None = None

    @property
    def eligible(self) -> bool:
        """Whether this member may vote."""
        return self.suspension is None or self.waiver is not None


@dataclass(frozen=True, slots=True)
class MemberTally:
    """Members counted by how they voted, and the base the members threshold is measured on."""

    in_favour: int
    against: int
    abstaining: int
    absent: int
    base: int


@dataclass(frozen=True, slots=True)
class WeightTally:
    """Weight (basic votes included) by how it voted, and the base the weight threshold is measured on."""

    in_favour: Fraction
    against: Fraction
    abstaining: Fraction
    absent: Fraction
    base: Fraction


@dataclass(frozen=True, slots=True)
class ThresholdCheck:
    """One threshold as applied: what was counted, against which base, and whether it held.

    `deemed_met` is true when the weight threshold failed on its own but counts as met
    because fewer members than the blocking minority failed to vote yes.
    """

    measure: Measure
    threshold: Threshold
    count: Fraction
    base: Fraction
    met: bool
    deemed_met: bool = False

    def to_json(self) -> dict[str, Any]:
        """The JSON form, numbers as exact 'p/q' strings."""
        return {
            "measure": self.measure.value,
            "threshold": self.threshold.to_json(),
            "count": fraction_json(self.count),
            "base": fraction_json(self.base),
            "met": self.met,
            "deemed_met": self.deemed_met,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ThresholdCheck:
        """Read back the JSON form `to_json` wrote (a closed motion's snapshot)."""
        problems: list[Problem] = []
        threshold = Threshold._parse(data["threshold"], "threshold", problems)
        raise_if_any(problems)
        return cls(Measure(data["measure"]), threshold, Fraction(data["count"]), Fraction(data["base"]), bool(data["met"]),
                   bool(data.get("deemed_met", False)))


@dataclass(frozen=True, slots=True)
class Decision:
    """What a rule decided on a set of ballots, with the numbers behind it and a plain sentence."""

    outcome: Outcome
    members: MemberTally
    weight: WeightTally | None  # None under equal weights
    checks: tuple[ThresholdCheck, ...]  # the members and weight thresholds, in that order
    quorum: ThresholdCheck | None
    eligible: frozenset[str]
    present: frozenset[str]  # eligible members present
    explanation: str

    def to_json(self) -> dict[str, Any]:
        """The JSON form for a closed motion's snapshot; numbers as exact 'p/q' strings."""
        weight = None
        if self.weight is not None:
            weight = {name: fraction_json(getattr(self.weight, name)) for name in field_names(WeightTally)}
        return {
            "outcome": self.outcome.value,
            "members": {name: getattr(self.members, name) for name in field_names(MemberTally)},
            "weight": weight,
            "checks": [check.to_json() for check in self.checks],
            "quorum": None if self.quorum is None else self.quorum.to_json(),
            "eligible": sorted(self.eligible),
            "present": sorted(self.present),
            "explanation": self.explanation,
        }


def voter_votes(rule: Rule, members: Sequence[Voter]) -> dict[str, Fraction]:
    """Each member's votes as the rule counts them: one each under equal rules, else weight plus basic votes.

    Basic votes are shared among the eligible members (`rule_votes`); a member not eligible
    keeps its weight alone, which no tally counts. Every member is checked (a Voter, a
    well-formed code given once, a weight of 0 or more); all problems are reported at once,
    named `members[i].code` or `members[i].weight`.
    """
    problems = []
    weights: dict[str, Fraction] = {}
    for index, voter in enumerate(members):
        path = f"members[{index}]"
        if not isinstance(voter, Voter):
            problems.append(Problem(path, "expected a Voter"))
            continue
        if not is_member_code(voter.code):
            accepted = "accepted: an ISO 3166-1 alpha-3 code such as 'FRA'"
            problems.append(Problem(f"{path}.code", f"{voter.code!r} is not accepted; {accepted}"))
            continue
        if voter.code in weights:
            problems.append(Problem(f"{path}.code", f"{voter.code} is listed twice; each member votes once"))
            continue
        weight = exact_fraction(voter.weight)
        if weight is None or weight < 0:
            accepted = "accepted: an int, Decimal or Fraction, 0 or more"
            problems.append(Problem(f"{path}.weight", f"{voter.weight!r} is not accepted; {accepted}"))
            weights[voter.code] = Fraction(0)
            continue
        weights[voter.code] = Fraction(1) if rule.weights is Weighting.EQUAL else weight
    raise_if_any(problems)
    eligible = {voter.code for voter in members if voter.eligible}
    counted = rule_votes(rule, {code: weight for code, weight in weights.items() if code in eligible})
    return {code: counted.get(code, weight) for code, weight in weights.items()}


def _refusal(voter: Voter) -> str:
    return f"{voter.code} may not vote: its vote is suspended ({voter.suspension}) and no waiver holds."


def _read_ballots(
    members: Sequence[Voter], ballots: Mapping[str, Vote | str], present: Collection[str] | None
) -> tuple[dict[str, Vote], frozenset[str]]:
    by_code = {voter.code: voter for voter in members}
    problems = []
    votes: dict[str, Vote] = {}
    for code in sorted(ballots):
        path = f"ballots.{code}"
        choice = ballots[code]
        if code not in by_code:
            problems.append(Problem(path, f"{code!r} is not a member; only members may vote"))
        elif not by_code[code].eligible:
            problems.append(Problem(path, _refusal(by_code[code])))
        elif not isinstance(choice, str) or choice not in Vote._value2member_map_:
            problems.append(Problem(path, f"{choice!r} is not accepted; accepted: {choices(Vote)}"))
        else:
            votes[code] = Vote(choice)
    in_room = set(votes) if present is None else set(present)
    for code in sorted(in_room - set(by_code)):
        problems.append(Problem(f"present.{code}", f"{code!r} is not a member"))
    raise_if_any(problems)
    # a ballot is proof of presence, whatever the roll call says
    eligible_present = frozenset(code for code in in_room | set(votes) if by_code[code].eligible)
    return votes, eligible_present


def decide(
    rule: Rule,
    members: Sequence[Voter],
    ballots: Mapping[str, Vote | str],
    present: Collection[str] | None = None,
) -> Decision:
    """Apply `rule` to the ballots of the `members` and say what was decided, and why.

    `ballots` maps member codes to "yes", "no" or "abstain"; members without a ballot are
    absent unless listed in `present` (default: those who cast a ballot, abstentions
    included). An eligible member present without a ballot counts as abstaining. A ballot
    from a member that may not vote is refused (ValidationFailed naming the member and why).
    """
    weights = voter_votes(rule, members)
    votes, present_eligible = _read_ballots(members, ballots, present)
    eligible = frozenset(voter.code for voter in members if voter.eligible)

    not_yes = len(eligible) - sum(1 for code in eligible if votes.get(code) is Vote.YES)

    counted = {"in_favour": 0, "against": 0, "abstaining": 0, "absent": 0}
    weighed = {name: Fraction(0) for name in counted}
    for code in eligible:
        group = _tally_group(votes.get(code), code in present_eligible)
        counted[group] += 1
        weighed[group] += weights[code]
    members_tally = MemberTally(**counted, base=_base(rule, counted))
    weight_tally = None if rule.weights is Weighting.EQUAL else WeightTally(**weighed, base=_base(rule, weighed))

    checks = []
    for measure, threshold in rule.thresholds:
        tally = members_tally if measure is Measure.MEMBERS else weight_tally
        count, base = Fraction(tally.in_favour), Fraction(tally.base)
        met = threshold.is_met(count, base)
        blocking = rule.blocking_minority_min_members
        deemed = measure is Measure.WEIGHT and not met and blocking is not None and not_yes < blocking
        checks.append(ThresholdCheck(measure, threshold, count, base, met or deemed, deemed))

    quorum_check = None
    if rule.quorum is not None:
        attending, entitled = Fraction(len(present_eligible)), Fraction(len(eligible))
        quorum_check = ThresholdCheck(Measure.QUORUM, rule.quorum, attending, entitled, rule.quorum.is_met(attending, entitled))

    if quorum_check is not None and not quorum_check.met:
        outcome = Outcome.NO_QUORUM
    elif all(check.met for check in checks):
        outcome = Outcome.ADOPTED
    else:
        outcome = Outcome.REJECTED
    return Decision(
        outcome=outcome,
        members=members_tally,
        weight=weight_tally,
        checks=tuple(checks),
        quorum=quorum_check,
        eligible=eligible,
        present=present_eligible,
        explanation=explain(rule, outcome, checks, quorum_check, not_yes),
    )


def _tally_group(vote: Vote | None, is_present: bool) -> str:
    if not is_present:
        return "absent"
    if vote is Vote.YES:
        return "in_favour"
    if vote is Vote.NO:
        return "against"
    # present without a ballot is counted with the abstentions
    return "abstaining"


def _base(rule: Rule, tally: Mapping[str, Any]) -> Any:
    if rule.base is Base.ELIGIBLE:
        return sum(tally.values())
    if rule.base is Base.PRESENT:
        return tally["in_favour"] + tally["against"] + tally["abstaining"]
    abstentions = tally["abstaining"] if rule.abstention is Abstention.AGAINST else 0
    return tally["in_favour"] + tally["against"] + abstentions
