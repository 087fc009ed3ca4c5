"""Members on a world map, coloured by status, with the same data as a table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import dash
import plotly.graph_objects as go
from dash import dcc, html

from dashboards.components import (
    Cell,
    SectionIds,
    TableData,
    headline_figures,
    hours_cell,
    member_cell,
    member_href,
    money_cell,
    section,
    table_and_csv,
    table_box,
)
from dashboards.pages.contributions import published_years
from dashboards.governance.read import ClosedMotion, PowerResult, closed_years, read_board, read_page, roll_call_motions
from dashboards.governance.tables import basis_label, rule_label, vote_cell
from ledger.domain.compute import gpu_hours
from ledger.domain.labels import MEMBER_STATUSES, MOTION_KINDS, OUTCOMES, STANDINGS, label
from ledger.domain.members import Stint, is_member_code
from ledger.formatting import (
    format_compact_money,
    format_compact_quantity,
    format_day,
    format_fixed,
    format_quantity,
)
from ledger.queries.compute import MemberCompute, compute_year, compute_years
from ledger.queries.contributions import ContributionRow, YearRow, list_years, view_of, year_contributions
from ledger.queries.governance import MemberWeight, list_motions, member_weights
from ledger.queries.members import MemberRow, find_member, list_members, membership_timeline
from ledger.state import cached, connect, today

PAGE_PREFIX = "members"
MAP_ID = f"{PAGE_PREFIX}-map"
TABLE_ID = f"{PAGE_PREFIX}-table"
TOPOJSON_URL = "/static/topojson/"
STATUS_COLOURS = {
    "member": "#0b5394",
    "associate": "#6fa8dc",
    "observer": "#e69138",
    "withdrawn": "#999999",
}


def members_map(rows: list[MemberRow]) -> go.Figure:
    """One choropleth trace per status, so the legend names the statuses."""
    figure = go.Figure()
    for status, colour in STATUS_COLOURS.items():
        chosen = [row for row in rows if row.status == status]
        if not chosen:
            continue
        figure.add_trace(
            go.Choropleth(
                locations=[row.code for row in chosen],
                z=[1] * len(chosen),
                text=[row.name for row in chosen],
                locationmode="ISO-3",
                colorscale=[[0, colour], [1, colour]],
                showscale=False,
                name=f"{status} ({len(chosen)})",
                showlegend=True,
                hovertemplate="%{text}: " + status + "<extra></extra>",
                marker_line_color="#ffffff",
                marker_line_width=0.5,
            )
        )
    figure.update_geos(
        projection_type="natural earth",
        projection_rotation_lon=10,
        center={"lon": 10, "lat": 15},
        lataxis_range=[-58, 85],
        lonaxis_range=[-170, 190],
        showcountries=True,
        countrycolor="#cccccc",
        showframe=False,
    )
    figure.update_layout(margin={"l": 0, "r": 0, "t": 0, "b": 0}, height=460, legend_title_text="Status")
    return figure


def members_table_data(rows: list[MemberRow]) -> TableData:
    """The members as plain text cells: the data behind the map."""
    return TableData(
        caption=f"{len(rows)} members and their status, by name (the data behind the map); each name leads to the member's profile",
        header=("Code", "Name", "Status", "Joined", "Left"),
        rows=tuple((r.code, member_cell(r.code, r.name), r.status, r.joined.isoformat(), r.left.isoformat() if r.left else "") for r in rows),
    )


def members_table(rows: list[MemberRow]) -> html.Div:
    return table_box(members_table_data(rows), TABLE_ID)


def layout(**_query):
    with connect() as connection:
        rows = list_members(connection)
    return [
        html.H1("Members"),
        html.P(
            [
                "Member states of the facility and their status: members vote and pay the full scale, "
                "associates pay a reduced contribution and do not vote, observers neither. ",
                html.A("Download as CSV", href="/api/v1/members?format=csv"),
                ".",
            ]
        ),
        dcc.Graph(
            id=MAP_ID,
            figure=members_map(rows),
            config={"topojsonURL": TOPOJSON_URL, "displaylogo": False, "responsive": True},
            style={"height": "460px"},
        ),
        members_table(rows),
    ]


PAGE = {
    "path": "/members",
    "name": "Members",
    "title": "Members · Member Ledger",
    "description": "member states on a world map and in a table, by status",
    "layout": layout,
    "order": 1,
}


# --------------------------------------------------------------------------- one member across the years


PROFILE_PREFIX = "member"
PROFILE_MESSAGE_ID = f"{PROFILE_PREFIX}-not-found"
PROFILE_CODES_ID = f"{PROFILE_PREFIX}-codes"
PROFILE_SUMMARY_ID = f"{PROFILE_PREFIX}-summary"
HISTORY = SectionIds(PROFILE_PREFIX, "status-history")
MONEY = SectionIds(PROFILE_PREFIX, "contributions")
VOTES = SectionIds(PROFILE_PREFIX, "roll-call")
POWER = SectionIds(PROFILE_PREFIX, "voting-power")
WEIGHTS = SectionIds(PROFILE_PREFIX, "weights")
COMPUTE = SectionIds(PROFILE_PREFIX, "compute")


@dataclass(frozen=True, slots=True)
class Profile:
    """Everything a member's profile shows, read through ledger.queries and the board page's reading of the snapshots."""

    member: MemberRow
    stints: tuple[Stint, ...]
    years: tuple[tuple[YearRow, ContributionRow], ...]  # the published years it was assessed for
    currency: str
    motions: tuple[tuple[int, ClosedMotion], ...]  # (year, motion): every closed roll-call motion it had a vote on
    power: tuple[PowerResult, ...]  # under each weighted rule of the latest year with closed motions
    power_year: int | None
    weights: tuple[MemberWeight, ...]
    compute: tuple[tuple[int, MemberCompute], ...]  # (year, its GPU-hour ledger)


def read_profile(connection, member: MemberRow, day: date) -> Profile:
    """The member's profile on `day`: one query per published year, compute year and meeting year, none per figure."""
    code = member.code
    timeline = membership_timeline(connection, code)
    published = published_years(list_years(connection))
    years = []
    for year in published:
        rows = year_contributions(connection, year, view_of(year, day), member_code=code).rows
        years += [(year, row) for row in rows]
    motion_years = closed_years(list_motions(connection))
    motions = []
    for year in motion_years:
        board = read_board(connection, year, motion_years)
        motions += [(year, motion) for motion in roll_call_motions(board.motions) if code in motion.members]
    power_year = motion_years[-1] if motion_years else None
    power: tuple[PowerResult, ...] = ()
    if power_year is not None:
        # the board page's own reading under its own key, kept until the ledger changes
        power = cached(connection, ("dashboards.board", power_year), lambda: read_page(connection, power_year, motion_years)).power
    compute = []
    for year in sorted(compute_years(connection)):
        found = compute_year(connection, year)
        compute += [(year, line) for line in (found.members if found else ()) if line.code == code]
    return Profile(
        member=member,
        stints=timeline.stints if timeline else (),
        years=tuple(years),
        currency=published[-1].currency if published else "EUR",
        motions=tuple(motions),
        power=power,
        power_year=power_year,
        weights=tuple(member_weights(connection, code)),
        compute=tuple(compute),
    )


def _percent(value: Decimal | Fraction, decimals: int = 3) -> Cell:
    """A percentage rounded half up to `decimals`, exact to that many in the CSV too."""
    exact = value if isinstance(value, Decimal) else Decimal(value.numerator) / Decimal(value.denominator)
    rounded = exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return Cell(format_fixed(rounded, decimals), f"{rounded:f}")


def status_history_table(profile: Profile) -> TableData:
    return TableData(
        caption=f"Status history of {profile.member.name}: each status and the days it held",
        header=("Status", "From", "Until"),
        rows=tuple(
            (label(MEMBER_STATUSES, stint.status.value), stint.start.isoformat(), (stint.end - timedelta(days=1)).isoformat() if stint.end else "today")
            for stint in profile.stints
        ),
        row_header=0,
    )


def contributions_table(profile: Profile) -> TableData:
    """Per published year: share, assessment, cash, in kind, outstanding, arrears and standing, as the contributions page shows them."""
    currency = profile.currency
    return TableData(
        caption=f"{profile.member.name}: share, assessment, payments, in kind, arrears and standing per year, in {currency}",
        header=(
            "Year", "Share (%)", f"Assessed ({currency})", f"Paid in cash ({currency})", f"Credited in kind ({currency})",
            f"Outstanding ({currency})", f"Arrears ({currency})", "Standing", "As of",
        ),
        rows=tuple(
            (
                str(year.year), f"{row.share_pct:f}", money_cell(row.assessed_minor, year.currency), money_cell(row.paid_minor, year.currency),
                money_cell(row.in_kind_minor, year.currency), money_cell(row.outstanding_minor, year.currency),
                money_cell(row.arrears_minor, year.currency), label(STANDINGS, row.standing.standing.value), row.standing.as_of.isoformat(),
            )
            for year, row in profile.years
        ),
        row_header=0,
        numeric=frozenset(range(1, 7)),
    )


def votes_table(profile: Profile) -> TableData:
    """Every roll-call motion the member had a vote on and what it did, oldest first."""
    code = profile.member.code
    return TableData(
        caption=f"How {profile.member.name} voted on every motion decided by roll call (secret ballots are never published)",
        header=("Closed on", "Motion", "Kind", "Outcome", "Vote"),
        rows=tuple(
            (motion.closed_on.isoformat(), motion.title, label(MOTION_KINDS, motion.kind), label(OUTCOMES, motion.outcome), vote_cell(motion, code))
            for _, motion in profile.motions
        ),
        row_header=1,
    )


def power_table(profile: Profile) -> TableData:
    """Its weight share and power indices under each weighted rule of the latest year."""
    code = profile.member.code
    rows = []
    for result in profile.power:
        mine = next((row for row in result.rows if row.code == code), None)
        rule = f"{rule_label(result.use.rule_name)}, {basis_label(result.use.weights_basis)}"
        if mine is None:
            rows.append((rule, "", "", "", "no vote under this rule (not a voting member, or suspended)"))
        else:
            rows.append((rule, Cell(format_quantity(Decimal(mine.weight)), mine.weight), _percent(mine.weight_share), _percent(mine.banzhaf), _percent(mine.shapley_shubik)))
    return TableData(
        caption=f"Voting power of {profile.member.name} under each weighted rule the board used in {profile.power_year} (normalised indices, %)",
        header=("Rule and weights", "Weight", "Weight share (%)", "Banzhaf index (%)", "Shapley-Shubik index (%)"),
        rows=tuple(rows),
        row_header=0,
        numeric=frozenset({1, 2, 3, 4}),
    )


def weights_table(profile: Profile) -> TableData:
    """Its weight in every recorded weight set, with each set's source: the population and where it comes from."""
    return TableData(
        caption=f"Weights of {profile.member.name} for weighted votes, as recorded, with their sources",
        header=("Weights", "Weight", "Source", "Journal entry"),
        rows=tuple((weight.name, Cell(format_quantity(Decimal(weight.weight)), weight.weight), weight.source, str(weight.journal_seq)) for weight in profile.weights),
        row_header=0,
        numeric=frozenset({1}),
    )


def compute_table(profile: Profile) -> TableData:
    """Per compute year: quota, use, balance, and use share ÷ contribution share."""
    return TableData(
        caption=f"{profile.member.name}: GPU-hour quota, use and use against contribution per year, in reference GPU-hours",
        header=("Year", "Quota (GPU-h)", "Used (GPU-h)", "Balance (GPU-h)", "Contribution share (%)", "Usage share (%)", "Usage share ÷ contribution share"),
        rows=tuple(
            (
                str(year), hours_cell(line.quota_ms), hours_cell(line.used_ms), hours_cell(line.balance_ms), _percent(line.contribution_share),
                _percent(line.usage_share), _percent(line.ratio) if line.ratio is not None else "none: no contribution assessed",
            )
            for year, line in profile.compute
        ),
        row_header=0,
        numeric=frozenset(range(1, 7)),
    )


def profile_summary(profile: Profile) -> html.Ul:
    member = profile.member
    latest = profile.years[-1] if profile.years else None
    figures = [(label(MEMBER_STATUSES, member.status), f"since {format_day(profile.stints[-1].start) if profile.stints else member.joined}")]
    if latest:
        year, row = latest
        figures += [
            (format_compact_money(row.assessed_minor, year.currency), f"assessed for {year.year}"),
            (label(STANDINGS, row.standing.standing.value), f"on {format_day(row.standing.as_of)}"),
        ]
    if profile.compute:
        year, line = profile.compute[-1]
        figures.append((format_compact_quantity(gpu_hours(line.used_ms)), f"GPU-hours used in {year}"))
    return headline_figures(figures, PROFILE_SUMMARY_ID)


def _empty(ids: SectionIds, text: str) -> list:
    return [html.P(text, id=ids.table)]


def profile_content(profile: Profile) -> list:
    code = profile.member.code.lower()

    def part(ids: SectionIds, title: str, intro: str, table: TableData, empty: str) -> html.Section:
        body = table_and_csv(table, ids, f"member-{code}-{ids.name}.csv") if table.rows else _empty(ids, empty)
        return section(ids, title, intro, body)

    return [
        profile_summary(profile),
        part(HISTORY, "Status history", "Each status the member held, from its status facts (admission, change, withdrawal).",
             status_history_table(profile), "No status recorded."),
        part(MONEY, "Contributions and standing per year",
             "For every year with an adopted budget: the member's share of the scale, its assessment, what it paid in cash, what was credited "
             "in kind, what remains outstanding, its arrears and its standing (in a closed year as the year closed, else as of today). "
             "The same figures as the contributions dashboard.",
             contributions_table(profile), "The member was never assessed for an adopted budget."),
        part(VOTES, "Roll-call votes", "Its delegate's vote on every motion decided by roll call, as the motion's closing snapshot records it.",
             votes_table(profile), "The member had a vote on no motion decided by roll call."),
        part(POWER, "Voting power", f"Weight is not power: its normalised Banzhaf and Shapley-Shubik indices under each weighted rule of {profile.power_year}, "
             "as the board dashboard computes them.",
             power_table(profile), "The board used no weighted rule in the latest year with closed motions."),
        part(WEIGHTS, "Weights and population", "Its weight in every recorded weight set, and where the figures come from (the population: data/population.csv, "
             "World Bank, World Development Indicators SP.POP.TOTL, 2024).",
             weights_table(profile), "No weight set names this member."),
        part(COMPUTE, "Compute: quota and use", "Its GPU-hour quota, use and balance per year, and its share of the year's use divided by its share of the "
             "year's contributions (1.000: use in proportion to the contribution).",
             compute_table(profile), "No GPU-hour ledger names this member."),
    ]


def not_found(code: str, rows: list[MemberRow]) -> list:
    """The page for a code no member has: says so and lists every member's code, each a link to its profile."""
    return [
        html.H1("No such member"),
        html.P(f"No member has the code {code[:12]!r}. Members are named by their ISO 3166-1 alpha-3 code; these are the ledger's:", id=PROFILE_MESSAGE_ID, className="error"),
        html.Ul([html.Li([dcc.Link(row.code, href=member_href(row.code)), f" {row.name}"]) for row in rows], id=PROFILE_CODES_ID, className="codes"),
    ]


def find_profile_member(connection, code: object) -> MemberRow | None:
    """The member a profile address names (any case), or None."""
    return find_member(connection, code.upper()) if isinstance(code, str) and is_member_code(code.upper()) else None


def profile_layout(code: object = None, **_query):
    with connect() as connection:
        member = find_profile_member(connection, code)
        if member is None:
            return not_found(str(code), list_members(connection))
        day = today()
        # kept until the ledger changes, like every dashboard's reading (ledger.state.cached)
        profile = cached(connection, ("dashboards.profile", member.code, day), lambda: read_profile(connection, member, day))
    return [
        html.H1(f"{member.name} ({member.code})"),
        html.P(["One member across the years: status, contributions, standing, votes, voting power and compute, every table also as CSV. ",
                dcc.Link("All members", href=dash.get_relative_path(PAGE["path"])), "."]),
        *profile_content(profile),
    ]


PROFILE_PAGE = {
    "path_template": "/members/<code>",
    "name": "Member profile",
    "title": "Member profile · Member Ledger",
    "description": "one member across the years",
    "layout": profile_layout,
    "order": 9,
}
