"""Root-key rotation and user-actor token minting (docs/dev/protocol.md#api-keys).

Server: routes/api.v1.projects.$projectRef.$env.regenerate-api-key.ts and models/api-key.server.ts regenerateApiKey
(new root key `tr_<slug>_` + 24 alphanumerics, new public key `pk_<slug>_` + 20, the old root key kept in RevokedApiKey for
REVOKED_API_KEY_GRACE_PERIOD_MS = 24 h; utils/apiKeys.ts generateRootApiKey); the grace lookup is in
models/runtimeEnvironment.server.ts and internal-packages/rbac/src/bearerCredentials.ts (State._rotated_key here).
routes/api.v1.auth.user-actor-token.ts mints user-actor tokens (usertokens.py)."""

import string

from . import auth, patbuilder, tenancy, usertokens
from .state import ENV_SLUGS
from .util import ApiError, Response, now_ms

GRACE_PERIOD_MS = 24 * 60 * 60 * 1000
TYPE_SLUG = {"DEVELOPMENT": "dev", "STAGING": "stg", "PRODUCTION": "prod", "PREVIEW": "preview"}
ALPHANUMERIC = string.digits + string.ascii_lowercase + string.ascii_uppercase
DEFAULT_UAT_TTL_SECONDS = 60 * 60
MAX_UAT_TTL_SECONDS = 7 * 24 * 60 * 60


def root_key(state, env_type):
    return state.new_key("tr_%s_" % TYPE_SLUG[env_type])


def public_key(state, env_type):
    return "pk_%s_%s" % (TYPE_SLUG[env_type], "".join(state.rng.choice(ALPHANUMERIC) for _index in range(20)))


def regenerate(state, req, ref, env_slug):
    """POST /api/v1/projects/{ref}/{env}/regenerate-api-key: PAT only → {apiKey}; with x-trigger-branch the branch's own key."""
    if env_slug not in ENV_SLUGS:
        raise ApiError(400, "Invalid Params")
    cred = req.cred
    if cred.kind != "pat":
        raise ApiError(401, "Invalid or Missing Access Token")
    project = auth.pat_project(state, ref, cred)
    env = auth.pat_env(state, project, env_slug, auth.branch_header(req.headers), user_id=cred.user_id)
    rotate(state, project, env)
    return Response(200, {"apiKey": env["apiKey"]})


def rotate(state, project, env):
    """New root and public keys; the old root key keeps working for the grace period (on the emulator's clock)."""
    old = env["apiKey"]
    state.data["revokedApiKeys"][old] = {"envId": env["id"], "expiresAt": now_ms() + GRACE_PERIOD_MS}
    env["apiKey"] = root_key(state, env["type"])
    env["pkApiKey"] = public_key(state, env["type"])
    state.indexes["keys"].pop(old, None)
    if project["deletedAt"] is None:
        state.indexes["keys"][env["apiKey"]] = (project["ref"], env["id"])
    state.touch()


def _mint_body(body):
    """RequestBodySchema.optional(): {cap?: string[], client?: string 1-255, ttlSeconds?: int 1..7 days}; unknown keys dropped."""
    if not isinstance(body, dict):
        return [patbuilder.type_issue([], "object", body)]
    issues = []
    if "cap" in body:
        cap = body["cap"]
        if not isinstance(cap, list):
            issues.append(patbuilder.type_issue(["cap"], "array", cap))
        else:
            issues.extend(patbuilder.type_issue(["cap", index], "string", item) for index, item in enumerate(cap) if not isinstance(item, str))
    patbuilder.string_field(body, "client", issues, required=False, min_length=1, max_length=255)
    if "ttlSeconds" in body:
        issues.extend(patbuilder.number_issues(["ttlSeconds"], body["ttlSeconds"], MAX_UAT_TTL_SECONDS))
    return issues


def mint_user_actor_token(state, req):
    """POST /api/v1/auth/user-actor-token {cap?, client?, ttlSeconds?}: a PAT (not a user-actor token) → {token, expiresInSeconds}.

    An unreadable body counts as {} (the route's `request.json().catch(() => ({}))`); `null` is refused by zod."""
    token = req.cred.token or ""
    if not token.startswith("tr_pat_"):
        raise ApiError(401, "Invalid or Missing PAT")
    pat = tenancy.pat_record(state, token)
    if pat is None:
        raise ApiError(401, "Invalid PAT")
    body = req.json_or({})
    issues = _mint_body(body)
    if issues:
        raise ApiError(400, {"error": "Invalid request body", "issues": issues})
    ttl = int(body.get("ttlSeconds", DEFAULT_UAT_TTL_SECONDS))
    minted = usertokens.sign(pat["userId"], body.get("client", "personal-access-token"), pat["id"], body.get("cap"), now_ms() // 1000 + ttl)
    return Response(200, {"token": minted, "expiresInSeconds": ttl})
