"""The annual report's charts, drawn with ReportLab's graphics so they are vectors in the PDF and use its fonts;
each is drawn from the record's own figures."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.platypus import Flowable, KeepTogether, Paragraph

from ledger.domain.compute import REFERENCE_GPU_MS_PER_GPU_HOUR
from ledger.domain.money import to_decimal
from ledger.reports import model
from ledger.formatting import format_quantity
from ledger.reports.render.page import (
    ACCENT,
    BODY_FONT,
    BOLD_FONT,
    INK,
    Look,
    MARGIN,
    PAGE_SIZE,
    RULE,
    SERIES,
    WEIGHT_GREY,
    ZEBRA,
)


CHART_WIDTH = PAGE_SIZE[0] - 2 * MARGIN


def _style_axis_labels(*axes) -> None:
    for axis in axes:
        axis.labels.fontName = BODY_FONT
        axis.labels.fontSize = 6.5
        axis.strokeColor = RULE
        axis.strokeWidth = 0.5


def _legend(x: float, y: float, entries: Sequence[tuple[colors.Color, str]]) -> Legend:
    legend = Legend()
    legend.x, legend.y = x, y
    legend.fontName, legend.fontSize = BODY_FONT, 7
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.boxAnchor = "sw"
    legend.deltax = 110
    legend.dx = legend.dy = 7
    legend.colorNamePairs = list(entries)
    return legend


def _drawing(height: float) -> Drawing:
    """A chart's canvas, the width of the text; its initial font is the report's, not Helvetica."""
    drawing = Drawing(CHART_WIDTH, height)
    drawing.initialFontName = BODY_FONT
    return drawing


def _chart_title(drawing: Drawing, text: str) -> None:
    drawing.add(String(0, drawing.height - 10, text, fontName=BOLD_FONT, fontSize=8.5, fillColor=INK))


def _millions(minor: int, currency: str) -> float:
    # Charts are drawn, not read to the cent: floats are fine here and nowhere else.
    return float(to_decimal(minor, currency)) / 1_000_000


def _member_bars(names: Sequence[str], height: float, series: Sequence[tuple[colors.Color, Sequence[float]]],
                 look: Look, *, bar_spacing: float, group_spacing: float) -> HorizontalBarChart:
    """Horizontal bars, one group per member in the order given (the first on top), one bar per series."""
    chart = HorizontalBarChart()
    chart.x, chart.y = 120, 18
    chart.width, chart.height = CHART_WIDTH - 130, height
    # The bar chart draws its first category at the bottom; reversed, the first is on top.
    chart.data = [list(reversed(values)) for _color, values in series]
    chart.categoryAxis.categoryNames = list(reversed(names))
    for index, (color, _values) in enumerate(series):
        chart.bars[index].fillColor = color
    chart.bars.strokeWidth = 0
    chart.barSpacing, chart.groupSpacing = bar_spacing, group_spacing
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labelTextFormat = lambda value: format_quantity(Decimal(int(value)), look.locale)
    chart.valueAxis.visibleGrid, chart.valueAxis.gridStrokeColor, chart.valueAxis.gridStrokeWidth = 1, ZEBRA, 0.5
    _style_axis_labels(chart.categoryAxis, chart.valueAxis)
    chart.categoryAxis.labels.boxAnchor = "e"
    return chart


def assessed_and_settled_chart(report: model.AnnualReport, look: Look) -> Drawing:
    """Each member's assessment against what it has settled (cash and credited in kind), largest first."""
    t = look.t
    lines = sorted(report.contributions, key=lambda line: (-line.assessed_minor, line.name))
    bar_room = 9.5
    height = 40 + bar_room * len(lines)
    drawing = _drawing(height)
    _chart_title(drawing, t("Assessed and settled per member, millions of {currency}", currency=report.currency))
    drawing.add(_member_bars(
        [line.name for line in lines], height - 45,
        [(INK, [_millions(line.assessed_minor, report.currency) for line in lines]),
         (ACCENT, [_millions(line.paid_minor + line.in_kind_minor, report.currency) for line in lines])],
        look, bar_spacing=0.5, group_spacing=2.5))
    drawing.add(_legend(CHART_WIDTH - 240, height - 14, [(INK, t("Assessed")), (ACCENT, t("Settled (cash and in kind)"))]))
    return drawing


def shares_chart(report: model.AnnualReport, look: Look, members: int = len(SERIES) - 1) -> Drawing | None:
    """The largest members' shares in each year of the scales adopted so far, the rest as one line."""
    t = look.t
    periods = report.scale_history
    if not periods:
        return None
    years = list(range(periods[0].first_year, max(report.year, periods[-1].first_year) + 1))
    in_force = {year: dict(period.shares) for period in periods for year in range(period.first_year, period.last_year + 1)}
    current = {row.code: row.share_pct for row in report.scale.rows}
    largest = sorted(current, key=lambda code: (-current[code], code))[:members]
    names = {row.code: row.name for row in report.scale.rows}
    series = [[float(in_force.get(year, {}).get(code, 0)) for year in years] for code in largest]
    series.append([float(sum(in_force.get(year, {}).values(), Decimal(0))) - sum(values[index] for values in series)
                   for index, year in enumerate(years)])
    drawing = _drawing(190)
    _chart_title(drawing, t("Shares of the scale by year, percent"))
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 30, 20, CHART_WIDTH - 170, 150
    chart.data = series
    chart.categoryAxis.categoryNames = [str(year) for year in years]
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labelTextFormat = lambda value: format_quantity(Decimal(int(value)), look.locale)
    for index, color in enumerate(SERIES[:len(series)]):
        chart.lines[index].strokeColor = color
        chart.lines[index].strokeWidth = 1.6
    _style_axis_labels(chart.categoryAxis, chart.valueAxis)
    drawing.add(chart)
    entries = [(SERIES[index], names.get(code, code)) for index, code in enumerate(largest)]
    entries.append((SERIES[len(largest)], t("All other members")))
    legend = _legend(CHART_WIDTH - 130, 160, entries)
    legend.columnMaximum = len(entries)
    legend.boxAnchor = "nw"
    drawing.add(legend)
    return drawing


def monthly_use_chart(report: model.AnnualReport, look: Look) -> Drawing | None:
    """The year's use per month, in thousands of reference GPU-hours."""
    compute = report.compute
    if compute is None or not compute.monthly_ms:
        return None
    t = look.t
    used = dict(compute.monthly_ms)
    months = [f"{report.year:04d}-{month:02d}" for month in range(1, 13)]
    drawing = _drawing(170)
    _chart_title(drawing, t("Use per month, thousands of reference GPU-hours"))
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 40, 20, CHART_WIDTH - 50, 125
    chart.data = [[used.get(month, 0) / REFERENCE_GPU_MS_PER_GPU_HOUR / 1000 for month in months]]
    chart.categoryAxis.categoryNames = [t(MONTH_ABBREVIATIONS[number]) for number in range(12)]
    chart.bars[0].fillColor = INK
    chart.bars.strokeWidth = 0
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labelTextFormat = lambda value: format_quantity(Decimal(int(value)), look.locale)
    chart.valueAxis.visibleGrid, chart.valueAxis.gridStrokeColor, chart.valueAxis.gridStrokeWidth = 1, ZEBRA, 0.5
    _style_axis_labels(chart.categoryAxis, chart.valueAxis)
    drawing.add(chart)
    return drawing


def _weight_and_power_chart(motion: model.WeightAndPower, look: Look, largest: int = 10) -> Drawing:
    """The largest members' share of the votes beside their Banzhaf and Shapley-Shubik power, largest on top."""
    t = look.t
    shown = motion.members[:largest]
    bar_room = 15
    height = 58 + bar_room * len(shown)
    drawing = _drawing(height)
    _chart_title(drawing, t("Weight against voting power, motion {number}, percent", number=motion.number))
    drawing.add(_member_bars(
        [member.name for member in shown], height - 64,
        [(color, [float(getattr(member, name)) for member in shown])
         for color, name in ((WEIGHT_GREY, "weight_pct"), (INK, "banzhaf_pct"), (ACCENT, "shapley_shubik_pct"))],
        look, bar_spacing=0.3, group_spacing=3))
    legend = _legend(120, height - 32, [(WEIGHT_GREY, t("Share of the votes")), (INK, t("Banzhaf index")),
                                                      (ACCENT, t("Shapley-Shubik index"))])
    legend.deltax = 105
    drawing.add(legend)
    return drawing


def weight_and_power(report: model.AnnualReport, look: Look) -> list[Flowable]:
    """The year's weighted motions: a chart each, a sentence saying what it shows, its figures attached as CSV."""
    t = look.t
    flowables: list[Flowable] = []
    for motion in report.weight_and_power:
        rounding = (t("weights rounded to {parts} parts of the total", parts=look.quantity(motion.rounded_parts))
                    if motion.rounded_parts else t("exact weights"))
        caption = t("Motion {number}, {title}, under the rule {rule}: the weights are {basis}, for the {members} members "
                    "entitled to vote; a power index is a member's share of the positions in which its vote decides the "
                    "outcome, under the whole rule ({rounding}). The ten largest weights are drawn; every member's figures "
                    "are in the attached file {file}.", number=motion.number, title=motion.title, rule=motion.rule,
                    basis=motion.basis, members=len(motion.members), rounding=rounding,
                    file=f"weight-and-power-{motion.number}.csv")
        if motion.also_decided:
            caption += " " + t("The same rule and weights also decided motions {numbers}.",
                               numbers=", ".join(map(str, motion.also_decided)))
        look.keep_data(f"weight-and-power-{motion.number}", ("code", "member", "weight_pct", "banzhaf_pct", "shapley_shubik_pct"),
                       [(member.code, member.name, str(member.weight_pct), str(member.banzhaf_pct),
                         str(member.shapley_shubik_pct)) for member in motion.members])
        flowables.append(KeepTogether([_weight_and_power_chart(motion, look), Paragraph(escape(caption), look.styles["Caption"])]))
    return flowables


MONTH_ABBREVIATIONS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
