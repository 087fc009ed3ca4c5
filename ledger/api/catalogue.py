"""The data catalogue as the API describes it: each dataset's fields (name, type, unit, meaning)
read from its route's resource model, the Frictionless Data Package of every edition, and the
zip of every CSV with the package, byte for byte the same for the same journal head.

The fields are never written twice: a dataset names its route's operationId
(ledger.queries.catalogue), the route's contract names the model of its CSV rows, and the
model's JSON Schema gives each field's type, its description and its unit (x-unit).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel

from ledger.api.contract import ListAnswer, Operation
from ledger.api.resources import UNIT
from ledger.queries.catalogue import DATASETS, Catalogue, Dataset

LICENCE = {"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0 International",
           "path": "https://creativecommons.org/licenses/by/4.0/"}
"""The licence of the published data: anyone may reuse it, crediting the Member Ledger."""
PACKAGE_NAME = "member-ledger"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
"""Every file in the zip carries this time (the earliest a zip can hold), so its bytes depend on its contents only."""

# JSON Schema patterns of exact decimals (ledger.api.resources): numbers in CSV, strings in JSON.
DECIMAL_PATTERNS = ("^-?[0-9]+(\\.[0-9]+)?$", "^-?[0-9]+\\.[0-9]{3}$")
DECIMAL_PREFIX = "^[0-9]+\\.[0-9]{"


@dataclass(frozen=True, slots=True)
class DatasetField:
    """One column of a dataset's CSV (and field of its JSON items)."""

    name: str
    type: str
    """The Frictionless Table Schema type: string, number, integer, boolean, date, datetime."""
    unit: str | None
    meaning: str
    required: bool
    enum: tuple[str, ...] = ()
    pattern: str | None = None

    def schema(self) -> dict:
        constraints = {**({"required": True} if self.required else {}), **({"enum": list(self.enum)} if self.enum else {}),
                       **({"pattern": self.pattern} if self.pattern else {})}
        return {"name": self.name, "type": self.type, "description": self.meaning + (f" ({self.unit})" if self.unit else ""),
                **({"constraints": constraints} if constraints else {})}


def operations(contracts) -> dict[str, Operation]:
    return {operation.operation_id: operation for contract in contracts for operation in contract.operations}


def row_model(operation: Operation) -> type[BaseModel]:
    """The model of a list route's CSV rows."""
    answer = operation.answer
    if not isinstance(answer, ListAnswer):
        raise TypeError(f"{operation.operation_id} answers no list; a dataset is a list route")
    return answer.csv_item or answer.item


def fields_of(model: type[BaseModel]) -> tuple[DatasetField, ...]:
    """The model's fields as Table Schema fields, in CSV column order."""
    schema = model.model_json_schema(mode="serialization")
    return tuple(_field(name, schema["properties"][name], name in schema.get("required", ())) for name in model.model_fields)


def _field(name: str, prop: dict, listed_required: bool) -> DatasetField:
    branches = prop.get("anyOf", [prop])
    value = next(branch for branch in branches if branch.get("type") != "null")
    nullable = any(branch.get("type") == "null" for branch in branches)
    unit = prop.get(UNIT) or value.get(UNIT)
    meaning = prop.get("description") or value.get("description") or ""
    kind = value.get("type")
    pattern = value.get("pattern")
    if "enum" in value or "const" in value:
        return DatasetField(name, "string", unit, meaning, listed_required and not nullable, tuple(value.get("enum", [value.get("const")])))
    if kind == "string" and (pattern in DECIMAL_PATTERNS or (pattern or "").startswith(DECIMAL_PREFIX)):
        return DatasetField(name, "number", unit, meaning, listed_required and not nullable)
    typed = {"integer": "integer", "boolean": "boolean", "number": "number"}.get(kind)
    if typed is None:
        typed = {"date": "date", "date-time": "datetime"}.get(value.get("format"), "string")
    # CSV writes an empty text and a missing value alike: a free text is never required there.
    fillable = typed != "string" or pattern is not None
    return DatasetField(name, typed, unit, meaning, listed_required and not nullable and fillable,
                        pattern=pattern if typed == "string" else None)


def data_package(catalogue: Catalogue, fields: Callable[[Dataset], tuple[DatasetField, ...]], path: Callable[[Dataset, int | None], str]) -> dict:
    """The Frictionless Data Package (v1) of every edition of every dataset.

    path(dataset, year): where each resource's CSV is, an /api/v1 URL when served, a file name in the zip.
    """
    resources = []
    for dataset in DATASETS:
        schema = {"fields": [f.schema() for f in fields(dataset)]}
        for year in catalogue.editions(dataset):
            change = catalogue.changes[dataset.key]
            resources.append({
                "name": dataset.resource_name(year),
                "title": dataset.title + (f" {year}" if year else ""),
                "description": dataset.description + (f" Last changed by journal entry {change.seq}." if change else ""),
                "path": path(dataset, year),
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "licenses": [LICENCE],
                "schema": schema,
            })
    return {
        "profile": "data-package",
        "name": PACKAGE_NAME,
        "title": "Member Ledger open data",
        "description": f"Every public dataset of the Member Ledger at journal entry {catalogue.head}.",
        "version": str(catalogue.head),
        "licenses": [LICENCE],
        "resources": resources,
    }


def zip_name(dataset: Dataset, year: int | None) -> str:
    return f"{dataset.resource_name(year)}.csv"


def ledger_zip(catalogue: Catalogue, fields: Callable[[Dataset], tuple[DatasetField, ...]], csv_of: Callable[[Dataset, int | None], bytes]) -> bytes:
    """Every CSV and the Data Package naming them by file, at fixed times and in a fixed order."""
    files = {zip_name(d, year): csv_of(d, year) for d in DATASETS for year in catalogue.editions(d)}
    package = data_package(catalogue, fields, zip_name)
    files["datapackage.json"] = (json.dumps(package, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return buffer.getvalue()
