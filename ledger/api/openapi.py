"""The OpenAPI 3.1 description of /api/v1: every route, its parameters and its answers."""

from __future__ import annotations

from ledger.api.formats import SHARE_PLACES
from ledger.api.voting import (
    DECIMALS,
    MAX_BODY_BYTES,
    MAX_MEMBERS,
    MAX_WEIGHT,
    MAX_WEIGHT_DECIMALS,
    POWER_MEMORY_BUDGET,
    VOTES,
)
from ledger.domain.voting import PRESETS, Abstention, Base, Measure, Outcome, ThresholdOp, Weighting

FORMAT = {
    "name": "format",
    "in": "query",
    "required": False,
    "description": "json (default) or csv; CSV has one header line and one row per item",
    "schema": {"type": "string", "enum": ["json", "csv"], "default": "json"},
}
ERROR = {
    "description": "A query parameter is not accepted; the message names it and what is accepted",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}
DATE = {"type": "string", "format": "date"}
DECIMAL = {"type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?$", "description": "an exact decimal number"}


def _list(description: str, key: str, item: str, extra: dict | None = None) -> dict:
    return {
        "description": description,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": [key],
                    "properties": {**(extra or {}), key: {"type": "array", "items": {"$ref": f"#/components/schemas/{item}"}}},
                }
            },
            "text/csv": {"schema": {"type": "string"}},
        },
    }


def openapi_document() -> dict:
    """The document served at /api/v1/openapi.json."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Member Ledger open data",
            "version": "1",
            "description": (
                "Public, read-only data of the facility's ledger. Every list is JSON by default and "
                "CSV with ?format=csv. Dates are ISO 8601; amounts are exact decimal strings."
            ),
        },
        "servers": [{"url": "/"}],
        "paths": {
            "/api/v1/members": {
                "get": {
                    "summary": "Members with their current status",
                    "operationId": "listMembers",
                    "parameters": [FORMAT],
                    "responses": {"200": _list("All members, by name", "members", "Member"), "400": ERROR},
                }
            },
            "/api/v1/journal/head": {
                "get": {
                    "summary": "The journal's last entry: sequence number and hash",
                    "operationId": "journalHead",
                    "responses": {
                        "200": {
                            "description": "The head of the hash chain",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Head"}}},
                        }
                    },
                }
            },
            "/api/v1/journal": {
                "get": {
                    "summary": "Journal entries after a sequence number, oldest first",
                    "description": (
                        "hash = SHA-256(prev_hash + payload) over UTF-8 bytes; the first entry's prev_hash "
                        "is 64 zeros. Recompute every hash in order and compare the last with /api/v1/journal/head."
                    ),
                    "operationId": "listJournal",
                    "parameters": [
                        {"name": "after", "in": "query", "required": False, "description": "Entries with a greater sequence number", "schema": {"type": "integer", "minimum": 0, "default": 0}},
                        {"name": "limit", "in": "query", "required": False, "description": "How many entries at most", "schema": {"type": "integer", "minimum": 1, "maximum": 100000, "default": 1000}},
                        FORMAT,
                    ],
                    "responses": {
                        "200": _list("One page of entries", "entries", "JournalEntry", {"after": {"type": "integer"}, "limit": {"type": "integer"}}),
                        "400": ERROR,
                    },
                }
            },
            "/api/v1/years": {
                "get": {
                    "summary": "Fiscal years with their budget and status",
                    "operationId": "listYears",
                    "parameters": [FORMAT],
                    "responses": {"200": _list("Every fiscal year, oldest first", "years", "Year"), "400": ERROR},
                }
            },
            "/api/v1/years/{year}/contributions": {
                "get": {
                    "summary": "Each member's assessment for a year, what settled it, arrears and standing",
                    "description": (
                        "A closed year is shown as the ledger stood at its closing journal entry; any other year as of "
                        "today. paid is the cash that settled the year's instalments (payments settle a member's oldest "
                        "instalments first); in_kind the contributions in kind credited against them; outstanding = "
                        "assessed - paid - in_kind; arrears are everything the member owes, for any year, that fell due "
                        "by as_of; standing follows standing_rule."
                    ),
                    "operationId": "yearContributions",
                    "parameters": [
                        {"name": "year", "in": "path", "required": True, "schema": {"type": "integer"}},
                        FORMAT,
                    ],
                    "responses": {
                        "200": _list(
                            "The year's contributions, by member name",
                            "contributions",
                            "Contribution",
                            {
                                "year": {"type": "integer"},
                                "currency": {"type": "string"},
                                "budget": {"oneOf": [{"type": "string"}, {"type": "null"}]},
                                "status": {"type": "string", "enum": ["draft", "adopted", "closed"]},
                                "as_of": DATE,
                                "standing_rule": {"type": "string"},
                            },
                        ),
                        "400": ERROR,
                        "404": {"description": "No such fiscal year", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                    },
                }
            },
            **_compute_paths(),
            "/api/v1/scales": {
                "get": {
                    "summary": "Adopted scales of contributions: period, parameters, inputs and shares",
                    "description": "CSV has one row per scale and member.",
                    "operationId": "listScales",
                    "parameters": [FORMAT],
                    "responses": {"200": _list("Every adopted scale, oldest first", "scales", "Scale"), "400": ERROR},
                }
            },
            "/api/v1/motions": {
                "get": {
                    "summary": "Board motions with their status and outcome",
                    "operationId": "listMotions",
                    "parameters": [FORMAT],
                    "responses": {"200": _list("Every motion, oldest meeting first", "motions", "MotionSummary"), "400": ERROR},
                }
            },
            "/api/v1/motions/{motion_id}": {
                "get": {
                    "summary": "One motion: text, rule, weights, effect and, once closed, the stored outcome and tally",
                    "description": (
                        "The outcome, explanation and tally come from the snapshot stored when the motion closed and "
                        "are never recomputed. A roll-call publishes each member's ballot; a secret ballot only the "
                        "totals and who took part. `ineligible` names members whose vote was suspended, with the reason."
                    ),
                    "operationId": "getMotion",
                    "parameters": [{"name": "motion_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                    "responses": {
                        "200": {"description": "The motion", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Motion"}}}},
                        "404": {"description": "No such motion", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                    },
                }
            },
            **_voting_paths(),
            "/api/v1/openapi.json": {
                "get": {
                    "summary": "This document",
                    "operationId": "openapi",
                    "responses": {"200": {"description": "OpenAPI 3.1 document", "content": {"application/json": {"schema": {"type": "object"}}}}},
                }
            },
        },
        "components": {
            "schemas": {
                "Member": {
                    "type": "object",
                    "required": ["code", "name", "status", "joined", "left"],
                    "properties": {
                        "code": {"type": "string", "description": "ISO 3166-1 alpha-3", "pattern": "^[A-Z]{3}$"},
                        "name": {"type": "string"},
                        "status": {"type": "string", "enum": ["member", "associate", "observer", "withdrawn"]},
                        "joined": DATE,
                        "left": {"oneOf": [DATE, {"type": "null"}], "description": "Date of withdrawal, if any"},
                    },
                },
                "Year": {
                    "type": "object",
                    "required": ["year", "budget", "currency", "status"],
                    "properties": {
                        "year": {"type": "integer"},
                        "budget": {"oneOf": [DECIMAL, {"type": "null"}]},
                        "currency": {"type": "string", "description": "ISO 4217"},
                        "status": {"type": "string", "enum": ["draft", "adopted", "closed"]},
                    },
                },
                "Contribution": {
                    "type": "object",
                    "required": ["code", "name", "share_pct", "assessed", "paid", "in_kind", "outstanding", "arrears", "standing"],
                    "properties": {
                        "code": {"type": "string", "pattern": "^[A-Z]{3}$"},
                        "name": {"type": "string"},
                        "share_pct": DECIMAL,
                        "assessed": DECIMAL,
                        "paid": DECIMAL,
                        "in_kind": DECIMAL,
                        "outstanding": DECIMAL,
                        "arrears": DECIMAL,
                        "standing": {"type": "string", "enum": ["good", "arrears", "suspended"]},
                    },
                },
                "Scale": {
                    "type": "object",
                    "required": ["id", "first_year", "last_year", "parameters", "income_measure", "decision", "adopted_on", "shares"],
                    "properties": {
                        "id": {"type": "integer"},
                        "first_year": {"type": "integer"},
                        "last_year": {"type": "integer"},
                        "parameters": {
                            "type": "object",
                            "properties": {
                                "ceiling_pct": {"oneOf": [DECIMAL, {"type": "null"}]},
                                "floor_pct": {"oneOf": [DECIMAL, {"type": "null"}]},
                                "precision_pct": DECIMAL,
                                "associate_factor_pct": DECIMAL,
                            },
                        },
                        "income_measure": {"type": "string"},
                        "decision": {"type": "string"},
                        "adopted_on": DATE,
                        "shares": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "code": {"type": "string"},
                                    "name": {"type": "string"},
                                    "income": DECIMAL,
                                    "share_pct": DECIMAL,
                                    "bound": {"type": "string", "enum": ["free", "ceiling", "floor"]},
                                },
                            },
                        },
                    },
                },
                "MotionSummary": {
                    "type": "object",
                    "required": ["id", "title", "kind", "status", "outcome", "closed_at"],
                    "properties": {
                        "id": {"type": "integer"},
                        "title": {"type": "string"},
                        "kind": {"type": "string", "enum": ["budget", "scale", "accession", "withdrawal", "quota_transfer", "arrears_waiver", "safety_lab", "general"]},
                        "status": {"type": "string", "enum": ["draft", "open", "closed"]},
                        "outcome": {"oneOf": [{"type": "string", "enum": ["adopted", "rejected", "no_quorum"]}, {"type": "null"}]},
                        "closed_at": {"oneOf": [DATE, {"type": "null"}]},
                    },
                },
                "Motion": {
                    "type": "object",
                    "required": ["id", "title", "text", "kind", "status", "rule", "ballot", "outcome", "explanation", "tally", "ballots"],
                    "properties": {
                        "id": {"type": "integer"},
                        "title": {"type": "string"},
                        "text": {"type": "string"},
                        "kind": {"type": "string"},
                        "status": {"type": "string"},
                        "meeting": {"type": "object"},
                        "rule_name": {"type": "string"},
                        "rule": {"type": "object", "description": "The rule in its JSON form: weights, basic_votes_per_member, base, abstention, members_threshold, weight_threshold, blocking_minority_min_members, quorum"},
                        "weights": {"type": "string", "description": "equal, contribution (the scale's shares) or weight_set:<name>"},
                        "ballot": {"type": "string", "enum": ["roll_call", "secret"]},
                        "effect": {"type": "object"},
                        "outcome": {"oneOf": [{"type": "string"}, {"type": "null"}]},
                        "closed_at": {"oneOf": [DATE, {"type": "null"}]},
                        "explanation": {"oneOf": [{"type": "string"}, {"type": "null"}]},
                        "tally": {"oneOf": [{"type": "object"}, {"type": "null"}], "description": "members and weight for, against, abstaining, absent and the base; each threshold checked; fractions as p/q"},
                        "ineligible": {"oneOf": [{"type": "object", "additionalProperties": {"type": "string"}}, {"type": "null"}]},
                        "proxies": {"oneOf": [{"type": "object", "additionalProperties": {"type": "string"}}, {"type": "null"}]},
                        "ballots": {"oneOf": [{"type": "object", "additionalProperties": {"type": "string", "enum": ["yes", "no", "abstain"]}}, {"type": "null"}]},
                        "voted": {"oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "null"}]},
                    },
                },
                "Head": {
                    "type": "object",
                    "required": ["seq", "hash"],
                    "properties": {"seq": {"type": "integer"}, "hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"}},
                },
                "JournalEntry": {
                    "type": "object",
                    "required": ["seq", "recorded_at", "actor", "kind", "payload", "prev_hash", "hash"],
                    "properties": {
                        "seq": {"type": "integer"},
                        "recorded_at": {"type": "string", "format": "date-time"},
                        "actor": {"type": "string", "description": "user:N or system:NAME; never an e-mail address"},
                        "kind": {"type": "string"},
                        "payload": {"type": "string", "description": "Canonical JSON exactly as hashed"},
                        "prev_hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                        "hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                    },
                },
                **_compute_schemas(),
                **_voting_schemas(),
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {"type": "string"},
                        "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                    },
                },
            }
        },
    }


def _compute_paths() -> dict:
    """Projects, a year's compute and its monthly usage."""
    year = {"name": "year", "in": "path", "required": True, "schema": {"type": "integer"}}
    no_plan = {
        "description": "The year has no capacity plan; the message names the year and lists the years that have one",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    gpu_hours = {"$ref": "#/components/schemas/GpuHours"}
    return {
        "/api/v1/projects": {
            "get": {
                "summary": "Projects: the Slurm account each member's usage is charged through, and its safety level",
                "operationId": "listProjects",
                "parameters": [FORMAT],
                "responses": {"200": _list("Every project, by Slurm account", "projects", "Project"), "400": ERROR},
            }
        },
        "/api/v1/years/{year}/compute": {
            "get": {
                "summary": "A year's GPU capacity, reserves, and each member's quota, use, transfers and balance",
                "description": (
                    "Figures come from the year's latest capacity plan and its GPU-hour ledger. Capacity, reserves and "
                    "quotas are whole reference GPU-hours (one hour of one GPU of factor 1); every other amount of "
                    "GPU-hours is a decimal string to a thousandth, summed exactly in reference GPU-milliseconds and "
                    "rounded half-even once. A member's balance is the sum of its ledger lines less its use: "
                    "balance = quota + transferred + adjusted + carried_in + carried_out + forfeited - used, where "
                    "carried_out and forfeited are negative (the year-end lines). transferred is transfers in less "
                    "transfers out, each the effect of an adopted quota-transfer motion. contribution_share_pct is the "
                    "member's share of the year's assessments, usage_share_pct its share of the year's use, and "
                    "usage_to_contribution_ratio = usage share / contribution share (1 = used exactly its share), null while nothing is used or when the member was "
                    f"assessed nothing; shares and ratios have {SHARE_PLACES} decimal places. `quotas` lists the members "
                    "with a ledger line or any use, by code: before quotas are allocated (allocated false) only members "
                    "with use appear. frozen: a suspended member's quota kept but not usable. CSV has one row per member."
                ),
                "operationId": "yearCompute",
                "parameters": [year, FORMAT],
                "responses": {
                    "200": _list(
                        "The year's compute",
                        "quotas",
                        "ComputeQuota",
                        {
                            "year": {"type": "integer"},
                            "decision": {"type": "string", "description": "The board decision the capacity plan cites"},
                            "allocated": {"type": "boolean", "description": "Whether the year's quotas were allocated"},
                            "closed": {"type": "boolean", "description": "Whether the year's GPU-hour ledger was closed"},
                            "hours_in_year": {"type": "integer"},
                            "gpus": {"type": "integer", "minimum": 0},
                            "capacity_gpu_hours": {"type": "integer", "minimum": 0},
                            "reserved_gpu_hours": {"type": "integer", "minimum": 0, "description": "Credited to the reserves (0 until allocation)"},
                            "used_gpu_hours": gpu_hours,
                            "utilisation_pct": {**DECIMAL, "description": "used / capacity, in percent"},
                            "pools": {"type": "array", "items": {"$ref": "#/components/schemas/GpuPool"}},
                            "reserves": {"type": "array", "items": {"$ref": "#/components/schemas/ComputeReserve"}},
                        },
                    ),
                    "400": ERROR,
                    "404": no_plan,
                },
            }
        },
        "/api/v1/years/{year}/compute/monthly": {
            "get": {
                "summary": "GPU-hours used per month of a year, by one member or by all",
                "description": (
                    "Jobs crossing a month end are split between the months by time (UTC). Only months with use are "
                    "listed, oldest first: a month missing from the list had none (or has not been reported yet). "
                    "Read from monthly rollups, never from job rows. Use is published as it is ingested, also "
                    "for a year without a capacity plan yet (a job running over New Year); 404 for a year with "
                    "neither a plan nor any use."
                ),
                "operationId": "yearComputeMonthly",
                "parameters": [
                    year,
                    {
                        "name": "member",
                        "in": "query",
                        "required": False,
                        "description": "A member's code (see /api/v1/members); all members together when absent",
                        "schema": {"type": "string", "pattern": "^[A-Z]{3}$"},
                    },
                    FORMAT,
                ],
                "responses": {
                    "200": _list(
                        "The months with use",
                        "months",
                        "MonthUsage",
                        {"year": {"type": "integer"}, "member": {"oneOf": [{"type": "string"}, {"type": "null"}]}},
                    ),
                    "400": {**ERROR, "description": "`member` is not a member's code, or `format` is not offered; the message says what is accepted"},
                    "404": no_plan,
                },
            }
        },
    }


def _compute_schemas() -> dict:
    """Projects, pools, reserves, quotas and monthly use."""
    gpu_hours = {"$ref": "#/components/schemas/GpuHours"}
    share = {"type": "string", "pattern": f"^[0-9]+\\.[0-9]{{{SHARE_PLACES}}}$"}
    return {
        "GpuHours": {
            "type": "string",
            "pattern": "^-?[0-9]+\\.[0-9]{3}$",
            "description": "Reference GPU-hours to a thousandth, rounded half-even from exact GPU-milliseconds",
        },
        "Project": {
            "type": "object",
            "required": ["account", "code", "member", "title", "safety_level"],
            "properties": {
                "account": {"type": "string", "description": "The Slurm account the project was registered with, lower case"},
                "code": {"type": "string", "description": "The project's own code"},
                "member": {"type": "string", "pattern": "^[A-Z]{3}$"},
                "title": {"type": "string"},
                "safety_level": {"type": "string", "enum": ["SL-1", "SL-2", "SL-3", "SL-4"]},
            },
        },
        "GpuPool": {
            "type": "object",
            "required": ["gpu_type", "count", "availability", "factor"],
            "properties": {
                "gpu_type": {"type": "string", "description": "As Slurm names it in gres/gpu:TYPE"},
                "count": {"type": "integer", "minimum": 0},
                "availability": {**DECIMAL, "description": "Share of the year the pool can run jobs, 0 to 1"},
                "factor": {**DECIMAL, "description": "Reference GPU-hours one hour of one of these GPUs is worth"},
            },
        },
        "ComputeReserve": {
            "type": "object",
            "required": ["name", "percent", "gpu_hours"],
            "properties": {
                "name": {"type": "string"},
                "percent": {**DECIMAL, "description": "Share of capacity set by the plan (0 for a reserve that only received hours freed by a suspension)"},
                "gpu_hours": {"type": "integer", "minimum": 0, "description": "Whole GPU-hours credited (0 until allocation)"},
            },
        },
        "ComputeQuota": {
            "type": "object",
            "required": [
                "code", "name", "quota_gpu_hours", "used_gpu_hours", "transferred_gpu_hours", "balance_gpu_hours",
                "usage_to_contribution_ratio",
            ],
            "properties": {
                "code": {"type": "string", "pattern": "^[A-Z]{3}$"},
                "name": {"type": "string"},
                "quota_gpu_hours": {"type": "integer", "minimum": 0, "description": "The allocation credit, whole GPU-hours"},
                "frozen": {"type": "boolean"},
                "used_gpu_hours": gpu_hours,
                "transferred_gpu_hours": gpu_hours,
                "adjusted_gpu_hours": gpu_hours,
                "carried_in_gpu_hours": gpu_hours,
                "carried_out_gpu_hours": gpu_hours,
                "forfeited_gpu_hours": gpu_hours,
                "balance_gpu_hours": gpu_hours,
                "contribution_share_pct": share,
                "usage_share_pct": share,
                "usage_to_contribution_ratio": {"oneOf": [share, {"type": "null"}]},
            },
        },
        "MonthUsage": {
            "type": "object",
            "required": ["month", "used_gpu_hours"],
            "properties": {"month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}, "used_gpu_hours": gpu_hours},
        },
    }


def _voting_paths() -> dict:
    """The voting simulator's path (ledger.api.voting)."""
    json_body = {"application/json": {"schema": {"$ref": "#/components/schemas/VotingSimulation"}}}
    return {
        "/api/v1/voting/simulate": {
            "post": {
                "summary": "Simulate a vote: the decision a rule gives on ballots, each member's votes and, on request, power",
                "description": (
                    "Public and stateless: nothing is stored. `rule` is a rule's full JSON form (as in "
                    "/api/v1/motions/{motion_id}), or `{\"preset\": NAME}`, optionally with any parameter of the full "
                    "form to override the preset's (for example `{\"preset\": \"imf_85_percent\", "
                    "\"basic_votes_per_member\": 1459}`); `rule` in the answer is the rule as applied. Members missing "
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
                    f"alpha-3 codes; weights from 0 to {MAX_WEIGHT:,} with at most {MAX_WEIGHT_DECIMALS} decimal places."
                ),
                "operationId": "simulateVote",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/VotingSimulationRequest"}}},
                },
                "responses": {
                    "200": {"description": "The decision, the tally, each member's votes and, on request, power", "content": json_body},
                    "400": {
                        "description": (
                            "The body is not accepted: `fields` names every problem by its path (`body`, `members`, "
                            "`members[3].weight`, `ballots.DEU`, `rule.weight_threshold.fraction`, `power`) and says "
                            "what is accepted"
                        ),
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                    "405": {
                        "description": "Only POST is accepted",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                },
            }
        }
    }


def _voting_schemas() -> dict:
    """The voting simulator's request and answer."""
    def choice(enum) -> dict:
        return {"type": "string", "enum": [member.value for member in enum]}

    def nullable(schema: dict) -> dict:
        return {"oneOf": [schema, {"type": "null"}]}

    fraction_text = {"type": "string", "pattern": "^([0-9]+/[0-9]+|[0-9]+(\\.[0-9]+)?)$", "description": "'p/q' or a decimal"}
    share = {"type": "string", "pattern": f"^[0-9]\\.[0-9]{{{DECIMALS}}}$", "description": f"rounded half up to {DECIMALS} places"}
    amount = {"type": "string", "pattern": f"^[0-9]+(\\.[0-9]{{1,{DECIMALS}}})?$", "description": f"rounded half up to at most {DECIMALS} places"}
    exact = {"type": "string", "pattern": "^[0-9]+/[0-9]+$", "description": "the exact value, p/q"}
    threshold = {"$ref": "#/components/schemas/VotingThreshold"}
    check = {"$ref": "#/components/schemas/VotingCheck"}
    by_code = {"type": "object", "propertyNames": {"pattern": "^[A-Z]{3}$"}, "additionalProperties": share}
    counts = ("in_favour", "against", "abstaining", "absent", "base")
    return {
        "VotingSimulationRequest": {
            "type": "object",
            "required": ["members", "rule"],
            "additionalProperties": False,
            "properties": {
                "members": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": MAX_MEMBERS,
                    "items": {
                        "type": "object",
                        "required": ["code"],
                        "additionalProperties": False,
                        "properties": {
                            "code": {"type": "string", "pattern": "^[A-Z]{3}$", "description": "ISO 3166-1 alpha-3, each once"},
                            "weight": {
                                "oneOf": [{"type": "number", "minimum": 0, "maximum": MAX_WEIGHT}, {"type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?$"}],
                                "description": "Required under weighted rules (population, quota, contribution share), ignored under equal ones",
                            },
                        },
                    },
                },
                "rule": {"$ref": "#/components/schemas/VotingRule"},
                "ballots": {
                    "type": "object",
                    "propertyNames": {"pattern": "^[A-Z]{3}$"},
                    "additionalProperties": {"type": "string", "enum": list(VOTES)},
                    "description": "Member code -> yes, no or abstain; members missing are absent",
                },
                "power": {"type": "boolean", "default": False, "description": "Also compute each member's voting power"},
            },
        },
        "VotingRule": {
            "type": "object",
            "additionalProperties": False,
            "description": (
                "A voting rule: weights, base and abstention required, or `preset` with any of the other "
                "parameters overriding the preset's"
            ),
            "properties": {
                "preset": {"type": "string", "enum": list(PRESETS), "description": "Request only"},
                "weights": choice(Weighting),
                "basic_votes_per_member": nullable({"oneOf": [{"type": "integer", "minimum": 0}, fraction_text]}),
                "base": choice(Base),
                "abstention": choice(Abstention),
                "members_threshold": nullable(threshold),
                "weight_threshold": nullable(threshold),
                "blocking_minority_min_members": nullable({"type": "integer", "minimum": 1}),
                "quorum": nullable(threshold),
            },
        },
        "VotingThreshold": {
            "type": "object",
            "required": ["op", "fraction"],
            "additionalProperties": False,
            "properties": {
                "op": choice(ThresholdOp),
                "fraction": {"oneOf": [fraction_text, {"type": "number", "minimum": 0, "maximum": 1}], "description": "From 0 to 1"},
            },
        },
        "VotingCheck": {
            "type": "object",
            "required": ["measure", "threshold", "count", "base", "share", "met", "deemed_met"],
            "properties": {
                "measure": choice(Measure),
                "threshold": threshold,
                "count": amount,
                "base": amount,
                "share": nullable(share),
                "met": {"type": "boolean"},
                "deemed_met": {"type": "boolean", "description": "Met only because too few members failed to vote yes to form a blocking minority"},
            },
        },
        "VotingSimulation": {
            "type": "object",
            "required": ["outcome", "explanation", "rule", "tally", "checks", "quorum", "members", "power"],
            "properties": {
                "outcome": nullable(choice(Outcome)),
                "explanation": {"type": "string"},
                "rule": {"$ref": "#/components/schemas/VotingRule"},
                "tally": {
                    "type": "object",
                    "required": ["members", "votes"],
                    "properties": {
                        "members": {"type": "object", "properties": {name: {"type": "integer", "minimum": 0} for name in counts}},
                        "votes": nullable({"type": "object", "properties": dict.fromkeys(counts, amount)}),
                    },
                },
                "checks": nullable({"type": "array", "items": check}),
                "quorum": nullable(check),
                "members": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["code", "votes", "votes_exact", "vote_share", "vote_share_exact"],
                        "properties": {
                            "code": {"type": "string", "pattern": "^[A-Z]{3}$"},
                            "votes": amount,
                            "votes_exact": exact,
                            "vote_share": share,
                            "vote_share_exact": exact,
                        },
                    },
                },
                "power": nullable(
                    {
                        "type": "object",
                        "required": ["method", "banzhaf", "shapley_shubik", "standard_error", "samples", "seed"],
                        "properties": {
                            "method": {
                                "type": "object",
                                "properties": {
                                    "banzhaf": {"type": "string", "enum": ["exact"]},
                                    "shapley_shubik": {"type": "string", "enum": ["exact", "sampled"]},
                                },
                            },
                            "banzhaf": by_code,
                            "shapley_shubik": by_code,
                            "standard_error": nullable({"type": "object", "properties": {"shapley_shubik": by_code}}),
                            "samples": nullable({"type": "integer", "minimum": 1}),
                            "seed": nullable({"type": "integer"}),
                        },
                    }
                ),
            },
        },
    }
