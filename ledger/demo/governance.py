"""The demo's board: two meetings a year whose motions adopt the budgets and scales, and others.

Each December meeting adopts the next year's budget (and, when due, a new scale) by a motion
whose effect applies the decision, and a work programme (of 2026: also a setting, which its
adoption applies); each June meeting votes on a safety lab, a general motion
under the EU-style double majority weighted by population, a secret ballot, and a motion the
board rejects. Delegates vote by a fixed pseudo-random pattern; one member gives its proxy.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Engine

from ledger.db.uow import UnitOfWork
from ledger.domain.access import Actor, Role
from ledger.domain.errors import Conflict
from ledger.services import governance

POPULATION = "Population 2024 (World Bank, SP.POP.TOTL)"
POPULATION_SOURCE = (
    "World Bank, World Development Indicators, indicator SP.POP.TOTL (Population, total), 2024, "
    "as published in github.com/datasets/population (ODC PDDL 1.0); data/population.csv"
)


WORK_PROGRAMME_SETTINGS: dict[int, dict[str, str]] = {2026: {"key": "quota_carry_over", "value": "up to 10 %"}}
"""The setting a year's work programme changes: that motion is of the kind setting, and its adoption applies it."""


@dataclass(frozen=True, slots=True)
class MotionPlan:
    """A motion the demo puts to a meeting and how the members lean on it."""

    title: str
    text: str
    kind: str
    rule: str
    weights: str
    ballot: str
    effect: dict
    lean_yes: int  # percent of members voting yes


class BoardDemo:
    """Meetings, presence, proxies, motions and ballots, replayed on given days."""

    def __init__(self, engine: Engine, actor: Actor, today: date):
        self.engine = engine
        self.actor = actor
        self.today = today
        self.refusals: list[str] = []

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.engine)

    def record_population(self, populations: dict[str, Decimal]) -> None:
        governance.record_weights(POPULATION, POPULATION_SOURCE, populations, actor=self.actor, uow=self.uow())

    def meeting(self, title: str, day: date, plans: list[MotionPlan]) -> None:
        """Hold a meeting: presence, a proxy, then each motion opened, voted and closed."""
        meeting = governance.schedule_meeting(title, day, actor=self.actor, uow=self.uow())
        with self.uow() as uow:
            rights = governance.voting_rights(uow, day)
        voters = sorted(code for code, right in rights.items() if right.is_member)
        absent = {code for code in voters if _draw(code, title) < 8}
        # a proxy passes only between members with the vote (the service refuses others)
        proxy = ("BEL", "NLD") if all(code in rights and rights[code].has_vote for code in ("BEL", "NLD")) and "June" in title else None
        if proxy:
            absent.add(proxy[0])
            absent.discard(proxy[1])
        governance.record_presence(meeting, [code for code in voters if code not in absent], actor=self.actor, uow=self.uow())
        if proxy:
            governance.record_proxy(meeting, proxy[0], proxy[1], actor=self.actor, uow=self.uow())
        for plan in plans:
            motion = governance.propose_motion(meeting, plan.title, plan.text, plan.kind, plan.rule, plan.weights, plan.ballot, plan.effect, actor=self.actor, uow=self.uow())
            governance.open_motion(motion, day, today=self.today, actor=self.actor, uow=self.uow())
            for code in voters:
                if code in absent and not (proxy and code == proxy[0]):
                    continue
                holder = proxy[1] if proxy and code == proxy[0] else code
                vote = "yes" if _draw(code, plan.title) < plan.lean_yes else ("abstain" if _draw(code, plan.title + "/a") < 30 else "no")
                try:
                    governance.cast_ballot(motion, code, vote, today=day, actor=Actor(f"system:demo-delegate-{holder}", Role.DELEGATE, holder), uow=self.uow())
                except Conflict as refused:  # a suspended member: the service says why
                    self.refusals.append(str(refused))
            governance.close_motion(motion, day, today=self.today, actor=self.actor, uow=self.uow())

    def scale_meeting(self, title: str, day: date, effect: dict) -> None:
        """The meeting that adopts a scale of contributions for a period."""
        self.meeting(title, day, [MotionPlan(
            f"Scale of contributions {effect['first_year']}-{effect['last_year']}",
            "The board adopts the scale of contributions computed from the income measure stated in the annex.",
            "scale", "two_thirds_of_all_members", "equal", "roll_call", effect, 92,
        )])

    def budget_meeting(self, year: int, day: date, title: str) -> None:
        """The December meeting: the next year's budget and work programme (which may change a setting)."""
        setting = WORK_PROGRAMME_SETTINGS.get(year)
        sets = f", and sets {setting['key']} to {setting['value']}" if setting else ""
        plans = [
            MotionPlan(f"Budget {year}", f"The board adopts the budget of the fiscal year {year} as proposed by the Director-General.",
                       "budget", "cern_budget", "equal", "roll_call", {"year": year}, 88),
            MotionPlan(f"Work programme {year}", f"The board approves the scientific work programme and the open-call priorities{sets}.",
                       "setting" if setting else "general", "simple_majority", "equal", "secret", setting or {}, 80),
        ]
        self.meeting(title, day, plans)

    def june_meeting(self, year: int) -> None:
        day = date(year, 6, 12)
        self.meeting(f"Board, June {year}", day, [
            MotionPlan(f"AI safety lab programme {year}", "The board funds the SL-3 and SL-4 labs' programme for the coming year.",
                       "safety_lab", "two_thirds_of_votes_cast", "equal", "roll_call", {}, 90),
            MotionPlan(f"Open-call access policy {year}", "The board sets the share of compute reserved for open calls and its review panel.",
                       "general", "eu_qualified_majority", f"weight_set:{POPULATION}", "roll_call", {}, 75),
            MotionPlan(f"Contribution-weighted review of the facility plan {year}", "The board endorses the five-year facility plan.",
                       "general", "skao_budget", "contribution", "roll_call", {}, 85),
            MotionPlan(f"Second site for the secretariat {year}", "The board moves part of the secretariat to a second host state.",
                       "general", "unanimity", "equal", "roll_call", {}, 55),
        ])


    def autumn_meeting(self, year: int) -> None:
        """A meeting after the September instalments: a member in heavy arrears is refused its vote."""
        self.meeting(f"Board, November {year}", date(year, 11, 12), [
            MotionPlan(f"Heat reuse at the main site {year}", "The board approves the district-heating contract for the data centre's waste heat.",
                       "general", "simple_majority", "equal", "roll_call", {}, 82),
        ])


def _draw(code: str, salt: str) -> int:
    """A fixed number from 0 to 99 per member and motion, so the demo votes the same every time."""
    return zlib.crc32(f"{code}/{salt}".encode()) % 100
