"""Member Ledger: the governance and funding ledger of a publicly funded AI research facility."""
