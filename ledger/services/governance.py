"""Board governance use cases: meetings, presence, proxies, motions, ballots, and closing a vote.

Closing a motion decides it with the data-driven rule engine, stores a snapshot of the vote
that is never recomputed (who was eligible and present, the ballots or, for a secret ballot,
only the totals, the weights, the thresholds, the outcome and its explanation) and, when the
motion is adopted, applies its effect in the same transaction, citing the motion.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

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
from ledger.domain.voting import PRESETS, Rule, Vote, Voter, Weighting, decide
from ledger.queries import contributions as contribution_queries
from ledger.queries import members as member_queries
from ledger.services import compute
from ledger.services import contributions as finance
from ledger.services.members import admit_member, change_member_status, member_code, member_codes, member_history

MOTION_KINDS = ("budget", "scale", "accession", "withdrawal", "quota_transfer", "arrears_waiver", "safety_lab", "general")
BALLOT_KINDS = ("roll_call", "secret")
PROXY_LIMIT = 1  # TFEU Art. 239: a member may act on behalf of one other member at most


def _meeting(uow: UnitOfWork, meeting_id: object) -> Meeting:
    meeting = uow.session.get(Meeting, int(meeting_id)) if str(meeting_id).isdigit() else None
    if meeting is None:
        raise NotFound(f"no meeting #{meeting_id}")
    return meeting


def _motion(uow: UnitOfWork, motion_id: object) -> Motion:
    motion = uow.session.get(Motion, int(motion_id)) if str(motion_id).isdigit() else None
    if motion is None:
        raise NotFound(f"no motion #{motion_id}")
    return motion


def motion_status(uow: UnitOfWork, motion_id: int) -> str:
    """draft, open or closed."""
    events = set(uow.session.execute(select(MotionEvent.event).where(MotionEvent.motion_id == motion_id)).scalars())
    return "closed" if "closed" in events else "open" if "opened" in events else "draft"


def statuses_on(uow: UnitOfWork, day: date) -> dict[str, str]:
    """Each member's status in force on a day (members not yet joined are left out)."""
    return member_queries.statuses_on(uow.session.connection(), day)


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
    """For one meeting, the delegate of `holder` carries the vote of `member` (at most PROXY_LIMIT each)."""
    require(actor, Permission.MANAGE_GOVERNANCE)
    with uow:
        meeting = _meeting(uow, meeting_id)
        problems: list[Problem] = []
        code = collect(problems, member_code, uow, member, "member")
        holder_code = collect(problems, member_code, uow, holder, "holder")
        raise_if_any(problems)
        if code == holder_code:
            raise ValidationFailed.single("holder", "another member's delegate: a member cannot be its own proxy")
        proxies = uow.session.execute(select(Proxy.member_code, Proxy.holder_code).where(Proxy.meeting_id == meeting.id)).all()
        if any(given == code for given, _ in proxies):
            raise Conflict(f"{code} has given its proxy for this meeting already")
        if any(given == holder_code for given, _ in proxies):
            raise Conflict(f"{holder_code} has given its own proxy for this meeting; a proxy cannot be passed on")
        if sum(1 for _, carrier in proxies if carrier == holder_code) >= PROXY_LIMIT:
            raise Conflict(f"the delegate of {holder_code} carries {PROXY_LIMIT} proxy already, the most allowed (TFEU Art. 239)")
        proxy = uow.add(Proxy(meeting_id=meeting.id, member_code=code, holder_code=holder_code, journal_seq=0))
        uow.commit(actor=actor, kind="meeting.proxy", summary=f"At meeting #{meeting.id} the delegate of {holder_code} carries the vote of {code}")
    return proxy.id


# --------------------------------------------------------------------------- motions


def parse_rule(raw: object) -> tuple[str, Rule]:
    """A rule by preset name, or a rule in its JSON form (a dict or JSON text): (name, rule)."""
    if isinstance(raw, str) and raw.strip() in PRESETS:
        return raw.strip(), PRESETS[raw.strip()]
    document = raw
    if isinstance(raw, str):
        try:
            document = json.loads(raw)
        except ValueError:
            raise ValidationFailed.single("rule", f"a preset ({', '.join(PRESETS)}) or a rule in JSON") from None
    if not isinstance(document, dict):
        raise ValidationFailed.single("rule", f"a preset ({', '.join(PRESETS)}) or a rule in JSON")
    return "custom", Rule.from_json(document)


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
    if kind not in MOTION_KINDS:
        problems.append(Problem("kind", f"one of {', '.join(MOTION_KINDS)}"))
    if ballot not in BALLOT_KINDS:
        problems.append(Problem("ballot", "roll_call (named votes, published) or secret (totals only)"))
    rule_name, parsed_rule = collect(problems, parse_rule, rule) or (None, None)
    weights = (weights or "").strip()
    if parsed_rule is not None:
        if parsed_rule.weights is Weighting.EQUAL and weights != "equal":
            problems.append(Problem("weights", "equal: the rule gives every member one vote"))
        if parsed_rule.weights is Weighting.WEIGHTED and not (weights == "contribution" or weights.startswith("weight_set:")):
            problems.append(Problem("weights", "contribution (the scale's shares) or weight_set:<name> for a weighted rule"))
    with uow:
        meeting = _meeting(uow, meeting_id)
        if weights.startswith("weight_set:") and not uow.session.execute(select(WeightSet.id).where(WeightSet.name == weights.partition(":")[2])).first():
            problems.append(Problem("weights", f"no weights named {weights.partition(':')[2]!r}; record them first"))
        checked = {}
        if kind in EFFECTS:  # its problems are reported with the motion's others
            checked = collect(problems, EFFECTS[kind].check, dict(effect or {}), uow)
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


def open_motion(motion_id: object, on_date: object, *, actor: Actor, uow: UnitOfWork) -> None:
    """Open a draft motion for voting."""
    require(actor, Permission.MANAGE_GOVERNANCE)
    day = parse_day(on_date, "on_date")
    with uow:
        motion = _motion(uow, motion_id)
        status = motion_status(uow, motion.id)
        if status != "draft":
            raise Conflict(f"motion #{motion.id} is {status}; only a draft can be opened")
        uow.add(MotionEvent(motion_id=motion.id, event="opened", on_date=day, journal_seq=0))
        uow.commit(actor=actor, kind="motion.opened", summary=f"Motion #{motion.id} opened for voting: {motion.title}")


def cast_ballot(motion_id: object, member: str, vote: str, *, actor: Actor, uow: UnitOfWork) -> None:
    """A delegate's ballot for its own member, or for the member whose proxy it carries at this meeting."""
    require(actor, Permission.CAST_BALLOT)
    try:
        choice = Vote((vote or "").strip().lower())
    except ValueError:
        raise ValidationFailed.single("vote", "yes, no or abstain") from None
    with uow:
        motion = _motion(uow, motion_id)
        code = member_code(uow, member, "member")
        meeting = uow.session.get(Meeting, motion.meeting_id)
        by_proxy = code != actor.member_code
        if by_proxy:
            carried = uow.session.execute(
                select(Proxy.id).where(Proxy.meeting_id == meeting.id, Proxy.member_code == code, Proxy.holder_code == actor.member_code)
            ).first()
            if actor.role is not Role.DELEGATE or carried is None:
                raise Forbidden(f"the delegate of {actor.member_code} may vote for {actor.member_code}, and for another member only with its proxy for this meeting")
        status = motion_status(uow, motion.id)
        if status != "open":
            raise Conflict(f"motion #{motion.id} is {status}: ballots are taken only while it is open")
        refusal = _vote_refusal(uow, code, meeting.held_on)
        if refusal:
            raise Conflict(refusal)
        uow.add(Ballot(motion_id=motion.id, member_code=code, vote=choice.value, salt=secrets.token_hex(16),
                       cast_by=actor.ref, by_proxy=by_proxy, journal_seq=0))
        proxy_note = f" by proxy (delegate of {actor.member_code})" if by_proxy else ""
        uow.commit(actor=actor, kind="ballot.cast", summary=f"Ballot for {code} on motion #{motion.id}{proxy_note}")


def _vote_refusal(uow: UnitOfWork, code: str, day: date) -> str | None:
    """Why a member has no vote on a day, or None when it has one."""
    in_force = [fact.status.value for fact in member_history(uow, code) if fact.effective <= day]
    status = in_force[-1] if in_force else None
    if status != MemberStatus.MEMBER.value:
        return f"{code} has no vote on {day}: its status is {status or 'not yet joined'}, and only members vote"
    standing = contribution_queries.standing_on(uow.session.connection(), code, day)
    if standing is not None and standing.standing.value == "suspended":
        return f"{code}'s vote is suspended: {standing.explanation}"
    return None


def close_motion(motion_id: object, on_date: object, *, today: date, actor: Actor, uow: UnitOfWork) -> str:
    """Decide an open motion, store the snapshot of the vote, and apply its effect if adopted."""
    require(actor, Permission.MANAGE_GOVERNANCE)
    day = parse_day(on_date, "on_date", not_after=today)
    with uow:
        motion = _motion(uow, motion_id)
        status = motion_status(uow, motion.id)
        if status != "open":
            raise Conflict(f"motion #{motion.id} is {status}; only an open motion can be closed")
        meeting = uow.session.get(Meeting, motion.meeting_id)
        rule = Rule.from_json(json.loads(motion.rule_json))
        voters, weights = _voters(uow, motion, meeting.held_on)
        ballots = _latest_ballots(uow, motion.id)
        present = set(uow.session.execute(select(Presence.member_code).where(Presence.meeting_id == meeting.id)).scalars())
        proxies = dict(uow.session.execute(select(Proxy.member_code, Proxy.holder_code).where(Proxy.meeting_id == meeting.id)).all())
        decision = decide(rule, voters, ballots, present | set(ballots) | set(proxies))
        snapshot = {
            "meeting": meeting.id,
            "held_on": meeting.held_on.isoformat(),
            "rule": json.loads(motion.rule_json),
            "rule_name": motion.rule_name,
            "weights_basis": motion.weights,
            "weights": {code: str(weight) for code, weight in sorted(weights.items())},
            "ineligible": {voter.code: voter.suspension for voter in voters if not voter.eligible},
            "proxies": proxies,
            "ballot": motion.ballot,
            "decision": decision.to_json(),
            "votes": dict(sorted(ballots.items())) if motion.ballot == "roll_call" else None,
            "voted": sorted(ballots),
        }
        uow.add(
            MotionEvent(
                motion_id=motion.id, event="closed", on_date=day, outcome=decision.outcome.value,
                explanation=decision.explanation, snapshot_json=canonical_json(snapshot), journal_seq=0,
            )
        )
        if decision.outcome.value == "adopted":
            EFFECTS[motion.kind].apply(json.loads(motion.effect_json), motion, day, today, actor, uow)
        uow.commit(actor=actor, kind="motion.closed", summary=f"Motion #{motion.id} {decision.outcome.value}: {decision.explanation}")
    return decision.outcome.value


def _latest_ballots(uow: UnitOfWork, motion_id: int) -> dict[str, str]:
    latest = select(Ballot.member_code, func.max(Ballot.id).label("id")).where(Ballot.motion_id == motion_id).group_by(Ballot.member_code).subquery()
    return dict(uow.session.execute(select(Ballot.member_code, Ballot.vote).join(latest, Ballot.id == latest.c.id)).all())


def _voters(uow: UnitOfWork, motion: Motion, day: date) -> tuple[list[Voter], dict[str, Decimal]]:
    """The members entitled to vote on the meeting's day, with their weights and any suspension."""
    members = sorted(code for code, status in statuses_on(uow, day).items() if status == MemberStatus.MEMBER.value)
    weights = _weights(uow, motion.weights, members, day)
    standings = contribution_queries.standings_on(uow.session.connection(), day)
    voters = []
    for code in members:
        standing = standings.get(code)
        suspended = standing is not None and standing.standing.value == "suspended"
        voters.append(Voter(code, weights[code], suspension=standing.explanation if suspended else None))
    return voters, weights


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
class Effect:
    """What an adopted motion of a kind does: `check` its parameters when proposed, `apply` them when adopted."""

    check: Callable[[dict, UnitOfWork], dict]
    apply: Callable[[dict, Motion, date, date, Actor, UnitOfWork], None]


def _cited(motion: Motion) -> str:
    """How an effect cites the motion that decided it."""
    return f"motion #{motion.id} ({motion.title})"


def _no_parameters(effect: dict, _uow: UnitOfWork) -> dict:
    if effect:
        raise ValidationFailed.single("effect", "this kind of motion has no effect to apply; leave it empty")
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
    finance.adopt_budget(effect["year"], _cited(motion), day, today=today, actor=actor, uow=uow)


def _check_scale(effect: dict, uow: UnitOfWork) -> dict:
    fields = ("first_year", "last_year", "incomes", "ceiling", "floor", "precision", "associate_factor", "income_measure")
    missing = [name for name in fields if name not in effect]
    if missing:
        raise ValidationFailed.single("effect", f"the scale's inputs: {', '.join(fields)}; missing {', '.join(missing)}")
    finance.parse_income_measure(effect["income_measure"], "effect.income_measure")
    _propose(effect, uow)
    return {name: effect[name] for name in fields}


def _propose(effect: dict, uow: UnitOfWork) -> finance.ScaleProposal:
    return finance.propose_scale(
        effect["first_year"], effect["last_year"], effect["incomes"], ceiling=effect["ceiling"], floor=effect["floor"],
        precision=effect["precision"], associate_factor=effect["associate_factor"], uow=uow,
    )


def _apply_scale(effect: dict, motion: Motion, day: date, today: date, actor: Actor, uow: UnitOfWork) -> None:
    finance.adopt_scale(_propose(effect, uow), income_measure=effect["income_measure"], decision=_cited(motion), adopted_on=day,
                        today=today, actor=actor, uow=uow)


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


def _apply_quota_transfer(effect: dict, motion: Motion, day: date, today: date, actor: Actor, uow: UnitOfWork) -> None:
    compute.apply_quota_transfer(effect, motion.id, actor=actor, uow=uow)


EFFECTS: dict[str, Effect] = {
    "budget": Effect(_check_budget, _apply_budget),
    "scale": Effect(_check_scale, _apply_scale),
    "accession": Effect(_check_accession, _apply_accession),
    "withdrawal": Effect(_check_withdrawal, _apply_withdrawal),
    "arrears_waiver": Effect(_check_waiver, _apply_waiver),
    "quota_transfer": Effect(compute.check_quota_transfer, _apply_quota_transfer),
    "safety_lab": Effect(_no_parameters, _nothing),
    "general": Effect(_no_parameters, _nothing),
}
