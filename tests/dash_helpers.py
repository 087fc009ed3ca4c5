"""What the dashboard tests share: a module's ledger, app and live server, visits in Chromium, and reading a layout.

`page_fixtures(build)` gives a test module the fixtures ledger_engine, web_app, live_server and
in_chromium over the ledger `build` makes; `rendered`, `by_id` and `texts` read a page's layout
as Dash components, without a browser.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from dash import html
from dash.development.base_component import Component
from flask import Flask
from sqlalchemy.engine import Engine

from ledger.config import Settings
from ledger.db.engine import make_engine
from ledger.web import create_app
from tests.browser import Visit, served
from tests.conftest import empty_database


def module_ledger(database_url: str, build: Callable[[Engine], None]) -> Iterator[Engine]:
    """A module fixture's body: the ledger `build` makes on this run's database (SQLite, then PostgreSQL), emptied afterwards."""
    engine = make_engine(database_url)
    build(engine)
    yield engine
    empty_database(engine)
    engine.dispose()


def dashboard_app(database_url: str, engine: Engine) -> Flask:
    """The web app, dashboards included, over `engine`."""
    return create_app(Settings(database_url=database_url, secret_key="test-secret-key", env="test"), engine=engine)


@contextmanager
def visiting(browser, base: str) -> Iterator[Visit]:
    """A recorded visit of the server at `base`, closed afterwards."""
    visit = Visit(browser, base)
    try:
        yield visit
    finally:
        visit.close()


def page_fixtures(build: Callable[[Engine], None]) -> tuple:
    """The module fixtures ledger_engine, web_app, live_server and in_chromium over the ledger `build` makes.

    A test module assigns them to those names, where pytest finds them.
    """

    @pytest.fixture(scope="module")
    def ledger_engine(database_url):
        """The module's ledger on this run's database (SQLite, then PostgreSQL), emptied afterwards."""
        yield from module_ledger(database_url, build)

    @pytest.fixture(scope="module")
    def web_app(ledger_engine, database_url):
        return dashboard_app(database_url, ledger_engine)

    @pytest.fixture(scope="module")
    def live_server(web_app):
        with served(web_app) as base:
            yield base

    @pytest.fixture
    def in_chromium(browser, live_server):
        """Run `scenario(visit)` with a fresh Visit of the live server, closed afterwards."""

        def run(scenario: Callable[[Visit], None]) -> None:
            with visiting(browser, live_server) as visit:
                scenario(visit)

        return run

    return ledger_engine, web_app, live_server, in_chromium


def rendered(components) -> list[Component]:
    """Every component of a layout, the top ones included."""
    root = html.Div(components)
    return [root, *root._traverse()]


def by_id(components, component_id) -> Component:
    """The one component of a layout with this id."""
    found = [c for c in rendered(components) if getattr(c, "id", None) == component_id]
    assert len(found) == 1, f"{len(found)} components with the id {component_id}"
    return found[0]


def texts(component) -> str:
    """The text a component shows, children's included."""
    children = getattr(component, "children", component)
    if children is None or (children is component and isinstance(component, Component)):
        return ""  # a component without children (an input)
    if isinstance(children, (str, int, float)):
        return str(children)
    if isinstance(children, Component):
        return texts(children)
    return "".join(texts(child) for child in children)
