"""Access to views: anonymous visitors are sent to sign in, other roles get 403."""

from __future__ import annotations

from functools import wraps

from flask import current_app
from flask_login import current_user

from ledger.domain.access import Actor, Permission, require


def current_actor() -> Actor | None:
    """The signed-in official as an actor, or None for the public."""
    return current_user.official.actor if current_user.is_authenticated else None


def requires(permission: Permission):
    """Guard a view: sign-in first, then the role's permission (Forbidden becomes 403)."""

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            require(current_actor(), permission)
            return view(*args, **kwargs)

        guarded.required_permission = permission
        return guarded

    return decorate
