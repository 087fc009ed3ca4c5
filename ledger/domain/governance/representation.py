"""Who votes on a day, in person or by proxy: the voting right, the ballots as cast, and which of them count."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class VotingRight:
    """A member's right to vote on a day, from its membership timeline and its standing.

    The voting right (DESIGN.md, Members): a member on that day (CERN Convention Art. V,
    EMBL Agreement Art. 5: associates and observers have no vote) whose vote is not
    suspended for arrears, unless the board waived the suspension (CERN Convention Art.
    V.8, UN Charter Art. 19). `suspension` is the standing's explanation when the vote is
    suspended (a waived suspension is none). The same right lets a member's delegate carry
    another member's proxy, and a member give one (TFEU Art. 239: "any member of the
    Council may also act on behalf of not more than one other member").
    """

    code: str
    day: date
    is_member: bool
    status: str | None  # the status in force on the day; None before the member joined
    suspension: str | None = None

    @property
    def refusal(self) -> str | None:
        """Why the member has no vote on the day, or None when it has one."""
        if not self.is_member:
            return f"{self.code} has no vote on {self.day}: its status is {self.status or 'not yet joined'}, and only members vote"
        if self.suspension is not None:
            return f"{self.code}'s vote is suspended: {self.suspension}"
        return None

    @property
    def has_vote(self) -> bool:
        return self.refusal is None


@dataclass(frozen=True, slots=True)
class CastBallot:
    """A ballot as recorded, oldest first: whose vote it is, how, and whether a proxy holder cast it."""

    member: str
    vote: str
    by_proxy: bool


@dataclass(frozen=True, slots=True)
class Representation:
    """The ballots that count and the members present, in person or through a proxy holder present.

    `proxies_in_force` are the proxies that act (member -> holder), `by_proxy` the members
    whose counted ballot their holder cast; `ignored` says, per member, why a ballot
    recorded for it does not count.
    """

    ballots: Mapping[str, str]
    present: frozenset[str]
    proxies_in_force: Mapping[str, str]
    by_proxy: frozenset[str]
    ignored: Mapping[str, str]


def represented(
    cast: Sequence[CastBallot], proxies: Mapping[str, str], in_room: Collection[str], entitled: Collection[str]
) -> Representation:
    """Which ballots count and who is present once proxies are weighed; `entitled` have the vote on the day.

    - A proxy acts only between members entitled to vote (TFEU Art. 239: "any member of
      the Council may also act on behalf of not more than one other member"), and only
      while its holder is present itself (DESIGN.md, Governance): a holder absent from the
      roll call carries nothing, not even presence.
    - A member represented by a present holder counts as present, for the quorum too
      (TFEU Art. 238(4) speaks of members "present in person or represented"; statutes
      commonly count members "present or represented").
    - A proxy acts only while the member does not vote itself: the member's own delegate's
      latest ballot takes precedence over its proxy holder's, whenever either was cast;
      among a member's own ballots, or among its holder's, the latest counts.
    - Ballots for members without the vote on the day do not count.
    """
    entitled = frozenset(entitled)
    room = frozenset(in_room) & entitled
    in_force = {
        member: holder for member, holder in proxies.items() if member in entitled and holder in entitled and holder in room
    }
    own: dict[str, str] = {}
    by_holder: dict[str, str] = {}
    ignored: dict[str, str] = {}
    for ballot in cast:
        if ballot.member not in entitled:
            ignored[ballot.member] = f"{ballot.member} has no vote on the day the motion closes"
        elif ballot.by_proxy:
            by_holder[ballot.member] = ballot.vote
        else:
            own[ballot.member] = ballot.vote
    ballots = dict(own)
    carried = set()
    for member, vote in by_holder.items():
        if member in own:
            ignored[member] = f"{member}'s own delegate voted: its ballot takes precedence over the proxy holder's"
        elif member not in in_force:
            ignored[member] = f"the proxy holder of {member} was not present, or had no vote: the proxy did not act"
        else:
            ballots[member] = vote
            carried.add(member)
    # a ballot of the member's own delegate is proof of its presence
    present = room | frozenset(in_force) | frozenset(own)
    return Representation(
        MappingProxyType(dict(sorted(ballots.items()))), present, MappingProxyType(dict(sorted(in_force.items()))),
        frozenset(carried), MappingProxyType(dict(sorted(ignored.items()))),
    )
