"""Voting rules as values, and the decision a rule gives on a set of ballots.

A rule is data (DESIGN.md, Governance): how members are weighted, what the majority is
measured against, how abstentions count, the thresholds on members and on weight, the
blocking minority and the quorum. `decide` applies a rule to the ballots of one motion and
returns a `Decision` that carries its tallies, every threshold as applied, and a sentence a
delegate can read. All arithmetic is exact (`fractions.Fraction`); no float is ever used.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from types import MappingProxyType, SimpleNamespace
from typing import Any

from ledger.domain.errors import Problem, ValidationFailed, raise_if_any
from ledger.domain.members import is_member_code

Number = Fraction | Decimal | int


class Weighting(StrEnum):
    """How much each member's vote counts."""

    EQUAL = "equal"
    WEIGHTED = "weighted"  # by a quantity the caller gives: contribution, population, quota


class Base(StrEnum):
    """What a threshold is measured against."""

    CAST = "cast"  # yes + no (+ abstentions when they count as against)
    PRESENT = "present"  # eligible members present
    ELIGIBLE = "eligible"  # all members entitled to vote


class Abstention(StrEnum):
    """How an abstention counts."""

    NOT_CAST = "not_cast"
    AGAINST = "against"


class ThresholdOp(StrEnum):
    """How the count is compared with the fraction of the base."""

    MORE_THAN = "more_than"
    AT_LEAST = "at_least"


class Vote(StrEnum):
    """A member's ballot."""

    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"


class Outcome(StrEnum):
    """What a vote decided."""

    ADOPTED = "adopted"
    REJECTED = "rejected"
    NO_QUORUM = "no_quorum"


class Measure(StrEnum):
    """What a threshold counts."""

    MEMBERS = "members"
    WEIGHT = "weight"
    QUORUM = "quorum"


MAX_FRACTION_TEXT = 60
"""Characters of a fraction's text: exact enough for any threshold, and far below Python's
limit on the digits of an int (4,300), past which converting the text would fail."""
MAX_BLOCKING_MINORITY = 10_000
MAX_WEIGHT = 10**15
MAX_WEIGHT_DECIMALS = 6
"""A member's weight: up to a thousand times the world's population, to a millionth; larger
figures only make the power tables (and any column that stores them) larger, never truer."""
IMF_BASIC_VOTES_SHARE = Fraction(5502, 100_000)
"""IMF Articles of Agreement Art. XII, Sec. 5(a)(i), as amended by the 2008 reform (in force
2011) and kept by the 2010 reform (in force 2016): basic votes are 5.502 % of the total votes."""

_FRACTION_TEXT = re.compile(r"(\d+)/(\d+)|\d+(\.\d+)?")
_FRACTION_ACCEPTED = "accepted: a fraction 'p/q' such as '2/3', or a decimal such as '0.55', from 0 to 1"
_BASIC_SHARE_ACCEPTED = (
    "accepted: the share of the total votes that are basic votes, a fraction 'p/q' or a decimal from 0 up to, "
    "not including, 1, such as '2751/50000' (IMF: 5.502 %)"
)


def exact_fraction(value: Any) -> Fraction | None:
    """`value` as an exact Fraction if it is an int, Decimal or Fraction; None otherwise.

    A bool is an int and a float is inexact: neither is accepted as a number of votes.
    """
    if isinstance(value, bool) or not isinstance(value, (Fraction, Decimal, int)):
        return None
    if isinstance(value, Decimal) and not value.is_finite():
        return None
    return Fraction(value)


def is_whole(value: Any, least: int) -> bool:
    """Whether `value` is an int (not a bool) of at least `least`."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def _field_names(record: type) -> tuple[str, ...]:
    return tuple(field.name for field in fields(record))


def _fraction_json(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def _choices(enum: type[StrEnum]) -> str:
    return ", ".join(f"'{member.value}'" for member in enum)


def _parse_enum(enum: type[StrEnum], value: Any, path: str, problems: list[Problem]) -> Any:
    if isinstance(value, str) and value in enum._value2member_map_:
        return enum(value)
    problems.append(Problem(path, f"{value!r} is not accepted; accepted: {_choices(enum)}"))
    return None


def _parse_fraction_text(value: Any, path: str, problems: list[Problem], accepted: str) -> Fraction | None:
    if isinstance(value, str) and len(value) > MAX_FRACTION_TEXT:
        problems.append(Problem(path, f"{len(value):,} characters, more than {MAX_FRACTION_TEXT}; {accepted}"))
        return None
    if isinstance(value, str) and (match := _FRACTION_TEXT.fullmatch(value)):
        denominator = match.group(2)
        if denominator is not None and int(denominator) == 0:
            problems.append(Problem(path, f"{value!r} divides by zero; {accepted}"))
            return None
        return Fraction(value)
    problems.append(Problem(path, f"{value!r} is not a number; {accepted}"))
    return None


@dataclass(frozen=True, slots=True)
class Threshold:
    """A share of a base that a count must exceed (more_than) or reach (at_least)."""

    op: ThresholdOp
    fraction: Fraction

    def __post_init__(self) -> None:
        problems = []
        if not isinstance(self.op, ThresholdOp):
            problems.append(Problem("threshold.op", f"{self.op!r} is not accepted; accepted: {_choices(ThresholdOp)}"))
        if not isinstance(self.fraction, Fraction) or not 0 <= self.fraction <= 1:
            problems.append(Problem("threshold.fraction", f"{self.fraction!r} is not accepted; {_FRACTION_ACCEPTED}"))
        raise_if_any(problems)

    def is_met(self, count: Fraction | int, base: Fraction | int) -> bool:
        """Whether `count` meets this share of `base`; an empty base never does (nothing was voted)."""
        if base == 0:
            return False
        if self.op is ThresholdOp.AT_LEAST:
            return count >= self.fraction * base
        return count > self.fraction * base

    def to_json(self) -> dict[str, str]:
        """The JSON form: {"op": "at_least", "fraction": "2/3"}."""
        return {"op": self.op.value, "fraction": _fraction_json(self.fraction)}

    @classmethod
    def _parse(cls, data: Any, path: str, problems: list[Problem]) -> Threshold | None:
        if not isinstance(data, Mapping):
            problems.append(Problem(path, 'expected null or an object {"op": "at_least", "fraction": "2/3"}'))
            return None
        found: list[Problem] = []
        unknown = sorted(set(data) - {"op", "fraction"})
        for key in unknown:
            found.append(Problem(f"{path}.{key}", "unknown field; accepted: op, fraction"))
        op = _parse_enum(ThresholdOp, data.get("op"), f"{path}.op", found)
        fraction = _parse_fraction_text(data.get("fraction"), f"{path}.fraction", found, _FRACTION_ACCEPTED)
        if fraction is not None and fraction > 1:
            found.append(Problem(f"{path}.fraction", f"{data['fraction']!r} is above 1; {_FRACTION_ACCEPTED}"))
        problems.extend(found)
        return None if found else cls(op, fraction)


LEGACY_BASIC_VOTES = "basic_votes_per_member"
_RULE_FIELDS = (
    "weights",
    "basic_votes_share",
    "base",
    "abstention",
    "members_threshold",
    "weight_threshold",
    "blocking_minority_min_members",
    "quorum",
)


@dataclass(frozen=True, slots=True)
class Rule:
    """A voting rule. Construction validates it; `from_json` / `to_json` give its JSON form.

    - weights: equal, or weighted by a quantity the caller gives for each member;
    - basic_votes_share: weighted rules only, the share of the total votes that are basic
      votes, spread equally among the members on top of their weights (IMF basic votes);
      a share, so it means the same whatever unit the weights come in;
    - base: votes cast, members present, or all eligible members;
    - abstention: counts as not cast, or as a vote against (it then enters the base "cast");
    - members_threshold / weight_threshold: both given means both must hold (double majority);
      equal rules take a members threshold only, weighted rules need a weight threshold;
    - blocking_minority_min_members: when fewer eligible members than this fail to vote yes,
      the weight threshold counts as met (TEU Art. 16(4): four);
    - quorum: the share of eligible members that must be present for a vote to count.
    """

    weights: Weighting
    base: Base
    abstention: Abstention
    members_threshold: Threshold | None = None
    weight_threshold: Threshold | None = None
    basic_votes_share: Fraction | None = None
    blocking_minority_min_members: int | None = None
    quorum: Threshold | None = None

    def __post_init__(self) -> None:
        raise_if_any(_rule_problems(self, "rule"))

    @property
    def thresholds(self) -> tuple[tuple[Measure, Threshold], ...]:
        """The member and weight thresholds this rule has, in that order."""
        pairs = ((Measure.MEMBERS, self.members_threshold), (Measure.WEIGHT, self.weight_threshold))
        return tuple((measure, threshold) for measure, threshold in pairs if threshold is not None)

    def to_json(self) -> dict[str, Any]:
        """The JSON form, every parameter present (null when unused)."""
        basic = self.basic_votes_share
        return {
            "weights": self.weights.value,
            "basic_votes_share": None if basic is None else _fraction_json(basic),
            "base": self.base.value,
            "abstention": self.abstention.value,
            "members_threshold": None if self.members_threshold is None else self.members_threshold.to_json(),
            "weight_threshold": None if self.weight_threshold is None else self.weight_threshold.to_json(),
            "blocking_minority_min_members": self.blocking_minority_min_members,
            "quorum": None if self.quorum is None else self.quorum.to_json(),
        }

    @classmethod
    def from_json(cls, data: Any, path: str = "rule") -> Rule:
        """Parse the JSON form; every problem is reported at once, named by its field path."""
        if not isinstance(data, Mapping):
            raise ValidationFailed.single(path, "expected an object with " + ", ".join(_RULE_FIELDS))
        problems: list[Problem] = []
        if LEGACY_BASIC_VOTES in data and data[LEGACY_BASIC_VOTES] is None:
            # rules stored before basic votes became a share carry the old parameter, unused, as null
            data = {key: value for key, value in data.items() if key != LEGACY_BASIC_VOTES}
        for key in sorted(set(data) - set(_RULE_FIELDS)):
            problems.append(Problem(f"{path}.{key}", "unknown parameter; accepted: " + ", ".join(_RULE_FIELDS)))
        for key in ("weights", "base", "abstention"):
            if key not in data:
                problems.append(Problem(f"{path}.{key}", "required"))
        weights = _parse_enum(Weighting, data["weights"], f"{path}.weights", problems) if "weights" in data else None
        base = _parse_enum(Base, data["base"], f"{path}.base", problems) if "base" in data else None
        abstention = None
        if "abstention" in data:
            abstention = _parse_enum(Abstention, data["abstention"], f"{path}.abstention", problems)
        thresholds = {}
        for key in ("members_threshold", "weight_threshold", "quorum"):
            value = data.get(key)
            thresholds[key] = None if value is None else Threshold._parse(value, f"{path}.{key}", problems)
        basic = _parse_basic_votes_share(data.get("basic_votes_share"), f"{path}.basic_votes_share", problems)
        blocking = data.get("blocking_minority_min_members")
        raise_if_any(problems)
        fields = dict(weights=weights, base=base, abstention=abstention, basic_votes_share=basic,
                      blocking_minority_min_members=blocking, **thresholds)
        # report cross-field problems under the caller's path, not the constructor's
        raise_if_any(_rule_problems(SimpleNamespace(**fields), path))
        return cls(**fields)


def _rule_problems(rule: Rule | SimpleNamespace, path: str) -> list[Problem]:
    """Every way a rule's fields are malformed or inconsistent, each naming its field under `path`."""
    found = []
    for name, enum in (("weights", Weighting), ("base", Base), ("abstention", Abstention)):
        value = getattr(rule, name)
        if not isinstance(value, enum):
            found.append(Problem(f"{path}.{name}", f"{value!r} is not accepted; accepted: {_choices(enum)}"))
    for name in ("members_threshold", "weight_threshold", "quorum"):
        value = getattr(rule, name)
        if value is not None and not isinstance(value, Threshold):
            found.append(Problem(f"{path}.{name}", "expected a Threshold or None"))
    basic = rule.basic_votes_share
    if basic is not None and not (isinstance(basic, Fraction) and 0 <= basic < 1):
        found.append(Problem(f"{path}.basic_votes_share", f"{basic!r} is not accepted; {_BASIC_SHARE_ACCEPTED}"))
    blocking = rule.blocking_minority_min_members
    if blocking is not None and not (is_whole(blocking, 1) and blocking <= MAX_BLOCKING_MINORITY):
        accepted = f"accepted: a whole number of members, 1 to {MAX_BLOCKING_MINORITY:,}"
        found.append(Problem(f"{path}.blocking_minority_min_members", f"{blocking!r} is not accepted; {accepted}"))
    if rule.weights is Weighting.EQUAL:
        if rule.members_threshold is None:
            found.append(Problem(f"{path}.members_threshold", "required when weights is 'equal'"))
        for name in ("weight_threshold", "basic_votes_share", "blocking_minority_min_members"):
            if getattr(rule, name) is not None:
                found.append(Problem(f"{path}.{name}", "only for weights 'weighted'; with 'equal' weights leave it null"))
    elif rule.weights is Weighting.WEIGHTED and rule.weight_threshold is None:
        found.append(Problem(f"{path}.weight_threshold", "required when weights is 'weighted'"))
    return found


def _parse_basic_votes_share(value: Any, path: str, problems: list[Problem]) -> Fraction | None:
    if value is None:
        return None
    share = _parse_fraction_text(value, path, problems, _BASIC_SHARE_ACCEPTED)
    if share is not None and share >= 1:
        problems.append(Problem(path, f"{value!r} is not below 1; {_BASIC_SHARE_ACCEPTED}"))
        return None
    return share


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
            "count": _fraction_json(self.count),
            "base": _fraction_json(self.base),
            "met": self.met,
            "deemed_met": self.deemed_met,
        }


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
            weight = {name: _fraction_json(getattr(self.weight, name)) for name in _field_names(WeightTally)}
        return {
            "outcome": self.outcome.value,
            "members": {name: getattr(self.members, name) for name in _field_names(MemberTally)},
            "weight": weight,
            "checks": [check.to_json() for check in self.checks],
            "quorum": None if self.quorum is None else self.quorum.to_json(),
            "eligible": sorted(self.eligible),
            "present": sorted(self.present),
            "explanation": self.explanation,
        }


def rule_votes(rule: Rule, weights: Mapping[str, Fraction]) -> dict[str, Fraction]:
    """Each member's votes under a weighted rule: its weight plus an equal part of the basic votes.

    IMF Articles of Agreement Art. XII, Sec. 5(a): basic votes are a fixed share s of the
    total votes, spread equally among the members. With weights summing to W and n
    members, the basic votes B satisfy B = s * (B + W), so B = s * W / (1 - s), and each
    member gets B / n. A share, not a count, so the rule means the same whether weights
    are quotas, contribution percentages or populations. `weights` are those of the
    members whose votes count (IMF Art. XXVI, Sec. 2(b): a suspended member's votes leave
    the total).
    """
    share = rule.basic_votes_share or Fraction(0)
    if not weights or share == 0:
        return dict(weights)
    basic = share * sum(weights.values()) / (1 - share) / len(weights)
    return {code: weight + basic for code, weight in weights.items()}


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
            problems.append(Problem(path, f"{choice!r} is not accepted; accepted: {_choices(Vote)}"))
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
        explanation=_explain(rule, outcome, tuple(checks), quorum_check, not_yes),
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


# --- who votes, in person or by proxy ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VotingRight:
    """A member's right to vote on a day, from its membership timeline and its standing.

    The voting right (DESIGN.md, Members): a member on that day (CERN Convention Art. V,
    EMBL Agreement Art. 5: associates and observers have no vote) whose vote is not
    suspended for arrears, unless the board waived the suspension (CERN Convention Art.
    V.8, UN Charter Art. 19). `suspension` is the standing's explanation when the vote is
    suspended (a waived suspension is none). The same right lets a member's delegate carry
    another member's proxy, and a member give one (TFEU Art. 239: "any member of the
    Council may also act on behalf of not more than one other member").
    """

    code: str
    day: date
    is_member: bool
    status: str | None  # the status in force on the day; None before the member joined
    suspension: str | None = None

    @property
    def refusal(self) -> str | None:
        """Why the member has no vote on the day, or None when it has one."""
        if not self.is_member:
            return f"{self.code} has no vote on {self.day}: its status is {self.status or 'not yet joined'}, and only members vote"
        if self.suspension is not None:
            return f"{self.code}'s vote is suspended: {self.suspension}"
        return None

    @property
    def has_vote(self) -> bool:
        return self.refusal is None


@dataclass(frozen=True, slots=True)
class CastBallot:
    """A ballot as recorded, oldest first: whose vote it is, how, and whether a proxy holder cast it."""

    member: str
    vote: str
    by_proxy: bool


@dataclass(frozen=True, slots=True)
class Representation:
    """The ballots that count and the members present, in person or through a proxy holder present.

    `proxies_in_force` are the proxies that act (member -> holder), `by_proxy` the members
    whose counted ballot their holder cast; `ignored` says, per member, why a ballot
    recorded for it does not count.
    """

    ballots: Mapping[str, str]
    present: frozenset[str]
    proxies_in_force: Mapping[str, str]
    by_proxy: frozenset[str]
    ignored: Mapping[str, str]


def represented(
    cast: Sequence[CastBallot], proxies: Mapping[str, str], in_room: Collection[str], entitled: Collection[str]
) -> Representation:
    """Which ballots count and who is present once proxies are weighed; `entitled` have the vote on the day.

    - A proxy acts only between members entitled to vote (TFEU Art. 239: "any member of
      the Council may also act on behalf of not more than one other member"), and only
      while its holder is present itself (DESIGN.md, Governance): a holder absent from the
      roll call carries nothing, not even presence.
    - A member represented by a present holder counts as present, for the quorum too
      (TFEU Art. 238(4) speaks of members "present in person or represented"; statutes
      commonly count members "present or represented").
    - A proxy acts only while the member does not vote itself: the member's own delegate's
      latest ballot takes precedence over its proxy holder's, whenever either was cast;
      among a member's own ballots, or among its holder's, the latest counts.
    - Ballots for members without the vote on the day do not count.
    """
    entitled = frozenset(entitled)
    room = frozenset(in_room) & entitled
    in_force = {
        member: holder for member, holder in proxies.items() if member in entitled and holder in entitled and holder in room
    }
    own: dict[str, str] = {}
    by_holder: dict[str, str] = {}
    ignored: dict[str, str] = {}
    for ballot in cast:
        if ballot.member not in entitled:
            ignored[ballot.member] = f"{ballot.member} has no vote on the day the motion closes"
        elif ballot.by_proxy:
            by_holder[ballot.member] = ballot.vote
        else:
            own[ballot.member] = ballot.vote
    ballots = dict(own)
    carried = set()
    for member, vote in by_holder.items():
        if member in own:
            ignored[member] = f"{member}'s own delegate voted: its ballot takes precedence over the proxy holder's"
        elif member not in in_force:
            ignored[member] = f"the proxy holder of {member} was not present, or had no vote: the proxy did not act"
        else:
            ballots[member] = vote
            carried.add(member)
    # a ballot of the member's own delegate is proof of its presence
    present = room | frozenset(in_force) | frozenset(own)
    return Representation(
        MappingProxyType(dict(sorted(ballots.items()))), present, MappingProxyType(dict(sorted(in_force.items()))),
        frozenset(carried), MappingProxyType(dict(sorted(ignored.items()))),
    )


# --- the sentence ------------------------------------------------------------------------

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


def _explain(
    rule: Rule, outcome: Outcome, checks: tuple[ThresholdCheck, ...], quorum: ThresholdCheck | None, not_yes: int
) -> str:
    if outcome is Outcome.NO_QUORUM:
        assert quorum is not None  # only a quorum can be missing
        return f"No quorum: {_quorum_clause(quorum)}."
    clauses = [_clause(rule, check, not_yes) for check in checks]
    if quorum is not None:
        clauses.append(f"quorum met ({quorum.count} of {quorum.base} members entitled to vote present)")
    return f"{outcome.value.capitalize()}: " + "; ".join(clauses) + "."


# --- what a closed motion publishes ------------------------------------------------------

SECRET_BALLOT_WITHHELD = ("votes", "voted", "by_proxy", "set_aside", "proxies")
"""What a secret ballot's snapshot never publishes: each of these names voters."""


def published_snapshot(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """A closed motion's snapshot as the public sees it; every surface (API, dashboards, reports,
    the public journal) reads it through here, and closing a motion stores this form.

    The rule. A roll-call publishes everything: each member's ballot, who voted, the totals.
    A secret ballot publishes the outcome and, for each threshold, which threshold it was and
    whether it was met (and the quorum, which counts presence, public anyway); it publishes no
    total of members or weight for, against or abstaining, and not who voted, whose proxy was
    used or which ballot was set aside. The totals are withheld whole, not "when a choice can be
    derived": with the public weights (the contribution shares) a weight total pins down a
    split whenever only one set of members sums to it (issue 13: 40 % for, with DEU at 40 % and
    FRA and ITA at 30 % each, says DEU yes, FRA and ITA no), and member counts do whenever a
    choice has all or none of the voters; no test short of knowing everything an observer
    knows would be sound. The outcome itself is the board's decision and always public.

    Sources: Council of the EU Rules of Procedure (Decision 2009/937/EU) Art. 9, the results of
    votes and each member's vote made public where votes are public (our roll-call); Venice
    Commission Code of Good Practice in Electoral Matters (CDL-AD(2002)023rev) I.4, secrecy of
    the vote as part of the voter's freedom (our secret ballot).
    """
    if snapshot.get("ballot") != "secret":
        return dict(snapshot)
    rule = Rule.from_json(snapshot["rule"])
    decision = snapshot["decision"]
    checks = [{key: check[key] for key in ("measure", "threshold", "met", "deemed_met")} for check in decision["checks"]]
    published = {key: value for key, value in snapshot.items() if key not in SECRET_BALLOT_WITHHELD}
    published["decision"] = {
        **{key: decision[key] for key in ("outcome", "quorum", "eligible", "present")},
        "members": None, "weight": None, "checks": checks,
        "explanation": _explain_secret(rule, Outcome(decision["outcome"]), checks, decision["quorum"], decision["explanation"]),
    }
    return published


def _explain_secret(rule: Rule, outcome: Outcome, checks: Sequence[Mapping[str, Any]], quorum: Mapping[str, Any] | None, stored: str) -> str:
    """The sentence of a secret ballot: each threshold met or not, no count of how anyone voted."""
    if outcome is Outcome.NO_QUORUM:
        return stored  # it speaks of presence only: no ballot was counted
    clauses = []
    for check in checks:
        threshold = Threshold(ThresholdOp(check["threshold"]["op"]), Fraction(check["threshold"]["fraction"]))
        words = _MEMBER_BASES if check["measure"] == Measure.MEMBERS.value else _WEIGHT_BASES
        required = _required_words(threshold.fraction, _percent(threshold.fraction, 1))
        op = "at least" if threshold.op is ThresholdOp.AT_LEAST else "more than"
        verdict = "met" if check["met"] else "not met"
        clause = f"the {check['measure']} threshold ({op} {required} {_base_words(rule, words)}) {verdict}"
        if check["deemed_met"]:
            clause += f", counted as met: fewer than the {rule.blocking_minority_min_members} members a blocking minority needs did not vote yes"
        clauses.append(clause)
    if quorum is not None:
        clauses.append(f"quorum met ({Fraction(quorum['count'])} of {Fraction(quorum['base'])} members entitled to vote present)")
    return f"{outcome.value.capitalize()} by secret ballot: " + "; ".join(clauses) + "."


# --- presets -----------------------------------------------------------------------------

_MAJORITY = Threshold(ThresholdOp.MORE_THAN, Fraction(1, 2))
_TWO_THIRDS = Threshold(ThresholdOp.AT_LEAST, Fraction(2, 3))


def simple_majority() -> Rule:
    """More yes than no among members voting; abstentions are not cast.

    UN Charter Art. 18(3) with General Assembly Rules of Procedure rule 126 ("members
    present and voting" are those casting an affirmative or negative vote; abstainers are
    considered as not voting); CERN Convention Art. V.5 ("simple majority of the Member
    States represented and voting").
    """
    return Rule(Weighting.EQUAL, Base.CAST, Abstention.NOT_CAST, members_threshold=_MAJORITY)


def two_thirds_of_votes_cast() -> Rule:
    """At least two-thirds of the members voting yes or no; abstentions are not cast.

    UN Charter Art. 18(2): important questions by "a two-thirds majority of the members
    present and voting".
    """
    return Rule(Weighting.EQUAL, Base.CAST, Abstention.NOT_CAST, members_threshold=_TWO_THIRDS)


def two_thirds_of_all_members() -> Rule:
    """At least two-thirds of all members entitled to vote; absence and abstention weigh as no.

    CERN Convention Art. I.2 and V.6: "a two-thirds majority of all the Member States".
    """
    return Rule(Weighting.EQUAL, Base.ELIGIBLE, Abstention.AGAINST, members_threshold=_TWO_THIRDS)


def unanimity() -> Rule:
    """No member votes no; abstentions do not prevent adoption; a majority must be present.

    TFEU Art. 238(4) ("Abstentions by Members present in person or represented shall not
    prevent the adoption by the Council of acts which require unanimity"); quorum of a
    majority of the members entitled to vote, Council's Rules of Procedure Art. 11(4).
    """
    return Rule(
        Weighting.EQUAL,
        Base.CAST,
        Abstention.NOT_CAST,
        members_threshold=Threshold(ThresholdOp.AT_LEAST, Fraction(1)),
        quorum=_MAJORITY,
    )


def cern_budget() -> Rule:
    """At least two-thirds of the Member States represented and voting, one vote each.

    CERN Convention (1953, as amended 1971) Art. V.2(c): the Council adopts the budget "by
    a two-thirds majority of the Member States represented and voting"; Art. V.4: one vote
    per Member State; Art. V.8: a Member State in arrears beyond its contributions for the
    current and preceding year loses its vote unless the Council allows it to vote (our
    suspension and waiver). Our choice: the Convention text alone. The Council's practice
    of seeking consensus, and any contribution-weighted criterion it has applied to budget
    votes, is not encoded: we found no public text stating it; a facility wanting one uses
    the contribution-weighted double majority instead.
    """
    return Rule(Weighting.EQUAL, Base.CAST, Abstention.NOT_CAST, members_threshold=_TWO_THIRDS)


def eu_qualified_majority() -> Rule:
    """Council of the EU qualified majority, weighted by population.

    TEU Art. 16(4): at least 55 % of the members of the Council representing at least 65 %
    of the population; a blocking minority must include at least four members, failing
    which the qualified majority is deemed attained. Measured on all members entitled to
    vote (TFEU Art. 238(3) when some do not take part), so an abstention weighs as a vote
    against. Quorum: a majority of the members entitled to vote (Council's Rules of
    Procedure Art. 11(4)). Weights are populations (Annex III of those Rules).
    """
    return Rule(
        Weighting.WEIGHTED,
        Base.ELIGIBLE,
        Abstention.AGAINST,
        members_threshold=Threshold(ThresholdOp.AT_LEAST, Fraction(55, 100)),
        weight_threshold=Threshold(ThresholdOp.AT_LEAST, Fraction(65, 100)),
        blocking_minority_min_members=4,
        quorum=_MAJORITY,
    )


def skao_budget() -> Rule:
    """SKAO-style contribution-weighted double majority for the budget.

    SKAO Convention (Rome, 2019) Financial Protocol (Annex B), Art. 6: the budget needs a
    double majority, two-thirds of a weighted vote (weights: each member's current project
    share under the funding schedule) and two-thirds of the members present and voting.
    Convention Art. 8(4): quorum of two-thirds of the members; Art. 8(7): members absent,
    abstaining or without a vote are not counted in the majority.
    """
    return Rule(
        Weighting.WEIGHTED,
        Base.CAST,
        Abstention.NOT_CAST,
        members_threshold=_TWO_THIRDS,
        weight_threshold=_TWO_THIRDS,
        quorum=_TWO_THIRDS,
    )


def imf_85_percent() -> Rule:
    """IMF-style special majority: 85 % of the total voting power, basic votes included.

    IMF Articles of Agreement Art. XII, Sec. 5(a): each member has basic votes plus one vote
    per part of its quota, the basic votes together being 5.502 % of the total votes (as
    amended in 2008, in force 2011, kept by the 2010 reform in force 2016), spread equally
    among the members; 85 % of the total voting power for e.g. quota changes (Art. III,
    Sec. 2(c)); suspended members' votes leave the total (Art. XXVI, Sec. 2(b)). Weights are
    quotas, or any quantity (contribution shares, populations): basic votes are a share of
    the total, so the unit does not matter.
    """
    return Rule(
        Weighting.WEIGHTED,
        Base.ELIGIBLE,
        Abstention.AGAINST,
        weight_threshold=Threshold(ThresholdOp.AT_LEAST, Fraction(85, 100)),
        basic_votes_share=IMF_BASIC_VOTES_SHARE,
    )


PRESETS: Mapping[str, Rule] = MappingProxyType(
    {
        preset.__name__: preset()
        for preset in (
            simple_majority,
            two_thirds_of_votes_cast,
            two_thirds_of_all_members,
            unanimity,
            cern_budget,
            eu_qualified_majority,
            skao_budget,
            imf_85_percent,
        )
    }
)
"""The named presets, name -> Rule; each preset function's docstring cites its source."""
