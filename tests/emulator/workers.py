"""The environment's current worker: GET /api/v1/projects/{ref}/{env}/workers/{tag}, and the control API that deploys.

Server: routes/api.v1.projects.$projectRef.$env.workers.$tagName.ts; v3/models/workerDeployment.server.ts
(in dev the latest worker whatever the tag; elsewhere the deployment promoted under that label, "current")."""

from . import auth, runs
from .state import ENV_SLUGS, new_worker
from .util import ApiError, Response, iso, now_ms

TASK_KINDS = ("STANDARD", "SCHEDULED")


def _task_view(project, worker, task_id):
    task = project["tasks"].get(task_id, {})
    return {"id": "task_%s_%s" % (worker["id"][len("worker_"):], task_id), "slug": task_id,
            "filePath": "src/trigger/%s.ts" % task_id, "triggerSource": task.get("type", "STANDARD"),
            "createdAt": iso(worker["createdAt"]), "payloadSchema": None, "queueConfig": {"name": "task/" + task_id}}


def worker_by_tag(state, req, ref, env_slug, tag):
    cred = req.cred
    if not auth.is_access_token(cred):
        raise ApiError(401, "Invalid or Missing Access Token")
    if env_slug not in ENV_SLUGS:
        raise ApiError(400, "Invalid Params")
    project = auth.pat_project(state, ref)
    env = auth.pat_env(state, project, env_slug, auth.branch_header(req.headers), oat=cred.kind == "oat")
    worker = runs.env_worker(state, env)
    if worker is None or (env["type"] != "DEVELOPMENT" and tag != "current"):
        raise ApiError(404, "Worker not found")
    tasks = [_task_view(project, worker, task_id) for task_id in sorted(worker["tasks"])]
    body = {
        "worker": {"id": worker["id"], "version": worker["version"], "engine": worker["engine"], "sdkVersion": worker["sdkVersion"],
                   "cliVersion": worker["cliVersion"], "tasks": tasks},
        "urls": {"runs": "%s/orgs/demo-org/projects/%s/env/%s/runs?versions=%s" % (state.api_url, project["slug"], env["slug"], worker["version"])},
    }
    return Response(200, body)


def control_set_worker(state, body):
    """POST /_emulator/workers {project, environment, branch?, tasks, version?, connected?}: deploy a version (to a
    preview branch with ``branch``) / (dis)connect `trigger dev`.

    tasks are ids or {"id", "type": STANDARD|SCHEDULED}; runs parked in PENDING_VERSION for a task the new version has run."""
    project = state.project(body.get("project", "proj_demo"))
    if project is None:
        raise ApiError(404, "Project not found")
    stored = ENV_SLUGS.get(body.get("environment", "dev"), (None,))[0]
    env = state.root_env(project, stored) if stored else None
    if env is not None and body.get("branch") is not None:
        env = state.branch_env(project, env["id"], body["branch"]) if env["type"] == "PREVIEW" else None
    if env is None:
        raise ApiError(404, "Environment not found")
    current = env.get("worker")
    tasks = body.get("tasks")
    if tasks is None:  # by default the same tasks again (a branch: its parent's)
        parent = state.env_by_id(env["parentId"]) if env["parentId"] else None
        source = current or (parent or {}).get("worker")
        tasks = list(source["tasks"]) if source else []
    if not isinstance(tasks, list):
        raise ApiError(400, "tasks must be a list")
    ids = []
    for task in tasks:
        task_id, kind = (task, None) if isinstance(task, str) else ((task.get("id"), task.get("type", "STANDARD")) if isinstance(task, dict) else (None, None))
        if not isinstance(task_id, str) or not task_id or kind not in (None,) + TASK_KINDS:
            raise ApiError(400, "each task is an id or {\"id\": ..., \"type\": \"STANDARD\"|\"SCHEDULED\"}")
        if kind is not None:
            project["tasks"].setdefault(task_id, {"id": task_id, "behaviour": "success", "duration": 1})["type"] = kind
        ids.append(task_id)
    connected = body.get("connected", True)
    version = body.get("version") or (current["version"] if current and set(ids) == set(current["tasks"]) else _next_version(current))
    if not isinstance(connected, bool) or not isinstance(version, str):
        raise ApiError(400, "connected must be a boolean and version a string")
    now = now_ms()
    worker = new_worker(state.new_id("worker_"), ids, version=version, connected=connected, created=now)
    runs.set_worker(state, project, env, worker, now)
    return {"environment": env["slug"], "version": version, "tasks": sorted(ids), "connected": connected}


def _next_version(current):
    if current is None:
        return "20240101.1"
    date, _sep, number = current["version"].partition(".")
    return "%s.%d" % (date, int(number or 0) + 1)
