"""The named voting rules, each a function whose docstring cites the text it encodes."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from types import MappingProxyType

from ledger.domain.governance.rules import Abstention, Base, Rule, Threshold, ThresholdOp, Weighting

IMF_BASIC_VOTES_SHARE = Fraction(5502, 100_000)
"""IMF Articles of Agreement Art. XII, Sec. 5(a)(i), as amended by the 2008 reform (in force
2011) and kept by the 2010 reform (in force 2016): basic votes are 5.502 % of the total votes."""


_MAJORITY = Threshold(ThresholdOp.MORE_THAN, Fraction(1, 2))
_TWO_THIRDS = Threshold(ThresholdOp.AT_LEAST, Fraction(2, 3))


def simple_majority() -> Rule:
    """More yes than no among members voting; abstentions are not cast.

    UN Charter Art. 18(3) with General Assembly Rules of Procedure rule 126 ("members
    present and voting" are those casting an affirmative or negative vote; abstainers are
    considered as not voting); CERN Convention Art. V.5 ("simple majority of the Member
    States represented and voting").
    """
    return Rule(Weighting.EQUAL, Base.CAST, Abstention.NOT_CAST, members_threshold=_MAJORITY)


def two_thirds_of_votes_cast() -> Rule:
    """At least two-thirds of the members voting yes or no; abstentions are not cast.

    UN Charter Art. 18(2): important questions by "a two-thirds majority of the members
    present and voting".
    """
    return Rule(Weighting.EQUAL, Base.CAST, Abstention.NOT_CAST, members_threshold=_TWO_THIRDS)


def two_thirds_of_all_members() -> Rule:
    """At least two-thirds of all members entitled to vote; absence and abstention weigh as no.

    CERN Convention Art. I.2 and V.6: "a two-thirds majority of all the Member States".
    """
    return Rule(Weighting.EQUAL, Base.ELIGIBLE, Abstention.AGAINST, members_threshold=_TWO_THIRDS)


def unanimity() -> Rule:
    """No member votes no; abstentions do not prevent adoption; a majority must be present.

    TFEU Art. 238(4) ("Abstentions by Members present in person or represented shall not
    prevent the adoption by the Council of acts which require unanimity"); quorum of a
    majority of the members entitled to vote, Council's Rules of Procedure Art. 11(4).
    """
    return Rule(
        Weighting.EQUAL,
        Base.CAST,
        Abstention.NOT_CAST,
        members_threshold=Threshold(ThresholdOp.AT_LEAST, Fraction(1)),
        quorum=_MAJORITY,
    )


def cern_budget() -> Rule:
    """At least two-thirds of the Member States represented and voting, one vote each.

    CERN Convention (1953, as amended 1971) Art. V.2(c): the Council adopts the budget "by
    a two-thirds majority of the Member States represented and voting"; Art. V.4: one vote
    per Member State; Art. V.8: a Member State in arrears beyond its contributions for the
    current and preceding year loses its vote unless the Council allows it to vote (our
    suspension and waiver). Our choice: the Convention text alone. The Council's practice
    of seeking consensus, and any contribution-weighted criterion it has applied to budget
    votes, is not encoded: we found no public text stating it; a facility wanting one uses
    the contribution-weighted double majority instead.
    """
    return Rule(Weighting.EQUAL, Base.CAST, Abstention.NOT_CAST, members_threshold=_TWO_THIRDS)


def eu_qualified_majority() -> Rule:
    """Council of the EU qualified majority, weighted by population.

    TEU Art. 16(4): at least 55 % of the members of the Council representing at least 65 %
    of the population; a blocking minority must include at least four members, failing
    which the qualified majority is deemed attained. Measured on all members entitled to
    vote (TFEU Art. 238(3) when some do not take part), so an abstention weighs as a vote
    against. Quorum: a majority of the members entitled to vote (Council's Rules of
    Procedure Art. 11(4)). Weights are populations (Annex III of those Rules).
    """
    return Rule(
        Weighting.WEIGHTED,
        Base.ELIGIBLE,
        Abstention.AGAINST,
        members_threshold=Threshold(ThresholdOp.AT_LEAST, Fraction(55, 100)),
        weight_threshold=Threshold(ThresholdOp.AT_LEAST, Fraction(65, 100)),
        blocking_minority_min_members=4,
        quorum=_MAJORITY,
    )


def skao_budget() -> Rule:
    """SKAO-style contribution-weighted double majority for the budget.

    SKAO Convention (Rome, 2019) Financial Protocol (Annex B), Art. 6: the budget needs a
    double majority, two-thirds of a weighted vote (weights: each member's current project
    share under the funding schedule) and two-thirds of the members present and voting.
    Convention Art. 8(4): quorum of two-thirds of the members; Art. 8(7): members absent,
    abstaining or without a vote are not counted in the majority.
    """
    return Rule(
        Weighting.WEIGHTED,
        Base.CAST,
        Abstention.NOT_CAST,
        members_threshold=_TWO_THIRDS,
        weight_threshold=_TWO_THIRDS,
        quorum=_TWO_THIRDS,
    )


def imf_85_percent() -> Rule:
    """IMF-style special majority: 85 % of the total voting power, basic votes included.

    IMF Articles of Agreement Art. XII, Sec. 5(a): each member has basic votes plus one vote
    per part of its quota, the basic votes together being 5.502 % of the total votes (as
    amended in 2008, in force 2011, kept by the 2010 reform in force 2016), spread equally
    among the members; 85 % of the total voting power for e.g. quota changes (Art. III,
    Sec. 2(c)); suspended members' votes leave the total (Art. XXVI, Sec. 2(b)). Weights are
    quotas, or any quantity (contribution shares, populations): basic votes are a share of
    the total, so the unit does not matter.
    """
    return Rule(
        Weighting.WEIGHTED,
        Base.ELIGIBLE,
        Abstention.AGAINST,
        weight_threshold=Threshold(ThresholdOp.AT_LEAST, Fraction(85, 100)),
        basic_votes_share=IMF_BASIC_VOTES_SHARE,
    )


PRESETS: Mapping[str, Rule] = MappingProxyType(
    {
        preset.__name__: preset()
        for preset in (
            simple_majority,
            two_thirds_of_votes_cast,
            two_thirds_of_all_members,
            unanimity,
            cern_budget,
            eu_qualified_majority,
            skao_budget,
            imf_85_percent,
        )
    }
)
"""The named presets, name -> Rule; each preset function's docstring cites its source."""
