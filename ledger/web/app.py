"""The application factory: nothing is created at import time."""

from __future__ import annotations

from functools import cache

from flask import Flask, request
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Engine
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from ledger.config import Settings
from ledger.db.engine import make_engine
from ledger.domain.access import Permission
from ledger import formatting
from ledger.domain import labels
from ledger.domain.compute import gpu_hours
from ledger.formatting import format_amount, format_gpu_hours, format_quantity, format_rounded
from ledger.web.guard import current_actor
from ledger.state import LedgerState

def content_security_policy(script_hashes: list[str]) -> str:
    """Pages load scripts, styles, map shapes and data from this server only.

    Scripts: files from this server and Dash's own inline scripts by their hashes (Dash computes
    them, `Dash.csp_hashes`); no 'unsafe-eval', which Plotly's default bundle needs only for its
    WebGL (regl) traces, which the dashboards do not use. Styles keep 'unsafe-inline': Plotly
    and Dash's components set style attributes at run time, which hashes cannot cover, and a
    style cannot run code. Source: OWASP ASVS 4.0.3 V14.4.3, W3C CSP Level 3.
    """
    scripts = " ".join(["'self'", *(f"'{h}'" if not h.startswith("'") else h for h in script_hashes)])
    return (
        f"default-src 'self'; script-src {scripts}; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
        "connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; "
        "object-src 'none'"
    )


HSTS = "max-age=63072000; includeSubDomains"
"""Two years, every subdomain: browsers refuse plain HTTP to the ledger (ASVS V9.1.1, RFC 6797)."""


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
    from ledger.api.governance import governance_api
    from ledger.web import auth, catalogue, compute, contributions, errors, governance, hostile_text, journal, members, methodology, public, workspace

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
        # Every endpoint, the Dash callbacks included, reads at most this much (413 beyond).
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        MAX_FORM_MEMORY_SIZE=settings.max_request_bytes,
    )
    if settings.trusted_proxies:
        # Believe X-Forwarded-* from exactly that many proxies, so the client address that
        # sign-in throttling counts is the client's, not the proxy's.
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)
    # Before any blueprint: each rule takes its converter when it is added.
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.extensions["ledger"] = LedgerState(settings, engine or make_engine(settings.database_url))

    csrf = CSRFProtect(app)
    auth.init_app(app)
    app.register_blueprint(public.blueprint)
    app.register_blueprint(journal.blueprint)
    app.register_blueprint(catalogue.blueprint)
    app.register_blueprint(methodology.blueprint)
    app.register_blueprint(auth.blueprint)
    app.register_blueprint(workspace.blueprint)
    # an old address only sends the request on; its new address checks the CSRF token it carries
    csrf.exempt(workspace.moved)
    app.register_blueprint(members.blueprint)
    app.register_blueprint(contributions.blueprint)
    app.register_blueprint(governance.blueprint)
    app.register_blueprint(compute.blueprint)
    app.register_blueprint(api)
    csrf.exempt(api)
    tlog_api.init_app(app, settings)
    app.register_blueprint(governance_api)
    # the simulator is public and stateless and takes JSON: no session, nothing to forge
    csrf.exempt(governance_api)
    errors.init_app(app)
    hostile_text.init_app(app)
    helpers = {"Permission": Permission, "format_amount": format_amount, "format_gpu_hours": format_gpu_hours,
               "format_quantity": format_quantity, "format_rounded": format_rounded,
               "gpu_hours": gpu_hours, "fraction_text": governance.fraction_text, "KIND_LABELS": governance.KIND_LABELS,
               "formatting": formatting, "labels": labels}

    @app.context_processor
    def _page_helpers():
        """What every page may use: the permissions, the signed-in actor and the formats of figures."""
        return {**helpers, "actor": current_actor()}

    dash_app = create_dash(app)
    # Dash posts its callbacks as JSON from its own renderer: read-only, nothing to forge.
    for endpoint, view in app.view_functions.items():
        if endpoint.startswith(dash_app.config.routes_pathname_prefix):
            csrf.exempt(view)

    @cache
    def policy() -> str:
        # Dash adds its pages' inline scripts when it sets itself up, before the first request
        # is handled: by the first response, every inline script is known.
        return content_security_policy(dash_app.csp_hashes())

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("Content-Security-Policy", policy())
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        # For browsers that predate CSP's frame-ancestors.
        response.headers.setdefault("X-Frame-Options", "DENY")
        if settings.production:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        if request.path.startswith(("/office", "/login")):
            response.headers["Cache-Control"] = "no-store"
        return response

    return app
