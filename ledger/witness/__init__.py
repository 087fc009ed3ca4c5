"""A witness of the journal (c2sp.org/tlog-witness): run by a member state, it cosigns a
checkpoint only if it extends the last one it cosigned."""
