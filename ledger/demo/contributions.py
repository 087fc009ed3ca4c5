"""The demo's finances: five fiscal years replayed day by day through the officials' use cases.

Scales come from the Gapminder data shipped inside the plotly package (GDP = gdpPercap x pop).
Members that Gapminder's 142 countries leave out enter with an income of 0 and so pay the
floor. Each payer has a habit (on time, one lump sum, late, falling into arrears, stopping);
on each payment day it pays what the ledger says is still due, in its own currency at the
year's reference rate. Events run in date order, so a year closes on the ledger as it stood.
"""

from __future__ import annotations

import csv
import gzip
import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from importlib.util import find_spec
from pathlib import Path

from sqlalchemy import Engine

from ledger.db.uow import UnitOfWork
from ledger.domain.access import Actor
from ledger.domain.money import currency_exponent, format_minor
from ledger.queries.contributions import View, settled_instalments
from ledger.services import contributions as finance
from ledger.demo.governance import BoardDemo

# The data file ships inside the plotly package; find_spec locates it without importing plotly.
GAPMINDER = Path(find_spec("plotly").origin).parent / "package_data" / "datasets" / "gapminder.csv.gz"
RATE_SOURCE = "ECB euro reference rate, annual average (demo approximation)"


def demo_rows(folder: Path, name: str) -> list[dict[str, str]]:
    """The rows of one of the demo's CSV inputs, as dicts by column."""
    with open(folder / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _gapminder(year: int) -> list[dict[str, str]]:
    with gzip.open(GAPMINDER, "rt", encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle) if row["year"] == str(year)]


def gapminder_gdp(year: int) -> dict[str, Decimal]:
    """GDP = gdpPercap x pop per ISO alpha-3 code, for one of Gapminder's years (exact decimals)."""
    return {row["iso_alpha"]: (Decimal(row["gdpPercap"]) * Decimal(row["pop"])).quantize(Decimal(1)) for row in _gapminder(year)}


POPULATION_TABLE = Path(__file__).resolve().parents[2] / "data" / "population.csv"
"""Every demo member's population, real and cited: data/README.md gives the source."""


def member_populations(path: Path = POPULATION_TABLE) -> dict[str, Decimal]:
    """Population per member code from the shipped table (World Bank WDI SP.POP.TOTL, 2024)."""
    return {row["code"]: Decimal(row["population"]) for row in demo_rows(path.parent, path.name)}


def replay(events: list["Event"], today: date) -> int:
    """Do the acts dated up to `today`, in date order; return how many were done."""
    timeline = sorted((event for event in events if event.on <= today), key=lambda event: (event.on, event.order))
    for event in timeline:
        event.act()
    return len(timeline)


@dataclass(frozen=True, slots=True)
class Event:
    """One dated act of the demo; `order` keeps same-day acts in a sensible sequence."""

    on: date
    order: int
    act: Callable[[], None]


def _jitter(code: str, salt: str, low: int, high: int) -> int:
    """A fixed pseudo-random number of days per member, so the demo is the same every time."""
    return low + zlib.crc32(f"{code}/{salt}".encode()) % (high - low + 1)


class FinanceDemo:
    """Builds the timeline of the demo's finances and replays it."""

    def __init__(self, engine: Engine, actor: Actor, folder: Path, today: date):
        self.engine = engine
        self.actor = actor
        self.folder = folder
        self.today = today
        self.rates = {row["currency"]: row for row in demo_rows(folder, "rates.csv")}
        self.base = "EUR"
        self.joined = {row["code"]: date.fromisoformat(row["joined"]) for row in demo_rows(folder, "members.csv")}
        self.board = BoardDemo(engine, actor, today)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.engine)

    def events(self) -> list[Event]:
        scales = demo_rows(self.folder, "scales.csv")
        first_day = min(date.fromisoformat(scale["adopted_on"]) for scale in scales)
        population = {code: pop for code, pop in member_populations().items() if code in self.joined}
        events: list[Event] = [Event(first_day, 0, lambda: self.board.record_population(population))]
        for scale in scales:
            events.append(Event(date.fromisoformat(scale["adopted_on"]), 1, lambda s=scale: self.adopt_scale(s)))
        for year in demo_rows(self.folder, "years.csv"):
            events += self.year_events(year)
            june = date(int(year["year"]), 6, 12)
            events.append(Event(june, 6, lambda y=int(year["year"]): self.board.june_meeting(y)))
        events.append(Event(date(2026, 11, 12), 6, lambda: self.board.autumn_meeting(2026)))
        for payer in demo_rows(self.folder, "payers.csv"):
            for year in demo_rows(self.folder, "years.csv"):
                events += self.payment_events(payer, int(year["year"]), [date.fromisoformat(d) for d in year["due_dates"].split(";")])
        events += self.in_kind_events() + self.correction_events()
        return events

    def run(self) -> int:
        return replay(self.events(), self.today)

    # -- scales and years

    def adopt_scale(self, row: dict[str, str]) -> None:
        """The board adopts the scale by a motion whose effect stores it."""
        gdp = gapminder_gdp(int(row["gapminder_year"]))
        with self.uow() as uow:
            paying = finance.paying_members(uow, int(row["first_year"]), int(row["last_year"]))
        effect = {
            "first_year": int(row["first_year"]), "last_year": int(row["last_year"]),
            "incomes": {code: str(gdp.get(code, Decimal(0))) for code in sorted(paying)},
            "ceiling": row["ceiling"], "floor": row["floor"], "precision": row["precision"], "associate_factor": row["associate_factor"],
            "income_measure": (
                f"GDP {row['gapminder_year']} (gdpPercap x pop, PPP), Gapminder data shipped with the plotly package; "
                "members outside Gapminder's 142 countries at income 0"
            ),
        }
        self.board.scale_meeting(row["adopted_by"], date.fromisoformat(row["adopted_on"]), effect)

    def year_events(self, row: dict[str, str]) -> list[Event]:
        year = int(row["year"])
        due_dates = row["due_dates"].replace(";", ",")
        events = [
            Event(date.fromisoformat(row["opened_on"]), 1, lambda: finance.open_year(year, due_dates, row["budget"], actor=self.actor, uow=self.uow())),
            Event(
                date.fromisoformat(row["adopted_on"]), 2,
                lambda: self.board.budget_meeting(year, date.fromisoformat(row["adopted_on"]), row["adopted_by"]),
            ),
        ]
        if row["closed_on"]:
            events.append(
                Event(
                    date.fromisoformat(row["closed_on"]), 9,
                    lambda: finance.close_year(year, row["closed_by"], row["closed_on"], today=self.today, actor=self.actor, uow=self.uow()),
                )
            )
        return events

    # -- payments

    def payment_events(self, payer: dict[str, str], year: int, due_dates: list[date]) -> list[Event]:
        code, habit = payer["code"], payer["habit"]

        def pay(day: date, numbers: list[int], reference: str) -> Event:
            # A member joining during the year pays its first instalments once it has joined.
            day = max(day, self.joined[code] + timedelta(days=14))
            return Event(day, 5, lambda: self.pay_due(code, payer["currency"], year, numbers, day, reference))

        numbers = list(range(1, len(due_dates) + 1))
        if habit == "lump_sum":
            return [pay(due_dates[0] - timedelta(days=_jitter(code, str(year), 2, 12)), numbers, f"{code}-{year}-L")]
        if habit == "late":
            return [pay(due + timedelta(days=_jitter(code, f"{year}/{n}", 35, 80)), [n], f"{code}-{year}-{n}") for n, due in zip(numbers, due_dates)]
        on_time = [pay(due - timedelta(days=_jitter(code, f"{year}/{n}", 1, 9)), [n], f"{code}-{year}-{n}") for n, due in zip(numbers, due_dates)]
        if habit == "arrears" and year >= 2025:
            return on_time[:1]  # from 2025 on, only the first instalment is paid
        if habit == "stopped" and year >= 2024:
            return on_time[:1] if year == 2024 else []  # nothing after the first instalment of 2024
        return on_time

    def pay_due(self, code: str, currency: str, year: int, numbers: list[int], day: date, reference: str) -> None:
        """Pay, in the payer's currency, what is still due on these instalments that day."""
        with self.engine.connect() as connection:
            due = sum(
                line.amount_minor - line.in_kind_minor - line.cash_paid_minor
                for line in settled_instalments(connection, View(as_of=day), code)
                if line.year == year and line.number in numbers
            )
        if due <= 0:
            return
        rate = Decimal(self.rates[currency][str(day.year)])
        # Round the foreign amount up, so the base amount never falls a cent short.
        amount = math.ceil(Fraction(due, 10 ** currency_exponent(self.base)) / Fraction(rate) * 10 ** currency_exponent(currency))
        finance.record_payment(
            code, day, currency, format_minor(amount, currency), str(rate), day - timedelta(days=1), RATE_SOURCE, reference,
            today=self.today, actor=self.actor, uow=self.uow(),
        )

    # -- in kind and a correction

    def in_kind_events(self) -> list[Event]:
        def step(pledge: dict, state: str, on: str, amount: str | None = None) -> Callable[[], None]:
            return lambda: finance.advance_in_kind(pledge["id"], state, on, amount, today=self.today, actor=self.actor, uow=self.uow())

        usa: dict = {}
        gbr: dict = {}

        def pledge(into: dict, code: str, year: int, text: str, on: str) -> Callable[[], None]:
            def act() -> None:
                into["id"] = finance.pledge_in_kind(code, year, text, on, today=self.today, actor=self.actor, uow=self.uow())
            return act

        return [
            Event(date(2024, 1, 15), 3, pledge(usa, "USA", 2024, "2,048 accelerators with their racks for the AI safety lab, installed on site", "2024-01-15")),
            Event(date(2024, 3, 1), 3, step(usa, "valued", "2024-03-01", "240000000.00")),
            Event(date(2024, 6, 28), 3, step(usa, "accepted", "2024-06-28")),
            Event(date(2024, 7, 15), 3, step(usa, "credited", "2024-07-15")),
            Event(date(2025, 2, 3), 3, pledge(gbr, "GBR", 2025, "Secure enclave engineering for the SL-4 lab, 18 person-years", "2025-02-03")),
            Event(date(2025, 5, 6), 3, step(gbr, "valued", "2025-05-06", "21500000.00")),
        ]

    def correction_events(self) -> list[Event]:
        """A payment keyed in ten times too large, reversed two days later and booked again."""
        wrong_day, fix_day = date(2023, 3, 20), date(2023, 3, 22)

        def wrong() -> None:
            finance.record_payment(
                "BEL", wrong_day, "EUR", "270483750.00", "1", wrong_day, RATE_SOURCE, "BEL-2023-1-KEYED",
                today=self.today, actor=self.actor, uow=self.uow(),
            )

        def fix() -> None:
            finance.reverse_payment(
                "BEL-2023-1-KEYED", "amount keyed in ten times too large; the bank statement shows a tenth of it",
                fix_day, today=self.today, actor=self.actor, uow=self.uow(),
            )

        return [Event(wrong_day, 4, wrong), Event(fix_day, 4, fix)]

