"""The board pages of the workspace: /office/governance/... (meetings, motions, ballots).

The secretariat schedules meetings, records presence and proxies, proposes motions, and opens
and closes votes; a delegate casts its member's ballot and those it carries by proxy; the
auditor reads. Each view parses the form, calls one use case of ledger.services.governance and
renders; the rules, and every refusal, live in the service. Long because the forms of the
meetings, the motions of every kind, presence, proxies and ballots sit beside their views.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, SelectMultipleField, TextAreaField
from wtforms.widgets import CheckboxInput, ListWidget

from ledger.domain.access import Permission
from ledger.domain.errors import NotFound, ValidationFailed
from ledger.domain.members import ADMISSION_STATUSES, MemberStatus
from ledger.domain.governance.presets import PRESETS
from ledger.domain.governance.rules import Vote
from ledger.domain.settings import SETTINGS
from ledger.queries import governance as governance_queries
from ledger.services import governance as governance_service
from ledger.web.contributions import SCALE_DEFAULTS
from ledger.web.forms import DATE_HINT, confirm_field, handle_form, member_choices, run_form, text_field
from ledger.web.guard import current_actor, requires
from ledger.state import cached, connect, today

blueprint = Blueprint("governance", __name__, url_prefix="/office/governance")

CUSTOM_RULE = "custom"
DEFAULT_PRESET = "simple_majority"
KIND_LABELS = {kind: effect.label for kind, effect in governance_service.EFFECTS.items()}
BALLOT_LABELS = {"roll_call": "roll-call: named votes, published when the motion closes", "secret": "secret: only the totals are ever shown"}
WEIGHT_CHOICES = {
    "equal": "equal: one vote per member (for an equal rule)",
    "contribution": "contribution: the shares of the scale in force (for a weighted rule)",
    "weight_set": "a named weight set, e.g. population (for a weighted rule; name it below)",
}
EFFECT_PREFIX = "effect_"


class CheckboxesField(SelectMultipleField):
    """One checkbox per choice (rendered in a fieldset by the template)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


# --------------------------------------------------------------------------- forms


class MeetingForm(FlaskForm):
    title = text_field("Title (e.g. 78th session of the Board)")
    held_on = text_field(f"Held on ({DATE_HINT})")


class PresenceForm(FlaskForm):
    members = CheckboxesField("Members present", validate_choice=False)
    confirm = confirm_field("I confirm that the members ticked are present")


class ProxyForm(FlaskForm):
    member = SelectField("Member giving its proxy", validate_choice=False)
    holder = SelectField("Member whose delegate carries it", validate_choice=False)
    confirm = confirm_field("I confirm this proxy for the meeting")


class MotionForm(FlaskForm):
    meeting = SelectField("Meeting", validate_choice=False)
    title = text_field("Title")
    text = TextAreaField("Text of the motion", default="")
    rule = SelectField("Voting rule", choices={**{name: name.replace("_", " ") for name in PRESETS}, CUSTOM_RULE: "custom: the rule in JSON below"}, validate_choice=False)
    rule_json = TextAreaField("Rule in JSON (used when the rule is custom; copy a preset and adjust it)", default="")
    weights = SelectField("Weights", choices=WEIGHT_CHOICES, validate_choice=False)
    weight_set = text_field("Name of the weight set (when the weights are a named set; recorded with weight_set:<name>)")
    ballot = SelectField("Ballot", choices=BALLOT_LABELS, validate_choice=False)
    confirm = confirm_field("I confirm this motion for the meeting's agenda; its text, rule and effect cannot change afterwards")


def _effect_input(field: governance_service.EffectField):
    """The form input for one declared effect parameter (ledger.services.governance.EFFECTS)."""
    if field.kind == "member":
        return SelectField(field.label, validate_choice=False)
    if field.kind == "status":
        return SelectField(field.label, choices=[s.value for s in ADMISSION_STATUSES], validate_choice=False)
    if field.kind == "incomes":
        return TextAreaField(field.label, default="")
    if field.kind == "setting":
        return SelectField(field.label, choices=list(SETTINGS), validate_choice=False)
    if field.kind == "day":
        return text_field(f"{field.label} ({DATE_HINT})")
    return text_field(field.label)


MOTION_FORMS: dict[str, type[MotionForm]] = {
    kind: type(f"MotionForm_{kind}", (MotionForm,), {EFFECT_PREFIX + field.name: _effect_input(field) for field in effect.fields})
    for kind, effect in governance_service.EFFECTS.items()
}
"""The motion form of each kind: the common fields and that kind's effect, from the one declared schema."""


class OpenForm(FlaskForm):
    on_date = text_field(f"Opened on ({DATE_HINT})")
    confirm = confirm_field("I confirm opening the vote: delegates may cast ballots until it closes")


class CloseForm(FlaskForm):
    on_date = text_field(f"Closed on ({DATE_HINT}; today or earlier)")
    confirm = confirm_field("I confirm closing the vote: the outcome is final and, if adopted, its effect applies now")


class BallotForm(FlaskForm):
    member = HiddenField()
    vote = RadioField("Ballot", choices=[v.value for v in Vote], validate_choice=False)


def _board(connection) -> governance_queries.BoardRecord:
    return cached(connection, "members.board", lambda: governance_queries.board_record(connection))


# --------------------------------------------------------------------------- helpers


def fraction_text(value: str | None) -> str:
    """An exact 'p/q' from a snapshot as a readable number: '2/3' -> '0.6667 (2/3)', '3/1' -> '3'."""
    if value is None:
        return "—"
    number = Fraction(value)
    if number.denominator == 1:
        return str(number.numerator)
    return f"{(Decimal(number.numerator) / Decimal(number.denominator)).quantize(Decimal('0.0001'))} ({value})"


def _threshold_text(threshold: dict | None, base: str) -> str:
    if threshold is None:
        return "none"
    fraction = Fraction(threshold["fraction"])
    percent = (Decimal(fraction.numerator) * 100 / Decimal(fraction.denominator)).quantize(Decimal("0.01")).normalize()
    op = "at least" if threshold["op"] == "at_least" else "more than"
    return f"{op} {threshold['fraction']} ({percent:f}%) of {base}"


BASES = {"cast": "the votes cast", "present": "the members present", "eligible": "all members entitled to vote"}


def rule_lines(rule: dict) -> list[tuple[str, str]]:
    """A rule's parameters as sentences an official can read."""
    base = BASES.get(rule["base"], rule["base"])
    weighted = rule["weights"] == "weighted"
    lines = [("Weights", "weighted by the motion's weights" if weighted else "one vote per member")]
    if rule.get("basic_votes_share") is not None:
        share = Fraction(rule["basic_votes_share"]) * 100
        percent = (Decimal(share.numerator) / Decimal(share.denominator)).quantize(Decimal("0.001")).normalize()
        lines.append(("Basic votes", f"{percent:f}% of the total votes ({rule['basic_votes_share']}), shared equally by the members on top of their weights"))
    lines += [
        ("Majority measured on", base),
        ("An abstention", "counts as a vote against" if rule["abstention"] == "against" else "counts as not cast"),
        ("Members threshold", _threshold_text(rule.get("members_threshold"), f"the members ({base})")),
    ]
    if weighted or rule.get("weight_threshold"):
        lines.append(("Weight threshold", _threshold_text(rule.get("weight_threshold"), f"the weight ({base})")))
    if rule.get("blocking_minority_min_members") is not None:
        lines.append(("Blocking minority", f"at least {rule['blocking_minority_min_members']} members, else the weight threshold counts as met"))
    lines.append(("Quorum", _threshold_text(rule.get("quorum"), "the members entitled to vote, present")))
    return lines


def _rule_document(name: str) -> str:
    return json.dumps(PRESETS[name].to_json(), indent=2)


def _find_meeting(connection, meeting_id: int) -> governance_queries.MeetingRow:
    found = _board(connection).meetings.get(meeting_id)
    if found is None:
        raise NotFound(f"no meeting #{meeting_id}; see the board's meetings")
    return found


def _find_motion(connection, motion_id: int) -> governance_queries.MotionDetail:
    found = governance_queries.find_motion(connection, motion_id)
    if found is None:
        raise NotFound(f"no motion #{motion_id}; see the board's motions")
    return found


# --------------------------------------------------------------------------- reading


@blueprint.route("/")
@requires(Permission.VIEW_GOVERNANCE)
def index():
    with connect() as connection:
        board = _board(connection)
        motions = governance_queries.list_motions(connection)
    by_meeting = defaultdict(list)
    for motion in motions:
        by_meeting[motion.meeting_id].append(motion)
    meetings = sorted(board.meetings.values(), key=lambda m: (m.held_on, m.id), reverse=True)
    return render_template("governance/index.html", title="Board: meetings and motions", meetings=meetings, motions=by_meeting)


@blueprint.route("/meetings/<int:meeting_id>")
@requires(Permission.VIEW_GOVERNANCE)
def meeting(meeting_id: int):
    with connect() as connection:
        found = _find_meeting(connection, meeting_id)
        board = _board(connection)
        motions = [m for m in governance_queries.list_motions(connection) if m.meeting_id == meeting_id]
        names = governance_queries.member_names(connection)
    return render_template(
        "governance/meeting.html", title=f"Meeting #{found.id}: {found.title}", meeting=found, motions=motions, names=names,
        present=board.presence.get(meeting_id, ()), proxies=board.proxies.get(meeting_id, {}),
    )


@blueprint.route("/motions/<int:motion_id>")
@requires(Permission.VIEW_GOVERNANCE)
def motion(motion_id: int):
    with connect() as connection:
        found = _find_motion(connection, motion_id)
        ballots = _board(connection).ballots.get(motion_id, {})
        names = governance_queries.member_names(connection)
    snapshot = found.snapshot or {}
    return render_template(
        "governance/motion.html", title=f"Motion #{found.row.id}: {found.row.title}", motion=found, row=found.row,
        rule_lines=rule_lines(found.rule), rule_json=json.dumps(found.rule, indent=2), names=names,
        ballots=sorted(ballots.values(), key=lambda b: b.member), sees_who_voted=current_actor().can(Permission.SEE_WHO_VOTED),
        snapshot=snapshot, decision=snapshot.get("decision") or {},
    )


# --------------------------------------------------------------------------- secretariat: meetings, presence, proxies


@blueprint.route("/meetings/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_GOVERNANCE)
def schedule_meeting():
    form = MeetingForm()
    return handle_form(
        form, "contributions/form.html",
        lambda uow: governance_service.schedule_meeting(form.title.data, form.held_on.data, actor=current_actor(), uow=uow),
        lambda meeting_id: (f"Scheduled meeting #{meeting_id} on {form.held_on.data.strip()}.", url_for(".meeting", meeting_id=meeting_id)),
        page={"title": "Schedule a board meeting", "submit": "Schedule the meeting", "back": url_for(".index"),
              "intro": ["Presence, proxies and motions are recorded for a meeting once it is scheduled."]},
    )


@blueprint.route("/meetings/<int:meeting_id>/presence", methods=["GET", "POST"])
@requires(Permission.MANAGE_GOVERNANCE)
def record_presence(meeting_id: int):
    with connect() as connection:
        found = _find_meeting(connection, meeting_id)
        present = _board(connection).presence.get(meeting_id, ())
        choices = [(code, label) for code, label in member_choices(connection, ADMISSION_STATUSES) if code and code not in present]
        names = governance_queries.member_names(connection)
    form = PresenceForm()
    form.members.choices = choices

    def recorded(count: int):
        said = f"Recorded {count} member{'s' if count != 1 else ''} present" if count else "No member newly recorded present"
        return f"{said} at meeting #{meeting_id}.", url_for(".meeting", meeting_id=meeting_id)

    return handle_form(
        form, "governance/presence.html",
        lambda uow: governance_service.record_presence(meeting_id, form.members.data or [], actor=current_actor(), uow=uow),
        recorded,
        page={"title": f"Presence at meeting #{meeting_id}", "submit": "Record presence", "meeting": found, "present": present,
              "names": names, "back": url_for(".meeting", meeting_id=meeting_id)},
    )


@blueprint.route("/meetings/<int:meeting_id>/proxies", methods=["GET", "POST"])
@requires(Permission.MANAGE_GOVERNANCE)
def record_proxy(meeting_id: int):
    with connect() as connection:
        found = _find_meeting(connection, meeting_id)
        choices = member_choices(connection, {MemberStatus.MEMBER.value})
    form = ProxyForm()
    form.member.choices = form.holder.choices = choices
    return handle_form(
        form, "contributions/form.html",
        lambda uow: governance_service.record_proxy(meeting_id, form.member.data, form.holder.data, actor=current_actor(), uow=uow),
        lambda _id: (f"At meeting #{meeting_id} the delegate of {form.holder.data} carries the vote of {form.member.data}.",
                     url_for(".meeting", meeting_id=meeting_id)),
        page={"title": f"Record a proxy for meeting #{meeting_id}", "submit": "Record the proxy", "back": url_for(".meeting", meeting_id=meeting_id),
              "intro": [f"{found.title}, {found.held_on}.",
                        (f"For this meeting the delegate of one member carries the vote of another; a delegate may carry "
                         f"{governance_service.PROXY_LIMIT} proxy at most (TFEU Art. 239), and a proxy cannot be passed on. "
                         "Both members must have the vote on the meeting's day, and the holder must be recorded present: "
                         "a proxy acts only while its holder is present, and only while the member does not vote itself.")]},
    )


# --------------------------------------------------------------------------- secretariat: motions


def _parse_incomes(raw: str) -> dict[str, str]:
    """Lines "CODE income" -> {CODE: income}; the service checks each code and figure."""
    incomes: dict[str, str] = {}
    for line in (raw or "").splitlines():
        code, _, income = line.strip().partition(" ")
        if not code:
            continue
        if code.upper() in incomes:
            raise ValidationFailed.single("effect.incomes", f"{code.upper()} is given twice; one line per member: CODE income")
        incomes[code.upper()] = income.strip()
    return incomes


def _effect(form: MotionForm, kind: str) -> dict:
    """The effect's parameters from the kind's fields of the form (ledger.services.governance.EFFECTS)."""
    effect: dict = {}
    for field in governance_service.EFFECTS[kind].fields:
        raw = form[EFFECT_PREFIX + field.name].data or ""
        effect[field.name] = _parse_incomes(raw) if field.kind == "incomes" else raw.strip()
    return effect


def _motion_field(form: MotionForm, kind: str) -> Callable[[str], str]:
    """Where a problem the service names goes on the form."""
    names = {field.name for field in governance_service.EFFECTS[kind].fields}

    def field_for(name: str) -> str:
        if name == "rule" or name.startswith("rule."):
            return "rule_json" if form.rule.data == CUSTOM_RULE else "rule"
        if name == "weights":
            return "weight_set" if form.weights.data == "weight_set" else "weights"
        parameter = name.removeprefix("effect.")
        if parameter in names:
            return EFFECT_PREFIX + parameter
        if parameter.startswith("income") and "incomes" in names:  # the scale's per-member incomes
            return EFFECT_PREFIX + "incomes"
        return name

    return field_for


class KindForm(FlaskForm):
    """The first step of proposing a motion: its kind, which decides the effect's fields (no script needed)."""

    class Meta:
        csrf = False  # a GET that changes nothing

    kind = SelectField("Kind of motion", choices=KIND_LABELS, validate_choice=False)
    meeting = HiddenField()


@blueprint.route("/motions/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_GOVERNANCE)
def propose_motion():
    with connect() as connection:
        meetings = sorted(_board(connection).meetings.values(), key=lambda m: (m.held_on, m.id), reverse=True)
        members = member_choices(connection, ADMISSION_STATUSES)
    kind = request.values.get("kind")  # the query string's, or a posted field's
    if kind not in MOTION_FORMS:
        chooser = KindForm(request.args)
        chooser.meeting.data = request.args.get("meeting", "")
        unknown = [f"{kind[:40]!r} is not a kind of motion; accepted: {', '.join(KIND_LABELS)}"] if kind is not None else []
        chooser.kind.errors = unknown
        return render_template("governance/motion_kind.html", title="Propose a motion", form=chooser, meetings=meetings,
                               back=url_for(".index")), 400 if unknown else 200
    form = MOTION_FORMS[kind]()
    form.meeting.choices = [(str(m.id), f"#{m.id}, {m.held_on}: {m.title}") for m in meetings]
    for field in governance_service.EFFECTS[kind].fields:
        if field.kind == "member":
            form[EFFECT_PREFIX + field.name].choices = members
    if request.method == "GET":
        form.meeting.data = request.args.get("meeting", str(meetings[0].id) if meetings else "")
        form.rule.data = request.args.get("rule") if request.args.get("rule") in PRESETS else DEFAULT_PRESET
        form.rule_json.data = _rule_document(form.rule.data)
        defaults = {"first_year": str(today().year + 1), "last_year": str(today().year + 1), **SCALE_DEFAULTS} if kind == "scale" else {}
        for name, value in defaults.items():
            form[EFFECT_PREFIX + name].data = value
    effect_fields = [form[EFFECT_PREFIX + field.name] for field in governance_service.EFFECTS[kind].fields]
    page = {"title": f"Propose a motion: {kind.replace('_', ' ')}", "submit": "Propose the motion", "back": url_for(".index"),
            "meetings": meetings, "kind": kind, "kind_label": KIND_LABELS[kind], "effect_fields": effect_fields,
            "preset_lines": {name: rule_lines(rule.to_json()) for name, rule in PRESETS.items()}}

    def propose(uow):
        weights = f"weight_set:{form.weight_set.data.strip()}" if form.weights.data == "weight_set" else form.weights.data
        rule = form.rule_json.data if form.rule.data == CUSTOM_RULE else form.rule.data
        return governance_service.propose_motion(
            form.meeting.data, form.title.data, form.text.data, kind, rule, weights, form.ballot.data, _effect(form, kind),
            actor=current_actor(), uow=uow,
        )

    return handle_form(
        form, "governance/motion_form.html", propose,
        lambda motion_id: (f"Proposed motion #{motion_id}, a draft until it is opened for voting.", url_for(".motion", motion_id=motion_id)),
        page=page, field_for=_motion_field(form, kind),
    )


def _motion_page(motion_id: int, form: FlaskForm, use_case, done: str, *, title: str, submit: str, intro: list[str]):
    with connect() as connection:
        found = _find_motion(connection, motion_id)
        voted = len(_board(connection).ballots.get(motion_id, {}))
    if request.method == "GET":
        form.on_date.data = today().isoformat()
    return handle_form(
        form, "contributions/form.html", use_case,
        lambda result: (done.format(result=result), url_for(".motion", motion_id=motion_id)),
        page={"title": title, "submit": submit, "back": url_for(".motion", motion_id=motion_id),
              "intro": [f"Motion #{found.row.id}, {found.row.title}, is {found.row.status}; ballots recorded: {voted}.", *intro]},
    )


@blueprint.route("/motions/<int:motion_id>/open", methods=["GET", "POST"])
@requires(Permission.MANAGE_GOVERNANCE)
def open_motion(motion_id: int):
    form = OpenForm()
    return _motion_page(
        motion_id, form,
        lambda uow: governance_service.open_motion(motion_id, form.on_date.data, today=today(), actor=current_actor(), uow=uow),
        f"Opened motion #{motion_id} for voting.",
        title=f"Open motion #{motion_id} for voting", submit="Open the vote",
        intro=["A motion opens on its meeting's day or later. Once open, it cannot return to draft: delegates cast ballots, "
               "and may change them, until it is closed."],
    )


@blueprint.route("/motions/<int:motion_id>/close", methods=["GET", "POST"])
@requires(Permission.MANAGE_GOVERNANCE)
def close_motion(motion_id: int):
    form = CloseForm()
    return _motion_page(
        motion_id, form,
        lambda uow: governance_service.close_motion(motion_id, form.on_date.data, today=today(), actor=current_actor(), uow=uow),
        f"Closed motion #{motion_id}: {{result}}.",
        title=f"Close the vote on motion #{motion_id}", submit="Close the vote",
        intro=[("A vote closes once presence at its meeting is recorded, on the day it opened or later; who may vote is judged on "
                "the closing day. Closing decides the motion under its rule from the latest ballot of each member (a member's own "
                "delegate's ballot before its proxy holder's) and stores a snapshot of the vote that is never recomputed. The "
                "outcome is final and, if adopted, its effect applies now.")],
    )


# --------------------------------------------------------------------------- delegates: ballots


@dataclass(frozen=True, slots=True)
class BallotSlot:
    """One ballot a delegate may cast: on an open motion, for its own member or one whose proxy it carries."""

    motion: governance_queries.MotionRow
    member: str
    name: str
    by_proxy: bool
    recorded: governance_queries.BallotRecord | None
    vote: str | None  # the delegate's own latest ballot for this member, shown to it alone


def _ballot_slots(connection) -> list[BallotSlot]:
    actor = current_actor()
    if actor.member_code is None:
        return []
    board = _board(connection)
    names = governance_queries.member_names(connection)
    open_rows = [row for row in governance_queries.list_motions(connection) if row.status == "open"]
    carried = {
        row.id: sorted(member for member, holder in board.proxies.get(row.meeting_id, {}).items() if holder == actor.member_code)
        for row in open_rows
    }
    votes = governance_queries.delegate_ballots(connection, sorted({actor.member_code, *(c for codes in carried.values() for c in codes)}))
    slots = []
    for row in open_rows:
        for code in (actor.member_code, *carried[row.id]):
            by_proxy = code != actor.member_code
            recorded = board.ballots.get(row.id, {}).get(code)
            slots.append(BallotSlot(row, code, names.get(code, code), by_proxy, recorded, votes.get((row.id, code, by_proxy))))
    return slots


def _ballots_page(form: BallotForm | None = None, posted: tuple[int, str] | None = None):
    with connect() as connection:
        slots = _ballot_slots(connection)
    errors = [*form.vote.errors, *form.member.errors, *form.form_errors] if form is not None else []
    inline = posted if posted in {(slot.motion.id, slot.member) for slot in slots} else None
    return render_template("governance/ballots.html", title="Ballots on open motions", slots=slots, errors=errors, posted=inline,
                           choices=[v.value for v in Vote])


@blueprint.route("/ballots")
@requires(Permission.CAST_BALLOT)
def ballots():
    return _ballots_page()


@blueprint.route("/motions/<int:motion_id>/ballot", methods=["POST"])
@requires(Permission.CAST_BALLOT)
def cast_ballot(motion_id: int):
    form = BallotForm()
    form.validate()  # no field validators: the service checks the ballot; this readies the forms' error lists
    member = (form.member.data or "").strip().upper()
    error = run_form(form, lambda uow: governance_service.cast_ballot(motion_id, member, form.vote.data, today=today(), actor=current_actor(), uow=uow))
    if error is not None:
        return _ballots_page(form, (motion_id, member)), error.status
    flash(f"Recorded the ballot of {member} on motion #{motion_id}: {form.vote.data.strip().lower()}. "
          "It can be changed until the motion closes; the latest one counts.")
    return redirect(url_for(".ballots"))
