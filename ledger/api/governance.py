"""The public voting simulator: POST members, a rule and ballots; get the decision and each member's power.

Stateless: nothing is read from or written to the database, so the route is open to anyone
and exempt from CSRF (there is no session to forge a request with). The route reads the
JSON body, `simulate` turns it into domain values, calls the rule engine and shapes the
answer. Every number in the answer is a string: exact fractions as "p/q", and decimals
rounded half up to `DECIMALS` places from the exact value. The request and answer models
below are what the OpenAPI document says of it (ledger.api.contract); they describe, the
parser here decides, naming each refused field.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Any, Literal

from flask import Blueprint, jsonify, request
from pydantic import BaseModel, ConfigDict, Field

from ledger.api.contract import Contract, JsonAnswer

from ledger.domain.errors import Problem, ValidationFailed, raise_if_any
from ledger.domain.members import is_member_code
from ledger.domain.governance.rules import (
    MAX_BLOCKING_MINORITY,
    MAX_FRACTION_TEXT,
    MAX_WEIGHT,
    MAX_WEIGHT_DECIMALS,
    PRESETS,
    Abstention,
    Base,
    Decision,
    Measure,
    Outcome,
    Rule,
    ThresholdCheck,
    ThresholdOp,
    Vote,
    Voter,
    Weighting,
    decide,
    voter_votes,
)
from ledger.domain.governance.power import PowerMethod, rule_voting_power

governance_api = Blueprint("governance_api", __name__, url_prefix="/api/v1/voting")
contract = Contract(governance_api)

MAX_MEMBERS = 400
MAX_BODY_BYTES = 1_000_000
MAX_RULE_TEXT = 100
DECIMALS = 6
POWER_MEMORY_BUDGET = 8_000_000
"""Bytes the power tables of one request may take. Time grows with them: at this size the
slowest request measured took about 3 s; the engine's own default (200 MB) took 20 s."""

REQUEST_FIELDS = ("members", "rule", "ballots", "power")
MEMBER_FIELDS = ("code", "weight")
VOTES = tuple(vote.value for vote in Vote)

_DECIMAL_TEXT = re.compile(r"\d+(\.\d+)?")
_WEIGHT_ACCEPTED = (
    f"accepted: a number from 0 to {MAX_WEIGHT:,} with at most {MAX_WEIGHT_DECIMALS} decimal places, "
    'as a JSON number or a decimal string such as "82994.2"'
)
_MEMBERS_ACCEPTED = f'accepted: a list of 1 to {MAX_MEMBERS} objects {{"code": "FRA", "weight": 68070697}}'
_RULE_ACCEPTED = (
    'accepted: the rule\'s full JSON form, or {"preset": NAME} with any of its parameters to override; '
    "presets: " + ", ".join(PRESETS)
)
_NO_BALLOTS = "No ballots were given, so nothing was decided: every member counts as absent."


# --- the request and the answer as documented ---------------------------------------------


def _choice(enum) -> Any:
    return Literal[tuple(member.value for member in enum)]


Code = Annotated[str, Field(pattern="^[A-Z]{3}$", description="ISO 3166-1 alpha-3")]
FractionText = Annotated[str, Field(pattern="^([0-9]+/[0-9]+|[0-9]+(\\.[0-9]+)?)$", max_length=MAX_FRACTION_TEXT)]
FractionUpToOne = Annotated[
    FractionText | Annotated[float, Field(ge=0, le=1)],
    Field(description=f"From 0 to 1: a decimal (\"0.55\", 0.55) or a fraction \"p/q\" with p <= q (\"2/3\"), up to {MAX_FRACTION_TEXT} characters"),
]
FractionBelowOne = Annotated[
    FractionText | Annotated[float, Field(ge=0, lt=1)],
    Field(description="From 0 to below 1, as a decimal or \"p/q\" (IMF: \"2751/50000\")"),
]
Share = Annotated[str, Field(pattern=f"^[0-9]\\.[0-9]{{{DECIMALS}}}$", description=f"rounded half up to {DECIMALS} places")]
Amount = Annotated[str, Field(pattern=f"^[0-9]+(\\.[0-9]{{1,{DECIMALS}}})?$", description=f"rounded half up to at most {DECIMALS} places")]
Exact = Annotated[str, Field(pattern="^[0-9]+/[0-9]+$", description="the exact value, p/q")]


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VotingThreshold(_Closed):
    op: _choice(ThresholdOp)
    fraction: FractionUpToOne


class _RuleCommon(_Closed):
    base: _choice(Base)
    abstention: _choice(Abstention)
    quorum: VotingThreshold | None = None


class EqualRule(_RuleCommon):
    """One vote per member: a threshold on the member count."""

    weights: Literal["equal"]
    members_threshold: VotingThreshold


class WeightedRule(_RuleCommon):
    """Votes by weight, with basic votes when a share is given; a threshold on the weight, and on the members too when given."""

    weights: Literal["weighted"]
    weight_threshold: VotingThreshold
    members_threshold: VotingThreshold | None = None
    basic_votes_share: FractionBelowOne | None = None
    blocking_minority_min_members: Annotated[int, Field(ge=1, le=MAX_BLOCKING_MINORITY)] | None = None


class PresetRule(_Closed):
    """A preset by name; the preset's parameters may be overridden by the full form's fields, as long as the result is a rule."""

    model_config = ConfigDict(extra="allow")

    preset: Literal[tuple(PRESETS)]


class SimulatedMember(_Closed):
    code: Code = Field(description="ISO 3166-1 alpha-3, each once")
    weight: Annotated[float, Field(ge=0, le=MAX_WEIGHT)] | Annotated[str, Field(pattern="^[0-9]+(\\.[0-9]+)?$")] | None = Field(
        None, description=(
            f"From 0 to {MAX_WEIGHT:,} with at most {MAX_WEIGHT_DECIMALS} decimal places. Required under weighted rules "
            "(population, quota, contribution share), ignored under equal ones"
        ),
    )


class VotingSimulationRequest(_Closed):
    members: Annotated[list[SimulatedMember], Field(min_length=1, max_length=MAX_MEMBERS)]
    rule: EqualRule | WeightedRule | PresetRule
    ballots: dict[Code, _choice(Vote)] | None = Field(None, description="Member code -> yes, no or abstain; members missing are absent")
    power: bool = Field(False, description="Also compute each member's voting power")


class AppliedThreshold(BaseModel):
    op: _choice(ThresholdOp)
    fraction: Exact


class AppliedRule(BaseModel):
    """The rule as applied, in its full JSON form."""

    weights: _choice(Weighting)
    basic_votes_share: str | None
    base: _choice(Base)
    abstention: _choice(Abstention)
    members_threshold: AppliedThreshold | None
    weight_threshold: AppliedThreshold | None
    blocking_minority_min_members: int | None
    quorum: AppliedThreshold | None


class VotingCheck(BaseModel):
    measure: _choice(Measure)
    threshold: AppliedThreshold
    count: Amount
    base: Amount
    share: Share | None
    met: bool
    deemed_met: bool = Field(description="Met only because too few members failed to vote yes to form a blocking minority")


class MemberCounts(BaseModel):
    in_favour: int
    against: int
    abstaining: int
    absent: int
    base: int


class VoteAmounts(BaseModel):
    in_favour: Amount
    against: Amount
    abstaining: Amount
    absent: Amount
    base: Amount


class Tally(BaseModel):
    members: MemberCounts
    votes: VoteAmounts | None


class MemberVotes(BaseModel):
    code: Code
    votes: Amount
    votes_exact: Exact
    vote_share: Share
    vote_share_exact: Exact


class PowerMethods(BaseModel):
    banzhaf: Literal["exact"]
    shapley_shubik: Literal["exact", "sampled"]


class StandardErrors(BaseModel):
    shapley_shubik: dict[Code, Share]


class VotingPower(BaseModel):
    method: PowerMethods
    banzhaf: dict[Code, Share]
    banzhaf_exact: dict[Code, Exact] = Field(description="The exact normalised Banzhaf index, p/q")
    shapley_shubik: dict[Code, Share]
    shapley_shubik_exact: dict[Code, Exact] | None = Field(description="The exact Shapley-Shubik index, p/q; null when sampled")
    standard_error: StandardErrors | None
    samples: Annotated[int, Field(ge=1)] | None
    seed: int | None


class VotingSimulation(BaseModel):
    outcome: _choice(Outcome) | None
    explanation: str
    rule: AppliedRule
    tally: Tally
    checks: list[VotingCheck] | None
    quorum: VotingCheck | None
    members: list[MemberVotes]
    power: VotingPower | None


_DESCRIPTION = (
    "Public and stateless: nothing is stored. `rule` is a rule's full JSON form (as in "
    "/api/v1/motions/{motion_id}), or `{\"preset\": NAME}`, optionally with any parameter of the full "
    "form to override the preset's (for example `{\"preset\": \"imf_85_percent\", "
    "\"basic_votes_share\": \"1/20\"}`); `rule` in the answer is the rule as applied. Members missing "
    "from `ballots` are absent; without ballots `outcome`, `checks` and `quorum` are null and every "
    "member counts as absent. `votes` are the votes the rule gives a member: one each under equal "
    "rules, else its weight plus basic votes; `vote_share` is its share of all members' votes.\n\n"
    f"Numbers in the answer are strings. Shares (`vote_share`, `share`, power indices, standard errors) "
    f"are rounded half up from the exact value to {DECIMALS} decimal places, every place written "
    f"(\"0.188138\"); amounts (votes, counts) are rounded the same way without trailing zeros "
    f"(\"831401\", \"83140.1\"); `*_exact` fields give the exact value as \"p/q\".\n\n"
    f"Power (`power: true`): each member's normalised Banzhaf and Shapley-Shubik index, with every "
    f"member present and voting yes or no and the quorum taken as met. Both are exact when the tables "
    f"they need fit {POWER_MEMORY_BUDGET // 1_000_000} MB; past that Shapley-Shubik is estimated from "
    f"sampled orderings (seeded, so the same request gives the same answer), reported in `method`, "
    f"`standard_error`, `samples` and `seed`, and Banzhaf is refused with a 400 naming `power`: give "
    f"coarser weights (populations in tens of thousands, shares in basis points) or leave power out. "
    f"Under equal rules every member's index is 1/n.\n\n"
    f"Limits: a body up to {MAX_BODY_BYTES:,} bytes; 1 to {MAX_MEMBERS} members with distinct ISO 3166-1 "
    f"alpha-3 codes; weights from 0 to {MAX_WEIGHT:,} with at most {MAX_WEIGHT_DECIMALS} decimal places. "
    "What a schema cannot say is refused with a 400 naming the field: a ballot for a code not among the "
    "members, a code listed twice, every member with 0 votes, a weighted rule's member without a weight, "
    "a fraction above 1, an override that leaves the preset no rule."
)


@contract.post(
    "/simulate", "simulateVote",
    "Simulate a vote: the decision a rule gives on ballots, each member's votes and, on request, power",
    description=_DESCRIPTION,
    body=VotingSimulationRequest,
    answer=JsonAnswer(VotingSimulation, "The decision, the tally, each member's votes and, on request, power"),
    errors={400: (
        "The body is not accepted: `fields` names every problem by its path (`body`, `members`, "
        "`members[3].weight`, `ballots.DEU`, `rule.weight_threshold.fraction`, `power`) and says what is accepted"
    )},
    endpoint="simulate",
)
def simulate_view():
    return jsonify(simulate(_json_body()))


def _json_body() -> Any:
    """The request body as JSON, numbers with a fraction or exponent as exact Decimals."""
    if request.mimetype != "application/json":
        sent = request.mimetype or "no content type"
        raise ValidationFailed.single("body", f"sent as {sent}; accepted: a JSON object with Content-Type: application/json")
    # read at most one byte more than allowed, so an oversized body is refused without being held
    raw = request.stream.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        raise ValidationFailed.single("body", f"longer than {MAX_BODY_BYTES:,} bytes; accepted: a JSON object up to that size")
    try:
        return json.loads(raw, parse_float=Decimal, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:  # a UnicodeDecodeError is a ValueError
        raise ValidationFailed.single("body", f"not valid JSON ({error}); accepted: a JSON object") from None


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number")


def simulate(document: Any) -> dict[str, Any]:
    """Decide the ballots under the rule and measure each member's votes and, when asked, power.

    `document` is the request as parsed JSON. Every problem is reported at once, each named
    by its path in the document (`members[3].weight`, `ballots.DEU`, `rule.quorum.op`).
    """
    if not isinstance(document, Mapping):
        raise ValidationFailed.single("body", "expected a JSON object with " + ", ".join(REQUEST_FIELDS))
    problems: list[Problem] = []
    for key in sorted(str(key) for key in document if key not in REQUEST_FIELDS):
        problems.append(Problem(key, "unknown field; accepted: " + ", ".join(REQUEST_FIELDS)))
    rule = _parse_rule(document.get("rule"), problems)
    voters, codes = _parse_members(document.get("members"), rule, problems)
    ballots = _parse_ballots(document.get("ballots"), codes, problems)
    wants_power = _parse_power(document.get("power"), problems)
    raise_if_any(problems)

    votes = voter_votes(rule, voters)
    total = sum(votes.values())
    if total == 0:
        raise ValidationFailed.single(
            "members", "every member has 0 votes; accepted: at least one member with a positive weight or basic votes"
        )
    decision = decide(rule, voters, ballots)
    decided = bool(ballots)
    return {
        "outcome": decision.outcome.value if decided else None,
        "explanation": decision.explanation if decided else _NO_BALLOTS,
        "rule": rule.to_json(),
        "tally": _tally(decision),
        "checks": [_check(check) for check in decision.checks] if decided else None,
        "quorum": _check(decision.quorum) if decided and decision.quorum is not None else None,
        "members": [
            {
                "code": code,
                "votes": _amount(value),
                "votes_exact": _exact(value),
                "vote_share": _share(value / total),
                "vote_share_exact": _exact(value / total),
            }
            for code, value in votes.items()
        ],
        "power": _power(rule, voters) if wants_power else None,
    }


# --- reading the request ---------------------------------------------------------------


def _parse_rule(data: Any, problems: list[Problem]) -> Rule | None:
    if data is None:
        problems.append(Problem("rule", "required; " + _RULE_ACCEPTED))
        return None
    if not isinstance(data, Mapping):
        problems.append(Problem("rule", "expected an object; " + _RULE_ACCEPTED))
        return None
    form = dict(data)
    if "preset" in form:
        name = form.pop("preset")
        if not (isinstance(name, str) and name in PRESETS):
            problems.append(Problem("rule.preset", f"{_shown(name)} is not a preset; accepted: " + ", ".join(PRESETS)))
            return None
        form = {**PRESETS[name].to_json(), **form}
    found = _rule_text(form)
    if found:
        problems.extend(found)
        return None
    try:
        return Rule.from_json(form)
    except ValidationFailed as error:
        problems.extend(error.problems)
        return None


def _rule_text(form: dict[str, Any]) -> list[Problem]:
    """Give numbers with a fraction part, and thresholds' fractions, as the text the rule's JSON form takes.

    The JSON form writes fractions as strings ("2/3", "0.55"); a client sending 0.55 or 1
    means the same, and its exact decimal text is what the engine parses. Text longer than
    MAX_RULE_TEXT is refused before anything is parsed from it.
    """
    for key, value in form.items():
        if isinstance(value, Mapping):
            form[key] = {sub: _number_text(inner, whole_as_text=sub == "fraction") for sub, inner in value.items()}
        else:
            form[key] = _number_text(value, whole_as_text=False)
    found = []
    for key, value in form.items():
        inner = value.items() if isinstance(value, Mapping) else [(None, value)]
        for sub, text in inner:
            if isinstance(text, str) and len(text) > MAX_RULE_TEXT:
                path = f"rule.{key}" if sub is None else f"rule.{key}.{sub}"
                found.append(Problem(path, f"{len(text):,} characters; accepted: at most {MAX_RULE_TEXT}"))
    return found


def _number_text(value: Any, *, whole_as_text: bool) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return repr(value)  # a float here came from JSON text; repr gives that text back
    if isinstance(value, Decimal) or (whole_as_text and isinstance(value, int)):
        return str(value)
    return value


def _parse_members(data: Any, rule: Rule | None, problems: list[Problem]) -> tuple[list[Voter], set[str] | None]:
    """The members as Voters, and every well-formed code given (None when the list itself is unreadable).

    A ballot is checked against the codes, not the Voters, so it is not blamed for a fault in
    its member's weight.
    """
    if data is None:
        problems.append(Problem("members", "required; " + _MEMBERS_ACCEPTED))
        return [], None
    if not isinstance(data, list):
        problems.append(Problem("members", "expected a list; " + _MEMBERS_ACCEPTED))
        return [], None
    if not 1 <= len(data) <= MAX_MEMBERS:
        problems.append(Problem("members", f"{len(data):,} members; {_MEMBERS_ACCEPTED}"))
        return [], None
    weighted = rule is not None and rule.weights is Weighting.WEIGHTED
    voters: list[Voter] = []
    first_seen: dict[str, int] = {}
    for index, item in enumerate(data):
        path = f"members[{index}]"
        if not isinstance(item, Mapping):
            problems.append(Problem(path, 'expected an object; accepted: {"code": "FRA", "weight": 68070697}'))
            continue
        for key in sorted(str(key) for key in item if key not in MEMBER_FIELDS):
            problems.append(Problem(f"{path}.{key}", "unknown field; accepted: " + ", ".join(MEMBER_FIELDS)))
        code = item.get("code")
        if not is_member_code(code):
            accepted = "accepted: an ISO 3166-1 alpha-3 code in capitals, such as 'FRA'"
            problems.append(Problem(f"{path}.code", f"{_shown(code)} is not accepted; {accepted}"))
            code = None
        elif code in first_seen:
            problems.append(Problem(f"{path}.code", f"{code} is listed twice (also members[{first_seen[code]}]); accepted: each code once"))
            code = None
        else:
            first_seen[code] = index
        weight = _parse_weight(item.get("weight"), f"{path}.weight", weighted, problems)
        if code is not None and weight is not None:
            voters.append(Voter(code, weight))
    return voters, set(first_seen)


def _parse_weight(value: Any, path: str, weighted: bool, problems: list[Problem]) -> Fraction | None:
    if value is None:
        if weighted:
            problems.append(Problem(path, "required under a weighted rule; " + _WEIGHT_ACCEPTED))
            return None
        return Fraction(1)  # equal rules give every member one vote whatever its weight
    number = _decimal(value)
    if (
        number is None
        or not number.is_finite()  # checked first: comparing a NaN raises
        or not 0 <= number <= MAX_WEIGHT
        or _decimal_places(number) > MAX_WEIGHT_DECIMALS
    ):
        problems.append(Problem(path, f"{_shown(value)} is not accepted; {_WEIGHT_ACCEPTED}"))
        return None
    return Fraction(number)


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str) and _DECIMAL_TEXT.fullmatch(value):
        return Decimal(value)
    return None


def _decimal_places(number: Decimal) -> int:
    """Decimal places that carry a digit: 1.500 has one."""
    _, digits, exponent = number.as_tuple()
    if exponent >= 0 or number == 0:
        return 0
    places = -exponent
    for digit in reversed(digits):
        if places == 0 or digit != 0:
            break
        places -= 1
    return places


def _parse_ballots(data: Any, codes: set[str] | None, problems: list[Problem]) -> dict[str, str]:
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        problems.append(Problem("ballots", 'expected an object; accepted: {"FRA": "yes", "DEU": "no", "ITA": "abstain"}'))
        return {}
    for code, choice in data.items():
        path = f"ballots.{code}"
        if codes is not None and code not in codes:
            problems.append(Problem(path, f"{_shown(code)} is not among the members; only members may vote"))
        elif not (isinstance(choice, str) and choice in VOTES):
            problems.append(Problem(path, f"{_shown(choice)} is not accepted; accepted: " + ", ".join(f"'{v}'" for v in VOTES)))
    return dict(data)


def _parse_power(value: Any, problems: list[Problem]) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        problems.append(Problem("power", f"{_shown(value)} is not accepted; accepted: true or false (default false)"))
        return False
    return value


def _shown(value: Any) -> str:
    """A value as the client wrote it, cut short when long."""
    if isinstance(value, (str, Decimal)):
        text = repr(value) if isinstance(value, str) else str(value)
    else:
        text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


# --- the answer --------------------------------------------------------------------------


def _tally(decision: Decision) -> dict[str, Any]:
    members = decision.members
    weight = decision.weight
    return {
        "members": {
            "in_favour": members.in_favour,
            "against": members.against,
            "abstaining": members.abstaining,
            "absent": members.absent,
            "base": members.base,
        },
        "votes": None
        if weight is None
        else {
            "in_favour": _amount(weight.in_favour),
            "against": _amount(weight.against),
            "abstaining": _amount(weight.abstaining),
            "absent": _amount(weight.absent),
            "base": _amount(weight.base),
        },
    }


def _check(check: ThresholdCheck) -> dict[str, Any]:
    return {
        "measure": check.measure.value,
        "threshold": check.threshold.to_json(),
        "count": _amount(check.count),
        "base": _amount(check.base),
        "share": None if check.base == 0 else _share(check.count / check.base),
        "met": check.met,
        "deemed_met": check.deemed_met,
    }


def _power(rule: Rule, voters: Sequence[Voter]) -> dict[str, Any]:
    """Normalised Banzhaf and Shapley-Shubik indices, exact or (Shapley-Shubik only) sampled as the engine decides.

    A rule the engine cannot measure is refused under "power", with leaving power out as one more way out.
    """
    codes = [voter.code for voter in voters]
    weights = {voter.code: voter.weight for voter in voters}
    try:
        power = rule_voting_power(rule, weights, memory_budget=POWER_MEMORY_BUDGET)
    except ValidationFailed as error:
        raise ValidationFailed([Problem("power", f"{problem.message}, or power: false") for problem in error.problems]) from None
    shapley_shubik = power.shapley_shubik
    sampled = shapley_shubik.method is PowerMethod.SAMPLED
    return {
        "method": {"banzhaf": "exact", "shapley_shubik": shapley_shubik.method.value},
        "banzhaf": {code: _share(power.banzhaf[code]) for code in codes},
        "banzhaf_exact": {code: _exact(power.banzhaf[code]) for code in codes},
        "shapley_shubik": {code: _share(shapley_shubik.index[code]) for code in codes},
        "shapley_shubik_exact": None if sampled else {code: _exact(shapley_shubik.index[code]) for code in codes},
        "standard_error": {"shapley_shubik": {code: _share(shapley_shubik.standard_error[code]) for code in codes}}
        if sampled
        else None,
        "samples": shapley_shubik.samples if sampled else None,
        "seed": shapley_shubik.seed if sampled else None,
    }


def _fixed(value: Fraction) -> str:
    """`value` (0 or more) rounded half up to DECIMALS places, every place written."""
    scale = 10**DECIMALS
    whole, part = divmod(math.floor(value * scale + Fraction(1, 2)), scale)
    return f"{whole}.{part:0{DECIMALS}d}"


def _share(value: Fraction) -> str:
    """A share from 0 to 1, always with DECIMALS places: '0.123457'."""
    return _fixed(value)


def _amount(value: Fraction) -> str:
    """A number of votes or members, rounded to DECIMALS places without trailing zeros: '831401', '83140.1'."""
    return _fixed(value).rstrip("0").rstrip(".")


def _exact(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"
