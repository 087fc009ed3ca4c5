"""Who votes in person or by proxy (ledger.domain.governance.representation.represented), and what quorum they make.

Sources: TFEU Art. 239 ("any member of the Council may also act on behalf of not more than one
other member"); DESIGN.md, Governance (a delegate carries a proxy only while present itself; the
member's own delegate's ballot takes precedence over its proxy holder's); TFEU Art. 238(4)
(members "present in person or represented").
"""

from __future__ import annotations

from fractions import Fraction

from ledger.domain.governance.decide import Voter, decide
from ledger.domain.governance.presets import PRESETS
from ledger.domain.governance.representation import CastBallot, represented
from ledger.domain.governance.rules import Outcome

EIGHT = ("AUT", "BEL", "DEU", "ESP", "FRA", "ITA", "NLD", "PRT")
VOTERS = [Voter(code) for code in EIGHT]


def own(code: str, vote: str) -> CastBallot:
    return CastBallot(code, vote, by_proxy=False)


def carried(code: str, vote: str) -> CastBallot:
    return CastBallot(code, vote, by_proxy=True)


def test_a_proxy_held_by_an_absent_member_makes_no_quorum():
    """Defect 4. DESIGN.md: a delegate may carry a proxy only while it is present itself. Four of eight present,
    an absent member holding another's proxy and casting nothing: four of eight is no majority for the quorum."""
    cast = [own(code, "yes") for code in EIGHT[:4]]
    counted = represented(cast, {"ITA": "FRA"}, EIGHT[:4], EIGHT)
    assert counted.present == frozenset(EIGHT[:4])
    assert dict(counted.proxies_in_force) == {}
    decision = decide(PRESETS["unanimity"], VOTERS, counted.ballots, counted.present)
    assert decision.outcome is Outcome.NO_QUORUM
    assert decision.explanation.startswith("No quorum: 4 of 8 members entitled to vote were present")


def test_a_member_represented_by_a_present_holder_counts_as_present():
    """TFEU Art. 238(4), members "present in person or represented": with the holder present, the represented
    member makes the fifth of eight, and its ballot counts."""
    cast = [own(code, "yes") for code in EIGHT[:4]] + [carried("ITA", "yes")]
    counted = represented(cast, {"ITA": "DEU"}, EIGHT[:4], EIGHT)
    assert counted.present == frozenset({*EIGHT[:4], "ITA"})
    assert counted.by_proxy == frozenset({"ITA"})
    decision = decide(PRESETS["unanimity"], VOTERS, counted.ballots, counted.present)
    assert decision.outcome is Outcome.ADOPTED
    assert "quorum met (5 of 8 members entitled to vote present)" in decision.explanation


def test_a_proxy_acts_only_between_members_entitled_to_vote():
    """Defect 5. TFEU Art. 239: "any member of the Council may also act on behalf of ... one other member": an
    observer (not entitled) cannot hold a proxy, and a suspended member's proxy carries no vote."""
    entitled = set(EIGHT) - {"PRT"}  # PRT suspended; NOR an observer
    cast = [carried("AUT", "no"), carried("PRT", "yes")]
    counted = represented(cast, {"AUT": "NOR", "PRT": "BEL"}, {"NOR", "BEL"}, entitled)
    assert dict(counted.ballots) == {}
    assert dict(counted.proxies_in_force) == {}
    assert counted.present == frozenset({"BEL"})
    assert set(counted.ignored) == {"AUT", "PRT"}


def test_the_members_own_ballot_takes_precedence_whenever_cast():
    """Defect 6. DESIGN.md, Governance: a proxy acts only while the member does not vote itself; the member's own
    delegate's ballot takes precedence over its proxy holder's, whether cast before or after it."""
    before = represented([own("ITA", "no"), carried("ITA", "yes")], {"ITA": "DEU"}, {"DEU"}, EIGHT)
    after = represented([carried("ITA", "yes"), own("ITA", "no")], {"ITA": "DEU"}, {"DEU"}, EIGHT)
    for counted in (before, after):
        assert dict(counted.ballots) == {"ITA": "no"}
        assert counted.by_proxy == frozenset()
        assert "takes precedence" in counted.ignored["ITA"]
    changed = represented([carried("ITA", "yes"), carried("ITA", "no")], {"ITA": "DEU"}, {"DEU"}, EIGHT)
    assert dict(changed.ballots) == {"ITA": "no"}  # the holder may change its ballot: its latest counts


def test_quorum_without_proxies_counts_those_present_and_those_who_voted():
    """Council's Rules of Procedure Art. 11(4): a majority of the members entitled to vote present; a ballot of a
    member's own delegate is proof of its presence."""
    counted = represented([own("ESP", "yes")], {}, {"AUT", "BEL", "DEU", "FRA"}, EIGHT)
    assert counted.present == frozenset({"AUT", "BEL", "DEU", "FRA", "ESP"})
    decision = decide(PRESETS["unanimity"], VOTERS, counted.ballots, counted.present)
    assert decision.quorum.count == Fraction(5)


def test_ballots_of_members_without_the_vote_on_the_day_do_not_count():
    """DESIGN.md, Members: the voting right is judged on the day (member, not suspended unless waived)."""
    counted = represented([own("PRT", "yes"), own("AUT", "yes")], {}, {"PRT", "AUT"}, set(EIGHT) - {"PRT"})
    assert dict(counted.ballots) == {"AUT": "yes"}
    assert counted.present == frozenset({"AUT"})
    assert "no vote" in counted.ignored["PRT"]


def test_a_holder_without_the_vote_on_the_closing_day_carries_nothing():
    """TFEU Art. 239 ("any member of the Council" acts for another): a holder suspended, or no longer a member, by the
    closing day carries no proxy; the member it represented counts as absent."""
    counted = represented([carried("ITA", "yes"), own("DEU", "yes")], {"ITA": "DEU"}, {"DEU"}, set(EIGHT) - {"DEU"})
    assert dict(counted.ballots) == {} and counted.present == frozenset()
    assert set(counted.ignored) == {"DEU", "ITA"}


def test_a_member_present_itself_may_still_be_voted_for_by_its_holder_until_it_votes():
    """DESIGN.md, Governance: a proxy acts only while the member does not vote itself."""
    counted = represented([carried("ITA", "no")], {"ITA": "DEU"}, {"DEU", "ITA"}, EIGHT)
    assert dict(counted.ballots) == {"ITA": "no"} and counted.by_proxy == frozenset({"ITA"})
