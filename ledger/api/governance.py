"""Governance in the open-data API: the board's motions as closed, and the public voting simulator.

/api/v1/motions and /api/v1/motions/ID read the motions and the snapshots stored when they
closed (endpoints api.motions and api.motion, on the data blueprint).
The simulator: POST members, a rule and ballots; get the decision and each member's power.
Stateless: nothing is read from or written to the database, so the route is open to anyone
and exempt from CSRF (there is no session to forge a request with). The route reads the
JSON body, `simulate` turns it into domain values, calls the one simulator
(ledger.domain.governance.simulate, which the dashboard's simulator calls too) and shapes the
answer. Every number in the answer is a string: exact fractions as "p/q", and decimals
rounded half up to `DECIMALS` places from the exact value. The request and answer models
in ledger.api.simulation_contract are what the OpenAPI document says of it; they describe, the
parser here decides, naming each refused field.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

from flask import Blueprint, jsonify, request

from ledger.api import resources as r
from ledger.api.blueprint import contract as data_contract
from ledger.api.contract import Contract, JsonAnswer, ListAnswer
from ledger.api.formats import list_response
from ledger.api.simulation_contract import (
    DECIMALS,
    DESCRIPTION,
    MAX_BODY_BYTES,
    MAX_MEMBERS,
    MAX_RULE_TEXT,
    POWER_MEMORY_BUDGET,
    VotingSimulation,
    VotingSimulationRequest,
)
from ledger.domain.errors import NotFound, Problem, ValidationFailed, raise_if_any
from ledger.domain.members import is_member_code
from ledger.domain.governance.decide import Decision, ThresholdCheck, Voter
from ledger.domain.governance.presets import PRESETS
from ledger.domain.governance.rules import MAX_WEIGHT, MAX_WEIGHT_DECIMALS, Rule, Vote, Weighting
from ledger.domain.governance.coalitions import PowerMethod
from ledger.domain.governance.power import rule_voting_power
from ledger.domain.governance.simulate import simulate_vote
from ledger.queries import governance as governance_queries
from ledger.state import connect

governance_api = Blueprint("governance_api", __name__, url_prefix="/api/v1/voting")
contract = Contract(governance_api)

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


# --- the board's motions, as closed -------------------------------------------------------


@data_contract.get("/motions", "listMotions", "Board motions with their status and outcome",
              answer=ListAnswer("motions", r.MotionSummary, "Every motion, oldest meeting first"))
def motions():
    with connect() as connection:
        rows = governance_queries.list_motions(connection)
    return list_response(
        "motions",
        r.MotionSummary,
        ({"id": r.id, "title": r.title, "kind": r.kind, "status": r.status, "outcome": r.outcome, "closed_at": r.closed_at} for r in rows),
        "motions",
    )


@data_contract.get(
    "/motions/<int:motion_id>", "getMotion",
    "One motion: text, rule, weights, effect and, once closed, the stored outcome and tally",
    description=(
        "The outcome, explanation and tally come from the snapshot stored when the motion closed and "
        "are never recomputed. A roll-call publishes each member's ballot, who voted and the totals; a "
        "secret ballot only the outcome and whether each threshold was met (no totals, no voters: "
        "tally.members and tally.weight, ballots, voted and proxies are null). `ineligible` names "
        "members whose vote was suspended, with the reason."
    ),
    answer=JsonAnswer(r.Motion, "The motion"),
    errors={404: "No such motion"},
)
def motion(motion_id: int):
    with connect() as connection:
        found = governance_queries.find_motion(connection, motion_id)
    if found is None:
        raise NotFound(f"no motion #{motion_id}; see /api/v1/motions")
    return jsonify(motion_document(found))


def motion_document(found: governance_queries.MotionDetail) -> dict:
    """A motion as published (ledger.domain.governance.publication.published_snapshot): a roll-call's
    named ballots and totals, a secret ballot's outcome and threshold checks only."""
    row, snapshot = found.row, found.snapshot or {}
    decision = snapshot.get("decision", {})
    return {
        "id": row.id, "title": row.title, "text": found.text, "kind": row.kind, "status": row.status,
        "meeting": {"id": row.meeting_id, "title": row.meeting_title, "held_on": row.held_on.isoformat()},
        "rule_name": row.rule_name, "rule": found.rule, "weights": found.weights_basis, "ballot": row.ballot,
        "effect": found.effect, "outcome": row.outcome, "closed_at": row.closed_at.isoformat() if row.closed_at else None,
        "explanation": found.explanation, "tally": {key: decision.get(key) for key in ("members", "weight", "checks", "quorum")} if decision else None,
        "ineligible": snapshot.get("ineligible"),
        "proxies": snapshot.get("proxies"),
        "ballots": snapshot.get("votes") if row.ballot == "roll_call" else None,
        "voted": snapshot.get("voted"),
    }


# --- the simulator ---------------------------------------------------------------------


@contract.post(
    "/simulate", "simulateVote",
    "Simulate a vote: the decision a rule gives on ballots, each member's votes and, on request, power",
    description=DESCRIPTION,
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
    members, codes = _parse_members(document.get("members"), rule, problems)
    ballots = _parse_ballots(document.get("ballots"), codes, problems)
    wants_power = _parse_power(document.get("power"), problems)
    raise_if_any(problems)

    simulation = simulate_vote(rule, members, ballots)
    decision, decided = simulation.decision, simulation.decided
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
                "vote_share": _share(simulation.vote_share(code)),
                "vote_share_exact": _exact(simulation.vote_share(code)),
            }
            for code, value in simulation.votes.items()
        ],
        "power": _power(rule, simulation.voters) if wants_power else None,
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


def _parse_members(
    data: Any, rule: Rule | None, problems: list[Problem]
) -> tuple[list[tuple[str, Fraction]], set[str] | None]:
    """The members as (code, weight), and every well-formed code given (None when the list itself is unreadable).

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
    members: list[tuple[str, Fraction]] = []
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
            members.append((code, weight))
    return members, set(first_seen)


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
