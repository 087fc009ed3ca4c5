"""The resources /api/v1 publishes: each model's fields, in order, are its JSON fields and CSV
columns, and its JSON Schema is the document's (ledger.api.contract)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from ledger.api.formats import SHARE_PLACES
from ledger.services.governance import MOTION_KINDS

UNIT = "x-unit"
"""The OpenAPI extension keyword naming a field's unit (the data catalogue shows it)."""


def unit(name: str) -> Field:
    """A field's unit, carried in its JSON Schema as x-unit."""
    return Field(json_schema_extra={UNIT: name})


Code = Annotated[str, Field(pattern="^[A-Z]{3}$", description="ISO 3166-1 alpha-3")]
Decimal = Annotated[str, Field(pattern="^-?[0-9]+(\\.[0-9]+)?$", description="an exact decimal number")]
Share = Annotated[str, Field(pattern=f"^[0-9]+\\.[0-9]{{{SHARE_PLACES}}}$", description=f"{SHARE_PLACES} decimal places")]
GpuHours = Annotated[str, Field(
    pattern="^-?[0-9]+\\.[0-9]{3}$",
    description="Reference GPU-hours to a thousandth, rounded half-even from exact GPU-milliseconds",
), unit("reference GPU-hours")]
WholeGpuHours = Annotated[int, Field(ge=0), unit("reference GPU-hours")]
Money = Annotated[Decimal, unit("the year's currency (`currency`), exact to its minor unit")]
Percent = Annotated[Decimal, unit("percent")]
HexHash = Annotated[str, Field(pattern="^[0-9a-f]{64}$")]
YearStatus = Literal["draft", "adopted", "closed"]


class Member(BaseModel):
    code: Code = Field(description="The member's ISO 3166-1 alpha-3 code")
    name: str = Field(description="The member's name in English")
    status: Literal["member", "associate", "observer", "withdrawn"] = Field(description="Status today")
    joined: date = Field(description="The day it first joined, in any status")
    left: date | None = Field(description="Date of withdrawal, if any")


class Head(BaseModel):
    seq: int
    hash: HexHash


class JournalEntry(BaseModel):
    seq: int = Field(description="Sequence number, from 1, without gaps")
    recorded_at: datetime = Field(description="When the entry was written, UTC")
    actor: str = Field(description="user:N or system:NAME; never an e-mail address")
    kind: str = Field(description="What was done, e.g. payment.recorded or motion.closed")
    payload: str = Field(description="Canonical JSON exactly as hashed")
    prev_hash: HexHash = Field(description="The previous entry's hash (64 zeros for the first), hex SHA-256")
    hash: HexHash = Field(description="SHA-256 over prev_hash followed by payload, hex")


class JournalPage(BaseModel):
    after: int
    limit: int


class Year(BaseModel):
    year: int = Field(description="The fiscal year (a calendar year)")
    budget: Money | None = Field(description="The budget to be assessed; empty while none is set")
    currency: str = Field(description="ISO 4217")
    status: YearStatus = Field(description="draft (budget not adopted), adopted (assessed), closed (accounts closed)")


class Contribution(BaseModel):
    code: Code = Field(description="The member's ISO 3166-1 alpha-3 code")
    name: str = Field(description="The member's name")
    share_pct: Percent = Field(description="The member's share of the year's budget, pro rata temporis for the days it paid")
    assessed: Money = Field(description="Budget times share: what the member owes for the year")
    paid: Money = Field(description="Cash that settled the year's instalments (oldest instalments first)")
    in_kind: Money = Field(description="Contributions in kind credited against the year, within the cap")
    outstanding: Money = Field(description="assessed - paid - in_kind")
    arrears: Money = Field(description="Unpaid amounts of any year the standing rule counts as arrears on as_of")
    standing: Literal["good", "arrears", "suspended"] = Field(description="good, in arrears, or vote suspended, by standing_rule")


class YearContributions(BaseModel):
    year: int
    currency: str
    budget: Decimal | None
    status: YearStatus
    as_of: date
    standing_rule: str


class ScaleParameters(BaseModel):
    ceiling_pct: Decimal | None
    floor_pct: Decimal | None
    precision_pct: Decimal
    associate_factor_pct: Decimal


Bound = Literal["free", "ceiling", "floor"]


class ScaleShare(BaseModel):
    code: Code
    name: str
    income: Decimal
    share_pct: Decimal
    bound: Bound


class Scale(BaseModel):
    id: int
    first_year: int
    last_year: int
    parameters: ScaleParameters
    income_measure: str
    decision: str
    adopted_on: date
    shares: list[ScaleShare]


class ScaleRow(BaseModel):
    """A scale's CSV row: the scale's fields repeated on each of its shares."""

    scale_id: int = Field(description="The scale's number")
    first_year: int = Field(description="The first fiscal year it covers")
    last_year: int = Field(description="The last fiscal year it covers")
    ceiling_pct: Percent | None = Field(description="The highest share a member may have; empty for none")
    floor_pct: Percent | None = Field(description="The lowest share a member may have; empty for none")
    precision_pct: Percent = Field(description="Shares are rounded to this, by largest remainder, to sum to exactly 100")
    associate_factor_pct: Percent = Field(description="The part of its full share an associate member pays")
    income_measure: str = Field(description="The income the shares are proportional to, and its source")
    decision: str = Field(description="The board decision that adopted the scale")
    adopted_on: date = Field(description="The day it was adopted")
    code: Code = Field(description="The member's ISO 3166-1 alpha-3 code")
    name: str = Field(description="The member's name")
    income: Decimal = Field(description="The member's income measure (averaged over the base years)", json_schema_extra={UNIT: "as income_measure states"})
    share_pct: Percent = Field(description="The member's share after ceiling, floor and rounding")
    bound: Bound = Field(description="free, or the limit (ceiling or floor) that fixed the share")


class Project(BaseModel):
    account: str = Field(description="The Slurm account the project was registered with, lower case")
    code: str = Field(description="The project's own code")
    member: Code = Field(description="The member whose quota the project's use is charged to")
    title: str = Field(description="The project's title")
    safety_level: Literal["SL-1", "SL-2", "SL-3", "SL-4"] = Field(description="SL-1 (lowest) to SL-4 (highest), like biosafety levels")


class GpuPool(BaseModel):
    gpu_type: str = Field(description="As Slurm names it in gres/gpu:TYPE")
    count: int = Field(ge=0)
    availability: Decimal = Field(description="Share of the year the pool can run jobs, 0 to 1")
    factor: Decimal = Field(description="Reference GPU-hours one hour of one of these GPUs is worth")


class ComputeReserve(BaseModel):
    name: str
    percent: Decimal = Field(description="Share of capacity set by the plan (0 for a reserve that only received hours freed by a suspension)")
    gpu_hours: WholeGpuHours = Field(description="Whole GPU-hours credited (0 until allocation)")


class ComputeQuota(BaseModel):
    code: Code = Field(description="The member's ISO 3166-1 alpha-3 code")
    name: str = Field(description="The member's name")
    quota_gpu_hours: WholeGpuHours = Field(description="The allocation credit, whole GPU-hours")
    frozen: bool = Field(description="A suspended member's quota, kept but not usable")
    used_gpu_hours: GpuHours = Field(description="Use charged to the member's projects in the year")
    transferred_gpu_hours: GpuHours = Field(description="Transfers in less transfers out, each the effect of an adopted motion")
    adjusted_gpu_hours: GpuHours = Field(description="Corrections recorded by the secretariat")
    carried_in_gpu_hours: GpuHours = Field(description="Carried over from the previous year")
    carried_out_gpu_hours: GpuHours = Field(description="Carried over to the next year (negative)")
    forfeited_gpu_hours: GpuHours = Field(description="Lost at the year's close beyond the carry-over cap (negative)")
    balance_gpu_hours: GpuHours = Field(description="quota + transferred + adjusted + carried_in + carried_out + forfeited - used")
    contribution_share_pct: Share | None = Field(description="The member's share of the year's assessments", json_schema_extra={UNIT: "percent"})
    usage_share_pct: Share | None = Field(description="The member's share of the year's use", json_schema_extra={UNIT: "percent"})
    usage_to_contribution_ratio: Share | None = Field(description="usage share / contribution share (1 = used exactly its share); empty while nothing is used",
                                                      json_schema_extra={UNIT: "ratio"})


class YearCompute(BaseModel):
    year: int
    decision: str = Field(description="The board decision the capacity plan cites")
    allocated: bool = Field(description="Whether the year's quotas were allocated")
    closed: bool = Field(description="Whether the year's GPU-hour ledger was closed")
    hours_in_year: int
    gpus: int = Field(ge=0)
    capacity_gpu_hours: WholeGpuHours
    reserved_gpu_hours: WholeGpuHours = Field(description="Credited to the reserves (0 until allocation)")
    used_gpu_hours: GpuHours
    utilisation_pct: Share | None = Field(description="used / capacity, in percent")
    pools: list[GpuPool]
    reserves: list[ComputeReserve]


class MonthUsage(BaseModel):
    month: str = Field(pattern="^[0-9]{4}-[0-9]{2}$", description="The month, YYYY-MM, in UTC")
    used_gpu_hours: GpuHours = Field(description="Use in the month; a job crossing a month end is split by time")


class MonthlyUsage(BaseModel):
    year: int
    member: Code | None


class LevelUsage(BaseModel):
    safety_level: Literal["SL-1", "SL-2", "SL-3", "SL-4"] = Field(description="The safety level of the projects that ran the jobs")
    used_gpu_hours: GpuHours = Field(description="Use in the year by projects of that level")


class YearLevels(BaseModel):
    year: int


class MotionSummary(BaseModel):
    id: int = Field(description="The motion's number (its details at /api/v1/motions/ID)")
    title: str = Field(description="The motion's title")
    kind: Literal[MOTION_KINDS] = Field(
        description="What the motion decides; an adopted motion of most kinds applies its effect")
    status: Literal["draft", "open", "closed"] = Field(description="draft, open for ballots, or closed")
    outcome: Literal["adopted", "rejected", "no_quorum"] | None = Field(description="The stored outcome once closed; empty before")
    closed_at: date | None = Field(description="The day it closed; empty before")


class Meeting(BaseModel):
    id: int
    title: str
    held_on: date


class Motion(BaseModel):
    id: int
    title: str
    text: str
    kind: str
    status: str
    meeting: Meeting
    rule_name: str | None
    rule: dict[str, Any] = Field(description=(
        "The rule in its JSON form: weights, basic_votes_share, base, abstention, members_threshold, "
        "weight_threshold, blocking_minority_min_members, quorum"
    ))
    weights: str = Field(description="equal, contribution (the scale's shares) or weight_set:<name>")
    ballot: Literal["roll_call", "secret"]
    effect: dict[str, Any] | None
    outcome: str | None
    closed_at: date | None
    explanation: str | None
    tally: dict[str, Any] | None = Field(description=(
        "members and weight for, against, abstaining, absent and the base; each threshold checked; fractions as p/q. "
        "A secret ballot: members and weight null, each threshold with met only (no count)"
    ))
    ineligible: dict[str, str] | None = Field(description="Members whose vote was suspended, with the reason")
    proxies: dict[str, str] | None
    ballots: dict[str, Literal["yes", "no", "abstain"]] | None = Field(description="A roll-call's named ballots")
    voted: list[str] | None


class Checkpoint(BaseModel):
    size: int = Field(ge=0, description="How many journal entries the tree holds (entries 1 to size)")
    root_hash: HexHash = Field(description="The RFC 9162 Merkle tree root over those entries' payloads, hex")
    signed_at: datetime = Field(description="When the ledger signed it, UTC")
    note: str = Field(description="The signed note as the log signed it")
    cosignatures: str = Field(description="Witness cosignature lines, each ending in a newline")
    witnessed: bool = Field(description="At least witness_quorum witnesses cosigned it (false when none is configured)")


class Checkpoints(BaseModel):
    verifier_key: str
    witness_quorum: int = Field(ge=0)


class InclusionProof(BaseModel):
    seq: int
    size: int
    hashes: list[HexHash] = Field(description="The audit path, bottom first, hex")


class ConsistencyProof(BaseModel):
    from_: int = Field(alias="from")
    to: int
    hashes: list[HexHash] = Field(description="The consistency proof, hex")


class OpenApiDocument(BaseModel, extra="allow"):
    """The OpenAPI 3.1 document itself."""

    openapi: Literal["3.1.0"]
