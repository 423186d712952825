"""Deployments: list, retrieve, latest, current, promote, cancel, and the control API that seeds them
(docs/dev/protocol.md#deployments).

Server: routes/api.v1.deployments.ts (list: a route-builder loader), api.v1.deployments.$deploymentId.ts,
api.v1.deployments.latest.ts, api.v1.deployments.current.ts (route builder), api.v1.deployments.$deploymentVersion.promote.ts,
api.v1.deployments.$deploymentId.cancel.ts; v3/services/changeCurrentDeployment.server.ts (promotion rules),
v3/services/deployment.server.ts and failDeployment.server.ts (cancel, final statuses), v3/utils/calculateNextBuildVersion.ts,
core/v3/isomorphic/deploymentVersions.ts (version order), core/v3/isomorphic/dates.ts (parseDate),
core/v3/schemas/api.ts (ApiDeploymentListSearchParams, GetDeploymentResponseBody, CancelDeploymentRequestBody).

Rows live in ``state.data["deployments"]`` in creation order (the server lists by its time-ordered ids, newest first);
each environment's ``currentDeployment`` is its "current" promotion. Promoting makes the deployment's worker the
environment's worker: its tasks are what runs and what `workers/current` returns.
"""

import copy
import datetime
import math
import re
import string

from . import auth, queues, runs
from .state import new_deployment, new_worker
from .util import UTC, ApiError, Response, iso, now_ms, parse_date_ms, parse_period_ms
from .zodcheck import enum_issues, js_number, number_issues, string_issues, type_issue

STATUSES = ("PENDING", "INSTALLING", "BUILDING", "DEPLOYING", "DEPLOYED", "FAILED", "CANCELED", "TIMED_OUT")
LIST_STATUSES = ("PENDING", "BUILDING", "DEPLOYING", "DEPLOYED", "FAILED", "CANCELED", "TIMED_OUT")
FINAL = ("CANCELED", "DEPLOYED", "FAILED", "TIMED_OUT")   # FINAL_DEPLOYMENT_STATUSES
TYPES = ("MANAGED", "UNMANAGED", "V1")
NANOID = string.ascii_letters + string.digits + "_-"
NOT_FOUND = "Deployment not found"
NOT_EMULATED = Response(501, {"error": "Creating deployments (POST /api/v1/deployments) is not emulated: seed them with POST /_emulator/deployments"})


# ---------------------------------------------------------------- rows

def _rows(state):
    rows = state.data.setdefault("deployments", {})
    _settle(rows)
    return rows


def _settle(rows):
    """A seeded deployment with a next status (the build or deploy finishing) takes it once the emulator's clock passes
    its time; a deployment canceled before then keeps CANCELED."""
    now = None
    for row in rows.values():
        step = row.get("nextStatus")
        if step is None:
            continue
        if row["status"] in FINAL:
            row["nextStatus"] = None
            continue
        now = now_ms() if now is None else now
        if now >= step["at"]:
            row.update(status=step["status"], nextStatus=None)
            if step["status"] == "DEPLOYED":
                row["deployedAt"] = step["at"]


def env_deployments(state, env):
    """The environment's deployments, newest first."""
    return [row for row in reversed(list(_rows(state).values())) if row["envId"] == env["id"]]


def current(state, env):
    return _rows(state).get(env.get("currentDeployment") or "")


def _version_parts(version):
    """`const [date = "", number] = version.split(".")`, the number as Number() reads it (NaN when absent)."""
    date, dot, rest = version.partition(".")
    return date, js_number(rest.split(".")[0]) if dot else math.nan


def compare_versions(left, right):
    """compareDeploymentVersions: the date part as strings, then the build number (NaN compares as equal)."""
    date_a, num_a = _version_parts(left)
    date_b, num_b = _version_parts(right)
    if date_a != date_b:
        return -1 if date_a < date_b else 1
    if num_a < num_b:
        return -1
    if num_a > num_b:
        return 1
    return 0


def next_version(newest):
    """calculateNextBuildVersion: YYYYMMDD.N, counting up within the (emulator's) day."""
    today = datetime.datetime.fromtimestamp(now_ms() / 1000.0, UTC).strftime("%Y%m%d")
    if not newest:
        return today + ".1"
    date, _sep, number = newest.partition(".")
    if date != today:
        return today + ".1"
    digits = re.match(r"\s*([+-]?\d+)", number.split(".")[0])   # parseInt(buildNumber, 10) + 1
    return "%s.%s" % (date, int(digits.group(1)) + 1 if digits else "NaN")


# ---------------------------------------------------------------- views

def _worker_view(row):
    worker = row.get("worker")
    if worker is None:
        return None
    suffix = worker["id"][len("worker_"):]
    tasks = [{"id": "task_%s_%s" % (suffix, task_id), "slug": task_id, "filePath": "src/trigger/%s.ts" % task_id, "exportName": task_id}
             for task_id in worker["tasks"]]
    return {"id": worker["id"], "version": worker["version"], "tasks": tasks}


def list_item(row):
    """An item of the list (api.v1.deployments.ts): deployedAt and git are null when unset, error only when set."""
    item = {"id": row["id"], "createdAt": iso(row["createdAt"]), "shortCode": row["shortCode"], "version": row["version"],
            "runtime": row["runtime"], "runtimeVersion": row["runtimeVersion"], "status": row["status"],
            "deployedAt": iso(row["deployedAt"]), "git": row["git"]}
    if row["errorData"] is not None:
        item["error"] = row["errorData"]
    return item


def current_item(row):
    """api.v1.deployments.current.ts: like a list item, but deployedAt, git and error are left out when unset."""
    return {key: value for key, value in list_item(row).items() if value is not None or key in ("runtime", "runtimeVersion")}


def retrieve_body(row):
    """api.v1.deployments.$deploymentId.ts; worker left out when there is none, integrationDeployments always (none here)."""
    body = {"id": row["id"], "status": row["status"], "contentHash": row["contentHash"], "shortCode": row["shortCode"],
            "version": row["version"], "imageReference": row["imageReference"], "imagePlatform": row["imagePlatform"],
            "commitSHA": row["commitSHA"], "externalBuildData": row["externalBuildData"], "errorData": row["errorData"],
            "canceledReason": row["canceledReason"]}
    worker = _worker_view(row)
    if worker is not None:
        body["worker"] = worker
    return body


# ---------------------------------------------------------------- list

def _list_issues(query):
    issues = []
    if "status" in query:
        issues += enum_issues(query["status"], ["status"], LIST_STATUSES)[0]
    if "page[size]" in query:
        issues += number_issues(js_number(query["page[size]"]), ["page[size]"],
                                bounds=[("min", 1, True, "Limit must be at least 1"), ("max", 100, True, "Limit must be less than 100")])[0]
    return issues


def _parse_date(text):
    """core/v3/isomorphic/dates.ts parseDate: 10 digits are seconds, 13 milliseconds, other digit runs nothing."""
    if text.isdigit():
        return int(text) * 1000 if len(text) == 10 else int(text) if len(text) == 13 else None
    return parse_date_ms(text)


def _window(query, now):
    """getCreatedAtFilter: period, else from (with or without to); `to` alone is ignored. What it cannot read is a
    ServiceValidationError thrown inside the route builder's handler, which answers it with a 500."""
    period, start, end = query.get("period"), query.get("from"), query.get("to")
    if period:
        span = parse_period_ms(period)
        if not span:
            raise ApiError(500, "Internal Server Error")
        return now - span, now
    if start:
        lower = _parse_date(start)
        upper = _parse_date(end) if end else None
        if lower is None or (end and upper is None):
            raise ApiError(500, "Internal Server Error")
        return lower, upper
    return None, None


def list_deployments(state, req):
    """GET /api/v1/deployments: newest first, page[size] 1-100 read as at least 5 (default 20), page[after] = a deployment id
    of this environment (an unknown one is ignored), filters status and period | from [+ to]."""
    _project, env = auth.resolve_secret_key(state, req, auth.RBAC)
    issues = _list_issues(req.query)
    if issues:
        raise ApiError(400, {"error": "Query Error", "details": issues})
    size = js_number(req.query["page[size]"]) if "page[size]" in req.query else 20
    limit = max(min(size, 100), 5)
    if limit != int(limit):
        raise ApiError(500, "Internal Server Error")   # Prisma refuses a fractional `take`
    limit = int(limit)
    lower, upper = _window(req.query, now_ms())
    rows = env_deployments(state, env)
    after = req.query.get("page[after]")
    position = next((index for index, row in enumerate(rows) if row["id"] == after), None) if after else None
    if position is not None:
        rows = rows[position + 1:]
    status = req.query.get("status")
    rows = [row for row in rows if (lower is None or row["createdAt"] >= lower) and (upper is None or row["createdAt"] <= upper)
            and (not status or row["status"] == status)]
    page = rows[:limit]
    pagination = {"next": page[-1]["id"]} if len(rows) > limit else {}
    return Response(200, {"data": [list_item(row) for row in page], "pagination": pagination})


# ---------------------------------------------------------------- single deployments

def _by_id(state, env, deployment_id):
    row = _rows(state).get(deployment_id)
    return row if row is not None and row["envId"] == env["id"] else None


def retrieve(state, req, deployment_id):
    _project, env = auth.resolve_secret_key(state, req, auth.RBAC)
    row = _by_id(state, env, deployment_id)
    if row is None:
        raise ApiError(404, NOT_FOUND)
    return Response(200, retrieve_body(row))


def latest(state, req):
    """GET /api/v1/deployments/latest: the newest UNMANAGED (self-hosted worker) deployment only."""
    _project, env = auth.resolve_secret_key(state, req, auth.RBAC)
    rows = sorted((row for row in env_deployments(state, env) if row["type"] == "UNMANAGED"), key=lambda row: row["createdAt"], reverse=True)
    if not rows:
        raise ApiError(404, NOT_FOUND)
    row = rows[0]
    return Response(200, {"id": row["id"], "status": row["status"], "contentHash": row["contentHash"], "shortCode": row["shortCode"],
                          "version": row["version"], "imageReference": row["imageReference"], "errorData": row["errorData"]})


def retrieve_current(state, req):
    """GET /api/v1/deployments/current: the "current" promotion; none is the route builder's 404."""
    _project, env = auth.resolve_secret_key(state, req, auth.RBAC)
    row = current(state, env)
    if row is None:
        raise ApiError(404, "Not found", headers={"x-should-retry": "false"})
    return Response(200, current_item(row))


def promotion_error(state, env, row, allow_rollbacks):
    """ChangeCurrentDeploymentService.call("promote") checks, in order; None when the promotion may go ahead."""
    if row.get("worker") is None:
        return "Deployment is not associated with a worker and cannot be promoted."
    if row["status"] != "DEPLOYED":
        return "Deployment must be in the DEPLOYED state to be promoted."
    active = current(state, env)
    if active is None:
        return None
    if active["id"] == row["id"]:
        return "Deployment is already the current deployment."
    if not allow_rollbacks and compare_versions(active["version"], row["version"]) >= 0:
        return "Cannot promote a deployment that is older than the current deployment."
    return None


def make_current(state, project, env, row, now):
    """Point the environment's "current" label at the deployment; its worker takes over dequeuing."""
    env["currentDeployment"] = row["id"]
    runs.set_worker(state, project, env, copy.deepcopy(row["worker"]), now)


def promote(state, req, version):
    """POST /api/v1/deployments/{version}/promote[?allowRollbacks=true] -> {id, version, shortCode}."""
    project, env = auth.resolve_secret_key(state, req, auth.RBAC)
    allow_rollbacks = (req.query_multi.get("allowRollbacks") or [None])[0] == "true"   # URLSearchParams.get: the first value
    row = next((row for row in env_deployments(state, env) if row["version"] == version), None)
    if row is None:
        raise ApiError(404, NOT_FOUND)
    error = promotion_error(state, env, row, allow_rollbacks)
    if error:
        raise ApiError(400, error)
    make_current(state, project, env, row, now_ms())
    return Response(200, {"id": row["id"], "version": row["version"], "shortCode": row["shortCode"]})


def _cancel_body(req):
    """CancelDeploymentRequestBody; a body that is not JSON counts as {} (tryCatch(request.json()))."""
    body = req.json_or(None)
    if body is None:
        return {}
    issues = [] if isinstance(body, dict) else [type_issue([], "object", body)]
    if not issues and "reason" in body:
        issues = string_issues(body["reason"], ["reason"], 200, "Reason must be less than 200 characters")[0]
    if issues:
        raise ApiError(400, {"error": "Invalid request body", "issues": issues})
    return body


def cancel(state, req, deployment_id):
    """POST /api/v1/deployments/{id}/cancel {reason?}: 204; a deployment in a final state is a 409."""
    _project, env = auth.resolve_secret_key(state, req, auth.RBAC)
    body = _cancel_body(req)
    row = _by_id(state, env, deployment_id)
    if row is None:
        raise ApiError(404, NOT_FOUND)
    if row["status"] in FINAL:
        raise ApiError(409, "Deployment is already in a final state and cannot be canceled")
    row.update(status="CANCELED", canceledAt=now_ms(), canceledReason=body.get("reason"))
    state.touch()
    return Response(204, None)


# ---------------------------------------------------------------- control API

def parse_tasks(project, tasks):
    """Control API task specs: ids or {"id", "type": STANDARD|SCHEDULED, "queue": {"name"?, "concurrencyLimit"?}};
    returns (ids, {task id: queue config}) and registers the tasks' types."""
    if not isinstance(tasks, list):
        raise ApiError(400, "tasks must be a list")
    ids, task_queues = [], {}
    for task in tasks:
        spec = {"id": task} if isinstance(task, str) else task
        if not isinstance(spec, dict) or not isinstance(spec.get("id"), str) or not spec["id"] or \
                spec.get("type", "STANDARD") not in ("STANDARD", "SCHEDULED"):
            raise ApiError(400, "each task is an id or {\"id\": ..., \"type\": \"STANDARD\"|\"SCHEDULED\", \"queue\": {...}}")
        if "type" in spec:
            project["tasks"].setdefault(spec["id"], {"id": spec["id"], "behaviour": "success", "duration": 1})["type"] = spec["type"]
        queue = spec.get("queue")
        if queue is not None:
            if not isinstance(queue, dict) or not isinstance(queue.get("name", ""), str):
                raise ApiError(400, "a task's queue is {\"name\"?: ..., \"concurrencyLimit\"?: N}")
            queues.parse_queue_specs([{"name": "x", "concurrencyLimit": queue.get("concurrencyLimit")}])
            task_queues[spec["id"]] = {key: queue[key] for key in ("name", "concurrencyLimit") if queue.get(key) is not None}
        ids.append(spec["id"])
    return ids, task_queues


def build_worker(state, project, env, body, now):
    """A worker from a control request's tasks (default: the environment's current worker's, a branch's parent's), queues,
    version (None: the caller sets it) and connected flag."""
    source = env.get("worker")
    if source is None and env["parentId"]:
        source = (state.env_by_id(env["parentId"]) or {}).get("worker")
    if body.get("tasks") is None:
        ids, task_queues = list((source or {}).get("tasks") or []), dict((source or {}).get("taskQueues") or {})
    else:
        ids, task_queues = parse_tasks(project, body["tasks"])
    declared = queues.parse_queue_specs(body["queues"]) if body.get("queues") is not None else list((source or {}).get("queues") or [])
    worker = new_worker(state.new_id("worker_"), ids, version=body.get("version"), connected=body.get("connected", True) is not False, created=now)
    worker.update(taskQueues=task_queues, queues=declared)
    for task_id in ids:
        project["tasks"].setdefault(task_id, {"id": task_id, "type": "STANDARD", "behaviour": "success", "duration": 1})
    return worker


def record_deployed(state, env, worker, now):
    """POST /_emulator/workers outside dev: the version becomes a DEPLOYED deployment (the one of that version, if any) and current."""
    row = next((row for row in env_deployments(state, env) if row["version"] == worker["version"]), None)
    if row is None:
        row = new_deployment(state.new_id("deployment_"), env["id"], _short_code(state), worker["version"], now, worker)
        _rows(state)[row["id"]] = row
    row.update(status="DEPLOYED", worker=copy.deepcopy(worker), deployedAt=row["deployedAt"] or now)
    env["currentDeployment"] = row["id"]


def _free_version(rows):
    """createDeploymentWithNextVersion: the next version after the newest deployment's; on a collision, the one after that."""
    taken = {row["version"] for row in rows}
    newest = max(rows, key=lambda row: row["createdAt"])["version"] if rows else None
    version = next_version(newest)
    while version in taken and version.partition(".")[2].isdigit():
        version = "%s.%d" % (version.partition(".")[0], int(version.partition(".")[2]) + 1)
    return version


def _short_code(state):
    return "".join(state.rng.choice(NANOID) for _index in range(8))


def _control_env(state, body):
    project = state.project(body.get("project", "proj_demo"))
    if project is None:
        raise ApiError(404, "Project not found")
    slug = {"staging": "stg"}.get(body.get("environment", "prod"), body.get("environment", "prod"))
    env = state.root_env(project, slug)
    if env is not None and body.get("branch") is not None:
        env = state.branch_env(project, env["id"], body["branch"]) if env["type"] == "PREVIEW" else None
    if env is None:
        raise ApiError(404, "Environment not found")
    if env["type"] == "DEVELOPMENT":
        raise ApiError(400, "dev has no deployments (trigger dev registers workers, not deployments)")
    return project, env


def _control_fields(body, status, created):
    fields = {"status": status, "type": body.get("type", "MANAGED"), "createdAt": created,
              "deployedAt": body.get("deployed_at", created if status == "DEPLOYED" else None), "git": body.get("git"),
              "runtime": body.get("runtime"), "runtimeVersion": body.get("runtime_version"), "errorData": body.get("error")}
    if fields["type"] not in TYPES:
        raise ApiError(400, "type must be one of %s" % ", ".join(TYPES))
    if fields["deployedAt"] is not None:
        fields["deployedAt"] = parse_date_ms(fields["deployedAt"])
        if fields["deployedAt"] is None:
            raise ApiError(400, "deployed_at must be epoch milliseconds or an ISO date")
    if isinstance(fields["git"], dict) and fields["git"].get("commitSha"):
        fields["commitSHA"] = fields["git"]["commitSha"]
    return fields


def _control_next_status(body, status, created):
    """``next_status`` after ``next_status_after_ms`` (from creation): a deployment still in progress that finishes."""
    if body.get("next_status") is None:
        return None
    if status in FINAL or body["next_status"] not in FINAL:
        raise ApiError(400, "next_status needs a status in progress and is one of %s" % ", ".join(FINAL))
    after = body.get("next_status_after_ms", 0)
    if isinstance(after, bool) or not isinstance(after, int) or after < 0:
        raise ApiError(400, "next_status_after_ms must be a whole number of milliseconds, 0 or more")
    return {"status": body["next_status"], "at": created + after}


def control_seed(state, body):
    """POST /_emulator/deployments: add one deployment (see README "Control API"); with a worker its queues are upserted,
    with promote it becomes current without the version check."""
    project, env = _control_env(state, body)
    status = body.get("status", "DEPLOYED")
    if status not in STATUSES:
        raise ApiError(400, "status must be one of %s" % ", ".join(STATUSES))
    now = now_ms()
    created = parse_date_ms(body["created_at"]) if body.get("created_at") is not None else now
    if created is None:
        raise ApiError(400, "created_at must be epoch milliseconds or an ISO date")
    version = body.get("version") or _free_version(env_deployments(state, env))
    if not isinstance(version, str) or any(row["version"] == version for row in env_deployments(state, env)):
        raise ApiError(400, "version must be a string not yet deployed to this environment")
    next_status = _control_next_status(body, status, created)
    with_worker = body.get("worker", "DEPLOYED" in (status, next_status and next_status["status"]))
    if body.get("promote") and not with_worker:
        raise ApiError(400, "only a deployment with a worker can be promoted")
    fields = _control_fields(body, status, created)
    worker = build_worker(state, project, env, body, now) if with_worker else None
    if worker is not None:
        worker["version"] = version
    row = new_deployment(state.new_id("deployment_"), env["id"], _short_code(state), version, created, worker, nextStatus=next_status, **fields)
    _rows(state)[row["id"]] = row
    if worker is not None:
        queues.sync_worker(state, env, worker, now)
    if body.get("promote"):
        make_current(state, project, env, row, now)
    state.touch()
    return {"id": row["id"], "version": version, "shortCode": row["shortCode"], "status": status, "type": row["type"],
            "environment": env["slug"], "current": env.get("currentDeployment") == row["id"], "tasks": sorted(worker["tasks"]) if worker else []}
