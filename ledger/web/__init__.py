"""The Flask application: public pages, sign-in and the officials' workspace."""

from ledger.web.app import create_app

__all__ = ["create_app"]
