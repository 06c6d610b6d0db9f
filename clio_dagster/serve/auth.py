"""Sign-in and sign-out: local accounts with argon2 and lockout, or an OIDC provider.

Sessions are Flask's signed cookies carrying a server-side session token (Flask-Login's
"alternative token" pattern), so logging out revokes the session for every copy of the cookie.
"""

from __future__ import annotations

import re
from datetime import timedelta

from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, Flask, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length, Regexp

from clio_dagster.serve.accounts import USERNAME_PATTERN, Account, SignIn
from clio_dagster.serve.app import clio, csrf, log_event, login_manager
from clio_dagster.serve.roles import ANYONE, VIEWERS, allow
from clio_dagster.serve.settings import ServeSettings

_LOCAL_PATH = re.compile(r"^/(?![/\\])[A-Za-z0-9/_.~%?&=#@+-]{0,300}$")
_FAILED = {400, 401, 403, 423}


class SignedInUser(UserMixin):
    def __init__(self, account: Account, token: str) -> None:
        self.name, self.role, self.token = account.name, account.role, token

    def get_id(self) -> str:
        return self.token


@login_manager.user_loader
def _load_user(token: str) -> SignedInUser | None:
    account = clio("accounts").session_account(token)
    return SignedInUser(account, token) if account else None


class LoginForm(FlaskForm):
    class Meta:
        csrf = False  # checked by _check_login_csrf, which also admits scripted clients

    username = StringField(validators=[DataRequired(), Length(max=128), Regexp(USERNAME_PATTERN)])
    password = PasswordField(validators=[DataRequired(), Length(max=1024)])


def _account_key() -> str:
    return f"{get_remote_address()}|{request.form.get('username', '')[:128]}"


def _limit(name: str):
    return lambda: getattr(current_app.extensions["clio"]["settings"], name)


limiter = Limiter(key_func=get_remote_address, storage_uri="memory://", headers_enabled=True)
auth = Blueprint("auth", __name__)


@auth.get("/login")
@allow(ANYONE)
def login_page():
    return render_template("login.html", next=_safe_next(request.args.get("next")), oidc=_oidc() is not None)


@auth.post("/login")
@allow(ANYONE)
@limiter.limit(_limit("serve_login_limit_per_address"), deduct_when=lambda r: r.status_code in _FAILED)
@limiter.limit(
    _limit("serve_login_limit_per_account"),
    key_func=_account_key,
    deduct_when=lambda r: r.status_code in _FAILED,
)
def login():
    _check_login_csrf()
    form = LoginForm(formdata=request.form)  # form fields only, as the contract says: never a JSON body
    next_path = _safe_next(request.form.get("next"))
    if not form.validate():
        log_event("sign_in_failed", 400, detail="malformed sign-in form")
        return _refuse_sign_in(400, "Enter a user name and a password.", next_path)
    name = form.username.data
    outcome = clio("accounts").check_password(name, form.password.data)
    if outcome is SignIn.locked:
        log_event("sign_in_locked", 423, user_name=name, detail="account locked after repeated failures")
        message = "This account is locked after repeated failures. Try again later or ask an admin."
        return _refuse_sign_in(423, message, next_path)
    if outcome is SignIn.wrong:
        log_event("sign_in_failed", 401, user_name=name, detail="wrong user name or password")
        return _refuse_sign_in(401, "Wrong user name or password.", next_path)
    return _start_session(clio("accounts").get(name), method="password", next_path=next_path)


csrf.exempt(login)


@auth.post("/logout")
@allow(VIEWERS)
def logout():
    clio("accounts").close_session(current_user.token)
    log_event("sign_out", 303)
    logout_user()
    session.clear()
    return redirect(url_for("auth.login_page"), code=303)


@auth.get("/login/oidc")
@allow(ANYONE)
def oidc_start():
    client = _oidc()
    if client is None:
        return render_template("error.html", status=404, message="single sign-on is not configured"), 404
    session["oidc_next"] = _safe_next(request.args.get("next"))
    return client.authorize_redirect(url_for("auth.oidc_callback", _external=True))


@auth.get("/login/oidc/callback")
@allow(ANYONE)
def oidc_callback():
    client = _oidc()
    if client is None:
        return render_template("error.html", status=404, message="single sign-on is not configured"), 404
    try:
        token = client.authorize_access_token()
    except OAuthError as error:
        log_event("sign_in_failed", 401, detail=f"oidc: {error.error}")
        return render_template("login.html", error="Single sign-on failed.", oidc=True), 401
    claim = clio("settings").oidc_username_claim
    name = str((token.get("userinfo") or {}).get(claim, ""))
    account = clio("accounts").get(name) if USERNAME_PATTERN.match(name) else None
    if account is None:
        # Deny by default: the provider proves who someone is; only a local account gives a role.
        log_event(
            "sign_in_refused", 403, user_name=name[:128] or None, detail="oidc identity without an account"
        )
        return render_template("error.html", status=403, message="no account for this identity"), 403
    return _start_session(account, method="oidc", next_path=session.pop("oidc_next", "/"))


def _refuse_sign_in(status: int, message: str, next_path: str):
    """The form again for a browser (it posted the form's token); a short JSON answer for a script,
    which sets no cookie at all, so a refused sign-in never looks like a session."""
    if request.form.get("csrf_token"):
        return render_template("login.html", error=message, next=next_path), status
    return jsonify(error=message), status


def _start_session(account: Account, *, method: str, next_path: str):
    session.clear()  # a fresh session on every sign-in: no fixation
    lifetime = timedelta(hours=clio("settings").serve_session_hours)
    token = clio("accounts").open_session(account.name, lifetime)
    session.permanent = True
    login_user(SignedInUser(account, token))
    log_event("sign_in", 303, user_name=account.name, role=account.role.value, detail=method)
    return redirect(next_path, code=303)


def _check_login_csrf() -> None:
    """Browsers must send the form's CSRF token; scripted clients (no browser headers) need not.

    Browsers always add Origin or Sec-Fetch-Site to a form POST, so a cross-site forgery cannot
    pass as a scripted client; this keeps the contract's plain ``POST /login`` usable from curl.
    """
    if (
        request.headers.get("Origin")
        or request.headers.get("Sec-Fetch-Site")
        or request.form.get("csrf_token")
    ):
        csrf.protect()


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never another host, so sign-in cannot be an open redirect."""
    return target if target and _LOCAL_PATH.match(target) else "/"


def _oidc():
    return current_app.extensions["clio"].get("oidc")


def register_oidc(app: Flask, settings: ServeSettings) -> None:
    """Register the OIDC provider from its discovery document, when one is configured."""
    if not settings.oidc_enabled:
        return
    oauth = OAuth(app)
    app.extensions["clio"]["oidc"] = oauth.register(
        name="clio_oidc",
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret.get_secret_value() if settings.oidc_client_secret else None,
        server_metadata_url=f"{settings.oidc_issuer.rstrip('/')}/.well-known/openid-configuration",
        client_kwargs={"scope": settings.oidc_scope},
    )
