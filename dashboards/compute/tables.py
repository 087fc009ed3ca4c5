"""The compute page's tables and charts, each a plain function of what the page read (dashboards.compute.read).

Each chart has a table with the same figures (TableData), which the page shows beside it
and offers as CSV. Units: reference GPU-hours (one hour of one GPU of normalisation factor 1);
capacity and quotas are whole hours, usage and the ledger's other lines exact to a thousandth.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from itertools import cycle

import plotly.graph_objects as go

from dashboards.components import Cell, TableData, bar_height, hours_cell, member_cell, styled
from ledger.formatting import (
    format_compact_quantity,
    format_fixed,
    format_gpu_ms,
    format_quantity,
    format_rounded_percent,
)
from ledger.domain.compute import REFERENCE_GPU_MS_PER_GPU_HOUR, SafetyLevel, gpu_hours
from ledger.queries.compute import ComputeYear, MemberCompute
from ledger.queries.usage import Usage
from dashboards.compute.read import ComputePage

FROZEN_STATE = "frozen: member suspended, quota kept but not usable"

COLOURS = {"quota": "#0b5394", "used": "#b45f06", "unallocated": "#c9ced6", "ratio": "#0b5394", "level": "#0b5394"}
RESERVE_COLOURS = ("#5f6670", "#8a929c", "#3d434a", "#a9b0b8")
# Eight colours at most tell series apart (Okabe and Ito's colour-blind-safe palette, black
# swapped for grey); the stacked months name the seven largest users and group the rest.
MEMBER_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#6b6b6b")

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


def exact_text(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros (90, 2.5, 1182600)."""
    return f"{value.normalize():f}"


def _grouped(value: Decimal) -> Cell:
    """A decimal with all its digits, grouped on the page (1,182,600), plain in the CSV (1182600)."""
    return Cell(format_quantity(value.normalize()), exact_text(value))


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
                pool.gpu_type, _whole(pool.count), exact_text(pool.availability * 100), exact_text(pool.factor),
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
