"""The pages and JSON routes: the explorer, public outputs, trust-and-safety views, administration."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from clio_dagster.serve.accounts import AccountError
from clio_dagster.serve.app import clio, log_event
from clio_dagster.serve.outputs import PUBLIC_FILES, BadRequest, Missing
from clio_dagster.serve.roles import ADMINS, ANYONE, TRUST_SAFETY, VIEWERS, allow
from clio_dagster.serve.screens import trust_safety_screen

views = Blueprint("views", __name__)
_MAX_LOG_ROWS = 5000


@views.get("/healthz")
@allow(ANYONE)
def health():
    return jsonify(status="ok")


@views.get("/")
@allow(VIEWERS)
def explorer():
    # The explorer sets its own hash-based CSP in a meta tag; the header adds framing protection.
    response = send_file(clio("outputs").explorer(), mimetype="text/html", max_age=0)
    response.headers["Content-Security-Policy"] = (
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )
    return response


@views.get("/api/me")
@allow(VIEWERS)
def me():
    return jsonify(user=current_user.name, role=current_user.role.value, csrf_token=generate_csrf())


@views.get("/api/public/days")
@allow(VIEWERS)
def public_days():
    return jsonify(days=clio("outputs").days())


@views.get("/api/public/<day>/<view>")
@allow(VIEWERS)
def public_output(day: str, view: str):
    if view not in PUBLIC_FILES:
        raise Missing(view)
    if view == "report":
        return clio("outputs").public_text(day, view), 200, {"Content-Type": "text/markdown; charset=utf-8"}
    return jsonify(clio("outputs").public_json(day, view))


@views.get("/api/restricted/<day>/<view>")
@allow(TRUST_SAFETY)
def restricted_output(day: str, view: str):
    return jsonify(date=day, view=view, data=clio("outputs").restricted_view(day, view))


@views.get("/ts")
@allow(TRUST_SAFETY)
def trust_safety_latest():
    days = clio("outputs").days()
    if not days:
        raise Missing("no day")
    return redirect(url_for("views.trust_safety_day", day=days[-1]))


@views.get("/ts/<day>")
@allow(TRUST_SAFETY)
def trust_safety_day(day: str):
    outputs = clio("outputs")
    screen = trust_safety_screen(outputs, day)
    return render_template("trust_safety.html", screen=screen, days=outputs.days(), day=day)


@views.get("/api/admin/access-log")
@allow(ADMINS)
def access_log():
    """The newest rows, newest first; ``before_id`` pages back; ``verify=0`` skips the chain walk."""
    limit = _int_arg("limit", 500, 1, _MAX_LOG_ROWS)
    before_id = _int_arg("before_id", None, 1, 2**62)
    verify = _int_arg("verify", 1, 0, 1)
    log = clio("access_log")
    entries = log.entries(limit=limit, before_id=before_id)
    chain = None
    if verify:
        check = log.verify()
        chain = {
            "ok": check.ok,
            "rows": check.rows,
            "first_bad_id": check.first_bad_id,
            "reason": check.reason,
        }
    return jsonify(
        chain=chain,
        retention_days=clio("settings").serve_access_log_retention_days,
        next_before_id=entries[-1]["id"] if len(entries) == limit else None,
        entries=[_entry_json(e) for e in entries],
    )


@views.get("/api/admin/users")
@allow(ADMINS)
def users():
    return jsonify(users=[_account_json(a) for a in clio("accounts").list()])


@views.post("/api/admin/users/<name>/unlock")
@allow(ADMINS)
def unlock(name: str):
    try:
        clio("accounts").unlock(name)
    except AccountError as error:
        raise Missing(name) from error
    log_event("unlock", 200, detail=f"unlocked {name[:128]}")
    return jsonify(unlocked=name)


@views.get("/admin")
@allow(ADMINS)
def admin_page():
    log = clio("access_log")
    return render_template(
        "admin.html",
        check=log.verify(),
        entries=log.entries(limit=200),
        accounts=clio("accounts").list(),
        retention_days=clio("settings").serve_access_log_retention_days,
    )


def _int_arg(name: str, default: int | None, low: int, high: int) -> int | None:
    text = request.args.get(name)
    if text is None:
        return default
    if not (text.isdigit() and len(text) <= 19 and low <= int(text) <= high):
        raise BadRequest(f"{name} must be an integer from {low} to {high}")
    return int(text)


def _entry_json(entry: dict) -> dict:
    """A log row for readers: ``user`` and ``date`` rather than the column names."""
    renamed = {"user_name": "user", "day": "date"}
    return {renamed.get(key, key): value for key, value in entry.items()}


def _account_json(account) -> dict:
    return {
        "name": account.name,
        "role": account.role.value,
        "password": account.has_password,
        "locked_until": account.locked_until.isoformat() if account.locked_until else None,
    }
