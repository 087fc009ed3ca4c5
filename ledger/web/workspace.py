"""The officials' workspace: /office/, the start page that lists what the signed-in official may do."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request

from ledger.domain.access import Permission
from ledger.web.guard import requires

blueprint = Blueprint("workspace", __name__, url_prefix="/office")


@blueprint.route("/")
@requires(Permission.ENTER_OFFICE)
def home():
    return render_template("workspace/home.html", title="Officials' workspace")


# The workspace's capabilities were once at /office/finance and /office/board; officials'
# bookmarks keep working. 308 keeps the method and body, so a form posted to an old address
# still reaches its view (and its access check) at the new one.
MOVED = {"finance": "contributions", "board": "governance"}


@blueprint.route("/<any(finance, board):old>/", defaults={"rest": ""}, methods=["GET", "POST"])
@blueprint.route("/<any(finance, board):old>/<path:rest>", methods=["GET", "POST"])
def moved(old: str, rest: str):
    query = request.query_string.decode("ascii", "replace")
    return redirect(f"/office/{MOVED[old]}/{rest}" + (f"?{query}" if query else ""), code=308)
