"""The board dashboard: its plain functions, its layout, and the page with its simulator in Chromium.

One small ledger, built through the officials' use cases, serves every test of the module on
each database: six members on a contribution scale; a meeting two years ago with one motion;
a meeting last year where POL gives its proxy to DEU, with four closed motions (roll calls
under an equal, a contribution-weighted SKAO and a contribution-weighted EU rule, and one
secret ballot) and one motion still open.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from fractions import Fraction
from urllib.parse import unquote

import pytest
from dash import dcc, html
from sqlalchemy import text

from dashboards.components import csv_text, html_table
from dashboards.governance import read, simulator, tables
from dashboards.pages import governance as page
from ledger.db.uow import UnitOfWork
from ledger.domain.access import Actor, Role, system_actor
from ledger.domain.governance.decide import Voter, decide
from ledger.domain.governance.presets import PRESETS
from ledger.domain.governance.coalitions import PowerMethod
from ledger.domain.governance.power import COARSE_PARTS
from ledger.queries.governance import list_motions
from ledger.services import contributions
from ledger.services import governance
from ledger.services.members import admit_member
from tests.browser import SCREENSHOTS, Visit
from tests.dash_helpers import by_id, page_fixtures, rendered, texts

TODAY = date.today()
EARLIER, YEAR = TODAY.year - 2, TODAY.year - 1
ACTOR = system_actor("test")
CODES = ("DEU", "FRA", "ITA", "ESP", "NLD", "POL")
INCOMES = {"DEU": "4000", "FRA": "2800", "ITA": "2100", "ESP": "1400", "NLD": "1000", "POL": "700"}
ALL_YES = dict.fromkeys(CODES, "yes")

# Title, kind, rule, weights, ballot, {member: vote}; POL's votes are cast by DEU's delegate, who carries its proxy.
MOTIONS = (
    ("Heat reuse at the main site", "general", "simple_majority", "equal", "roll_call",
     {"DEU": "yes", "FRA": "yes", "ITA": "no", "ESP": "abstain", "NLD": "yes", "POL": "yes"}),
    ("Facility plan review", "general", "skao_budget", "contribution", "roll_call",
     {"DEU": "yes", "FRA": "yes", "ITA": "yes", "ESP": "yes", "NLD": "no"}),
    ("Work programme", "general", "two_thirds_of_votes_cast", "equal", "secret",
     {"DEU": "yes", "FRA": "yes", "ITA": "yes", "ESP": "yes", "NLD": "no", "POL": "yes"}),
    ("Safety lab programme", "safety_lab", "eu_qualified_majority", "contribution", "roll_call",
     {"DEU": "no", "FRA": "no", "ITA": "no", "ESP": "yes", "NLD": "yes"}),
)
OUTCOMES = {"Heat reuse at the main site": "adopted", "Facility plan review": "adopted", "Work programme": "adopted", "Safety lab programme": "rejected"}


def _uow(engine) -> UnitOfWork:
    return UnitOfWork(engine)


def _delegate(code: str) -> Actor:
    return Actor(f"user:delegate-{code.lower()}", Role.DELEGATE, code)


def _meeting(engine, title: str, day: date, absent: tuple[str, ...], proxies: dict[str, str], motions, open_one: bool = False) -> None:
    meeting = governance.schedule_meeting(title, day.isoformat(), actor=ACTOR, uow=_uow(engine))
    governance.record_presence(meeting, [code for code in CODES if code not in absent], actor=ACTOR, uow=_uow(engine))
    for member, holder in proxies.items():
        governance.record_proxy(meeting, member, holder, actor=ACTOR, uow=_uow(engine))
    for title_, kind, rule, weights, ballot, votes in motions:
        motion = governance.propose_motion(meeting, title_, f"The board decides: {title_}.", kind, rule, weights, ballot, {}, actor=ACTOR, uow=_uow(engine))
        governance.open_motion(motion, day.isoformat(), today=TODAY, actor=ACTOR, uow=_uow(engine))
        for code, vote in votes.items():
            governance.cast_ballot(motion, code, vote, today=day, actor=_delegate(proxies.get(code, code)), uow=_uow(engine))
        governance.close_motion(motion, day.isoformat(), today=TODAY, actor=ACTOR, uow=_uow(engine))
    if open_one:
        motion = governance.propose_motion(meeting, "Second site", "The board moves part of the secretariat.", "general", "unanimity", "equal", "roll_call", {}, actor=ACTOR, uow=_uow(engine))
        governance.open_motion(motion, day.isoformat(), today=TODAY, actor=ACTOR, uow=_uow(engine))


def build_ledger(engine) -> None:
    """Six members on a scale for EARLIER-YEAR; one motion in EARLIER; four closed and one open in YEAR."""
    for code in CODES:
        admit_member(code, None, "member", "2010-01-01", actor=ACTOR, uow=_uow(engine))
    proposal = contributions.propose_scale(EARLIER, YEAR, INCOMES, ceiling="30", floor="", precision="0.001", associate_factor="10", uow=_uow(engine))
    contributions.adopt_scale(proposal, income_measure="GNI test data", decision="Board, scale", adopted_on=f"{EARLIER - 1}-11-01",
                        today=TODAY, actor=ACTOR, uow=_uow(engine))
    _meeting(engine, f"Board, November {EARLIER}", date(EARLIER, 11, 20), (), {},
             [("Archive policy", "general", "simple_majority", "equal", "roll_call", ALL_YES)])
    _meeting(engine, f"Board, June {YEAR}", date(YEAR, 6, 12), ("POL",), {"POL": "DEU"}, MOTIONS, open_one=True)


# --------------------------------------------------------------------------- fixtures


ledger_engine, web_app, live_server, in_chromium = page_fixtures(build_ledger)


@pytest.fixture(scope="module")
def board_page(ledger_engine) -> read.BoardPage:
    """What the page shows for YEAR, read as `layout` reads it."""
    with ledger_engine.connect() as connection:
        years = read.closed_years(list_motions(connection))
        return read.read_page(connection, YEAR, years)


# --------------------------------------------------------------------------- plain functions, no database


@pytest.mark.parametrize(
    ("raw", "shown", "message"),
    [
        (None, 2025, None),
        ("2024", 2024, None),
        ("1999", None, "No motion was closed at a board meeting of 1999"),
        ("abc", None, "'abc' is not a year: give a four-digit year in the address, e.g. ?year=2025."),  # the latest year as example
    ],
)
def test_the_year_comes_from_the_query_string_or_a_message_says_why_not(raw, shown, message):
    year, problem = page.pick_year(raw, (2024, 2025), 2026)
    assert year == shown
    assert (problem is None) if message is None else (message in problem)
    assert page.pick_year(None, (), 2026) == (None, "No motion has been closed yet: the board's votes appear here once a vote is closed.")


def test_each_vote_state_has_its_own_class():
    assert tables.vote_class("yes (by proxy)") == "board-vote board-vote-yes"
    assert tables.vote_class("no ballot") == "board-vote board-vote-no-ballot"
    assert tables.vote_class("no") == "board-vote board-vote-no"
    assert len({tables.vote_class(state) for state in tables.VOTE_STATES}) == len(tables.VOTE_STATES)
    assert tables.matrix_cell_class(0, "yes") is None  # the member's name


MEMBERS = [{"code": code, "name": code, "weight": weight} for code, weight in zip(CODES, ("30", "25", "20", "12", "8", "5"))]


@pytest.mark.parametrize("preset", list(PRESETS))
@pytest.mark.parametrize(
    "ballots",
    [
        ALL_YES,
        {"DEU": "no", "FRA": "yes", "ITA": "yes", "ESP": "yes", "NLD": "yes", "POL": "yes"},
        {"DEU": "yes", "FRA": "yes", "ITA": "abstain", "ESP": "no", "NLD": "absent", "POL": "absent"},
        {"DEU": "yes", "FRA": "absent", "ITA": "absent", "ESP": "absent", "NLD": "absent", "POL": "no"},
    ],
)
def test_simulate_gives_the_engines_outcome_and_explanation(preset, ballots):
    outcome, explanation, rows = simulator.simulate(preset, ballots, MEMBERS)
    cast = {code: vote for code, vote in ballots.items() if vote != "absent"}
    decision = decide(PRESETS[preset], [Voter(m["code"], Decimal(m["weight"])) for m in MEMBERS], cast, present=set(cast))
    assert outcome == tables.OUTCOME_LABELS[decision.outcome.value]
    assert explanation == decision.explanation
    counted = {label: int(members) for label, members, _ in rows}
    assert counted == {"In favour": decision.members.in_favour, "Against": decision.members.against, "Abstaining": decision.members.abstaining,
                       "Absent": decision.members.absent, "Base of the thresholds": decision.members.base}
    weighted = decision.weight is not None
    assert all(bool(share) == weighted for _, _, share in rows)


def test_the_imf_preset_lets_a_fifth_of_contributions_block_in_the_simulator():
    """Defect 9. IMF Articles of Agreement Art. XII, Sec. 5(a) (as amended 2008/2010): basic votes are 5.502 % of the
    total votes, whatever the weights' unit; with contribution shares (%) as weights, a member with 20 % of them holds
    over 15 % of the votes and blocks an 85 % decision (250 basic votes each had drowned the shares)."""
    others = "AUT BEL CAN DEU DNK ESP FIN FRA GBR IRL ITA JPN NLD NOR POL SWE".split()
    members = [{"code": "USA", "weight": "20"}, *({"code": code, "weight": "5"} for code in others)]
    outcome, explanation, _ = simulator.simulate("imf_85_percent", {**dict.fromkeys(others, "yes"), "USA": "no"}, members)
    assert outcome == "Rejected" and explanation.startswith("Rejected: 80.8 % of the weight voted yes, short of the required 85 %")


def test_simulate_changes_its_outcome_with_one_ballot_and_explains_what_it_refuses():
    assert simulator.simulate("unanimity", ALL_YES, MEMBERS)[0] == "Adopted"
    assert simulator.simulate("unanimity", {**ALL_YES, "DEU": "no"}, MEMBERS)[0] == "Rejected"
    assert simulator.simulate("unanimity", {"DEU": "yes", "FRA": "yes"}, MEMBERS)[0] == "No quorum"  # the others are absent
    unknown = simulator.simulate("dictatorship", ALL_YES, MEMBERS)
    assert unknown[0] == simulator.NOT_SIMULATED and "'dictatorship' is not a rule preset" in unknown[1] and unknown[2] == ()
    unweighted = [{**member, "weight": None} for member in MEMBERS]
    assert simulator.simulate("simple_majority", ALL_YES, unweighted)[0] == "Adopted"  # one vote each needs no weights
    assert simulator.simulate("skao_budget", ALL_YES, unweighted)[0] == simulator.NOT_SIMULATED
    assert "is not accepted" in simulator.simulate("simple_majority", {**ALL_YES, "DEU": "maybe"}, MEMBERS)[1]
    assert "not a member" in simulator.simulate("simple_majority", {**ALL_YES, "USA": "yes"}, MEMBERS)[1]


def test_a_press_changes_one_group_of_toggles_only():
    rule_ids = [{"type": page.SIM_RULE_TYPE, "preset": name} for name in PRESETS]
    rules = ["true" if name == "simple_majority" else "false" for name in PRESETS]
    ballot_ids = [{"type": page.SIM_BALLOT_TYPE, "member": code, "choice": choice} for code in ("DEU", "FRA") for choice in simulator.SIMULATOR_CHOICES]
    ballots = ["true", "false", "false", "false"] * 2
    choice = page.choose({"type": page.SIM_BALLOT_TYPE, "member": "DEU", "choice": "absent"}, rule_ids, rules, ballot_ids, ballots)
    assert choice.ballots_pressed == ("false", "false", "false", "true", "true", "false", "false", "false")
    assert dict(choice.ballots) == {"DEU": "absent", "FRA": "yes"} and choice.preset == "simple_majority"
    choice = page.choose({"type": page.SIM_RULE_TYPE, "preset": "unanimity"}, rule_ids, rules, ballot_ids, ballots)
    assert choice.preset == "unanimity" and choice.rules_pressed.count("true") == 1 and choice.ballots_pressed == tuple(ballots)
    outputs = page.simulator_outputs(choice, [{"code": "DEU", "name": "Germany", "weight": None}, {"code": "FRA", "name": "France", "weight": None}])
    assert outputs[2] == "Adopted" and outputs[3].startswith("Adopted: 2 of 2 members voted yes")


def custom_use(weights: dict[str, str], rule: str = '{"abstention":"against","base":"eligible","basic_votes_per_member":null,"blocking_minority_min_members":null,"members_threshold":null,"quorum":null,"weight_threshold":{"fraction":"2/3","op":"at_least"},"weights":"weighted"}') -> read.RuleUse:
    return read.RuleUse("custom", rule, "weight_set:test", tuple(sorted(weights.items())), ("A motion",))


def test_the_simulators_state_goes_into_the_query_string_and_comes_back_from_it():
    """Issue 14 item 10: the rule and the ballots that differ from the defaults are in the address, the year kept."""
    search = simulator.simulator_search("?year=2025&rule=unanimity", "eu_qualified_majority", {"DEU": "no", "FRA": "yes", "ITA": "absent"})
    assert search == "?year=2025&rule=eu_qualified_majority&ballots=DEU-no,ITA-absent"
    assert simulator.simulator_search("?year=2025", simulator.DEFAULT_PRESET, dict.fromkeys(CODES, "yes")) == "?year=2025"
    assert simulator.simulator_search(None, simulator.DEFAULT_PRESET, {}) == ""
    preset, ballots, problems = simulator.chosen_in_query("eu_qualified_majority", "DEU-no,ITA-absent", CODES)
    assert (preset, problems) == ("eu_qualified_majority", [])
    assert ballots == {**dict.fromkeys(CODES, "yes"), "DEU": "no", "ITA": "absent"}
    preset, ballots, problems = simulator.chosen_in_query("nope", "DEU-maybe,USA-no,FRA-abstain", CODES)
    assert preset == simulator.DEFAULT_PRESET and ballots == {**dict.fromkeys(CODES, "yes"), "FRA": "abstain"}
    assert [problem.split(" ", 1)[0] for problem in problems] == ["rule='nope'", "ballots:", "ballots:"]


def test_the_layout_restores_the_simulator_from_the_query_string(web_app, board_page):
    members, _ = simulator.simulator_members(board_page.board)
    ballots = {**{m["code"]: "yes" for m in members}, "DEU": "no"}
    with web_app.test_request_context("/dashboards/board"):
        shown = page.layout(year=str(YEAR), rule="unanimity", ballots="DEU-no")
        refused = page.layout(year=str(YEAR), rule="nope")
    pressed = {(c.id["type"], c.id.get("preset") or (c.id["member"], c.id["choice"])) for c in rendered(shown)
               if isinstance(c, html.Button) and getattr(c, "aria-pressed", None) == "true"}
    assert (page.SIM_RULE_TYPE, "unanimity") in pressed and (page.SIM_BALLOT_TYPE, ("DEU", "no")) in pressed
    assert texts(by_id(shown, page.SIM_OUTCOME_ID)) == "Rejected"
    assert texts(by_id(shown, page.SIM_EXPLANATION_ID)) == simulator.simulate("unanimity", ballots, members)[1]
    assert "rule='nope' is not a rule preset" in texts(by_id(refused, page.SIM_QUERY_NOTE_ID))


def test_the_dashboard_and_the_api_simulate_with_the_one_simulator(web_app, board_page):
    """The same members, weights, rule and ballots give the same sentence through the page and through POST /api/v1/voting/simulate."""
    members, _ = simulator.simulator_members(board_page.board)
    ballots = {**{m["code"]: "yes" for m in members}, "DEU": "no", "FRA": "abstain", "ITA": "absent"}
    body = {"members": [{"code": m["code"], "weight": m["weight"]} for m in members], "rule": {"preset": "eu_qualified_majority"},
            "ballots": {code: choice for code, choice in ballots.items() if choice != "absent"}}
    answer = web_app.test_client().post("/api/v1/voting/simulate", json=body).get_json()
    outcome, explanation, _ = simulator.simulate("eu_qualified_majority", ballots, members)
    assert explanation == answer["explanation"] and outcome == tables.OUTCOME_LABELS[answer["outcome"]]


def test_power_is_exact_when_it_fits_sampled_and_labelled_when_it_does_not():
    use = custom_use({"DEU": "30.5", "FRA": "25", "ITA": "20", "ESP": "12", "NLD": "8", "POL": "4.5"})
    exact = read.voting_power(use)
    assert exact.method is PowerMethod.EXACT and exact.coarse_parts is None
    sampled = read.voting_power(use, memory_budget=300, samples=2_000)  # one row of the table fits (67 bytes), not seven
    assert sampled.method is PowerMethod.SAMPLED and sampled.samples == 2_000
    assert [row.banzhaf for row in sampled.rows] == [row.banzhaf for row in exact.rows]  # Banzhaf stays exact
    board = read.BoardYear(YEAR, (YEAR,), (), 0, {}, None)
    table = tables.power_table(sampled, board)
    assert table.header[5] == "Shapley-Shubik index, sampled estimate (%)"
    assert table.header[6] == "Shapley-Shubik standard error (percentage points)"
    assert "a sampled estimate (2000 orderings, seed 0)" in table.caption
    assert all(row[6] for row in table.rows)
    figure = tables.power_figure(sampled, board)
    assert figure.data[2].name == "Shapley-Shubik index (sampled, ± 1 standard error)" and figure.data[2].error_x.array is not None


def test_power_of_weights_too_fine_for_memory_is_computed_on_rounded_weights_and_says_so():
    populations = {"DEU": "83118501", "FRA": "67407241", "ITA": "59641488", "ESP": "47332614", "NLD": "17407585", "POL": "37958138"}
    result = read.voting_power(custom_use(populations))
    assert result.coarse_parts == COARSE_PARTS and result.method is PowerMethod.EXACT
    assert sum(row.weight_share for row in result.rows) == 1 == sum(row.banzhaf for row in result.rows)
    assert "computed on weights rounded to parts of 100,000 of the total" in tables.power_table(result, read.BoardYear(YEAR, (YEAR,), (), 0, {}, None)).caption


# --------------------------------------------------------------------------- the ledger's votes, on each database


def test_the_ledger_has_what_the_tests_need(board_page):
    board = board_page.board
    assert board.years == (EARLIER, YEAR) and board.pending == 1
    assert [motion.title for motion in board.motions] == [motion[0] for motion in MOTIONS]
    assert {motion.title: motion.outcome for motion in board.motions} == OUTCOMES
    assert [motion.ballot for motion in board.motions].count("secret") == 1
    assert dict(board.motions[0].proxies) == {"POL": "DEU"}


def test_motions_and_outcomes_tables(board_page, ledger_engine):
    board = board_page.board
    motions = tables.motions_table(board)
    assert [row[0] for row in motions.rows] == [motion[0] for motion in MOTIONS]
    assert motions.rows[0][1:7] == ("general", "Simple majority", "one vote each", "roll call", "Adopted", f"{YEAR}-06-12")
    assert motions.rows[0][7] == "4 yes, 1 no, 1 abstaining, 0 absent"
    assert motions.rows[1][3] == "contribution shares" and motions.rows[2][4] == "secret"
    # Issue 12 item 7: each decision links to the receipt of the entry that closed the motion.
    assert [row[8] for row in motions.rows] == [str(motion.decision_seq) for motion in board.motions]
    with ledger_engine.connect() as connection:
        closing = dict(connection.execute(text("SELECT motion_id, journal_seq FROM motion_event WHERE event = 'closed'")).all())
    assert [motion.decision_seq for motion in board.motions] == [closing[motion.id] for motion in board.motions]
    link = html_table(motions, "t").children[2].children[0].children[8].children
    assert (link.children, link.href) == (f"Receipt #{board.motions[0].decision_seq}", f"/journal/{board.motions[0].decision_seq}")
    outcomes = tables.outcomes_table(board.motions, YEAR)
    assert outcomes.rows == (("general", "3", "0", "0", "3"), ("safety lab", "0", "1", "0", "1"))
    assert outcomes.totals == ("Total", "3", "1", "0", "4")
    figure = tables.outcomes_figure(board.motions)
    assert [(trace.name, list(trace.x), list(trace.y)) for trace in figure.data] == [
        ("Adopted", ["general", "safety lab"], [3, 0]), ("Rejected", ["general", "safety lab"], [0, 1]),
    ]


def test_roll_call_matrix_says_each_vote_in_words_and_leaves_the_secret_ballot_out(board_page):
    board = board_page.board
    table = tables.roll_call_table(board)
    assert table.header == ("Member", "Heat reuse at the main site", "Facility plan review", "Safety lab programme")
    cells = {row[0]: row[1:] for row in table.rows}
    assert cells["Poland (POL)"] == ("yes (by proxy)", "no ballot", "no ballot")  # its proxy holder voted once for it
    assert cells["Germany (DEU)"] == ("yes", "yes", "no")
    assert cells["Spain (ESP)"] == ("abstain", "yes", "yes")
    assert len(table.rows) == len(CODES)
    assert [motion.title for motion in read.secret_motions(board.motions)] == ["Work programme"]


def test_participation_counts_roll_call_ballots_and_proxies_never_a_secret_ballot(board_page):
    """Issue 13 item 9: a secret ballot publishes no voter (ledger.domain.governance.publication),
    so participation counts the three roll-calls only."""
    rows = {row.code: row for row in read.participation(board_page.board)}
    assert {code: (row.voted, row.entitled, row.by_proxy) for code, row in rows.items()} == {
        "DEU": (3, 3, 0), "FRA": (3, 3, 0), "ITA": (3, 3, 0), "ESP": (3, 3, 0), "NLD": (3, 3, 0), "POL": (1, 3, 1),
    }
    table = tables.participation_table(list(rows.values()), YEAR, 3)
    assert table.totals[2:] == ("16", "18", "", "1")
    assert next(row for row in table.rows if row[0] == "POL")[2:] == ("1", "3", "33.3", "1")


def test_power_tables_sum_to_one_for_each_index(board_page):
    results = board_page.power
    assert [result.use.rule_name for result in results] == ["skao_budget", "eu_qualified_majority"]
    for result in results:
        assert result.problem is None and result.method is PowerMethod.EXACT and result.coarse_parts is None
        assert {row.code for row in result.rows} == set(CODES)
        for field in ("weight_share", "banzhaf", "shapley_shubik"):
            assert sum((getattr(row, field) for row in result.rows), Fraction(0)) == 1, (result.use.rule_name, field)
        table = tables.power_table(result, board_page.board)
        assert table.totals[3:6] == ("100.00", "100.00", "100.00")
        assert abs(sum(Decimal(row[4]) for row in table.rows) - 100) <= Decimal("0.03")  # each row rounded to 0.01
        assert result.rows[0].code == "DEU"  # the largest contributor first
        lines = list(csv.reader(io.StringIO(csv_text(table))))
        assert lines[0] == list(table.header) and len(lines) == 1 + len(CODES)
    # weights are the motion's snapshot weights: the contribution scale of YEAR
    assert dict(results[0].use.weights) == dict(board_page.board.scale_weights)


def test_simulator_members_take_the_latest_contribution_weights(board_page):
    members, note = simulator.simulator_members(board_page.board)
    assert [member["code"] for member in members] == ["FRA", "DEU", "ITA", "NLD", "POL", "ESP"]  # by name
    assert {member["code"]: member["weight"] for member in members} == dict(board_page.board.motions[3].weights)
    assert "Safety lab programme" in note


def test_layout_shows_every_section_with_its_table_and_csv(web_app, board_page):
    with web_app.test_request_context("/dashboards/board"):
        default = page.layout()
        earlier = page.layout(year=str(EARLIER))
    assert [texts(c) for c in rendered(default) if isinstance(c, html.H1)] == [f"Board votes {YEAR}"]
    assert [texts(c) for c in rendered(earlier) if isinstance(c, html.H1)] == [f"Board votes {EARLIER}"]
    board = board_page.board
    for ids_of, table in (
        (page.MOTIONS, tables.motions_table(board)),
        (page.OUTCOMES, tables.outcomes_table(board.motions, YEAR)),
        (page.ROLL_CALL, tables.roll_call_table(board)),
        (page.PARTICIPATION, tables.participation_table(read.participation(board), YEAR, 4)),
        (page.power_ids(1), tables.power_table(board_page.power[0], board)),
        (page.power_ids(2), tables.power_table(board_page.power[1], board)),
    ):
        assert isinstance(by_id(default, ids_of.section), html.Section)
        assert len(by_id(default, ids_of.table).children[2].children) == len(table.rows)
        link = by_id(default, ids_of.csv)
        assert link.download.startswith(f"board-{YEAR}-") and unquote(link.href.split(",", 1)[1]) == csv_text(table)
    for ids_of in (page.OUTCOMES, page.PARTICIPATION, page.power_ids(1), page.power_ids(2)):
        assert isinstance(by_id(default, ids_of.chart), dcc.Graph)
    matrix_cells = [c for c in rendered(by_id(default, page.ROLL_CALL.table)) if isinstance(c, html.Td)]
    assert {c.className for c in matrix_cells} >= {"board-vote board-vote-yes", "board-vote board-vote-no", "board-vote board-vote-no-ballot"}
    assert "Work programme" in texts(by_id(default, page.SECRET_NOTE_ID))
    why = texts(by_id(default, page.EXPLANATIONS_ID))
    assert all(motion.explanation and motion.explanation in why for motion in board.motions)
    assert "1 more motion" in texts(by_id(default, page.PENDING_ID))
    members, _ = simulator.simulator_members(board)
    outcome, explanation, _ = simulator.simulate(simulator.DEFAULT_PRESET, {m["code"]: "yes" for m in members}, members)
    assert texts(by_id(default, page.SIM_OUTCOME_ID)) == outcome == "Adopted"
    assert texts(by_id(default, page.SIM_EXPLANATION_ID)) == explanation
    # every id of the page carries its prefix
    ids = [c.id for c in rendered(default) if getattr(c, "id", None) is not None]
    assert all((i["type"] if isinstance(i, dict) else i).startswith("board-") for i in ids)
    assert len(ids) == len({str(i) for i in ids})


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("abc", "'abc' is not a year"),
        ("1999", "No motion was closed at a board meeting of 1999"),
        (str(TODAY.year), f"No motion was closed at a board meeting of {TODAY.year}"),
        ([str(EARLIER), str(YEAR)], "Give one year"),
    ],
)
def test_layout_explains_a_year_it_cannot_show(web_app, raw, message):
    with web_app.test_request_context("/dashboards/board"):
        components = page.layout(year=raw, unrelated="ignored")
    assert message in texts(by_id(components, page.MESSAGE_ID))
    links = [c for c in rendered(components) if isinstance(c, dcc.Link)]
    assert [c.href for c in links] == [f"/dashboards/board?year={YEAR}", f"/dashboards/board?year={EARLIER}"]


# --------------------------------------------------------------------------- in Chromium


def wait_for_charts(page_) -> None:
    for ids_of in (page.OUTCOMES, page.PARTICIPATION, page.power_ids(1), page.power_ids(2)):
        page_.wait_for_selector(f"#{ids_of.chart} .main-svg", timeout=15_000)


@pytest.mark.browser
def test_page_renders_draws_its_charts_offline_and_passes_axe(in_chromium, board_page):
    def scenario(v: Visit):
        page_ = v.open(f"/dashboards/board?year={YEAR}")
        wait_for_charts(page_)
        assert page_.locator("h1").all_inner_texts() == [f"Board votes {YEAR}"]
        assert page_.locator("html").get_attribute("lang") == "en" and page_.locator("main").count() == 1
        traces = page_.evaluate(f"document.querySelector('#{page.OUTCOMES.chart} .js-plotly-plot').data.map(t => Array.from(t.y))")
        assert traces == [[3, 0], [0, 1]]
        matrix = page_.locator(f"#{page.ROLL_CALL.table}")
        assert matrix.locator("thead th[scope=col]").count() == 4 and matrix.locator("tbody th[scope=row]").count() == len(CODES)
        poland = matrix.locator("tbody tr", has_text="Poland (POL)")
        assert poland.locator("td").all_inner_texts() == ["yes (by proxy)", "no ballot", "no ballot"]
        assert poland.locator("td.board-vote-yes").count() == 1
        # the colour comes from the class: a tint behind the words
        assert poland.locator("td").first.evaluate("c => getComputedStyle(c).backgroundColor") == "rgb(220, 252, 231)"
        assert page_.locator(f"#{page.PARTICIPATION.table} tbody tr").count() == len(CODES)
        page_.screenshot(path=str(SCREENSHOTS / "governance.png"), full_page=True)
        v.assert_clean()

    in_chromium(scenario)


@pytest.mark.browser
def test_the_simulator_decides_with_the_engine_as_ballots_change(in_chromium, board_page):
    members, _ = simulator.simulator_members(board_page.board)
    expected = simulator.simulate("unanimity", {**{m["code"]: "yes" for m in members}, "DEU": "no"}, members)

    def scenario(v: Visit):
        page_ = v.open(f"/dashboards/board?year={YEAR}")
        outcome = page_.locator(f"#{page.SIM_OUTCOME_ID}")
        assert outcome.inner_text() == "Adopted"
        rules = page_.locator(f"#{page.SIM_RULES_ID}")
        rules.get_by_role("button", name="Unanimity").click()
        page_.wait_for_function("() => document.querySelector('#board-simulator-explanation').innerText.includes('unanimity')")
        assert rules.get_by_role("button", name="Unanimity").get_attribute("aria-pressed") == "true"
        assert rules.get_by_role("button", name="Simple majority").get_attribute("aria-pressed") == "false"
        assert outcome.inner_text() == "Adopted"
        germany = page_.locator(f"#{page.SIM_BALLOTS_ID} fieldset", has_text="Germany (DEU)")
        germany.get_by_role("button", name="no", exact=True).click()
        page_.wait_for_function("() => document.querySelector('#board-simulator-outcome').innerText === 'Rejected'")
        assert page_.locator(f"#{page.SIM_EXPLANATION_ID}").inner_text() == expected[1]
        assert germany.get_by_role("button", name="no", exact=True).get_attribute("aria-pressed") == "true"
        assert germany.get_by_role("button", name="yes").get_attribute("aria-pressed") == "false"
        assert page_.locator(f"#{page.SIM_TALLY_TABLE_ID} tbody tr").nth(1).inner_text().split() == ["Against", "1"]
        # issue 14 item 10: the address carries the simulation, and opening it again restores it
        page_.wait_for_function("() => window.location.search.includes('ballots=DEU-no')")
        assert page_.evaluate("() => window.location.search") == f"?year={YEAR}&rule=unanimity&ballots=DEU-no"
        v.assert_clean()
        page_.reload()
        page_.wait_for_selector(f"#{page.SIM_OUTCOME_ID}")
        assert page_.locator(f"#{page.SIM_OUTCOME_ID}").inner_text() == "Rejected"
        assert page_.locator(f"#{page.SIM_RULES_ID}").get_by_role("button", name="Unanimity").get_attribute("aria-pressed") == "true"
        germany = page_.locator(f"#{page.SIM_BALLOTS_ID} fieldset", has_text="Germany (DEU)")
        assert germany.get_by_role("button", name="no", exact=True).get_attribute("aria-pressed") == "true"
        assert page_.locator(f"#{page.SIM_EXPLANATION_ID}").inner_text() == expected[1]
        v.assert_clean()

    in_chromium(scenario)


@pytest.mark.browser
def test_a_year_the_page_cannot_show_gets_a_message_and_links_to_the_others(in_chromium):
    def scenario(v: Visit):
        page_ = v.open("/dashboards/board?year=abc")
        assert "'abc' is not a year" in page_.locator(f"#{page.MESSAGE_ID}").inner_text()
        assert page_.locator("h1").all_inner_texts() == ["Board votes"]
        v.assert_clean()
        page_.get_by_role("navigation", name="Year of the meetings:").get_by_role("link", name=str(EARLIER)).click()
        page_.wait_for_function("text => document.querySelector('h1').innerText === text", arg=f"Board votes {EARLIER}")
        assert page_.locator(f"#{page.ROLL_CALL.table} tbody tr").count() == len(CODES)
        v.assert_clean(axe=False)

    in_chromium(scenario)
