"""Voting rules as values: what a rule says, its JSON form, and the votes it gives each member.

A rule is data (DESIGN.md, Governance): how members are weighted, what the majority is
measured against, how abstentions count, the thresholds on members and on weight, the
blocking minority and the quorum. `decide` (ledger.domain.governance.decide) applies one to
the ballots of a motion; the named presets with their sources are in presets.py. All
arithmetic is exact (`fractions.Fraction`); no float is ever used.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from types import SimpleNamespace
from typing import Any

from ledger.domain.errors import Problem, ValidationFailed, raise_if_any

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


def field_names(record: type) -> tuple[str, ...]:
    """The names of a dataclass's fields, in order."""
    return tuple(field.name for field in fields(record))


def fraction_json(value: Fraction) -> str:
    """An exact fraction as the JSON forms write it: '2/3'."""
    return f"{value.numerator}/{value.denominator}"


def choices(enum: type[StrEnum]) -> str:
    """An enumeration's values as an error message lists them: "'yes', 'no', 'abstain'"."""
    return ", ".join(f"'{member.value}'" for member in enum)


def _parse_enum(enum: type[StrEnum], value: Any, path: str, problems: list[Problem]) -> Any:
    if isinstance(value, str) and value in enum._value2member_map_:
        return enum(value)
    problems.append(Problem(path, f"{value!r} is not accepted; accepted: {choices(enum)}"))
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
            problems.append(Problem("threshold.op", f"{self.op!r} is not accepted; accepted: {choices(ThresholdOp)}"))
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
        return {"op": self.op.value, "fraction": fraction_json(self.fraction)}

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
            "basic_votes_share": None if basic is None else fraction_json(basic),
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
            found.append(Problem(f"{path}.{name}", f"{value!r} is not accepted; accepted: {choices(enum)}"))
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
