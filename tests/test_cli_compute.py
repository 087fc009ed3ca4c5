"""The compute commands: a year's plan, its allocation and its closing, refusals as messages."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from ledger.cli import main as cli
from ledger.services import contributions
from ledger.db.uow import UnitOfWork
from tests.compute_world import CAPACITY_2025, SECRETARIAT, build_facility, entries, pay_everything, published


@pytest.fixture
def runner(engine, monkeypatch):
    monkeypatch.setenv("LEDGER_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    build_facility(engine)
    pay_everything(engine)
    return CliRunner()


def test_plan_allocate_and_close_a_year_from_the_command_line(engine, runner):
    planned = runner.invoke(cli, ["compute", "plan", "2025", "--pool", "h100:60:0.9:2.5", "--pool", "a100:40:1:1",
                                  "--reserve", "open_calls=10", "--reserve", "safety_labs=5", "--decision", "Board, 10 December 2024"])
    assert planned.exit_code == 0, planned.output
    assert "Recorded capacity plan" in planned.output
    allocated = runner.invoke(cli, ["compute", "allocate", "2025", "--on", "2025-01-02"])
    assert allocated.exit_code == 0, allocated.output
    assert "Allocated the quotas of 2025 to 4 members" in allocated.output
    year = published(engine)
    assert year.capacity_gpu_hours == CAPACITY_2025 and year.reserved_gpu_hours == 229_950
    contributions.change_setting("quota_carry_over", "up to 10 %", "Board", actor=SECRETARIAT, uow=UnitOfWork(engine))
    closed = runner.invoke(cli, ["compute", "close", "2025", "--on", "2026-01-05"])
    assert closed.exit_code == 0, closed.output
    assert "Closed the GPU-hour ledger of 2025 for 4 members" in closed.output
    assert published(engine).closed and published(engine, 2026) is None  # 2026 has carried-in hours but no plan yet


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["plan", "2025", "--pool", "h100:60:0.9", "--decision", "Board"], "TYPE:COUNT:AVAILABILITY:FACTOR"),
        (["plan", "2025", "--pool", "h100:60:0.9:2.5", "--reserve", "open_calls", "--decision", "Board"], "NAME=PERCENT"),
        (["plan", "2025", "--pool", "h100:-60:0.9:2.5", "--decision", "Board"], "pools[1].count"),
        (["allocate", "2025", "--on", "2025-01-02"], "has no capacity plan"),
        (["close", "2025"], "not allocated yet"),
        (["allocate", "2025", "--on", "someday"], "on_date"),
    ],
)
def test_a_refused_command_says_why_and_stores_nothing(engine, runner, arguments, message):
    before = entries(engine)
    result = runner.invoke(cli, ["compute", *arguments])
    assert result.exit_code != 0
    assert message in result.output
    assert entries(engine) == before
