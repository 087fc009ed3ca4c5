"""/api/v1/years and /api/v1/scales: fiscal years, each member's contributions in a year, and the adopted scales."""

from __future__ import annotations

from functools import partial

from flask import jsonify

from ledger.api import resources as r
from ledger.api.blueprint import YEAR, contract
from ledger.api.contract import ListAnswer
from ledger.api.formats import list_response, requested_format
from ledger.domain.errors import NotFound
from ledger.domain.money import format_minor
from ledger.queries import contributions as contribution_queries
from ledger.state import cached, connect, today


@contract.get("/years", "listYears", "Fiscal years with their budget and status",
              answer=ListAnswer("years", r.Year, "Every fiscal year, oldest first"))
def years():
    with connect() as connection:
        rows = contribution_queries.list_years(connection)
    return list_response(
        "years",
        r.Year,
        (
            {"year": y.year, "budget": None if y.budget_minor is None else format_minor(y.budget_minor, y.currency), "currency": y.currency, "status": y.status}
            for y in rows
        ),
        "years",
    )


@contract.get(
    "/years/<int:year>/contributions", "yearContributions",
    "Each member's assessment for a year, what settled it, arrears and standing",
    description=(
        "A closed year is shown as the ledger stood at its closing journal entry; any other year as of "
        "today. paid is the cash that settled the year's instalments (payments settle a member's oldest "
        "instalments first); in_kind the contributions in kind credited against them; outstanding = "
        "assessed - paid - in_kind; arrears are the unpaid amounts of any year the standing rule counts "
        "by as_of; standing follows standing_rule."
    ),
    paths=YEAR,
    answer=ListAnswer("contributions", r.Contribution, "The year's contributions, by member name", envelope=r.YearContributions),
    errors={404: "No such fiscal year"},
)
def contributions(year: int):
    with connect() as connection:
        found = contribution_queries.find_year(connection, year)
        if found is None:
            raise NotFound(f"no fiscal year {year}; see /api/v1/years")
        view = contribution_queries.view_of(found, today())
        result = cached(connection, ("contributions", year, view), lambda: contribution_queries.year_contributions(connection, found, view))
    money = partial(format_minor, currency=found.currency)
    return list_response(
        "contributions",
        r.Contribution,
        (
            {
                "code": row.code, "name": row.name, "share_pct": str(row.share_pct),
                "assessed": money(row.assessed_minor), "paid": money(row.paid_minor), "in_kind": money(row.in_kind_minor),
                "outstanding": money(row.outstanding_minor), "arrears": money(row.arrears_minor), "standing": row.standing.standing.value,
            }
            for row in result.rows
        ),
        f"contributions-{year}",
        year=year,
        currency=found.currency,
        budget=None if found.budget_minor is None else money(found.budget_minor),
        status=found.status,
        as_of=view.as_of.isoformat(),
        standing_rule=result.settings.standing_rule.name,
    )


@contract.get(
    "/scales", "listScales", "Adopted scales of contributions: period, parameters, inputs and shares",
    description="CSV has one row per scale and member.",
    answer=ListAnswer("scales", r.Scale, "Every adopted scale, oldest first", csv_item=r.ScaleRow),
)
def scales():
    with connect() as connection:
        found = contribution_queries.list_scales(connection)
    if requested_format() == "csv":
        return list_response(
            "scales",
            r.ScaleRow,
            (
                {
                    "scale_id": scale.id, "first_year": scale.first_year, "last_year": scale.last_year,
                    **_scale_parameters(scale), "income_measure": scale.income_measure, "decision": scale.decision,
                    "adopted_on": scale.adopted_on, "code": line.code, "name": line.name, "income": str(line.income),
                    "share_pct": str(line.share_pct), "bound": line.bound,
                }
                for scale in found
                for line in scale.lines
            ),
            "scales",
        )
    return jsonify(
        {
            "scales": [
                {
                    "id": scale.id,
                    "first_year": scale.first_year,
                    "last_year": scale.last_year,
                    "parameters": _scale_parameters(scale),
                    "income_measure": scale.income_measure,
                    "decision": scale.decision,
                    "adopted_on": scale.adopted_on.isoformat(),
                    "shares": [
                        {"code": line.code, "name": line.name, "income": str(line.income), "share_pct": str(line.share_pct), "bound": line.bound}
                        for line in scale.lines
                    ],
                }
                for scale in found
            ]
        }
    )


def _scale_parameters(scale) -> dict:
    return {
        "ceiling_pct": None if scale.ceiling_pct is None else str(scale.ceiling_pct),
        "floor_pct": None if scale.floor_pct is None else str(scale.floor_pct),
        "precision_pct": str(scale.precision_pct),
        "associate_factor_pct": str(scale.associate_factor_pct),
    }
