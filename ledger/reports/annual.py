"""Assembling the annual report and members' statements from the read side, as plain data objects.

Long because it assembles every section of the annual report (and the member's statement) in
the order printed, one function each, all sharing the report's words (`_Words`).

The renderer never queries; these functions read through ledger.queries and hand it records.
A closed year is read as the ledger stood at its closing entry, so its report never changes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import Connection

from ledger.domain import labels
from ledger.domain.compute import REFERENCE_GPU_MS_PER_GPU_HOUR, EntryKind, SafetyLevel, gpu_hours
from ledger.domain.errors import NotFound
from ledger.domain.contributions import ArrearsCounted, MemberStanding, standing_years
from ledger.domain.members import MemberStatus
from ledger.domain.settings import Settings
from ledger.domain.governance.explain import explain_snapshot
from ledger.domain.governance.rules import Rule, Weighting, rule_votes
from ledger.domain.governance.power import rounded_voting_power
from ledger.queries import compute as compute_queries
from ledger.queries import contributions as contribution_queries
from ledger.queries import governance as governance_queries
from ledger.queries import journal as journal_queries
from ledger.queries import tlog as tlog_queries
from ledger.queries import usage as usage_queries
from ledger.queries.members import membership_timelines
from ledger.queries.compute import ComputeYear
from ledger.queries.contributions import StatementEntry, View, YearRow
from ledger.reports import model
from ledger.formatting import decimals_of, format_day, format_fixed, format_money, format_percent, format_quantity
from ledger.reports.i18n import Translator, name_order

DEMO_NOTE = (
    "The scale's income measure is the Gapminder data shipped with the plotly package (GDP = gdpPercap x pop); "
    "the payments are demonstration data."
)


@dataclass(frozen=True, slots=True)
class _Words:
    """The language a report is assembled in: its messages and its number formats."""

    t: Translator
    locale: str

    @classmethod
    def of(cls, lang: str) -> "_Words":
        return cls(Translator(lang), lang)

    def whole(self, value: int) -> str:
        return format_quantity(value, self.locale)

    def percent(self, value: Decimal, step: Decimal) -> str:
        """A share rounded to `step` and written as the rest of the report writes percentages: 12.3456, 0.01 -> "12.35%"."""
        return format_percent(value.quantize(step), decimals_of(step), self.locale)

    def whole_hours(self, reference_gpu_ms: int) -> str:
        """Whole GPU-hours, grouped, for quotas: 469098000000 -> "130,305"."""
        return self.whole(reference_gpu_ms // REFERENCE_GPU_MS_PER_GPU_HOUR)

    def thousandths(self, reference_gpu_ms: int) -> str:
        """GPU-hours to a thousandth, grouped, as usage is published: -433800000 -> "-120.500"."""
        return format_fixed(gpu_hours(reference_gpu_ms), 3, self.locale)


@dataclass(frozen=True, slots=True)
class ReportLink:
    """A downloadable report as /reports/ lists it."""

    title: str
    url: str
    description: str


def reportable_year(connection: Connection, year: int) -> YearRow:
    """An adopted or closed year (a draft year has no assessments to report)."""
    found = contribution_queries.find_year(connection, year)
    if found is None or found.status == "draft":
        raise NotFound(f"no report for {year}: reports exist for fiscal years whose budget was adopted")
    return found


def available_reports(connection: Connection) -> list[tuple[YearRow, ReportLink]]:
    """The annual report of every adopted or closed year, newest first."""
    years = [y for y in contribution_queries.list_years(connection) if y.status != "draft"]
    return [
        (
            year,
            ReportLink(
                title=f"Annual report {year.year}",
                url=f"/reports/annual/{year.year}.pdf",
                description="final, as closed" if year.status == "closed" else "provisional: the year is not closed",
            ),
        )
        for year in reversed(years)
    ]


def build_annual_report(connection: Connection, year: int, today: date, lang: str = "en") -> model.AnnualReport:
    """The year's annual report in `lang`: scale, contributions, payments, in kind, standing, board, compute, checkpoint."""
    words = _Words.of(lang)
    found = reportable_year(connection, year)
    view = contribution_queries.view_of(found, today)
    contributions = contribution_queries.year_contributions(connection, found, view)
    scales = [scale for scale in contribution_queries.list_scales(connection, view.through_seq) if scale.first_year <= year]
    scale = contribution_queries.scale_of_year(connection, year, view.through_seq)
    payments = contribution_queries.payments_between(connection, date(year, 1, 1), date(year, 12, 31), view)
    timelines = membership_timelines(connection)
    first, last = date(year, 1, 1), date(year, 12, 31)
    year_days = (last - first).days + 1

    def paying_days(code: str) -> int | None:
        days = timelines[code].paying_days(first, last) if code in timelines else year_days
        return None if days >= year_days else days

    associates = {code for code, timeline in timelines.items() if timeline.paying_status_in(first, last) is MemberStatus.ASSOCIATE}
    decided = governance_queries.closed_motions(connection, year, view.through_seq)
    compute_year = compute_queries.compute_year(connection, year, view.through_seq)
    months = usage_queries.monthly_usage(connection, year, through_seq=view.through_seq)
    return model.AnnualReport(
        year=year,
        status=found.status,
        currency=found.currency,
        budget_minor=found.budget_minor,
        as_of=view.as_of,
        scale=_scale_section(scale, associates, words),
        contributions=tuple(sorted((
            model.ContributionLine(
                code=row.code, name=words.t.member(row.code, row.name), share_pct=row.share_pct, assessed_minor=row.assessed_minor,
                paid_minor=row.paid_minor, in_kind_minor=row.in_kind_minor, outstanding_minor=row.outstanding_minor,
                arrears_minor=row.arrears_minor, standing=row.standing.standing.value, paying_days=paying_days(row.code),
            )
            for row in contributions.rows
        ), key=lambda line: name_order(line.name))),
        payments=tuple(line for payment in payments for line in _payment_lines(payment, view, words)),
        in_kind=tuple(
            model.InKindLine(code=row.code, description=row.description, state=row.state, valued_minor=row.valued_minor or 0, credited_minor=row.credited_minor or 0)
            for row in contribution_queries.in_kind_of_year(connection, year, view)
        ),
        standing_rule=_standing_rule_sentence(contributions.settings, words),
        checkpoint=_checkpoint(connection, found),
        data_note=words.t(DEMO_NOTE) if scale and "Gapminder" in scale.income_measure else "",
        sections=(*_board_sections(connection, year, decided, words), _compute_section(connection, year, view, contributions.settings, compute_year, months, words)),
        facility=contributions.settings.texts["facility_name"],
        lang=lang,
        scale_history=tuple(
            model.ScalePeriod(first_year=period.first_year, last_year=period.last_year,
                              shares=tuple((line.code, line.share_pct) for line in period.lines))
            for period in scales
        ),
        decisions=tuple(
            model.Decision(number=row.id, title=row.title, kind=words.t.label(labels.MOTION_KINDS, row.kind), adopted=row.outcome == "adopted")
            for row, _snapshot in decided
        ),
        weight_and_power=_weight_and_power(decided, governance_queries.member_names(connection), words),
        compute=None if compute_year is None else model.ComputeSummary(
            capacity_gpu_hours=compute_year.capacity_gpu_hours,
            used_ms=sum(month.reference_gpu_ms for month in months),
            monthly_ms=tuple((month.group, month.reference_gpu_ms) for month in months),
        ),
    )


def _board_sections(connection: Connection, year: int, decided: list, words: _Words) -> tuple[model.ReportSection, ...]:
    """The year's board decisions: each with its rule, outcome and explanation, then the roll-calls."""
    t = words.t
    title = t("Board decisions {year}", year=year)
    if not decided:
        return (model.ReportSection(title, (model.Paragraph(t("The board closed no motion in {year}.", year=year)),)),)
    blocks: list[model.Paragraph | model.Table] = [
        model.Table(
            caption=t("Motions closed in {year}", year=year),
            header=(t("No."), t("Meeting"), t("Motion"), t("Kind"), t("Rule"), t("Ballot"), t("Outcome")),
            rows=tuple(
                (str(row.id), row.held_on.isoformat(), row.title, t.label(labels.MOTION_KINDS, row.kind),
                 t.label(labels.VOTING_RULES, row.rule_name), t.label(labels.BALLOT_KINDS, row.ballot),
                 t.label(labels.OUTCOMES, row.outcome or ""))
                for row, _snapshot in decided
            ),
            keyed_columns=frozenset({4}),  # a rule's label runs to a line of its own
        )
    ]
    # The sentence the decision recorded, rebuilt from the thresholds its snapshot stored, in the report's language.
    blocks += [model.Paragraph(t("Motion {number}, {title}: {explanation}", number=row.id, title=row.title,
                                 explanation=explain_snapshot(snapshot, t))) for row, snapshot in decided]
    roll_calls = [(row, snapshot) for row, snapshot in decided if snapshot.get("votes") is not None]
    if roll_calls:
        names = {code: t.member(code, name) for code, name in governance_queries.member_names(connection).items()}
        voters = {code for _row, snapshot in roll_calls for code in (*snapshot["decision"]["eligible"], *snapshot.get("ineligible", {}))}
        blocks.append(
            model.Table(
                caption=t("Roll-calls: Y yes, N no, A abstain, - absent, S vote suspended (columns are the motions' numbers; secret ballots are not named)"),
                header=(t("Member"), *(str(row.id) for row, _snapshot in roll_calls)),
                rows=tuple(
                    (names[code], *(t(_roll_call_cell(code, snapshot)) for _row, snapshot in roll_calls))
                    for code in sorted(voters, key=lambda code: name_order(names[code]))
                ),
            )
        )
    return (model.ReportSection(title, tuple(blocks)),)


# A chart draws power to a tenth of a percent: weights rounded to about a thousand parts of the
# total give the same picture in a tenth of a second where exact weights take seconds.
CHART_POWER_WORK = 40_000
PERCENT_STEP = Decimal("0.01")


def _weight_and_power(decided: list, names: dict[str, str], words: _Words) -> tuple[model.WeightAndPower, ...]:
    """Each weighted rule of the year with the weights it was applied with: its members' weights
    against their Banzhaf and Shapley-Shubik indices, once for all the motions it decided.

    The weights and the members entitled to vote are those the motions' snapshots recorded
    when they closed; the indices are ledger.domain.governance.power's, for the whole rule.
    """
    t = words.t
    uses: dict[tuple, list] = {}  # (rule, basis, weights) -> [first motion, snapshot, later motions' numbers]
    for row, snapshot in decided:
        if snapshot["rule"]["weights"] != Weighting.WEIGHTED.value or not snapshot.get("weights"):
            continue
        eligible = snapshot["decision"]["eligible"]
        key = (json.dumps(snapshot["rule"], sort_keys=True), snapshot.get("weights_basis", ""),
               tuple((code, snapshot["weights"][code]) for code in sorted(eligible)))
        uses.setdefault(key, [row, snapshot, []])[2].append(row.id)
    found = []
    for (_rule, basis, weighed), (row, snapshot, numbers) in uses.items():
        rule = Rule.from_json(snapshot["rule"])
        weights = {code: Fraction(weight) for code, weight in weighed}
        votes = rule_votes(rule, weights)
        total = sum(votes.values())
        if not total:
            continue
        power, parts = rounded_voting_power(rule, weights, work_limit=CHART_POWER_WORK)
        found.append(model.WeightAndPower(
            number=row.id, title=row.title, rule=t.label(labels.VOTING_RULES, row.rule_name),
            basis=t("the scale of contributions") if basis == "contribution" else basis.removeprefix("weight_set:"),
            rounded_parts=parts, also_decided=tuple(numbers[1:]),
            members=tuple(sorted((model.MemberPower(
                code=code, name=t.member(code, names[code]), weight_pct=_percent_of(votes[code] / total),
                banzhaf_pct=_percent_of(power.banzhaf[code]), shapley_shubik_pct=_percent_of(power.shapley_shubik.index[code]),
            ) for code in weights), key=lambda member: (-member.weight_pct, member.code))),
        ))
    return tuple(found)


def _percent_of(share: Fraction) -> Decimal:
    """An exact share as a percentage to a hundredth: Fraction(1, 3) -> Decimal("33.33")."""
    return (Decimal(share.numerator) * 100 / Decimal(share.denominator)).quantize(PERCENT_STEP)


def _roll_call_cell(code: str, snapshot: dict) -> str:
    if code in snapshot.get("ineligible", {}):
        return "S"
    return {"yes": "Y", "no": "N", "abstain": "A"}.get(snapshot["votes"].get(code, ""), "-")


# --------------------------------------------------------------------------- compute

CONTRIBUTION_SHARE = Decimal("0.001")  # as the scale of contributions prints shares
USE_SHARE = Decimal("0.01")
RATIO = Decimal("0.01")


def _compute_section(connection: Connection, year: int, view: View, settings: Settings, found: ComputeYear | None,
                     months: list, words: _Words) -> model.ReportSection:
    """The year's compute: capacity, reserves and quotas, each member's GPU-hour ledger, transfers, use by safety level."""
    t = words.t
    if found is None:
        blocks: list[model.Paragraph | model.Table] = [
            model.Paragraph(t("No capacity plan was recorded for {year}, so no GPU-hours were allocated.", year=year))
        ]
    else:
        blocks = [_units_paragraph(words), _capacity_table(found, words), _rules_paragraph(found, view, settings, words)]
        if found.allocated:
            blocks += [_allocation_table(found, words), *_member_tables(found, words), *_ledger_line_tables(connection, year, view, words)]
        else:
            blocks.append(model.Paragraph(t("The reserves and member quotas of {year} are not allocated yet.", year=year)))
    return model.ReportSection(t("Compute {year}", year=year), (*blocks, *_usage_tables(connection, year, view, months, words)))


def _units_paragraph(words: _Words) -> model.Paragraph:
    return model.Paragraph(words.t(
        "Units. Every figure is in reference GPU-hours: one hour of one GPU of normalisation factor 1. A pool's factor "
        "is what one hour of one of its GPUs is worth in reference GPU-hours, so a year's capacity is the sum over its "
        "pools of GPUs x hours in the year x availability x factor, rounded down to whole GPU-hours, and a job is "
        "charged its GPUs x elapsed time x its GPU type's factor (factor 1 when its Slurm record names no GPU type). "
        "Usage and the ledger are kept exact to the reference GPU-millisecond and printed to a thousandth of a GPU-hour."
    ))


def _capacity_table(found: ComputeYear, words: _Words) -> model.Table:
    t, locale = words.t, words.locale
    rows = [
        (pool.gpu_type, words.whole(pool.count), format_quantity(pool.availability, locale), format_quantity(pool.factor, locale),
         format_quantity(pool.count * found.hours_in_year * pool.availability * pool.factor, locale))
        for pool in found.pools
    ]
    rows.append((t("Total"), words.whole(found.gpus), "", "", words.whole(found.capacity_gpu_hours)))
    return model.Table(
        caption=t("Capacity of {year}: {hours} hours in the year, reference GPU-hours per pool "
                  "(the total is rounded down); plan following {decision}",
                  year=found.year, hours=words.whole(found.hours_in_year), decision=found.decision),
        header=(t("GPU type"), t("GPUs"), t("Availability"), t("Factor"), t("Reference GPU-hours")),
        rows=tuple(rows), numeric_columns=frozenset({1, 2, 3, 4}), total_row=True,
    )


def _allocation_table(found: ComputeYear, words: _Words) -> model.Table:
    t = words.t
    quotas = sum(member.quota_gpu_hours for member in found.members)  # credits are whole GPU-hours
    return model.Table(
        caption=t("The capacity of {year} as allocated: reserves first, then the members' quotas", year=found.year),
        header=(t("Part"), t("Percent of capacity"), t("GPU-hours")),
        rows=(
            *((t("Reserve {name}", name=t.label(labels.RESERVES, reserve.name)), format_percent(reserve.percent, 0, words.locale), words.whole(reserve.gpu_hours))
              for reserve in found.reserves),
            (t("Member quotas"), "", words.whole(quotas)),
            (t("Total"), "", words.whole(found.reserved_gpu_hours + quotas)),
        ),
        numeric_columns=frozenset({1, 2}), total_row=True,
    )


def _member_tables(found: ComputeYear, words: _Words) -> list[model.Paragraph | model.Table]:
    """Each member's share and use, then its GPU-hour ledger line by kind, each with a total row."""
    t = words.t
    members = found.members
    shares = model.Table(
        caption=t("Allocation and use per member: use / contribution is the member's share of the year's use over its "
                  "share of the year's assessed contributions (1.00 = used exactly its share)"),
        header=(t("Code"), t("Member"), t("Contribution share"), t("Quota"), t("Used"), t("Share of use"), t("Use / contribution")),
        rows=(
            *((member.code, t.member(member.code, member.name), words.percent(member.contribution_share, CONTRIBUTION_SHARE), words.whole_hours(member.quota_ms),
               words.thousandths(member.used_ms), words.percent(member.usage_share, USE_SHARE),
               "" if member.ratio is None else format_fixed(member.ratio.quantize(RATIO), decimals_of(RATIO), words.locale))
              for member in members),
            ("", t("Total"), words.percent(sum((member.contribution_share for member in members), Decimal(0)), CONTRIBUTION_SHARE),
             words.whole_hours(sum(member.quota_ms for member in members)), words.thousandths(found.used_ms),
             words.percent(sum((member.usage_share for member in members), Decimal(0)), USE_SHARE), ""),
        ),
        numeric_columns=frozenset({2, 3, 4, 5, 6}), total_row=True,
    )
    # Each column in the sign it is read with, so that a row adds up to its balance; quotas are
    # whole GPU-hours, printed without the thousandths so that the widest year still fits the page.
    columns = (
        (t("Quota"), words.whole_hours, lambda member: member.quota_ms),
        (t("Carried in"), words.thousandths, lambda member: member.carried_in_ms),
        (t("Transferred"), words.thousandths, lambda member: member.transferred_ms),
        (t("Adjusted"), words.thousandths, lambda member: member.adjusted_ms),
        (t("Used"), words.thousandths, lambda member: member.used_ms),
        (t("Carried out"), words.thousandths, lambda member: -member.carried_out_ms),
        (t("Forfeited"), words.thousandths, lambda member: -member.forfeited_ms),
        (t("Balance"), words.thousandths, lambda member: member.balance_ms),
    )
    ledger = model.Table(
        caption=t("GPU-hour ledger of {year} per member: balance = quota + carried in + transferred + adjusted "
                  "- used - carried out - forfeited", year=found.year),
        header=(t("Code"), *(title for title, _format, _amount in columns)),
        rows=(
            *((member.code, *(cell(amount(member)) for _title, cell, amount in columns)) for member in members),
            (t("Total"), *(cell(sum(amount(member) for member in members)) for _title, cell, amount in columns)),
        ),
        numeric_columns=frozenset(range(1, len(columns) + 1)), total_row=True,
    )
    frozen = [t.member(member.code, member.name) for member in members if member.frozen]
    note = [model.Paragraph(t("Quotas frozen (kept but not usable: the member was suspended when quotas were allocated): {names}.",
                              names=", ".join(frozen)))]
    return [shares, ledger, *(note if frozen else [])]


def _ledger_line_tables(connection: Connection, year: int, view: View, words: _Words) -> list[model.Paragraph | model.Table]:
    """The transfers with the motions that made them, and the adjustments with their reasons."""
    t = words.t
    lines = compute_queries.ledger_lines(connection, year, (EntryKind.TRANSFER_OUT, EntryKind.ADJUSTMENT), view.through_seq)
    transfers = [line for line in lines if line.kind == EntryKind.TRANSFER_OUT]
    adjustments = [line for line in lines if line.kind == EntryKind.ADJUSTMENT]
    blocks: list[model.Paragraph | model.Table] = []
    if transfers:
        blocks.append(model.Table(
            caption=t("Transfers between members, each the effect of an adopted board motion (see Board decisions)"),
            header=(t("Motion No."), t("From"), t("To"), t("GPU-hours")),
            rows=tuple((str(line.motion_id), line.member, line.counterparty, words.thousandths(-line.amount_ms)) for line in transfers),
            numeric_columns=frozenset({0, 3}),
        ))
    else:
        blocks.append(model.Paragraph(t("No GPU-hours were transferred between members in {year}.", year=year)))
    if adjustments:
        blocks.append(model.Table(
            caption=t("Adjustments by the secretariat, with their reasons"),
            header=(t("Member"), t("GPU-hours"), t("Reason")),
            rows=tuple((line.member, words.thousandths(line.amount_ms), line.reason) for line in adjustments),
            numeric_columns=frozenset({1}),
        ))
    return blocks


def _rules_paragraph(found: ComputeYear, view: View, settings: Settings, words: _Words) -> model.Paragraph:
    t = words.t
    policy = settings.quota_suspension
    suspension = {
        "none": t("keeps its quota (quota suspension setting: none)"),
        "frozen": t("keeps its quota, frozen so that it cannot be used (quota suspension setting: frozen)"),
        "reduced": t("loses {percent}% of its quota to the reserve {reserve} (quota suspension setting: reduced {percent} %)",
                     percent=policy.reduction_percent, reserve=policy.freed_to),
    }[policy.kind]
    carry = settings.quota_carry_over
    closing = t("forfeited") if carry == "none" else t(
        "carried into the next year, {carry} of the member's quota for the year at most, and the rest forfeited "
        "(frozen hours are always forfeited)", carry=carry)
    state = (t("The ledger of {year} is closed.", year=found.year) if found.closed
             else t("The ledger of {year} is open: its carried and forfeited GPU-hours are known when it closes.", year=found.year))
    return model.Paragraph(t(
        "Rules. Each reserve is its percentage of capacity, rounded down to whole GPU-hours; what remains is split "
        "between the members in proportion to what each was assessed for the year, by largest remainder in whole "
        "GPU-hours, so the quotas add up exactly. A quota is a credit in the member's GPU-hour ledger, which usage "
        "debits; GPU-hours move between members only as the effect of an adopted board motion, and the secretariat "
        "adjusts a quota only with a reason. Settings in force on {day}: a member suspended when "
        "quotas are allocated {suspension}; when the year's ledger closes, a member's unused GPU-hours are {closing} "
        "(carry-over setting: {carry}), and an overdrawn balance is carried in full, as owed. {state}",
        day=format_day(view.as_of, words.locale), suspension=suspension, closing=closing, carry=carry, state=state,
    ))


def _usage_tables(connection: Connection, year: int, view: View, months: list, words: _Words) -> list[model.Table]:
    """The year's use by month and by safety level, when there was any."""
    t = words.t
    if not months:
        return []
    total = sum(month.reference_gpu_ms for month in months)
    by_level = {level.group: level.reference_gpu_ms for level in usage_queries.usage_by_safety_level(connection, year, view.through_seq)}

    def share(amount: int) -> str:
        return words.percent(Decimal(100 * amount) / total, USE_SHARE)

    return [
        model.Table(
            caption=t("Use of {year} per month (UTC; a job running across a month's end counts in each month for its time there)", year=year),
            header=(t("Month"), t("GPU-hours"), t("Share of use")),
            rows=(*((month.group, words.thousandths(month.reference_gpu_ms), share(month.reference_gpu_ms)) for month in months),
                  (t("Total"), words.thousandths(total), share(total))),
            numeric_columns=frozenset({1, 2}), total_row=True,
        ),
        model.Table(
            caption=t("Use of {year} by the safety level of the project (SL-1 least contained, SL-4 most)", year=year),
            header=(t("Safety level"), t("GPU-hours"), t("Share of use")),
            rows=(*((level.value, words.thousandths(by_level.get(level.value, 0)), share(by_level.get(level.value, 0))) for level in SafetyLevel),
                  (t("Total"), words.thousandths(total), share(total))),
            numeric_columns=frozenset({1, 2}), total_row=True,
        ),
    ]


def _scale_section(scale: contribution_queries.ScaleRow | None, associates: set[str], words: _Words) -> model.ScaleSection:
    if scale is None:
        raise NotFound("no scale of contributions covers this year")
    return model.ScaleSection(
        period=f"{scale.first_year}-{scale.last_year}",
        adopted_by=f"{scale.decision}, {scale.adopted_on.isoformat()}",
        ceiling_pct=scale.ceiling_pct if scale.ceiling_pct is not None else Decimal(100),
        floor_pct=scale.floor_pct if scale.floor_pct is not None else Decimal(0),
        precision_pct=scale.precision_pct,
        rows=tuple(sorted((
            model.ScaleRow(code=line.code, name=words.t.member(line.code, line.name), income=line.income, share_pct=line.share_pct,
                           bound="" if line.bound == "free" else line.bound, associate=line.code in associates)
            for line in scale.lines
        ), key=lambda row: name_order(row.name))),
        associate_factor_pct=scale.associate_factor_pct,
    )


def _payment_lines(payment: contribution_queries.PaymentRow, view: View, words: _Words) -> list[model.PaymentLine]:
    """The payment, and its reversal as a negative line when one was booked in the same view."""
    line = model.PaymentLine(
        code=payment.code, paid_on=payment.paid_on, currency=payment.currency, amount_minor=payment.amount_minor,
        rate=payment.rate, rate_date=payment.rate_date, rate_source=payment.rate_source, base_minor=payment.base_minor,
        reference=payment.reference,
    )
    if payment.reversed_on is None:
        return [line]
    reversal = model.PaymentLine(
        code=payment.code, paid_on=payment.reversed_on, currency=payment.currency, amount_minor=-payment.amount_minor,
        rate=payment.rate, rate_date=payment.rate_date, rate_source=payment.rate_source, base_minor=-payment.base_minor,
        reference=words.t("{reference} (reversed: {reason})", reference=payment.reference, reason=payment.reversal_reason),
        reversal_of=payment.reference,
    )
    return [line, reversal]


def _standing_rule_sentence(settings: Settings, words: _Words) -> str:
    t = words.t
    rule = settings.standing_rule
    years = t("the current and the previous year") if rule.years_counted == (0, 1) else t("the two preceding full years")
    comparison = t("equal or exceed") if rule.suspended_at_threshold else t("exceed")
    counted = t("past due") if rule.arrears is ArrearsCounted.PAST_DUE else t("of earlier years")
    return t("{rule}: a member's vote is suspended when its arrears (unpaid amounts {counted}) {comparison} its "
             "contributions due for {years}, unless the board waives it.",
             rule=rule.name, counted=counted, comparison=comparison, years=years)


def _checkpoint(connection: Connection, year: YearRow) -> model.JournalCheckpoint | None:
    if year.status != "closed":
        return None
    entry = journal_queries.entry(connection, year.closed_seq)
    # The first checkpoint covering the closing entry never changes once signed, so the
    # closed year's report keeps its bytes.
    signed = tlog_queries.checkpoint_covering(connection, year.closed_seq)
    return model.JournalCheckpoint(seq=entry.seq, hash=entry.hash, closed_on=year.closed_on,
                                   signed_note=signed.note if signed else None)


# --------------------------------------------------------------------------- statements


def build_member_statement(connection: Connection, year: int, code: str, today: date, lang: str = "en") -> model.MemberStatement:
    """One member's statement of account for a year in `lang`: opening balance, dated movements, closing balance."""
    words = _Words.of(lang)
    found = reportable_year(connection, year)
    view = contribution_queries.view_of(found, today)
    contributions = contribution_queries.year_contributions(connection, found, view, member_code=code)
    row = next(iter(contributions.rows), None)
    if row is None:
        raise NotFound(f"{code} was not assessed for {year}")
    first, last = date(year, 1, 1), min(date(year, 12, 31), view.as_of)
    opening = contribution_queries.balance_before(connection, code, first, view)
    balance, lines = opening, []
    for entry in contribution_queries.statement_entries(connection, code, first, last, view):
        balance += entry.charge_minor - entry.payment_minor
        lines.append(model.StatementLine(on=entry.on, description=_describe(entry, found.currency, words), charge_minor=entry.charge_minor, payment_minor=entry.payment_minor, balance_minor=balance))
    return model.MemberStatement(
        year=year, currency=found.currency, code=code, name=words.t.member(code, row.name), opening_balance_minor=opening, lines=tuple(lines),
        closing_balance_minor=balance, standing=row.standing.standing.value,
        standing_explanation=standing_sentence(row.standing, found.currency, words), as_of=view.as_of,
        facility=contributions.settings.texts["facility_name"], lang=lang,
    )


def standing_sentence(standing: MemberStanding, currency: str, words: _Words) -> str:
    """Why a member has its standing, in the report's language and number formats.

    The same figures and rule as the domain's explanation (ledger.domain.contributions.judge_standing),
    written with grouped amounts and the currency sign as every other figure of the report.
    """
    t = words.t
    day = format_day(standing.as_of, words.locale)
    if standing.arrears_minor <= 0:
        return t("No arrears on {day}.", day=day)
    rule = standing.rule
    years = standing_years(rule, standing.as_of.year)
    over = standing.arrears_minor >= standing.threshold_minor if rule.suspended_at_threshold else standing.arrears_minor > standing.threshold_minor
    if rule.suspended_at_threshold:
        comparison = t("equal or exceed") if over else t("neither equal nor exceed")
    else:
        comparison = t("exceed") if over else t("do not exceed")
    counted = t(" (unpaid contributions of years before {year})", year=standing.as_of.year) if rule.arrears is ArrearsCounted.EARLIER_YEARS else ""
    figures = t("Arrears{counted} of {arrears} on {day} {comparison} {threshold}, the contributions due for {years} ({rule})",
                counted=counted, arrears=format_money(standing.arrears_minor, currency, words.locale), day=day,
                comparison=comparison, threshold=format_money(standing.threshold_minor, currency, words.locale),
                years=t(" and ").join(map(str, sorted(years))), rule=rule.name)
    if not over:
        return t("{figures}: the vote is kept.", figures=figures)
    waiver = standing.waiver
    if waiver is None:
        return t("{figures}: the vote is suspended.", figures=figures)
    until = (t("until {day}", day=format_day(waiver.ends_on, words.locale)) if waiver.ends_on else t("until revoked"))
    return t("{figures}, but {motion} waives the suspension from {start} {until}: the vote is kept.",
             figures=figures, motion=waiver.motion, start=format_day(waiver.starts_on, words.locale), until=until)


def _describe(entry: StatementEntry, base: str, words: _Words) -> str:
    t = words.t
    if entry.kind == "instalment":
        return t("Assessment {year}, instalment {number}", year=entry.year, number=entry.number)
    if entry.kind == "in_kind":
        return t("In kind credited against {year}: {note}", year=entry.year, note=entry.note)
    original = format_money(entry.amount_minor, entry.currency, words.locale)
    if entry.kind == "reversal":
        return t("Reversal of payment {reference} ({original}): {note}", reference=entry.reference, original=original, note=entry.note)
    if entry.currency == base:
        return t("Payment {reference}: {original}", reference=entry.reference, original=original)
    return t("Payment {reference}: {original} at {rate} {base} per {currency}", reference=entry.reference, original=original,
             rate=format_quantity(Decimal(entry.rate), words.locale), base=base, currency=entry.currency)
