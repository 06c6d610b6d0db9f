"""`clio serve`: signed-in, role-checked access to the outputs, with a tamper-evident access log."""

from clio_dagster.serve.app import create_app, secure_cookies_for

__all__ = ["create_app", "secure_cookies_for"]
