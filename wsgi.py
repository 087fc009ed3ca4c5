"""WSGI entry point for gunicorn or any WSGI server: `gunicorn wsgi:app`."""

from ledger.web import create_app

app = create_app()
