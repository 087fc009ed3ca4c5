"""Members on a world map, coloured by status, with the same data as a table."""

from __future__ import annotations

import plotly.graph_objects as go
from dash import dcc, html

from dashboards.components import TableData, member_cell, table_box
from dashboards.data import connect
from ledger.queries.members import MemberRow, list_members

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
