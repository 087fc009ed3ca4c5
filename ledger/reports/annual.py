"""Assembling the annual report and members' statements from the read side, as plain data objects.

The renderer never queries; these functions read through ledger.queries and hand it records.
A closed year is read as the ledger stood at its closing entry, so its report never changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection

from ledger.domain.errors import NotFound
from ledger.domain.money import format_minor
from ledger.queries import contributions as contribution_queries
from ledger.queries import governance as governance_queries
from ledger.queries import journal as journal_queries
from ledger.queries import members as member_queries
from ledger.queries.contributions import StatementEntry, View, YearRow
from ledger.reports import model

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
        sections=_board_sections(connection, year, view),
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
    return f"{rule.name}: a member's vote is suspended when its arrears {comparison} its contributions due for {years}, unless the board waives it."


def _checkpoint(connection: Connection, year: YearRow) -> model.JournalCheckpoint | None:
    if year.status != "closed":
        return None
    entry = journal_queries.entry(connection, year.closed_seq)
    return model.JournalCheckpoint(seq=entry.seq, hash=entry.hash, closed_on=year.closed_on)


# --------------------------------------------------------------------------- statements


def build_member_statement(connection: Connection, year: int, code: str, today: date) -> model.MemberStatement:
    """One member's statement of account for a year: opening balance, dated movements, closing balance."""
    found = reportable_year(connection, year)
    member = member_queries.find_member(connection, code)
    view = contribution_queries.view_of(found, today)
    row = next((r for r in contribution_queries.year_contributions(connection, found, view).rows if r.code == code), None)
    if member is None or row is None:
        raise NotFound(f"{code} was not assessed for {year}")
    first, last = date(year, 1, 1), min(date(year, 12, 31), view.as_of)
    opening = contribution_queries.balance_before(connection, code, first, view)
    balance, lines = opening, []
    for entry in contribution_queries.statement_entries(connection, code, first, last, view):
        balance += entry.charge_minor - entry.payment_minor
        lines.append(model.StatementLine(on=entry.on, description=_describe(entry, found.currency), charge_minor=entry.charge_minor, payment_minor=entry.payment_minor, balance_minor=balance))
    return model.MemberStatement(
        year=year, currency=found.currency, code=code, name=member.name, opening_balance_minor=opening, lines=tuple(lines),
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
