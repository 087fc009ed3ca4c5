"""Compute use cases: projects and their Slurm accounts (capacity and quotas build on these).

The secretariat registers each project under one member with a safety level; its Slurm
account is how usage exports are charged to it, so an account belongs to one project only
and is never renamed (a new project is registered instead).
"""

from __future__ import annotations

from sqlalchemy import select

from ledger.db.tables import Member, Project
from ledger.db.uow import UnitOfWork
from ledger.domain.access import Actor, Permission, require
from ledger.domain.compute import ProjectDraft, validate_project
from ledger.domain.errors import Conflict, NotFound
from ledger.domain.members import MemberStatus
from ledger.services.members import member_history


def register_project(
    member: str, title: str, account: str, safety_level: str, *, actor: Actor, uow: UnitOfWork
) -> Project:
    """Register a project of `member` charged through the Slurm `account`, at a safety level."""
    require(actor, Permission.MANAGE_PROJECTS)
    draft: ProjectDraft = validate_project(member, title, account, safety_level)
    with uow:
        found = uow.session.get(Member, draft.member_code)
        if found is None:
            raise NotFound(f"no member with code {draft.member_code}; admit it first")
        status = member_history(uow, draft.member_code)[-1].status
        if status is MemberStatus.WITHDRAWN:
            raise Conflict(f"{draft.member_code} has withdrawn; its projects can no longer be registered")
        taken = uow.session.execute(select(Project.id).where(Project.account == draft.account)).first()
        if taken is not None:
            raise Conflict(f"the Slurm account {draft.account} belongs to project {taken.id} already")
        project = uow.add(
            Project(
                member_code=draft.member_code,
                title=draft.title,
                account=draft.account,
                safety_level=draft.safety_level.value,
                journal_seq=0,
            )
        )
        uow.commit(
            actor=actor,
            kind="project.registered",
            summary=f"Registered project {draft.title!r} of {found.name} ({draft.member_code}), "
            f"Slurm account {draft.account}, safety level {draft.safety_level.value}",
        )
    return project
