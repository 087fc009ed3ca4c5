"""Dependencies point inward: this test reads every import and fails on an outward arrow."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# What each layer must never import (prefix match on the imported module).
FORBIDDEN = {
    "ledger/domain": ("flask", "sqlalchemy", "sqlmodel", "alembic", "dash", "plotly", "reportlab", "werkzeug", "psycopg",
                      "ledger.db", "ledger.services", "ledger.queries", "ledger.web", "ledger.api", "ledger.reports", "ledger.cli", "dashboards"),
    "ledger/db": ("flask", "dash", "plotly", "reportlab", "ledger.services", "ledger.queries", "ledger.web", "ledger.api", "ledger.reports", "ledger.cli", "dashboards"),
    "ledger/services": ("flask", "dash", "plotly", "reportlab", "ledger.web", "ledger.api", "ledger.cli", "dashboards"),
    "ledger/queries": ("flask", "dash", "plotly", "reportlab", "ledger.services", "ledger.web", "ledger.api", "ledger.cli", "dashboards"),
    "ledger/reports": ("flask", "dash", "sqlmodel", "ledger.db", "ledger.services", "ledger.web", "ledger.api", "ledger.cli", "dashboards"),
    # The renderer and its data objects never query: they see only what they are handed.
    "ledger/reports/render.py": ("sqlalchemy", "ledger.queries", "ledger.reports.annual"),
    "ledger/reports/model.py": ("sqlalchemy", "ledger.queries", "reportlab"),
    "ledger/api": ("dash", "dashboards", "ledger.web", "ledger.cli", "ledger.db"),
    "ledger/web": ("ledger.cli", "ledger.db.tables", "ledger.db.journal"),
    "dashboards": ("ledger.services", "ledger.db", "ledger.web", "ledger.api", "ledger.cli", "sqlalchemy", "sqlmodel"),
}


def imports_of(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def outward_imports(layer: str, root: Path = ROOT) -> list[str]:
    forbidden = FORBIDDEN[layer]
    return [
        f"{path.relative_to(root)}:{line} imports {module}"
        for path in ([root / layer] if layer.endswith(".py") else sorted((root / layer).rglob("*.py")))
        for line, module in imports_of(path)
        if any(module == f or module.startswith(f + ".") for f in forbidden)
    ]


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_point_inward(layer):
    assert (ROOT / layer).exists()
    assert outward_imports(layer) == []


def test_the_check_sees_an_outward_import(tmp_path):
    """The rule itself works: a domain module importing Flask is reported."""
    fake = tmp_path / "ledger" / "domain"
    fake.mkdir(parents=True)
    (fake / "bad.py").write_text("import flask\nfrom ledger.db.tables import Member\n")
    assert outward_imports("ledger/domain", tmp_path) == [
        "ledger/domain/bad.py:1 imports flask",
        "ledger/domain/bad.py:2 imports ledger.db.tables",
    ]


IMPORT_EVERYTHING = """
import importlib, pkgutil, ledger, dashboards
from flask import Flask
from sqlalchemy import Engine
from dash import Dash
names = [m.name for p in (ledger, dashboards) for m in pkgutil.walk_packages(p.__path__, p.__name__ + ".")]
for name in names:
    module = importlib.import_module(name)
    for value in vars(module).values():
        assert not isinstance(value, (Flask, Engine, Dash)), f"{name} holds a {type(value).__name__}"
print(len(names))
"""


def test_nothing_is_created_at_import_time():
    """Importing every module makes no app, engine or Dash app (wsgi.py is the one place that does)."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", IMPORT_EVERYTHING], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 20


CALENDAR_CALLS = ("date.today()", "datetime.today()")


def _calendar_reads(folder: Path) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted(folder.rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if any(call in line for call in CALENDAR_CALLS)
    ]


@pytest.mark.parametrize("layer", ["ledger/services", "ledger/queries", "ledger/web", "ledger/api", "ledger/cli", "ledger/reports", "dashboards"])
def test_today_comes_from_the_one_clock(layer):
    """Issue 9: one source of "today" (Settings.today), passed in; no layer reads the calendar itself."""
    assert _calendar_reads(ROOT / layer) == []


def test_the_clock_check_sees_a_calendar_read(tmp_path):
    (tmp_path / "page.py").write_text("from datetime import date\nshown = date.today()\n")
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert _calendar_reads(tmp_path) == ["page.py:2"]
    finally:
        ROOT = saved
