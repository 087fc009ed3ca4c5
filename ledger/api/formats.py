"""Answering a list as JSON or CSV, and writing decimals."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal

from flask import Response, jsonify, request
from pydantic import BaseModel

from ledger.domain.errors import ValidationFailed
from ledger.domain.journal import canonical_value

FORMATS = ("json", "csv")
SHARE_PLACES = 4
"""Decimal places of published percentages and ratios."""


def requested_format() -> str:
    """The `format` query parameter: json (default) or csv."""
    fmt = request.args.get("format", "json").lower()
    if fmt not in FORMATS:
        raise ValidationFailed.single("format", f"{fmt!r} is not offered; accepted: {', '.join(FORMATS)}")
    return fmt


def fixed_places(value: Decimal | None) -> str | None:
    """A percentage or ratio as published: SHARE_PLACES decimal places, rounded half-even as GPU-hours are."""
    return None if value is None else str(value.quantize(Decimal(1).scaleb(-SHARE_PLACES)))


def list_response(key: str, item: type[BaseModel], rows: Iterable[Mapping], filename: str, **envelope) -> Response:
    """`{key: [...], **envelope}` as JSON, or the rows as CSV with a header line (true and false as in JSON).

    The item model's fields, in order, are the JSON fields and the CSV columns (ledger.api.resources).
    """
    columns = tuple(item.model_fields)
    records = [{column: canonical_value(row[column]) for column in columns} for row in rows]
    if requested_format() == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows({column: _csv_cell(value) for column, value in record.items()} for record in records)
        return Response(
            buffer.getvalue(),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
        )
    return jsonify({**envelope, key: records})


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")
PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def _csv_cell(value: object) -> object:
    """A cell as published in CSV. A text that a spreadsheet would run as a formula (it begins
    with =, +, -, @, a tab or a carriage return) is written with a leading apostrophe, as OWASP's
    "CSV Injection" page recommends; so is a text that begins with an apostrophe itself, so that
    the rule is reversible: drop one leading apostrophe from a cell that has one to get the exact
    value. Plain numbers (-12.50) are numbers, not formulas, and stay as they are."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value
