"""The tables. Ledger tables are append-only and every row names the journal entry that wrote it.

Long because every table is declared here, in one place for Alembic and for the reader.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

from sqlalchemy import BigInteger, Column, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class JournalEntry(SQLModel, table=True):
    """One link of the hash chain. `payload` is the published canonical JSON; the other
    columns repeat parts of it so the auditor can filter without parsing."""

    __tablename__ = "journal_entry"

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    recorded_at: datetime = Field(index=True)
    actor: str = Field(max_length=64, index=True)
    kind: str = Field(max_length=64, index=True)
    summary: str = Field(sa_column=Column(Text, nullable=False))
    payload: str = Field(sa_column=Column(Text, nullable=False))
    prev_hash: str = Field(max_length=64, unique=True)
    hash: str = Field(max_length=64, unique=True)


class Member(SQLModel, table=True):
    """A member state as admitted. Its status lives in MemberStatusChange, never here."""

    __tablename__ = "member"
    private_columns: ClassVar[frozenset[str]] = frozenset()

    code: str = Field(primary_key=True, max_length=3)
    name: str = Field(max_length=120)
    journal_seq: int = Field(index=True)


class MemberStatusChange(SQLModel, table=True):
    """A status fact: from `effective` on, the member is `status`. Joining is the first fact."""

    __tablename__ = "member_status_change"
    private_columns: ClassVar[frozenset[str]] = frozenset()

    id: int | None = Field(default=None, primary_key=True)
    member_code: str = Field(foreign_key="member.code", max_length=3, index=True)
    status: str = Field(max_length=16)
    effective: date
    journal_seq: int = Field(index=True)


class User(SQLModel, table=True):
    """An official. E-mail and password hash are private: the journal records neither."""

    __tablename__ = "app_user"
    __table_args__ = (UniqueConstraint("email", name="uq_app_user_email"),)
    private_columns: ClassVar[frozenset[str]] = frozenset({"email", "password_hash"})

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=16)
    member_code: str | None = Field(default=None, foreign_key="member.code", max_length=3)
    journal_seq: int = Field(index=True)


class AccountChange(SQLModel, table=True):
    """A change to an official's account: role, active or not, password, second factor. The
    latest row per official wins (like settings); the password hash, TOTP secret and recovery
    code hashes are private, journaled only as a digest."""

    __tablename__ = "account_change"
    private_columns: ClassVar[frozenset[str]] = frozenset({"password_hash", "totp_secret", "recovery_hashes"})

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    kind: str = Field(max_length=32)
    role: str = Field(max_length=16)
    active: bool
    password_hash: str = Field(max_length=255)
    must_change_password: bool
    totp_secret: str | None = Field(default=None, max_length=64)
    recovery_hashes: str = Field(default="", sa_type=Text)
    journal_seq: int = Field(index=True)


class SessionEpoch(SQLModel, table=True):
    """An official's session version (Flask-Login's alternative id): raising it ends every
    session signed before. Operational, not a ledger fact: not journaled; one row per official."""

    __tablename__ = "session_epoch"

    user_id: int = Field(primary_key=True, foreign_key="app_user.id")
    version: int = 0
    last_totp_step: int = Field(default=0, sa_type=BigInteger)


class SignInThrottle(SQLModel, table=True):
    """Failed sign-ins counted per key ("account+client" or "client"), to slow guessing.
    Operational, not a ledger fact: not journaled."""

    __tablename__ = "sign_in_throttle"

    key: str = Field(primary_key=True, max_length=400)
    failures: int = 0
    last_failure_at: datetime


def _money(**kwargs):
    """A column of integer minor units; 64-bit, since a facility's budget exceeds 2^31 cents."""
    return Field(sa_type=BigInteger, **kwargs)


class LedgerSetting(SQLModel, table=True):
    """A setting that changes figures (standing rule, in-kind cap); the latest row wins."""

    __tablename__ = "ledger_setting"
    private_columns: ClassVar[frozenset[str]] = frozenset()

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, index=True)
    value: str = Field(max_length=200)
    decision: str = Field(max_length=300)
    journal_seq: int = Field(index=True)


class FiscalYear(SQLModel, table=True):
    """A fiscal year: its base currency, its dates and the due dates of its instalments."""

    __tablename__ = "fiscal_year"
    private_columns: ClassVar[frozenset[str]] = frozenset()

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    currency: str = Field(max_length=3)
    starts_on: date
    ends_on: date
    due_dates: str = Field(max_length=200, description="ISO dates of the instalments, comma-separated")
    journal_seq: int = Field(index=True)


class Budget(SQLModel, table=True):
    """A budget figure for a draft year; the latest one is the year's budget."""

    __tablename__ = "budget"
    private_columns: ClassVar[frozenset[str]] = frozenset()

    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(foreign_key="fiscal_year.year", index=True)
    amount_minor: int = _money()
    journal_seq: int = Field(index=True)


class YearEvent(SQLModel, table=True):
    """A fiscal year's budget adopted, or the year closed, citing the board's decision."""

    __tablename__ = "fiscal_year_event"
    __table_args__ = (UniqueConstraint("year", "event", name="uq_fiscal_year_event"),)
    private_columns: ClassVar[frozenset[str]] = frozenset()

    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(foreign_key="fiscal_year.year", index=True)
    event: str = Field(max_length=16)
    on_date: date
    decision: str = Field(max_length=300)
    journal_seq: int = Field(index=True)


class ContributionScale(SQLModel, table=True):
    """An adopted scale of contributions for a period of years; never edited, only superseded."""

    __tablename__ = "scale"
    private_columns: ClassVar[frozenset[str]] = frozenset()

    id: int | None = Field(default=None, primary_key=True)
    first_year: int
    last_year: int
    ceiling_pct: str | None = Field(default=None, max_length=20)
    floor_pct: str | None = Field(default=None, max_length=20)
    precision_pct: str = Field(max_length=20)
    associate_factor_pct: str = Field(max_length=20)
    income_measure: str = Field(max_length=300)
    decision: str = Field(max_length=300)
    adopted_on: date
    journal_seq: int = Field(index=True)


class ScaleLine(SQLModel, table=True):
    """One member's income input and resulting share on a scale."""

    __tablename__ = "scale_line"
    __table_args__ = (UniqueConstraint("scale_id", "member_code", name="uq_scale_line"),)
    private_columns: ClassVar[frozenset[str]] = frozenset()

    id: int | None = Field(default=None, primary_key=True)
    scale_id: int = Field(foreign_key="scale.id", index=True)
    member_code: str = Field(foreign_key="member.code", max_length=3)
    income: str = Field(max_length=40)
    counted_income: str = Field(max_length=40, description="income after the associate factor")
    share_pct: str = Field(max_length=20)
    bound: str = Field(max_length=8)
    journal_seq: int = Field(index=True)


class AssessmentTable(SQLModel, table=True):
    """What a member owes for a year's budget, fixed when the budget is adopted."""

    __tablename__ = "assessment"
    __table_args__ = (UniqueConstraint("year", "member_code", name="uq_assessment"),)
    private_columns: ClassVar[frozenset[str]] = frozenset()

    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(foreign_key="fiscal_year.year", index=True)
    member_code: str = Field(foreign_key="member.code", max_length=3, index=True)
    scale_id: int = Field(foreign_key="scale.id")
    share_pct: str = Field(max_length=20)
    full_year_minor: int = _money()
    amount_minor: int = _money()
    journal_seq: int = Field(index=True)


class InstalmentTable(SQLModel, table=True):
    """One part of an assessment, due on a date."""

    __tablename__ = "instalment"
    private_columns: ClassVar[frozenset[str]] = frozenset()

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessment.id", index=True)
    number: int
    due_on: date = Field(index=True)
    amount_minor: int = _money()
    journal_seq: int = Field(index=True)


class PaymentTable(SQLModel, table=True):
    """Money received: both amounts kept, the rate and its source, never re-converted."""

    __tablename__ = "payment"
    __table_args__ = (UniqueConstraint("reference", name="uq_payment_reference"),)
    private_columns: ClassVar[frozenset[str]] = frozenset()

    id: int | None = Field(default=None, primary_key=True)
    member_code: str = Field(foreign_key="member.code", max_length=3, index=True)
    paid_on: date = Field(index=True)
    currency: str = Field(max_length=3)
    amount_minor: int = _money()
    rate: str = Field(max_length=40)
    rate_date: date
    rate_source: str = Field(max_length=120)
    base_minor: int = _money()
    reference: str = Field(max_length=80)
    journal_seq: int = Field(index=True)


class PendingBooking(SQLModel, table=True):
    """A booking above a four-eyes threshold (a payment, a reversal, an in-kind credit, a GPU-hour
    adjustment) as its author entered it: it counts in no figure until another official approves
    it (BookingApproval), which carries it out (ledger.services.four_eyes)."""

    __tablename__ = "pending_booking"
    __table_args__ = (UniqueConstraint("kind", "subject", name="uq_pending_booking_subject"),)
    private_columns: ClassVar[frozenset[str]] = frozenset()

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32, description="payment, payment_reversal, in_kind_credit, gpu_adjustment")
    subject: str | None = Field(default=None, max_length=120,
                                description="what is booked, once per kind: a payment's reference, the pledge credited; none for an adjustment")
    params_json: str = Field(sa_type=Text, description="the booking's validated parameters, as its kind carries them out")
    value: int = Field(sa_type=BigInteger, description="what the threshold is compared with: base-currency minor units, or reference GPU-ms")
    summary: str = Field(max_length=400)
    proposed_by: str = Field(max_length=64)
    journal_seq: int = Field(index=True)


class BookingApproval(SQLModel, table=True):
    """A second official's approval of a pending booking: the booking took effect in the same entry."""

    __tablename__ = "booking_approval"
    __table_args__ = (UniqueConstraint("booking_id", name="uq_booking_approval"),)
    private_columns: ClassVar[frozenset[str]] = frozenset()

    id: int | None = Field(default=None, primary_key=True)
    booking_id: int = Field(foreign_key="pending_booking.id")
    approved_by: str = Field(max_length=64)
    journal_seq: int = Field(index=True)


class PaymentReversal(SQLModel, table=True):
    """A payment taken back, with the reason: the correction of a booking mistake."""

    __tablename__ = "payment_reversal"
    __table_args__ = (UniqueConstraint("payment_id", name="uq_payment_reversal"),)
    private_columns: ClassVar[frozenset[str]] = frozenset()

    id: int | None = Field(default=None, primary_key=True)
    payment_id: int = Field(foreign_key="payment.id")
    reversed_on: date
    reason: str = Field(max_length=300)
    journal_seq: int = Field(index=True)


class InKindPledge(SQLModel, table=True):
    """A contribution in kind pledged against a year's assessment."""

    __tablename__ = "in_kind"
    private_columns: ClassVar[frozenset[str]] = frozenset()

    id: int | None = Field(default=None, primary_key=True)
    member_code: str = Field(foreign_key="member.code", max_length=3, index=True)
    year: int = Field(foreign_key="fiscal_year.year", index=True)
    description: str = Field(max_length=300)
    pledged_on: date
    journal_seq: int = Field(index=True)


class InKindStep(SQLModel, table=True):
    """A pledge valued (amount: the agreed value), accepted, or credited (amount: what counts)."""

    __tablename__ = "in_kind_step"
    __table_args__ = (UniqueConstraint("in_kind_id", "state", name="uq_in_kind_step"),)
    private_columns: ClassVar[frozenset[str]] = frozenset()

    id: int | None = Field(default=None, primary_key=True)
    in_kind_id: int = Field(foreign_key="in_kind.id", index=True)
    state: str = Field(max_length=16)
    on_date: date
    amount_minor: int | None = _money(default=None)
    journal_seq: int = Field(index=True)


class StandingWaiver(SQLModel, table=True):
    """A board decision keeping a member's vote despite arrears, for a period."""

    __tablename__ = "standing_waiver"
    private_columns: ClassVar[frozenset[str]] = frozenset()

    id: int | None = Field(default=None, primary_key=True)
    member_code: str = Field(foreign_key="member.code", max_length=3, index=True)
    starts_on: date
    ends_on: date | None = None
    decision: str = Field(max_length=300)
    journal_seq: int = Field(index=True)


class WeightSet(SQLModel, table=True):
    """Named weights per member for weighted votes (population, quota, ...), as entered."""

    __tablename__ = "weight_set"
    __table_args__ = (UniqueConstraint("name", name="uq_weight_set_name"),)
    private_columns: ClassVar[frozenset[str]] = frozenset()

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80)
    source: str = Field(max_length=300)
    journal_seq: int = Field(index=True)


class WeightLine(SQLModel, table=True):
    """One member's weight in a weight set, an exact decimal."""

    __tablename__ = "weight_line"
    __table_args__ = (UniqueConstraint("weight_set_id", "member_code", name="uq_weight_line"),)
    private_columns: ClassVar[frozenset[str]] = frozenset()

    id: int | None = Field(default=None, primary_key=True)
    weight_set_id: int = Field(foreign_key="weight_set.id", index=True)
    member_code: str = Field(foreign_key="member.code", max_length=3)
    weight: str = Field(max_length=40)
    journal_seq: int = Field(index=True)


class Meeting(SQLModel, table=True):
    """A meeting of the board."""

    __tablename__ = "meeting"
    private_columns: ClassVar[frozenset[str]] = frozenset()

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    held_on: date = Field(index=True)
    journal_seq: int = Field(index=True)


class Presence(SQLModel, table=True):
    """A member present at a meeting (through its delegate)."""

    __tablename__ = "presence"
    __table_args__ = (UniqueConstraint("meeting_id", "member_code", name="uq_presence"),)
    private_columns: ClassVar[frozenset[str]] = frozenset()

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    member_code: str = Field(foreign_key="member.code", max_length=3)
    journal_seq: int = Field(index=True)


class Proxy(SQLModel, table=True):
    """For one meeting, the delegate of `holder_code` carries the vote of `member_code`."""

    __tablename__ = "proxy"
    __table_args__ = (UniqueConstraint("meeting_id", "member_code", name="uq_proxy"),)
    private_columns: ClassVar[frozenset[str]] = frozenset()

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    member_code: str = Field(foreign_key="member.code", max_length=3)
    holder_code: str = Field(foreign_key="member.code", max_length=3)
    journal_seq: int = Field(index=True)


class Motion(SQLModel, table=True):
    """A motion before the board: its rule (copied, so later edits of a preset change nothing),
    its weights, its ballot kind and the effect it has once adopted."""

    __tablename__ = "motion"
    private_columns: ClassVar[frozenset[str]] = frozenset()

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    title: str = Field(max_length=200)
    text: str = Field(sa_column=Column(Text, nullable=False))
    kind: str = Field(max_length=24)
    rule_name: str = Field(max_length=80)
    rule_json: str = Field(sa_column=Column(Text, nullable=False))
    weights: str = Field(max_length=80, description="equal, contribution, or weight_set:<name>")
    ballot: str = Field(max_length=16)
    effect_json: str = Field(sa_column=Column(Text, nullable=False))
    journal_seq: int = Field(index=True)


class MotionEvent(SQLModel, table=True):
    """A motion opened for voting, or closed (with its outcome and the snapshot of the vote)."""

    __tablename__ = "motion_event"
    __table_args__ = (UniqueConstraint("motion_id", "event", name="uq_motion_event"),)
    private_columns: ClassVar[frozenset[str]] = frozenset()

    id: int | None = Field(default=None, primary_key=True)
    motion_id: int = Field(foreign_key="motion.id", index=True)
    event: str = Field(max_length=16)
    on_date: date
    outcome: str | None = Field(default=None, max_length=16)
    explanation: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    snapshot_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    journal_seq: int = Field(index=True)


class Ballot(SQLModel, table=True):
    """A member's vote on a motion; the latest one before closing counts.

    The vote, a random salt, the member, who cast it and whether by proxy are private: the
    public journal holds only a commitment (their digest) under the motion's id, so while a
    motion is open nobody outside the office learns which members have voted or changed their
    vote, and any change to a ballot is still detected by `ledger verify`. A roll-call's votes
    are published with the outcome when the motion closes.
    """

    __tablename__ = "ballot"
    private_columns: ClassVar[frozenset[str]] = frozenset({"vote", "salt", "member_code", "cast_by", "by_proxy"})

    id: int | None = Field(default=None, primary_key=True)
    motion_id: int = Field(foreign_key="motion.id", index=True)
    member_code: str = Field(foreign_key="member.code", max_length=3)
    vote: str = Field(max_length=8)
    salt: str = Field(max_length=32)
    cast_by: str = Field(max_length=64, description="the actor, user:N or system:NAME")
    by_proxy: bool = False
    journal_seq: int = Field(index=True)


# Compute ------------------------------------------------------------------------------------
#
# Usage arrives by the million: usage_job rows are journaled by batch digest (see UsageJob),
# while projects and the monthly rollups that public figures are summed from are listed
# row by row in their entries like every other ledger row.

# 64-bit ids on PostgreSQL; on SQLite an INTEGER PRIMARY KEY, the rowid itself.
_ROW_ID = BigInteger().with_variant(Integer(), "sqlite")


class Project(SQLModel, table=True):
    """A research project of one member, with its own code and title, charged through Slurm accounts.

    `account` is the account it was registered with, charged to it from the beginning; more
    accounts, and moves of an account to another project or member from a date, are
    ProjectAccount facts. `code` is null for projects registered before projects had codes
    (their code is their account in upper case).
    """

    __tablename__ = "project"
    __table_args__ = (
        UniqueConstraint("account", name="uq_project_account"),
        UniqueConstraint("code", name="uq_project_code"),
    )
    private_columns: ClassVar[frozenset[str]] = frozenset()

    id: int | None = Field(default=None, primary_key=True)
    member_code: str = Field(foreign_key="member.code", max_length=3, index=True)
    title: str = Field(max_length=200)
    account: str = Field(max_length=64, description="the Slurm account registered with the project, lower case")
    safety_level: str = Field(max_length=4, description="SL-1 to SL-4")
    journal_seq: int = Field(index=True)
    code: str | None = Field(default=None, max_length=32, description="the project's own code, upper case")


class ProjectAccount(SQLModel, table=True):
    """A fact: from `valid_from` on, usage of Slurm `account` is charged to a project and a member.

    Never updated: a move is a later fact. `valid_from` null means from the beginning (an
    account added to a project without a date); the day begins at midnight in the ledger's
    reporting time zone. Usage is attributed by the job's start.
    """

    __tablename__ = "project_account"
    __table_args__ = (Index("ix_project_account_account", "account", "valid_from"),)
    private_columns: ClassVar[frozenset[str]] = frozenset()

    id: int | None = Field(default=None, primary_key=True)
    account: str = Field(max_length=64, description="Slurm account, lower case")
    project_id: int = Field(foreign_key="project.id")
    member_code: str = Field(foreign_key="member.code", max_length=3)
    valid_from: date | None = Field(default=None)
    journal_seq: int = Field(index=True)


class UsageJob(SQLModel, table=True):
    """One job allocation from a sacct export, as ingested. Never updated.

    The dedup key is (cluster, job_id, submitted_at). A running job is stored as a
    provisional row counted up to the export's time; when a later export brings it
    finished (or running longer), the new record is a new row with the next `revision` and
    `supersedes_id` pointing at the row it replaces, and the monthly rollup gets the
    difference. The current record of a key is its highest revision; the unique constraint
    on (key, revision) keeps each chain linear even under concurrent ingestions.

    Journaled by batch digest, not row by row: a batch entry states how many rows it wrote,
    their id range, the sum of `reference_gpu_ms` and a SHA-256 over `digest_line` of each
    row in id order; `ledger verify` recomputes all four from the table. No user name, job
    name or file name is stored: `line` is the line of the export the row came from.

    No foreign keys, by decision: PostgreSQL checks a foreign key with one query per
    inserted row, which made COPY 2.3 times slower (115,000 against 266,000 rows/s), and a
    self-reference without an index makes any bulk DELETE quadratic. The ingestion takes
    `project_id` from the registered projects and `supersedes_id` from the row it looked up,
    both under the journal lock, and ids are assigned there too (hence no autoincrement);
    a row written around it fails `ledger verify`.
    """

    __tablename__ = "usage_job"
    __table_args__ = (
        UniqueConstraint("cluster", "job_id", "submitted_at", "revision", name="uq_usage_job_key"),
        Index("ix_usage_job_journal_seq", "journal_seq", "id"),
        # PostgreSQL only (migration 0012): a block range index for the move-date check.
        Index("ix_usage_job_started_at", "started_at", postgresql_using="brin").ddl_if(dialect="postgresql"),
    )
    private_columns: ClassVar[frozenset[str]] = frozenset()
    digest_sums: ClassVar[tuple[str, ...]] = ("reference_gpu_ms",)

    id: int = Field(sa_column=Column(_ROW_ID, primary_key=True, autoincrement=False))
    cluster: str = Field(max_length=64)
    job_id: int = Field(sa_type=BigInteger, description="JobIDRaw")
    submitted_at: datetime
    revision: int = Field(default=0, description="0 for the first record of a key, then 1, 2, ...")
    supersedes_id: int | None = Field(default=None, sa_column=Column(_ROW_ID, nullable=True))
    account: str = Field(max_length=64)
    project_id: int = Field(description="project.id, resolved from the account")
    state: str = Field(max_length=16)
    started_at: datetime
    ended_at: datetime = Field(description="for a provisional row, the time of the export")
    gpus: int
    reference_gpu_ms: int = Field(sa_type=BigInteger)
    provisional: bool = Field(description="RUNNING or SUSPENDED when exported: replaced later")
    line: int = Field(description="line of the export, the header being line 1")
    journal_seq: int

    @staticmethod
    def digest_line(row) -> str:
        """The canonical text of a row for its batch digest, from its values in table order.

        The columns but journal_seq, "|"-separated, one row a line: times as Unix seconds
        (Python's float repr, e.g. 1735689600.0, so a sub-second change shows), a null as
        nothing, booleans as 1/0. Accounts and clusters never contain "|" (both are checked).
        Unix seconds rather than ISO 8601 because formatting is a third of the ingestion's
        own work per row: timestamp() costs a fifth of isoformat().
        """
        (row_id, cluster, job_id, submitted_at, revision, supersedes_id, account, project_id, state,
         started_at, ended_at, gpus, reference_gpu_ms, provisional, line, _journal_seq) = row
        return (
            f"{row_id}|{cluster}|{job_id}|{submitted_at.timestamp()!r}|{revision}|"
            f"{'' if supersedes_id is None else supersedes_id}|{account}|{project_id}|{state}|"
            f"{started_at.timestamp()!r}|{ended_at.timestamp()!r}|{gpus}|{reference_gpu_ms}|"
            f"{1 if provisional else 0}|{line}\n"
        )


class UsageMonth(SQLModel, table=True):
    """A change to a project's usage in one month: the rollup public figures are summed from.

    Each ingestion batch appends one row per (project, month) it changed, with the signed
    difference (a replaced running job gives back what it had been charged). A month's usage
    is the SUM of its rows, so no public query ever reads usage_job.
    """

    __tablename__ = "usage_month"
    __table_args__ = (
        Index("ix_usage_month_year_member", "year", "member_code", "month", postgresql_include=["delta_ms"]),
    )
    private_columns: ClassVar[frozenset[str]] = frozenset()

    id: int = Field(sa_column=Column(_ROW_ID, primary_key=True, autoincrement=False))
    year: int
    month: int = Field(description="1 to 12, in UTC")
    member_code: str = Field(foreign_key="member.code", max_length=3)
    project_id: int = Field(foreign_key="project.id", index=True)
    delta_ms: int = Field(sa_type=BigInteger, description="signed change in reference GPU-milliseconds")
    journal_seq: int = Field(index=True)


class ComputePlan(SQLModel, table=True):
    """A year's capacity as the secretariat recorded it, citing the board's decision.

    The plan's pools and reserves hang off it; the latest plan of a year is the one in force
    until the year's quotas are allocated from it, after which a new plan is refused. The
    capacity is fixed when the plan is recorded (the pools' hours, rounded down).
    """

    __tablename__ = "compute_plan"
    private_columns: ClassVar[frozenset[str]] = frozenset()

    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(foreign_key="fiscal_year.year", index=True)
    hours_in_year: int = Field(description="hours of the fiscal year: its days x 24")
    capacity_gpu_hours: int = Field(sa_type=BigInteger, description="whole reference GPU-hours")
    decision: str = Field(max_length=300, description="the board decision the plan follows")
    journal_seq: int = Field(index=True)


class GpuPool(SQLModel, table=True):
    """One pool of identical accelerators in a plan."""

    __tablename__ = "gpu_pool"
    __table_args__ = (UniqueConstraint("plan_id", "gpu_type", name="uq_gpu_pool_type"),)
    private_columns: ClassVar[frozenset[str]] = frozenset()

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="compute_plan.id", index=True)
    gpu_type: str = Field(max_length=32, description="as Slurm names it in gres/gpu:TYPE, lower case")
    count: int
    availability: str = Field(max_length=12, description="share of the year the pool runs jobs, in (0, 1]")
    factor: str = Field(max_length=12, description="reference GPU-hours per hour of one of its GPUs")
    journal_seq: int = Field(index=True)


class ComputeReserve(SQLModel, table=True):
    """A reserve taken off a plan's capacity before members' quotas (open calls, safety labs)."""

    __tablename__ = "compute_reserve"
    __table_args__ = (UniqueConstraint("plan_id", "name", name="uq_compute_reserve_name"),)
    private_columns: ClassVar[frozenset[str]] = frozenset()

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="compute_plan.id", index=True)
    name: str = Field(max_length=64)
    percent: str = Field(max_length=12)
    journal_seq: int = Field(index=True)


class QuotaLedgerEntry(SQLModel, table=True):
    """One line of the GPU-hour ledger of a year: a member's or a reserve's. Never updated.

    Exactly one of `member_code` and `reserve` is set. Amounts are signed reference
    GPU-milliseconds (see ledger.domain.compute). Usage debits are not copied here: they are
    the usage_month rows, so a member's balance is SUM(amount_ms) here minus SUM(delta_ms)
    there.
    """

    __tablename__ = "quota_entry"
    __table_args__ = (Index("ix_quota_entry_year_member", "year", "member_code"),)
    private_columns: ClassVar[frozenset[str]] = frozenset()

    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(foreign_key="fiscal_year.year")
    member_code: str | None = Field(default=None, foreign_key="member.code", max_length=3)
    reserve: str | None = Field(default=None, max_length=64)
    kind: str = Field(max_length=16, description="credit, transfer_in, transfer_out, forfeit, carry_out, carry_in, adjustment")
    amount_ms: int = Field(sa_type=BigInteger, description="signed reference GPU-milliseconds")
    frozen: bool = Field(default=False, description="a credit kept but not usable: the member was suspended")
    counterparty: str | None = Field(default=None, max_length=3)
    motion_id: int | None = Field(default=None, foreign_key="motion.id")
    plan_id: int | None = Field(default=None, foreign_key="compute_plan.id")
    reason: str | None = Field(default=None, max_length=300)
    journal_seq: int = Field(index=True)


# Every table whose rows `ledger verify` checks against the journal, in dependency order.
JOURNALED_TABLES: tuple[type[SQLModel], ...] = (
    Member,
    MemberStatusChange,
    User,
    AccountChange,
    LedgerSetting,
    FiscalYear,
    Budget,
    YearEvent,
    ContributionScale,
    ScaleLine,
    AssessmentTable,
    InstalmentTable,
    PaymentTable,
    PaymentReversal,
    InKindPledge,
    InKindStep,
    StandingWaiver,
    WeightSet,
    WeightLine,
    Meeting,
    Presence,
    Proxy,
    Motion,
    MotionEvent,
    Ballot,
    Project,
    ProjectAccount,
    UsageMonth,
    ComputePlan,
    GpuPool,
    ComputeReserve,
    QuotaLedgerEntry,
    PendingBooking,
    BookingApproval,
)

# Tables too large to list in their entries: each batch entry records a digest of its rows
# instead (count, id range, sums of `digest_sums`, SHA-256 of `digest_line`), which
# `ledger verify` recomputes in one streamed pass.
DIGEST_JOURNALED_TABLES: tuple[type[SQLModel], ...] = (UsageJob,)
