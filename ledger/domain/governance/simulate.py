"""A hypothetical vote: members, a rule and ballots, decided by the engine that closes the board's motions.

The one simulator: the public API (ledger.api.governance) and the dashboard's "What if?"
(dashboards.pages.governance) each read their own input, then call `simulate_vote`, so a
member is turned into a voter one way only and the same members, rule and ballots give the
same outcome, sentence and tally wherever they are asked. Nothing is recorded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType

from ledger.domain.errors import ValidationFailed
from ledger.domain.governance.decide import Decision, Voter, decide, voter_votes
from ledger.domain.governance.rules import Number, Rule, Weighting


@dataclass(frozen=True, slots=True)
class Simulation:
    """What a hypothetical vote decided, and the votes the rule gives each member.

    `decided` is false when no ballot was given: the decision then has every member absent.
    """

    rule: Rule
    voters: tuple[Voter, ...]
    decision: Decision
    votes: Mapping[str, Fraction]  # member code -> its votes under the rule, basic votes included
    total: Fraction
    decided: bool

    def vote_share(self, code: str) -> Fraction:
        """The member's share of all members' votes."""
        return self.votes[code] / self.total


def simulation_voters(rule: Rule, members: Sequence[tuple[str, Number | None]]) -> tuple[Voter, ...]:
    """The members (code, weight) as voters: one vote each under an equal rule, whatever the weight; else their weight.

    A member without a weight under a weighted rule is refused by `voter_votes`, naming
    `members[i].weight`, like a negative or inexact one.
    """
    equal = rule.weights is Weighting.EQUAL
    return tuple(Voter(code, 1 if equal else weight) for code, weight in members)  # type: ignore[arg-type]


def simulate_vote(rule: Rule, members: Sequence[tuple[str, Number | None]], ballots: Mapping[str, str]) -> Simulation:
    """Decide `ballots` (member code -> yes, no or abstain; a member left out is absent) under `rule`.

    Every member is eligible (a simulation suspends nobody). Refused, with ValidationFailed
    naming the field: a malformed member or weight (`members[i].code`, `members[i].weight`),
    members that all have 0 votes (`members`), a ballot of a code not among the members or
    not yes, no or abstain (`ballots.CODE`).
    """
    voters = simulation_voters(rule, members)
    votes = voter_votes(rule, voters)
    total = sum(votes.values(), Fraction(0))
    if total == 0:
        raise ValidationFailed.single(
            "members", "every member has 0 votes; accepted: at least one member with a positive weight or basic votes"
        )
    decision = decide(rule, voters, ballots)
    return Simulation(rule, voters, decision, MappingProxyType(votes), total, decided=bool(ballots))
