"""Preview branches and the project/environment bootstrap routes (docs/dev/protocol.md#branches, #auth; see README)."""


from . import auth, projects
from .state import DEFAULT_ENV_CONCURRENCY, ENV_SLUGS, ORG
from .slug import slug
from .util import ApiError, Response, iso, now_ms, v8_json_error, zod_message, zod_object_issues

GIT_FIELDS = (  # GitMeta (packages/core/src/v3/schemas/common.ts)
    ("provider", "string"), ("source", ("enum", ("trigger_github_app", "github_actions", "local"))), ("ghUsername", "string"),
    ("ghUserAvatarUrl", "string"), ("commitAuthorName", "string"), ("commitMessage", "string"), ("commitRef", "string"),
    ("commitSha", "string"), ("dirty", "boolean"), ("remoteUrl", "string"), ("pullRequestNumber", "number"),
    ("pullRequestTitle", "string"), ("pullRequestState", ("enum", ("open", "closed", "merged"))),
)
ENVS = ("enum", ("preview", "development"))
# UpsertBranchRequestBody (packages/core/src/v3/schemas/api.ts) and the archive route's BodySchema
UPSERT_SCHEMA = [("git", ("optional", ("object", [(name, ("optional", spec)) for name, spec in GIT_FIELDS]))), ("env", ENVS), ("branch", "string")]
ARCHIVE_SCHEMA = [("env", ("optional", ENVS)), ("branch", "string")]


def _validated(req, schema):
    """The body, or 400 with zod's error.message (the issues as JSON) as the routes answer."""
    body = _body(req)
    issues = zod_object_issues(body, schema)
    if issues:
        raise ApiError(400, zod_message(issues))
    return body


def _body(req):
    body = req.json_or(ValueError)
    if body is ValueError:
        raise ApiError(400, v8_json_error(req.body))
    return body


def _project_for(state, req, ref):
    """PAT (any project) or the preview parent's secret key (its own project)."""
    cred = req.cred
    if auth.is_access_token(cred, auth.PAT_OR_OAT):
        return auth.pat_project(state, ref, cred), "pat"
    if cred.kind != "secret_key":
        raise ApiError(401, "Invalid or Missing API key")
    if cred.project["ref"] != ref:
        raise ApiError(404, "Project not found")
    return cred.project, "apiKey"


def _check_key_env(req):
    env = req.cred.env
    if env["type"] != "PREVIEW" or env["parentId"] is not None:
        raise ApiError(403, "API keys must belong to the parent Preview environment.")


def upsert(state, req, ref):
    project, kind = _project_for(state, req, ref)
    body = _validated(req, UPSERT_SCHEMA)
    git = body.get("git")
    if git is not None:
        git = {name: git[name] for name, _spec in GIT_FIELDS if name in git}
    if body["env"] == "development":
        if kind == "apiKey":
            raise ApiError(400, "API keys can only create Preview branches.")
    if kind == "apiKey":
        _check_key_env(req)
    if body["env"] == "development":
        raise ApiError(400, "Dev branches are not emulated.")
    name = auth.sanitize_branch(body["branch"])
    if not name:
        raise ApiError(400, "Branch name has an invalid format")
    if not auth.valid_git_branch_name(name):
        raise ApiError(400, "Invalid branch name, contains disallowed character sequences")
    parent = state.root_env(project, "preview")
    if parent is None:
        raise ApiError(400, "You don't have preview branches setup. Go to the dashboard to enable them.")
    if not parent["isBranchable"]:
        raise ApiError(400, "Your preview environment is not branchable")
    # the branch's identity is its shortcode, slug("preview-" + name) (services/upsertBranch.server.ts): a second name
    # that slugs alike is the same branch and keeps the first name
    shortcode = slug("%s-%s" % (parent["slug"], name))
    existing = next((e for e in project["environments"].values()
                     if e["parentId"] == parent["id"] and e["archivedAt"] is None and e["shortcode"] == shortcode), None)
    now = now_ms()
    if existing is not None:
        if git is not None:
            existing["git"] = git
        existing["updatedAt"] = now
        state.touch()
        return Response(200, {"id": existing["id"]})
    env = {
        "id": state.new_id("env_"), "slug": shortcode, "type": "PREVIEW", "apiKey": state.new_key("tr_preview_"),
        "parentId": parent["id"], "branchName": name, "archivedAt": None, "isBranchable": False,
        "createdAt": now, "updatedAt": now, "git": git, "paused": False, "pauseSource": None, "shortcode": shortcode, "userName": None,
        "maximumConcurrencyLimit": DEFAULT_ENV_CONCURRENCY, "queues": {}, "currentDeployment": None,
    }
    state.add_env(project, env)
    state.touch()
    return Response(200, {"id": env["id"]})


def list_branches(state, req, ref):
    if req.cred.kind != "pat":
        raise ApiError(401, "Invalid or Missing Access Token")
    project = auth.pat_project(state, ref, req.cred)
    parent = state.root_env(project, "preview")
    if parent is None:
        raise ApiError(400, "You don't have preview branches setup. Go to the dashboard to enable them.")
    branches = []
    for env in project["environments"].values():
        if env["parentId"] == parent["id"] and env["archivedAt"] is None:
            item = {"id": env["id"], "name": env["branchName"] or "main", "createdAt": iso(env["createdAt"]),
                    "updatedAt": iso(env["updatedAt"]), "isPaused": env["paused"]}
            if env.get("git") is not None:
                item["git"] = env["git"]
            branches.append(item)
    return Response(200, {"branches": branches})


def _branch_row(state, env):
    """The whole environment row, as the server serialises it in the archive answer, keys included
    (seen on the real server); clients must pass none of it on."""
    project = state.project_of_env(env["id"])
    return {
        "id": env["id"], "slug": env["slug"], "apiKey": env["apiKey"], "pkApiKey": env.get("pkApiKey") or env["apiKey"].replace("tr_", "pk_", 1),
        "organizationId": project["orgId"] if project else ORG["id"], "projectId": project["id"] if project else None, "orgMemberId": None, "type": env["type"],
        "shortcode": env["shortcode"], "branchName": env["branchName"], "parentEnvironmentId": env["parentId"],
        "isBranchableEnvironment": False, "archivedAt": iso(env["archivedAt"]), "createdAt": iso(env["createdAt"]),
        "updatedAt": iso(env["updatedAt"]), "git": env.get("git"), "paused": env["paused"], "pauseSource": env.get("pauseSource"),
        "autoEnableInternalSources": True, "maximumConcurrencyLimit": env.get("maximumConcurrencyLimit", 25), "concurrencyLimitBurstFactor": "2",
        "builtInEnvironmentVariableOverrides": None, "currentSessionId": None, "tunnelId": None,
    }


def archive(state, req, ref):
    project, kind = _project_for(state, req, ref)
    body = _validated(req, ARCHIVE_SCHEMA)
    env_name = body.get("env", "preview")
    if kind == "apiKey":
        _check_key_env(req)
        if env_name != "preview":
            raise ApiError(403, "API keys must belong to the parent Preview environment.")
    parent = state.root_env(project, "preview" if env_name == "preview" else "dev")
    matches = [e for e in project["environments"].values() if parent and e["parentId"] == parent["id"] and e["branchName"] == body["branch"]]
    if not matches:
        raise ApiError(404, "Branch not found")
    active = [e for e in matches if e["archivedAt"] is None]
    if not active:
        raise ApiError(400, "Branch already archived")
    env = active[0]
    now = now_ms()
    env["archivedAt"] = now
    env["updatedAt"] = now
    env["slug"] = env["shortcode"] = "%s-%s" % (env["slug"], state.new_id("", 6))
    state.touch()
    return Response(200, {
        "success": True, "branch": _branch_row(state, env),
        "organization": {"id": project["orgId"], "slug": state.data["orgs"][project["orgId"]]["slug"], "maximumConcurrencyLimit": 10},
        "project": {"id": project["id"], "slug": project["slug"]},
    })


def project_env(state, req, ref, slug, api_url):
    """GET /api/v1/projects/{ref}/{env}: the environment's secret key."""
    if slug not in ("dev", "staging", "prod", "preview"):
        raise ApiError(400, "Invalid Params")
    cred = req.cred
    branch = auth.branch_header(req.headers)
    if auth.is_access_token(cred, auth.PAT_OR_OAT):
        project = auth.pat_project(state, ref, cred)
        env = auth.pat_env(state, project, slug, branch, oat=cred.kind == "oat", user_id=cred.user_id)
        # a branch is addressed with its parent's key and the header; its own key is never handed out
        key = state.env_by_id(env["parentId"])["apiKey"] if env["parentId"] else env["apiKey"]
    elif cred.kind == "secret_key":
        # any valid key, the preview parent even without a branch; the key is echoed back (apiAuth.server.ts)
        project, env = (cred.project, cred.env) if cred.env["type"] == "PREVIEW" and not branch else auth.resolve_secret_key(state, req, auth.LEGACY)
        if project["ref"] != ref:
            raise ApiError(400, "Invalid project ref for this API key. Make sure you are using an API key associated with that project.")
        wanted_branch = None if slug == "dev" and branch in (None, "default") else branch
        if env["slug"] != ENV_SLUGS[slug][0] and env["branchName"] != wanted_branch:
            raise ApiError(400, "Invalid environment slug for this API key. Make sure you are using an API key associated with that environment.")
        key = cred.token
    else:
        # authenticateEnvironmentBootstrapRequest falls back to the RBAC key check (its text)
        raise ApiError(401, "Invalid API key")
    return Response(200, {"apiKey": key, "name": project["name"], "apiUrl": api_url, "projectId": project["id"],
                          "defaultRuntime": projects.default_runtime(project)})


def age_branch(state, spec):
    """Control API: push a branch's createdAt/updatedAt back by `days`."""
    project = state.project(spec.get("project"))
    if project is None:
        raise ApiError(404, "Project not found")
    parent = state.root_env(project, "preview")
    env = state.branch_env(project, parent["id"], spec.get("branch"), include_archived=True)
    if env is None:
        raise ApiError(404, "Branch not found")
    days = spec.get("days")
    if isinstance(days, bool) or not isinstance(days, (int, float)):
        raise ApiError(400, "days must be a number")
    shift = int(days * 86_400_000)
    env["updatedAt"] = now_ms() - shift
    env["createdAt"] = min(env["createdAt"], env["updatedAt"])
    state.touch()
    return {"id": env["id"], "branch": env["branchName"], "createdAt": iso(env["createdAt"]), "updatedAt": iso(env["updatedAt"])}
