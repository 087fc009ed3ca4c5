"""Printed tables: one Table per section, widths measured once, the header row repeated on every page,
a table too wide for a portrait page turned to landscape; each table's data kept for its CSV attachment."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from ledger.reports.render.page import (
    CELL_BOLD_FONT,
    CELL_FONT,
    CELL_LEADING,
    CELL_PADDING,
    CELL_SIZE,
    LANDSCAPE_SIZE,
    Look,
    MARGIN,
    MUTED,
    PAGE_SIZE,
    RULE,
    ZEBRA,
    paragraph,
)


def _share_out(needs: dict[int, float], rows_wrapped: dict[int, int], room: float) -> dict[int, float]:
    """Give the columns their extra width in turn, those whose wrapping would lengthen most rows first."""
    shares: dict[int, float] = {}
    for column in sorted(needs, key=lambda column: (-rows_wrapped[column], needs[column])):
        shares[column] = min(needs[column], room)
        room -= shares[column]
    return shares


def _cell_width(text: str) -> float:
    # Measured in bold, the widest case, so a bold totals row never overflows its column;
    # the half point absorbs rounding in the Paragraph's own line fitting.
    return stringWidth(text, CELL_BOLD_FONT, CELL_SIZE) + 2 * CELL_PADDING + 0.5


def _column_widths(header: Sequence[str], rows: Sequence[Sequence[str]], measured: Sequence[Sequence[float]],
                   numeric_columns: Collection[int], available: float) -> list[float]:
    """The widths of the columns: each on one line when the table fits `available` points.

    When the one-line widths are too wide, numbers still keep theirs (a figure never wraps),
    text columns get at least their longest word (a word is never split), and the room left
    goes first to the columns where wrapping would lengthen the most rows. `measured` holds
    the one-line width of each cell of `rows`.
    """
    one_line = _one_line_widths(header, measured)
    if sum(one_line) <= available:
        return one_line

    def longest_word(texts: Sequence[str]) -> float:
        return max(_cell_width(word) for text in texts for word in text.split() or [""])

    fitted = list(one_line)
    minimum: dict[int, float] = {}
    rows_wrapped: dict[int, int] = {}
    for column, title in enumerate(header):
        cell_widths = [widths[column] for widths in measured]
        if column in numeric_columns:
            fitted[column] = max([longest_word([title]), *cell_widths])
        else:
            minimum[column] = longest_word([title, *(row[column] for row in rows)])
            rows_wrapped[column] = sum(width > minimum[column] for width in cell_widths)
    room = available - sum(fitted[column] for column in numeric_columns) - sum(minimum.values())
    needs = {column: one_line[column] - least for column, least in minimum.items()}
    extra = _share_out(needs, rows_wrapped, max(room, 0.0))
    for column, least in minimum.items():
        fitted[column] = least + extra[column]
    return fitted


def _one_line_widths(header: Sequence[str], measured: Sequence[Sequence[float]]) -> list[float]:
    return [max(_cell_width(title), *(widths[column] for widths in measured)) for column, title in enumerate(header)]


PORTRAIT_WIDTH = PAGE_SIZE[0] - 2 * MARGIN
LANDSCAPE_WIDTH = LANDSCAPE_SIZE[0] - 2 * MARGIN
# From this many columns a table too wide for a portrait page is turned: narrow text columns
# would wrap most rows. A narrower table wraps its one or two long text columns instead.
LANDSCAPE_COLUMNS = 8


def _key_letter(index: int) -> str:
    return chr(ord("A") + index) if index < 26 else str(index + 1)


@dataclass(frozen=True, slots=True)
class PrintedTable:
    """A table as laid out: the Table, the key of its keyed columns, and whether it needs a landscape page."""

    table: Table
    key: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]  # (column title, ((letter, words), ...))
    landscape: bool


def data_table(header: Sequence[str], rows: Sequence[Sequence[str]], numeric_columns: Collection[int],
                look: Look, *, data: tuple[str, Sequence[str], Sequence[Sequence[str]]] | None = None,
                total_row: bool = False, muted_rows: Collection[int] = (), keyed_columns: Collection[int] = ()) -> PrintedTable:
    """A table of text cells that fits its page: numbers keep their width and align right,
    text wraps at spaces (a Paragraph only where a cell is too wide), so no name is ever cut.

    A keyed column prints a letter for each of its texts, and the key gives the words once.
    A table of LANDSCAPE_COLUMNS or more whose lines do not fit a portrait page goes on a
    landscape one, where it is wrapped only if it still does not fit.

    data: (file name, header, rows) of the table's CSV attachment, with plain values (codes, ISO
    dates, unformatted decimals); without it the printed cells are attached under the name "table".
    """
    look.keep_data(*(data or ("table", header, rows)))
    key = []
    for column in sorted(keyed_columns):
        texts = sorted({row[column] for row in rows if row[column]})
        letters = {text: _key_letter(index) for index, text in enumerate(texts)}
        rows = [(*row[:column], letters.get(row[column], ""), *row[column + 1:]) for row in rows]
        key.append((header[column], tuple((letters[text], text) for text in texts)))
    styles = look.styles
    measured = [[_cell_width(text) for text in row] for row in rows]
    landscape_page = len(header) >= LANDSCAPE_COLUMNS and sum(_one_line_widths(header, measured)) > PORTRAIT_WIDTH
    widths = _column_widths(header, rows, measured, numeric_columns, LANDSCAPE_WIDTH if landscape_page else PORTRAIT_WIDTH)

    def cell(text: str, width: float, column: int) -> str | Paragraph:
        if column in numeric_columns or width <= widths[column]:
            return text
        return Paragraph(escape(text), styles["Cell"])

    header_cells = [
        Paragraph(escape(title), styles["NumericHeaderCell" if column in numeric_columns else "HeaderCell"])
        for column, title in enumerate(header)
    ]
    body = [[cell(text, width, column) for column, (text, width) in enumerate(zip(row, row_widths))]
            for row, row_widths in zip(rows, measured)]
    commands: list[tuple] = [
        ("FONT", (0, 0), (-1, -1), CELL_FONT, CELL_SIZE, CELL_LEADING),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, RULE),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, ZEBRA]),
        *(("ALIGN", (column, 0), (column, -1), "RIGHT") for column in numeric_columns),
        *(("TEXTCOLOR", (0, row + 1), (-1, row + 1), MUTED) for row in muted_rows),
        *(("FONT", (0, row + 1), (-1, row + 1), CELL_FONT, CELL_SIZE, CELL_LEADING) for row in muted_rows),
    ]
    if total_row:
        commands += [
            ("FONT", (0, -1), (-1, -1), CELL_BOLD_FONT, CELL_SIZE, CELL_LEADING),
            ("LINEABOVE", (0, -1), (-1, -1), 0.8, RULE),
            ("BACKGROUND", (0, -1), (-1, -1), colors.white),
        ]
    table = Table([header_cells, *body], colWidths=widths, repeatRows=1, hAlign="LEFT", style=TableStyle(commands))
    return PrintedTable(table, tuple(key), landscape_page)


TURN_TO_LANDSCAPE = (NextPageTemplate("landscape"), PageBreak())


def captioned(caption: str, printed: PrintedTable, look: Look) -> list[Flowable]:
    """The caption, the table and its key; on pages of their own, turned, when the table needs a landscape page."""
    key = [KeepTogether([paragraph(look.t("Key to the column {column}", column=title), look, "Heading2"),
                         *(paragraph(f"{letter}  {words}", look, "Note") for letter, words in entries)])
           for title, entries in printed.key]
    caption_paragraph = Paragraph(escape(caption), look.styles["Caption"])
    if printed.landscape:
        # No spacer after the table: one that falls past the last row would turn a page of its own.
        return [*TURN_TO_LANDSCAPE, caption_paragraph, printed.table, *key, NextPageTemplate("body"), PageBreak()]
    # A caption alone at the foot of a page is useless; start a page unless a few rows fit.
    return [CondPageBreak(30 * mm), caption_paragraph, printed.table, Spacer(1, 4 * mm), *key]
