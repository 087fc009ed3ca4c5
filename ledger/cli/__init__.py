"""The `ledger` command line."""

from ledger.cli.commands import main

__all__ = ["main"]
