"""Assembling the annual report and members' statements from the read side, as plain data objects.

The renderer never queries; these functions read through ledger.queries and hand it records.
A closed year is read as the ledger stood at its closing entry, so its report never changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection

from ledger.domain.compute import REFERENCE_GPU_MS_PER_GPU_HOUR, EntryKind, SafetyLevel, gpu_hours
from ledger.domain.errors import NotFound
from ledger.domain.money import format_minor
from ledger.domain.settings import Settings
from ledger.queries import compute as compute_queries
from ledger.queries import contributions as contribution_queries
from ledger.queries import governance as governance_queries
from ledger.queries import journal as journal_queries
from ledger.queries import tlog as tlog_queries
from ledger.queries import usage as usage_queries
from ledger.queries.compute import ComputeYear
from ledger.queries.contributions import StatementEntry, View, YearRow
from ledger.reports import model
from ledger.reports.formatting import decimals_of, format_percent, format_quantity

DEMO_NOTE = (
    "The scale's income measure is the Gapminder data shipped with the plotly package (GDP = gdpPercap x pop); "
    "the payments are demonstration data."
)


@dataclass(frozen=True, slots=True)
class ReportLink:
    """A downloadable report as /reports/ lists it."""

    title: str
    url: str
    description: str


def reportable_year(connection: Connection, year: int) -> YearRow:
    """An adopted or closed year (a draft year has no assessments to report)."""
    found = contribution_queries.find_year(connection, year)
    if found is None or found.status == "draft":
        raise NotFound(f"no report for {year}: reports exist for fiscal years whose budget was adopted")
    return found


def available_reports(connection: Connection) -> list[tuple[YearRow, ReportLink]]:
    """The annual report of every adopted or closed year, newest first."""
    years = [y for y in contribution_queries.list_years(connection) if y.status != "draft"]
    return [
        (
            year,
            ReportLink(
                title=f"Annual report {year.year}",
                url=f"/reports/annual/{year.year}.pdf",
                description="final, as closed" if year.status == "closed" else "provisional: the year is not closed",
            ),
        )
        for year in reversed(years)
    ]


def build_annual_report(connection: Connection, year: int, today: date) -> model.AnnualReport:
    """The year's annual report: scale, contributions, payments, in kind, standing, checkpoint."""
    found = reportable_year(connection, year)
    view = contribution_queries.view_of(found, today)
    contributions = contribution_queries.year_contributions(connection, found, view)
    scale = contribution_queries.scale_of_year(connection, year, view.through_seq)
    payments = contribution_queries.payments_between(connection, date(year, 1, 1), date(year, 12, 31), view)
    return model.AnnualReport(
        year=year,
        status=found.status,
        currency=found.currency,
        budget_minor=found.budget_minor,
        as_of=view.as_of,
        scale=_scale_section(scale),
        contributions=tuple(
            model.ContributionLine(
                code=row.code, name=row.name, share_pct=row.share_pct, assessed_minor=row.assessed_minor,
                paid_minor=row.paid_minor, in_kind_minor=row.in_kind_minor, outstanding_minor=row.outstanding_minor,
                arrears_minor=row.arrears_minor, standing=row.standing.standing.value,
            )
            for row in contributions.rows
        ),
        payments=tuple(line for payment in payments for line in _payment_lines(payment, view)),
        in_kind=tuple(
            model.InKindLine(code=row.code, description=row.description, state=row.state, valued_minor=row.valued_minor or 0, credited_minor=row.credited_minor or 0)
            for row in contribution_queries.in_kind_of_year(connection, year, view)
        ),
        standing_rule=_standing_rule_sentence(contributions.settings),
        checkpoint=_checkpoint(connection, found),
        data_note=DEMO_NOTE if scale and "Gapminder" in scale.income_measure else "",
        sections=(*_board_sections(connection, year, view), _compute_section(connection, year, view, contributions.settings)),
    )


def _board_sections(connection: Connection, year: int, view: View) -> tuple[model.ReportSection, ...]:
    """The year's board decisions: each with its rule, outcome and explanation, then the roll-calls."""
    decided = governance_queries.closed_motions(connection, year, view.through_seq)
    if not decided:
        return (model.ReportSection(f"Board decisions {year}", (model.Paragraph(f"The board closed no motion in {year}."),)),)
    blocks: list[model.Paragraph | model.Table] = [
        model.Table(
            caption=f"Motions closed in {year}",
            header=("No.", "Meeting", "Motion", "Kind", "Rule", "Ballot", "Outcome"),
            rows=tuple(
                (str(row.id), row.held_on.isoformat(), row.title, row.kind, row.rule_name, row.ballot.replace("_", "-"), row.outcome.replace("_", " "))
                for row, _snapshot in decided
            ),
        )
    ]
    blocks += [model.Paragraph(f"Motion {row.id}, {row.title}: {snapshot['decision']['explanation']}") for row, snapshot in decided]
    roll_calls = [(row, snapshot) for row, snapshot in decided if snapshot.get("votes") is not None]
    if roll_calls:
        names = governance_queries.member_names(connection)
        voters = {code for _row, snapshot in roll_calls for code in (*snapshot["decision"]["eligible"], *snapshot.get("ineligible", {}))}
        blocks.append(
            model.Table(
                caption="Roll-calls: Y yes, N no, A abstain, - absent, S vote suspended (columns are the motions' numbers; secret ballots are not named)",
                header=("Member", *(str(row.id) for row, _snapshot in roll_calls)),
                rows=tuple(
                    (names.get(code, code), *(_roll_call_cell(code, snapshot) for _row, snapshot in roll_calls))
                    for code in sorted(voters, key=lambda code: names.get(code, code))
                ),
            )
        )
    return (model.ReportSection(f"Board decisions {year}", tuple(blocks)),)


def _roll_call_cell(code: str, snapshot: dict) -> str:
    if code in snapshot.get("ineligible", {}):
        return "S"
    return {"yes": "Y", "no": "N", "abstain": "A"}.get(snapshot["votes"].get(code, ""), "-")


# --------------------------------------------------------------------------- compute

CONTRIBUTION_SHARE = Decimal("0.001")  # as the scale of contributions prints shares
USE_SHARE = Decimal("0.01")
RATIO = Decimal("0.01")


def _whole_hours(reference_gpu_ms: int) -> str:
    """Whole GPU-hours, grouped, for quotas: 469098000000 -> "130,305"."""
    return f"{reference_gpu_ms // REFERENCE_GPU_MS_PER_GPU_HOUR:,}"


def _thousandths(reference_gpu_ms: int) -> str:
    """GPU-hours to a thousandth, grouped, as usage is published: -433800000 -> "-120.500"."""
    return f"{gpu_hours(reference_gpu_ms):,}"


def _percent(value: Decimal, step: Decimal) -> str:
    """A share rounded to `step` and written as the rest of the report writes percentages: 12.3456, 0.01 -> "12.35%"."""
    return format_percent(value.quantize(step), decimals_of(step))


def _compute_section(connection: Connection, year: int, view: View, settings: Settings) -> model.ReportSection:
    """The year's compute: capacity, reserves and quotas, each member's GPU-hour ledger, transfers, use by safety level."""
    found = compute_queries.compute_year(connection, year, view.through_seq)
    if found is None:
        blocks: list[model.Paragraph | model.Table] = [
            model.Paragraph(f"No capacity plan was recorded for {year}, so no GPU-hours were allocated.")
        ]
    else:
        blocks = [_units_paragraph(), _capacity_table(found), _rules_paragraph(found, view, settings)]
        if found.allocated:
            blocks += [_allocation_table(found), *_member_tables(found), *_ledger_line_tables(connection, year, view)]
        else:
            blocks.append(model.Paragraph(f"The reserves and member quotas of {year} are not allocated yet."))
    return model.ReportSection(f"Compute {year}", (*blocks, *_usage_tables(connection, year, view)))


def _units_paragraph() -> model.Paragraph:
    return model.Paragraph(
        "Units. Every figure is in reference GPU-hours: one hour of one GPU of normalisation factor 1. A pool's factor "
        "is what one hour of one of its GPUs is worth in reference GPU-hours, so a year's capacity is the sum over its "
        "pools of GPUs x hours in the year x availability x factor, rounded down to whole GPU-hours, and a job is "
        "charged its GPUs x elapsed time x its GPU type's factor (factor 1 when its Slurm record names no GPU type). "
        "Usage and the ledger are kept exact to the reference GPU-millisecond and printed to a thousandth of a GPU-hour."
    )


def _capacity_table(found: ComputeYear) -> model.Table:
    rows = [
        (pool.gpu_type, f"{pool.count:,}", str(pool.availability), str(pool.factor),
         format_quantity(pool.count * found.hours_in_year * pool.availability * pool.factor))
        for pool in found.pools
    ]
    rows.append(("Total", f"{found.gpus:,}", "", "", f"{found.capacity_gpu_hours:,}"))
    return model.Table(
        caption=f"Capacity of {found.year}: {found.hours_in_year:,} hours in the year, reference GPU-hours per pool "
                f"(the total is rounded down); plan following {found.decision}",
        header=("GPU type", "GPUs", "Availability", "Factor", "Reference GPU-hours"),
        rows=tuple(rows), numeric_columns=frozenset({1, 2, 3, 4}), total_row=True,
    )


def _allocation_table(found: ComputeYear) -> model.Table:
    quotas = sum(member.quota_gpu_hours for member in found.members)  # credits are whole GPU-hours
    return model.Table(
        caption=f"The capacity of {found.year} as allocated: reserves first, then the members' quotas",
        header=("Part", "Percent of capacity", "GPU-hours"),
        rows=(
            *((f"Reserve {reserve.name}", format_percent(reserve.percent, 0), f"{reserve.gpu_hours:,}") for reserve in found.reserves),
            ("Member quotas", "", f"{quotas:,}"),
            ("Total", "", f"{found.reserved_gpu_hours + quotas:,}"),
        ),
        numeric_columns=frozenset({1, 2}), total_row=True,
    )


def _member_tables(found: ComputeYear) -> list[model.Paragraph | model.Table]:
    """Each member's share and use, then its GPU-hour ledger line by kind, each with a total row."""
    members = found.members
    shares = model.Table(
        caption="Allocation and use per member: use / contribution is the member's share of the year's use over its "
                "share of the year's assessed contributions (1.00 = used exactly its share)",
        header=("Code", "Member", "Contribution share", "Quota", "Used", "Share of use", "Use / contribution"),
        rows=(
            *((member.code, member.name, _percent(member.contribution_share, CONTRIBUTION_SHARE), _whole_hours(member.quota_ms),
               _thousandths(member.used_ms), _percent(member.usage_share, USE_SHARE),
               "" if member.ratio is None else str(member.ratio.quantize(RATIO)))
              for member in members),
            ("", "Total", _percent(sum((member.contribution_share for member in members), Decimal(0)), CONTRIBUTION_SHARE),
             _whole_hours(sum(member.quota_ms for member in members)), _thousandths(found.used_ms),
             _percent(sum((member.usage_share for member in members), Decimal(0)), USE_SHARE), ""),
        ),
        numeric_columns=frozenset({2, 3, 4, 5, 6}), total_row=True,
    )
    # Each column in the sign it is read with, so that a row adds up to its balance; quotas are
    # whole GPU-hours, printed without the thousandths so that the widest year still fits the page.
    columns = (
        ("Quota", _whole_hours, lambda member: member.quota_ms),
        ("Carried in", _thousandths, lambda member: member.carried_in_ms),
        ("Transferred", _thousandths, lambda member: member.transferred_ms),
        ("Adjusted", _thousandths, lambda member: member.adjusted_ms),
        ("Used", _thousandths, lambda member: member.used_ms),
        ("Carried out", _thousandths, lambda member: -member.carried_out_ms),
        ("Forfeited", _thousandths, lambda member: -member.forfeited_ms),
        ("Balance", _thousandths, lambda member: member.balance_ms),
    )
    ledger = model.Table(
        caption=f"GPU-hour ledger of {found.year} per member: balance = quota + carried in + transferred + adjusted "
                "- used - carried out - forfeited",
        header=("Code", *(title for title, _format, _amount in columns)),
        rows=(
            *((member.code, *(cell(amount(member)) for _title, cell, amount in columns)) for member in members),
            ("Total", *(cell(sum(amount(member) for member in members)) for _title, cell, amount in columns)),
        ),
        numeric_columns=frozenset(range(1, len(columns) + 1)), total_row=True,
    )
    frozen = [member.name for member in members if member.frozen]
    note = [model.Paragraph(f"Quotas frozen (kept but not usable: the member was suspended when quotas were allocated): {', '.join(frozen)}.")]
    return [shares, ledger, *(note if frozen else [])]


def _ledger_line_tables(connection: Connection, year: int, view: View) -> list[model.Paragraph | model.Table]:
    """The transfers with the motions that made them, and the adjustments with their reasons."""
    lines = compute_queries.ledger_lines(connection, year, (EntryKind.TRANSFER_OUT, EntryKind.ADJUSTMENT), view.through_seq)
    transfers = [line for line in lines if line.kind == EntryKind.TRANSFER_OUT]
    adjustments = [line for line in lines if line.kind == EntryKind.ADJUSTMENT]
    blocks: list[model.Paragraph | model.Table] = []
    if transfers:
        blocks.append(model.Table(
            caption="Transfers between members, each the effect of an adopted board motion (see Board decisions)",
            header=("Motion No.", "From", "To", "GPU-hours"),
            rows=tuple((str(line.motion_id), line.member, line.counterparty, _thousandths(-line.amount_ms)) for line in transfers),
            numeric_columns=frozenset({0, 3}),
        ))
    else:
        blocks.append(model.Paragraph(f"No GPU-hours were transferred between members in {year}."))
    if adjustments:
        blocks.append(model.Table(
            caption="Adjustments by the secretariat, with their reasons",
            header=("Member", "GPU-hours", "Reason"),
            rows=tuple((line.member, _thousandths(line.amount_ms), line.reason) for line in adjustments),
            numeric_columns=frozenset({1}),
        ))
    return blocks


def _rules_paragraph(found: ComputeYear, view: View, settings: Settings) -> model.Paragraph:
    policy = settings.quota_suspension
    suspension = {
        "none": "keeps its quota (quota_suspension: none)",
        "frozen": "keeps its quota, frozen so that it cannot be used (quota_suspension: frozen)",
        "reduced": f"loses {policy.reduction_percent}% of its quota to the reserve {policy.freed_to} "
                   f"(quota_suspension: reduced {policy.reduction_percent} %)",
    }[policy.kind]
    carry = settings.quota_carry_over
    closing = "forfeited" if carry == "none" else f"carried into the next year, {carry} of the member's quota for the year at most, and the rest forfeited (frozen hours are always forfeited)"
    state = (f"The ledger of {found.year} is closed." if found.closed
             else f"The ledger of {found.year} is open: its carried and forfeited GPU-hours are known when it closes.")
    return model.Paragraph(
        "Rules. Each reserve is its percentage of capacity, rounded down to whole GPU-hours; what remains is split "
        "between the members in proportion to what each was assessed for the year, by largest remainder in whole "
        "GPU-hours, so the quotas add up exactly. A quota is a credit in the member's GPU-hour ledger, which usage "
        "debits; GPU-hours move between members only as the effect of an adopted board motion, and the secretariat "
        f"adjusts a quota only with a reason. Settings in force on {view.as_of.isoformat()}: a member suspended when "
        f"quotas are allocated {suspension}; "
        f"when the year's ledger closes, a member's unused GPU-hours are {closing} (quota_carry_over: {carry}), and "
        f"an overdrawn balance is carried in full, as owed. {state}"
    )


def _usage_tables(connection: Connection, year: int, view: View) -> list[model.Table]:
    """The year's use by month and by safety level, when there was any."""
    months = usage_queries.monthly_usage(connection, year, through_seq=view.through_seq)
    if not months:
        return []
    total = sum(month.reference_gpu_ms for month in months)
    by_level = {level.group: level.reference_gpu_ms for level in usage_queries.usage_by_safety_level(connection, year, view.through_seq)}

    def share(amount: int) -> str:
        return _percent(Decimal(100 * amount) / total, USE_SHARE)

    return [
        model.Table(
            caption=f"Use of {year} per month (UTC; a job running across a month's end counts in each month for its time there)",
            header=("Month", "GPU-hours", "Share of use"),
            rows=(*((month.group, _thousandths(month.reference_gpu_ms), share(month.reference_gpu_ms)) for month in months),
                  ("Total", _thousandths(total), share(total))),
            numeric_columns=frozenset({1, 2}), total_row=True,
        ),
        model.Table(
            caption=f"Use of {year} by the safety level of the project (SL-1 least contained, SL-4 most)",
            header=("Safety level", "GPU-hours", "Share of use"),
            rows=(*((level.value, _thousandths(by_level.get(level.value, 0)), share(by_level.get(level.value, 0))) for level in SafetyLevel),
                  ("Total", _thousandths(total), share(total))),
            numeric_columns=frozenset({1, 2}), total_row=True,
        ),
    ]


def _scale_section(scale: contribution_queries.ScaleRow | None) -> model.ScaleSection:
    if scale is None:
        raise NotFound("no scale of contributions covers this year")
    return model.ScaleSection(
        period=f"{scale.first_year}-{scale.last_year}",
        adopted_by=f"{scale.decision}, {scale.adopted_on.isoformat()}",
        ceiling_pct=scale.ceiling_pct if scale.ceiling_pct is not None else Decimal(100),
        floor_pct=scale.floor_pct if scale.floor_pct is not None else Decimal(0),
        precision_pct=scale.precision_pct,
        rows=tuple(
            model.ScaleRow(code=line.code, name=line.name, income=line.income, share_pct=line.share_pct, bound="" if line.bound == "free" else line.bound)
            for line in scale.lines
        ),
    )


def _payment_lines(payment: contribution_queries.PaymentRow, view: View) -> list[model.PaymentLine]:
    """The payment, and its reversal as a negative line when one was booked in the same view."""
    line = model.PaymentLine(
        code=payment.code, paid_on=payment.paid_on, currency=payment.currency, amount_minor=payment.amount_minor,
        rate=payment.rate, rate_date=payment.rate_date, rate_source=payment.rate_source, base_minor=payment.base_minor,
        reference=payment.reference,
    )
    if payment.reversed_on is None:
        return [line]
    reversal = model.PaymentLine(
        code=payment.code, paid_on=payment.reversed_on, currency=payment.currency, amount_minor=-payment.amount_minor,
        rate=payment.rate, rate_date=payment.rate_date, rate_source=payment.rate_source, base_minor=-payment.base_minor,
        reference=f"{payment.reference} (reversed: {payment.reversal_reason})", reversal_of=payment.reference,
    )
    return [line, reversal]


def _standing_rule_sentence(settings) -> str:
    rule = settings.standing_rule
    years = "the current and the previous year" if rule.years_counted == (0, 1) else "the two preceding full years"
    comparison = "equal or exceed" if rule.suspended_at_threshold else "exceed"
    return f"{rule.name}: a member's vote is suspended when its arrears (unpaid amounts {rule.arrears.value}) {comparison} its contributions due for {years}, unless the board waives it."


def _checkpoint(connection: Connection, year: YearRow) -> model.JournalCheckpoint | None:
    if year.status != "closed":
        return None
    entry = journal_queries.entry(connection, year.closed_seq)
    # The first checkpoint covering the closing entry never changes once signed, so the
    # closed year's report keeps its bytes.
    signed = tlog_queries.checkpoint_covering(connection, year.closed_seq)
    return model.JournalCheckpoint(seq=entry.seq, hash=entry.hash, closed_on=year.closed_on,
                                   signed_note=signed.note if signed else None)


# --------------------------------------------------------------------------- statements


def build_member_statement(connection: Connection, year: int, code: str, today: date) -> model.MemberStatement:
    """One member's statement of account for a year: opening balance, dated movements, closing balance."""
    found = reportable_year(connection, year)
    view = contribution_queries.view_of(found, today)
    row = next(iter(contribution_queries.year_contributions(connection, found, view, member_code=code).rows), None)
    if row is None:
        raise NotFound(f"{code} was not assessed for {year}")
    first, last = date(year, 1, 1), min(date(year, 12, 31), view.as_of)
    opening = contribution_queries.balance_before(connection, code, first, view)
    balance, lines = opening, []
    for entry in contribution_queries.statement_entries(connection, code, first, last, view):
        balance += entry.charge_minor - entry.payment_minor
        lines.append(model.StatementLine(on=entry.on, description=_describe(entry, found.currency), charge_minor=entry.charge_minor, payment_minor=entry.payment_minor, balance_minor=balance))
    return model.MemberStatement(
        year=year, currency=found.currency, code=code, name=row.name, opening_balance_minor=opening, lines=tuple(lines),
        closing_balance_minor=balance, standing=row.standing.standing.value, standing_explanation=row.standing.explanation, as_of=view.as_of,
    )


def _describe(entry: StatementEntry, base: str) -> str:
    if entry.kind == "instalment":
        return f"Assessment {entry.year}, instalment {entry.number}"
    if entry.kind == "in_kind":
        return f"In kind credited against {entry.year}: {entry.note}"
    original = f"{format_minor(entry.amount_minor, entry.currency)} {entry.currency}"
    converted = "" if entry.currency == base else f" at {entry.rate}"
    if entry.kind == "reversal":
        return f"Reversal of payment {entry.reference} ({original}): {entry.note}"
    return f"Payment {entry.reference}: {original}{converted}"
