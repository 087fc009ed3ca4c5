"""Compute of one fiscal year: capacity and utilisation, quota and use per member, the fairness measure, monthly use, use by safety level.

The year comes from the query string (?year=2025), so every view is a shareable address.
Each chart has the same figures as a table beside it and that table as CSV. What the page
reads is dashboards.compute.read, its tables and charts dashboards.compute.tables (plain
functions the tests call directly). This module holds the components and their ids and
`layout`, which only reads and assembles.
"""

from __future__ import annotations

from collections.abc import Callable

import dash
import plotly.graph_objects as go
from dash import html

from dashboards.components import (
    SectionIds,
    Source,
    TableData,
    chart_table_csv,
    headline_figures,
    section,
    table_and_csv,
    year_links,
)
from ledger.formatting import format_compact_quantity, format_fixed
from ledger.state import connect, today
from ledger.domain.compute import gpu_hours
from ledger.queries.compute import ComputeYear, compute_years
from dashboards.compute.read import ComputePage, pick_year, read_year
from dashboards.compute.tables import (
    capacity_figure,
    capacity_table,
    exact_text,
    fairness_figure,
    fairness_table,
    levels_figure,
    levels_table,
    monthly_figure,
    monthly_table,
    pools_table,
    quota_figure,
    quota_table,
    utilisation_text,
)

PAGE_PREFIX = "compute"
YEARS_ID = f"{PAGE_PREFIX}-years"
MESSAGE_ID = f"{PAGE_PREFIX}-message"
STATUS_ID = f"{PAGE_PREFIX}-status"
SUMMARY_ID = f"{PAGE_PREFIX}-summary"
FROZEN_ID = f"{PAGE_PREFIX}-quotas-frozen"
FAIRNESS_NOTE_ID = f"{PAGE_PREFIX}-fairness-note"

CAPACITY = SectionIds(PAGE_PREFIX, "capacity")
POOLS = SectionIds(PAGE_PREFIX, "pools")
QUOTAS = SectionIds(PAGE_PREFIX, "quotas")
FAIRNESS = SectionIds(PAGE_PREFIX, "fairness")
MONTHLY = SectionIds(PAGE_PREFIX, "monthly")
LEVELS = SectionIds(PAGE_PREFIX, "safety-levels")


FAIRNESS_NOTE = (
    "Quotas follow contributions, as in Council Regulation (EU) 2021/1173 on the EuroHPC Joint Undertaking, whose Art. 17 "
    "shares access time to its supercomputers “directly proportional” to the financial contributions. The measure shows whether use follows: "
    "1.0 is use exactly in proportion to the contribution, above 1.0 more, below 1.0 less. Quota transfers adopted by the board "
    "and quota left unused move it too, so a value far from 1.0 is a question to ask, not by itself a breach."
)

# --------------------------------------------------------------------------- the page


def status_text(compute: ComputeYear) -> str:
    """Which plan the figures follow and how far the year's ledger is."""
    reserves = ", ".join(f"{exact_text(reserve.percent)} % for {reserve.name.replace('_', ' ')}" for reserve in compute.reserves if reserve.percent)
    parts = [f"The capacity plan of {compute.year} was recorded citing “{compute.decision}”"]
    parts.append(f"; it sets aside {reserves} before members' quotas." if reserves else "; it sets no reserve aside.")
    if compute.closed:
        parts.append(f" The GPU-hour ledger of {compute.year} is closed: the figures are final.")
    elif compute.allocated:
        parts.append(" Quotas are allocated; use is added as it is ingested from the clusters' accounting.")
    else:
        parts.append(" Quotas are not allocated yet.")
    return "".join(parts)


def summary(compute: ComputeYear) -> html.Ul:
    """The year's headline figures."""
    figures = [
        (format_fixed(compute.gpus, 0), "accelerators"),
        (format_compact_quantity(compute.capacity_gpu_hours), "reference GPU-hours of capacity"),
        (format_compact_quantity(compute.reserved_gpu_hours), "reserved"),
        (format_compact_quantity(sum(member.quota_gpu_hours for member in compute.members)), "in members' quotas"),
        (format_compact_quantity(gpu_hours(compute.used_ms)), "used"),
        (utilisation_text(compute.utilisation), "utilisation"),
    ]
    return headline_figures(figures, SUMMARY_ID)


def filename(ids: SectionIds, year: int) -> str:
    return f"compute-{year}-{ids.name}.csv"


def none_yet(ids: SectionIds, text: str) -> list:
    # In place of the section's table, so the section keeps its place and says why it is empty.
    return [html.P(text, id=ids.table)]


def capacity_section(compute: ComputeYear) -> html.Section:
    year = compute.year
    return section(
        CAPACITY,
        "Capacity and utilisation",
        (
            "The year's capacity in reference GPU-hours (each pool's GPUs × hours × availability × normalisation factor), "
            "how it is split between reserves and members' quotas, and how much of it members used: the utilisation. "
            "The table below the chart gives the same figures."
        ),
        [
            *chart_table_csv(capacity_figure(compute), CAPACITY, capacity_table(compute), filename(CAPACITY, year), source=Source("compute", year)),
            section(
                POOLS,
                "Accelerator pools",
                "The pools of the year's plan. A job whose accounting names no GPU type counts at factor 1.",
                table_and_csv(pools_table(compute), POOLS, filename(POOLS, year)),
                level=3,
            ),
        ],
    )


def quotas_section(compute: ComputeYear) -> html.Section:
    year, frozen = compute.year, [member for member in compute.members if member.frozen]
    frozen_note = (
        [html.P(
            f"Quota frozen (the member's vote was suspended when quotas were allocated; the quota is kept but may not be used): "
            f"{', '.join(f'{member.name} ({member.code})' for member in frozen)}.",
            id=FROZEN_ID,
        )]
        if frozen
        else []
    )
    if not compute.members:
        body = none_yet(QUOTAS, f"The quotas of {year} are not allocated yet and no use is recorded for it.")
    else:
        body = [
            *([] if compute.allocated else [html.P(f"The quotas of {year} are not allocated yet: use is shown against a quota of 0.")]),
            *frozen_note,
            *chart_table_csv(quota_figure(compute), QUOTAS, quota_table(compute), filename(QUOTAS, year), source=Source("compute", year)),
        ]
    return section(
        QUOTAS,
        "Quota and use per member",
        (
            "Each member's quota (its share of the capacity after the reserves, in proportion to its contribution) and what it used. "
            "The table below the chart gives every kind of line of its GPU-hour ledger; the balance is their sum: quota + carried in "
            "+ transferred (by motions the board adopted) + adjusted − used + carried out and forfeited (at the year's end, negative)."
        ),
        body,
    )


def once_used(ids: SectionIds, year: int, used: bool, build: Callable[[], tuple[go.Figure, TableData]], source: Source, why: str = "") -> list:
    """The section's chart, table and CSV once the year has use; until then, a sentence saying so."""
    if not used:
        return none_yet(ids, f"No use is recorded for {year} yet{why}.")
    figure, table = build()
    return chart_table_csv(figure, ids, table, filename(ids, year), source=source)


def fairness_section(compute: ComputeYear) -> html.Section:
    return section(
        FAIRNESS,
        "Fairness: use against contribution",
        [
            (
                "For each member, its share of the year's use divided by its share of the year's assessed contributions. "
                "The dashed line marks 1.0; the table below the chart gives the shares and the ratio. "
            ),
            html.Span(FAIRNESS_NOTE, id=FAIRNESS_NOTE_ID),
        ],
        once_used(
            FAIRNESS, compute.year, bool(compute.used_ms), lambda: (fairness_figure(compute), fairness_table(compute)), Source("compute", compute.year),
            why=": the measure compares shares of use, so it appears with the first use",
        ),
    )


def monthly_section(data: ComputePage) -> html.Section:
    return section(
        MONTHLY,
        "Monthly use",
        "Every member's use per month, stacked; the table below the chart gives each member's months and the totals.",
        once_used(MONTHLY, data.year, bool(data.months), lambda: (monthly_figure(data), monthly_table(data)), Source("compute-monthly", data.year)),
    )


def levels_section(data: ComputePage) -> html.Section:
    return section(
        LEVELS,
        "Use by safety level",
        (
            "The year's use by the safety level of the projects that ran it, SL-1 (least contained) to SL-4 (most), "
            "like biosafety levels. The table below the chart gives the same figures."
        ),
        once_used(LEVELS, data.year, bool(data.compute.used_ms), lambda: (levels_figure(data.levels), levels_table(data.levels, data.year)), Source("compute-levels", data.year)),
    )


def year_content(data: ComputePage) -> list:
    """The sections of a year's page, from its data."""
    compute = data.compute
    return [
        html.P(status_text(compute), id=STATUS_ID),
        summary(compute),
        capacity_section(compute),
        quotas_section(compute),
        fairness_section(compute),
        monthly_section(data),
        levels_section(data),
    ]


def layout(year: object = None, **_query):
    """The page for ?year=YYYY (default: `default_year`); a clear message for any other value or when no year has a plan."""
    base = dash.get_relative_path(PAGE["path"])
    with connect() as connection:
        years = compute_years(connection)
        chosen, problem = pick_year(year, years, today().year)
        data = read_year(connection, chosen) if chosen else None
    links = [year_links([(number, str(number)) for number in years], data.year if data else None, base, YEARS_ID, "Fiscal year:")] if years else []
    if data is None:
        return [html.H1("Compute"), html.P(problem, id=MESSAGE_ID, className="error"), *links]
    return [
        html.H1(f"Compute {data.year}"),
        html.P(
            "The facility's accelerators and how they are shared: capacity and its use, each member's quota and use, "
            "use against contribution, use per month and by safety level, with every figure as a table and as CSV."
        ),
        *links,
        *year_content(data),
    ]


PAGE = {
    "path": "/compute",
    "name": "Compute",
    "title": "Compute · Member Ledger",
    "description": "per year: capacity and utilisation, quota and use per member, use against contribution, monthly use, use by safety level",
    "layout": layout,
    "order": 4,
}
