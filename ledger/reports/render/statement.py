"""A member's statement of account, from the record of ``ledger.reports.model`` only."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, NextPageTemplate, Spacer

from ledger.reports import model
from ledger.reports.render.page import Look, SectionHeading, build_pdf, paragraph, plain_amount
from ledger.reports.render.tables import captioned, data_table

STANDING_SENTENCES = {
    "good": "As of {day} {name} is in good standing.",
    "arrears": "As of {day} {name} is in arrears.",
    "suspended": "As of {day} {name} has its vote suspended.",
}


def member_statement_story(statement: model.MemberStatement, look: Look) -> list[Flowable]:
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
    data = [("", "opening balance", "", "", plain_amount(statement.opening_balance_minor, currency)),
            *((line.on.isoformat(), line.description, plain_amount(line.charge_minor, currency),
               plain_amount(line.payment_minor, currency), plain_amount(line.balance_minor, currency)) for line in statement.lines),
            ("", "closing balance", plain_amount(charges, currency), plain_amount(payments, currency),
             plain_amount(statement.closing_balance_minor, currency))]
    table = data_table((t("Date"), t("Description"), t("Charge"), t("Payment"), t("Balance")), rows, {2, 3, 4}, look,
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
        paragraph(t("Statement of account {year}", year=statement.year), look, "Title"),
        paragraph(f"{statement.name} ({statement.code})", look, "Subtitle"),
        paragraph(t("Figures as of {day}; amounts in {currency}. The balance is what the member owes; a negative balance "
                "is a credit.", day=look.day(statement.as_of), currency=currency), look),
        paragraph(t("In {year} the account was charged {charges} and received {payments}.", year=statement.year,
                charges=look.money(charges, currency), payments=look.money(payments, currency)) + " " + balance_sentence,
              look, "Lead"),
        SectionHeading(t("Account"), "account", look.styles["Heading1"]),
        *captioned(t("Charges and payments of {year}", year=statement.year), table, look),
        SectionHeading(t("Standing"), "standing", look.styles["Heading1"]),
        paragraph(t(STANDING_SENTENCES[statement.standing], day=look.day(statement.as_of), name=statement.name)
              + " " + statement.standing_explanation, look),
    ]


def render_member_statement(statement: model.MemberStatement) -> bytes:
    """A member's statement of account as PDF/A-3 bytes with its table attached; the same record gives the same bytes."""
    look = Look(statement.lang)
    t = look.t
    title = t("Statement of account {year}", year=statement.year)
    return build_pdf(
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
