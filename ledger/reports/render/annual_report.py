"""The annual report's story, one function per section, each from the record of ``ledger.reports.model`` only."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from decimal import Decimal
from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    Paragraph,
    Spacer,
    TableStyle,
)
from reportlab.platypus.tableofcontents import TableOfContents

from ledger.domain import labels
from ledger.domain.compute import REFERENCE_GPU_MS_PER_GPU_HOUR
from ledger.domain.contributions import Standing, count_standings
from ledger.reports import model
from ledger.formatting import decimals_of
from ledger.reports.pdfa import Attachment
from ledger.reports.render.charts import assessed_and_settled_chart, monthly_use_chart, shares_chart, weight_and_power
from ledger.reports.render.page import BODY_FONT, Look, SectionHeading, build_pdf, code_markup, paragraph, plain_amount
from ledger.reports.render.tables import TURN_TO_LANDSCAPE, captioned, data_table

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


def _names(names: Sequence[str], look: Look) -> str:
    """A list in running text: "A, B and C" ("A, B et C")."""
    if len(names) <= 1:
        return "".join(names)
    return look.t("{first} and {last}", first=", ".join(names[:-1]), last=names[-1])


def _cover(report: model.AnnualReport, look: Look) -> list[Flowable]:
    t = look.t
    story: list[Flowable] = [
        Spacer(1, 52 * mm),
        paragraph(t("Annual report {year}", year=report.year), look, "Title"),
        paragraph(t(COVER_STATUS[report.status]), look, "Subtitle"),
        Spacer(1, 6 * mm),
        paragraph(t("Figures as of {day}; amounts in {currency} unless stated.", day=look.day(report.as_of),
                currency=report.currency), look, "Lead"),
    ]
    checkpoint = report.checkpoint
    if checkpoint is None:
        story.append(paragraph(t("The year is not closed: this report carries no journal checkpoint yet."), look))
    else:
        story += [
            paragraph(t("Journal checkpoint: entry {seq}, the year's closing entry of {day}; its SHA-256 hash:",
                    seq=look.quantity(checkpoint.seq), day=look.day(checkpoint.closed_on)), look),
            paragraph(checkpoint.hash, look, "Hash"),
        ]
    story.append(paragraph(t("The data of every table, and the checkpoint, are attached to this file as CSV and JSON "
                         "files (PDF/A-3)."), look))
    if report.data_note:
        story += [Spacer(1, 6 * mm), paragraph(report.data_note, look, "Caption")]
    return [*story, NextPageTemplate("body"), PageBreak()]


def _contents(look: Look) -> list[Flowable]:
    # The contents are a Table of their own, whose cells default to Helvetica unless told.
    contents = TableOfContents(levelStyles=[look.styles["TOCLevel0"]], dotsMinLevel=0, tableStyle=TableStyle([
        ("FONT", (0, 0), (-1, -1), BODY_FONT, 10), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]))
    return [paragraph(look.t("Contents"), look, "Heading1"), contents, PageBreak()]


def _summary(report: model.AnnualReport, look: Look) -> list[Flowable]:
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
        ("budget", plain_amount(report.budget_minor, currency)), ("assessed", plain_amount(assessed, currency)),
        ("paid", plain_amount(paid, currency)), ("in_kind", plain_amount(in_kind, currency)),
        ("outstanding", plain_amount(outstanding, currency)),
        ("arrears", plain_amount(sum(line.arrears_minor for line in lines), currency)), ("members", str(len(lines))),
        *((f"members_{standing}", str(standings[standing])) for standing in model.STANDINGS),
    ]
    table = data_table((t("Figure"), t("Value")), figures, {1}, look, data=("summary", ("figure", "value"), data))
    return [*(paragraph(sentence, look, "Lead") for sentence in sentences),
            *captioned(t("The year {year} as of {day}.", year=report.year, day=look.day(report.as_of)), table, look)]


def _scale(report: model.AnnualReport, look: Look) -> list[Flowable]:
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
    table = data_table((t("Code"), t("Member"), t("Income measure"), t("Income counted"), t("Share"), t("Note")), rows,
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
    chart = shares_chart(report, look)
    return [paragraph(explanation, look), *notes, *captioned(t("Scale of contributions"), table, look),
            *([CondPageBreak(75 * mm), chart] if chart else [])]


def _scale_notes(scale: model.ScaleSection, look: Look) -> list[Flowable]:
    """One note for each adjustment the scale made, naming the members it touched."""
    t = look.t
    notes = [paragraph(t("Notes to the scale"), look, "Heading2")]
    associates = [row.name for row in scale.rows if row.associate]
    if associates:
        notes.append(paragraph(t(
            "Associate factor. Associate members pay a reduced contribution and have no vote (CERN, EMBL): the scale "
            "counts {factor} of an associate's income. This applies to {names}; their income measure is shown as "
            "entered and the income counted beside it, which is why an associate's share is lower than its income "
            "alone would give.", factor=look.percent(scale.associate_factor_pct, decimals_of(scale.associate_factor_pct)),
            names=_names(associates, look)), look, "Note"))
    for bound, bound_pct in (("ceiling", scale.ceiling_pct), ("floor", scale.floor_pct)):
        held = [row.name for row in scale.rows if row.bound == bound]
        if held:
            notes.append(paragraph(t(BOUND_NOTES[bound], bound=look.percent(bound_pct, decimals_of(bound_pct)), names=_names(held, look)),
                               look, "Note"))
    return notes if len(notes) > 1 else []


def _contributions(report: model.AnnualReport, look: Look) -> list[Flowable]:
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
    data = [(line.code, line.name, str(line.share_pct), *(plain_amount(minor, currency) for minor in (
        line.assessed_minor, line.paid_minor, line.in_kind_minor, line.outstanding_minor, line.arrears_minor)),
        line.standing, "" if line.paying_days is None else str(line.paying_days)) for line in lines]
    header = (t("Member"), t("Assessed"), t("Paid"), t("In kind"), t("Outstanding"), t("Arrears"), t("Standing"))
    table = data_table(header, rows, {1, 2, 3, 4, 5}, look, total_row=True, data=(
        "contributions", ("code", "member", "share_pct", "assessed", "paid", "in_kind", "outstanding", "arrears",
                          "standing", "paying_days"), data))
    caption = t("Amounts in {currency}. Outstanding is what remains of this year's assessment; arrears are the unpaid "
                "amounts of any year that the standing rule counts on the report's date.", currency=currency)
    pro_rata = [line for line in lines if line.paying_days is not None]
    notes = [paragraph(t(
        "Pro rata temporis. A member that starts paying during the year is assessed for the days from that day "
        "only, and the others are credited the difference (CERN): {members}.",
        members=_names([t("{name} ({days} days)", name=line.name, days=line.paying_days) for line in pro_rata], look)),
        look, "Note")] if pro_rata else []
    return [KeepTogether(assessed_and_settled_chart(report, look)), *captioned(caption, table, look), *notes]


def _payments(report: model.AnnualReport, look: Look) -> list[Flowable]:
    t = look.t
    currency = report.currency
    if not report.payments:
        return [paragraph(t("No payment was received for {year} by {day}.", year=report.year, day=look.day(report.as_of)), look)]
    rows = [
        (payment.code, payment.paid_on.isoformat(), payment.currency,
         look.amount(payment.amount_minor, payment.currency), look.quantity(payment.rate),
         payment.rate_date.isoformat(), payment.rate_source, look.amount(payment.base_minor, currency),
         payment.reference, t("reversal of {reference}", reference=payment.reversal_of) if payment.reversal_of else "")
        for payment in report.payments
    ]
    rows.append(("", t("Total"), "", "", "", "", "",
                 look.amount(sum(payment.base_minor for payment in report.payments), currency), "", ""))
    data = [(payment.code, payment.paid_on.isoformat(), payment.currency, plain_amount(payment.amount_minor, payment.currency),
             str(payment.rate), payment.rate_date.isoformat(), payment.rate_source, plain_amount(payment.base_minor, currency),
             payment.reference, payment.reversal_of or "") for payment in report.payments]
    reversals = [number for number, payment in enumerate(report.payments) if payment.reversal_of]
    header = (t("Member"), t("Paid on"), t("Currency"), t("Amount"), t("Rate"), t("Rate date"), t("Source"),
              t("Amount in {currency}", currency=currency), t("Reference"), t("Note"))
    # A source is long and the same on many rows: the table prints a letter, the key its words.
    table = data_table(header, rows, {3, 4, 7}, look, total_row=True, muted_rows=reversals, keyed_columns={6}, data=(
        "payments", ("member", "paid_on", "currency", "amount", "rate", "rate_date", "rate_source",
                     f"amount_{currency.lower()}", "reference", "reversal_of"), data))
    caption = t("Each payment in the currency it was made in and at the rate recorded for it ({currency} per unit); "
                "the {currency} amount is the one booked and is never re-converted. A reversal, in grey, "
                "cancels the payment it names.", currency=currency)
    return captioned(caption, table, look)


def _in_kind(report: model.AnnualReport, look: Look) -> list[Flowable]:
    t = look.t
    currency = report.currency
    if not report.in_kind:
        return [paragraph(t("No in-kind contribution was recorded for {year}.", year=report.year), look)]
    rows = [
        (item.code, item.description, t.label(labels.IN_KIND_STATES, item.state), look.amount(item.valued_minor, currency),
         look.amount(item.credited_minor, currency))
        for item in report.in_kind
    ]
    rows.append(("", t("Total"), "", look.amount(sum(item.valued_minor for item in report.in_kind), currency),
                 look.amount(sum(item.credited_minor for item in report.in_kind), currency)))
    data = [(item.code, item.description, item.state, plain_amount(item.valued_minor, currency),
             plain_amount(item.credited_minor, currency)) for item in report.in_kind]
    table = data_table((t("Member"), t("Contribution"), t("State"), t("Valued"), t("Credited")), rows, {3, 4}, look,
                        total_row=True, data=("in-kind", ("member", "contribution", "state", "valued", "credited"), data))
    caption = t("Amounts in {currency}. Only credited value reduces what a member owes in cash.", currency=currency)
    return captioned(caption, table, look)


def _arrears(report: model.AnnualReport, look: Look) -> list[Flowable]:
    t = look.t
    currency = report.currency
    rule = paragraph(t("Rule applied: {rule}", rule=report.standing_rule), look)
    behind = [line for line in report.contributions if line.standing != "good" or line.arrears_minor]
    if not behind:
        return [rule, paragraph(t("As of {day} every member is in good standing with no arrears.", day=look.day(report.as_of)),
                            look)]
    rows = [
        (line.code, line.name, look.amount(line.outstanding_minor, currency),
         look.amount(line.arrears_minor, currency), t.label(labels.STANDINGS, line.standing))
        for line in behind
    ]
    rows.append(("", t("Total"), look.amount(sum(line.outstanding_minor for line in behind), currency),
                 look.amount(sum(line.arrears_minor for line in behind), currency), ""))
    data = [(line.code, line.name, plain_amount(line.outstanding_minor, currency), plain_amount(line.arrears_minor, currency),
             line.standing) for line in behind]
    table = data_table((t("Code"), t("Member"), t("Outstanding"), t("Arrears"), t("Standing")), rows, {2, 3}, look,
                        total_row=True, data=("arrears", ("code", "member", "outstanding", "arrears", "standing"), data))
    caption = t("Members with arrears or not in good standing as of {day}; amounts in {currency}.",
                day=look.day(report.as_of), currency=currency)
    return [rule, *captioned(caption, table, look)]


def _extra_section(section: model.ReportSection, look: Look, slug: str) -> list[Flowable]:
    flowables: list[Flowable] = []
    for block in section.blocks:
        if isinstance(block, model.Table):
            table = data_table(block.header, block.rows, block.numeric_columns, look, total_row=block.total_row,
                                keyed_columns=block.keyed_columns,
                                data=(slug, block.header, block.rows))
            flowables += captioned(block.caption, table, look)
        else:
            flowables.append(paragraph(block.text, look))
    return flowables


def _checkpoint(report: model.AnnualReport, look: Look) -> list[Flowable]:
    t = look.t
    checkpoint = report.checkpoint
    if checkpoint is None:
        return [paragraph(t("The year {year} is not closed yet, so no journal checkpoint is printed. "
                        "The report of the closed year will carry it.", year=report.year), look)]
    return [
        paragraph(t("The year {year} was closed on {day} at journal entry {seq}. The SHA-256 hash of that entry is:",
                year=report.year, day=checkpoint.closed_on.isoformat(), seq=checkpoint.seq), look),
        paragraph(checkpoint.hash, look, "Hash"),
        Paragraph(escape(t(
            "To check it, fetch the public journal with {fetch} and recompute, entry by entry, hash = SHA-256(previous "
            "hash + payload): the hash of entry {seq} must equal the one printed here, and any change to an earlier "
            "entry would change it. The command {verify} does the same on a downloaded export.",
            fetch="\x00fetch\x00", seq=checkpoint.seq, verify="\x00verify\x00",
        )).replace("\x00fetch\x00", code_markup("GET /api/v1/journal?after=0")).replace(
            "\x00verify\x00", code_markup("ledger verify --export FILE")), look.styles["Body"]),
        *_signed_checkpoint(checkpoint, look),
    ]


def _signed_checkpoint(checkpoint: model.JournalCheckpoint, look: Look) -> list[Flowable]:
    t = look.t
    if checkpoint.signed_note is None:
        return [paragraph(t("No signed checkpoint covered this entry when the report was made."), look)]
    return [
        paragraph(t("The first signed checkpoint of the journal's Merkle tree (RFC 9162) that covers entry {seq}, "
                "as published at /api/v1/checkpoints:", seq=checkpoint.seq), look),
        *(paragraph(line, look, "Hash") for line in checkpoint.signed_note.splitlines() if line),
        Paragraph(escape(t(
            "Its signature verifies with the key at {key}; {verify} checks that the journal still extends it.",
            key="\x00key\x00", verify="\x00verify\x00",
        )).replace("\x00key\x00", code_markup("GET /api/v1/checkpoint/key")).replace(
            "\x00verify\x00", code_markup("ledger verify --checkpoint FILE")), look.styles["Body"]),
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


def _compute_chart(report: model.AnnualReport, look: Look) -> list[Flowable]:
    chart = monthly_use_chart(report, look)
    return [KeepTogether(chart)] if chart else []


SECTIONS: tuple[tuple[str, Callable[[model.AnnualReport, Look], list[Flowable]]], ...] = (
    ("The year in brief", _summary),
    ("Scale of contributions", _scale),
    ("Assessments and payments per member", _contributions),
    ("Payments received", _payments),
    ("In-kind contributions", _in_kind),
    ("Arrears and standing", _arrears),
)


def annual_report_story(report: model.AnnualReport, look: Look) -> list[Flowable]:
    """The flowables of the annual report, in order, built from the record alone."""
    t = look.t
    # The charts of the capabilities' chapters follow their tables, each drawn from the record's own figures.
    charts = {t("Board decisions {year}", year=report.year): weight_and_power,
              t("Compute {year}", year=report.year): _compute_chart}
    chapters = [
        *((t(title), build(report, look)) for title, build in SECTIONS),
        *((section.title, [*_extra_section(section, look, f"section-{number}"),
                           *(charts[section.title](report, look) if section.title in charts else [])])
          for number, section in enumerate(report.sections, start=7)),
        (t("Journal checkpoint"), _checkpoint(report, look)),
    ]
    story = [*_cover(report, look), *_contents(look)]
    for number, (title, body) in enumerate(chapters, start=1):
        heading = SectionHeading(title, f"section-{number}", look.styles["Heading1"])
        if tuple(body[:2]) == TURN_TO_LANDSCAPE:  # the heading turns with a chapter that opens on a landscape table
            story += [*TURN_TO_LANDSCAPE, heading, *body[2:]]
        else:
            story += [CondPageBreak(45 * mm), heading, *body]
    return story


def render_annual_report(report: model.AnnualReport) -> bytes:
    """The annual report as PDF/A-3 bytes with its tables attached; the same record always gives the same bytes."""
    look = Look(report.lang)
    t = look.t
    title = t("Annual report {year}", year=report.year)
    status = t("final") if report.status == "closed" else t("draft")
    return build_pdf(
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
