"""Organisations, users, personal access tokens and memberships in ``State.data`` (docs/dev/protocol.md#organisations-and-projects).

``data["orgs"]``: org id -> {id, title, slug, createdAt, deletedAt, members: [{id, userId, role}], and the emulator's
per-organisation switches: hasStagingEnvironment (the plan's, default on as on a self-hosted server), isActivated,
maximumProjectCount, activeSubscription}; ``data["users"]``: user id -> {id, name, email, avatarUrl, admin};
``data["pats"]``: PAT id -> {id, userId, token, revokedAt}. A project names its organisation in ``orgId``; a DEV
environment its member in ``orgMemberId``. Membership is what the server's ``members: {some: {userId}}`` filters read."""


def org(state, org_id):
    return state.data["orgs"].get(org_id)


def user(state, user_id):
    return state.data["users"].get(user_id)


def pat_record(state, token):
    """The live PAT with this token, or None."""
    pat_id = state.indexes.get("pats", {}).get(token)
    pat = state.data["pats"].get(pat_id) if pat_id else None
    return pat if pat is not None and pat.get("revokedAt") is None else None


def pat_is_live(state, pat_id):
    pat = state.data["pats"].get(pat_id)
    return pat is not None and pat.get("revokedAt") is None


def member(state, org_id, user_id):
    found = org(state, org_id)
    if found is None:
        return None
    return next((m for m in found["members"] if m["userId"] == user_id), None)


def is_member(state, org_id, user_id):
    return member(state, org_id, user_id) is not None


def project_org(state, project):
    return org(state, project["orgId"])


def org_view(found):
    return {"id": found["id"], "title": found["title"], "slug": found["slug"], "createdAt": found["createdAt"]}


def member_orgs(state, user_id):
    """The user's organisations that are not deleted, in creation order."""
    return [o for o in state.data["orgs"].values() if o["deletedAt"] is None and is_member(state, o["id"], user_id)]


def find_org(state, param, by_id=True, by_slug=True):
    """An organisation that is not deleted, by id and/or slug."""
    for found in state.data["orgs"].values():
        if found["deletedAt"] is None and ((by_id and found["id"] == param) or (by_slug and found["slug"] == param)):
            return found
    return None


def is_cuid(text):
    """npm cuid 2.1.8 isCuid: any string that starts with "c"."""
    return text.startswith("c")


def dev_env_of(state, project, user_id):
    """The user's own root DEVELOPMENT environment in a project (one per member), or None."""
    mine = member(state, project["orgId"], user_id)
    if mine is None:
        return None
    for env in project["environments"].values():
        if env["type"] == "DEVELOPMENT" and env["parentId"] is None and env.get("orgMemberId") == mine["id"]:
            return env
    return None


def reaches_project(state, cred, project):
    """Whether an access token reaches a project: an organization token its own organisation's, a PAT or a user-actor
    token those of its user's organisations (models/project.server.ts findProjectByRef: no deletedAt filter)."""
    if cred.kind == "oat":
        return project["orgId"] == cred.org_id
    if cred.kind in ("pat", "uat"):
        return is_member(state, project["orgId"], cred.user_id)
    return False
