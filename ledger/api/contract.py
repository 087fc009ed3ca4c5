"""The API contract, declared once beside each route: its parameters with their bounds, its answer
model, its error statuses. The OpenAPI document is generated from these declarations, so
what is documented is what the route does.

A resource's fields are a pydantic model in ledger.api.resources: the model is the one source
of its JSON fields, its CSV columns (the fields, in order) and its JSON Schema. The models
only describe; the routes still build plain dicts, written by `list_response` or `jsonify`.

Adding (or changing) a route, e.g. projects with the accounts as the sites name them:

1. the fields: a model in resources.py (a field added there is a JSON field, a CSV column
   and a schema property at once);

       class Project(BaseModel):
           account: str = Field(description="The Slurm account, as the site names it")
           ...

2. the route, on its blueprint's contract (`contract = Contract(blueprint)`):

       @contract.get("/projects", "listProjects", "Projects and their safety level",
                     query=(Query("member", "A member's code", pattern="^[A-Z]{3}$", accepted="..."),),
                     answer=ListAnswer("projects", r.Project, "Every project, by account"),
                     errors={404: "No member has that code"})
       def projects(member: str | None):
           ...
           return list_response("projects", r.Project, rows, "projects")

3. a new blueprint's contract goes into ledger.api.openapi.CONTRACTS; a new endpoint into
   tests/test_access.py's ROUTES, and its answers on the demo into tests/api_answers.py.

`Query` is a query parameter (an integer with default and bounds, or text with a pattern):
the decorator reads and checks each one, refusing with a 400 that names it and says what is
accepted, and passes it to the view as a keyword argument. Path parameters come from the URL
rule: `<int:year>` is documented with the bounds of the app's `int` converter. A list answer
takes `format` (json or csv) without declaring it. `errors` says when the route answers each
other status; a 400 is documented wherever a parameter or body can be refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Blueprint, current_app, request
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from ledger.api.formats import FORMATS, requested_format
from ledger.domain.errors import ValidationFailed

REF = "#/components/schemas/{model}"
_PATH_PARAMETER = re.compile(r"<(?:(\w+):)?(\w+)>")


class Error(BaseModel):
    """Every refusal: a message and, when input was refused, each field's problem."""

    error: str
    fields: dict[str, str] | None = None


@dataclass(frozen=True, slots=True)
class Query:
    """A query parameter: parsed and bounded here, documented from the same values."""

    name: str
    description: str
    default: int | None = None
    minimum: int = 0
    maximum: int | None = None
    required: bool = False
    pattern: str | None = None
    """A text parameter's form (an integer parameter has none)."""
    accepted: str | None = None
    """What a text parameter accepts, in words, for the 400 refusing it."""

    @property
    def is_integer(self) -> bool:
        return self.pattern is None

    def parse(self) -> int | str | None:
        given = request.args.getlist(self.name)
        if len(given) > 1:
            raise ValidationFailed.single(self.name, f"given {len(given)} times; give it once ({self._accepted()})")
        raw = given[0] if given else None
        # an empty integer is no number (the document says integer); an empty text is absent, as a form sends it
        if raw == "" and self.is_integer:
            raise ValidationFailed.single(self.name, f"empty; {self._accepted()}")
        if raw is None or raw == "":
            if self.required:
                raise ValidationFailed.single(self.name, f"required; {self._accepted()}")
            return self.default
        if not self.is_integer:
            if not re.fullmatch(self.pattern, raw):
                raise ValidationFailed.single(self.name, f"{raw!r} is not accepted; {self._accepted()}")
            return raw
        try:
            value = int(raw)
        except ValueError:
            value = None
        if value is None or value < self.minimum or (self.maximum is not None and value > self.maximum):
            raise ValidationFailed.single(self.name, f"{raw!r} is not accepted; {self._accepted()}")
        return value

    def _accepted(self) -> str:
        if not self.is_integer:
            return f"accepted: {self.accepted}"
        upper = f" to {self.maximum:,}" if self.maximum is not None else " or more"
        return f"give a whole number from {self.minimum}{upper}"

    def schema(self) -> dict:
        if not self.is_integer:
            return {"type": "string", "pattern": self.pattern}
        bounds = {"minimum": self.minimum, **({"maximum": self.maximum} if self.maximum is not None else {})}
        return {"type": "integer", **bounds, **({"default": self.default} if self.default is not None else {})}


FORMAT = {
    "name": "format",
    "in": "query",
    "required": False,
    "description": "json (default) or csv; CSV has one header line and one row per item",
    "schema": {"type": "string", "enum": list(FORMATS), "default": "json"},
}


@dataclass(frozen=True, slots=True)
class ListAnswer:
    """`{key: [Item, ...], **Envelope}` as JSON, or the items as CSV (columns: the item's fields)."""

    key: str
    item: type[BaseModel]
    description: str
    envelope: type[BaseModel] | None = None
    csv_item: type[BaseModel] | None = None
    """When CSV rows are not the JSON items (a scale and its shares: one row per share)."""

    takes_format = True

    def models(self) -> list[type[BaseModel]]:
        return [m for m in (self.item, self.envelope, self.csv_item) if m is not None]

    def content(self) -> dict:
        listed = {"type": "array", "items": {"$ref": REF.format(model=self.item.__name__)}}
        if self.envelope is None:
            schema = {"type": "object", "required": [self.key], "properties": {self.key: listed}}
        else:
            schema = {"allOf": [{"$ref": REF.format(model=self.envelope.__name__)},
                                {"type": "object", "required": [self.key], "properties": {self.key: listed}}]}
        csv_description = f"CSV columns: {', '.join((self.csv_item or self.item).model_fields)}"
        return {"application/json": {"schema": schema}, "text/csv": {"schema": {"type": "string", "description": csv_description}}}


@dataclass(frozen=True, slots=True)
class JsonAnswer:
    """One JSON object of `model`."""

    model: type[BaseModel]
    description: str

    takes_format = False

    def models(self) -> list[type[BaseModel]]:
        return [self.model]

    def content(self) -> dict:
        return {"application/json": {"schema": {"$ref": REF.format(model=self.model.__name__)}}}


@dataclass(frozen=True, slots=True)
class TextAnswer:
    """Plain text (a signed note, a key)."""

    description: str

    takes_format = False

    def models(self) -> list[type[BaseModel]]:
        return []

    def content(self) -> dict:
        return {"text/plain": {"schema": {"type": "string"}}}


Answer = ListAnswer | JsonAnswer | TextAnswer


@dataclass(frozen=True, slots=True)
class Operation:
    """One route as documented."""

    method: str
    endpoint: str
    """The Flask endpoint, blueprint.name: its URL rule is read from the app."""
    operation_id: str
    summary: str
    answer: Answer
    description: str | None
    query: tuple[Query, ...]
    body: type[BaseModel] | None
    errors: dict[int, str]
    path_descriptions: dict[str, str]


@dataclass(slots=True)
class Contract:
    """The routes of one blueprint with what they promise."""

    blueprint: Blueprint
    operations: list[Operation] = field(default_factory=list)

    def get(self, rule: str, operation_id: str, summary: str, **declared) -> Callable:
        return self._route("get", rule, operation_id, summary, **declared)

    def post(self, rule: str, operation_id: str, summary: str, **declared) -> Callable:
        return self._route("post", rule, operation_id, summary, **declared)

    def _route(
        self, method: str, rule: str, operation_id: str, summary: str, *, answer: Answer, description: str | None = None,
        query: Sequence[Query] = (), body: type[BaseModel] | None = None, errors: dict[int, str] | None = None,
        paths: dict[str, str] | None = None, endpoint: str | None = None,
    ) -> Callable:
        def register(view: Callable) -> Callable:
            @wraps(view)
            def parsed(**path_values):
                if answer.takes_format:
                    requested_format()  # an unknown format is refused before any work
                return view(**path_values, **{parameter.name: parameter.parse() for parameter in query})

            name = endpoint or view.__name__
            self.blueprint.add_url_rule(rule, name, parsed, methods=[method.upper()])
            self.operations.append(Operation(
                method, f"{self.blueprint.name}.{name}", operation_id, summary, answer, description, tuple(query), body, dict(errors or {}),
                dict(paths or {}),
            ))
            return parsed

        return register


def openapi_paths_and_schemas(contracts: Sequence[Contract]) -> tuple[dict, dict]:
    """The `paths` and `components.schemas` of the document for these contracts."""
    operations = [operation for contract in contracts for operation in contract.operations]
    models = {Error}
    for operation in operations:
        models.update(operation.answer.models())
        if operation.body is not None:
            models.add(operation.body)
    ordered = sorted(models, key=lambda model: model.__name__)
    _, schemas = models_json_schema([(model, "serialization") for model in ordered], ref_template=REF)
    paths: dict[str, dict] = {}
    for operation in operations:
        path, parameters = _path_parameters(operation)
        paths.setdefault(path, {})[operation.method] = _operation(operation, parameters)
    return dict(sorted(paths.items())), dict(sorted(schemas.get("$defs", {}).items()))


def _path_parameters(operation: Operation) -> tuple[str, list[dict]]:
    """The OpenAPI path and its parameters, bounded as the app's URL converters bound them."""
    rule = next(current_app.url_map.iter_rules(operation.endpoint))
    parameters = []
    for converter_name, name in _PATH_PARAMETER.findall(rule.rule):
        schema: dict = {"type": "string"}
        if converter_name == "int":
            converter = rule._converters[name]
            schema = {"type": "integer", "minimum": converter.min or 0, **({"maximum": converter.max} if converter.max else {})}
        described = operation.path_descriptions.get(name)
        parameters.append({"name": name, "in": "path", "required": True, **({"description": described} if described else {}), "schema": schema})
    return _PATH_PARAMETER.sub(r"{\2}", rule.rule), parameters


def _operation(operation: Operation, path_parameters: list[dict]) -> dict:
    parameters = [*path_parameters]
    for query in operation.query:
        parameters.append({"name": query.name, "in": "query", "required": query.required, "description": query.description, "schema": query.schema()})
    if operation.answer.takes_format:
        parameters.append(FORMAT)
    responses: dict[str, Any] = {"200": {"description": operation.answer.description, "content": operation.answer.content()}}
    refusable = operation.answer.takes_format or operation.query or operation.body is not None
    errors = {**({400: "A parameter is not accepted; the message names it and what is accepted"} if refusable else {}), **operation.errors}
    for status, description in sorted(errors.items()):
        responses[str(status)] = {"description": description, "content": {"application/json": {"schema": {"$ref": REF.format(model="Error")}}}}
    document: dict[str, Any] = {"summary": operation.summary, "operationId": operation.operation_id}
    if operation.description:
        document["description"] = operation.description
    if parameters:
        document["parameters"] = parameters
    if operation.body is not None:
        document["requestBody"] = {"required": True, "content": {"application/json": {"schema": {"$ref": REF.format(model=operation.body.__name__)}}}}
    document["responses"] = responses
    return document
