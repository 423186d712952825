"""Credential parsing and environment resolution (PROTOCOL.md "Authentication"; server services/apiAuth.server.ts)."""

from . import tenancy, usertokens
from .state import ENV_SLUGS, OAT, ORG, UAT, UAT_CLAIMS, public_slug
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

    __slots__ = ("kind", "token", "project", "env", "user_id", "org_id", "claims")

    def __init__(self, kind, token=None, project=None, env=None, **owner):
        self.kind = kind          # "none", "secret_key", "pat", "oat", "uat", "invalid"
        self.token = token
        self.project = project
        self.env = env            # the env the key belongs to
        self.user_id = owner.get("user_id")   # PAT and user-actor token: the user they act as
        self.org_id = owner.get("org_id")     # organization access token: its organisation
        self.claims = owner.get("claims")     # user-actor token: {"userId", "client", "pat", "cap"}

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
    pat = tenancy.pat_record(state, token)
    if pat is not None:
        return Credential("pat", token, user_id=pat["userId"])
    if token == OAT:
        return Credential("oat", token, org_id=ORG["id"])
    claims = user_actor_claims(state, token)
    if claims is not None:
        return Credential("uat", token, user_id=claims["userId"], claims=claims)
    project, env = state.env_by_key(token)
    if env is not None:
        return Credential("secret_key", token, project, env)
    return Credential("invalid", token)


def user_actor_claims(state, token):
    """A user-actor token's claims while it verifies, its user exists and its source PAT is live; the fixture's fixed one too."""
    claims = dict(UAT_CLAIMS) if token == UAT else usertokens.verify(token)
    if claims is None or tenancy.user(state, claims["userId"]) is None:
        return None
    if claims.get("pat") and not tenancy.pat_is_live(state, claims["pat"]):
        return None
    return claims


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


def pat_project(state, ref, cred=None):
    """The project an access token names, among those it reaches (any project when `cred` is None)."""
    project = state.project(ref)
    if project is None or (cred is not None and not tenancy.reaches_project(state, cred, project)):
        raise ApiError(404, "Project not found")
    return project


def _dev_root(state, project, user_id):
    """A PAT's own dev environment; an organization token gets the first one (no orgMember filter)."""
    return tenancy.dev_env_of(state, project, user_id) if user_id else state.root_env(project, "dev")


def pat_env(state, project, slug, branch, oat=False, user_id=None):
    """PAT/OAT env resolution for env-var and bootstrap routes (apiAuth.server.ts authenticatedEnvironmentForAuthentication)."""
    if slug == "dev" and oat and branch and branch != "default":
        raise ApiError(404, "Branch not found")   # no dev branches for organization tokens
    if slug == "dev":
        root = _dev_root(state, project, user_id)
        if branch and branch != "default":
            child = state.branch_env(project, root["id"], branch) if root else None
            if child is None:
                raise ApiError(404, "Branch not found")
            return child
        if root is None:
            raise ApiError(404, "Environment not found")
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


# the route builders' 403 when an authorization gate refuses
FORBIDDEN_BODY = {"error": "Unauthorized", "code": "unauthorized", "param": "access_token", "type": "authorization"}


def _context_denies(state, cred, scope_org_id):
    """The fallback's tenant floor for user-actor tokens in a scoped context: a non-admin non-member is refused."""
    if not scope_org_id:
        return False
    user = tenancy.user(state, cred.user_id)
    return not user.get("admin") and not tenancy.is_member(state, scope_org_id, cred.user_id)


def pat_route_user(state, req, scope_org_id=None, authorization=None):
    """The PAT route builders' authentication (services/routeBuilders/apiBuilder.server.ts createLoaderPATApiRoute,
    createActionPATApiRoute; internal-packages/rbac/src/fallback.ts authenticatePat, authenticateUserActor): a PAT
    or a user-actor token, never an organization token or a secret key. Returns the user id.

    `scope_org_id` is the organisation the route's `context` resolved (user-actor tokens of non-members are refused
    there); `authorization` is the route's (action, resource type) gate, which a PAT always passes."""
    cred = req.cred
    token = cred.token or ""
    if token.startswith(usertokens.PREFIX):
        if cred.kind != "uat":
            raise ApiError(401, "Invalid user-actor token")
        if _context_denies(state, cred, scope_org_id):
            raise ApiError(403, "Unauthorized")
    elif not token.startswith("tr_pat_"):
        raise ApiError(401, "Invalid or Missing PAT")
    elif cred.kind != "pat":
        raise ApiError(401, "Invalid PAT")
    if authorization and not can(cred, *authorization):
        raise ApiError(403, dict(FORBIDDEN_BODY))
    return cred.user_id


def can(cred, action, resource_type):
    """A PAT's ability is permissive without an RBAC plugin; a user-actor token's is its cap."""
    if cred.kind == "uat":
        return usertokens.can(cred.claims.get("cap"), action, resource_type)
    return True
