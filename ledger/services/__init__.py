"""Use cases: (arguments, *, actor, uow) -> result. Each checks access, validates, writes,
journals and commits; on any error nothing is stored and nothing is journaled."""
