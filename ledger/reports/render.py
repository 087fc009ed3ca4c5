"""PDF renderers: the annual report of a fiscal year and a member's statement of account.

Built the way reportlab's docco and pretix's invoices are: one stylesheet factory whose
styles inherit from "Body"; page furniture (header, footer "page X of Y") drawn by page
templates, apart from the story; the story built from a plain record of
``ledger.reports.model`` and nothing else. The renderers never query anything.

The same record always gives the same bytes: ``invariant=1`` removes the clock and the
random file identifier, and the creation date is the record's own as-of date.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from datetime import date
from decimal import Decimal
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, StyleSheet1
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
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

from ledger.reports import model
from ledger.reports.formatting import decimals_of, format_amount, format_money, format_percent, format_quantity

FACILITY = "Member Ledger"

STANDING_LABELS = {"good": "good standing", "arrears": "in arrears", "suspended": "vote suspended"}
STANDING_COUNT_LABELS = {
    "good": "Members in good standing",
    "arrears": "Members in arrears",
    "suspended": "Members whose vote is suspended",
}
STANDING_SENTENCES = {"good": "is in good standing", "arrears": "is in arrears", "suspended": "has its vote suspended"}
STATUS_LABELS = {
    "draft": "draft: the figures may still change",
    "adopted": "adopted: the year is under way and not closed",
    "closed": "closed: the figures are final",
}

PAGE_SIZE = A4
MARGIN = 20 * mm
FURNITURE_GAP = 8 * mm  # between the text frame and the header or footer line
CELL_FONT = "Helvetica"
CELL_BOLD_FONT = "Helvetica-Bold"
CELL_SIZE = 7.5
CELL_LEADING = 9
CELL_PADDING = 3
ZEBRA = colors.HexColor("#f1f3f6")
RULE = colors.HexColor("#4a5568")
MUTED = colors.HexColor("#555555")


# Styles


def report_styles() -> StyleSheet1:
    """The one stylesheet of every report; each style inherits from "Body" or from a child of it."""
    sheet = StyleSheet1()
    sheet.add(ParagraphStyle("Body", fontName="Helvetica", fontSize=9.5, leading=12.5, spaceAfter=5))
    body = sheet["Body"]
    sheet.add(ParagraphStyle("Title", parent=body, fontName="Helvetica-Bold", fontSize=26, leading=32, spaceAfter=12))
    sheet.add(ParagraphStyle("Subtitle", parent=body, fontSize=14, leading=18, spaceAfter=8))
    sheet.add(ParagraphStyle("Heading1", parent=body, fontName="Helvetica-Bold", fontSize=15, leading=19,
                             spaceBefore=12, spaceAfter=8))
    sheet.add(ParagraphStyle("Caption", parent=body, fontName="Helvetica-Oblique", fontSize=8.5, leading=11,
                             spaceBefore=4, spaceAfter=4))
    sheet.add(ParagraphStyle("Cell", parent=body, fontName=CELL_FONT, fontSize=CELL_SIZE, leading=CELL_LEADING,
                             spaceAfter=0))
    sheet.add(ParagraphStyle("HeaderCell", parent=sheet["Cell"], fontName=CELL_BOLD_FONT))
    sheet.add(ParagraphStyle("NumericHeaderCell", parent=sheet["HeaderCell"], alignment=TA_RIGHT))
    sheet.add(ParagraphStyle("Hash", parent=body, fontName="Courier", fontSize=9, leading=12, spaceBefore=2,
                             spaceAfter=8))
    sheet.add(ParagraphStyle("TOCLevel0", parent=body, fontSize=11, leading=16))
    return sheet


# Page furniture: templates, header, footer, outline. Nothing here knows what a report says.


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
    """A4 pages: a "cover" template with only the footer, a "body" template with header and footer."""

    def __init__(self, buffer: io.BytesIO, *, header: str, footer_note: str, created_on: date, **metadata: object):
        super().__init__(
            buffer,
            pagesize=PAGE_SIZE,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN + FURNITURE_GAP,
            bottomMargin=MARGIN + FURNITURE_GAP,
            author=FACILITY,
            creator=FACILITY,
            invariant=1,
            lang="en",
            displayDocTitle=1,
            **metadata,
        )
        self.header = header
        self.footer_note = footer_note
        self.created_on = created_on
        self.page_count = _PageCount()
        self.addPageTemplates([
            PageTemplate("cover", [self._text_frame()], onPage=self._draw_footer),
            PageTemplate("body", [self._text_frame()], onPage=self._draw_header_and_footer),
        ])

    def _text_frame(self) -> Frame:
        return Frame(self.leftMargin, self.bottomMargin, self.width, self.height,
                     leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)

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
        canvas.line(self.leftMargin, bottom + 10, self.leftMargin + self.width, bottom + 10)
        canvas.setFont("Helvetica", 8)
        canvas.setFillColor(MUTED)
        canvas.drawString(self.leftMargin, bottom, self.footer_note)
        canvas.drawRightString(self.leftMargin + self.width, bottom, f"page {doc.page} of {total}")
        canvas.restoreState()

    def _draw_header_and_footer(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        top = PAGE_SIZE[1] - MARGIN
        canvas.saveState()
        canvas.setFont("Helvetica-Bold", 8.5)
        canvas.setFillColor(MUTED)
        canvas.drawString(self.leftMargin, top, self.header)
        canvas.setFont("Helvetica", 8.5)
        canvas.drawRightString(self.leftMargin + self.width, top, FACILITY)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(self.leftMargin, top - 4, self.leftMargin + self.width, top - 4)
        canvas.restoreState()
        self._draw_footer(canvas, doc)


def _build_pdf(story: list[Flowable], *, header: str, footer_note: str, created_on: date, title: str,
               subject: str, keywords: Sequence[str]) -> bytes:
    buffer = io.BytesIO()
    document = _LedgerDocTemplate(buffer, header=header, footer_note=footer_note, created_on=created_on,
                                  title=title, subject=subject, keywords=list(keywords))
    document.multiBuild([*story, document.page_count])
    return buffer.getvalue()


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
                   numeric_columns: Collection[int]) -> list[float]:
    """The widths of the columns: each on one line when the table fits the frame.

    When the one-line widths are too wide, numbers still keep theirs (a figure never wraps),
    text columns get at least their longest word (a word is never split), and the room left
    goes first to the columns where wrapping would lengthen the most rows. `measured` holds
    the one-line width of each cell of `rows`.
    """
    available = PAGE_SIZE[0] - 2 * MARGIN
    one_line = [max(_cell_width(title), *(widths[column] for widths in measured))
                for column, title in enumerate(header)]
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


def _data_table(header: Sequence[str], rows: Sequence[Sequence[str]], numeric_columns: Collection[int],
                styles: StyleSheet1, *, total_row: bool = False, muted_rows: Collection[int] = ()) -> Table:
    """A table of text cells that fits the frame: numbers keep their width and align right,
    text wraps at spaces (a Paragraph only where a cell is too wide), so no name is ever cut."""
    measured = [[_cell_width(text) for text in row] for row in rows]
    widths = _column_widths(header, rows, measured, numeric_columns)

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
        *(("FONT", (0, row + 1), (-1, row + 1), "Helvetica-Oblique", CELL_SIZE, CELL_LEADING) for row in muted_rows),
    ]
    if total_row:
        commands += [
            ("FONT", (0, -1), (-1, -1), CELL_BOLD_FONT, CELL_SIZE, CELL_LEADING),
            ("LINEABOVE", (0, -1), (-1, -1), 0.8, RULE),
            ("BACKGROUND", (0, -1), (-1, -1), colors.white),
        ]
    return Table([header_cells, *body], colWidths=widths, repeatRows=1, hAlign="LEFT", style=TableStyle(commands))


def _captioned(caption: str, table: Table, styles: StyleSheet1) -> list[Flowable]:
    # A caption alone at the foot of a page is useless; start a page unless a few rows fit.
    return [CondPageBreak(30 * mm), Paragraph(escape(caption), styles["Caption"]), table, Spacer(1, 4 * mm)]


def _text(text: str, styles: StyleSheet1, style: str = "Body") -> Paragraph:
    return Paragraph(escape(text), styles[style])


def _code(text: str) -> str:
    """Paragraph markup setting a command in the monospaced font, so it can be typed as printed."""
    return f'<font face="Courier">{escape(text)}</font>'


# The annual report's story, one function per section, each from the record only.


def _cover(report: model.AnnualReport, styles: StyleSheet1) -> list[Flowable]:
    return [
        Spacer(1, 50 * mm),
        _text(f"Annual report {report.year}", styles, "Title"),
        _text(FACILITY, styles, "Subtitle"),
        Spacer(1, 8 * mm),
        _text(f"Status: {STATUS_LABELS[report.status]}", styles),
        _text(f"Figures as of {report.as_of.isoformat()}; amounts in {report.currency} unless stated.", styles),
        Spacer(1, 8 * mm),
        _text(report.data_note, styles),
        NextPageTemplate("body"),
        PageBreak(),
    ]


def _contents(styles: StyleSheet1) -> list[Flowable]:
    contents = TableOfContents(levelStyles=[styles["TOCLevel0"]], dotsMinLevel=0)
    return [_text("Contents", styles, "Heading1"), contents, PageBreak()]


def _summary(report: model.AnnualReport, styles: StyleSheet1) -> list[Flowable]:
    lines = report.contributions
    currency = report.currency
    standings = Counter(line.standing for line in lines)
    figures = [
        ("Budget of the year", format_money(report.budget_minor, currency)),
        ("Assessed contributions", format_money(sum(line.assessed_minor for line in lines), currency)),
        ("Paid in cash", format_money(sum(line.paid_minor for line in lines), currency)),
        ("Credited in kind", format_money(sum(line.in_kind_minor for line in lines), currency)),
        ("Outstanding for the year", format_money(sum(line.outstanding_minor for line in lines), currency)),
        ("Arrears on that date", format_money(sum(line.arrears_minor for line in lines), currency)),
        ("Members", str(len(lines))),
        *((STANDING_COUNT_LABELS[standing], str(standings[standing])) for standing in model.STANDINGS),
    ]
    table = _data_table(("Figure", "Value"), figures, {1}, styles)
    return _captioned(f"The year {report.year} as of {report.as_of.isoformat()}.", table, styles)


def _scale(report: model.AnnualReport, styles: StyleSheet1) -> list[Flowable]:
    scale = report.scale
    decimals = decimals_of(scale.precision_pct)
    rows = [
        (row.code, row.name, format_quantity(row.income), format_percent(row.share_pct, decimals), row.bound)
        for row in scale.rows
    ]
    rows.append(("", "Total", format_quantity(sum((row.income for row in scale.rows), Decimal(0))),
                 format_percent(sum((row.share_pct for row in scale.rows), Decimal(0)), decimals), ""))
    explanation = (
        f"Scale for {scale.period}, adopted by {scale.adopted_by}. Each share is the member's income measure "
        f"over the total, held between a floor of {format_percent(scale.floor_pct, 0)} and a ceiling of "
        f"{format_percent(scale.ceiling_pct, 0)} and rounded to {format_percent(scale.precision_pct, 0)}, so the "
        "shares add up to exactly 100%. A member marked ceiling or floor is held at that bound."
    )
    table = _data_table(("Code", "Member", "Income measure", "Share", "Held at"), rows, {2, 3}, styles, total_row=True)
    return [_text(explanation, styles), *_captioned("Scale of contributions", table, styles)]


def _contributions(report: model.AnnualReport, styles: StyleSheet1) -> list[Flowable]:
    currency = report.currency
    lines = report.contributions
    decimals = decimals_of(report.scale.precision_pct)

    def amount(minor: int) -> str:
        return format_amount(minor, currency)

    rows = [
        (line.code, line.name, format_percent(line.share_pct, decimals), amount(line.assessed_minor),
         amount(line.paid_minor), amount(line.in_kind_minor), amount(line.outstanding_minor),
         amount(line.arrears_minor), STANDING_LABELS[line.standing])
        for line in lines
    ]
    rows.append((
        "", "Total", format_percent(sum((line.share_pct for line in lines), Decimal(0)), decimals),
        *(amount(sum(getattr(line, name) for line in lines))
          for name in ("assessed_minor", "paid_minor", "in_kind_minor", "outstanding_minor", "arrears_minor")),
        "",
    ))
    header = ("Code", "Member", "Share", "Assessed", "Paid", "In kind", "Outstanding", "Arrears", "Standing")
    table = _data_table(header, rows, {2, 3, 4, 5, 6, 7}, styles, total_row=True)
    caption = (f"Amounts in {currency}. Outstanding is what remains of this year's assessment; "
               "arrears are the unpaid amounts of any year that the standing rule counts on the report's date.")
    return _captioned(caption, table, styles)


def _payments(report: model.AnnualReport, styles: StyleSheet1) -> list[Flowable]:
    currency = report.currency
    if not report.payments:
        return [_text(f"No payment was received for {report.year} by {report.as_of.isoformat()}.", styles)]
    rows = [
        (payment.code, payment.paid_on.isoformat(), payment.currency,
         format_amount(payment.amount_minor, payment.currency), format_quantity(payment.rate),
         payment.rate_date.isoformat(), payment.rate_source, format_amount(payment.base_minor, currency),
         payment.reference, f"reversal of {payment.reversal_of}" if payment.reversal_of else "")
        for payment in report.payments
    ]
    rows.append(("", "Total", "", "", "", "", "",
                 format_amount(sum(payment.base_minor for payment in report.payments), currency), "", ""))
    reversals = [number for number, payment in enumerate(report.payments) if payment.reversal_of]
    header = ("Member", "Paid on", "Currency", "Amount", "Rate", "Rate date", "Rate source", f"Amount in {currency}",
              "Reference", "Note")
    table = _data_table(header, rows, {3, 4, 7}, styles, total_row=True, muted_rows=reversals)
    caption = (f"Each payment in the currency it was made in and at the rate recorded for it ({currency} per unit); "
               f"the {currency} amount is the one booked and is never re-converted. A reversal, in italics, "
               "cancels the payment it names.")
    return _captioned(caption, table, styles)


def _in_kind(report: model.AnnualReport, styles: StyleSheet1) -> list[Flowable]:
    currency = report.currency
    if not report.in_kind:
        return [_text(f"No in-kind contribution was recorded for {report.year}.", styles)]
    rows = [
        (item.code, item.description, item.state, format_amount(item.valued_minor, currency),
         format_amount(item.credited_minor, currency))
        for item in report.in_kind
    ]
    rows.append(("", "Total", "", format_amount(sum(item.valued_minor for item in report.in_kind), currency),
                 format_amount(sum(item.credited_minor for item in report.in_kind), currency)))
    table = _data_table(("Member", "Contribution", "State", "Valued", "Credited"), rows, {3, 4}, styles,
                        total_row=True)
    caption = f"Amounts in {currency}. Only credited value reduces what a member owes in cash."
    return _captioned(caption, table, styles)


def _arrears(report: model.AnnualReport, styles: StyleSheet1) -> list[Flowable]:
    currency = report.currency
    rule = _text(f"Rule applied: {report.standing_rule}", styles)
    behind = [line for line in report.contributions if line.standing != "good" or line.arrears_minor]
    if not behind:
        return [rule, _text(f"As of {report.as_of.isoformat()} every member is in good standing with no arrears.",
                            styles)]
    rows = [
        (line.code, line.name, format_amount(line.outstanding_minor, currency),
         format_amount(line.arrears_minor, currency), STANDING_LABELS[line.standing])
        for line in behind
    ]
    rows.append(("", "Total", format_amount(sum(line.outstanding_minor for line in behind), currency),
                 format_amount(sum(line.arrears_minor for line in behind), currency), ""))
    table = _data_table(("Code", "Member", "Outstanding", "Arrears", "Standing"), rows, {2, 3}, styles,
                        total_row=True)
    caption = f"Members with arrears or not in good standing as of {report.as_of.isoformat()}; amounts in {currency}."
    return [rule, *_captioned(caption, table, styles)]


def _extra_section(section: model.ReportSection, styles: StyleSheet1) -> list[Flowable]:
    flowables: list[Flowable] = []
    for block in section.blocks:
        if isinstance(block, model.Table):
            table = _data_table(block.header, block.rows, block.numeric_columns, styles, total_row=block.total_row)
            flowables += _captioned(block.caption, table, styles)
        else:
            flowables.append(_text(block.text, styles))
    return flowables


def _checkpoint(report: model.AnnualReport, styles: StyleSheet1) -> list[Flowable]:
    checkpoint = report.checkpoint
    if checkpoint is None:
        return [_text(f"The year {report.year} is not closed yet, so no journal checkpoint is printed. "
                      "The report of the closed year will carry it.", styles)]
    return [
        _text(f"The year {report.year} was closed on {checkpoint.closed_on.isoformat()} at journal entry "
              f"{checkpoint.seq}. The SHA-256 hash of that entry is:", styles),
        _text(checkpoint.hash, styles, "Hash"),
        Paragraph(
            f"To check it, fetch the public journal with {_code('GET /api/v1/journal?after=0')} and recompute, "
            f"entry by entry, hash = SHA-256(previous hash + payload): the hash of entry {checkpoint.seq} must equal "
            "the one printed here, and any change to an earlier entry would change it. The command "
            f"{_code('ledger verify --export FILE')} does the same on a downloaded export.",
            styles["Body"],
        ),
        *_signed_checkpoint(checkpoint, styles),
    ]


def _signed_checkpoint(checkpoint: model.JournalCheckpoint, styles: StyleSheet1) -> list[Flowable]:
    if checkpoint.signed_note is None:
        return [_text("No signed checkpoint covered this entry when the report was made.", styles)]
    return [
        _text(f"The first signed checkpoint of the journal's Merkle tree (RFC 9162) that covers entry {checkpoint.seq}, "
              "as published at /api/v1/checkpoints:", styles),
        *(_text(line, styles, "Hash") for line in checkpoint.signed_note.splitlines() if line),
        Paragraph(
            f"Its signature verifies with the key at {_code('GET /api/v1/checkpoint/key')}; "
            f"{_code('ledger verify --checkpoint FILE')} checks that the journal still extends it.",
            styles["Body"],
        ),
    ]


_SECTIONS: tuple[tuple[str, Callable[[model.AnnualReport, StyleSheet1], list[Flowable]]], ...] = (
    ("Summary in figures", _summary),
    ("Scale of contributions", _scale),
    ("Assessments and payments per member", _contributions),
    ("Payments received", _payments),
    ("In-kind contributions", _in_kind),
    ("Arrears and standing", _arrears),
)


def annual_report_story(report: model.AnnualReport, styles: StyleSheet1) -> list[Flowable]:
    """The flowables of the annual report, in order, built from the record alone."""
    chapters = [
        *((title, build(report, styles)) for title, build in _SECTIONS),
        *((section.title, _extra_section(section, styles)) for section in report.sections),
        ("Journal checkpoint", _checkpoint(report, styles)),
    ]
    story = [*_cover(report, styles), *_contents(styles)]
    for number, (title, body) in enumerate(chapters, start=1):
        story += [CondPageBreak(45 * mm), _SectionHeading(title, f"section-{number}", styles["Heading1"]), *body]
    return story


def render_annual_report(report: model.AnnualReport) -> bytes:
    """The annual report as PDF bytes; the same record always gives the same bytes."""
    title = f"Annual report {report.year}"
    return _build_pdf(
        annual_report_story(report, report_styles()),
        header=f"{title} ({report.status})",
        footer_note=f"{FACILITY} · {title} · figures as of {report.as_of.isoformat()}",
        created_on=report.as_of,
        title=f"{title}: {FACILITY}",
        subject=f"Contributions, payments, in-kind, arrears and journal checkpoint of the fiscal year {report.year}",
        keywords=[FACILITY, "annual report", str(report.year), "contributions", "arrears", report.currency],
    )


# The member's statement of account.


def member_statement_story(statement: model.MemberStatement, styles: StyleSheet1) -> list[Flowable]:
    """The flowables of a member's statement of account, built from the record alone."""
    currency = statement.currency

    def amount(minor: int) -> str:
        return format_amount(minor, currency) if minor else ""

    rows = [
        ("", "Opening balance", "", "", format_amount(statement.opening_balance_minor, currency)),
        *((line.on.isoformat(), line.description, amount(line.charge_minor), amount(line.payment_minor),
           format_amount(line.balance_minor, currency)) for line in statement.lines),
        ("", "Closing balance", format_amount(sum(line.charge_minor for line in statement.lines), currency),
         format_amount(sum(line.payment_minor for line in statement.lines), currency),
         format_amount(statement.closing_balance_minor, currency)),
    ]
    table = _data_table(("Date", "Description", "Charge", "Payment", "Balance"), rows, {2, 3, 4}, styles,
                        total_row=True)
    return [
        NextPageTemplate("body"),
        _text(f"Statement of account {statement.year}", styles, "Title"),
        _text(f"{statement.name} ({statement.code})", styles, "Subtitle"),
        _text(f"Figures as of {statement.as_of.isoformat()}; amounts in {currency}. The balance is what the member "
              "owes; a negative balance is a credit.", styles),
        _SectionHeading("Account", "account", styles["Heading1"]),
        *_captioned(f"Charges and payments of {statement.year}", table, styles),
        _SectionHeading("Standing", "standing", styles["Heading1"]),
        _text(f"As of {statement.as_of.isoformat()} {statement.name} {STANDING_SENTENCES[statement.standing]}. "
              f"{statement.standing_explanation}", styles),
    ]


def render_member_statement(statement: model.MemberStatement) -> bytes:
    """A member's statement of account as PDF bytes; the same record always gives the same bytes."""
    title = f"Statement of account {statement.year}"
    return _build_pdf(
        member_statement_story(statement, report_styles()),
        header=f"{title}: {statement.name}",
        footer_note=f"{FACILITY} · {title} · {statement.code} · figures as of {statement.as_of.isoformat()}",
        created_on=statement.as_of,
        title=f"{title}: {statement.name}",
        subject=f"Charges, payments and balance of {statement.name} ({statement.code}) in {statement.year}",
        keywords=[FACILITY, "statement of account", str(statement.year), statement.code, statement.currency],
    )
