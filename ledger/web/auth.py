"""Sign-in and sign-out of officials (Flask-Login, sessions in signed cookies that the server
can end), the second factor, password changes and the secretariat's users page."""

from __future__ import annotations

import io
from datetime import datetime, timezone
from urllib.parse import urlsplit

import qrcode
import qrcode.image.svg
from flask import Blueprint, Flask, flash, redirect, render_template, request, session, url_for
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import EmailField, PasswordField, SelectField, StringField

from ledger.db.uow import UnitOfWork
from ledger.domain.access import Permission, Role
from ledger.domain.errors import DomainError, ValidationFailed
from ledger.services import officials
from ledger.services.officials import Official, load_official, sign_in
from ledger.web.forms import show_problems
from ledger.web.guard import current_actor, requires
from ledger.web.state import engine, ledger_state

blueprint = Blueprint("auth", __name__)

PENDING = "pending_second_factor"
SIGNED_IN_AT, SEEN_AT, ENROLLING = "signed_in_at", "seen_at", "enrolling_secret"
# Pages an official may reach before changing a reset password or enrolling a required second factor.
ALWAYS_OPEN = {"auth.logout", "auth.change_password", "auth.enrol_second_factor", "static"}


class SignedIn(UserMixin):
    """Flask-Login's view of an official; its id carries the session version (alternative id)."""

    def __init__(self, official: Official):
        self.official = official

    def get_id(self) -> str:
        return self.official.session_id


class SignInForm(FlaskForm):
    email = EmailField("E-mail address")
    password = PasswordField("Password")


class SecondFactorForm(FlaskForm):
    code = StringField("6-digit code of your authenticator, or a recovery code", default="")


class PasswordChangeForm(FlaskForm):
    current = PasswordField("Current password")
    new = PasswordField("New password (at least 12 characters, not a common one)")


class PasswordResetForm(FlaskForm):
    password = PasswordField("Temporary password (the official must change it at the next sign-in)")


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=[r.value for r in Role], validate_choice=False)


def init_app(app: Flask) -> None:
    manager = LoginManager(app)
    manager.login_view = "auth.login"
    manager.login_message = "Please sign in to open the officials' workspace."
    # Flask-Login's "strong" protection drops the session when the client's address or browser
    # changes (a stolen cookie used elsewhere), on top of the server-side session version.
    manager.session_protection = "strong"

    @manager.user_loader
    def _load(session_id: str):
        official = load_official(engine(), session_id)
        return SignedIn(official) if official else None

    @app.before_request
    def _session_lifetimes():
        """End a session idle for too long or older than its absolute lifetime (ASVS V3.3.2);
        hold an official who must change its password or enrol a second factor to that page."""
        if not current_user.is_authenticated:
            return None
        settings, now = ledger_state().settings, datetime.now(timezone.utc).timestamp()
        signed_in_at, seen_at = session.get(SIGNED_IN_AT, 0), session.get(SEEN_AT, 0)
        if (now - seen_at > settings.session_idle_minutes * 60
                or now - signed_in_at > settings.session_absolute_hours * 3600):
            logout_user()
            session.clear()
            flash("Your session has ended; please sign in again.")
            return redirect(url_for("auth.login", next=request.path if request.method == "GET" else None))
        session[SEEN_AT] = now
        if request.endpoint in ALWAYS_OPEN:
            return None
        official = current_user.official
        if official.must_change_password:
            return redirect(url_for("auth.change_password"))
        if settings.require_second_factor and not official.has_second_factor:
            return redirect(url_for("auth.enrol_second_factor"))
        return None


def _start_session(official: Official) -> None:
    session.clear()
    login_user(SignedIn(official))
    now = datetime.now(timezone.utc).timestamp()
    session[SIGNED_IN_AT] = session[SEEN_AT] = now


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    form = SignInForm()
    status = 200
    if form.validate_on_submit():
        try:
            official = sign_in(engine(), form.email.data or "", form.password.data or "", request.remote_addr or "unknown")
        except ValidationFailed as error:
            form.password.errors = [p.message for p in error.problems]
            status = error.status
        except DomainError as error:
            form.form_errors.append(str(error))
            status = error.status
        else:
            target = _safe_next(request.args.get("next"))
            if official.has_second_factor:
                session.clear()
                session[PENDING] = {"id": official.session_id, "at": datetime.now(timezone.utc).timestamp(), "next": target}
                return redirect(url_for("auth.second_factor"))
            _start_session(official)
            return redirect(target or url_for("workspace.home"))
    elif form.is_submitted():
        # Only CSRF can fail here, and CSRFProtect answers that before this view runs.
        status = 400
    return render_template("login.html", form=form, title="Sign in"), status


@blueprint.route("/login/second-factor", methods=["GET", "POST"])
def second_factor():
    """The second step of signing in: a password was right, now the TOTP or a recovery code."""
    pending = session.get(PENDING)
    fresh = pending and datetime.now(timezone.utc).timestamp() - pending.get("at", 0) < 300
    official = load_official(engine(), pending["id"]) if fresh else None
    if official is None:
        session.pop(PENDING, None)
        flash("Sign in with your password first.")
        return redirect(url_for("auth.login"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        try:
            officials.check_second_factor(engine(), official, form.code.data, now=datetime.now(timezone.utc))
        except ValidationFailed as error:
            show_problems(form, error.problems)
            return render_template("second_factor.html", form=form, title="Second factor"), error.status
        target = pending.get("next")
        _start_session(official)
        return redirect(target or url_for("workspace.home"))
    return render_template("second_factor.html", form=form, title="Second factor")


@blueprint.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign out: every session of this official ends, also cookies copied elsewhere."""
    officials.end_sessions(engine(), current_user.official.id)
    logout_user()
    session.clear()
    return redirect(url_for("public.home"))


@blueprint.route("/office/password", methods=["GET", "POST"])
@requires(Permission.ENTER_OFFICE)
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        official = current_user.official
        try:
            officials.change_password(official.id, form.current.data, form.new.data, actor=current_actor(), uow=UnitOfWork(engine()))
        except ValidationFailed as error:
            show_problems(form, error.problems)
            return render_template("officials/password.html", form=form, title="Change your password"), error.status
        flash("Your password is changed; every session has ended: sign in with the new password.")
        logout_user()
        session.clear()
        return redirect(url_for("auth.login"))
    return render_template("officials/password.html", form=form, title="Change your password")


@blueprint.route("/office/second-factor", methods=["GET", "POST"])
@requires(Permission.ENTER_OFFICE)
def enrol_second_factor():
    """Enrol TOTP: the secret is kept in the signed session until a code proves the app has it."""
    official = current_user.official
    form = SecondFactorForm()
    secret = session.get(ENROLLING) or officials.new_totp_secret()
    session[ENROLLING] = secret
    status = 200
    if form.validate_on_submit():
        try:
            codes = officials.enrol_second_factor(official.id, secret, form.code.data, actor=current_actor(),
                                                  uow=UnitOfWork(engine()), now=datetime.now(timezone.utc))
        except ValidationFailed as error:
            show_problems(form, error.problems)
            status = error.status
        else:
            session.pop(ENROLLING, None)
            logout_user()
            session.clear()
            return render_template("officials/recovery_codes.html", codes=codes, title="Your recovery codes")
    uri = officials.totp_uri(secret, official.email)
    return render_template("officials/second_factor.html", form=form, title="Enrol a second factor", secret=secret,
                           qr=_qr_svg(uri), enrolled=official.has_second_factor), status


def _qr_svg(text: str) -> Markup:
    """The QR code as inline SVG, drawn here: the secret never leaves the server for a QR service."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode("utf-8")
    return Markup(svg[svg.index("<svg"):])


@blueprint.route("/office/users")
@requires(Permission.MANAGE_USERS)
def users():
    return render_template("officials/users.html", title="Officials", users=officials.list_officials(engine()),
                           roles=[r.value for r in Role], reset_form=PasswordResetForm(), role_form=RoleForm())


@blueprint.route("/office/users/<int:user_id>/<any(deactivate, reactivate, role, reset):action>", methods=["POST"])
@requires(Permission.MANAGE_USERS)
def change_user(user_id: int, action: str):
    """Deactivate, reactivate, change the role of or reset the password of an official."""
    actor, uow = current_actor(), UnitOfWork(engine())
    form = {"reset": PasswordResetForm, "role": RoleForm}.get(action, FlaskForm)()
    if not form.validate_on_submit():
        return redirect(url_for(".users"))
    if action == "deactivate":
        officials.deactivate_official(user_id, actor=actor, uow=uow)
    elif action == "reactivate":
        officials.reactivate_official(user_id, actor=actor, uow=uow)
    elif action == "role":
        officials.set_official_role(user_id, form.role.data, actor=actor, uow=uow)
    else:
        officials.reset_password(user_id, form.password.data, actor=actor, uow=uow)
    flash(f"Recorded for official user:{user_id}: {action}.")
    return redirect(url_for(".users"))


def _safe_next(target: str | None) -> str | None:
    """Follow `next` only to a path on this site, never to another host."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
