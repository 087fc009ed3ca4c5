"""What the OpenAPI document says of the voting simulator (POST /api/v1/voting/simulate): its limits, its request and its answer.

The models describe; the parser in ledger.api.governance decides, naming each refused field.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ledger.domain.governance.presets import PRESETS
from ledger.domain.governance.rules import (
    MAX_BLOCKING_MINORITY,
    MAX_FRACTION_TEXT,
    MAX_WEIGHT,
    MAX_WEIGHT_DECIMALS,
    Abstention,
    Base,
    Measure,
    Outcome,
    ThresholdOp,
    Vote,
    Weighting,
)

MAX_MEMBERS = 400
MAX_BODY_BYTES = 1_000_000
MAX_RULE_TEXT = 100
DECIMALS = 6
POWER_MEMORY_BUDGET = 8_000_000
"""Bytes the power tables of one request may take. Time grows with them: at this size the
slowest request measured took about 3 s; the engine's own default (200 MB) took 20 s."""


def _choice(enum) -> Any:
    return Literal[tuple(member.value for member in enum)]


Code = Annotated[str, Field(pattern="^[A-Z]{3}$", description="ISO 3166-1 alpha-3")]
FractionText = Annotated[str, Field(pattern="^([0-9]+/[0-9]+|[0-9]+(\\.[0-9]+)?)$", max_length=MAX_FRACTION_TEXT)]
FractionUpToOne = Annotated[
    FractionText | Annotated[float, Field(ge=0, le=1)],
    Field(description=f"From 0 to 1: a decimal (\"0.55\", 0.55) or a fraction \"p/q\" with p <= q (\"2/3\"), up to {MAX_FRACTION_TEXT} characters"),
]
FractionBelowOne = Annotated[
    FractionText | Annotated[float, Field(ge=0, lt=1)],
    Field(description="From 0 to below 1, as a decimal or \"p/q\" (IMF: \"2751/50000\")"),
]
Share = Annotated[str, Field(pattern=f"^[0-9]\\.[0-9]{{{DECIMALS}}}$", description=f"rounded half up to {DECIMALS} places")]
Amount = Annotated[str, Field(pattern=f"^[0-9]+(\\.[0-9]{{1,{DECIMALS}}})?$", description=f"rounded half up to at most {DECIMALS} places")]
Exact = Annotated[str, Field(pattern="^[0-9]+/[0-9]+$", description="the exact value, p/q")]


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VotingThreshold(_Closed):
    op: _choice(ThresholdOp)
    fraction: FractionUpToOne


class _RuleCommon(_Closed):
    base: _choice(Base)
    abstention: _choice(Abstention)
    quorum: VotingThreshold | None = None


class EqualRule(_RuleCommon):
    """One vote per member: a threshold on the member count."""

    weights: Literal["equal"]
    members_threshold: VotingThreshold


class WeightedRule(_RuleCommon):
    """Votes by weight, with basic votes when a share is given; a threshold on the weight, and on the members too when given."""

    weights: Literal["weighted"]
    weight_threshold: VotingThreshold
    members_threshold: VotingThreshold | None = None
    basic_votes_share: FractionBelowOne | None = None
    blocking_minority_min_members: Annotated[int, Field(ge=1, le=MAX_BLOCKING_MINORITY)] | None = None


class PresetRule(_Closed):
    """A preset by name; the preset's parameters may be overridden by the full form's fields, as long as the result is a rule."""

    model_config = ConfigDict(extra="allow")

    preset: Literal[tuple(PRESETS)]


class SimulatedMember(_Closed):
    code: Code = Field(description="ISO 3166-1 alpha-3, each once")
    weight: Annotated[float, Field(ge=0, le=MAX_WEIGHT)] | Annotated[str, Field(pattern="^[0-9]+(\\.[0-9]+)?$")] | None = Field(
        None, description=(
            f"From 0 to {MAX_WEIGHT:,} with at most {MAX_WEIGHT_DECIMALS} decimal places. Required under weighted rules "
            "(population, quota, contribution share), ignored under equal ones"
        ),
    )


class VotingSimulationRequest(_Closed):
    members: Annotated[list[SimulatedMember], Field(min_length=1, max_length=MAX_MEMBERS)]
    rule: EqualRule | WeightedRule | PresetRule
    ballots: dict[Code, _choice(Vote)] | None = Field(None, description="Member code -> yes, no or abstain; members missing are absent")
    power: bool = Field(False, description="Also compute each member's voting power")


class AppliedThreshold(BaseModel):
    op: _choice(ThresholdOp)
    fraction: Exact


class AppliedRule(BaseModel):
    """The rule as applied, in its full JSON form."""

    weights: _choice(Weighting)
    basic_votes_share: str | None
    base: _choice(Base)
    abstention: _choice(Abstention)
    members_threshold: AppliedThreshold | None
    weight_threshold: AppliedThreshold | None
    blocking_minority_min_members: int | None
    quorum: AppliedThreshold | None


class VotingCheck(BaseModel):
    measure: _choice(Measure)
    threshold: AppliedThreshold
    count: Amount
    base: Amount
    share: Share | None
    met: bool
    deemed_met: bool = Field(description="Met only because too few members failed to vote yes to form a blocking minority")


class MemberCounts(BaseModel):
    in_favour: int
    against: int
    abstaining: int
    absent: int
    base: int


class VoteAmounts(BaseModel):
    in_favour: Amount
    against: Amount
    abstaining: Amount
    absent: Amount
    base: Amount


class Tally(BaseModel):
    members: MemberCounts
    votes: VoteAmounts | None


class MemberVotes(BaseModel):
    code: Code
    votes: Amount
    votes_exact: Exact
    vote_share: Share
    vote_share_exact: Exact


class PowerMethods(BaseModel):
    banzhaf: Literal["exact"]
    shapley_shubik: Literal["exact", "sampled"]


class StandardErrors(BaseModel):
    shapley_shubik: dict[Code, Share]


class VotingPower(BaseModel):
    method: PowerMethods
    banzhaf: dict[Code, Share]
    banzhaf_exact: dict[Code, Exact] = Field(description="The exact normalised Banzhaf index, p/q")
    shapley_shubik: dict[Code, Share]
    shapley_shubik_exact: dict[Code, Exact] | None = Field(description="The exact Shapley-Shubik index, p/q; null when sampled")
    standard_error: StandardErrors | None
    samples: Annotated[int, Field(ge=1)] | None
    seed: int | None


class VotingSimulation(BaseModel):
    outcome: _choice(Outcome) | None
    explanation: str
    rule: AppliedRule
    tally: Tally
    checks: list[VotingCheck] | None
    quorum: VotingCheck | None
    members: list[MemberVotes]
    power: VotingPower | None


DESCRIPTION = (
    "Public and stateless: nothing is stored. `rule` is a rule's full JSON form (as in "
    "/api/v1/motions/{motion_id}), or `{\"preset\": NAME}`, optionally with any parameter of the full "
    "form to override the preset's (for example `{\"preset\": \"imf_85_percent\", "
    "\"basic_votes_share\": \"1/20\"}`); `rule` in the answer is the rule as applied. Members missing "
    "from `ballots` are absent; without ballots `outcome`, `checks` and `quorum` are null and every "
    "member counts as absent. `votes` are the votes the rule gives a member: one each under equal "
    "rules, else its weight plus basic votes; `vote_share` is its share of all members' votes.\n\n"
    f"Numbers in the answer are strings. Shares (`vote_share`, `share`, power indices, standard errors) "
    f"are rounded half up from the exact value to {DECIMALS} decimal places, every place written "
    f"(\"0.188138\"); amounts (votes, counts) are rounded the same way without trailing zeros "
    f"(\"831401\", \"83140.1\"); `*_exact` fields give the exact value as \"p/q\".\n\n"
    f"Power (`power: true`): each member's normalised Banzhaf and Shapley-Shubik index, with every "
    f"member present and voting yes or no and the quorum taken as met. Both are exact when the tables "
    f"they need fit {POWER_MEMORY_BUDGET // 1_000_000} MB; past that Shapley-Shubik is estimated from "
    f"sampled orderings (seeded, so the same request gives the same answer), reported in `method`, "
    f"`standard_error`, `samples` and `seed`, and Banzhaf is refused with a 400 naming `power`: give "
    f"coarser weights (populations in tens of thousands, shares in basis points) or leave power out. "
    f"Under equal rules every member's index is 1/n.\n\n"
    f"Limits: a body up to {MAX_BODY_BYTES:,} bytes; 1 to {MAX_MEMBERS} members with distinct ISO 3166-1 "
    f"alpha-3 codes; weights from 0 to {MAX_WEIGHT:,} with at most {MAX_WEIGHT_DECIMALS} decimal places. "
    "What a schema cannot say is refused with a 400 naming the field: a ballot for a code not among the "
    "members, a code listed twice, every member with 0 votes, a weighted rule's member without a weight, "
    "a fraction above 1, an override that leaves the preset no rule."
)
