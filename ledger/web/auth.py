"""Sign in and out."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import UserMixin, current_user, login_required, login_user, logout_user

from ..app import limiter, login_manager
from ..db.session import get_session as db
from ..db.schema import User
from ..domain.errors import AuthenticationFailed
from ..services import users

bp = Blueprint("auth", __name__)


class SignedIn(UserMixin):
    """The session's view of a user; the services get the User row itself."""

    def __init__(self, user: User):
        self.user = user
        self.id = str(user.id)


@login_manager.user_loader
def _load(user_id: str):
    user = db().get(User, int(user_id))
    return SignedIn(user) if user is not None and user.active else None


def _login_account() -> str:
    # Per account as well as per address: guessing one treasurer's password from many addresses is slowed too.
    return "account:" + (request.form.get("username") or "").strip().lower()


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"], key_func=_login_account)
def login():
    error = None
    if request.method == "POST":
        session = db()
        try:
            user = users.authenticate(session, request.form.get("username", ""), request.form.get("password", ""))
        except AuthenticationFailed:
            session.commit()  # keep the audit record of the failure
            error = _("Wrong user name or password.")
        else:
            session.commit()
            login_user(SignedIn(user))
            target = request.args.get("next", "")
            return redirect(target if target.startswith("/") and not target.startswith("//") else url_for("office.books"))
    return render_template("auth/login.html", error=error), (401 if error else 200)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash(_("You have signed out."))
    return redirect(url_for("auth.login"))


def actor() -> User:
    return current_user.user


@bp.route("/tokens", methods=["GET", "POST"])
@login_required
def tokens_page():
    """The signed-in user's API tokens: make one (shown once), revoke one."""
    from ..domain.errors import LedgerError
    from ..services import tokens

    session = db()
    shown = None
    if request.method == "POST":
        try:
            if request.form.get("revoke"):
                tokens.revoke_token(session, actor(), int(request.form["revoke"]))
                flash(_("Token revoked."))
            else:
                shown = tokens.create_token(session, actor(), actor(), request.form.get("name", ""))[1]
            session.commit()
        except (LedgerError, ValueError) as e:
            session.rollback()
            flash(e.message(str(get_locale() or "zh_CN")) if isinstance(e, LedgerError) else str(e), "error")
    listed = tokens.list_tokens(session, actor(), actor())
    return render_template("auth/tokens.html", tokens=listed, shown=shown), (201 if shown else 200)
