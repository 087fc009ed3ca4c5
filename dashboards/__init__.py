"""Public dashboards: a Dash app mounted on the ledger's Flask server at /dashboards/."""

from __future__ import annotations

import dash
from dash import Dash, dcc, html
from flask import Flask, abort, request

from ledger.state import connect
from dashboards.pages import compute, contributions, governance, members, overview

URL_BASE = "/dashboards/"
# Dash's default page lacks a language; screen readers and axe need one.
INDEX_STRING = """<!DOCTYPE html>
<html lang="en">
<head>
{%metas%}
<title>{%title%}</title>
{%favicon%}
<link rel="stylesheet" href="/static/ledger.css">
{%css%}
</head>
<body>
{%app_entry%}
<footer>{%config%}{%scripts%}{%renderer%}<script src="/static/tables.js" defer></script></footer>
</body>
</html>"""


def create_dash(server: Flask) -> Dash:
    """Build the Dash app on `server`; pages register here, not at import time."""
    app = Dash(
        __name__,
        server=server,
        url_base_pathname=URL_BASE,
        use_pages=True,
        pages_folder="",
        serve_locally=True,
        title="Member Ledger dashboards",
        update_title=None,
        suppress_callback_exceptions=True,
    )
    app.index_string = INDEX_STRING
    for page in (overview, members, contributions, governance, compute):
        dash.register_page(page.__name__, **page.PAGE)
    dash.register_page(f"{members.__name__}.profile", **members.PROFILE_PAGE)
    app.layout = shell
    callback_path = f"{URL_BASE}_dash-update-component"

    @server.before_request
    def _refuse_malformed_callbacks():
        # Dash answers a callback request without these keys with a 500; say what is wrong instead.
        if request.path == callback_path:
            body = request.get_json(silent=True)
            if not isinstance(body, dict) or not isinstance(body.get("output"), str) or not isinstance(body.get("inputs"), list):
                abort(400, description="a dashboard callback is a JSON object with an 'output' string and an 'inputs' list")

    profile_prefix = f"{URL_BASE}members/"

    @server.before_request
    def _unknown_member_is_not_found():
        # Dash answers every page address 200; a profile of a code no member has is a 404,
        # still the dashboard's page, whose layout lists the codes there are.
        code = request.path[len(profile_prefix):] if request.path.startswith(profile_prefix) else None
        if code is not None and "/" not in code:
            with connect() as connection:
                if members.find_profile_member(connection, code) is None:
                    return app.index(), 404
        return None

    return app


def shell():
    """Every page's frame: the site header, navigation from the page registry, one main."""
    return html.Div(
        [
            html.A("Skip to content", href="#content", className="skip"),
            html.Header(
                [
                    html.A("Member Ledger", href="/", className="brand"),
                    html.Nav(
                        html.Ul(
                            [
                                html.Li(dcc.Link(page["name"], href=page["relative_path"]))
                                for page in dash.page_registry.values()
                                if not page.get("path_template")  # a member's profile is reached from its name
                            ]
                        ),
                        **{"aria-label": "Dashboards"},
                    ),
                ],
                className="site",
            ),
            html.Main(
                [
                    dash.page_container,
                    # In main: the page's only contentinfo landmark is the footer that carries Dash's scripts.
                    html.P([
                        "Every chart's data: the ", html.A("open data catalogue", href="/data/"), " (CC BY 4.0); how each figure is computed: the ",
                        html.A("methodology", href="/methodology"), "; every change: the ", html.A("journal", href="/journal/"), ".",
                    ], className="sources"),
                ],
                id="content",
            ),
        ]
    )
