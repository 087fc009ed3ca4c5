"""The dashboards' index: what each page shows."""

import dash
from dash import dcc, html

PAGE_PREFIX = "overview"


def layout(**_query):
    pages = [p for p in dash.page_registry.values() if p["path"] != "/" and not p.get("path_template")]
    return [
        html.H1("Dashboards"),
        html.P(["Public, read-only views of the ledger. Every chart has its data in a table and as CSV. "
                "This year's budget, standing, compute and the board's latest decisions are on the ",
                html.A("home page", href="/"), ", the ledger's front door."]),
        html.Ul([html.Li([dcc.Link(p["name"], href=p["relative_path"]), f": {p['description']}"]) for p in pages]),
    ]


PAGE = {"path": "/", "name": "Overview", "title": "Dashboards · Member Ledger", "description": "All dashboards", "layout": layout, "order": 0}
