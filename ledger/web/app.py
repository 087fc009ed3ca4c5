"""The application factory: nothing is created at import time."""

from __future__ import annotations

from flask import Flask, request
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Engine
from werkzeug.routing import IntegerConverter

from ledger.config import Settings
from ledger.db.engine import make_engine
from ledger.domain.access import Permission
from ledger.domain.compute import gpu_hours
from ledger.web.guard import current_actor
from ledger.web.state import LedgerState

# Pages load scripts, styles, map shapes and data from this server only.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
    "connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


MAX_URL_INTEGER = 2**31 - 1
"""The largest whole number a URL may carry: PostgreSQL's INTEGER, the type of every id and year."""


class BoundedIntegerConverter(IntegerConverter):
    """Flask's `int` converter bounded to 0..MAX_URL_INTEGER, so that an id no column can hold
    is a 404 like any unknown id, not a database error (a 500 on PostgreSQL)."""

    def __init__(self, url_map, fixed_digits: int = 0, min: int = 0, max: int = MAX_URL_INTEGER, signed: bool = False):  # noqa: A002
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> Flask:
    """Build the app from settings (default: the environment) and mount the dashboards."""
    from dashboards import create_dash
    from ledger.api import api
    from ledger.api import tlog as tlog_api
    from ledger.api.voting import voting_api
    from ledger.web import auth, board, compute, errors, finance, office, public, receipts

    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        DEBUG=False,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.production,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings.production,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the signed session
        JSON_SORT_KEYS=False,
    )
    # Before any blueprint: each rule takes its converter when it is added.
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.extensions["ledger"] = LedgerState(settings, engine or make_engine(settings.database_url))

    csrf = CSRFProtect(app)
    auth.init_app(app)
    app.register_blueprint(public.blueprint)
    app.register_blueprint(receipts.blueprint)
    app.register_blueprint(auth.blueprint)
    app.register_blueprint(office.blueprint)
    app.register_blueprint(finance.blueprint)
    app.register_blueprint(board.blueprint)
    app.register_blueprint(compute.blueprint)
    app.register_blueprint(api)
    csrf.exempt(api)
    tlog_api.init_app(app, settings)
    app.register_blueprint(voting_api)
    # the simulator is public and stateless and takes JSON: no session, nothing to forge
    csrf.exempt(voting_api)
    errors.init_app(app)
    helpers = {"Permission": Permission, "money": finance.money, "hours": compute.hours, "percent": compute.percent,
               "gpu_hours": gpu_hours, "fraction_text": board.fraction_text, "KIND_LABELS": board.KIND_LABELS}

    @app.context_processor
    def _page_helpers():
        """What every page may use: the permissions, the signed-in actor and the formats of figures."""
        return {**helpers, "actor": current_actor()}

    dash_app = create_dash(app)
    # Dash posts its callbacks as JSON from its own renderer: read-only, nothing to forge.
    for endpoint, view in app.view_functions.items():
        if endpoint.startswith(dash_app.config.routes_pathname_prefix):
            csrf.exempt(view)

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.path.startswith(("/office", "/login")):
            response.headers["Cache-Control"] = "no-store"
        return response

    return app
