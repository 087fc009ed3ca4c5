"""Pieces every dashboard page shares: a table as plain text cells, shown as HTML and offered as CSV.

A page builds a `TableData` from its query results once; the HTML table and the CSV file
are both made from it, so the download holds exactly the figures the page shows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import plotly.graph_objects as go
from dash import dcc, html

GRAPH_CONFIG = {"displaylogo": False, "responsive": True}
# Amounts line up by their decimal point only when right-aligned in equal-width digits.
NUMBER_STYLE = {"textAlign": "right", "fontVariantNumeric": "tabular-nums", "whiteSpace": "nowrap"}


@dataclass(frozen=True, slots=True)
class TableData:
    """A table's caption, column names and rows, every cell already text.

    totals: a closing line shown in the table's foot. The CSV leaves it out: its lines are
    the records, and a reader summing a column would otherwise count everything twice.
    row_header: the column whose cell names its row (read out by screen readers with each cell).
    numeric: the columns holding numbers, aligned right.
    """

    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    totals: tuple[str, ...] | None = None
    row_header: int | None = None
    numeric: frozenset[int] = frozenset()

    def __post_init__(self):
        widths = {len(row) for row in self.rows} | ({len(self.totals)} if self.totals else set())
        if widths - {len(self.header)}:
            raise ValueError(f"every row needs {len(self.header)} cells, one per column of {self.header}")


def csv_text(table: TableData) -> str:
    """The table's header and rows as CSV (RFC 4180: comma-separated, CRLF line ends)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.header)
    writer.writerows(table.rows)
    return out.getvalue()


def csv_href(text: str) -> str:
    """A data: URL holding the CSV text itself, so the download needs no request to the server."""
    return "data:text/csv;charset=utf-8," + quote(text, safe="")


def csv_link(table: TableData, filename: str, label: str, link_id: str) -> html.A:
    """A link that saves the table as `filename`."""
    return html.A(label, href=csv_href(csv_text(table)), download=filename, id=link_id)


def html_table(table: TableData, table_id: str, cell_class: Callable[[int, str], str | None] | None = None) -> html.Table:
    """The table with its caption, column headers (scope col) and, where declared, row headers (scope row).

    cell_class: given a body cell's column and text, the CSS class to mark it with (or None),
    for tables whose cells carry a state in colour as well as in words.
    """

    def aligned(i: int) -> dict:
        return {"style": NUMBER_STYLE} if i in table.numeric else {}

    def marked(i: int, value: str, body: bool) -> dict:
        name = cell_class(i, value) if body and cell_class else None
        return {"className": name} if name else {}

    def cells(values: tuple[str, ...], body: bool = False) -> list:
        return [
            html.Th(value, scope="row", **aligned(i), **marked(i, value, body))
            if i == table.row_header
            else html.Td(value, **aligned(i), **marked(i, value, body))
            for i, value in enumerate(values)
        ]

    parts = [
        html.Caption(table.caption),
        html.Thead(html.Tr([html.Th(label, scope="col", **aligned(i)) for i, label in enumerate(table.header)])),
        html.Tbody([html.Tr(cells(row, body=True)) for row in table.rows]),
    ]
    if table.totals:
        parts.append(html.Tfoot(html.Tr(cells(table.totals))))
    return html.Table(parts, id=table_id)


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
