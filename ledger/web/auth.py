"""Sign-in and sign-out of officials (Flask-Login, sessions in signed cookies)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Flask, redirect, render_template, request, url_for
from flask_login import LoginManager, UserMixin, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField

from ledger.domain.errors import DomainError, ValidationFailed
from ledger.services.officials import Official, load_official, sign_in
from ledger.web.state import engine

blueprint = Blueprint("auth", __name__)


class SignedIn(UserMixin):
    """Flask-Login's view of an official."""

    def __init__(self, official: Official):
        self.official = official

    def get_id(self) -> str:
        return str(self.official.id)


class SignInForm(FlaskForm):
    email = EmailField("E-mail address")
    password = PasswordField("Password")


def init_app(app: Flask) -> None:
    manager = LoginManager(app)
    manager.login_view = "auth.login"
    manager.login_message = "Please sign in to open the officials' workspace."

    @manager.user_loader
    def _load(user_id: str):
        official = load_official(engine(), int(user_id)) if user_id.isdigit() else None
        return SignedIn(official) if official else None


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    form = SignInForm()
    status = 200
    if form.validate_on_submit():
        try:
            official = sign_in(
                engine(),
                form.email.data or "",
                form.password.data or "",
                request.remote_addr or "unknown",
            )
        except ValidationFailed as error:
            form.password.errors = [p.message for p in error.problems]
            status = error.status
        except DomainError as error:
            form.form_errors.append(str(error))
            status = error.status
        else:
            login_user(SignedIn(official))
            return redirect(_safe_next(request.args.get("next")) or url_for("office.home"))
    elif form.is_submitted():
        # Only CSRF can fail here, and CSRFProtect answers that before this view runs.
        status = 400
    return render_template("login.html", form=form, title="Sign in"), status


@blueprint.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    return redirect(url_for("public.home"))


def _safe_next(target: str | None) -> str | None:
    """Follow `next` only to a path on this site, never to another host."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
