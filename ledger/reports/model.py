"""The plain, immutable records a report is rendered from: no database, no web, no layout.

Money is an ``int`` of minor units of an ISO 4217 currency (cents for EUR), percentages are
``Decimal`` in percent (``Decimal("12.345")`` is 12.345 %), dates are ``date`` objects.
Sequences are tuples; a list given by the caller is frozen into a tuple, so a record never
holds anything mutable. A record that contradicts itself raises ``ValueError`` when built,
so a wrong figure fails in the code that assembled it rather than in print.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

from ledger.domain.errors import ValidationFailed
from ledger.domain.money import currency_exponent
from ledger.domain.settings import SETTINGS

DEFAULT_FACILITY = SETTINGS["facility_name"][0]

ReportStatus = Literal["draft", "adopted", "closed"]
Standing = Literal["good", "arrears", "suspended"]
ScaleBound = Literal["ceiling", "floor", ""]

REPORT_STATUSES: tuple[str, ...] = ("draft", "adopted", "closed")
STANDINGS: tuple[str, ...] = ("good", "arrears", "suspended")
SCALE_BOUNDS: tuple[str, ...] = ("ceiling", "floor", "")

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def _freeze_tuple(record: object, name: str) -> None:
    # Frozen dataclasses only forbid reassignment: a list inside one could still change,
    # so sequences are copied into tuples once, here.
    object.__setattr__(record, name, tuple(getattr(record, name)))


def _require_choice(value: str, choices: tuple[str, ...], name: str) -> None:
    if value not in choices:
        accepted = ", ".join(repr(choice) for choice in choices)
        raise ValueError(f"{name} must be one of {accepted}; got {value!r}")


def _require_currency(currency: str, name: str) -> None:
    try:
        currency_exponent(currency)
    except ValidationFailed as error:
        raise ValueError(f"{name} must be an ISO 4217 code such as EUR; got {currency!r}") from error


@dataclass(frozen=True, slots=True)
class ScaleRow:
    """One member's line of the scale of contributions."""

    code: str  # ISO 3166-1 alpha-3
    name: str
    income: Decimal  # the income measure averaged over the base years
    share_pct: Decimal  # the member's share in percent, after ceiling, floor and rounding
    bound: ScaleBound = ""  # "ceiling" or "floor" when the share was held at that bound
    associate: bool = False  # an associate's income counts at the scale's associate factor

    def __post_init__(self) -> None:
        _require_choice(self.bound, SCALE_BOUNDS, "ScaleRow.bound")


@dataclass(frozen=True, slots=True)
class ScaleSection:
    """The scale of contributions in force for the year, and how it was set."""

    period: str  # e.g. "2024-2026"
    adopted_by: str  # the board motion that adopted it, e.g. "Motion 2023/14"
    ceiling_pct: Decimal
    floor_pct: Decimal
    precision_pct: Decimal  # shares are rounded to this, by largest remainder
    rows: tuple[ScaleRow, ...]
    associate_factor_pct: Decimal = Decimal(100)  # the part of an associate's income the scale counts

    def __post_init__(self) -> None:
        _freeze_tuple(self, "rows")


@dataclass(frozen=True, slots=True)
class ContributionLine:
    """One member's assessment for the year and what has been settled, in the base currency."""

    code: str
    name: str
    share_pct: Decimal
    assessed_minor: int
    paid_minor: int  # cash applied to this year's assessment
    in_kind_minor: int  # in-kind credited against it
    outstanding_minor: int  # what is still owed for this year
    arrears_minor: int  # everything fallen due and unpaid on the report's date, for any year
    standing: Standing
    paying_days: int | None = None  # the days of the year the member paid for, when fewer than all (pro rata)

    def __post_init__(self) -> None:
        _require_choice(self.standing, STANDINGS, f"ContributionLine.standing of {self.code}")


@dataclass(frozen=True, slots=True)
class PaymentLine:
    """One payment as received, with both its own amount and the base amount it was booked at."""

    code: str  # the paying member
    paid_on: date
    currency: str  # the currency the payment was made in
    amount_minor: int  # in minor units of `currency`; negative for a reversal
    rate: Decimal  # base currency per one unit of `currency`, as recorded on the day
    rate_date: date
    rate_source: str  # e.g. "ECB reference rate"
    base_minor: int  # in minor units of the report's currency; never re-converted
    reference: str
    reversal_of: str | None = None  # reference of the payment this entry reverses

    def __post_init__(self) -> None:
        _require_currency(self.currency, f"PaymentLine.currency of {self.reference}")


@dataclass(frozen=True, slots=True)
class InKindLine:
    """One in-kind contribution: what it is, where it stands, its agreed and credited value."""

    code: str
    description: str
    state: str  # pledged, valued, accepted or credited
    valued_minor: int
    credited_minor: int


@dataclass(frozen=True, slots=True)
class JournalCheckpoint:
    """The head of the journal when the year was closed: anyone can recompute it."""

    seq: int
    hash: str  # SHA-256 of the entry, 64 lowercase hex digits
    closed_on: date
    signed_note: str | None = None  # the first signed Merkle checkpoint covering the entry, as published

    def __post_init__(self) -> None:
        if not _SHA256_HEX.fullmatch(self.hash):
            raise ValueError(f"JournalCheckpoint.hash must be 64 lowercase hex digits; got {self.hash!r}")
        if self.seq < 1:
            raise ValueError(f"JournalCheckpoint.seq must be a journal sequence number of 1 or more; got {self.seq}")


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph of plain text (no markup) in an extra section."""

    text: str


@dataclass(frozen=True, slots=True)
class Table:
    """A table of already formatted cells in an extra section; numeric columns align right.

    total_row: the last row sums the others and is printed as the report's own totals are.
    keyed_columns: long texts repeated down the column (a rule, a source) print as a letter,
    with the words once in a key below the table; the attached CSV keeps the words.
    """

    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric_columns: frozenset[int] = field(default_factory=frozenset)
    total_row: bool = False
    keyed_columns: frozenset[int] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        _freeze_tuple(self, "header")
        object.__setattr__(self, "rows", tuple(tuple(row) for row in self.rows))
        object.__setattr__(self, "numeric_columns", frozenset(self.numeric_columns))
        object.__setattr__(self, "keyed_columns", frozenset(self.keyed_columns))
        width = len(self.header)
        for number, row in enumerate(self.rows, start=1):
            if len(row) != width:
                raise ValueError(f"Table {self.caption!r}: row {number} has {len(row)} cells, the header {width}")
        for kind, columns in (("numeric", self.numeric_columns), ("keyed", self.keyed_columns)):
            outside = sorted(column for column in columns if not 0 <= column < width)
            if outside:
                raise ValueError(f"Table {self.caption!r}: {kind} columns {outside} are not among 0..{width - 1}")


@dataclass(frozen=True, slots=True)
class ReportSection:
    """A chapter another capability adds to the annual report (board decisions, compute, ...)."""

    title: str
    blocks: tuple[Paragraph | Table, ...]

    def __post_init__(self) -> None:
        _freeze_tuple(self, "blocks")


@dataclass(frozen=True, slots=True)
class ScalePeriod:
    """The shares of one adopted scale, for the chart of shares over the years."""

    first_year: int
    last_year: int
    shares: tuple[tuple[str, Decimal], ...]  # (member code, share in percent)

    def __post_init__(self) -> None:
        _freeze_tuple(self, "shares")


@dataclass(frozen=True, slots=True)
class Decision:
    """A motion the board closed in the year, with human labels already chosen."""

    number: int
    title: str
    kind: str  # the kind's label
    adopted: bool


@dataclass(frozen=True, slots=True)
class MemberPower:
    """One member's share of the votes under a weighted rule, against its two power indices, in percent."""

    code: str
    name: str
    weight_pct: Decimal  # its votes (weight, basic votes included) over all votes cast by those entitled
    banzhaf_pct: Decimal  # normalised Banzhaf index
    shapley_shubik_pct: Decimal


@dataclass(frozen=True, slots=True)
class WeightAndPower:
    """A weighted motion of the year: each member's weight against its voting power (weight is not power)."""

    number: int
    title: str
    rule: str  # the rule's label
    basis: str  # what the weights are, in words
    rounded_parts: int | None  # the weights were rounded to this many parts of the total (None: exact)
    members: tuple[MemberPower, ...]
    also_decided: tuple[int, ...] = ()  # later motions of the year under the same rule and weights

    def __post_init__(self) -> None:
        _freeze_tuple(self, "members")
        _freeze_tuple(self, "also_decided")


@dataclass(frozen=True, slots=True)
class ComputeSummary:
    """The year's capacity and use, for the summary and the monthly chart."""

    capacity_gpu_hours: int
    used_ms: int  # reference GPU-milliseconds
    monthly_ms: tuple[tuple[str, int], ...]  # ("YYYY-MM", reference GPU-ms)

    def __post_init__(self) -> None:
        _freeze_tuple(self, "monthly_ms")


LANGUAGES: tuple[str, ...] = ("en", "fr")


@dataclass(frozen=True, slots=True)
class AnnualReport:
    """Everything the annual report of one fiscal year prints; amounts in `currency`."""

    year: int
    status: ReportStatus
    currency: str  # the base currency of the year
    budget_minor: int
    as_of: date  # the date the figures are taken at; also the PDF's creation date
    scale: ScaleSection
    contributions: tuple[ContributionLine, ...]
    payments: tuple[PaymentLine, ...]
    in_kind: tuple[InKindLine, ...]
    standing_rule: str  # one sentence naming the rule, e.g. "CERN Convention Art. V.8: ..."
    checkpoint: JournalCheckpoint | None  # present exactly when the year is closed
    data_note: str  # where the figures come from, e.g. that they are demonstration data
    sections: tuple[ReportSection, ...] = ()
    facility: str = DEFAULT_FACILITY  # the facility_name setting
    lang: str = "en"  # the language everything in the record is written in
    scale_history: tuple[ScalePeriod, ...] = ()  # every scale adopted up to this year's, oldest first
    decisions: tuple[Decision, ...] = ()
    compute: ComputeSummary | None = None
    weight_and_power: tuple[WeightAndPower, ...] = ()  # the year's weighted motions, one chart each

    def __post_init__(self) -> None:
        for name in ("contributions", "payments", "in_kind", "sections", "scale_history", "decisions", "weight_and_power"):
            _freeze_tuple(self, name)
        _require_choice(self.lang, LANGUAGES, "AnnualReport.lang")
        _require_choice(self.status, REPORT_STATUSES, "AnnualReport.status")
        _require_currency(self.currency, "AnnualReport.currency")
        if (self.status == "closed") != (self.checkpoint is not None):
            raise ValueError(
                "AnnualReport.checkpoint must be given exactly when the status is 'closed'; "
                f"got status {self.status!r} with checkpoint {self.checkpoint!r}"
            )


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One movement on a member's account; the balance is what the member owes after it."""

    on: date
    description: str
    charge_minor: int  # an assessment or other amount due
    payment_minor: int  # cash or credited in-kind received
    balance_minor: int  # previous balance + charge - payment


@dataclass(frozen=True, slots=True)
class MemberStatement:
    """A member's statement of account for one year, in the base currency."""

    year: int
    currency: str
    code: str
    name: str
    opening_balance_minor: int  # owed at the start of the year (arrears), negative if in credit
    lines: tuple[StatementLine, ...]
    closing_balance_minor: int
    standing: Standing
    standing_explanation: str  # one sentence: why the member has this standing
    as_of: date
    facility: str = DEFAULT_FACILITY
    lang: str = "en"

    def __post_init__(self) -> None:
        _freeze_tuple(self, "lines")
        _require_choice(self.lang, LANGUAGES, "MemberStatement.lang")
        _require_currency(self.currency, "MemberStatement.currency")
        _require_choice(self.standing, STANDINGS, "MemberStatement.standing")
        balance = self.opening_balance_minor
        for line in self.lines:
            balance += line.charge_minor - line.payment_minor
            if line.balance_minor != balance:
                raise ValueError(
                    f"MemberStatement of {self.code}: the line of {line.on.isoformat()} ({line.description!r}) "
                    f"shows balance {line.balance_minor}, but the lines before it give {balance}"
                )
        if self.closing_balance_minor != balance:
            raise ValueError(
                f"MemberStatement of {self.code}: closing balance {self.closing_balance_minor} "
                f"differs from opening balance plus lines, {balance}"
            )
