"""The resources /api/v1 publishes: each model's fields, in order, are its JSON fields and CSV
columns, and its JSON Schema is the document's (ledger.api.contract)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from ledger.api.formats import SHARE_PLACES

Code = Annotated[str, Field(pattern="^[A-Z]{3}$", description="ISO 3166-1 alpha-3")]
Decimal = Annotated[str, Field(pattern="^-?[0-9]+(\\.[0-9]+)?$", description="an exact decimal number")]
Share = Annotated[str, Field(pattern=f"^[0-9]+\\.[0-9]{{{SHARE_PLACES}}}$", description=f"{SHARE_PLACES} decimal places")]
GpuHours = Annotated[str, Field(
    pattern="^-?[0-9]+\\.[0-9]{3}$",
    description="Reference GPU-hours to a thousandth, rounded half-even from exact GPU-milliseconds",
)]
WholeGpuHours = Annotated[int, Field(ge=0)]
HexHash = Annotated[str, Field(pattern="^[0-9a-f]{64}$")]
YearStatus = Literal["draft", "adopted", "closed"]


class Member(BaseModel):
    code: Code
    name: str
    status: Literal["member", "associate", "observer", "withdrawn"] = Field(description="Status today")
    joined: date
    left: date | None = Field(description="Date of withdrawal, if any")


class Head(BaseModel):
    seq: int
    hash: HexHash


class JournalEntry(BaseModel):
    seq: int
    recorded_at: datetime
    actor: str = Field(description="user:N or system:NAME; never an e-mail address")
    kind: str
    payload: str = Field(description="Canonical JSON exactly as hashed")
    prev_hash: HexHash
    hash: HexHash


class JournalPage(BaseModel):
    after: int
    limit: int


class Year(BaseModel):
    year: int
    budget: Decimal | None
    currency: str = Field(description="ISO 4217")
    status: YearStatus


class Contribution(BaseModel):
    code: Code
    name: str
    share_pct: Decimal
    assessed: Decimal
    paid: Decimal
    in_kind: Decimal
    outstanding: Decimal
    arrears: Decimal
    standing: Literal["good", "arrears", "suspended"]


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

    scale_id: int
    first_year: int
    last_year: int
    ceiling_pct: Decimal | None
    floor_pct: Decimal | None
    precision_pct: Decimal
    associate_factor_pct: Decimal
    income_measure: str
    decision: str
    adopted_on: date
    code: Code
    name: str
    income: Decimal
    share_pct: Decimal
    bound: Bound


class Project(BaseModel):
    account: str = Field(description="The Slurm account the project was registered with, lower case")
    code: str = Field(description="The project's own code")
    member: Code
    title: str
    safety_level: Literal["SL-1", "SL-2", "SL-3", "SL-4"]


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
    code: Code
    name: str
    quota_gpu_hours: WholeGpuHours = Field(description="The allocation credit, whole GPU-hours")
    frozen: bool
    used_gpu_hours: GpuHours
    transferred_gpu_hours: GpuHours
    adjusted_gpu_hours: GpuHours
    carried_in_gpu_hours: GpuHours
    carried_out_gpu_hours: GpuHours
    forfeited_gpu_hours: GpuHours
    balance_gpu_hours: GpuHours
    contribution_share_pct: Share | None
    usage_share_pct: Share | None
    usage_to_contribution_ratio: Share | None


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
    month: str = Field(pattern="^[0-9]{4}-[0-9]{2}$")
    used_gpu_hours: GpuHours


class MonthlyUsage(BaseModel):
    year: int
    member: Code | None


class MotionSummary(BaseModel):
    id: int
    title: str
    kind: Literal["budget", "scale", "accession", "withdrawal", "quota_transfer", "arrears_waiver", "safety_lab", "general"]
    status: Literal["draft", "open", "closed"]
    outcome: Literal["adopted", "rejected", "no_quorum"] | None
    closed_at: date | None


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
    size: int = Field(ge=0)
    root_hash: HexHash
    signed_at: datetime
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
