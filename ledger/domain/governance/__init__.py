"""Governance: the board's voting rules (rules), what a vote decides, and voting power (power)."""
