"""The printed page of every report: fonts, colours, the stylesheet, the `Look` of one document
(its language and number formats, and the tables it will attach as CSV), and the page furniture
(templates, cover band, header, footer "page X of Y", outline). Nothing here knows what a report says."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.fonts import addMapping
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, StyleSheet1
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph
from reportlab.platypus.doctemplate import IndexingFlowable

from ledger.domain.money import to_decimal
from ledger.formatting import format_amount, format_day, format_money, format_percent, format_quantity
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


class Look:
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


def plain_amount(minor: int, currency: str) -> str:
    """An amount for a CSV file: a plain decimal with the currency's decimals, no grouping: 123450 EUR -> "1234.50"."""
    return str(to_decimal(minor, currency))


# Page furniture: templates, cover band, header, footer, outline. Nothing here knows what a report says.


class SectionHeading(Paragraph):
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
        if isinstance(flowable, SectionHeading):
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


def build_pdf(story: list[Flowable], look: Look, *, facility: str, header: str, footer_note: str, created_on: date,
               title: str, subject: str, keywords: Sequence[str], extra_files: Sequence[Attachment] = ()) -> bytes:
    buffer = io.BytesIO()
    document = _LedgerDocTemplate(buffer, facility=facility, header=header, footer_note=footer_note,
                                  page_label=look.t("page {page} of {pages}"), created_on=created_on, lang=look.locale,
                                  title=title, subject=subject, keywords=list(keywords))
    document.multiBuild([*story, document.page_count])
    return make_pdfa(buffer.getvalue(), [*look.attachments(), *extra_files], created_on=created_on, lang=look.locale)


def paragraph(text: str, look: Look, style: str = "Body") -> Paragraph:
    return Paragraph(escape(text), look.styles[style])


def code_markup(text: str) -> str:
    """Paragraph markup setting a command in the monospaced font, so it can be typed as printed."""
    return f'<font face="{MONO_FONT}">{escape(text)}</font>'
