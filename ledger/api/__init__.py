"""The open-data API under /api/v1: JSON by default, CSV with ?format=csv."""

from ledger.api.routes import api

__all__ = ["api"]
