"""The Flask application of `clio serve`: access rules, the access log hooks, errors and headers."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from ipaddress import ip_address
from pathlib import Path

from flask import Flask, g, jsonify, redirect, render_template, request, url_for
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from clio_dagster.serve.access_log import AccessLog
from clio_dagster.serve.accounts import Accounts
from clio_dagster.serve.database import connect, database_url
from clio_dagster.serve.outputs import BadRequest, Missing, Outputs
from clio_dagster.serve.roles import Role, access_of
from clio_dagster.serve.settings import ServeSettings

csrf = CSRFProtect()
login_manager = LoginManager()

# No page of ours runs a script; the explorer carries its own stricter, hash-based policy.
PAGE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)


def create_app(
    home: Path,
    *,
    pg_url: str | None = None,
    settings: ServeSettings | None = None,
    secure_cookies: bool = True,
) -> Flask:
    """The app over the outputs under ``home``; users and the access log in the instance database."""
    settings = settings or ServeSettings()
    app = Flask(__name__, static_folder=None)
    engine = connect(database_url(home, pg_url))
    app.extensions["clio"] = {
        "settings": settings,
        "outputs": Outputs(home),
        "accounts": Accounts(
            engine,
            max_failed_logins=settings.serve_max_failed_logins,
            lockout=timedelta(minutes=settings.serve_lockout_minutes),
        ),
        "access_log": AccessLog(engine),
    }
    app.config.update(
        SECRET_KEY=_secret_key(home, settings),
        SESSION_COOKIE_NAME="clio_session",
        SESSION_COOKIE_HTTPONLY=True,
        # Lax, not Strict: the OIDC provider's redirect back is a cross-site navigation that must
        # carry the session holding the sign-in state. Every state change is a CSRF-checked POST.
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.serve_session_hours),
        MAX_CONTENT_LENGTH=settings.serve_max_request_bytes,
        MAX_FORM_PARTS=50,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session that holds it
    )
    if settings.serve_trusted_proxies:
        hops = settings.serve_trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    # Order matters: who you are is settled before the CSRF check, so a stranger gets 401, not 400.
    app.before_request(_enforce_access)
    csrf.init_app(app)

    from clio_dagster.serve.auth import auth, limiter, register_oidc
    from clio_dagster.serve.views import views

    limiter.init_app(app)
    register_oidc(app, settings)
    app.register_blueprint(auth)
    app.register_blueprint(views)
    app.after_request(_record_and_harden)
    app.context_processor(lambda: {"role": Role})
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(CSRFError, _http_error)
    app.register_error_handler(BadRequest, lambda e: _error(400, str(e)))
    app.register_error_handler(Missing, lambda e: _error(404, "not found"))
    return app


def secure_cookies_for(host: str, setting: bool | None) -> bool:
    """Secure cookies unless told otherwise, or when only this machine can connect over plain HTTP."""
    if setting is not None:
        return setting
    try:
        return not ip_address(host).is_loopback
    except ValueError:
        return host != "localhost"


def clio(name: str):
    """One of the app's services: settings, outputs, accounts, access_log."""
    from flask import current_app

    return current_app.extensions["clio"][name]


def log_event(event: str, status: int, *, user_name: str | None = None, role: str | None = None, detail=""):
    """Append this request to the access log (once: the after-request hook then skips it)."""
    g.logged = True
    if user_name is None and current_user.is_authenticated:
        user_name, role = current_user.name, current_user.role.value
    clio("access_log").append(
        event=event,
        method=request.method,
        route=request.path,
        status=status,
        user_name=user_name,
        role=role,
        day=_day_of_request(),
        address=request.remote_addr,
        detail=detail,
    )


def _day_of_request() -> str | None:
    day = (request.view_args or {}).get("day")
    return day[:10] if isinstance(day, str) else None


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _enforce_access():
    """Deny by default: a route without a declaration, or a role below its minimum, is refused."""
    view = request.url_rule and request.url_rule.endpoint and _view_of(request.url_rule.endpoint)
    access = access_of(view)
    if access is not None and access.minimum is None:
        return None
    if not current_user.is_authenticated:
        if _wants_json() or request.method != "GET":
            return _error(401, "sign in first")
        log_event("refused", 401, detail="no session")
        target = request.full_path if request.query_string else request.path
        return redirect(url_for("auth.login_page", next=target))
    if view is None:
        return None  # no such route: routing raises 404 (or 405) next
    if access is None or not access.admits(current_user.role):
        return _error(403, "your role may not use this")
    return None


def _view_of(endpoint: str):
    from flask import current_app

    return current_app.view_functions.get(endpoint)


def _record_and_harden(response):
    """Log refusals and audited reads not yet logged; set the headers every answer carries."""
    if not g.get("logged"):
        access = access_of(_view_of(request.endpoint)) if request.endpoint else None
        if response.status_code >= 400:
            log_event("refused", response.status_code, detail=g.get("refusal", ""))
        elif access is not None and access.audited and response.status_code < 300:
            log_event("read", response.status_code)
    response.headers.setdefault("Content-Security-Policy", PAGE_POLICY)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _http_error(error: HTTPException):
    return _error(error.code or 500, error.name.lower())


def _error(status: int, message: str):
    """A short answer that never echoes the request; the reason also goes to the access log."""
    g.refusal = message
    if _wants_json():
        return jsonify(error=message), status
    return render_template("error.html", status=status, message=message), status


def _secret_key(home: Path, settings: ServeSettings) -> str:
    """CLIO_SERVE_SECRET_KEY, else a random key kept owner-only so restarts keep sessions."""
    if settings.serve_secret_key is not None:
        return settings.serve_secret_key.get_secret_value()
    path = home / "serve" / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()
