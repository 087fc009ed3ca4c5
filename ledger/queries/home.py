"""The front door's figures: this year's money, standing, compute and decisions, and the journal's latest checkpoint.

Every figure is one the dashboards, the API and the reports give too, read through the same
queries (totals_by_year, year_contributions' standing counts, compute_year, the closed
motions), so the home page never says something another page contradicts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection

from ledger.domain.contributions import Standing
from ledger.domain.journal import ChainHead
from ledger.queries import compute as compute_queries
from ledger.queries import contributions as contribution_queries
from ledger.queries import governance as governance_queries
from ledger.queries import journal as journal_queries
from ledger.queries import members as member_queries
from ledger.queries import tlog as tlog_queries
from ledger.queries.compute import ComputeYear
from ledger.queries.contributions import YearRow, YearTotals
from ledger.queries.governance import Decision
from ledger.queries.tlog import PublishedCheckpoint

DECISIONS_SHOWN = 5
PUBLISHED = ("adopted", "closed")


@dataclass(frozen=True, slots=True)
class YearMoney:
    """A fiscal year's budget and how much of its assessment is paid, as of a day."""

    year: YearRow
    as_of: date
    totals: YearTotals
    standings: Mapping[Standing, int]
    members: int  # members assessed for the year

    @property
    def settled_minor(self) -> int:
        """Paid in cash and credited in kind."""
        return self.totals.paid_minor + self.totals.in_kind_minor

    @property
    def settled_percent(self) -> Decimal:
        """The share of the year's assessment paid in cash or credited in kind, in percent."""
        assessed = self.totals.assessed_minor
        return Decimal(100 * self.settled_minor) / assessed if assessed else Decimal(0)


@dataclass(frozen=True, slots=True)
class FrontDoor:
    day: date
    statuses: Mapping[str, int]
    money: YearMoney | None
    compute: ComputeYear | None
    decisions: tuple[Decision, ...]
    checkpoint: PublishedCheckpoint | None
    head: ChainHead


def shown_year(years: list[YearRow], day: date) -> YearRow | None:
    """The year the front door reports: the latest adopted or closed year not after `day`'s (else the first ahead)."""
    published = [year for year in years if year.status in PUBLISHED]
    past = [year for year in published if year.year <= day.year]
    return past[-1] if past else (published[0] if published else None)


def year_money(connection: Connection, year: YearRow, day: date) -> YearMoney:
    view = contribution_queries.view_of(year, day)
    totals = next(
        (row for row in contribution_queries.totals_by_year(connection, view) if row.year == year.year),
        YearTotals(year.year, year.budget_minor or 0, 0, 0, 0),
    )
    contributions = contribution_queries.year_contributions(connection, year, view)
    return YearMoney(year, view.as_of, totals, contributions.standing_counts, len(contributions.rows))


def front_door(connection: Connection, day: date) -> FrontDoor:
    """Everything the home page shows on `day`."""
    year = shown_year(contribution_queries.list_years(connection), day)
    compute_year = compute_queries.compute_year(connection, year.year if year else day.year)
    return FrontDoor(
        day=day,
        statuses=member_queries.count_by_status(connection, day),
        money=year_money(connection, year, day) if year else None,
        compute=compute_year,
        decisions=tuple(governance_queries.latest_decisions(connection, DECISIONS_SHOWN)),
        checkpoint=tlog_queries.latest_checkpoint(connection),
        head=journal_queries.head(connection),
    )
