"""PDF renderers: the annual report of a fiscal year and a member's statement of account.

Built the way reportlab's docco and pretix's invoices are: one stylesheet factory whose
styles inherit from "Body"; page furniture (cover band, header, footer "page X of Y")
drawn by page templates, apart from the story; the story built from a plain record of
``ledger.reports.model`` and nothing else. The renderers never query anything.

Every text is set in DejaVu Sans and DejaVu Sans Mono (Debian's fonts-dejavu-core), embedded
as subsets, so any member's name prints, in Latin, Greek or Cyrillic script. Each printed
table also travels inside the file as a CSV attachment, with the checkpoint, and the file is
PDF/A-3b (ledger.reports.pdfa).

The same record always gives the same bytes: ``invariant=1`` removes the clock and the
random file identifier, the creation date is the record's own as-of date, and the PDF/A
step dates everything by it too.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.fonts import addMapping
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, StyleSheet1
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.doctemplate import IndexingFlowable
from reportlab.platypus.tableofcontents import TableOfContents

from ledger.domain import labels
from ledger.domain.compute import REFERENCE_GPU_MS_PER_GPU_HOUR
from ledger.domain.contributions import Standing, count_standings
from ledger.domain.money import to_decimal
from ledger.reports import model
from ledger.formatting import (
    decimals_of,
    format_amount,
    format_day,
    format_money,
    format_percent,
    format_quantity,
)
from ledger.reports.i18n import Translator
from ledger.reports.pdfa import Attachment, make_pdfa

PRODUCT = "Member Ledger"  # the software, as the PDF's creator; the facility is the author

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")  # Debian's fonts-dejavu-core
BODY_FONT = "DejaVuSans"
BOLD_FONT = "DejaVuSans-Bold"
MONO_FONT = "DejaVuSansMono"
_FONT_FILES = {BODY_FONT: "DejaVuSans.ttf", BOLD_FONT: "DejaVuSans-Bold.ttf", MONO_FONT: "DejaVuSansMono.ttf"}

PAGE_SIZE = A4
LANDSCAPE_SIZE = landscape(A4)  # for a table too wide for a portrait page
MARGIN = 20 * mm
FURNITURE_GAP = 8 * mm  # between the text frame and the header or footer line
CELL_FONT = BODY_FONT
CELL_BOLD_FONT = BOLD_FONT
CELL_SIZE = 7
CELL_LEADING = 8.6
CELL_PADDING = 3
INK = colors.HexColor("#1a2b4c")  # the facility's blue: cover band, headings, first series
ACCENT = colors.HexColor("#c8892b")  # the second series
ZEBRA = colors.HexColor("#f1f3f6")
RULE = colors.HexColor("#4a5568")
MUTED = colors.HexColor("#555555")
WEIGHT_GREY = colors.HexColor("#b4bcc8")  # a weight, drawn beside the power it gives
SERIES = (INK, ACCENT, colors.HexColor("#4f8a6e"), colors.HexColor("#8c4f7a"), colors.HexColor("#5d7fb5"),
          colors.HexColor("#a0a0a0"))

STANDING_SENTENCES = {
    "good": "As of {day} {name} is in good standing.",
    "arrears": "As of {day} {name} is in arrears.",
    "suspended": "As of {day} {name} has its vote suspended.",
}
STANDING_COUNT_LABELS = {
    "good": "Members in good standing",
    "arrears": "Members in arrears",
    "suspended": "Members whose vote is suspended",
}
BOUND_NOTES = {
    "ceiling": "Ceiling. No member pays more than {bound} (CERN Convention, ESA: 25 %). Held at the ceiling: {names}; "
               "the excess is shared among the others in proportion to their income.",
    "floor": "Floor. Every member pays at least {bound} (UN scale practice). Held at the floor: {names}; the "
             "difference is taken from the others in proportion to their income.",
}
COVER_STATUS = {
    "draft": "Draft: the year is open and its figures may still change",
    "adopted": "Draft: the year is open and its figures may still change",
    "closed": "Final: the year is closed and its figures will not change",
}


@cache
def register_fonts() -> None:
    """Register the DejaVu fonts with ReportLab, once per process, when a report is first rendered."""
    for name, filename in _FONT_FILES.items():
        path = FONT_DIR / filename
        if not path.is_file():
            raise RuntimeError(f"the reports' font {path} is missing: install the Debian package fonts-dejavu-core")
        pdfmetrics.registerFont(TTFont(name, str(path)))
    # Paragraph markup's <b> and <i> resolve through the family; there is no italic in
    # fonts-dejavu-core, so italic is the upright face (emphasis is carried by colour).
    for bold, italic, face in ((0, 0, BODY_FONT), (1, 0, BOLD_FONT), (0, 1, BODY_FONT), (1, 1, BOLD_FONT)):
        addMapping(BODY_FONT, bold, italic, face)
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(MONO_FONT, bold, italic, MONO_FONT)


# Styles


def report_styles() -> StyleSheet1:
    """The one stylesheet of every report; each style inherits from "Body" or from a child of it."""
    register_fonts()
    sheet = StyleSheet1()
    sheet.add(ParagraphStyle("Body", fontName=BODY_FONT, fontSize=9.2, leading=12.6, spaceAfter=5))
    body = sheet["Body"]
    sheet.add(ParagraphStyle("Title", parent=body, fontName=BOLD_FONT, fontSize=28, leading=34, spaceAfter=10,
                             textColor=INK))
    sheet.add(ParagraphStyle("Subtitle", parent=body, fontSize=13, leading=17, spaceAfter=8, textColor=INK))
    sheet.add(ParagraphStyle("Heading1", parent=body, fontName=BOLD_FONT, fontSize=15, leading=19,
                             spaceBefore=10, spaceAfter=8, textColor=INK))
    sheet.add(ParagraphStyle("Heading2", parent=body, fontName=BOLD_FONT, fontSize=10.5, leading=14,
                             spaceBefore=8, spaceAfter=4, textColor=INK))
    sheet.add(ParagraphStyle("Lead", parent=body, fontSize=10.5, leading=15, spaceAfter=7))
    sheet.add(ParagraphStyle("Caption", parent=body, fontSize=8, leading=10.5, spaceBefore=4, spaceAfter=4,
                             textColor=MUTED))
    sheet.add(ParagraphStyle("Note", parent=body, fontSize=8.2, leading=11, spaceAfter=3, leftIndent=8))
    sheet.add(ParagraphStyle("Cell", parent=body, fontName=CELL_FONT, fontSize=CELL_SIZE, leading=CELL_LEADING,
                             spaceAfter=0))
    sheet.add(ParagraphStyle("HeaderCell", parent=sheet["Cell"], fontName=CELL_BOLD_FONT))
    sheet.add(ParagraphStyle("NumericHeaderCell", parent=sheet["HeaderCell"], alignment=TA_RIGHT))
    sheet.add(ParagraphStyle("Hash", parent=body, fontName=MONO_FONT, fontSize=8.5, leading=12, spaceBefore=2,
                             spaceAfter=8))
    sheet.add(ParagraphStyle("TOCLevel0", parent=body, fontSize=11, leading=17))
    return sheet


class _Look:
    """How one document writes: its stylesheet, its language and its number formats.

    It also gathers the data of every table the document prints, in the order printed,
    so that each table travels inside the PDF as a CSV file.
    """

    def __init__(self, lang: str):
        self.styles = report_styles()
        self.t = Translator(lang)
        self.locale = lang
        self.tables: list[tuple[str, Sequence[str], Sequence[Sequence[str]]]] = []

    def amount(self, minor: int, currency: str) -> str:
        return format_amount(minor, currency, self.locale)

    def money(self, minor: int, currency: str) -> str:
        return format_money(minor, currency, self.locale)

    def percent(self, value: Decimal, decimals: int) -> str:
        return format_percent(value, decimals, self.locale)

    def quantity(self, value: Decimal | int) -> str:
        return format_quantity(value, self.locale)

    def day(self, value: date) -> str:
        return format_day(value, self.locale)

    def keep_data(self, name: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        """Keep a table's data for its CSV attachment, under a file name unique in the document."""
        taken = {filename for filename, _header, _rows in self.tables}
        filename, number = f"{name}.csv", 2
        while filename in taken:
            filename, number = f"{name}-{number}.csv", number + 1
        self.tables.append((filename, tuple(header), tuple(tuple(row) for row in rows)))

    def attachments(self) -> list[Attachment]:
        files = []
        for filename, header, rows in self.tables:
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180
            writer.writerow(header)
            writer.writerows(rows)
            files.append(Attachment(filename, buffer.getvalue().encode("utf-8"), "text/csv",
                                    self.t("The data of the table {name} of the report", name=filename)))
        return files


def _plain(minor: int, currency: str) -> str:
    """An amount for a CSV file: a plain decimal with the currency's decimals, no grouping: 123450 EUR -> "1234.50"."""
    return str(to_decimal(minor, currency))


# Page furniture: templates, cover band, header, footer, outline. Nothing here knows what a report says.


class _SectionHeading(Paragraph):
    """A section title; the document template puts it in the outline and the table of contents."""

    def __init__(self, title: str, outline_key: str, style: ParagraphStyle):
        super().__init__(escape(title), style)
        self.title = title
        self.outline_key = outline_key


class _PageCount(IndexingFlowable):
    """A zero-size mark at the story's end: one pass counts the pages, the next prints the count.

    multiBuild repeats passes until every indexing flowable is satisfied, so the footers of
    the saved pass always carry the count of that very pass.
    """

    def __init__(self) -> None:
        super().__init__()
        self.counted_before: int | None = None
        self.counted_now: int | None = None

    def beforeBuild(self) -> None:
        self.counted_before, self.counted_now = self.counted_now, None

    def isSatisfied(self) -> bool:
        return self.counted_before is not None and self.counted_before == self.counted_now

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.counted_now = self.canv.getPageNumber()


class _LedgerDocTemplate(BaseDocTemplate):
    """A4 pages: a "cover" template with the facility's band, a "body" template with header and footer."""

    def __init__(self, buffer: io.BytesIO, *, facility: str, header: str, footer_note: str, page_label: str,
                 created_on: date, lang: str, **metadata: object):
        super().__init__(
            buffer,
            pagesize=PAGE_SIZE,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN + FURNITURE_GAP,
            bottomMargin=MARGIN + FURNITURE_GAP,
            author=facility,
            creator=PRODUCT,
            invariant=1,
            lang=lang,
            displayDocTitle=1,
            initialFontName=BODY_FONT,
            **metadata,
        )
        self.facility = facility
        self.header = header
        self.footer_note = footer_note
        self.page_label = page_label  # "page {page} of {pages}", in the document's language
        self.created_on = created_on
        self.page_count = _PageCount()
        self.addPageTemplates([
            PageTemplate("cover", [self._text_frame(PAGE_SIZE)], onPage=self._draw_cover, pagesize=PAGE_SIZE),
            PageTemplate("body", [self._text_frame(PAGE_SIZE)], onPage=self._draw_header_and_footer, pagesize=PAGE_SIZE),
            PageTemplate("landscape", [self._text_frame(LANDSCAPE_SIZE)], onPage=self._draw_header_and_footer,
                         pagesize=LANDSCAPE_SIZE),
        ])

    def _text_frame(self, size: tuple[float, float]) -> Frame:
        return Frame(self.leftMargin, self.bottomMargin, size[0] - self.leftMargin - self.rightMargin,
                     size[1] - self.topMargin - self.bottomMargin, leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)

    @staticmethod
    def _line_width(canvas: Canvas) -> float:
        """The width of the text on the canvas's current page, portrait or landscape."""
        return canvas._pagesize[0] - 2 * MARGIN

    def beforeDocument(self) -> None:
        stamp = f"D:{self.created_on:%Y%m%d}000000+00'00'"
        # The formatter is handed the clock's time; the record's own date replaces it, so
        # the same record always yields the same bytes.
        self.canv.setDateFormatter(lambda *_clock: stamp)
        self.canv.showOutline()

    def afterFlowable(self, flowable: Flowable) -> None:
        if isinstance(flowable, _SectionHeading):
            self.canv.bookmarkPage(flowable.outline_key)
            self.canv.addOutlineEntry(flowable.title, flowable.outline_key, level=0, closed=False)
            self.notify("TOCEntry", (0, escape(flowable.title), self.page, flowable.outline_key))

    def _draw_footer(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        # The first pass cannot know the count; multiBuild never saves that pass.
        total = self.page_count.counted_before or "?"
        bottom = MARGIN
        canvas.saveState()
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        width = self._line_width(canvas)
        canvas.line(self.leftMargin, bottom + 10, self.leftMargin + width, bottom + 10)
        canvas.setFont(BODY_FONT, 7.5)
        canvas.setFillColor(MUTED)
        canvas.drawString(self.leftMargin, bottom, self.footer_note)
        canvas.drawRightString(self.leftMargin + width, bottom, self.page_label.format(page=doc.page, pages=total))
        canvas.restoreState()

    def _draw_cover(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        width, height = PAGE_SIZE
        band = 62 * mm
        canvas.saveState()
        canvas.setFillColor(INK)
        canvas.rect(0, height - band, width, band, stroke=0, fill=1)
        canvas.setFillColor(ACCENT)
        canvas.rect(0, height - band - 2.5 * mm, width, 2.5 * mm, stroke=0, fill=1)
        canvas.setFillColor(colors.white)
        canvas.setFont(BOLD_FONT, 17)
        canvas.drawString(self.leftMargin, height - band + 24 * mm, self.facility)
        canvas.setFont(BODY_FONT, 10)
        canvas.drawString(self.leftMargin, height - band + 15 * mm, self.header)
        canvas.restoreState()
        self._draw_footer(canvas, doc)

    def _draw_header_and_footer(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        top, width = canvas._pagesize[1] - MARGIN, self._line_width(canvas)
        canvas.saveState()
        canvas.setFont(BOLD_FONT, 8)
        canvas.setFillColor(INK)
        canvas.drawString(self.leftMargin, top, self.header)
        canvas.setFont(BODY_FONT, 8)
        canvas.setFillColor(MUTED)
        canvas.drawRightString(self.leftMargin + width, top, self.facility)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(self.leftMargin, top - 4, self.leftMargin + width, top - 4)
        canvas.restoreState()
        self._draw_footer(canvas, doc)


def _build_pdf(story: list[Flowable], look: _Look, *, facility: str, header: str, footer_note: str, created_on: date,
               title: str, subject: str, keywords: Sequence[str], extra_files: Sequence[Attachment] = ()) -> bytes:
    buffer = io.BytesIO()
    document = _LedgerDocTemplate(buffer, facility=facility, header=header, footer_note=footer_note,
                                  page_label=look.t("page {page} of {pages}"), created_on=created_on, lang=look.locale,
                                  title=title, subject=subject, keywords=list(keywords))
    document.multiBuild([*story, document.page_count])
    return make_pdfa(buffer.getvalue(), [*look.attachments(), *extra_files], created_on=created_on, lang=look.locale)


# Tables: one Table per section, widths measured once, header row repeated on every page.


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
class _PrintedTable:
    """A table as laid out: the Table, the key of its keyed columns, and whether it needs a landscape page."""

    table: Table
    key: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]  # (column title, ((letter, words), ...))
    landscape: bool


def _data_table(header: Sequence[str], rows: Sequence[Sequence[str]], numeric_columns: Collection[int],
                look: _Look, *, data: tuple[str, Sequence[str], Sequence[Sequence[str]]] | None = None,
                total_row: bool = False, muted_rows: Collection[int] = (), keyed_columns: Collection[int] = ()) -> _PrintedTable:
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
    return _PrintedTable(table, tuple(key), landscape_page)


_TURN_TO_LANDSCAPE = (NextPageTemplate("landscape"), PageBreak())


def _captioned(caption: str, printed: _PrintedTable, look: _Look) -> list[Flowable]:
    """The caption, the table and its key; on pages of their own, turned, when the table needs a landscape page."""
    key = [KeepTogether([_text(look.t("Key to the column {column}", column=title), look, "Heading2"),
                         *(_text(f"{letter}  {words}", look, "Note") for letter, words in entries)])
           for title, entries in printed.key]
    caption_paragraph = Paragraph(escape(caption), look.styles["Caption"])
    if printed.landscape:
        # No spacer after the table: one that falls past the last row would turn a page of its own.
        return [*_TURN_TO_LANDSCAPE, caption_paragraph, printed.table, *key, NextPageTemplate("body"), PageBreak()]
    # A caption alone at the foot of a page is useless; start a page unless a few rows fit.
    return [CondPageBreak(30 * mm), caption_paragraph, printed.table, Spacer(1, 4 * mm), *key]


def _text(text: str, look: _Look, style: str = "Body") -> Paragraph:
    return Paragraph(escape(text), look.styles[style])


def _code(text: str) -> str:
    """Paragraph markup setting a command in the monospaced font, so it can be typed as printed."""
    return f'<font face="{MONO_FONT}">{escape(text)}</font>'


# Charts, drawn with ReportLab's graphics so they are vectors in the PDF and use its fonts.

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
                 look: _Look, *, bar_spacing: float, group_spacing: float) -> HorizontalBarChart:
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


def _assessed_and_settled_chart(report: model.AnnualReport, look: _Look) -> Drawing:
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


def _shares_chart(report: model.AnnualReport, look: _Look, members: int = len(SERIES) - 1) -> Drawing | None:
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


def _monthly_use_chart(report: model.AnnualReport, look: _Look) -> Drawing | None:
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
    chart.categoryAxis.categoryNames = [t(_MONTH_ABBREVIATIONS[number]) for number in range(12)]
    chart.bars[0].fillColor = INK
    chart.bars.strokeWidth = 0
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labelTextFormat = lambda value: format_quantity(Decimal(int(value)), look.locale)
    chart.valueAxis.visibleGrid, chart.valueAxis.gridStrokeColor, chart.valueAxis.gridStrokeWidth = 1, ZEBRA, 0.5
    _style_axis_labels(chart.categoryAxis, chart.valueAxis)
    drawing.add(chart)
    return drawing


def _weight_and_power_chart(motion: model.WeightAndPower, look: _Look, largest: int = 10) -> Drawing:
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


def _weight_and_power(report: model.AnnualReport, look: _Look) -> list[Flowable]:
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


_MONTH_ABBREVIATIONS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# The annual report's story, one function per section, each from the record only.


def _names(names: Sequence[str], look: _Look) -> str:
    """A list in running text: "A, B and C" ("A, B et C")."""
    if len(names) <= 1:
        return "".join(names)
    return look.t("{first} and {last}", first=", ".join(names[:-1]), last=names[-1])


def _cover(report: model.AnnualReport, look: _Look) -> list[Flowable]:
    t = look.t
    story: list[Flowable] = [
        Spacer(1, 52 * mm),
        _text(t("Annual report {year}", year=report.year), look, "Title"),
        _text(t(COVER_STATUS[report.status]), look, "Subtitle"),
        Spacer(1, 6 * mm),
        _text(t("Figures as of {day}; amounts in {currency} unless stated.", day=look.day(report.as_of),
                currency=report.currency), look, "Lead"),
    ]
    checkpoint = report.checkpoint
    if checkpoint is None:
        story.append(_text(t("The year is not closed: this report carries no journal checkpoint yet."), look))
    else:
        story += [
            _text(t("Journal checkpoint: entry {seq}, the year's closing entry of {day}; its SHA-256 hash:",
                    seq=look.quantity(checkpoint.seq), day=look.day(checkpoint.closed_on)), look),
            _text(checkpoint.hash, look, "Hash"),
        ]
    story.append(_text(t("The data of every table, and the checkpoint, are attached to this file as CSV and JSON "
                         "files (PDF/A-3)."), look))
    if report.data_note:
        story += [Spacer(1, 6 * mm), _text(report.data_note, look, "Caption")]
    return [*story, NextPageTemplate("body"), PageBreak()]


def _contents(look: _Look) -> list[Flowable]:
    # The contents are a Table of their own, whose cells default to Helvetica unless told.
    contents = TableOfContents(levelStyles=[look.styles["TOCLevel0"]], dotsMinLevel=0, tableStyle=TableStyle([
        ("FONT", (0, 0), (-1, -1), BODY_FONT, 10), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]))
    return [_text(look.t("Contents"), look, "Heading1"), contents, PageBreak()]


def _summary(report: model.AnnualReport, look: _Look) -> list[Flowable]:
    """The year in sentences, written from the figures, then the figures themselves."""
    t = look.t
    lines = report.contributions
    currency = report.currency
    assessed = sum(line.assessed_minor for line in lines)
    paid = sum(line.paid_minor for line in lines)
    in_kind = sum(line.in_kind_minor for line in lines)
    outstanding = sum(line.outstanding_minor for line in lines)
    settled_pct = Decimal(100 * (paid + in_kind)) / assessed if assessed else Decimal(0)
    sentences = [
        t("The budget of {year} was {budget}, assessed on {members} members and associates under the scale of "
          "contributions for {period}.", year=report.year, budget=look.money(report.budget_minor, currency),
          members=len(lines), period=report.scale.period),
        t("By {day} they had paid {paid} in cash and been credited {in_kind} in kind, {settled} of what was assessed; "
          "{outstanding} of the year's contributions remained outstanding.", day=look.day(report.as_of),
          paid=look.money(paid, currency), in_kind=look.money(in_kind, currency),
          settled=look.percent(settled_pct.quantize(Decimal("0.1")), 1), outstanding=look.money(outstanding, currency)),
    ]
    behind = {standing: [line.name for line in lines if line.standing == standing] for standing in ("arrears", "suspended")}
    if not behind["arrears"] and not behind["suspended"]:
        sentences.append(t("Every member was in good standing."))
    else:
        if behind["arrears"]:
            sentences.append(t("In arrears but keeping the vote: {names}.", names=_names(behind["arrears"], look)))
        if behind["suspended"]:
            sentences.append(t("Vote suspended for arrears: {names}.", names=_names(behind["suspended"], look)))
    decisions = report.decisions
    if decisions:
        adopted = [decision for decision in decisions if decision.adopted]
        sentences.append(t("The board closed {closed} motions and adopted {adopted}.", closed=len(decisions), adopted=len(adopted)))
        if adopted:
            sentences.append(t("Among them: {titles}.", titles="; ".join(
                f"{decision.title} ({decision.kind.lower()})" for decision in adopted[:4])))
    compute = report.compute
    if compute is not None:
        used_hours = compute.used_ms // REFERENCE_GPU_MS_PER_GPU_HOUR
        used_pct = Decimal(100 * used_hours) / compute.capacity_gpu_hours if compute.capacity_gpu_hours else Decimal(0)
        sentences.append(t("The facility offered {capacity} reference GPU-hours; {used} were used, {share} of capacity.",
                           capacity=look.quantity(compute.capacity_gpu_hours), used=look.quantity(used_hours),
                           share=look.percent(used_pct.quantize(Decimal("0.1")), 1)))
    standings = count_standings(Standing(line.standing) for line in lines)  # the count the dashboards print
    figures = [
        (t("Budget of the year"), look.money(report.budget_minor, currency)),
        (t("Assessed contributions"), look.money(assessed, currency)),
        (t("Paid in cash"), look.money(paid, currency)),
        (t("Credited in kind"), look.money(in_kind, currency)),
        (t("Outstanding for the year"), look.money(outstanding, currency)),
        (t("Arrears on that date"), look.money(sum(line.arrears_minor for line in lines), currency)),
        (t("Members"), str(len(lines))),
        *((t(STANDING_COUNT_LABELS[standing]), str(standings[standing])) for standing in model.STANDINGS),
    ]
    data = [
        ("budget", _plain(report.budget_minor, currency)), ("assessed", _plain(assessed, currency)),
        ("paid", _plain(paid, currency)), ("in_kind", _plain(in_kind, currency)),
        ("outstanding", _plain(outstanding, currency)),
        ("arrears", _plain(sum(line.arrears_minor for line in lines), currency)), ("members", str(len(lines))),
        *((f"members_{standing}", str(standings[standing])) for standing in model.STANDINGS),
    ]
    table = _data_table((t("Figure"), t("Value")), figures, {1}, look, data=("summary", ("figure", "value"), data))
    return [*(_text(sentence, look, "Lead") for sentence in sentences),
            *_captioned(t("The year {year} as of {day}.", year=report.year, day=look.day(report.as_of)), table, look)]


def _scale(report: model.AnnualReport, look: _Look) -> list[Flowable]:
    t = look.t
    scale = report.scale
    decimals = decimals_of(scale.precision_pct)
    factor = scale.associate_factor_pct / 100

    def counted(row: model.ScaleRow) -> Decimal:
        return row.income * factor if row.associate else row.income

    def held(row: model.ScaleRow) -> str:
        marks = [t.label(labels.SCALE_BOUNDS, row.bound)] if row.bound else []
        return ", ".join([*marks, *([t("associate")] if row.associate else [])])

    rows = [(row.code, row.name, look.quantity(row.income), look.quantity(counted(row)),
             look.percent(row.share_pct, decimals), held(row)) for row in scale.rows]
    rows.append(("", t("Total"), look.quantity(sum((row.income for row in scale.rows), Decimal(0))),
                 look.quantity(sum((counted(row) for row in scale.rows), Decimal(0))),
                 look.percent(sum((row.share_pct for row in scale.rows), Decimal(0)), decimals), ""))
    data = [(row.code, row.name, str(row.income), str(counted(row)), str(row.share_pct), row.bound,
             "associate" if row.associate else "member") for row in scale.rows]
    table = _data_table((t("Code"), t("Member"), t("Income measure"), t("Income counted"), t("Share"), t("Note")), rows,
                        {2, 3, 4}, look, total_row=True,
                        data=("scale", ("code", "member", "income", "income_counted", "share_pct", "bound", "status"), data))
    explanation = t(
        "Scale for {period}, adopted by {adopted_by}. Each share is the income a member counts over the total "
        "counted, held between a floor of {floor} and a ceiling of {ceiling} and rounded to {precision} by largest "
        "remainder, so the shares add up to exactly 100 %.", period=scale.period, adopted_by=scale.adopted_by,
        floor=look.percent(scale.floor_pct, decimals_of(scale.floor_pct)),
        ceiling=look.percent(scale.ceiling_pct, decimals_of(scale.ceiling_pct)),
        precision=look.percent(scale.precision_pct, decimals_of(scale.precision_pct)))
    notes = _scale_notes(scale, look)
    chart = _shares_chart(report, look)
    return [_text(explanation, look), *notes, *_captioned(t("Scale of contributions"), table, look),
            *([CondPageBreak(75 * mm), chart] if chart else [])]


def _scale_notes(scale: model.ScaleSection, look: _Look) -> list[Flowable]:
    """One note for each adjustment the scale made, naming the members it touched."""
    t = look.t
    notes = [_text(t("Notes to the scale"), look, "Heading2")]
    associates = [row.name for row in scale.rows if row.associate]
    if associates:
        notes.append(_text(t(
            "Associate factor. Associate members pay a reduced contribution and have no vote (CERN, EMBL): the scale "
            "counts {factor} of an associate's income. This applies to {names}; their income measure is shown as "
            "entered and the income counted beside it, which is why an associate's share is lower than its income "
            "alone would give.", factor=look.percent(scale.associate_factor_pct, decimals_of(scale.associate_factor_pct)),
            names=_names(associates, look)), look, "Note"))
    for bound, bound_pct in (("ceiling", scale.ceiling_pct), ("floor", scale.floor_pct)):
        held = [row.name for row in scale.rows if row.bound == bound]
        if held:
            notes.append(_text(t(BOUND_NOTES[bound], bound=look.percent(bound_pct, decimals_of(bound_pct)), names=_names(held, look)),
                               look, "Note"))
    return notes if len(notes) > 1 else []


def _contributions(report: model.AnnualReport, look: _Look) -> list[Flowable]:
    t = look.t
    currency = report.currency
    lines = report.contributions

    def amount(minor: int) -> str:
        return look.amount(minor, currency)

    # The name says who the member is and the scale its share; code and share are in the CSV, so that
    # every row, standing included, stays on one line of a portrait page.
    rows = [
        (line.name, amount(line.assessed_minor),
         amount(line.paid_minor), amount(line.in_kind_minor), amount(line.outstanding_minor),
         amount(line.arrears_minor), t.label(labels.STANDINGS, line.standing))
        for line in lines
    ]
    rows.append((
        t("Total"),
        *(amount(sum(getattr(line, name) for line in lines))
          for name in ("assessed_minor", "paid_minor", "in_kind_minor", "outstanding_minor", "arrears_minor")),
        "",
    ))
    data = [(line.code, line.name, str(line.share_pct), *(_plain(minor, currency) for minor in (
        line.assessed_minor, line.paid_minor, line.in_kind_minor, line.outstanding_minor, line.arrears_minor)),
        line.standing, "" if line.paying_days is None else str(line.paying_days)) for line in lines]
    header = (t("Member"), t("Assessed"), t("Paid"), t("In kind"), t("Outstanding"), t("Arrears"), t("Standing"))
    table = _data_table(header, rows, {1, 2, 3, 4, 5}, look, total_row=True, data=(
        "contributions", ("code", "member", "share_pct", "assessed", "paid", "in_kind", "outstanding", "arrears",
                          "standing", "paying_days"), data))
    caption = t("Amounts in {currency}. Outstanding is what remains of this year's assessment; arrears are the unpaid "
                "amounts of any year that the standing rule counts on the report's date.", currency=currency)
    pro_rata = [line for line in lines if line.paying_days is not None]
    notes = [_text(t(
        "Pro rata temporis. A member that starts paying during the year is assessed for the days from that day "
        "only, and the others are credited the difference (CERN): {members}.",
        members=_names([t("{name} ({days} days)", name=line.name, days=line.paying_days) for line in pro_rata], look)),
        look, "Note")] if pro_rata else []
    return [KeepTogether(_assessed_and_settled_chart(report, look)), *_captioned(caption, table, look), *notes]


def _payments(report: model.AnnualReport, look: _Look) -> list[Flowable]:
    t = look.t
    currency = report.currency
    if not report.payments:
        return [_text(t("No payment was received for {year} by {day}.", year=report.year, day=look.day(report.as_of)), look)]
    rows = [
        (payment.code, payment.paid_on.isoformat(), payment.currency,
         look.amount(payment.amount_minor, payment.currency), look.quantity(payment.rate),
         payment.rate_date.isoformat(), payment.rate_source, look.amount(payment.base_minor, currency),
         payment.reference, t("reversal of {reference}", reference=payment.reversal_of) if payment.reversal_of else "")
        for payment in report.payments
    ]
    rows.append(("", t("Total"), "", "", "", "", "",
                 look.amount(sum(payment.base_minor for payment in report.payments), currency), "", ""))
    data = [(payment.code, payment.paid_on.isoformat(), payment.currency, _plain(payment.amount_minor, payment.currency),
             str(payment.rate), payment.rate_date.isoformat(), payment.rate_source, _plain(payment.base_minor, currency),
             payment.reference, payment.reversal_of or "") for payment in report.payments]
    reversals = [number for number, payment in enumerate(report.payments) if payment.reversal_of]
    header = (t("Member"), t("Paid on"), t("Currency"), t("Amount"), t("Rate"), t("Rate date"), t("Source"),
              t("Amount in {currency}", currency=currency), t("Reference"), t("Note"))
    # A source is long and the same on many rows: the table prints a letter, the key its words.
    table = _data_table(header, rows, {3, 4, 7}, look, total_row=True, muted_rows=reversals, keyed_columns={6}, data=(
        "payments", ("member", "paid_on", "currency", "amount", "rate", "rate_date", "rate_source",
                     f"amount_{currency.lower()}", "reference", "reversal_of"), data))
    caption = t("Each payment in the currency it was made in and at the rate recorded for it ({currency} per unit); "
                "the {currency} amount is the one booked and is never re-converted. A reversal, in grey, "
                "cancels the payment it names.", currency=currency)
    return _captioned(caption, table, look)


def _in_kind(report: model.AnnualReport, look: _Look) -> list[Flowable]:
    t = look.t
    currency = report.currency
    if not report.in_kind:
        return [_text(t("No in-kind contribution was recorded for {year}.", year=report.year), look)]
    rows = [
        (item.code, item.description, t.label(labels.IN_KIND_STATES, item.state), look.amount(item.valued_minor, currency),
         look.amount(item.credited_minor, currency))
        for item in report.in_kind
    ]
    rows.append(("", t("Total"), "", look.amount(sum(item.valued_minor for item in report.in_kind), currency),
                 look.amount(sum(item.credited_minor for item in report.in_kind), currency)))
    data = [(item.code, item.description, item.state, _plain(item.valued_minor, currency),
             _plain(item.credited_minor, currency)) for item in report.in_kind]
    table = _data_table((t("Member"), t("Contribution"), t("State"), t("Valued"), t("Credited")), rows, {3, 4}, look,
                        total_row=True, data=("in-kind", ("member", "contribution", "state", "valued", "credited"), data))
    caption = t("Amounts in {currency}. Only credited value reduces what a member owes in cash.", currency=currency)
    return _captioned(caption, table, look)


def _arrears(report: model.AnnualReport, look: _Look) -> list[Flowable]:
    t = look.t
    currency = report.currency
    rule = _text(t("Rule applied: {rule}", rule=report.standing_rule), look)
    behind = [line for line in report.contributions if line.standing != "good" or line.arrears_minor]
    if not behind:
        return [rule, _text(t("As of {day} every member is in good standing with no arrears.", day=look.day(report.as_of)),
                            look)]
    rows = [
        (line.code, line.name, look.amount(line.outstanding_minor, currency),
         look.amount(line.arrears_minor, currency), t.label(labels.STANDINGS, line.standing))
        for line in behind
    ]
    rows.append(("", t("Total"), look.amount(sum(line.outstanding_minor for line in behind), currency),
                 look.amount(sum(line.arrears_minor for line in behind), currency), ""))
    data = [(line.code, line.name, _plain(line.outstanding_minor, currency), _plain(line.arrears_minor, currency),
             line.standing) for line in behind]
    table = _data_table((t("Code"), t("Member"), t("Outstanding"), t("Arrears"), t("Standing")), rows, {2, 3}, look,
                        total_row=True, data=("arrears", ("code", "member", "outstanding", "arrears", "standing"), data))
    caption = t("Members with arrears or not in good standing as of {day}; amounts in {currency}.",
                day=look.day(report.as_of), currency=currency)
    return [rule, *_captioned(caption, table, look)]


def _extra_section(section: model.ReportSection, look: _Look, slug: str) -> list[Flowable]:
    flowables: list[Flowable] = []
    for block in section.blocks:
        if isinstance(block, model.Table):
            table = _data_table(block.header, block.rows, block.numeric_columns, look, total_row=block.total_row,
                                keyed_columns=block.keyed_columns,
                                data=(slug, block.header, block.rows))
            flowables += _captioned(block.caption, table, look)
        else:
            flowables.append(_text(block.text, look))
    return flowables


def _checkpoint(report: model.AnnualReport, look: _Look) -> list[Flowable]:
    t = look.t
    checkpoint = report.checkpoint
    if checkpoint is None:
        return [_text(t("The year {year} is not closed yet, so no journal checkpoint is printed. "
                        "The report of the closed year will carry it.", year=report.year), look)]
    return [
        _text(t("The year {year} was closed on {day} at journal entry {seq}. The SHA-256 hash of that entry is:",
                year=report.year, day=checkpoint.closed_on.isoformat(), seq=checkpoint.seq), look),
        _text(checkpoint.hash, look, "Hash"),
        Paragraph(escape(t(
            "To check it, fetch the public journal with {fetch} and recompute, entry by entry, hash = SHA-256(previous "
            "hash + payload): the hash of entry {seq} must equal the one printed here, and any change to an earlier "
            "entry would change it. The command {verify} does the same on a downloaded export.",
            fetch="\x00fetch\x00", seq=checkpoint.seq, verify="\x00verify\x00",
        )).replace("\x00fetch\x00", _code("GET /api/v1/journal?after=0")).replace(
            "\x00verify\x00", _code("ledger verify --export FILE")), look.styles["Body"]),
        *_signed_checkpoint(checkpoint, look),
    ]


def _signed_checkpoint(checkpoint: model.JournalCheckpoint, look: _Look) -> list[Flowable]:
    t = look.t
    if checkpoint.signed_note is None:
        return [_text(t("No signed checkpoint covered this entry when the report was made."), look)]
    return [
        _text(t("The first signed checkpoint of the journal's Merkle tree (RFC 9162) that covers entry {seq}, "
                "as published at /api/v1/checkpoints:", seq=checkpoint.seq), look),
        *(_text(line, look, "Hash") for line in checkpoint.signed_note.splitlines() if line),
        Paragraph(escape(t(
            "Its signature verifies with the key at {key}; {verify} checks that the journal still extends it.",
            key="\x00key\x00", verify="\x00verify\x00",
        )).replace("\x00key\x00", _code("GET /api/v1/checkpoint/key")).replace(
            "\x00verify\x00", _code("ledger verify --checkpoint FILE")), look.styles["Body"]),
    ]


def _checkpoint_file(report: model.AnnualReport) -> list[Attachment]:
    checkpoint = report.checkpoint
    if checkpoint is None:
        return []
    document = {"year": report.year, "seq": checkpoint.seq, "hash": checkpoint.hash,
                "closed_on": checkpoint.closed_on.isoformat(), "algorithm": "sha256(previous hash + payload)",
                "journal": "/api/v1/journal?after=0"}
    return [Attachment("checkpoint.json", json.dumps(document, indent=2, sort_keys=True).encode("utf-8") + b"\n",
                       "application/json", "The journal checkpoint of the closed year")]


def _compute_chart(report: model.AnnualReport, look: _Look) -> list[Flowable]:
    chart = _monthly_use_chart(report, look)
    return [KeepTogether(chart)] if chart else []


_SECTIONS: tuple[tuple[str, Callable[[model.AnnualReport, _Look], list[Flowable]]], ...] = (
    ("The year in brief", _summary),
    ("Scale of contributions", _scale),
    ("Assessments and payments per member", _contributions),
    ("Payments received", _payments),
    ("In-kind contributions", _in_kind),
    ("Arrears and standing", _arrears),
)


def annual_report_story(report: model.AnnualReport, look: _Look) -> list[Flowable]:
    """The flowables of the annual report, in order, built from the record alone."""
    t = look.t
    # The charts of the capabilities' chapters follow their tables, each drawn from the record's own figures.
    charts = {t("Board decisions {year}", year=report.year): _weight_and_power,
              t("Compute {year}", year=report.year): _compute_chart}
    chapters = [
        *((t(title), build(report, look)) for title, build in _SECTIONS),
        *((section.title, [*_extra_section(section, look, f"section-{number}"),
                           *(charts[section.title](report, look) if section.title in charts else [])])
          for number, section in enumerate(report.sections, start=7)),
        (t("Journal checkpoint"), _checkpoint(report, look)),
    ]
    story = [*_cover(report, look), *_contents(look)]
    for number, (title, body) in enumerate(chapters, start=1):
        heading = _SectionHeading(title, f"section-{number}", look.styles["Heading1"])
        if tuple(body[:2]) == _TURN_TO_LANDSCAPE:  # the heading turns with a chapter that opens on a landscape table
            story += [*_TURN_TO_LANDSCAPE, heading, *body[2:]]
        else:
            story += [CondPageBreak(45 * mm), heading, *body]
    return story


def render_annual_report(report: model.AnnualReport) -> bytes:
    """The annual report as PDF/A-3 bytes with its tables attached; the same record always gives the same bytes."""
    look = _Look(report.lang)
    t = look.t
    title = t("Annual report {year}", year=report.year)
    status = t("final") if report.status == "closed" else t("draft")
    return _build_pdf(
        annual_report_story(report, look), look,
        facility=report.facility,
        header=f"{title} ({status})",
        footer_note=t("{facility} · {title} · figures as of {day}", facility=report.facility, title=title,
                      day=look.day(report.as_of)),
        created_on=report.as_of,
        title=t("{title}: {name}", title=title, name=report.facility),
        subject=t("Contributions, payments, in-kind, arrears, board decisions, compute and journal checkpoint of the "
                  "fiscal year {year}", year=report.year),
        keywords=[report.facility, t("annual report"), str(report.year), t("contributions"), t("arrears"), report.currency],
        extra_files=_checkpoint_file(report),
    )


# The member's statement of account.


def member_statement_story(statement: model.MemberStatement, look: _Look) -> list[Flowable]:
    """The flowables of a member's statement of account, built from the record alone."""
    t = look.t
    currency = statement.currency

    def amount(minor: int) -> str:
        return look.amount(minor, currency) if minor else ""

    charges = sum(line.charge_minor for line in statement.lines)
    payments = sum(line.payment_minor for line in statement.lines)
    rows = [
        ("", t("Opening balance"), "", "", look.amount(statement.opening_balance_minor, currency)),
        *((line.on.isoformat(), line.description, amount(line.charge_minor), amount(line.payment_minor),
           look.amount(line.balance_minor, currency)) for line in statement.lines),
        ("", t("Closing balance"), look.amount(charges, currency), look.amount(payments, currency),
         look.amount(statement.closing_balance_minor, currency)),
    ]
    data = [("", "opening balance", "", "", _plain(statement.opening_balance_minor, currency)),
            *((line.on.isoformat(), line.description, _plain(line.charge_minor, currency),
               _plain(line.payment_minor, currency), _plain(line.balance_minor, currency)) for line in statement.lines),
            ("", "closing balance", _plain(charges, currency), _plain(payments, currency),
             _plain(statement.closing_balance_minor, currency))]
    table = _data_table((t("Date"), t("Description"), t("Charge"), t("Payment"), t("Balance")), rows, {2, 3, 4}, look,
                        total_row=True, data=("statement", ("date", "description", "charge", "payment", "balance"), data))
    closing = statement.closing_balance_minor
    balance_sentence = (
        t("{name} owes {amount} on {day}.", name=statement.name, amount=look.money(closing, currency), day=look.day(statement.as_of))
        if closing > 0 else
        t("{name} owes nothing on {day}.", name=statement.name, day=look.day(statement.as_of)) if closing == 0 else
        t("{name} is in credit by {amount} on {day}.", name=statement.name, amount=look.money(-closing, currency),
          day=look.day(statement.as_of))
    )
    return [
        NextPageTemplate("body"),
        Spacer(1, 42 * mm),
        _text(t("Statement of account {year}", year=statement.year), look, "Title"),
        _text(f"{statement.name} ({statement.code})", look, "Subtitle"),
        _text(t("Figures as of {day}; amounts in {currency}. The balance is what the member owes; a negative balance "
                "is a credit.", day=look.day(statement.as_of), currency=currency), look),
        _text(t("In {year} the account was charged {charges} and received {payments}.", year=statement.year,
                charges=look.money(charges, currency), payments=look.money(payments, currency)) + " " + balance_sentence,
              look, "Lead"),
        _SectionHeading(t("Account"), "account", look.styles["Heading1"]),
        *_captioned(t("Charges and payments of {year}", year=statement.year), table, look),
        _SectionHeading(t("Standing"), "standing", look.styles["Heading1"]),
        _text(t(STANDING_SENTENCES[statement.standing], day=look.day(statement.as_of), name=statement.name)
              + " " + statement.standing_explanation, look),
    ]


def render_member_statement(statement: model.MemberStatement) -> bytes:
    """A member's statement of account as PDF/A-3 bytes with its table attached; the same record gives the same bytes."""
    look = _Look(statement.lang)
    t = look.t
    title = t("Statement of account {year}", year=statement.year)
    return _build_pdf(
        member_statement_story(statement, look), look,
        facility=statement.facility,
        header=t("{title}: {name}", title=title, name=statement.name),
        footer_note=t("{facility} · {title} · {code} · figures as of {day}", facility=statement.facility, title=title,
                      code=statement.code, day=look.day(statement.as_of)),
        created_on=statement.as_of,
        title=t("{title}: {name}", title=title, name=statement.name),
        subject=t("Charges, payments and balance of {name} ({code}) in {year}", name=statement.name, code=statement.code,
                  year=statement.year),
        keywords=[statement.facility, t("statement of account"), str(statement.year), statement.code, statement.currency],
    )
