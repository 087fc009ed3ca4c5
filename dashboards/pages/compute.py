"""Compute of one fiscal year: capacity and utilisation, quota and use per member, the fairness measure, monthly use, use by safety level.

The year comes from the query string (?year=2025), so every view is a shareable address.
Each chart has the same figures as a table beside it and that table as CSV. Plain functions
build the figures and tables from ledger.queries.compute and ledger.queries.usage;
`layout` only reads and assembles, and the tests call the plain functions directly.

Units: reference GPU-hours (one hour of one GPU of normalisation factor 1). Capacity and
quotas are whole hours; usage and the ledger's other lines are exact to a thousandth.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from itertools import cycle

import dash
import plotly.graph_objects as go
from dash import html

from dashboards.components import (
    Cell,
    SectionIds,
    Source,
    TableData,
    bar_height,
    chart_table_csv,
    headline_figures,
    hours_cell,
    member_cell,
    section,
    styled,
    table_and_csv,
    year_in_query,
    year_links,
)
from ledger.formatting import format_compact_quantity, format_fixed, format_gpu_ms, format_quantity, format_rounded_percent
from ledger.state import connect, today
from ledger.domain.compute import REFERENCE_GPU_MS_PER_GPU_HOUR, SafetyLevel, gpu_hours
from ledger.queries.compute import ComputeYear, MemberCompute, compute_year, compute_years
from ledger.queries.usage import Usage, monthly_usage, monthly_usage_by_member, usage_by_safety_level

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

NO_COMPUTE = "No compute year has a capacity plan yet: capacity, quotas and usage appear here once the secretariat records a year's plan."
FROZEN_STATE = "frozen: member suspended, quota kept but not usable"
FAIRNESS_NOTE = (
    "Quotas follow contributions, as in Council Regulation (EU) 2021/1173 on the EuroHPC Joint Undertaking, whose Art. 17 "
    "shares access time to its supercomputers “directly proportional” to the financial contributions. The measure shows whether use follows: "
    "1.0 is use exactly in proportion to the contribution, above 1.0 more, below 1.0 less. Quota transfers adopted by the board "
    "and quota left unused move it too, so a value far from 1.0 is a question to ask, not by itself a breach."
)
COLOURS = {"quota": "#0b5394", "used": "#b45f06", "unallocated": "#c9ced6", "ratio": "#0b5394", "level": "#0b5394"}
RESERVE_COLOURS = ("#5f6670", "#8a929c", "#3d434a", "#a9b0b8")
# Eight colours at most tell series apart (Okabe and Ito's colour-blind-safe palette, black
# swapped for grey); the stacked months name the seven largest users and group the rest.
MEMBER_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#6b6b6b")


@dataclass(frozen=True, slots=True)
class ComputePage:
    """Everything the page shows for one year, as read from ledger.queries."""

    compute: ComputeYear
    months: tuple[Usage, ...]  # all members' usage per month
    member_months: Mapping[str, Mapping[str, int]]  # per member with usage, by code: reference GPU-ms by month
    levels: tuple[Usage, ...]

    @property
    def year(self) -> int:
        return self.compute.year


# --------------------------------------------------------------------------- choosing the year


def default_year(years: Sequence[int], this_year: int) -> int:
    """The latest planned year not after this one (a plan may be recorded ahead); else the nearest ahead."""
    return next((year for year in years if year <= this_year), years[-1])


def pick_year(raw: object, years: Sequence[int], this_year: int) -> tuple[int | None, str | None]:
    """The year the query string asks for (years newest first; default: `default_year`), or why there is none to show."""
    if not years:
        return None, NO_COMPUTE
    shown = default_year(years, this_year)
    if raw is None:
        return shown, None
    number, problem = year_in_query(raw, shown)
    if number is not None and number not in years:
        return None, f"No capacity plan is recorded for {number}. Choose one of the years below."
    return number, problem


def read_year(connection, year: int) -> ComputePage:
    """Everything the page shows for `year`, read through ledger.queries."""
    compute = compute_year(connection, year)
    if compute is None:
        raise LookupError(f"no capacity plan for {year}")
    # the API and the reports list members by code; the pages by name, as every public page does
    compute = replace(compute, members=tuple(sorted(compute.members, key=lambda member: (member.name, member.code))))
    by_member = monthly_usage_by_member(connection, year)
    return ComputePage(
        compute=compute,
        months=tuple(monthly_usage(connection, year)),
        # the members the page names, by name as everywhere
        member_months={member.code: by_member[member.code] for member in compute.members if member.used_ms and member.code in by_member},
        levels=tuple(usage_by_safety_level(connection, year)),
    )


# --------------------------------------------------------------------------- formatting


def _whole(count: int) -> Cell:
    """A whole number (GPUs, whole GPU-hours): grouped on the page, plain in the CSV."""
    return Cell(format_fixed(count, 0), str(count))


def _plotted(ms: int) -> float:
    # Charts only: plotly needs numbers; the exact text goes into the hover and the tables.
    return float(gpu_hours(ms))


def _rounded(value: Decimal) -> str:
    """A percentage or a ratio to a thousandth, rounded half up."""
    return f"{value.quantize(Decimal('0.001'), rounding=ROUND_HALF_UP):f}"


def utilisation_text(percent: Decimal) -> str:
    """A utilisation with two significant digits however small (0.25%, 42%): its point is how much is left unused."""
    digits = max(0, 1 - percent.adjusted()) if percent else 0
    return format_rounded_percent(percent, min(digits, 4))


def _share(part: int, whole: int) -> str:
    return _rounded(Decimal(100 * part) / whole) if whole else _rounded(Decimal(0))


def _exact(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros (90, 2.5, 1182600)."""
    return f"{value.normalize():f}"


def _grouped(value: Decimal) -> Cell:
    """A decimal with all its digits, grouped on the page (1,182,600), plain in the CSV (1182600)."""
    return Cell(format_quantity(value.normalize()), _exact(value))


def _reserve_label(name: str) -> str:
    return f"Reserve: {name.replace('_', ' ')}"


def member_label(member: MemberCompute) -> str:
    """The member's name, saying so when its quota is frozen: the state in words, not in colour only."""
    return f"{member.name} (quota frozen)" if member.frozen else member.name


# --------------------------------------------------------------------------- 1. capacity and utilisation


def capacity_parts(compute: ComputeYear) -> list[tuple[str, int]]:
    """How the capacity is split, in whole GPU-hours: each reserve, the members' quotas, and what is not allocated (if any)."""
    quotas = sum(member.quota_gpu_hours for member in compute.members)
    parts = [(_reserve_label(reserve.name), reserve.gpu_hours) for reserve in compute.reserves]
    parts.append(("Members' quotas", quotas))
    rest = compute.capacity_gpu_hours - compute.reserved_gpu_hours - quotas
    if rest:
        parts.append(("Not allocated", rest))
    return parts


def capacity_table(compute: ComputeYear) -> TableData:
    """The capacity, its parts, and the members' use with its share of the capacity (the utilisation)."""
    capacity = compute.capacity_gpu_hours
    capacity_ms = capacity * REFERENCE_GPU_MS_PER_GPU_HOUR
    return TableData(
        caption=f"Capacity of {compute.year} in reference GPU-hours: reserves, members' quotas, and use",
        header=("Part", "Reference GPU-hours", "Share of capacity (%)"),
        rows=(
            ("Capacity", _whole(capacity), _share(capacity, capacity)),
            *((label, _whole(hours), _share(hours, capacity)) for label, hours in capacity_parts(compute)),
            ("Used by members", hours_cell(compute.used_ms), _share(compute.used_ms, capacity_ms)),
        ),
        row_header=0,
        numeric=frozenset({1, 2}),
    )


def capacity_figure(compute: ComputeYear) -> go.Figure:
    """Two horizontal bars: the capacity split into its parts, and the members' use beside it."""
    figure = go.Figure()
    reserve_colours = cycle(RESERVE_COLOURS)
    for label, hours in capacity_parts(compute):
        colour = COLOURS["quota"] if label == "Members' quotas" else COLOURS["unallocated"] if label == "Not allocated" else next(reserve_colours)
        figure.add_trace(
            go.Bar(
                name=label, orientation="h", y=["Capacity"], x=[hours], marker_color=colour,
                hovertemplate=f"{label}: %{{x:,}} GPU-hours<extra></extra>",
            )
        )
    # The use is printed beside its bar: at a fraction of a percent of the capacity the bar itself is a hairline.
    figure.add_trace(
        go.Bar(
            name="Used by members", orientation="h", y=["Used"], x=[_plotted(compute.used_ms)], marker_color=COLOURS["used"],
            text=[f"{format_compact_quantity(gpu_hours(compute.used_ms))} GPU-hours, {utilisation_text(compute.utilisation)} of capacity"],
            textposition="outside", cliponaxis=False,
            customdata=[format_gpu_ms(compute.used_ms)], hovertemplate="Used by members: %{customdata} GPU-hours<extra></extra>",
        )
    )
    figure = styled(figure, 280, barmode="stack", xaxis_title="Reference GPU-hours")
    figure.update_yaxes(categoryorder="array", categoryarray=["Capacity", "Used"], autorange="reversed", ticksuffix="  ")
    figure.update_xaxes(rangemode="tozero")
    return figure


def pools_table(compute: ComputeYear) -> TableData:
    """Each accelerator pool of the plan and the reference GPU-hours it gives in the year."""
    return TableData(
        caption=f"Accelerator pools of {compute.year}: {compute.hours_in_year} hours in the year, the total rounded down to whole GPU-hours",
        header=("GPU type", "GPUs", "Availability (%)", "Factor (reference GPU-hours per hour)", "Reference GPU-hours"),
        rows=tuple(
            (
                pool.gpu_type, _whole(pool.count), _exact(pool.availability * 100), _exact(pool.factor),
                _grouped(pool.count * compute.hours_in_year * pool.availability * pool.factor),
            )
            for pool in compute.pools
        ),
        totals=(f"Total, {len(compute.pools)} pools", _whole(compute.gpus), "", "", _whole(compute.capacity_gpu_hours)),
        row_header=0,
        numeric=frozenset({1, 2, 3, 4}),
    )


# --------------------------------------------------------------------------- 2. quota and use per member


QUOTA_COLUMNS = ("quota", "carried_in", "transferred", "adjusted", "used", "year_end", "balance")


def quota_figures(member: MemberCompute) -> dict[str, int]:
    """A member's ledger in reference GPU-ms, by column of the quota table."""
    return {
        "quota": member.quota_ms,
        "carried_in": member.carried_in_ms,
        "transferred": member.transferred_ms,
        "adjusted": member.adjusted_ms,
        "used": member.used_ms,
        "year_end": member.carried_out_ms + member.forfeited_ms,
        "balance": member.balance_ms,
    }


def quota_table(compute: ComputeYear) -> TableData:
    """Per member: quota, every other kind of ledger line, use and balance; frozen quotas said in words."""
    members = compute.members
    figures = [quota_figures(member) for member in members]
    return TableData(
        caption=f"Quota and use per member, {compute.year}, in reference GPU-hours",
        header=(
            "Code", "Member", "Quota (GPU-h)", "Carried in (GPU-h)", "Transferred (GPU-h)", "Adjusted (GPU-h)", "Used (GPU-h)",
            "Carried out and forfeited (GPU-h)", "Balance (GPU-h)", "Quota state",
        ),
        rows=tuple(
            (member.code, member_cell(member.code, member.name), *(hours_cell(by_column[column]) for column in QUOTA_COLUMNS), FROZEN_STATE if member.frozen else "usable")
            for member, by_column in zip(members, figures)
        ),
        totals=(
            "", f"Total, {len(members)} members",
            *(hours_cell(sum(by_column[column] for by_column in figures)) for column in QUOTA_COLUMNS),
            f"{sum(member.frozen for member in members)} frozen",
        ),
        row_header=1,
        numeric=frozenset(range(2, 9)),
    )


def used_of_quota(member: MemberCompute) -> str:
    """What a member used, compact, and as a share of its quota: the text printed on its "used" bar."""
    used = f"{format_compact_quantity(gpu_hours(member.used_ms))} used"
    return f"{used}, {utilisation_text(Decimal(100 * member.used_ms) / member.quota_ms)} of quota" if member.quota_ms else used


def quota_figure(compute: ComputeYear) -> go.Figure:
    """Per member, two bars: its quota and its use, the use printed beside its bar (often too small to see); a frozen quota is named so beside the member."""
    members = compute.members
    labels = [member_label(member) for member in members]
    figure = go.Figure()
    for name, label, values, texts in (
        ("quota", "Quota", [member.quota_ms for member in members], None),
        ("used", "Used", [member.used_ms for member in members], [used_of_quota(member) for member in members]),
    ):
        figure.add_trace(
            go.Bar(
                name=label,
                orientation="h",
                y=labels,
                x=[_plotted(ms) for ms in values],
                customdata=[format_gpu_ms(ms) for ms in values],
                hovertemplate=f"%{{y}}: {label.lower()} %{{customdata}} GPU-hours<extra></extra>",
                marker_color=COLOURS[name],
                **({"text": texts, "textposition": "outside", "cliponaxis": False} if texts else {}),
            )
        )
    figure = styled(figure, bar_height(len(members), 40), barmode="group", xaxis_title="Reference GPU-hours")
    figure.update_yaxes(categoryorder="array", categoryarray=labels, autorange="reversed", ticksuffix="  ")
    figure.update_xaxes(rangemode="tozero")
    return figure


# --------------------------------------------------------------------------- 3. fairness


def fairness_table(compute: ComputeYear) -> TableData:
    """Per member: contribution share, usage share and their ratio."""
    members = compute.members
    return TableData(
        caption=f"Usage share ÷ contribution share per member, {compute.year} (1.000: use in proportion to the contribution)",
        header=("Code", "Member", "Contribution share (%)", "Usage share (%)", "Usage share ÷ contribution share"),
        rows=tuple(
            (
                member.code, member_cell(member.code, member.name), _rounded(member.contribution_share), _rounded(member.usage_share),
                _rounded(member.ratio) if member.ratio is not None else "none: no contribution assessed",
            )
            for member in members
        ),
        totals=(
            "", f"Total, {len(members)} members",
            _rounded(sum((member.contribution_share for member in members), Decimal(0))),
            _rounded(sum((member.usage_share for member in members), Decimal(0))),
            "",
        ),
        row_header=1,
        numeric=frozenset({2, 3, 4}),
    )


def fairness_figure(compute: ComputeYear) -> go.Figure:
    """The ratio per member as a bar, its value written beside it, against a line at 1.0."""
    measured = [member for member in compute.members if member.ratio is not None]
    labels = [member.name for member in measured]
    ratios = [_rounded(member.ratio) for member in measured]
    figure = go.Figure(
        go.Bar(
            name="Usage share ÷ contribution share",
            orientation="h",
            y=labels,
            x=[float(member.ratio) for member in measured],
            text=ratios,
            textposition="outside",
            cliponaxis=False,
            customdata=[[_rounded(member.usage_share), _rounded(member.contribution_share)] for member in measured],
            hovertemplate="%{y}: %{text} (usage %{customdata[0]} % ÷ contribution %{customdata[1]} %)<extra></extra>",
            marker_color=COLOURS["ratio"],
        )
    )
    figure.add_vline(x=1, line_dash="dash", line_color="#1b1f24", layer="below", annotation_text="1.0: in proportion", annotation_position="top")
    figure = styled(figure, bar_height(len(measured), 30) + 30, xaxis_title="Usage share ÷ contribution share", showlegend=False)
    figure.update_yaxes(categoryorder="array", categoryarray=labels, autorange="reversed", ticksuffix="  ")
    figure.update_xaxes(rangemode="tozero")
    figure.update_layout(margin={"r": 60, "t": 40})
    return figure


# --------------------------------------------------------------------------- 4. monthly use


def monthly_table(data: ComputePage) -> TableData:
    """Members (rows) by months (columns) with each member's total; the foot totals each month."""
    months = [row.group for row in data.months]
    names = {member.code: member.name for member in data.compute.members}
    return TableData(
        caption=f"Use per member and month, {data.year}, in reference GPU-hours (months in UTC; a job crossing a month end is split by time)",
        header=("Code", "Member", *months, "Year"),
        rows=tuple(
            (
                code, member_cell(code, names[code]),
                *(hours_cell(by_month.get(month, 0)) for month in months),
                hours_cell(sum(by_month.values())),
            )
            for code, by_month in data.member_months.items()
        ),
        totals=(
            "", f"Total, {len(data.member_months)} members",
            *(hours_cell(row.reference_gpu_ms) for row in data.months),
            hours_cell(sum(row.reference_gpu_ms for row in data.months)),
        ),
        row_header=1,
        numeric=frozenset(range(2, len(months) + 3)),
    )


def monthly_series(data: ComputePage) -> list[tuple[str, dict[str, int]]]:
    """The stacked series: the members with the most use in the year, by name, and the rest summed as "Others".

    At most len(MEMBER_COLOURS) series, so each has a colour told apart from the others; the
    table below the chart keeps every member.
    """
    names = {member.code: member.name for member in data.compute.members}
    ranked = sorted(data.member_months, key=lambda code: (-sum(data.member_months[code].values()), names[code]))
    named = len(ranked) if len(ranked) <= len(MEMBER_COLOURS) else len(MEMBER_COLOURS) - 1
    series = [(names[code], dict(data.member_months[code])) for code in sorted(ranked[:named], key=lambda code: names[code])]
    others: dict[str, int] = {}
    for code in ranked[named:]:
        for month, ms in data.member_months[code].items():
            others[month] = others.get(month, 0) + ms
    return series + ([(f"Others ({len(ranked) - named} members)", others)] if others else [])


def monthly_figure(data: ComputePage) -> go.Figure:
    """Use per month, stacked by member: the largest users by name, the rest as "Others"."""
    months = [row.group for row in data.months]
    figure = go.Figure()
    for (name, by_month), colour in zip(monthly_series(data), MEMBER_COLOURS):
        figure.add_trace(
            go.Bar(
                name=name,
                x=months,
                y=[_plotted(by_month.get(month, 0)) for month in months],
                customdata=[format_gpu_ms(by_month.get(month, 0)) for month in months],
                hovertemplate=f"{name}, %{{x}}: %{{customdata}} GPU-hours<extra></extra>",
                marker_color=colour,
            )
        )
    figure = styled(figure, 420, barmode="stack", yaxis_title="Reference GPU-hours", xaxis_title="Month", legend_title_text="Member")
    figure.update_xaxes(type="category")
    figure.update_yaxes(rangemode="tozero")
    return figure


# --------------------------------------------------------------------------- 5. use by safety level


def level_usage(levels: Sequence[Usage]) -> list[tuple[str, int]]:
    """Every safety level SL-1 to SL-4 with its use in reference GPU-ms, 0 for a level without any."""
    used = {row.group: row.reference_gpu_ms for row in levels}
    return [(level.value, used.get(level.value, 0)) for level in SafetyLevel]


def levels_table(levels: Sequence[Usage], year: int) -> TableData:
    rows = level_usage(levels)
    total = sum(ms for _, ms in rows)
    return TableData(
        caption=f"Use by the safety level of the projects, {year}, in reference GPU-hours",
        header=("Safety level", "Used (GPU-h)", "Share of the year's use (%)"),
        rows=tuple((level, hours_cell(ms), _share(ms, total)) for level, ms in rows),
        totals=("Total", hours_cell(total), _share(total, total)),
        row_header=0,
        numeric=frozenset({1, 2}),
    )


def levels_figure(levels: Sequence[Usage]) -> go.Figure:
    rows = level_usage(levels)
    figure = go.Figure(
        go.Bar(
            name="Used",
            x=[level for level, _ in rows],
            y=[_plotted(ms) for _, ms in rows],
            text=[format_gpu_ms(ms) for _, ms in rows],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{x}: %{text} GPU-hours<extra></extra>",
            marker_color=COLOURS["level"],
        )
    )
    figure = styled(figure, 340, yaxis_title="Reference GPU-hours", xaxis_title="Safety level", showlegend=False)
    figure.update_yaxes(rangemode="tozero")
    figure.update_layout(margin={"t": 30})
    return figure


# --------------------------------------------------------------------------- the page


def status_text(compute: ComputeYear) -> str:
    """Which plan the figures follow and how far the year's ledger is."""
    reserves = ", ".join(f"{_exact(reserve.percent)} % for {reserve.name.replace('_', ' ')}" for reserve in compute.reserves if reserve.percent)
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
