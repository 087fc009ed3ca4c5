"""The open-data pages: the data catalogue at /data/, its Frictionless Data Package, the zip of
every CSV, and a readable reference of the API generated from its OpenAPI document."""

from __future__ import annotations

import contextvars
from functools import cache

from flask import Blueprint, Response, current_app, jsonify, render_template, url_for

from ledger.api.catalogue import LICENCE, DatasetField, data_package, fields_of, ledger_zip, operations, row_model
from ledger.api.openapi import CONTRACTS, documented_operations, openapi_document
from ledger.queries.catalogue import DATASETS, Catalogue, Dataset, read_catalogue
from ledger.state import cached, connect, today

blueprint = Blueprint("catalogue", __name__)


@cache
def dataset_fields(dataset: Dataset) -> tuple[DatasetField, ...]:
    """A dataset's fields, from its route's resource model (they change only with the code)."""
    return fields_of(row_model(operations(CONTRACTS)[dataset.operation]))


def _catalogue() -> Catalogue:
    with connect() as connection:
        return read_catalogue(connection)


@blueprint.route("/data/")
def index():
    catalogue = _catalogue()
    found = operations(CONTRACTS)
    return render_template("data/catalogue.html", title="Open data", catalogue=catalogue, datasets=DATASETS,
                           fields=dataset_fields, operations=found, licence=LICENCE)


@blueprint.route("/data/datapackage.json")
def datapackage():
    catalogue = _catalogue()
    return jsonify(data_package(catalogue, dataset_fields, lambda dataset, year: url_for_api(dataset, year, external=True)))


def url_for_api(dataset: Dataset, year: int | None, *, fmt: str = "csv", external: bool = False) -> str:
    """An edition's API URL, absolute for the Data Package (its resources are fetched from the server)."""
    path = dataset.url(year, fmt)
    return url_for("public.home", _external=True).rstrip("/") + path if external else path


@blueprint.route("/data/ledger-data.zip")
def ledger_data_zip():
    with connect() as connection:
        catalogue = read_catalogue(connection)
        # Contributions are shown as of today, and checkpoints are signed without a journal
        # entry: the day and the last checkpoint are part of what the bytes depend on.
        key = ("ledger-data.zip", today(), catalogue.changes["checkpoints"])
        content = cached(connection, key, lambda: ledger_zip(catalogue, dataset_fields, _served_csv))
    return Response(content, mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="ledger-data-{catalogue.head}.zip"'})


def _served_csv(dataset: Dataset, year: int | None) -> bytes:
    """The CSV exactly as /api/v1 serves it: the zip holds the API's own bytes.

    The API is asked as an anonymous reader in a context of its own: inside this request, Flask
    would otherwise lend the inner request this one's app context (and its signed-in official).
    """
    client = current_app.test_client()
    answer = contextvars.Context().run(client.get, dataset.url(year, "csv"))
    if answer.status_code != 200:
        raise RuntimeError(f"{dataset.url(year, 'csv')} answered {answer.status_code}")
    return answer.get_data()


@blueprint.route("/data/api")
def api_reference():
    document = openapi_document()
    return render_template("data/api.html", title="API reference", document=document, operations=documented_operations(document))
