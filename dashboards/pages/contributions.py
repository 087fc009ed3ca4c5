"""Contributions of one fiscal year: what each member was assessed, paid and owes, each payment with its receipt, its standing, its share, the trend, the honour roll.

The year comes from the query string (?year=2025), so every view is a shareable address.
Each section shows a chart, the same figures as a table and that table as CSV. Plain
functions build the figures and tables from the query results; `layout` only reads and
assembles, and the tests call the plain functions directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import dash
import plotly.graph_objects as go
from dash import dcc, html

from dashboards.components import (
    SectionIds,
    Source,
    TableData,
    bar_height,
    chart_table_csv,
    csv_link,
    headline_figures,
    member_cell,
    money_cell,
    section,
    styled,
    table_and_csv,
    year_in_query,
    year_links,
)
from ledger.state import connect, today
from ledger.domain.contributions import Standing
from ledger.domain.money import to_decimal
from ledger.formatting import format_amount, format_compact_money, format_money
from ledger.queries.contributions import (
    ContributionRow,
    PaymentRow,
    ScaleRow,
    YearContributions,
    YearRow,
    YearTotals,
    honour_roll,
    list_years,
    payments_between,
    scale_of_year,
    totals_by_year,
    view_of,
    year_contributions,
)

PAGE_PREFIX = "contributions"
YEARS_ID = f"{PAGE_PREFIX}-years"
STATUS_ID = f"{PAGE_PREFIX}-status"
SUMMARY_ID = f"{PAGE_PREFIX}-summary"
NOTE_ID = f"{PAGE_PREFIX}-note"
MESSAGE_ID = f"{PAGE_PREFIX}-message"
HONOUR_LIST_ID = f"{PAGE_PREFIX}-honour-roll-list"

PUBLISHED = ("adopted", "closed")

# Standing in words as well as in colour; the colours keep at least 4.5:1 against white.
STANDING_LABELS = {Standing.GOOD: "good standing", Standing.ARREARS: "in arrears, vote kept", Standing.SUSPENDED: "vote suspended"}
STANDING_COLOURS = {Standing.GOOD: "#2e7d32", Standing.ARREARS: "#9a5a00", Standing.SUSPENDED: "#a61b1b"}
AMOUNT_COLOURS = {"budget": "#555555", "assessed": "#6fa8dc", "paid": "#0b5394", "in_kind": "#b45f06"}


ASSESSED = SectionIds(PAGE_PREFIX, "assessed")
PAYMENTS = SectionIds(PAGE_PREFIX, "payments")
STANDING = SectionIds(PAGE_PREFIX, "standing")
SHARES = SectionIds(PAGE_PREFIX, "shares")
TRENDS = SectionIds(PAGE_PREFIX, "trends")
HONOUR_ROLL = SectionIds(PAGE_PREFIX, "honour-roll")


@dataclass(frozen=True, slots=True)
class YearPage:
    """Everything the page shows for one year, as read from ledger.queries."""

    contributions: YearContributions
    payments: list[PaymentRow]
    trends: list[YearTotals]
    honour_roll: list[tuple[str, str]]
    scale: ScaleRow | None
    years: list[YearRow]

    @property
    def year(self) -> int:
        return self.contributions.year.year

    @property
    def currency(self) -> str:
        return self.contributions.year.currency


# --------------------------------------------------------------------------- choosing the year


def published_years(years: list[YearRow]) -> list[YearRow]:
    """Years whose budget is adopted (or which are closed): the ones with figures to show."""
    return [year for year in years if year.status in PUBLISHED]


def pick_year(raw: object, years: list[YearRow], this_year: int) -> tuple[YearRow | None, str | None]:
    """The year the query string asks for (default: the latest published), or why there is none to show."""
    published = published_years(years)
    example = published[-1].year if published else this_year
    if raw is None:
        if not published:
            return None, "No fiscal year has an adopted budget yet: contributions appear here once the board adopts one."
        return published[-1], None
    number, problem = year_in_query(raw, example)
    if number is None:
        return None, problem
    found = next((year for year in years if year.year == number), None)
    if found is None:
        return None, f"There is no fiscal year {number} in the ledger. Choose one of the years below."
    if found.status not in PUBLISHED:
        return None, f"The budget of {number} is not adopted yet, so nothing is assessed for it. Choose one of the years below."
    return found, None


def gapminder_note(scale: ScaleRow | None) -> str | None:
    """The note on the demo data's origin, when the year's scale was computed from Gapminder figures.

    Its words are the scale's own income measure, as the scale section and /api/v1/scales give
    it, so the note names the base year the scale really used.
    """
    if scale is not None and "gapminder" in scale.income_measure.lower():
        return f"Demonstration data: the scale of {scale.first_year}–{scale.last_year} is computed on {scale.income_measure}."
    return None


# --------------------------------------------------------------------------- tables


def _plotted(minor: int, currency: str) -> float:
    # Charts only: plotly needs numbers; the exact text goes into the hover and the tables.
    return float(to_decimal(minor, currency))


def _percent(share: Decimal) -> str:
    return f"{share:f}"


def assessed_table(contributions: YearContributions) -> TableData:
    """Per member: assessed, paid in cash, credited in kind, outstanding; with totals."""
    currency, rows = contributions.year.currency, contributions.rows
    amounts = ("assessed", "paid", "in_kind", "outstanding")
    return TableData(
        caption=f"Assessed, paid in cash and credited in kind per member, {contributions.year.year}, in {currency}, as of {contributions.view.as_of}",
        header=("Code", "Member", f"Assessed ({currency})", f"Paid in cash ({currency})", f"Credited in kind ({currency})", f"Outstanding ({currency})"),
        rows=tuple((row.code, member_cell(row.code, row.name), *(money_cell(getattr(row, f"{name}_minor"), currency) for name in amounts)) for row in rows),
        totals=("", f"Total, {len(rows)} members", *(money_cell(contributions.totals[name], currency) for name in amounts)),
        row_header=1,
        numeric=frozenset({2, 3, 4, 5}),
    )


def payments_table(payments: list[PaymentRow], year: int, currency: str) -> TableData:
    """Each payment received in the year and each reversal of one (a line of its own, negative),
    with the journal entry that booked it: its receipt."""
    rows = []
    for payment in payments:
        lines = [(payment.reference, payment.paid_on, 1, payment.journal_seq)]
        if payment.reversed_on is not None:
            lines.append((f"{payment.reference} (reversed: {payment.reversal_reason})", payment.reversed_on, -1, payment.reversal_seq))
        rows += [
            (reference, payment.code, day.isoformat(), f"{format_amount(sign * payment.amount_minor, payment.currency)} {payment.currency}",
             f"{payment.rate:f}", money_cell(sign * payment.base_minor, currency), str(seq))
            for reference, day, sign, seq in lines
        ]
    return TableData(
        caption=f"Payments received in {year} and their reversals, each with the journal entry that booked it",
        header=("Reference", "Member", "Date", "Amount paid", f"Rate to {currency}", f"In {currency}", "Journal entry"),
        rows=tuple(rows),
        row_header=0,
        numeric=frozenset({2, 3, 4, 5}),
        receipt_column=6,
    )


def standing_label(row: ContributionRow) -> str:
    return STANDING_LABELS[row.standing.standing]


def standing_table(contributions: YearContributions) -> TableData:
    """Per member: arrears on the view's date, standing in words, and the reason."""
    currency, rows = contributions.year.currency, contributions.rows
    counts = contributions.standing_counts
    return TableData(
        caption=f"Arrears and standing per member on {contributions.view.as_of}, in {currency} ({contributions.settings.standing_rule.name})",
        header=("Code", "Member", f"Arrears ({currency})", "Standing", "Explanation"),
        rows=tuple((row.code, member_cell(row.code, row.name), money_cell(row.arrears_minor, currency), standing_label(row), row.standing.explanation) for row in rows),
        totals=(
            "",
            f"Total, {len(rows)} members",
            money_cell(contributions.totals["arrears"], currency),
            ", ".join(f"{counts[standing]} {label}" for standing, label in STANDING_LABELS.items() if counts[standing]),
            "",
        ),
        row_header=1,
        numeric=frozenset({2}),
    )


def by_share(rows: list[ContributionRow]) -> list[ContributionRow]:
    """Largest share first; equal shares by name."""
    return sorted(rows, key=lambda row: (-row.share_pct, row.name))


def shares_table(contributions: YearContributions) -> TableData:
    """Per member, largest first: its share of the budget and the amount it was assessed."""
    currency, rows = contributions.year.currency, by_share(contributions.rows)
    return TableData(
        caption=f"Share of the {contributions.year.year} budget each member carries, largest first",
        header=("Code", "Member", "Share (%)", f"Assessed ({currency})"),
        rows=tuple((row.code, member_cell(row.code, row.name), _percent(row.share_pct), money_cell(row.assessed_minor, currency)) for row in rows),
        totals=("", f"Total, {len(rows)} members", _percent(sum((row.share_pct for row in rows), Decimal(0))), money_cell(contributions.totals["assessed"], currency)),
        row_header=1,
        numeric=frozenset({2, 3}),
    )


def trends_table(trends: list[YearTotals], currency: str, as_of: date) -> TableData:
    """Per adopted year: budget, assessed, paid in cash and credited in kind."""
    amounts = ("budget", "assessed", "paid", "in_kind")
    return TableData(
        caption=f"Budget, assessed, paid in cash and credited in kind per year, in {currency}, as of {as_of}",
        header=("Year", f"Budget ({currency})", f"Assessed ({currency})", f"Paid in cash ({currency})", f"Credited in kind ({currency})"),
        rows=tuple((str(row.year), *(money_cell(getattr(row, f"{name}_minor"), currency) for name in amounts)) for row in trends),
        totals=(f"Total, {len(trends)} years", *(money_cell(sum(getattr(row, f"{name}_minor") for row in trends), currency) for name in amounts)),
        row_header=0,
        numeric=frozenset({1, 2, 3, 4}),
    )


def honour_roll_table(roll: list[tuple[str, str]], year: int) -> TableData:
    """The members who settled each instalment of the year in full by its due date."""
    return TableData(
        caption=f"Members who paid every instalment of {year} in full by its due date",
        header=("Code", "Member"),
        rows=tuple((code, member_cell(code, name)) for code, name in roll),
        row_header=1,
    )


# --------------------------------------------------------------------------- figures


def assessed_figure(contributions: YearContributions) -> go.Figure:
    """Grouped bars per member: assessed, paid in cash, credited in kind."""
    currency, rows = contributions.year.currency, contributions.rows
    figure = go.Figure()
    for name, label in (("assessed", "Assessed"), ("paid", "Paid in cash"), ("in_kind", "Credited in kind")):
        minors = [getattr(row, f"{name}_minor") for row in rows]
        figure.add_trace(
            go.Bar(
                name=label,
                x=[row.code for row in rows],
                y=[_plotted(minor, currency) for minor in minors],
                customdata=[[row.name, format_money(minor, currency)] for row, minor in zip(rows, minors)],
                hovertemplate=f"%{{customdata[0]}}<br>{label}: %{{customdata[1]}}<extra></extra>",
                marker_color=AMOUNT_COLOURS[name],
            )
        )
    return styled(figure, 420, barmode="group", yaxis_title=currency, xaxis_title="Member")


def standing_figure(contributions: YearContributions) -> go.Figure:
    """Arrears per member, one bar colour and legend entry per standing, the standing written beside each bar."""
    currency, rows = contributions.year.currency, contributions.rows
    figure = go.Figure()
    for standing, label in STANDING_LABELS.items():
        chosen = [row for row in rows if row.standing.standing == standing]
        if not chosen:
            continue
        figure.add_trace(
            go.Bar(
                name=f"{label} ({len(chosen)})",
                orientation="h",
                y=[row.name for row in chosen],
                x=[_plotted(row.arrears_minor, currency) for row in chosen],
                # Written beside the bar (and so beside the name for a member with no arrears).
                text=[label if row.arrears_minor == 0 else f"{label}: {format_money(row.arrears_minor, currency)}" for row in chosen],
                textposition="outside",
                textfont={"color": STANDING_COLOURS[standing]},
                cliponaxis=False,
                customdata=[format_money(row.arrears_minor, currency) for row in chosen],
                hovertemplate=f"%{{y}}: arrears %{{customdata}}, {label}<extra></extra>",
                marker_color=STANDING_COLOURS[standing],
            )
        )
    figure = styled(figure, bar_height(len(rows)), barmode="overlay", xaxis_title=f"Arrears ({currency})", legend_title_text="Standing")
    # One row per member in the table's order, top to bottom, whichever trace holds it.
    figure.update_yaxes(categoryorder="array", categoryarray=[row.name for row in rows], autorange="reversed", ticksuffix="  ")
    figure.update_xaxes(rangemode="tozero")
    figure.update_layout(margin={"r": 260})  # room for the longest label, "vote suspended: <amount>"
    return figure


def shares_figure(contributions: YearContributions) -> go.Figure:
    """Each member's share of the budget, largest first, the percentage written beside each bar."""
    rows = by_share(contributions.rows)
    figure = go.Figure(
        go.Bar(
            name="Share of the budget",
            orientation="h",
            y=[row.name for row in rows],
            x=[float(row.share_pct) for row in rows],
            text=[f"{_percent(row.share_pct)}%" for row in rows],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{text} of the budget<extra></extra>",
            marker_color=AMOUNT_COLOURS["paid"],
        )
    )
    figure = styled(figure, bar_height(len(rows)), xaxis_title="Share of the budget (%)", showlegend=False)
    figure.update_yaxes(categoryorder="array", categoryarray=[row.name for row in rows], autorange="reversed")
    figure.update_layout(margin={"r": 80})
    return figure


def trends_figure(trends: list[YearTotals], currency: str) -> go.Figure:
    """Budget, assessed, paid in cash and credited in kind per year, as lines."""
    years = [row.year for row in trends]
    figure = go.Figure()
    for name, label, dash_style in (("budget", "Budget", "dot"), ("assessed", "Assessed", "solid"), ("paid", "Paid in cash", "solid"), ("in_kind", "Credited in kind", "dash")):
        minors = [getattr(row, f"{name}_minor") for row in trends]
        figure.add_trace(
            go.Scatter(
                name=label,
                mode="lines+markers",
                x=years,
                y=[_plotted(minor, currency) for minor in minors],
                customdata=[format_money(minor, currency) for minor in minors],
                hovertemplate=f"%{{x}} {label}: %{{customdata}}<extra></extra>",
                line={"color": AMOUNT_COLOURS[name], "dash": dash_style, "width": 2},
            )
        )
    figure = styled(figure, 380, yaxis_title=currency, xaxis_title="Fiscal year")
    figure.update_xaxes(tickmode="array", tickvals=years, ticktext=[str(year) for year in years])
    figure.update_yaxes(rangemode="tozero")
    return figure


# --------------------------------------------------------------------------- the page


def year_texts(years: list[YearRow]) -> list[tuple[int, str]]:
    """The published years, newest first, each named with its status."""
    return [(year.year, f"{year.year} ({year.status})") for year in reversed(published_years(years))]


def status_text(year: YearRow, as_of: date) -> str:
    """The year's status and which state of the ledger the figures show."""
    if year.status == "closed":
        return (
            f"The fiscal year {year.year} is closed (on {year.closed_on}): the figures are final, "
            f"as the ledger stood at its closing entry #{year.closed_seq}."
        )
    return f"The budget of {year.year} is adopted (on {year.adopted_on}); the figures are as of {as_of}."


def summary(data: YearPage) -> html.Ul:
    """The year's headline figures."""
    currency, totals, rows = data.currency, data.contributions.totals, data.contributions.rows
    counts = data.contributions.standing_counts
    figures = [
        (format_compact_money(data.contributions.year.budget_minor or 0, currency), "budget"),
        (format_compact_money(totals["paid"], currency), "paid in cash"),
        (format_compact_money(totals["in_kind"], currency), "credited in kind"),
        (format_compact_money(totals["outstanding"], currency), "outstanding"),
        (f"{counts[Standing.ARREARS]} of {len(rows)}", "members in arrears, vote kept"),
        (f"{counts[Standing.SUSPENDED]} of {len(rows)}", "members whose vote is suspended"),
    ]
    return headline_figures(figures, SUMMARY_ID)


def year_content(data: YearPage) -> list:
    """The sections of a year's page, from its data."""
    year, currency, contributions = data.year, data.currency, data.contributions
    note = gapminder_note(data.scale)
    payments = payments_table(data.payments, year, currency)
    roll = honour_roll_table(data.honour_roll, year)
    scale = data.scale
    scale_text = (
        f" The shares come from the scale of contributions {scale.first_year}–{scale.last_year}, computed on {scale.income_measure} "
        f"and adopted on {scale.adopted_on} ({scale.decision})."
        if scale
        else ""
    )
    return [
        *([html.P(note, id=NOTE_ID, className="notice")] if note else []),
        html.P(status_text(contributions.year, contributions.view.as_of), id=STATUS_ID),
        summary(data),
        section(
            ASSESSED,
            "Assessed, paid and in kind",
            [f"What each member was assessed for {year}, what it paid in cash and what was credited in kind, in {currency}. The table below the chart gives the same figures."],
            chart_table_csv(assessed_figure(contributions), ASSESSED, assessed_table(contributions), f"contributions-{year}-assessed.csv", source=Source("contributions", year)),
        ),
        section(
            PAYMENTS,
            "Payments received",
            [f"Every payment dated in {year}, in the currency it was paid in and at the rate it was booked at, never converted again. "
             "Each links to the receipt of the journal entry that booked it, where your browser checks that entry against the ledger's signed checkpoint."],
            table_and_csv(payments, PAYMENTS, f"contributions-{year}-payments.csv")
            if payments.rows
            else [html.P(f"No payment dated in {year} has been received.", id=PAYMENTS.table)],
        ),
        section(
            STANDING,
            "Arrears and standing",
            [
                f"Each member's arrears on {contributions.view.as_of} (every instalment then due and unpaid, of any year) and its standing under "
                f"{contributions.settings.standing_rule.name}. The standing is written beside each bar and explained in the table."
            ],
            chart_table_csv(standing_figure(contributions), STANDING, standing_table(contributions), f"contributions-{year}-standing.csv", source=Source("contributions", year)),
        ),
        section(
            SHARES,
            "Share of the budget",
            [f"The share of the {year} budget each member carries, largest first.{scale_text}"],
            chart_table_csv(shares_figure(contributions), SHARES, shares_table(contributions), f"contributions-{year}-shares.csv", source=Source("contributions", year)),
        ),
        section(
            TRENDS,
            "Trends across years",
            [f"Budget, assessed, paid in cash and credited in kind for every adopted year, as of {contributions.view.as_of}."],
            chart_table_csv(trends_figure(data.trends, currency), TRENDS, trends_table(data.trends, currency, contributions.view.as_of), f"contributions-{year}-trends.csv", source=Source("years")),
        ),
        section(
            HONOUR_ROLL,
            "Honour roll",
            [roll.caption + "."],
            [
                html.Ul([html.Li([dcc.Link(name.text, href=name.href), f" ({code})"]) for code, name in roll.rows], id=HONOUR_LIST_ID)
                if roll.rows
                else html.P(f"No member paid every instalment of {year} in full by its due date.", id=HONOUR_LIST_ID),
                html.P(csv_link(roll, f"contributions-{year}-honour-roll.csv", f"Download the honour roll of {year} as CSV", HONOUR_ROLL.csv)),
            ],
        ),
    ]


def read_year(connection, year: YearRow, years: list[YearRow], today: date) -> YearPage:
    """Everything the page shows for `year`, read through ledger.queries."""
    view = view_of(year, today)
    return YearPage(
        contributions=year_contributions(connection, year, view),
        payments=payments_between(connection, date(year.year, 1, 1), date(year.year, 12, 31), view),
        trends=totals_by_year(connection, view),
        honour_roll=honour_roll(connection, year.year, view),
        scale=scale_of_year(connection, year.year, view.through_seq),
        years=years,
    )


def layout(year: object = None, **_query):
    """The page for ?year=YYYY (default: the latest adopted or closed year); a clear message for any other value."""
    base = dash.get_relative_path(PAGE["path"])
    with connect() as connection:
        years = list_years(connection)
        chosen, problem = pick_year(year, years, today().year)
        data = read_year(connection, chosen, years, today()) if chosen else None
    shown = year_texts(years)
    links = [year_links(shown, data.year if data else None, base, YEARS_ID, "Fiscal year:")] if shown else []
    if data is None:
        return [html.H1("Contributions"), html.P(problem, id=MESSAGE_ID, className="error"), *links]
    return [
        html.H1(f"Contributions {data.year}"),
        html.P("Each member's assessment, payments and arrears for the year, its standing and share, with every figure as a table and as CSV."),
        *links,
        *year_content(data),
    ]


PAGE = {
    "path": "/contributions",
    "name": "Contributions",
    "title": "Contributions · Member Ledger",
    "description": "per year: assessed, paid and in kind, arrears and standing, shares, trends and the honour roll",
    "layout": layout,
    "order": 2,
}
