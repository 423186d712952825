"""The environment's current worker: GET /api/v1/projects/{ref}/{env}/workers/{tag}, and the control API that deploys.

Server: routes/api.v1.projects.$projectRef.$env.workers.$tagName.ts; v3/models/workerDeployment.server.ts
(in dev the latest worker whatever the tag; elsewhere the deployment promoted under that label, "current")."""

from . import auth, deployments, queues, runs
from .state import ENV_SLUGS
from .util import ApiError, Response, iso, now_ms


def _queue_config(worker, task_id):
    config = dict((worker.get("taskQueues") or {}).get(task_id) or {})
    config.setdefault("name", "task/" + task_id)
    return config


def _task_view(project, worker, task_id):
    task = project["tasks"].get(task_id, {})
    return {"id": "task_%s_%s" % (worker["id"][len("worker_"):], task_id), "slug": task_id,
            "filePath": "src/trigger/%s.ts" % task_id, "triggerSource": task.get("type", "STANDARD"),
            "createdAt": iso(worker["createdAt"]), "payloadSchema": None, "queueConfig": _queue_config(worker, task_id)}


def worker_by_tag(state, req, ref, env_slug, tag):
    cred = req.cred
    if not auth.is_access_token(cred):
        raise ApiError(401, "Invalid or Missing Access Token")
    if env_slug not in ENV_SLUGS:
        raise ApiError(400, "Invalid Params")
    project = auth.pat_project(state, ref, cred)
    env = auth.pat_env(state, project, env_slug, auth.branch_header(req.headers), oat=cred.kind == "oat", user_id=cred.user_id)
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

    tasks are ids or {"id", "type": STANDARD|SCHEDULED, "queue": {"name"?, "concurrencyLimit"?}}, queues [{"name", "concurrencyLimit"?}]
    (both default to the current worker's, a branch's parent's); runs parked in PENDING_VERSION for a task the new version has
    run. Outside dev the version is also recorded as a DEPLOYED deployment, promoted to current; queue rows are upserted."""
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
    connected = body.get("connected", True)
    version = body.get("version")
    if not isinstance(connected, bool) or (version is not None and not isinstance(version, str)):
        raise ApiError(400, "connected must be a boolean and version a string")
    now = now_ms()
    worker = deployments.build_worker(state, project, env, body, now)
    version = worker["version"] = version or (current["version"] if current and set(worker["tasks"]) == set(current["tasks"]) else _next_version(current))
    runs.set_worker(state, project, env, worker, now)
    queues.sync_worker(state, env, worker, now)
    if env["type"] != "DEVELOPMENT":
        deployments.record_deployed(state, env, worker, now)
    return {"environment": env["slug"], "version": version, "tasks": sorted(worker["tasks"]), "connected": connected}


def _next_version(current):
    if current is None:
        return "20240101.1"
    date, _sep, number = current["version"].partition(".")
    return "%s.%d" % (date, int(number or 0) + 1)
