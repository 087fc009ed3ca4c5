"""Governance, one module per responsibility.

rules (a rule as a value and its JSON form), presets (the named rules and their sources),
decide (the decision a rule gives on ballots), explain (the sentence that says why),
representation (who votes on a day, in person or by proxy), simulate (a hypothetical vote,
for the API and the dashboard), power (a rule's voting power) and coalitions (the counting
engine under it).
"""
