"""Pieces every dashboard page shares: a table as plain text cells, shown as HTML and offered as CSV.

A page builds a `TableData` from its query results once; the HTML table and the CSV file
are both made from it, so the download holds exactly the figures the page shows. A figure
is a `Cell`: the page prints its readable text (ledger.formatting: "€3,900,000,000.00"),
the CSV and the table's sorting use its exact machine value ("3900000000.00"). Every chart
also names the published dataset it is drawn from (`Source`), with its stable /api/v1 CSV and
JSON addresses and its entry in the data catalogue (ledger.queries.catalogue).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import quote

import plotly.graph_objects as go
from dash import dcc, html

from ledger.queries.catalogue import BY_KEY
from ledger.queries.journal import receipt_path
from ledger.domain.compute import gpu_hours
from ledger.domain.money import format_minor
from ledger.formatting import format_gpu_ms, format_money

GRAPH_CONFIG = {"displaylogo": False, "responsive": True}
FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "color": "#1b1f24"}
YEAR_PATTERN = re.compile(r"[0-9]{4}")
# Amounts line up by their decimal point only when right-aligned in equal-width digits.
NUMBER_STYLE = {"textAlign": "right", "fontVariantNumeric": "tabular-nums", "whiteSpace": "nowrap"}


@dataclass(frozen=True, slots=True)
class Cell:
    """A figure as the page prints it (`text`) and as a machine reads it (`value`, exact, no grouping);
    `href`: where the cell's text links to (a member's name to its profile)."""

    text: str
    value: str
    href: str | None = None

    def __str__(self) -> str:
        return self.text


def shown(cell: str | Cell) -> str:
    """What the page prints in a cell."""
    return cell.text if isinstance(cell, Cell) else cell


def exact(cell: str | Cell) -> str:
    """What the CSV holds for a cell."""
    return cell.value if isinstance(cell, Cell) else cell


def money_cell(minor: int, currency: str) -> Cell:
    """An amount for a table: in full with its sign and grouping on the page ("€1,234.50"), the exact decimal in the CSV ("1234.50")."""
    return Cell(format_money(minor, currency), format_minor(minor, currency))


def hours_cell(ms: int) -> Cell:
    """Reference GPU-ms as GPU-hours to the thousandth the API and the reports give: grouped on the page, plain in the CSV."""
    return Cell(format_gpu_ms(ms), f"{gpu_hours(ms):f}")


MEMBER_PROFILE = "/dashboards/members/{code}"


def member_href(code: str) -> str:
    """The address of a member's profile page."""
    return MEMBER_PROFILE.format(code=code)


def member_cell(code: str, name: str) -> Cell:
    """A member's name linking to its profile (the CSV keeps the bare name)."""
    return Cell(name, name, member_href(code))


def _content(cell: str | Cell):
    return dcc.Link(cell.text, href=cell.href) if isinstance(cell, Cell) and cell.href else shown(cell)


@dataclass(frozen=True, slots=True)
class TableData:
    """A table's caption, column names and rows, every cell already text.

    totals: a closing line shown in the table's foot. The CSV leaves it out: its lines are
    the records, and a reader summing a column would otherwise count everything twice.
    row_header: the column whose cell names its row (read out by screen readers with each cell).
    numeric: the columns holding numbers, aligned right.
    receipt_column: the column holding the sequence number of the journal entry that recorded
    each row; the page links it to the entry's receipt, the CSV keeps the number.
    """

    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str | Cell, ...], ...]
    totals: tuple[str | Cell, ...] | None = None
    row_header: int | None = None
    numeric: frozenset[int] = frozenset()
    receipt_column: int | None = None

    @property
    def values(self) -> tuple[tuple[str, ...], ...]:
        """The rows as the CSV holds them: every figure exact."""
        return tuple(tuple(exact(cell) for cell in row) for row in self.rows)

    @property
    def total_values(self) -> tuple[str, ...] | None:
        """The totals line with every figure exact."""
        return tuple(exact(cell) for cell in self.totals) if self.totals else None

    @property
    def texts(self) -> tuple[tuple[str, ...], ...]:
        """The rows as the page prints them."""
        return tuple(tuple(shown(cell) for cell in row) for row in self.rows)

    def __post_init__(self):
        widths = {len(row) for row in self.rows} | ({len(self.totals)} if self.totals else set())
        if widths - {len(self.header)}:
            raise ValueError(f"every row needs {len(self.header)} cells, one per column of {self.header}")


def csv_text(table: TableData) -> str:
    """The table's header and rows as CSV (RFC 4180: comma-separated, CRLF line ends)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.header)
    writer.writerows(table.values)
    return out.getvalue()


def csv_href(text: str) -> str:
    """A data: URL holding the CSV text itself, so the download needs no request to the server."""
    return "data:text/csv;charset=utf-8," + quote(text, safe="")


def csv_link(table: TableData, filename: str, label: str, link_id: str) -> html.A:
    """A link that saves the table as `filename`."""
    return html.A(label, href=csv_href(csv_text(table)), download=filename, id=link_id)


def html_table(table: TableData, table_id: str, cell_class: Callable[[int, str], str | None] | None = None) -> html.Table:
    """The table with its caption, column headers (scope col) and, where declared, row headers (scope row).

    Each column header is a button that sorts the rows by that column (ledger/web/static/tables.js,
    which marks the sorted header with aria-sort); a figure's cell carries its exact value in
    data-value, so the rows sort by the number, not by its grouped text.
    cell_class: given a body cell's column and text, the CSS class to mark it with (or None),
    for tables whose cells carry a state in colour as well as in words.
    """

    def aligned(i: int) -> dict:
        return {"style": NUMBER_STYLE} if i in table.numeric else {}

    def marked(i: int, cell: str | Cell, body: bool) -> dict:
        name = cell_class(i, shown(cell)) if body and cell_class else None
        value = {"data-value": cell.value} if isinstance(cell, Cell) and cell.value != cell.text else {}
        return {**value, "className": name} if name else value

    def content(i: int, cell: str | Cell, body: bool):
        # a receipt column holds the journal entry's number: the page links it to its receipt
        if body and i == table.receipt_column and shown(cell):
            return receipt_link(int(shown(cell)))
        return _content(cell)

    def cells(values: tuple[str | Cell, ...], body: bool = False) -> list:
        return [
            html.Th(content(i, cell, body), scope="row", **aligned(i), **marked(i, cell, body))
            if i == table.row_header
            else html.Td(content(i, cell, body), **aligned(i), **marked(i, cell, body))
            for i, cell in enumerate(values)
        ]

    def column(i: int, label: str) -> html.Th:
        button = html.Button(label, type="button", className="sort", title=f"Sort by {label}")
        return html.Th(button, scope="col", **aligned(i))

    parts = [
        html.Caption(table.caption),
        html.Thead(html.Tr([column(i, label) for i, label in enumerate(table.header)])),
        html.Tbody([html.Tr(cells(row, body=True)) for row in table.rows]),
    ]
    if table.totals:
        parts.append(html.Tfoot(html.Tr(cells(table.totals))))
    return html.Table(parts, id=table_id, className="sortable")


FILTERED_FROM = 6
"""Tables of this many rows or more get a filter box: a shorter one is read at a glance."""


def table_box(table: TableData, table_id: str, cell_class: Callable[[int, str], str | None] | None = None) -> html.Div:
    """The table in a box of its own that scrolls sideways on a narrow screen (so the page never does),
    taking the focus so a keyboard can scroll it; above it, for a long table, a labelled filter box
    that hides the rows not containing the words typed (tables.js) and says how many remain."""
    region = html.Div(
        html_table(table, table_id, cell_class), id=f"{table_id}-region", role="region", tabIndex=0, className="table-scroll",
        **{"aria-label": f"{table.caption} (scrolls sideways when wider than the screen)"},
    )
    if len(table.rows) < FILTERED_FROM:
        return html.Div(region, className="table-box")
    filter_id = f"{table_id}-filter"
    return html.Div(
        [
            html.Div(
                [
                    html.Label("Filter rows", htmlFor=filter_id),
                    dcc.Input(id=filter_id, type="search", autoComplete="off"),
                    html.Span(f"{len(table.rows)} rows", id=f"{filter_id}-count", className="table-count", role="status"),
                ],
                className="table-tools",
            ),
            region,
        ],
        className="table-box",
    )


def receipt_link(seq: int) -> html.A:
    """A link to the public receipt of journal entry `seq`, where a reader checks it against the signed checkpoint."""
    return html.A(f"Receipt #{seq}", href=receipt_path(seq))


def graph(figure: go.Figure, graph_id: str, height: int) -> dcc.Graph:
    """A chart at a fixed height (so the page does not jump while plotly draws)."""
    return dcc.Graph(id=graph_id, figure=figure, config=GRAPH_CONFIG, style={"height": f"{height}px"})


@dataclass(frozen=True, slots=True)
class SectionIds:
    """The ids of one section of a page: the section, its heading, chart, table and CSV link."""

    page: str
    name: str

    @property
    def section(self) -> str:
        return f"{self.page}-{self.name}"

    @property
    def heading(self) -> str:
        return f"{self.section}-heading"

    @property
    def chart(self) -> str:
        return f"{self.section}-chart"

    @property
    def table(self) -> str:
        return f"{self.section}-table"

    @property
    def csv(self) -> str:
        return f"{self.section}-csv"

    @property
    def data(self) -> str:
        return f"{self.section}-data"

    @property
    def data_csv(self) -> str:
        return f"{self.section}-data-csv"


CATALOGUE = "/data/"


@dataclass(frozen=True, slots=True)
class Source:
    """The published dataset a chart is drawn from: its key in the data catalogue and, for a yearly dataset, the year."""

    key: str
    year: int | None = None

    @property
    def name(self) -> str:
        return BY_KEY[self.key].title + (f" {self.year}" if self.year is not None else "")

    def url(self, fmt: str = "json") -> str:
        return BY_KEY[self.key].url(self.year, fmt)


def data_caption(source: Source, ids: SectionIds) -> html.P:
    """"Data: <dataset> (CSV, JSON)": the chart's figures at stable /api/v1 addresses, and the dataset's catalogue entry."""
    name = source.name
    return html.P(
        [
            "Data: ", html.A(name, href=f"{CATALOGUE}#{source.key}"), " (",
            html.A("CSV", href=source.url("csv"), id=ids.data_csv, **{"aria-label": f"{name} as CSV"}), ", ",
            html.A("JSON", href=source.url(), **{"aria-label": f"{name} as JSON"}), ")",
        ],
        id=ids.data,
        className="data-source",
    )


def styled(figure: go.Figure, height: int, **extra) -> go.Figure:
    """The dashboards' look for a figure: white ground, the site's font, legend on top, light grid."""
    figure.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        font=FONT,
        plot_bgcolor="#ffffff",
        paper_bgcolor="#ffffff",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
        hoverlabel={"font": {"family": FONT["family"]}},
        **extra,
    )
    figure.update_xaxes(automargin=True, gridcolor="#e5e5e5", zerolinecolor="#999999")
    figure.update_yaxes(automargin=True, gridcolor="#e5e5e5", zerolinecolor="#999999")
    return figure


def bar_height(count: int, per_bar: int = 26) -> int:
    """Height of a chart with one (group of) horizontal bar(s) per row."""
    return 140 + per_bar * max(count, 1)


def section(ids: SectionIds, title: str, intro: str | list, body: list, level: int = 2) -> html.Section:
    """A section named by its heading (h2, or h3 inside another section), an introduction and its body."""
    heading = html.H2 if level == 2 else html.H3
    return html.Section([heading(title, id=ids.heading), html.P(intro), *body], id=ids.section, **{"aria-labelledby": ids.heading})


def table_and_csv(table: TableData, ids: SectionIds, filename: str) -> list:
    """The table in its scrolling box and a link saving it as CSV."""
    return [table_box(table, ids.table), html.P(csv_link(table, filename, f"Download the table “{table.caption}” as CSV", ids.csv))]


def chart_table_csv(figure: go.Figure, ids: SectionIds, table: TableData, filename: str, *, source: Source) -> list:
    """A chart, the dataset it is drawn from, the same figures as a table, and the table as CSV."""
    return [graph(figure, ids.chart, int(figure.layout.height)), data_caption(source, ids), *table_and_csv(table, ids, filename)]


def year_in_query(raw: object, example: int) -> tuple[int | None, str | None]:
    """The year a query string names (?year=2025), or why it names none; `example` is offered in the message."""
    if not isinstance(raw, str):
        return None, f"Give one year in the address, e.g. ?year={example}; this one names several."
    text = raw.strip()
    if not YEAR_PATTERN.fullmatch(text):
        return None, f"{text[:20]!r} is not a year: give a four-digit year in the address, e.g. ?year={example}."
    return int(text), None


def year_links(years: Sequence[tuple[int, str]], shown: int | None, base: str, nav_id: str, label: str) -> html.Nav:
    """(year, text) pairs as links to ?year=, the shown one marked current: the page's state stays in the address."""
    items = [
        html.Li(html.Strong(text, **{"aria-current": "page"}))
        if year == shown
        else html.Li(dcc.Link(text, href=f"{base}?year={year}"))
        for year, text in years
    ]
    return html.Nav(
        [
            html.Span(label, id=f"{nav_id}-label"),
            html.Ul(items, style={"display": "flex", "flexWrap": "wrap", "gap": "1.25rem", "listStyle": "none", "padding": 0, "margin": 0}),
        ],
        id=nav_id,
        style={"display": "flex", "flexWrap": "wrap", "gap": "1.25rem", "margin": "1rem 0"},
        **{"aria-labelledby": f"{nav_id}-label"},
    )


def headline_figures(figures: Sequence[tuple[str, str]], list_id: str) -> html.Ul:
    """A page's headline figures: each value in large type above what it counts."""
    return html.Ul(
        [html.Li([html.Strong(value, style={"fontSize": "1.2rem"}), label]) for value, label in figures],
        id=list_id,
        className="figures",
        style={"flexWrap": "wrap", "gap": "1rem 2rem"},
    )
