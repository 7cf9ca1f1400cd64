"""Sign in and out."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_limiter.util import get_remote_address
from flask_login import UserMixin, current_user, login_required, login_user, logout_user

from ..app import limiter, login_manager
from ..db.session import get_session as db
from ..db.schema import User
from ..domain.errors import AuthenticationFailed
from ..services import users
from ..work import unit_of_work

bp = Blueprint("auth", __name__)


class SignedIn(UserMixin):
    """The session's view of a user; the services get the User row itself."""

    def __init__(self, user: User):
        self.user = user
        # The session version goes into the cookie: signing out or a new password bumps it,
        # so a cookie copied before then no longer signs anyone in.
        self.id = f"{user.id}:{user.session_version or 0}"


@login_manager.user_loader
def _load(session_id: str):
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db().get(User, int(user_id))
    if user is None or not user.active or (user.session_version or 0) != int(version):
        return None
    return SignedIn(user)


def safe_next(target: str) -> str | None:
    """A path on this site to go to after signing in, or None.

    Checked after normalising as browsers and werkzeug do: they drop tabs and newlines
    (`/%09/evil.example` became `//evil.example`) and read a backslash as a slash."""
    cleaned = "".join(ch for ch in target if ch >= " " and ch != "\x7f").replace("\\", "/")
    parts = urlsplit(cleaned)
    if not cleaned.startswith("/") or cleaned.startswith("//") or parts.scheme or parts.netloc:
        return None
    return cleaned


def _login_pair() -> str:
    # Per address and per (address, account): one address guessing at a treasurer's password is
    # slowed down, but nobody can lock the treasurer out from elsewhere by failing on purpose.
    return f"pair:{get_remote_address()}:" + (request.form.get("username") or "").strip().lower()


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"], key_func=_login_pair)
def login():
    error = None
    if request.method == "POST":
        try:
            user = users.sign_in(unit_of_work(), request.form.get("username", ""), request.form.get("password", ""))
        except AuthenticationFailed:
            error = _("Wrong user name or password.")
        else:
            login_user(SignedIn(user))
            return redirect(safe_next(request.args.get("next", "")) or url_for("office.books"))
    return render_template("auth/login.html", error=error), (401 if error else 200)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    unit_of_work(actor()).run(users.end_sessions)
    logout_user()
    flash(_("You have signed out."))
    return redirect(url_for("auth.login"))


def actor() -> User:
    return current_user.user


def _token_id(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        from ..domain.errors import NotFound

        raise NotFound(f"没有令牌 {text}", f"no token {text}", "revoke") from None


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password_page():
    """Change one's own password; every other session of the user ends with it."""
    from ..domain.errors import LedgerError

    error = None
    if request.method == "POST":
        try:
            unit_of_work(actor()).run(users.change_password, request.form.get("old_password", ""),
                                      request.form.get("new_password", ""))
        except LedgerError as e:
            error = e.message(str(get_locale() or "zh_CN"))
        else:
            login_user(SignedIn(actor()))  # this browser carries the new session version
            flash(_("Your password is changed."), "success")
            return redirect(url_for("office.books"))
    return render_template("auth/password.html", error=error), (400 if error else 200)


@bp.route("/tokens", methods=["GET", "POST"])
@login_required
def tokens_page():
    """The signed-in user's API tokens: make one (shown once), revoke one."""
    from ..domain.errors import LedgerError
    from ..services import tokens

    shown = None
    if request.method == "POST":
        uow = unit_of_work(actor())
        try:
            if request.form.get("revoke"):
                uow.run(tokens.revoke_token, _token_id(request.form["revoke"]))
                flash(_("Token revoked."))
            else:
                shown = uow.run(tokens.create_token, actor(), request.form.get("name", ""))[1]
        except LedgerError as e:
            flash(e.message(str(get_locale() or "zh_CN")), "error")
    listed = tokens.list_tokens(db(), actor(), actor())
    return render_template("auth/tokens.html", tokens=listed, shown=shown), (201 if shown else 200)
