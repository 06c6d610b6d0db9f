"""Running the app under waitress, with the access log pruned by its retention policy."""

from __future__ import annotations

import signal
import threading
from datetime import timedelta
from pathlib import Path

from clio_dagster.serve.app import create_app, secure_cookies_for
from clio_dagster.serve.settings import ServeSettings

_DAY_SECONDS = 24 * 3600


def serve(home: Path, *, host: str, port: int, pg_url: str | None, threads: int = 8) -> None:
    """Serve until interrupted or sent SIGTERM; prune the access log and ended sessions now and every day."""
    from waitress import serve as waitress_serve

    # An ignored SIGTERM is inherited across exec (a test runner's, a supervisor's): a server must
    # still stop when asked to.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, signal.SIG_DFL)

    settings = ServeSettings()
    app = create_app(
        home,
        pg_url=pg_url,
        settings=settings,
        secure_cookies=secure_cookies_for(host, settings.serve_secure_cookies),
    )
    log, accounts = app.extensions["clio"]["access_log"], app.extensions["clio"]["accounts"]
    stop = threading.Event()

    def prune_daily() -> None:
        while not stop.is_set():
            log.prune(settings.serve_access_log_retention_days)
            accounts.purge_sessions(older_than=timedelta(days=1))  # who signed in stays in the log
            stop.wait(_DAY_SECONDS)

    threading.Thread(target=prune_daily, name="access-log-retention", daemon=True).start()
    try:
        waitress_serve(app, host=host, port=port, threads=threads, ident="clio")
    finally:
        stop.set()
