"""Queues: list, retrieve, pause/resume, concurrency override and reset (docs/dev/protocol.md#queues).

Server: routes/api.v1.queues.ts, api.v1.queues.$queueParam.ts, api.v1.queues.$queueParam.pause.ts,
api.v1.queues.$queueParam.concurrency.override.ts, api.v1.queues.$queueParam.concurrency.reset.ts;
presenters/v3/QueueListPresenter.server.ts, QueueRetrievePresenter.server.ts (getQueue, toQueueItem),
queueListPagination.server.ts; v3/services/pauseQueue.server.ts, concurrencySystem.server.ts;
v3/services/createBackgroundWorker.server.ts (queue rows are upserted when a worker is built).

Queue rows live in ``env["queues"]`` keyed by name (`state.new_queue`). `running` and `queued` are counted from the
emulator's runs: QUEUED runs of the queue are queued, EXECUTING ones running. Limits above 0 are stored and reported
but not enforced; a paused queue or a limit of 0 keeps its runs QUEUED (`runs.dequeue_blocked`).
"""

import math
import re

from . import auth, runs
from .state import DEFAULT_ENV_CONCURRENCY, new_queue
from .util import ApiError, Response, iso, js_type, now_ms, zod_validation_error
from .zodcheck import MISSING, enum_issues, js_decode_uri_component, js_number, number_issues, type_issue

DEFAULT_PER_PAGE = 25   # QUEUE_LIST_DEFAULT_ITEMS_PER_PAGE
MAX_PER_PAGE = 100
QUEUE_TYPES = ("task", "custom", "id")   # RetrieveQueueType (core/v3/schemas/queues.ts)
RUNNING = ("EXECUTING", "DEQUEUED", "RETRYING_AFTER_FAILURE")
EXACTLY_ONE = "Provide exactly one of `concurrencyLimit` or `percent`"


def env_limit(env):
    return env.get("maximumConcurrencyLimit", DEFAULT_ENV_CONCURRENCY)


# ---------------------------------------------------------------- rows and views

def sanitize_name(name):
    """models/taskQueue.server.ts sanitizeQueueName."""
    return re.sub(r"[^a-zA-Z0-9_\-/]", "", name)[:128]


def _upsert(state, env, raw_name, limit, kind):
    """createWorkerQueue + upsertWorkerQueueRecord: the base limit is clamped to the environment's; an overridden queue keeps
    its limit and takes the new base, another takes the new limit. `kind` is (orderable name, VIRTUAL | NAMED)."""
    orderable, queue_type = kind
    name = sanitize_name(raw_name)
    base = None if limit is None else max(min(limit, env_limit(env)), 0)
    queues = env.setdefault("queues", {})
    row = queues.get(name)
    if row is None:
        queues[name] = new_queue(state.new_id("queue_"), name, orderable, queue_type, base)
        return queues[name]
    row["orderableName"] = orderable
    if row["overriddenAt"] is not None:
        row["concurrencyLimitBase"] = base
    else:
        row["concurrencyLimit"] = base
    return row


def sync_worker(state, env, worker, now):
    """The queue rows a new worker brings (declared custom queues, then each task's queue); called when it is built,
    promoted or not. Existing rows are updated, none is removed, pause states stay."""
    runs.freeze_env(state, env, now)
    declared = set()
    for spec in worker.get("queues") or []:
        declared.add(_upsert(state, env, spec["name"], spec.get("concurrencyLimit"), (spec["name"], "NAMED"))["name"])
    for task_id in worker["tasks"]:
        config = (worker.get("taskQueues") or {}).get(task_id) or {}
        if config.get("name") in declared:
            continue
        _upsert(state, env, config.get("name") or "task/" + task_id, config.get("concurrencyLimit"),
                (task_id, "NAMED" if config.get("name") else "VIRTUAL"))
    state.touch()


def _counts(state, env):
    """{queue name: [queued, running]} from the environment's runs (the run queue's lengths and concurrency)."""
    counts = {}
    now = now_ms()
    for run in state.data["runs"].values():
        if run["envId"] != env["id"] or run.get("fixed") in runs.FINAL:
            continue
        status = runs.timeline(state, run, now)[0]
        slot = 0 if status == "PENDING" else 1 if status in RUNNING else None
        if slot is not None:
            counts.setdefault(run.get("queue"), [0, 0])[slot] += 1
    return counts


def _number(value):
    return int(value) if isinstance(value, float) and value.is_integer() else value


def queue_item(row, counts, with_percent=False):
    """toQueueItem (QueueRetrievePresenter.server.ts); the list and retrieve add concurrencyLimitOverridePercent.
    overriddenBy is a user's name for dashboard overrides, null for the API's."""
    queued, running = counts.get(row["name"], (0, 0))
    item = {
        "id": row["id"], "name": re.sub(r"^task/", "", row["name"]), "type": "custom" if row["type"] == "NAMED" else "task",
        "running": running, "queued": queued, "paused": row["paused"], "concurrencyLimit": row["concurrencyLimit"],
        "concurrency": {
            "current": row["concurrencyLimit"], "base": row["concurrencyLimitBase"],
            "override": row["concurrencyLimit"] if row["overriddenAt"] is not None else None,
            "overriddenBy": None, "overriddenAt": iso(row["overriddenAt"]),
        },
        "releaseConcurrencyOnWaitpoint": True,
    }
    if with_percent:
        item["concurrencyLimitOverridePercent"] = _number(row["overridePercent"])
    return item


# ---------------------------------------------------------------- lookups and request checks

def _query_error(issues):
    return ApiError(400, {"error": "Query Error", "details": issues})


def _positive_int(query, name, path):
    if name not in query:
        return None, []
    value = js_number(query[name])
    issues, _aborted = number_issues(value, path, integer=True, bounds=[("min", 0, False, None)])
    return value, issues


def _find(env, param, queue_type):
    """getQueue / findQueueFromInput: an id, or a name (decoded once more; a task name gets its task/ prefix)."""
    queues = (env.get("queues") or {}).values()
    if queue_type == "id":
        return next((row for row in queues if row["id"] == param), None)
    name = js_decode_uri_component(param)
    if name is None:
        raise ApiError(500, "Internal Server Error")   # decodeURIComponent throws a URIError
    name = name.replace("%2F", "/")
    if queue_type == "task":
        name = "task/" + re.sub(r"^task/", "", name)
    return (env.get("queues") or {}).get(name)


def _action_body(req):
    """The action route builder's body reading: empty, then unparseable or falsy JSON (safeJsonParse)."""
    if not req.body:
        raise ApiError(400, "Request body is empty")
    body = req.json_or(ValueError)
    if body is ValueError or (not body and not isinstance(body, (dict, list))):
        raise ApiError(400, "Invalid JSON")
    if not isinstance(body, dict):
        raise ApiError(400, zod_validation_error([type_issue([], "object", body)]))
    return body


def _body_type(body, issues):
    if "type" not in body:
        return "id", False
    found, aborted = enum_issues(body["type"], ["type"], QUEUE_TYPES)
    issues.extend(found)
    return body["type"], aborted


def _raise_if(issues):
    if issues:
        raise ApiError(400, zod_validation_error(issues))


# ---------------------------------------------------------------- routes

def list_queues(state, req):
    """GET /api/v1/queues?page=&perPage= (name order; offset pagination with the total)."""
    _project, env = auth.resolve_secret_key(state, req, auth.RBAC)
    page, issues = _positive_int(req.query, "page", ["page"])
    per_page, more = _positive_int(req.query, "perPage", ["perPage"])
    if issues or more:
        raise _query_error(issues + more)
    page = int(page or 1)
    size = min(int(per_page), MAX_PER_PAGE) if per_page is not None else DEFAULT_PER_PAGE
    rows = sorted((env.get("queues") or {}).values(), key=lambda row: (row["orderableName"], row["name"]))
    counts = _counts(state, env)
    data = [queue_item(row, counts, with_percent=True) for row in rows[(page - 1) * size:page * size]]
    return Response(200, {"data": data, "pagination": {"currentPage": page, "totalPages": math.ceil(len(rows) / size), "count": len(rows)}})


def retrieve_queue(state, req, param):
    """GET /api/v1/queues/{queue}?type=id|task|custom."""
    _project, env = auth.resolve_secret_key(state, req, auth.RBAC)
    queue_type = req.query.get("type", "id")
    issues, _aborted = enum_issues(queue_type, ["type"], QUEUE_TYPES)
    if issues:
        raise _query_error(issues)
    row = _find(env, param, queue_type)
    if row is None:
        raise ApiError(404, "queue-not-found")
    return Response(200, queue_item(row, _counts(state, env), with_percent=True))


def pause_queue(state, req, param):
    """POST /api/v1/queues/{queue}/pause {type?, action: pause|resume}: idempotent; the limit and any override stay."""
    _project, env = auth.resolve_secret_key(state, req, auth.RBAC)
    body = _action_body(req)
    issues = []
    queue_type, _aborted = _body_type(body, issues)
    found, _aborted = enum_issues(body.get("action", MISSING), ["action"], ("pause", "resume"))
    _raise_if(issues + found)
    row = _find(env, param, queue_type)
    if row is None:
        raise ApiError(404, "queue-not-found")
    runs.freeze_env(state, env, now_ms(), queue=row["name"])
    row["paused"] = body["action"] == "pause"
    state.touch()
    return Response(200, queue_item(row, _counts(state, env)))


def _override_body(body):
    """BodySchema of the override route: type, concurrencyLimit (integer 0-100000) or percent (0 < p <= 100), exactly one."""
    issues = []
    _queue_type, aborted = _body_type(body, issues)
    if "concurrencyLimit" in body:
        found, stop = number_issues(body["concurrencyLimit"], ["concurrencyLimit"], integer=True,
                                    bounds=[("min", 0, True, None), ("max", 100000, True, None)])
        issues += found
        aborted = aborted or stop
    if "percent" in body:
        found, stop = number_issues(body["percent"], ["percent"], bounds=[("min", 0, False, None), ("max", 100, True, None)])
        issues += found
        aborted = aborted or stop
    if not aborted and ("concurrencyLimit" in body) == ("percent" in body):
        issues.append({"code": "custom", "message": EXACTLY_ONE, "path": []})
    _raise_if(issues)


def override_concurrency(state, req, param):
    """POST /api/v1/queues/{queue}/concurrency/override: an absolute limit up to the environment's, or a percent of it
    (floored, at least 1); the first override keeps the limit it replaces as the base."""
    _project, env = auth.resolve_secret_key(state, req, auth.RBAC)
    body = _action_body(req)
    _override_body(body)
    row = _find(env, param, body.get("type", "id"))
    if row is None:
        raise ApiError(404, "Queue not found")
    maximum = env_limit(env)
    percent = body.get("percent")
    if percent is not None:
        limit = min(max(math.floor(maximum * percent / 100), 1), maximum)
    else:
        limit = _number(body["concurrencyLimit"])
        if limit > maximum:
            raise ApiError(400, "Concurrency limit (%s) cannot exceed the environment limit (%s)" % (limit, maximum))
    now = now_ms()
    runs.freeze_env(state, env, now, queue=row["name"])
    if row["overriddenAt"] is None:
        row["concurrencyLimitBase"] = row["concurrencyLimit"]
    row.update(concurrencyLimit=limit, overridePercent=percent, overriddenAt=now)
    state.touch()
    return Response(200, queue_item(row, _counts(state, env)))


def reset_concurrency(state, req, param):
    """POST /api/v1/queues/{queue}/concurrency/reset {type?}: back to the base; a queue without an override is a 400."""
    _project, env = auth.resolve_secret_key(state, req, auth.RBAC)
    body = _action_body(req)
    issues = []
    queue_type, _aborted = _body_type(body, issues)
    _raise_if(issues)
    row = _find(env, param, queue_type)
    if row is None:
        raise ApiError(404, "Queue not found")
    if row["overriddenAt"] is None:
        raise ApiError(400, "Queue is not overridden")
    runs.freeze_env(state, env, now_ms(), queue=row["name"])
    row.update(concurrencyLimit=row["concurrencyLimitBase"], concurrencyLimitBase=None, overridePercent=None, overriddenAt=None)
    state.touch()
    return Response(200, queue_item(row, _counts(state, env)))


def recalculate_percent_limits(env):
    """concurrencySystem.queues.recalculatePercentLimits, run when the environment's limit changes."""
    for row in (env.get("queues") or {}).values():
        if row["overridePercent"] is not None:
            maximum = env_limit(env)
            row["concurrencyLimit"] = min(max(math.floor(maximum * row["overridePercent"] / 100), 1), maximum)


def parse_queue_specs(specs):
    """Control API: worker-level custom queues [{"name", "concurrencyLimit"?}]."""
    if specs is None:
        return []
    if not isinstance(specs, list) or not all(isinstance(spec, dict) and isinstance(spec.get("name"), str) and spec["name"] for spec in specs):
        raise ApiError(400, "queues must be a list of {\"name\": ..., \"concurrencyLimit\": N}")
    for spec in specs:
        _check_limit(spec.get("concurrencyLimit"))
    return [{"name": spec["name"], "concurrencyLimit": spec.get("concurrencyLimit")} for spec in specs]


def _check_limit(limit):
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise ApiError(400, "concurrencyLimit must be a non-negative integer or null, got %s" % js_type(limit))
