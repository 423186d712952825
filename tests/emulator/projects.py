"""Projects over the API: lists, create, get, rename, soft delete, default region and the environments list
(docs/dev/protocol.md#organisations-and-projects, #environments).

Server: routes/api.v1.projects.ts, routes/api.v1.orgs.$orgParam.projects.ts, routes/api.v1.projects.$projectRef.ts,
routes/api.v1.projects.$projectRef.default-region.ts, routes/api.v1.projects.$projectRef.environments.ts;
models/project.server.ts createProject (slug = slug(name) + "-" + nanoid(4), ref = "proj_" + 20 lowercase letters,
defaultRuntime node-24, PROD then one DEV per member), services/projectCreated.server.ts (STAGING and PREVIEW when
self-hosted or when the plan has hasStagingEnvironment), services/deleteProject.server.ts (soft delete),
presenters/v3/RegionsPresenter.server.ts, v3/services/setDefaultRegion.server.ts, utils/environmentSort.ts,
utils/branchableEnvironment.ts."""

import string

from . import apikeys, auth, patbuilder, tenancy
from .slug import slug
from .util import ApiError, Response, iso, now_ms

NANOID_ALPHABET = "useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict"
BUILD_RUNTIMES = ("node", "node-22", "node-24", "node-26", "bun")
ENV_ORDER = ("DEVELOPMENT", "STAGING", "PREVIEW", "PRODUCTION")
NOT_ACTIVATED = "You must select a plan for this organization before creating projects."


# ---------------------------------------------------------------- views and lookups

def project_view(state, project, runtime=False):
    """The GetProjectResponseBody presenter; `defaultRuntime` only where the route adds it."""
    view = {"id": project["id"], "externalRef": project["ref"], "name": project["name"], "slug": project["slug"],
            "createdAt": project["createdAt"], "defaultRegion": project["defaultRegion"]}
    if runtime:
        view["defaultRuntime"] = default_runtime(project)
    view["organization"] = tenancy.org_view(tenancy.project_org(state, project))
    return view


def default_runtime(project):
    """BuildRuntime.nullable().safeParse(project.defaultRuntime ?? null).data ?? null."""
    runtime = project.get("defaultRuntime")
    return runtime if runtime in BUILD_RUNTIMES else None


def _listed(state, project, user_id):
    """A live project in a live organisation the user belongs to (the lists and the project routes)."""
    org = tenancy.project_org(state, project)
    return project["deletedAt"] is None and org["deletedAt"] is None and tenancy.is_member(state, org["id"], user_id)


def _my_project(state, ref, user_id):
    project = state.project(ref)
    if project is None or not _listed(state, project, user_id):
        raise ApiError(404, "Project not found")
    return project


def _live_project_org(state, ref):
    """The routes' `context` for writes: the organisation of the project with that ref, unless deleted."""
    project = state.project(ref)
    return project["orgId"] if project is not None and project["deletedAt"] is None else None


def _any_project_org(state, ref):
    """The `context` of the environments and runs routes: no deletedAt filter."""
    project = state.project(ref)
    return project["orgId"] if project is not None else None


def soft_delete(project):
    if project["deletedAt"] is None:
        project["deletedAt"] = iso(now_ms())


# ---------------------------------------------------------------- lists, get, rename, delete

def list_projects(state, req):
    """GET /api/v1/projects: the caller's projects across their organisations (identity-only: PAT or user-actor token)."""
    user_id = auth.pat_route_user(state, req)
    return Response(200, [project_view(state, p) for p in state.data["projects"].values() if _listed(state, p, user_id)])


def _org_by_param(state, param):
    """orgParamWhereClause: a cuid (to npm cuid, anything starting with "c") is an id, anything else a slug."""
    by_id = tenancy.is_cuid(param)
    return tenancy.find_org(state, param, by_id=by_id, by_slug=not by_id)


def list_org_projects(state, req, param):
    """GET /api/v1/orgs/{org}/projects: no membership 404, an organisation the caller cannot see just lists nothing."""
    user_id = auth.pat_route_user(state, req)
    org = _org_by_param(state, param)
    found = [] if org is None else [p for p in state.data["projects"].values() if p["orgId"] == org["id"] and _listed(state, p, user_id)]
    return Response(200, [project_view(state, p) for p in found])


def get_project(state, req, ref):
    """GET /api/v1/projects/{ref} (with defaultRuntime)."""
    user_id = auth.pat_route_user(state, req)
    return Response(200, project_view(state, _my_project(state, ref, user_id), runtime=True))


def _manage_project(state, req, ref):
    return auth.pat_route_user(state, req, _live_project_org(state, ref), ("manage", "project"))


def rename_project(state, req, ref):
    """PATCH /api/v1/projects/{ref} {name} → {id, name}; the slug and ref stay."""
    project = _my_project(state, ref, _manage_project(state, req, ref))
    project["name"] = patbuilder.own_rename_body(req, "name", 1, 255)
    state.touch()
    return Response(200, {"id": project["id"], "name": project["name"]})


def delete_project(state, req, ref):
    """DELETE /api/v1/projects/{ref} → {id}: soft delete; its secret keys stop authenticating at once."""
    project = _my_project(state, ref, _manage_project(state, req, ref))
    soft_delete(project)
    state.reindex()
    state.touch()
    return Response(200, {"id": project["id"]})


# ---------------------------------------------------------------- create

def _name_body(body, issues):
    return {"name": patbuilder.string_field(body, "name", issues, trim=True, min_length=1, max_length=255,
                                            messages=("Name is required", "Name must be less than 255 characters"))}


def _unique_project_slug(state, name):
    taken = {p["slug"] for p in state.data["projects"].values()}
    while True:
        candidate = "%s-%s" % (slug(name), "".join(state.rng.choice(NANOID_ALPHABET) for _index in range(4)))
        if candidate not in taken:
            return candidate


def _new_ref(state):
    while True:
        ref = "proj_" + "".join(state.rng.choice(string.ascii_lowercase) for _index in range(20))
        if state.project(ref) is None:
            return ref


def new_env(state, env_type, org_member=None, branchable=False):
    """A root environment as models/organization.server.ts createEnvironment makes it (not paused on a self-hosted server)."""
    stored = apikeys.TYPE_SLUG[env_type]
    now = now_ms()
    user = tenancy.user(state, org_member["userId"]) if org_member else None
    return {"id": state.new_id("env_"), "slug": stored, "type": env_type, "apiKey": apikeys.root_key(state, env_type),
            "pkApiKey": apikeys.public_key(state, env_type), "parentId": None, "branchName": None, "archivedAt": None,
            "isBranchable": branchable, "createdAt": now, "updatedAt": now, "git": None, "paused": False, "pauseSource": None,
            "shortcode": stored, "userName": user["name"] if user else None, "orgMemberId": org_member["id"] if org_member else None,
            "maximumConcurrencyLimit": 25, "currentDeployment": None, "queues": {}}


def add_dev_env(state, project, org_member):
    """A member's DEV environment (createDevelopmentEnvironmentForMember: branchable)."""
    state.add_env(project, new_env(state, "DEVELOPMENT", org_member, branchable=True))


def new_project(state, org, name):
    """createProject + projectCreated: PROD, a DEV per member, then STAGING and PREVIEW when the plan has them."""
    project = {"id": state.new_id("c", 24), "ref": _new_ref(state), "name": name, "slug": _unique_project_slug(state, name),
               "createdAt": iso(now_ms()), "defaultRegion": None, "defaultRuntime": "node-24", "orgId": org["id"], "deletedAt": None,
               "environments": {}, "tasks": {}, "envvars": {}, "schedules": {}}
    state.data["projects"][project["ref"]] = project
    state.add_env(project, new_env(state, "PRODUCTION"))
    for org_member in org["members"]:
        add_dev_env(state, project, org_member)
    if org["hasStagingEnvironment"]:
        state.add_env(project, new_env(state, "STAGING"))
        state.add_env(project, new_env(state, "PREVIEW", branchable=True))
    return project


def create_project(state, req, param):
    """POST /api/v1/orgs/{org}/projects {name}: body first, then auth; members only; not idempotent by name."""
    body = patbuilder.object_body(req, _name_body)
    org = _org_by_param(state, param)
    user_id = auth.pat_route_user(state, req, org["id"] if org else None)
    if org is None or not tenancy.is_member(state, org["id"], user_id):
        raise ApiError(404, "Organization not found")
    if not org["isActivated"]:
        raise ApiError(402, NOT_ACTIVATED)
    live = [p for p in state.data["projects"].values() if p["orgId"] == org["id"] and p["deletedAt"] is None]
    if len(live) >= org["maximumProjectCount"]:
        raise ApiError(400, "Failed to create project")   # ExceededProjectLimitError is not a ServiceValidationError
    project = new_project(state, org, body["name"])
    state.touch()
    return Response(200, project_view(state, project))


# ---------------------------------------------------------------- default region, environments

def _region_body(body, issues):
    return {"region": patbuilder.string_field(body, "region", issues, min_length=1)}


def set_default_region(state, req, ref):
    """PUT /api/v1/projects/{ref}/default-region {region}: a visible region's name → {id, name}; there is no way to clear it."""
    body = patbuilder.object_body(req, _region_body)
    project = _my_project(state, ref, _manage_project(state, req, ref))
    regions = sorted(state.data["regions"], key=lambda r: r["name"])
    region = next((r for r in regions if r["name"] == body["region"]), None)
    if region is None:
        raise ApiError(400, {"error": "Region '%s' not found" % body["region"], "availableRegions": [r["name"] for r in regions]})
    project["defaultRegion"] = region["name"]
    state.touch()
    return Response(200, {"id": region["id"], "name": region["name"]})


def _branchable(env):
    """isBranchableEnvironment: a DEV root always, a PREVIEW root by its column, nothing else."""
    if env["parentId"] is not None:
        return False
    return env["type"] == "DEVELOPMENT" or (env["type"] == "PREVIEW" and env["isBranchable"])


def list_environments(state, req, ref):
    """GET /api/v1/projects/{ref}/environments: root environments, the DEV one only the caller's own, sorted DEV, STAGING,
    PREVIEW, PRODUCTION. findProjectByRef has no deletedAt filter: a deleted project still lists them."""
    user_id = auth.pat_route_user(state, req, _any_project_org(state, ref), ("read", "environments"))
    project = state.project(ref)
    if project is None or not tenancy.is_member(state, project["orgId"], user_id):
        raise ApiError(404, "Project not found")
    own_dev = tenancy.dev_env_of(state, project, user_id)
    envs = [e for e in project["environments"].values() if e["parentId"] is None and e["archivedAt"] is None
            and (e["type"] != "DEVELOPMENT" or e is own_dev)]
    envs.sort(key=lambda e: ENV_ORDER.index(e["type"]))
    return Response(200, [{"id": e["id"], "slug": e["slug"], "type": e["type"], "isBranchableEnvironment": _branchable(e),
                           "branchName": e["branchName"], "paused": e["paused"]} for e in envs])
