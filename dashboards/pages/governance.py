"""The board's votes of one year: motions and outcomes, the roll-call matrix, participation, voting power, and a what-if simulator.

The year comes from the query string (?year=2025), and so do the simulator's rule and ballots
(&rule=skao_budget&ballots=DEU-no), so every view is a shareable address. What the page reads
is dashboards.governance.read, its tables and charts dashboards.governance.tables, its
simulator dashboards.governance.simulator (which decides with the one simulator the API uses
too, ledger.domain.governance.simulate). This module holds the components and their ids, the
callbacks (one line each, calling a plain function) and `layout`, which only reads and assembles.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import dash
from dash import ALL, Input, Output, State, ctx, dcc, hooks, html

from dashboards.components import SectionIds, Source, chart_table_csv, csv_link, headline_figures, html_table, section, table_and_csv, year_in_query, year_links
from dashboards.governance.read import BoardPage, BoardYear, PowerResult, closed_years, participation, read_page, roll_call_motions, secret_motions
from dashboards.governance.simulator import (
    SIMULATOR_CHOICES,
    chosen_in_query,
    preset_description,
    simulate,
    simulator_members,
    simulator_search,
)
from dashboards.governance.tables import (
    OUTCOME_LABELS,
    VOTE_STATES,
    basis_label,
    matrix_cell_class,
    motions_table,
    outcomes_figure,
    outcomes_table,
    participation_figure,
    participation_table,
    power_figure,
    power_table,
    roll_call_table,
    rule_label,
    tally_table,
    tally_text,
    vote_class,
)
from ledger.domain.governance.coalitions import PowerMethod
from ledger.domain.governance.presets import PRESETS
from ledger.queries.governance import list_motions
from ledger.state import cached, connect, today

PAGE_PREFIX = "board"
YEARS_ID = f"{PAGE_PREFIX}-years"
MESSAGE_ID = f"{PAGE_PREFIX}-message"
SUMMARY_ID = f"{PAGE_PREFIX}-summary"
PENDING_ID = f"{PAGE_PREFIX}-pending"
EXPLANATIONS_ID = f"{PAGE_PREFIX}-motions-explanations"
SECRET_NOTE_ID = f"{PAGE_PREFIX}-roll-call-secret"
ROLL_CALL_REGION_ID = f"{PAGE_PREFIX}-roll-call-region"
ROLL_CALL_LEGEND_ID = f"{PAGE_PREFIX}-roll-call-legend"
POWER_NOTE_ID = f"{PAGE_PREFIX}-power-note"
SIM_RULE_TYPE = f"{PAGE_PREFIX}-simulator-rule"
SIM_RULES_ID = f"{PAGE_PREFIX}-simulator-rules"
SIM_BALLOT_TYPE = f"{PAGE_PREFIX}-simulator-ballot"
SIM_BALLOTS_ID = f"{PAGE_PREFIX}-simulator-ballots"
SIM_MEMBERS_ID = f"{PAGE_PREFIX}-simulator-members"
SIM_WEIGHTS_NOTE_ID = f"{PAGE_PREFIX}-simulator-weights"
SIM_QUERY_NOTE_ID = f"{PAGE_PREFIX}-simulator-query"
SIM_LOCATION_ID = f"{PAGE_PREFIX}-simulator-location"
SIM_OUTCOME_ID = f"{PAGE_PREFIX}-simulator-outcome"
SIM_EXPLANATION_ID = f"{PAGE_PREFIX}-simulator-explanation"
SIM_TALLY_ID = f"{PAGE_PREFIX}-simulator-tally"
SIM_TALLY_TABLE_ID = f"{PAGE_PREFIX}-simulator-tally-table"

# Text and background of each state keep at least 7:1 contrast (WCAG AAA), so the words stay readable on the tint.
STYLESHEET = """<style id="board-styles">
.board-vote { text-align: center; white-space: nowrap; font-weight: 600; }
.board-vote-yes { background: #dcfce7; color: #14532d; }
.board-vote-no { background: #fee2e2; color: #7f1d1d; }
.board-vote-abstain { background: #fef3c7; color: #713f12; }
.board-vote-no-ballot { background: #e0e7ff; color: #312e81; }
.board-vote-absent { background: #e5e7eb; color: #1f2937; font-weight: 400; }
.board-vote-suspended { background: #fce7f3; color: #831843; font-weight: 400; }
.board-vote-not-a-member { background: #ffffff; color: #374151; font-weight: 400; }
.board-legend { display: flex; flex-wrap: wrap; gap: .5rem 1rem; list-style: none; padding: 0; margin: .5rem 0; }
.board-legend li { padding: .1rem .5rem; border-radius: 3px; }
.board-matrix { overflow-x: auto; }
.board-matrix:focus { outline: 2px solid #0b5394; }
.board-matrix th[scope=col] { min-width: 8rem; vertical-align: bottom; }
.board-group { border: 0; padding: 0; margin: 0 0 1rem; }
.board-group > legend { font-weight: 600; font-size: 1.1rem; padding: 0; margin-bottom: .25rem; }
.board-rules { list-style: none; padding: 0; margin: 0; }
.board-rules li { margin: .35rem 0; }
.board-ballots { display: grid; grid-template-columns: repeat(auto-fill, minmax(20rem, 1fr)); gap: .5rem 1.5rem; }
.board-ballots fieldset { border: 1px solid #d0d7de; border-radius: 3px; padding: .25rem .75rem .5rem; margin: 0; }
.board-ballots legend { font-weight: 600; padding: 0 .25rem; }
button.board-toggle { background: #ffffff; color: #0b5394; border: 1px solid #0b5394; border-radius: 3px; padding: .15rem .6rem; margin: .15rem .35rem .15rem 0; }
button.board-toggle[aria-pressed="true"] { background: #0b5394; color: #ffffff; }
button.board-toggle:focus-visible { outline: 3px solid #b45f06; outline-offset: 2px; }
.board-result { border-left: 4px solid #0b5394; background: #f3f7fc; padding: .5rem 1rem; margin: 1rem 0; }
</style>"""


def pick_year(raw: object, years: Sequence[int], this_year: int) -> tuple[int | None, str | None]:
    """The year the query string asks for (default: the latest with a closed motion), or why there is none to show."""
    if raw is None:
        if not years:
            return None, "No motion has been closed yet: the board's votes appear here once a vote is closed."
        return years[-1], None
    number, problem = year_in_query(raw, years[-1] if years else this_year)
    if number is not None and number not in years:
        return None, f"No motion was closed at a board meeting of {number}. Choose one of the years below."
    return number, problem


# --------------------------------------------------------------------------- the simulator's buttons


@dataclass(frozen=True, slots=True)
class SimulatorChoice:
    """What the simulator's toggle buttons say after a press: the rule, the ballots, and each button's aria-pressed."""

    preset: str | None
    ballots: Mapping[str, str]
    rules_pressed: tuple[str, ...]
    ballots_pressed: tuple[str, ...]


def choose(pressed: Mapping | None, rule_ids: Sequence[Mapping], rules_pressed: Sequence[str], ballot_ids: Sequence[Mapping], ballots_pressed: Sequence[str]) -> SimulatorChoice:
    """Apply one press (a rule's button, or a member's ballot button) to the buttons' states; one choice per group stays pressed."""
    pressed = pressed if isinstance(pressed, Mapping) else {}
    rules = [str(state) for state in rules_pressed]
    ballots = [str(state) for state in ballots_pressed]
    if pressed.get("type") == SIM_RULE_TYPE:
        rules = ["true" if rule.get("preset") == pressed.get("preset") else "false" for rule in rule_ids]
    elif pressed.get("type") == SIM_BALLOT_TYPE:
        ballots = [
            ("true" if button.get("choice") == pressed.get("choice") else "false") if button.get("member") == pressed.get("member") else state
            for button, state in zip(ballot_ids, ballots)
        ]
    preset = next((rule.get("preset") for rule, state in zip(rule_ids, rules) if state == "true"), None)
    chosen = {button.get("member"): "absent" for button in ballot_ids}
    chosen.update({button.get("member"): button.get("choice") for button, state in zip(ballot_ids, ballots) if state == "true"})
    return SimulatorChoice(preset, MappingProxyType(chosen), tuple(rules), tuple(ballots))


def simulator_outputs(choice: SimulatorChoice, members_and_weights: Sequence[Mapping], search: str | None = None) -> tuple:
    """The simulator's outputs for a choice: the buttons' states, the outcome, explanation and tally of `simulate`, and the address's query string."""
    view = simulation_view(*simulate(choice.preset, choice.ballots, members_and_weights))
    return (list(choice.rules_pressed), list(choice.ballots_pressed), *view, simulator_search(search, choice.preset, choice.ballots))


def simulation_view(outcome: str, explanation: str, rows: Sequence[tuple[str, str, str]]) -> tuple:
    """The simulator's outputs: the outcome, the explanation and the tally as a table."""
    return outcome, explanation, html_table(tally_table(rows), SIM_TALLY_TABLE_ID) if rows else None


RULE_BUTTONS = {"type": SIM_RULE_TYPE, "preset": ALL}
BALLOT_BUTTONS = {"type": SIM_BALLOT_TYPE, "member": ALL, "choice": ALL}


@hooks.callback(
    Output(RULE_BUTTONS, "aria-pressed"),
    Output(BALLOT_BUTTONS, "aria-pressed"),
    Output(SIM_OUTCOME_ID, "children"),
    Output(SIM_EXPLANATION_ID, "children"),
    Output(SIM_TALLY_ID, "children"),
    Output(SIM_LOCATION_ID, "search"),
    Input(RULE_BUTTONS, "n_clicks"),
    Input(BALLOT_BUTTONS, "n_clicks"),
    State(RULE_BUTTONS, "id"),
    State(RULE_BUTTONS, "aria-pressed"),
    State(BALLOT_BUTTONS, "id"),
    State(BALLOT_BUTTONS, "aria-pressed"),
    State(SIM_MEMBERS_ID, "data"),
    State(SIM_LOCATION_ID, "search"),
    prevent_initial_call=True,
)
def _simulate(_rule_clicks, _ballot_clicks, rule_ids, rules_pressed, ballot_ids, ballots_pressed, members, search):
    # A hook, not dash.callback: dash.callback goes to the first app built only, and every create_app builds one.
    return simulator_outputs(choose(ctx.triggered_id, rule_ids, rules_pressed, ballot_ids, ballots_pressed), members, search)


@hooks.index()
def _board_styles(index: str) -> str:
    # The vote colours are CSS classes; the site stylesheet belongs to ledger/web, so the page brings its own rules.
    return index.replace("</head>", STYLESHEET + "\n</head>", 1)


# --------------------------------------------------------------------------- the page


MOTIONS = SectionIds(PAGE_PREFIX, "motions")
OUTCOMES = SectionIds(PAGE_PREFIX, "outcomes")
ROLL_CALL = SectionIds(PAGE_PREFIX, "roll-call")
PARTICIPATION = SectionIds(PAGE_PREFIX, "participation")
POWER = SectionIds(PAGE_PREFIX, "power")
SIMULATOR = SectionIds(PAGE_PREFIX, "simulator")


def power_ids(index: int) -> SectionIds:
    return SectionIds(PAGE_PREFIX, f"power-{index}")


def year_texts(years: Sequence[int]) -> list[tuple[int, str]]:
    """The years with closed motions, newest first, each named by its number."""
    return [(year, str(year)) for year in reversed(years)]


def summary(board: BoardYear) -> html.Ul:
    outcomes = Counter(motion.outcome for motion in board.motions)
    secret = len(secret_motions(board.motions))
    figures = [
        (str(len(board.motions)), "motions closed"),
        (str(outcomes["adopted"]), "adopted"),
        (str(outcomes["rejected"]), "rejected"),
        *([(str(outcomes["no_quorum"]), "without a quorum")] if outcomes["no_quorum"] else []),
        (str(len(board.motions) - secret), "by roll call"),
        (str(secret), "by secret ballot"),
    ]
    return headline_figures(figures, SUMMARY_ID)


def motions_section(board: BoardYear) -> html.Section:
    year = board.year
    pending = (
        [html.P(f"{board.pending} more motion{'s' if board.pending != 1 else ''} of {year} {'are' if board.pending != 1 else 'is'} "
                "in draft or open; each appears here once its vote is closed.", id=PENDING_ID)]
        if board.pending
        else []
    )
    return section(
        MOTIONS,
        "Motions and outcomes",
        [f"Every motion closed at the board's meetings of {year}, with the rule it was decided by and its outcome."],
        [
            *table_and_csv(motions_table(board), MOTIONS, f"board-{year}-motions.csv"),
            html.Details(
                [
                    html.Summary("Why each motion was adopted or rejected, as stated when it closed"),
                    html.Ul([html.Li([html.Strong(motion.title), ": ", motion.explanation]) for motion in board.motions]),
                ],
                id=EXPLANATIONS_ID,
            ),
            *pending,
            section(
                OUTCOMES,
                "Outcomes by kind of motion",
                ["How many motions of each kind the board adopted or rejected. The table below the chart gives the same counts."],
                chart_table_csv(outcomes_figure(board.motions), OUTCOMES, outcomes_table(board.motions, year), f"board-{year}-outcomes.csv", source=Source("motions")),
                level=3,
            ),
        ],
    )


def roll_call_section(board: BoardYear) -> html.Section:
    year, table = board.year, roll_call_table(board)
    secret = secret_motions(board.motions)
    secret_note = (
        html.P(
            [
                f"Not in the matrix: {len(secret)} secret ballot{'s' if len(secret) != 1 else ''}, which publish only the outcome and whether each threshold was met: ",
                "; ".join(f"“{motion.title}” ({OUTCOME_LABELS.get(motion.outcome, motion.outcome).lower()}, {tally_text(motion)})" for motion in secret),
                ".",
            ],
            id=SECRET_NOTE_ID,
        )
        if secret
        else html.P(f"Every motion of {year} was decided by roll call.", id=SECRET_NOTE_ID)
    )
    if not roll_call_motions(board.motions):
        body = [html.P(f"No motion of {year} was decided by roll call.", id=ROLL_CALL.table), secret_note]
    else:
        legend = html.Ul([html.Li(state, className=vote_class(state)) for state in VOTE_STATES], id=ROLL_CALL_LEGEND_ID, className="board-legend", **{"aria-label": "Cell states"})
        body = [
            legend,
            html.Div(
                html_table(table, ROLL_CALL.table, matrix_cell_class),
                id=ROLL_CALL_REGION_ID,
                className="board-matrix",
                role="region",
                tabIndex=0,
                **{"aria-label": "Roll-call matrix, scrolls sideways when wider than the page"},
            ),
            secret_note,
            html.P(csv_link(table, f"board-{year}-roll-call.csv", f"Download the table “{table.caption}” as CSV", ROLL_CALL.csv)),
        ]
    return section(
        ROLL_CALL,
        "Roll-call votes",
        (
            "How each member's delegate voted on every motion decided by roll call. Each cell says the vote in words; "
            "the colour repeats it. “By proxy”: the member had given its proxy for the meeting to another member's delegate. "
            "“No ballot”: present without voting, counted as abstaining. “Suspended”: the member's vote was suspended (arrears)."
        ),
        body,
    )


def participation_section(board: BoardYear) -> html.Section:
    rows = participation(board)
    return section(
        PARTICIPATION,
        "Participation",
        (
            f"How many of the {len(roll_call_motions(board.motions))} roll-call motions closed in {board.year} each member voted on. "
            "A secret ballot publishes only its outcome and whether each threshold was met, never who voted nor any total, "
            "so it is not counted here. Members join, leave or lose their vote during a year, "
            "so each is counted against the motions it could vote on."
        ),
        chart_table_csv(participation_figure(rows), PARTICIPATION, participation_table(rows, board.year, len(roll_call_motions(board.motions))),
                        f"board-{board.year}-participation.csv", source=Source("motions")),
    )


def power_section(board: BoardYear, results: Sequence[PowerResult]) -> html.Section:
    year = board.year
    parts = []
    for index, result in enumerate(results, start=1):
        ids = power_ids(index)
        use = result.use
        motions = "; ".join(f"“{title}”" for title in use.motions)
        title = f"{rule_label(use.rule_name)}, {basis_label(use.weights_basis)}"
        if result.problem:
            parts.append(section(ids, title, [f"Used for {motions}. The indices could not be computed: {result.problem}"], [], level=3))
            continue
        notes = [f"Used for {motions}."]
        if result.coarse_parts:
            notes.append(
                f" The weights as stored are too fine to compute with in a page's time, so the indices are computed exactly on the weights "
                f"rounded to parts of {result.coarse_parts:,} of the total."
            )
        if result.method is PowerMethod.SAMPLED:
            notes.append(
                f" The Shapley-Shubik index is a sampled estimate from {result.samples:,} random orderings (seed {result.seed}), "
                "given with its standard error; the Banzhaf index is exact."
            )
        parts.append(section(ids, title, notes, chart_table_csv(power_figure(result, board), ids, power_table(result, board), f"board-{year}-power-{index}.csv", source=Source("motions")), level=3))
    if not results:
        parts.append(html.P(f"Every motion of {year} was decided with one vote per member: each member then has the same power, 1/n.", id=POWER_NOTE_ID))
    return section(
        POWER,
        "Voting power",
        (
            "Weight is not power. For each weighted rule the board used this year, with the weights it was applied with, each member's share of "
            "the weight beside its normalised Banzhaf index (the share of all decisive swings that are its own) and its Shapley-Shubik index "
            "(the share of orderings in which it casts the deciding vote). Computed with every member entitled to vote present, voting yes or no."
        ),
        parts,
    )


def toggle(label: str, component_id: dict, pressed: bool, **extra) -> html.Button:
    """A button that stays pressed while its choice holds (aria-pressed): native, so keyboards and screen readers know it."""
    return html.Button(label, id=component_id, type="button", n_clicks=0, className="board-toggle", **{"aria-pressed": "true" if pressed else "false"}, **extra)


def simulator_section(board: BoardYear, rule: object = None, ballots_in_query: object = None) -> html.Section:
    """The simulator with the rule and ballots the query string gives (by default the first preset, everyone voting yes)."""
    members, note = simulator_members(board)
    preset, ballots, problems = chosen_in_query(rule, ballots_in_query, [member["code"] for member in members])
    outcome, explanation, tally = simulation_view(*simulate(preset, ballots, members))

    def rule_item(name: str) -> html.Li:
        about = f"{SIM_RULES_ID}-{name}"
        return html.Li(
            [
                toggle(rule_label(name), {"type": SIM_RULE_TYPE, "preset": name}, name == preset, **{"aria-describedby": about}),
                html.Span(preset_description(name), id=about),
            ]
        )

    def ballot_group(member: dict) -> html.Fieldset:
        weight = f", weight {member['weight']} %" if member["weight"] is not None else ""
        return html.Fieldset(
            [
                html.Legend(f"{member['name']} ({member['code']}){weight}"),
                *(toggle(choice, {"type": SIM_BALLOT_TYPE, "member": member["code"], "choice": choice}, choice == ballots[member["code"]]) for choice in SIMULATOR_CHOICES),
            ]
        )

    return section(
        SIMULATOR,
        "What if? Simulate a vote",
        [
            ("Choose a rule and each member's ballot: the outcome, the sentence explaining it and the tally come from the same engine "
            "that decides the board's motions. Nothing is recorded; the address keeps your choices, so you can share it. "),
            html.Span(note, id=SIM_WEIGHTS_NOTE_ID),
        ],
        [
            *([html.P("Not understood in the address: " + "; ".join(problems) + ".", id=SIM_QUERY_NOTE_ID, className="error")] if problems else []),
            dcc.Location(id=SIM_LOCATION_ID, refresh=False),
            dcc.Store(id=SIM_MEMBERS_ID, data=members),
            html.Fieldset([html.Legend("Rule"), html.Ul([rule_item(name) for name in PRESETS], className="board-rules")], id=SIM_RULES_ID, className="board-group"),
            html.Fieldset(
                [html.Legend("Ballots"), html.Div([ballot_group(member) for member in members], className="board-ballots")],
                id=SIM_BALLOTS_ID,
                className="board-group",
            ),
            html.Div(
                [
                    html.P(["Outcome: ", html.Strong(outcome, id=SIM_OUTCOME_ID)]),
                    html.P(explanation, id=SIM_EXPLANATION_ID),
                    html.Div(tally, id=SIM_TALLY_ID),
                ],
                className="board-result",
                role="status",
                **{"aria-live": "polite", "aria-atomic": "true"},
            ),
        ],
    )


def year_content(data: BoardPage, rule: object = None, ballots: object = None) -> list:
    """The year's sections; `rule` and `ballots` are the simulator's state from the query string."""
    board = data.board
    return [
        summary(board),
        motions_section(board),
        roll_call_section(board),
        participation_section(board),
        power_section(board, data.power),
        simulator_section(board, rule, ballots),
    ]


def layout(year: object = None, rule: object = None, ballots: object = None, **_query):
    """The page for ?year=YYYY (default: the latest year with a closed motion); a clear message for any other value.

    `rule` and `ballots` restore the simulator (dashboards.governance.simulator.chosen_in_query).
    """
    base = dash.get_relative_path(PAGE["path"])
    with connect() as connection:
        years = closed_years(list_motions(connection))
        chosen, problem = pick_year(year, years, today().year)
        # exact power indices of a large council take seconds; the page holds until the ledger changes
        data = cached(connection, ("dashboards.board", chosen), lambda: read_page(connection, chosen, years)) if chosen else None
    links = [year_links(year_texts(years), data.board.year if data else None, base, YEARS_ID, "Year of the meetings:")] if years else []
    if data is None:
        return [html.H1("Board votes"), html.P(problem, id=MESSAGE_ID, className="error"), *links]
    return [
        html.H1(f"Board votes {data.board.year}"),
        html.P(
            "The board's motions and outcomes, how each member voted by roll call, who took part, how much power each weighted rule "
            "gives each member, and a simulator to try a vote under any rule."
        ),
        *links,
        *year_content(data, rule, ballots),
    ]


PAGE = {
    "path": "/board",
    "name": "Board",
    "title": "Board votes · Member Ledger",
    "description": "per year: motions and outcomes, roll-call votes, participation, voting power and a vote simulator",
    "layout": layout,
    "order": 3,
}
