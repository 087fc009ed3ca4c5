"""Board governance use cases: meetings, presence, proxies, motions, ballots, and closing a vote.

Long because meetings, presence, proxies, motions and ballots are one lifecycle sharing its loading
and refusal helpers; a split waits for the motions work now changing this file.

Closing a motion decides it with the data-driven rule engine, stores a snapshot of the vote
that is never recomputed (who was eligible and present, the weights, the thresholds, the
outcome and its explanation; for a roll-call the ballots and totals, for a secret ballot only
whether each threshold was met: ledger.domain.governance.rules.published_snapshot) and, when the
motion is adopted, applies its effect in the same transaction, citing the motion.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from ledger.db.tables import (
    Ballot,
    Meeting,
    Member,
    Motion,
    MotionEvent,
    Presence,
    Proxy,
    WeightLine,
    WeightSet,
)
from ledger.db.uow import UnitOfWork
from ledger.domain.access import Actor, Permission, Role, require
from ledger.domain.contribution_inputs import parse_day, parse_decimal, parse_text, parse_year
from ledger.domain.errors import Conflict, Forbidden, NotFound, Problem, ValidationFailed, collect, raise_if_any
from ledger.domain.journal import canonical_json
from ledger.domain.members import MemberStatus, validate_admission
from ledger.domain.settings import parse_setting
from ledger.domain.governance.decide import Voter, decide
from ledger.domain.governance.presets import PRESETS
from ledger.domain.governance.publication import published_snapshot
from ledger.domain.governance.representation import VotingRight, represented
from ledger.domain.governance.rules import MAX_WEIGHT, MAX_WEIGHT_DECIMALS, Rule, Vote, Weighting
from ledger.queries import contributions as contribution_queries
from ledger.queries import governance as governance_queries
from ledger.queries.sql import NO_LIMIT
from ledger.services import compute
from ledger.services import contributions as finance
from ledger.services.members import admit_member, change_member_status, member_code, member_codes

BALLOT_KINDS = ("roll_call", "secret")
SEALED_BALLOT = Actor(ref="ballot:sealed")
"""The public journal's actor of a ballot: a commitment that reveals no member or delegate
while the motion is open (who cast it stays in the ballot row, for the secretariat and auditor)."""
PROXY_LIMIT = 1  # TFEU Art. 239: a member may act on behalf of one other member at most
MAX_RULE_TEXT = 20_000
"""Characters of a custom rule's JSON: a full rule takes about 400."""


def parse_record_id(raw: object, field: str) -> int:
    """The number of a stored record (`field`: meeting, motion), within what the databases store (1 to 2^31 - 1)."""
    text = str(raw).strip() if isinstance(raw, (str, int)) and not isinstance(raw, bool) else ""
    number = int(text) if text.isascii() and text.isdigit() and len(text) <= len(str(NO_LIMIT)) else 0
    if not 1 <= number <= NO_LIMIT:
        raise ValidationFailed.single(field, f"a {field} number from 1 to {NO_LIMIT:,}; not {str(raw)[:40]!r}")
    return number


def _meeting(uow: UnitOfWork, meeting_id: object) -> Meeting:
    meeting = uow.session.get(Meeting, parse_record_id(meeting_id, "meeting"))
    if meeting is None:
        raise NotFound(f"no meeting #{meeting_id}")
    return meeting


def _motion(uow: UnitOfWork, motion_id: object) -> Motion:
    motion = uow.session.get(Motion, parse_record_id(motion_id, "motion"))
    if motion is None:
        raise NotFound(f"no motion #{motion_id}")
    return motion


def _opened_on(uow: UnitOfWork, motion_id: int) -> date | None:
    return uow.session.execute(select(MotionEvent.on_date).where(MotionEvent.motion_id == motion_id, MotionEvent.event == "opened")).scalar()


def voting_rights(uow: UnitOfWork, day: date) -> dict[str, VotingRight]:
    """Every member's voting right on a day (ledger.queries.governance.voting_rights_on)."""
    return governance_queries.voting_rights_on(uow.session.connection(), day)


def motion_status(uow: UnitOfWork, motion_id: int) -> str:
    """draft, open or closed."""
    events = set(uow.session.execute(select(MotionEvent.event).where(MotionEvent.motion_id == motion_id)).scalars())
    return "closed" if "closed" in events else "open" if "opened" in events else "draft"


# --------------------------------------------------------------------------- weights, meetings, presence, proxies


def record_weights(name: str, source: str, weights: Mapping[str, object], *, actor: Actor, uow: UnitOfWork) -> int:
    """Enter a named set of weights (population, quota, ...) for weighted votes."""
    require(actor, Permission.MANAGE_GOVERNANCE)
    problems: list[Problem] = []
    name = collect(problems, parse_text, name, "name", 2, 80, "name the weights, e.g. population 2024")
    source = collect(problems, parse_text, source, "source", 3, 300, "where the figures come from")
    parsed = {}
    for code, raw in weights.items():
        value, found = parse_decimal(raw, f"weights.{code}", minimum=Decimal(0), example="83118501")
        if value is not None and (value > MAX_WEIGHT or -value.as_tuple().exponent > MAX_WEIGHT_DECIMALS):
            found = [Problem(f"weights.{code}", f"a number from 0 to {MAX_WEIGHT:,} with at most {MAX_WEIGHT_DECIMALS} decimals; not {raw!s:.40}")]
        problems += found
        parsed[code] = value
    if not weights:
        problems.append(Problem("weights", "one weight per member at least"))
    raise_if_any(problems)
    with uow:
        codes = member_codes(uow, parsed, "weights")
        if uow.session.execute(select(WeightSet.id).where(WeightSet.name == name)).first():
            raise Conflict(f"weights named {name!r} exist already; weights are never edited, give the new ones a new name")
        weight_set = uow.add(WeightSet(name=name, source=source, journal_seq=0))
        for code, value in zip(codes, parsed.values()):
            uow.add(WeightLine(weight_set_id=weight_set.id, member_code=code, weight=str(value), journal_seq=0))
        uow.commit(actor=actor, kind="weights.recorded", summary=f"Weights {name!r} for {len(codes)} members ({source})")
    return weight_set.id


def schedule_meeting(title: str, held_on: object, *, actor: Actor, uow: UnitOfWork) -> int:
    """Schedule a board meeting."""
    require(actor, Permission.MANAGE_GOVERNANCE)
    problems: list[Problem] = []
    title = collect(problems, parse_text, title, "title", 3, 200, "the meeting's title")
    day = collect(problems, parse_day, held_on, "held_on")
    raise_if_any(problems)
    with uow:
        meeting = uow.add(Meeting(title=title, held_on=day, journal_seq=0))
        uow.commit(actor=actor, kind="meeting.scheduled", summary=f"Meeting #{meeting.id} on {day}: {title}")
    return meeting.id


def record_presence(meeting_id: object, members: list[str], *, actor: Actor, uow: UnitOfWork) -> int:
    """Record the members present at a meeting (those already recorded are left as they are)."""
    require(actor, Permission.MANAGE_GOVERNANCE)
    with uow:
        meeting = _meeting(uow, meeting_id)
        codes = sorted(set(member_codes(uow, members, "members")))
        already = set(uow.session.execute(select(Presence.member_code).where(Presence.meeting_id == meeting.id)).scalars())
        new = [code for code in codes if code not in already]
        if not new:
            return 0
        for code in new:
            uow.add(Presence(meeting_id=meeting.id, member_code=code, journal_seq=0))
        uow.commit(actor=actor, kind="meeting.presence", summary=f"Present at meeting #{meeting.id}: {', '.join(new)}")
    return len(new)


def record_proxy(meeting_id: object, member: str, holder: str, *, actor: Actor, uow: UnitOfWork) -> int:
    """For one meeting, the delegate of `holder` carries the vote of `member` (at most PROXY_LIMIT each).

    Only between members entitled to vote on the meeting's day (TFEU Art. 239: "any member
    of the Council may also act on behalf of not more than one other member"), and only to
    a holder recorded present (DESIGN.md: a delegate carries a proxy only while present).
    """
    require(actor, Permission.MANAGE_GOVERNANCE)
    with uow:
        meeting = _meeting(uow, meeting_id)
        problems: list[Problem] = []
        code = collect(problems, member_code, uow, member, "member")
        holder_code = collect(problems, member_code, uow, holder, "holder")
        raise_if_any(problems)
        if code == holder_code:
            raise ValidationFailed.single("holder", "another member's delegate: a member cannot be its own proxy")
        rights = voting_rights(uow, meeting.held_on)
        for field, party in (("member", code), ("holder", holder_code)):
            if not rights[party].has_vote:
                problems.append(Problem(field, f"{rights[party].refusal}; a proxy passes only between members entitled to vote (TFEU Art. 239)"))
        raise_if_any(problems)
        present, proxies = governance_queries.meeting_presence(uow.session.connection(), meeting.id)
        if code in proxies:
            raise Conflict(f"{code} has given its proxy for this meeting already")
        if holder_code in proxies or code in proxies.values():
            raise Conflict(f"a proxy cannot be passed on: {holder_code} has given its own proxy, or {code} carries one, for this meeting")
        if sum(1 for carrier in proxies.values() if carrier == holder_code) >= PROXY_LIMIT:
            raise Conflict(f"the delegate of {holder_code} carries {PROXY_LIMIT} proxy already, the most allowed (TFEU Art. 239)")
        if holder_code not in present:
            raise Conflict(f"{holder_code} is not recorded present at meeting #{meeting.id}: a delegate carries a proxy only while present itself; record its presence first")
        proxy = uow.add(Proxy(meeting_id=meeting.id, member_code=code, holder_code=holder_code, journal_seq=0))
        uow.commit(actor=actor, kind="meeting.proxy", summary=f"At meeting #{meeting.id} the delegate of {holder_code} carries the vote of {code}")
    return proxy.id


# --------------------------------------------------------------------------- motions


def parse_rule(raw: object) -> tuple[str, Rule]:
    """A rule by preset name, or a rule in its JSON form (a dict or JSON text): (name, rule)."""
    accepted = f"a preset ({', '.join(PRESETS)}) or a rule in JSON, up to {MAX_RULE_TEXT:,} characters"
    if isinstance(raw, str) and raw.strip() in PRESETS:
        return raw.strip(), PRESETS[raw.strip()]
    document = raw
    if isinstance(raw, str):
        if len(raw) > MAX_RULE_TEXT:
            raise ValidationFailed.single("rule", f"{len(raw):,} characters; accepted: {accepted}")
        try:
            document = json.loads(raw, parse_float=Decimal)
        except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
            raise ValidationFailed.single("rule", f"not valid JSON; accepted: {accepted}") from None
    if not isinstance(document, dict):
        raise ValidationFailed.single("rule", f"accepted: {accepted}")
    return "custom", Rule.from_json(document)


def _effect_problems(kind: str, effect: Mapping[str, object]) -> list[Problem]:
    """The effect's parameters against the kind's declared fields: none unknown, none required missing."""
    declared = EFFECTS[kind].fields
    names = [field.name for field in declared]
    accepted = f"accepted for a {kind} motion: {', '.join(names)}" if names else f"a {kind} motion has no effect to apply"
    problems = [Problem(f"effect.{key}", f"not a parameter; {accepted}") for key in sorted(set(effect) - set(names), key=str)]
    for field in declared:
        if field.required and effect.get(field.name) in (None, "", {}):
            problems.append(Problem(f"effect.{field.name}", f"required: {field.label}"))
    return problems


def propose_motion(
    meeting_id: object,
    title: str,
    text: str,
    kind: str,
    rule: object,
    weights: str,
    ballot: str,
    effect: Mapping[str, object] | None,
    *,
    actor: Actor,
    uow: UnitOfWork,
) -> int:
    """Put a motion on a meeting's agenda, as a draft; its effect is checked now and applied if adopted."""
    require(actor, Permission.MANAGE_GOVERNANCE)
    problems: list[Problem] = []
    title = collect(problems, parse_text, title, "title", 3, 200, "the motion's title")
    text = collect(problems, parse_text, text, "text", 3, 20_000, "the motion's text")
    if kind not in EFFECTS:
        problems.append(Problem("kind", f"one of {', '.join(EFFECTS)}"))
    if ballot not in BALLOT_KINDS:
        problems.append(Problem("ballot", "roll_call (named votes, published) or secret (totals only)"))
    rule_name, parsed_rule = collect(problems, parse_rule, rule) or (None, None)
    weights = str(weights or "").strip()
    if len(weights) > 200:
        problems.append(Problem("weights", "equal, contribution or weight_set:<name>, up to 200 characters"))
    elif parsed_rule is not None:
        if parsed_rule.weights is Weighting.EQUAL and weights != "equal":
            problems.append(Problem("weights", "equal: the rule gives every member one vote"))
        if parsed_rule.weights is Weighting.WEIGHTED and not (weights == "contribution" or weights.startswith("weight_set:")):
            problems.append(Problem("weights", "contribution (the scale's shares) or weight_set:<name> for a weighted rule"))
    effect = dict(effect or {})
    shape = _effect_problems(kind, effect) if kind in EFFECTS else []
    problems += shape
    with uow:
        meeting = collect(problems, _meeting, uow, meeting_id)
        if weights.startswith("weight_set:") and not uow.session.execute(select(WeightSet.id).where(WeightSet.name == weights.partition(":")[2])).first():
            problems.append(Problem("weights", f"no weights named {weights.partition(':')[2]!r}; record them first"))
        checked = {}
        if kind in EFFECTS and not shape:  # its problems are reported with the motion's others
            checked = collect(problems, EFFECTS[kind].check, effect, uow)
        raise_if_any(problems)
        motion = uow.add(
            Motion(
                meeting_id=meeting.id, title=title, text=text, kind=kind, rule_name=rule_name,
                rule_json=canonical_json(parsed_rule.to_json()), weights=weights, ballot=ballot,
                effect_json=canonical_json(checked), journal_seq=0,
            )
        )
        uow.commit(actor=actor, kind="motion.proposed", summary=f"Motion #{motion.id} ({kind}, {rule_name}, {ballot}) for meeting #{meeting.id}: {title}")
    return motion.id


def open_motion(motion_id: object, on_date: object, *, today: date, actor: Actor, uow: UnitOfWork) -> None:
    """Open a draft motion for voting, on its meeting's day or later (and not after today)."""
    require(actor, Permission.MANAGE_GOVERNANCE)
    day = parse_day(on_date, "on_date", not_after=today)
    with uow:
        motion = _motion(uow, motion_id)
        status = motion_status(uow, motion.id)
        if status != "draft":
            raise Conflict(f"motion #{motion.id} is {status}; only a draft can be opened")
        meeting = uow.session.get(Meeting, motion.meeting_id)
        if day < meeting.held_on:
            raise ValidationFailed.single("on_date", f"the meeting is held on {meeting.held_on}: its motions open on that day or later; not {day}")
        uow.add(MotionEvent(motion_id=motion.id, event="opened", on_date=day, journal_seq=0))
        uow.commit(actor=actor, kind="motion.opened", summary=f"Motion #{motion.id} opened for voting: {motion.title}")


def cast_ballot(motion_id: object, member: str, vote: str, *, today: date, actor: Actor, uow: UnitOfWork) -> None:
    """A delegate's ballot for its own member, or for the member whose proxy it carries at this meeting.

    Refused, saying why, when the member has no vote today, and for a proxy when its holder
    is not recorded present, has no vote, or when the member's own delegate has voted (its
    ballot takes precedence: ledger.domain.governance.representation.represented).
    """
    require(actor, Permission.CAST_BALLOT)
    try:
        choice = Vote(str(vote or "").strip().lower())
    except ValueError:
        raise ValidationFailed.single("vote", "yes, no or abstain") from None
    with uow:
        motion = _motion(uow, motion_id)
        code = member_code(uow, member, "member")
        meeting = uow.session.get(Meeting, motion.meeting_id)
        by_proxy = code != actor.member_code
        present, proxies = governance_queries.meeting_presence(uow.session.connection(), meeting.id)
        if by_proxy and (actor.role is not Role.DELEGATE or proxies.get(code) != actor.member_code):
            raise Forbidden(f"the delegate of {actor.member_code} may vote for {actor.member_code}, and for another member only with its proxy for this meeting")
        status = motion_status(uow, motion.id)
        if status != "open":
            raise Conflict(f"motion #{motion.id} is {status}: ballots are taken only while it is open")
        rights = voting_rights(uow, today)
        for party in (code, actor.member_code) if by_proxy else (code,):
            if not rights[party].has_vote:
                raise Conflict(rights[party].refusal)
        if by_proxy and actor.member_code not in present:
            raise Conflict(f"{actor.member_code} is not recorded present at meeting #{meeting.id}: a proxy acts only while its holder is present")
        if by_proxy and uow.session.execute(select(Ballot.id).where(Ballot.motion_id == motion.id, Ballot.member_code == code, Ballot.by_proxy.is_(False))).first():
            raise Conflict(f"{code}'s own delegate has voted on motion #{motion.id}: its ballot takes precedence over its proxy holder's")
        uow.add(Ballot(motion_id=motion.id, member_code=code, vote=choice.value, salt=secrets.token_hex(16),
                       cast_by=actor.ref, by_proxy=by_proxy, journal_seq=0))
        # The entry names neither the member nor the delegate (its user:N is bound to a member in
        # the public journal): the ballot row, with who cast it, is what the office sees.
        uow.commit(actor=SEALED_BALLOT, kind="ballot.cast", summary=f"A sealed ballot on motion #{motion.id}")


def close_motion(motion_id: object, on_date: object, *, today: date, actor: Actor, uow: UnitOfWork) -> str:
    """Decide an open motion, store the snapshot of the vote, and apply its effect if adopted.

    Closed on the day it opened or later (never after today), once presence at its meeting
    is recorded; who may vote, and the weights, are judged on the closing day.
    """
    require(actor, Permission.MANAGE_GOVERNANCE)
    day = parse_day(on_date, "on_date", not_after=today)
    with uow:
        motion = _motion(uow, motion_id)
        status = motion_status(uow, motion.id)
        if status != "open":
            raise Conflict(f"motion #{motion.id} is {status}; only an open motion can be closed")
        opened_on = _opened_on(uow, motion.id)
        if day < opened_on:
            raise ValidationFailed.single("on_date", f"the motion opened on {opened_on}: it closes on that day or later; not {day}")
        meeting = uow.session.get(Meeting, motion.meeting_id)
        connection = uow.session.connection()
        present, proxies = governance_queries.meeting_presence(connection, meeting.id)
        if not present:
            raise Conflict(f"no presence is recorded at meeting #{meeting.id}: record who is present before closing a vote of its agenda")
        rule = Rule.from_json(json.loads(motion.rule_json))
        rights = voting_rights(uow, day)
        members = sorted(code for code, right in rights.items() if right.is_member)
        weights = _weights(uow, motion.weights, members, day)
        voters = [Voter(code, weights[code], suspension=rights[code].suspension) for code in members]
        counted = represented(governance_queries.cast_ballots(connection, motion.id), proxies, present,
                              {code for code in members if rights[code].has_vote})
        decision = decide(rule, voters, counted.ballots, counted.present)
        snapshot = {
            "meeting": meeting.id,
            "held_on": meeting.held_on.isoformat(),
            "judged_on": day.isoformat(),
            "rule": json.loads(motion.rule_json),
            "rule_name": motion.rule_name,
            "weights_basis": motion.weights,
            "weights": {code: str(weight) for code, weight in sorted(weights.items())},
            "ineligible": {voter.code: voter.suspension for voter in voters if not voter.eligible},
            "proxies": dict(counted.proxies_in_force),
            "by_proxy": sorted(counted.by_proxy),
            "set_aside": dict(counted.ignored),
            "ballot": motion.ballot,
            "decision": decision.to_json(),
            "votes": dict(counted.ballots) if motion.ballot == "roll_call" else None,
            "voted": sorted(counted.ballots),
        }
        # Stored as published: a secret ballot's row, public in the journal, carries no totals and
        # no voters (ledger.domain.governance.rules.published_snapshot); its ballot rows keep the votes.
        published = published_snapshot(snapshot)
        explanation = published["decision"]["explanation"]
        uow.add(
            MotionEvent(
                motion_id=motion.id, event="closed", on_date=day, outcome=decision.outcome.value,
                explanation=explanation, snapshot_json=canonical_json(published), journal_seq=0,
            )
        )
        if decision.outcome.value == "adopted":
            EFFECTS[motion.kind].apply(json.loads(motion.effect_json), motion, day, today, actor, uow)
        uow.commit(actor=actor, kind="motion.closed", summary=f"Motion #{motion.id} {decision.outcome.value}: {explanation}")
    return decision.outcome.value


def _weights(uow: UnitOfWork, basis: str, members: list[str], day: date) -> dict[str, Decimal]:
    if basis == "equal":
        return {code: Decimal(1) for code in members}
    if basis == "contribution":
        connection = uow.session.connection()
        scale = contribution_queries.scale_of_year(connection, day.year)
        shares = {line.code: line.share_pct for line in scale.lines} if scale else {}
    else:
        name = basis.partition(":")[2]
        shares = {
            code: Decimal(weight)
            for code, weight in uow.session.execute(
                select(WeightLine.member_code, WeightLine.weight).join(WeightSet, WeightSet.id == WeightLine.weight_set_id).where(WeightSet.name == name)
            ).all()
        }
    return {code: shares.get(code, Decimal(0)) for code in members}


# --------------------------------------------------------------------------- effects


@dataclass(frozen=True, slots=True)
class EffectField:
    """One parameter of a kind's effect, as the form asks for it and the service requires it.

    `kind` says how it is asked: text, a day, a year, a member of the ledger, an admission
    status, a whole number, incomes (one member a line), or a setting's key.
    """

    name: str
    label: str
    kind: str = "text"
    required: bool = True


@dataclass(frozen=True, slots=True)
class Effect:
    """What an adopted motion of a kind does, declared once: the workspace's form, the check and the effect.

    `fields` are the effect's parameters (the form shows these for the kind, the service
    refuses any other and requires the required ones); `check` validates them when the
    motion is proposed and `apply` carries them out when it is adopted.
    """

    label: str
    fields: tuple[EffectField, ...]
    check: Callable[[dict, UnitOfWork], dict]
    apply: Callable[[dict, Motion, date, date, Actor, UnitOfWork], None]


def _cited(motion: Motion) -> str:
    """How an effect cites the motion that decided it."""
    return finance.motion_citation(motion)


def _no_parameters(_effect: dict, _uow: UnitOfWork) -> dict:
    """A kind without parameters: `_effect_problems` has refused any given."""
    return {}


def _nothing(*_args) -> None:
    return None


def _check_budget(effect: dict, uow: UnitOfWork) -> dict:
    year = parse_year(effect.get("year"), "effect.year")
    status = finance.year_status(uow, year)
    if status != "draft":
        raise Conflict(f"the budget of {year} is {status} already")
    return {"year": year}


def _apply_budget(effect: dict, motion: Motion, day: date, today: date, actor: Actor, uow: UnitOfWork) -> None:
    finance.adopt_budget(effect["year"], "", day, today=today, actor=actor, uow=uow, motion=motion.id)


def _check_scale(effect: dict, uow: UnitOfWork) -> dict:
    finance.parse_income_measure(effect["income_measure"], "effect.income_measure")
    finance.scale_proposal_of(effect, uow)
    return {field.name: effect.get(field.name, "") for field in EFFECTS["scale"].fields}


def _apply_scale(effect: dict, motion: Motion, day: date, today: date, actor: Actor, uow: UnitOfWork) -> None:
    finance.adopt_scale(finance.scale_proposal_of(effect, uow), income_measure=effect["income_measure"], decision="", adopted_on=day,
                        today=today, actor=actor, uow=uow, motion=motion.id)


def _check_accession(effect: dict, uow: UnitOfWork) -> dict:
    try:
        admission = validate_admission(str(effect.get("code", "")), effect.get("name"), str(effect.get("status", "member")), str(effect.get("joined", "")))
    except ValidationFailed as failed:
        raise ValidationFailed([Problem(f"effect.{p.field}", p.message) for p in failed.problems]) from None
    if uow.session.get(Member, admission.code) is not None:
        raise Conflict(f"{admission.code} is a member of the ledger already")
    return {"code": admission.code, "name": admission.name, "status": admission.status.value, "joined": admission.joined.isoformat()}


def _apply_accession(effect: dict, motion: Motion, day: date, today: date, actor: Actor, uow: UnitOfWork) -> None:
    admit_member(effect["code"], effect["name"], effect["status"], effect["joined"], actor=actor, uow=uow)


def _check_withdrawal(effect: dict, uow: UnitOfWork) -> dict:
    problems: list[Problem] = []
    code = collect(problems, member_code, uow, effect.get("code"), "effect.code")
    day = collect(problems, parse_day, effect.get("left"), "effect.left")
    raise_if_any(problems)
    return {"code": code, "left": day.isoformat()}


def _apply_withdrawal(effect: dict, motion: Motion, day: date, today: date, actor: Actor, uow: UnitOfWork) -> None:
    change_member_status(effect["code"], MemberStatus.WITHDRAWN.value, effect["left"], actor=actor, uow=uow)


def _check_waiver(effect: dict, uow: UnitOfWork) -> dict:
    problems: list[Problem] = []
    code = collect(problems, member_code, uow, effect.get("code"), "effect.code")
    start = collect(problems, parse_day, effect.get("from"), "effect.from")
    end = collect(problems, parse_day, effect.get("to"), "effect.to") if effect.get("to") else None
    raise_if_any(problems)
    return {"code": code, "from": start.isoformat(), "to": end.isoformat() if end else None}


def _apply_waiver(effect: dict, motion: Motion, day: date, today: date, actor: Actor, uow: UnitOfWork) -> None:
    finance.grant_waiver(effect["code"], effect["from"], effect["to"] or "", _cited(motion), actor=actor, uow=uow)


def _check_setting(effect: dict, uow: UnitOfWork) -> dict:
    """The setting and its new value, checked by the key's one parser (ledger.domain.settings.parse_setting)."""
    key = str(effect.get("key", "")).strip()
    try:
        value = parse_setting(key, str(effect.get("value", "")))
    except ValidationFailed as failed:
        raise ValidationFailed([Problem(f"effect.{p.field}", p.message) for p in failed.problems]) from None
    return {"key": key, "value": value}


def _apply_setting(effect: dict, motion: Motion, day: date, today: date, actor: Actor, uow: UnitOfWork) -> None:
    finance.change_setting(effect["key"], effect["value"], "", actor=actor, uow=uow, motion=motion.id, decided_on=day, today=today)


def _apply_quota_transfer(effect: dict, motion: Motion, day: date, today: date, actor: Actor, uow: UnitOfWork) -> None:
    compute.apply_quota_transfer(effect, motion.id, actor=actor, uow=uow)


EFFECTS: Mapping[str, Effect] = MappingProxyType({
    "budget": Effect("budget: adopts a fiscal year's budget", (EffectField("year", "Year whose budget is adopted", "year"),),
                     _check_budget, _apply_budget),
    "scale": Effect("scale: adopts a scale of contributions", (
        EffectField("first_year", "First year of the scale", "year"),
        EffectField("last_year", "Last year of the scale", "year"),
        EffectField("ceiling", "Ceiling in percent (empty for none)", required=False),
        EffectField("floor", "Floor in percent (empty for none)", required=False),
        EffectField("precision", "Precision in percent (e.g. 0.001)"),
        EffectField("associate_factor", "Associate factor in percent"),
        EffectField("income_measure", "Income measure and its source (e.g. GNI 2022-2024, World Bank)"),
        EffectField("incomes", "Incomes, one member a line: CODE income (e.g. DEU 4000)", "incomes"),
    ), _check_scale, _apply_scale),
    "accession": Effect("accession: admits a member", (
        EffectField("code", "Country code of the new member (ISO 3166-1 alpha-3)"),
        EffectField("name", "Its name (leave empty for the ISO name)", required=False),
        EffectField("status", "Its status (member unless chosen)", "status", required=False),
        EffectField("joined", "Joins on", "day"),
    ), _check_accession, _apply_accession),
    "withdrawal": Effect("withdrawal: records a member leaving", (
        EffectField("code", "Member withdrawing", "member"),
        EffectField("left", "Leaves on", "day"),
    ), _check_withdrawal, _apply_withdrawal),
    "quota_transfer": Effect("quota transfer: moves GPU-hours of a year's quota between members", (
        EffectField("year", "Year of the quotas", "year"),
        EffectField("from", "Member giving GPU-hours", "member"),
        EffectField("to", "Member receiving them", "member"),
        EffectField("gpu_hours", "GPU-hours transferred (a whole number)", "whole"),
    ), compute.check_quota_transfer, _apply_quota_transfer),
    "arrears_waiver": Effect("arrears waiver: keeps a suspended member's vote", (
        EffectField("code", "Member whose suspension is waived", "member"),
        EffectField("from", "Waived from", "day"),
        EffectField("to", "Waived until (empty: until revoked)", "day", required=False),
    ), _check_waiver, _apply_waiver),
    "setting": Effect("setting: changes a setting that changes figures", (
        EffectField("key", "Setting", "setting"),
        EffectField("value", "Its new value"),
    ), _check_setting, _apply_setting),
    "safety_lab": Effect("safety lab: no effect in the ledger", (), _no_parameters, _nothing),
    "general": Effect("general: no effect in the ledger", (), _no_parameters, _nothing),
})
"""Every kind of motion and its effect (DESIGN.md, Governance: an adopted motion applies its effect)."""
MOTION_KINDS = tuple(EFFECTS)
