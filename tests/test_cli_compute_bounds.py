"""The compute commands refuse figures no column can hold (issue 9, bad input): a message naming
the option or field and the accepted range, a non-zero exit, nothing stored, on both databases."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from ledger.cli import main as cli
from tests.compute_world import build_facility, entries

FORTY_NINES = "9" * 40


@pytest.fixture
def runner(engine, monkeypatch):
    monkeypatch.setenv("LEDGER_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    build_facility(engine)
    return CliRunner()


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["plan", str(2**63), "--pool", "h100:60:0.9:2.5", "--decision", "Board"], "a year from"),
        (["plan", "2025", "--pool", f"h100:{2**31}:0.9:2.5", "--decision", "Board"], "pools[1].count"),
        (["plan", "2025", "--pool", f"h100:{FORTY_NINES}:0.9:2.5", "--decision", "Board"], "from 1 to 10,000,000"),
        (["plan", "2025", "--pool", "h100:60:1e308:2.5", "--decision", "Board"], "pools[1].availability"),
        (["plan", "2025", "--pool", f"h100:60:0.9:{FORTY_NINES}", "--decision", "Board"], "at most 1000"),
        (["plan", "2025", "--pool", "h100:60:0.9:1e308", "--decision", "Board"], "pools[1].factor"),
        (["plan", "2025", "--pool", "h100:60:0.9:2.5", "--reserve", "open_calls=1e308", "--decision", "Board"], "from 0 to 100"),
        (["plan", "2025", "--pool", "h100:60:0.9:2.5", "--reserve", f"open_calls={FORTY_NINES}", "--decision", "Board"],
         "reserves.open_calls"),
        (["allocate", FORTY_NINES, "--on", "2025-01-02"], "a year from"),
        (["close", str(2**31), "--on", "2026-01-05"], "a year from"),
    ],
)
def test_a_huge_figure_is_refused_naming_it_and_stores_nothing(engine, runner, arguments, message):
    before = entries(engine)
    result = runner.invoke(cli, ["compute", *arguments])
    assert result.exit_code != 0 and isinstance(result.exception, SystemExit), result.exception  # refused, not a crash
    assert message in result.output
    assert entries(engine) == before
