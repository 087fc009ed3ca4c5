"""Domain errors and HTTP errors as pages (or JSON under /api), never a 500 for bad input."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ledger.domain.errors import DomainError, ValidationFailed


def error_body(error: DomainError) -> dict:
    """The JSON form of a domain error: a message and, for validation, each field's problem."""
    body: dict = {"error": str(error)}
    if isinstance(error, ValidationFailed):
        body["fields"] = {p.field: p.message for p in error.problems}
    return body


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError):
        if _wants_json():
            return jsonify(error_body(error)), error.status
        return render_template("error.html", title=_TITLES.get(error.status, "Not possible"), message=str(error)), error.status

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError):
        message = (
            f"The form could not be accepted: {error.description} "
            "The csrf_token field must carry the token of the page the form came from; reload the page and send it again."
        )
        return render_template("error.html", title="Form not accepted", message=message), 400

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        # the exception's own headers carry what the status requires, such as a 405's Allow (RFC 9110 §15.5.6)
        headers = [(name, value) for name, value in error.get_headers() if name.lower() != "content-type"]
        if _wants_json():
            return jsonify({"error": error.description}), error.code, headers
        return render_template("error.html", title=error.name, message=error.description), error.code, headers


_TITLES = {400: "Please check the input", 403: "Not allowed", 404: "Not found", 409: "Not possible now", 429: "Too many attempts"}
