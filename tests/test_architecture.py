"""Dependencies point inward: this test reads every import and fails on an outward arrow."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# What each layer must never import (prefix match on the imported module). README.md,
# "Architecture", states the same rules; the demo (ledger/demo) is a client of the services,
# like the command line, so nothing below them imports it.
FORBIDDEN = {
    "ledger/domain": ("flask", "sqlalchemy", "sqlmodel", "alembic", "dash", "plotly", "reportlab", "werkzeug", "psycopg",
                      "ledger.db", "ledger.services", "ledger.queries", "ledger.web", "ledger.api", "ledger.reports", "ledger.cli",
                      "ledger.demo", "ledger.state", "ledger.formatting", "dashboards"),
    "ledger/db": ("flask", "dash", "plotly", "reportlab", "ledger.services", "ledger.queries", "ledger.web", "ledger.api", "ledger.reports",
                  "ledger.cli", "ledger.demo", "dashboards"),
    "ledger/services": ("flask", "dash", "plotly", "reportlab", "ledger.web", "ledger.api", "ledger.cli", "ledger.demo", "ledger.state", "dashboards"),
    "ledger/queries": ("flask", "dash", "plotly", "reportlab", "ledger.services", "ledger.web", "ledger.api", "ledger.cli", "ledger.demo",
                       "ledger.state", "dashboards"),
    "ledger/reports": ("flask", "dash", "sqlmodel", "ledger.db", "ledger.services", "ledger.web", "ledger.api", "ledger.cli", "ledger.demo", "dashboards"),
    # The renderer and its data objects never query: they see only what they are handed.
    "ledger/reports/render": ("sqlalchemy", "ledger.queries", "ledger.reports.annual"),
    "ledger/reports/model.py": ("sqlalchemy", "ledger.queries", "reportlab"),
    "ledger/api": ("dash", "dashboards", "ledger.web", "ledger.cli", "ledger.db", "ledger.demo"),
    "ledger/web": ("ledger.cli", "ledger.db.tables", "ledger.db.journal", "ledger.demo"),
    "ledger/demo": ("flask", "dash", "plotly", "reportlab", "ledger.web", "ledger.api", "ledger.cli", "ledger.state", "dashboards"),
    "dashboards": ("ledger.services", "ledger.db", "ledger.web", "ledger.api", "ledger.cli", "ledger.demo", "sqlalchemy", "sqlmodel"),
}

# Modules shared by every shell, with all they may import (beside the standard library).
ONLY = {
    # One place for every figure's format: Babel and the domain's money, nothing that queries or renders.
    "ledger/formatting.py": ("babel", "ledger.domain"),
    # One connect, one cache and one clock for web, api and dashboards: the app's state and the read side.
    "ledger/state.py": ("flask", "sqlalchemy", "ledger.config", "ledger.queries.snapshot"),
}

# One noun per capability, the same noun in every layer (issue 11): for each noun, the module
# (or package, or template folder) each layer has for it. README.md's Architecture section
# names every one of them, so the map a newcomer reads is the tree they find.
NOUNS = {
    "members": ("ledger/domain/members.py", "ledger/services/members.py", "ledger/queries/members.py", "ledger/web/members.py",
                "ledger/api/members.py", "dashboards/pages/members.py", "ledger/web/templates/members"),
    "contributions": ("ledger/domain/contributions.py", "ledger/services/contributions.py", "ledger/queries/contributions.py",
                      "ledger/web/contributions.py", "ledger/api/contributions.py", "dashboards/pages/contributions.py",
                      "ledger/demo/contributions.py", "ledger/web/templates/contributions"),
    "governance": ("ledger/domain/governance", "ledger/services/governance.py", "ledger/queries/governance.py", "ledger/web/governance.py",
                   "ledger/api/governance.py", "dashboards/pages/governance.py", "dashboards/governance", "ledger/demo/governance.py",
                   "ledger/web/templates/governance"),
    "compute": ("ledger/domain/compute.py", "ledger/services/compute.py", "ledger/queries/compute.py", "ledger/web/compute.py",
                "ledger/api/compute.py", "dashboards/pages/compute.py", "dashboards/compute", "ledger/demo/compute.py",
                "ledger/web/templates/compute"),
    "journal": ("ledger/domain/journal.py", "ledger/db/journal.py", "ledger/queries/journal.py", "ledger/web/journal.py",
                "ledger/api/journal.py", "ledger/web/templates/journal"),
}
GOVERNANCE_PACKAGE = ("rules.py", "decide.py", "explain.py", "presets.py", "representation.py", "publication.py", "simulate.py", "power.py", "coalitions.py")


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


def foreign_imports(path: Path, allowed: tuple[str, ...]) -> list[str]:
    """The imports of `path` that are neither the standard library nor one of `allowed` (prefix match)."""
    return [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for line, module in imports_of(path)
        if module.split(".")[0] not in sys.stdlib_module_names and not any(module == a or module.startswith(a + ".") for a in allowed)
    ]


@pytest.mark.parametrize("module", sorted(ONLY))
def test_shared_modules_import_only_what_they_may(module):
    assert foreign_imports(ROOT / module, ONLY[module]) == []


def test_the_allowlist_check_sees_a_foreign_import(tmp_path, monkeypatch):
    (tmp_path / "formatting.py").write_text("import decimal\nfrom babel.numbers import format_decimal\nfrom ledger.queries import sql\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert foreign_imports(tmp_path / "formatting.py", ONLY["ledger/formatting.py"]) == ["formatting.py:3 imports ledger.queries"]


def readme_architecture() -> str:
    """README.md's "## Architecture" section, up to the next section of the same level."""
    text = (ROOT / "README.md").read_text()
    start = text.index("\n## Architecture\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


@pytest.mark.parametrize("noun", sorted(NOUNS))
def test_each_noun_has_its_module_in_every_layer_and_the_map_names_them(noun):
    missing = [path for path in NOUNS[noun] if not (ROOT / path).exists()]
    unnamed = [path for path in NOUNS[noun] if path not in readme_architecture()]
    assert (missing, unnamed) == ([], [])


def test_the_governance_package_has_one_module_per_responsibility():
    package = ROOT / "ledger/domain/governance"
    assert sorted(path.name for path in package.glob("*.py") if path.name != "__init__.py") == sorted(GOVERNANCE_PACKAGE)
    assert all(f"governance/{name}" in readme_architecture() or name in readme_architecture() for name in GOVERNANCE_PACKAGE)


LONG_FILE = 500
REASON = "Long because"


def test_a_file_over_500_lines_says_why_at_its_top():
    """Issue 11: "no file over about 500 lines without a reason stated at its top" (in its docstring's first lines)."""
    long_files = [
        path for path in sorted([*(ROOT / "ledger").rglob("*.py"), *(ROOT / "dashboards").rglob("*.py")])
        if "migrations" not in path.parts and len(path.read_text().splitlines()) > LONG_FILE
    ]
    unexplained = [str(path.relative_to(ROOT)) for path in long_files if REASON not in "\n".join(path.read_text().splitlines()[:15])]
    assert unexplained == []


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
