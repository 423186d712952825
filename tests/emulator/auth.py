"""Credential parsing and environment resolution (PROTOCOL.md "Authentication"; server services/apiAuth.server.ts)."""

from .state import ENV_SLUGS, OAT, PAT, UAT, public_slug
from .util import ApiError

RBAC = "rbac"        # route-builder routes: runs, trigger, batch
LEGACY = "legacy"    # schedules, reschedule, replay

_BRANCH_PREFIXES = ("refs/heads/", "refs/remotes/", "refs/tags/", "refs/pull/", "refs/merge/", "refs/release/")


def sanitize_branch(value):
    """Server-side branch clean-up; None means 'no branch'."""
    if not value:
        return None
    for prefix in _BRANCH_PREFIXES:
        if value.startswith(prefix):
            return value[len(prefix):] or None
    if value.startswith("refs/"):
        return None
    return value


def valid_git_branch_name(name):
    """The server's branch-name check (core/v3/utils/gitBranch.ts)."""
    if not name:
        return False
    if any(ch in name for ch in " ~^:?*[\\"):
        return False
    if any(ord(ch) <= 31 or ord(ch) == 127 for ch in name):
        return False
    if name.startswith("/") or name.endswith("/") or "//" in name or ".." in name or "@{" in name:
        return False
    return not name.endswith(".lock")


class Credential:
    """What the Authorization header holds (no branch resolution yet)."""

    __slots__ = ("kind", "token", "project", "env")

    def __init__(self, kind, token=None, project=None, env=None):
        self.kind = kind          # "none", "secret_key", "pat", "oat", "uat", "invalid"
        self.token = token
        self.project = project
        self.env = env            # the env the key belongs to

    def journal_name(self):
        if self.kind == "secret_key":
            if self.env["parentId"]:
                return "secret_key:preview"
            return "secret_key:" + public_slug(self.env)
        return self.kind


def parse_credential(state, headers):
    """Classify the bearer token."""
    header = headers.get("Authorization")
    if header is None:
        return Credential("none")
    token = header[7:].strip() if header[:7].lower() == "bearer " else header.strip()
    if token == PAT:
        return Credential("pat", token)
    if token == OAT:
        return Credential("oat", token)
    if token == UAT:
        return Credential("uat", token)
    project, env = state.env_by_key(token)
    if env is not None:
        return Credential("secret_key", token, project, env)
    return Credential("invalid", token)


def branch_header(headers):
    return sanitize_branch(headers.get("x-trigger-branch"))


def resolve_secret_key(state, req, style=RBAC):
    """The (project, env) a secret-key request acts on, or ApiError 401."""
    cred = req.cred
    invalid = "Invalid API key" if style == RBAC else "Invalid or Missing API Key"
    if cred.kind != "secret_key":
        raise ApiError(401, invalid)
    env = cred.env
    project = cred.project
    branch = branch_header(req.headers)
    if env["type"] == "PREVIEW":
        # a branch env's own key is unusable: the resolver looks for a child of the key's env
        # (services/bearerCredentials.ts); branches are addressed with the parent key and the header
        if not branch:
            raise ApiError(401, "x-trigger-branch header required for preview env" if style == RBAC else invalid)
        child = state.branch_env(project, env["id"], branch) if env["parentId"] is None else None
        if child is None:
            raise ApiError(401, "No matching branch env" if style == RBAC else "Invalid API Key")
        return project, child
    if env["type"] == "DEVELOPMENT" and branch and branch != "default":
        child = state.branch_env(project, env["id"], branch)
        if child is None:
            raise ApiError(401, "No matching branch env" if style == RBAC else "Invalid API Key")
        return project, child
    return project, env


# Organization access tokens act for the organisation, user-actor tokens for the PAT's user; which routes take
# which is decided per route (PROTOCOL.md "Authentication").
ACCESS_TOKENS = ("pat", "oat", "uat")
PAT_OR_OAT = ("pat", "oat")


def is_access_token(cred, kinds=ACCESS_TOKENS):
    return cred.kind in kinds


def require_pat(req, message="Invalid or Missing PAT"):
    if req.cred.kind != "pat":
        raise ApiError(401, message)


def pat_project(state, ref):
    project = state.project(ref)
    if project is None:
        raise ApiError(404, "Project not found")
    return project


def pat_env(state, project, slug, branch, oat=False):
    """PAT/OAT env resolution for env-var and bootstrap routes (apiAuth.server.ts authenticatedEnvironmentForAuthentication)."""
    if slug == "dev" and oat and branch and branch != "default":
        raise ApiError(404, "Branch not found")   # no dev branches for organization tokens
    if slug == "dev":
        root = state.root_env(project, "dev")
        if branch and branch != "default":
            child = state.branch_env(project, root["id"], branch)
            if child is None:
                raise ApiError(404, "Branch not found")
            return child
        return root
    if branch:
        parent = state.root_env(project, "preview")
        child = state.branch_env(project, parent["id"], branch) if parent else None
        if child is None:
            raise ApiError(404, "Branch not found")
        return child
    stored = ENV_SLUGS.get(slug, (slug, None))[0]
    env = state.root_env(project, stored)
    if env is None:
        raise ApiError(404, "Environment not found")
    return env
