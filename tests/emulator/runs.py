"""Runs, triggering and batches (docs/dev/protocol.md#runs, #triggering, #batches).

Run status is computed lazily from timestamps: a run waits `pace` in QUEUED, then
`pace * task.duration` in EXECUTING, then ends as the task's behaviour says.
"""

import base64
import bisect
import hashlib
import json
import re

from . import auth, cron
from .util import (ApiError, Response, b64url_decode, b64url_encode, iso, js_type, now_ms, parse_date_ms, parse_delay_ms, zod_coerced_int,
                   parse_idempotency_ttl_ms, parse_natural_duration_ms, parse_period_ms, stringify_duration, zod_message, zod_validation_error)

# internal status -> (modern name, legacy name)
STATUS_NAMES = {
    "PENDING_VERSION": ("PENDING_VERSION", "PENDING_VERSION"),
    "WAITING_FOR_DEPLOY": ("PENDING_VERSION", "WAITING_FOR_DEPLOY"),
    "DELAYED": ("DELAYED", "DELAYED"),
    "PENDING": ("QUEUED", "QUEUED"),
    "DEQUEUED": ("DEQUEUED", "EXECUTING"),
    "EXECUTING": ("EXECUTING", "EXECUTING"),
    "RETRYING_AFTER_FAILURE": ("EXECUTING", "REATTEMPTING"),
    "PAUSED": ("WAITING", "FROZEN"),
    "WAITING_TO_RESUME": ("WAITING", "FROZEN"),
    "COMPLETED_SUCCESSFULLY": ("COMPLETED", "COMPLETED"),
    "CANCELED": ("CANCELED", "CANCELED"),
    "COMPLETED_WITH_ERRORS": ("FAILED", "FAILED"),
    "INTERRUPTED": ("FAILED", "INTERRUPTED"),
    "CRASHED": ("CRASHED", "CRASHED"),
    "SYSTEM_FAILURE": ("SYSTEM_FAILURE", "SYSTEM_FAILURE"),
    "EXPIRED": ("EXPIRED", "EXPIRED"),
    "TIMED_OUT": ("TIMED_OUT", "TIMED_OUT"),
}
# filter[status] / seed name -> internal statuses
FILTER_STATUS = {
    "PENDING_VERSION": {"PENDING_VERSION", "WAITING_FOR_DEPLOY"}, "WAITING_FOR_DEPLOY": {"WAITING_FOR_DEPLOY"},
    "DELAYED": {"DELAYED"}, "QUEUED": {"PENDING"}, "DEQUEUED": {"DEQUEUED"}, "EXECUTING": {"EXECUTING"},
    "REATTEMPTING": {"RETRYING_AFTER_FAILURE"}, "WAITING": {"WAITING_TO_RESUME"}, "FROZEN": {"PAUSED", "WAITING_TO_RESUME"},
    "COMPLETED": {"COMPLETED_SUCCESSFULLY"}, "CANCELED": {"CANCELED"}, "FAILED": {"COMPLETED_WITH_ERRORS"},
    "INTERRUPTED": {"INTERRUPTED"}, "CRASHED": {"CRASHED"}, "SYSTEM_FAILURE": {"SYSTEM_FAILURE"},
    "EXPIRED": {"EXPIRED"}, "TIMED_OUT": {"TIMED_OUT"},
}
FINAL = {"COMPLETED_SUCCESSFULLY", "CANCELED", "COMPLETED_WITH_ERRORS", "INTERRUPTED", "CRASHED", "SYSTEM_FAILURE", "EXPIRED", "TIMED_OUT"}
MACHINES = ("micro", "small-1x", "small-2x", "medium-1x", "medium-2x", "large-1x", "large-2x")
MODERN_API_VERSION = "2025-07-16"
TRIGGER_MAX_BYTES = 3 * 1024 * 1024
BATCH_V2_MAX_BYTES = 1_000_000  # BATCH_TASK_PAYLOAD_MAXIMUM_SIZE
BATCH_V3_CREATE_MAX_BYTES = 128 * 1024
DAY_MS = 86_400_000
ASYNC_BATCH_THRESHOLD = 20


def modern(req):
    return req.headers.get("x-trigger-api-version") == MODERN_API_VERSION


# ---------------------------------------------------------------- status model

def env_worker(state, env):
    """The worker that dequeues an environment's runs. A preview branch has its own deployments (the server keys
    workers by environment, and a branch is an environment): until one is deployed to it, nothing runs there."""
    return env.get("worker") if env is not None else None


def _worker(state, run):
    return env_worker(state, state.env_by_id(run["envId"]))


def task_queue(env, task_id):
    """The queue a task's runs join: its queue in the environment's current worker, else its own task/<id>."""
    config = ((env.get("worker") or {}).get("taskQueues") or {}).get(task_id) or {}
    return config.get("name") or "task/" + task_id


def dequeue_blocked(state, run):
    """Nothing is dequeued from a paused environment, nor from a paused queue or one limited to 0: the run queue's limit is 0
    there (v3/runQueue.server.ts, v3/services/pauseEnvironment.server.ts, pauseQueue.server.ts)."""
    env = state.env_by_id(run["envId"])
    if env is None:
        return False
    if env.get("paused"):
        return True
    queue = (env.get("queues") or {}).get(run.get("queue"))
    return queue is not None and (queue["paused"] or queue["concurrencyLimit"] == 0)


def timeline(state, run, now):
    """(internal status, startedAt, finishedAt) at time `now`.

    A run waits DELAYED until its delay ends, then QUEUED until the environment's worker dequeues it
    (one pace later; never while no worker is connected). A run still QUEUED at its TTL expires. At
    dequeue a task the current worker does not have parks the run in PENDING_VERSION, where the TTL no
    longer applies, until a version with the task is deployed (see freeze_env). Otherwise it runs for
    pace x the task's duration and ends as the task's behaviour says.
    """
    if run.get("fixed"):
        return run["fixed"], run.get("startedAt"), run.get("finishedAt")
    start = run.get("delayUntil") or run["createdAt"]
    if now < start:
        return "DELAYED", None, None
    if run.get("parked"):
        return "PENDING_VERSION", None, None
    dequeued = run.get("dequeuedAt")
    if dequeued is None:
        worker = _worker(state, run)
        if worker and worker["connected"] and not dequeue_blocked(state, run):
            dequeued = max(start, run.get("readyAt") or start) + run["pace"]
        expiry = start + run["ttlMs"] if run.get("ttlMs") is not None and not run.get("dequeuedOnce") else None
        if expiry is not None and (dequeued is None or expiry < dequeued):
            return ("EXPIRED", None, expiry) if now >= expiry else ("PENDING", None, None)
        if dequeued is None or now < dequeued:
            return "PENDING", None, None
        if run["task"] not in worker["tasks"]:
            return "PENDING_VERSION", None, None
    finished = dequeued + run["pace"] * run.get("duration", 1)
    if now < finished:
        return "EXECUTING", dequeued, None
    final = {"success": "COMPLETED_SUCCESSFULLY", "fail": "COMPLETED_WITH_ERRORS", "crash": "CRASHED"}.get(run.get("behaviour"), "COMPLETED_SUCCESSFULLY")
    return final, dequeued, finished


def freeze_env(state, env, now, queue=None):
    """Fix what already happened in an environment (or one of its queues) before its worker, pause state or a queue limit
    changes (caller holds the lock)."""
    for run_id in state.data["runOrder"]:
        run = state.data["runs"][run_id]
        if run["envId"] != env["id"] or run.get("fixed") or run.get("parked") or (queue is not None and run.get("queue") != queue):
            continue
        internal, started, finished = timeline(state, run, now)
        if internal in FINAL:
            run.update(fixed=internal, startedAt=started, finishedAt=finished, version=_version(state, run, started))
        elif internal == "PENDING_VERSION":
            run["parked"] = True
        elif started is not None:
            run["dequeuedAt"] = started
            run["version"] = _version(state, run, started)
        elif internal == "PENDING":
            run["readyAt"] = max(run.get("readyAt") or 0, now)


def set_worker(state, project, env, worker, now):
    """Deploy / connect / disconnect: parked runs whose task the new worker has are queued again."""
    freeze_env(state, env, now)
    env["worker"] = worker
    for task_id in worker["tasks"]:
        project["tasks"].setdefault(task_id, {"id": task_id, "type": "STANDARD", "behaviour": "success", "duration": 1})
    for run_id in state.data["runOrder"]:
        run = state.data["runs"][run_id]
        if run["envId"] == env["id"] and run.get("parked") and run["task"] in worker["tasks"]:
            run.update(parked=False, readyAt=now, dequeuedOnce=True)
    state.touch()


def public_status(internal, is_modern):
    return STATUS_NAMES[internal][0 if is_modern else 1]


def _flags(status_name):
    queued = status_name in ("QUEUED", "WAITING_FOR_DEPLOY", "DELAYED", "PENDING_VERSION")
    executing = status_name in ("EXECUTING", "REATTEMPTING", "FROZEN", "DEQUEUED")
    completed = status_name in ("COMPLETED", "CANCELED", "FAILED", "CRASHED", "INTERRUPTED", "SYSTEM_FAILURE")
    return {
        "isQueued": queued, "isExecuting": executing, "isWaiting": status_name == "WAITING", "isCompleted": completed,
        "isSuccess": status_name == "COMPLETED", "isFailed": completed and status_name != "COMPLETED", "isCancelled": status_name == "CANCELED",
    }


def _version(state, run, started):
    """The worker version that ran it: known once dequeued."""
    if started is None:
        return None
    worker = _worker(state, run)
    return run.get("version") or (worker["version"] if worker else None)


def _common(state, run, now, is_modern):
    internal, started, finished = timeline(state, run, now)
    name = public_status(internal, is_modern)
    updated = max(t for t in (run["createdAt"], started, finished, run.get("updatedAt")) if t is not None)
    item = {
        "id": run["id"], "status": name, "taskIdentifier": run["task"],
        "idempotencyKey": run.get("idempotencyKey"), "version": _version(state, run, started),
        "createdAt": iso(run["createdAt"]), "updatedAt": iso(updated),
        "startedAt": iso(started), "finishedAt": iso(finished),
        "delayedUntil": iso(run.get("delayUntil")), "isTest": run.get("isTest", False), "ttl": run.get("ttl"),
        "expiredAt": iso(finished) if internal == "EXPIRED" else None,
        "tags": list(run.get("tags") or []),
        "costInCents": 0.0 if finished is None else 0.0034, "baseCostInCents": 0.0 if finished is None else 0.0025,
        "durationMs": (finished - started) if finished and started else 0,
        "depth": run.get("depth", 0), "metadata": run.get("metadata"), "region": run.get("region"),
    }
    item.update(_flags(name))
    item = {k: v for k, v in item.items() if v is not None}
    return item, internal


def list_item(state, run, now, is_modern):
    item, _internal = _common(state, run, now, is_modern)
    env = state.env_by_id(run["envId"])
    item["taskKind"] = run.get("taskKind", "STANDARD")   # the list has it (ApiRunListPresenter), retrieve does not
    item["env"] = {"id": run["envId"], "name": env["slug"] if env else "unknown"}
    if env and env.get("userName"):
        item["env"]["user"] = env["userName"]
    return item


def _payload_value(run):
    payload = run.get("payload")
    if run.get("payloadType") == "application/super+json" and isinstance(payload, str):
        try:
            return json.loads(payload).get("json")
        except (ValueError, AttributeError):
            return payload
    return payload


def _outcome(run, internal):
    if internal == "COMPLETED_SUCCESSFULLY":
        payload = _payload_value(run)
        if run["task"] == "hello-world":
            name = payload.get("name", "world") if isinstance(payload, dict) else "world"
            return {"output": {"message": "Hello, %s" % name}}
        return {"output": {"ok": True, "task": run["task"]}}   # the retrieve answer has no outputType
    if internal == "COMPLETED_WITH_ERRORS":
        return {"error": {"name": "Error", "message": "Task %s failed on purpose" % run["task"],
                          "stackTrace": "Error: Task %s failed on purpose\n    at run (src/trigger/%s.ts:5:11)" % (run["task"], run["task"])}}
    if internal == "CRASHED":
        return {"error": {"name": "TASK_PROCESS_EXITED_WITH_NON_ZERO_CODE", "message": "Task process exited with code 1"}}
    if internal == "CANCELED":
        return {"error": {"message": "Canceled by user"}}
    if internal == "EXPIRED":
        return {"error": {"message": "Run expired because the TTL (%s) was reached" % run.get("ttl")}}
    return {}


def _schedule_of(state, run):
    """resolveSchedule (ApiRetrieveRunPresenter): the schedule that started the run; a seeded run's made-up id keeps an
    empty generator."""
    project = state.project(run["project"]) or {}
    schedule = (project.get("schedules") or {}).get(run["scheduleId"])
    if schedule is None:
        return {"id": run["scheduleId"], "generator": {"type": "CRON", "expression": "", "description": ""}}
    item = {"id": schedule["id"]}
    if schedule.get("externalId"):
        item["externalId"] = schedule["externalId"]
    if schedule.get("userDedup"):
        item["deduplicationKey"] = schedule["dedupKey"]
    item["generator"] = {"type": "CRON", "expression": schedule["cron"], "description": cron.describe(schedule["cron"])}
    return item


def retrieve_body(state, run, now, is_modern):
    item, internal = _common(state, run, now, is_modern)
    _status, started, _finished = timeline(state, run, now)
    item.update({
        "depth": run.get("depth", 0), "triggerFunction": run.get("triggerFunction", "trigger"),
        "payload": _payload_value(run),
        "relatedRuns": {"children": []}, "attemptCount": 0 if started is None else 1, "attempts": [],
    })
    if run.get("batchId"):
        item["batchId"] = run["batchId"]
    if run.get("scheduleId"):
        item["schedule"] = _schedule_of(state, run)
    item.update(_outcome(run, internal))
    return item


# ---------------------------------------------------------------- creation

def _jwt_headers(env, *scopes):
    claims = {"sub": env["id"], "pub": True, "scopes": list(scopes)}
    header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("=")
    token = "%s.%s.%s" % (header, b64url_encode(claims), "emulator-signature")
    return {"x-trigger-jwt": token, "x-trigger-jwt-claims": json.dumps(claims, separators=(",", ":"))}


def new_run(state, project, env, task_id, payload=None, options=None, **extra):
    """Create a run (caller holds the lock). Any task id is accepted, deployed or not, as on engine V2."""
    options = options or {}
    now = extra.pop("createdAt", None) or now_ms()
    task = project["tasks"].get(task_id, {})
    tags = options.get("tags") or []
    if isinstance(tags, str):
        tags = [tags]
    run = {
        "id": state.new_id("run_"), "seq": state.next_seq(), "task": task_id, "envId": env["id"], "project": project["ref"],
        "createdAt": now, "payload": payload, "payloadType": options.get("payloadType", "application/json"),
        "tags": tags, "pace": int(state.settings["run_pace"] * 1000), "behaviour": task.get("behaviour", "success"),
        "duration": task.get("duration", 1), "isTest": bool(options.get("test", False)),
        "metadata": options.get("metadata"), "machine": options.get("machine"),
        # regionForDisplay of the worker queue: dev's is the environment itself (queues.server.ts getWorkerQueue, seen on the
        # real server); elsewhere the requested region, else the project's default
        "region": env["id"] if env["type"] == "DEVELOPMENT" else options.get("region") or project.get("defaultRegion"),
        "queue": (options.get("queue") or {}).get("name") or task_queue(env, task_id),
        "taskKind": "SCHEDULED" if task.get("type") == "SCHEDULED" else "STANDARD",
    }
    # per-trigger TTL, else dev's 10m default (runEngine/services/triggerTask.server.ts); a number is seconds
    ttl = options.get("ttl")
    if ttl is not None:
        ttl = ttl if isinstance(ttl, str) else stringify_duration(ttl)
    elif env["type"] == "DEVELOPMENT":
        ttl = "10m"
    if ttl:
        run["ttl"] = ttl
        run["ttlMs"] = parse_natural_duration_ms(ttl)
    until = parse_delay_ms(options.get("delay"), now)
    if until is not None:
        run["delayUntil"] = until
    run.update(extra)
    state.data["runs"][run["id"]] = run
    state.data["runOrder"].append(run["id"])
    state.touch()
    return run


_OPTION_TYPES = {
    "queue": "object", "concurrencyKey": "string", "delay": "string", "ttl": "string|number", "tags": "string|array",
    "maxAttempts": "number", "maxDuration": "number", "metadata": "any", "metadataType": "string", "machine": "string",
    "priority": "number", "region": "string", "lockToVersion": "string", "idempotencyKey": "string",
    "idempotencyKeyTTL": "string", "idempotencyKeyOptions": "object", "test": "boolean", "payloadType": "string",
    "debounce": "object", "parentRunId": "string", "payloadSize": "number",
}


def _type_issue(path, expected, value):
    return {"path": list(path), "message": "Expected %s, received %s" % (expected, js_type(value))}


def validate_item(body, path=()):
    """The trigger body / batch item schema (core/v3/schemas/api.ts); raises 400 with fromZodError's text."""
    if not isinstance(body, dict):
        raise ApiError(400, zod_validation_error([_type_issue(path, "object", body)]))
    issues = []
    options = body.get("options")
    opath = list(path) + ["options"]
    if options is not None and not isinstance(options, dict):
        issues.append(_type_issue(opath, "object", options))
    elif options:
        for field, expected in _OPTION_TYPES.items():
            value = options.get(field)
            allowed = expected.split("|")
            if value is not None and expected != "any" and js_type(value) not in allowed:
                if field == "tags":   # RunTags = string | string[] (a zod union: both branches are reported)
                    union = [_type_issue(opath + [field], kind, value)["message"] for kind in ("string", "array")]
                    issues.append({"path": opath + [field], "union": union})
                else:
                    issues.append(_type_issue(opath + [field], allowed[0], value))
        tags = options.get("tags")
        for index, tag in enumerate(tags if isinstance(tags, list) else [tags] if isinstance(tags, str) else []):
            tag_path = opath + ["tags", index] if isinstance(tags, list) else opath + ["tags"]
            if not isinstance(tag, str):
                issues.append(_type_issue(tag_path, "string", tag))
            elif len(tag) > 128:
                issues.append({"path": tag_path, "message": "Tags must be less than 128 characters"})
        attempts = options.get("maxAttempts")
        if isinstance(attempts, float) and not attempts.is_integer():
            issues.append({"path": opath + ["maxAttempts"], "message": "Expected integer, received float"})
        machine = options.get("machine")
        if isinstance(machine, str) and machine not in MACHINES:
            issues.append({"path": opath + ["machine"], "message": "Invalid enum value. Expected %s, received '%s'" % (
                " | ".join("'%s'" % m for m in MACHINES), machine)})
        if isinstance(options.get("idempotencyKey"), str) and len(options["idempotencyKey"]) > 2048:
            issues.append({"path": opath + ["idempotencyKey"], "message": "String must contain at most 2048 character(s)"})
        if isinstance(options.get("queue"), dict) and not isinstance(options["queue"].get("name", ""), str):
            issues.append(_type_issue(opath + ["queue", "name"], "string", options["queue"]["name"]))
    if issues:
        raise ApiError(400, zod_validation_error(issues))


def _items_issue(body):
    if not isinstance(body, dict):
        return _type_issue([], "object", body)
    if "items" not in body:
        return {"path": ["items"], "message": "Required"}
    return _type_issue(["items"], "array", body["items"])


def check_tag_count(body):
    """The trigger validator's rule, after the schema: 422 (runEngine/validators/triggerTaskValidator.ts)."""
    tags = (body.get("options") or {}).get("tags")
    if isinstance(tags, list) and len(tags) > 10:
        raise ApiError(422, "Runs can only have 10 tags, you're trying to set %d." % len(tags))


def _request_cache_get(state, scope, req, body_of):
    """x-trigger-request-idempotency-key: a replay would answer 200 with body_of(entity) (utils/requestIdempotency.server.ts).

    The route scopes the key to the environment and the task (or the sorted task set of a batch) as a SHA-256 hex digest
    (utils/requestIdempotencyKey.ts), and the cache only takes keys that are UUID v4 (services/requestIdempotency.server.ts
    isValidV4UUID): a digest never is, so at this server commit nothing is ever cached or replayed. Kept as the server has it."""
    key = req.headers.get("x-trigger-request-idempotency-key")
    if not key:
        return None, None
    cache_key = hashlib.sha256(json.dumps([key] + list(scope), separators=(",", ":")).encode("utf-8")).hexdigest()
    if not _is_uuid_v4(cache_key):
        return None, None
    hit = state.data["requestCache"].get(cache_key)
    if hit and hit["expiresAt"] > now_ms():
        body = body_of(hit["id"])
        if body is not None:
            return cache_key, Response(200, body)
    return cache_key, None


def _is_uuid_v4(text):
    return re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", text, re.IGNORECASE) is not None


def _request_cache_put(state, cache_key, entity_id):
    if cache_key:
        state.data["requestCache"][cache_key] = {"id": entity_id, "expiresAt": now_ms() + DAY_MS}


# A key is cleared, and a new run made, when its run ended like this (v3/taskStatus.ts shouldIdempotencyKeyBeCleared).
CLEARS_IDEMPOTENCY = {"COMPLETED_WITH_ERRORS", "CRASHED", "SYSTEM_FAILURE", "INTERRUPTED", "TIMED_OUT", "EXPIRED"}


def _trigger_one(state, project, env, task_id, item, headers=None, **extra):
    """Trigger honouring idempotency keys (runEngine/concerns/idempotencyKeys.server.ts); returns (run id, is_cached)."""
    options = item.get("options") or {}
    headers = headers or {}
    key = headers.get("idempotency-key") or options.get("idempotencyKey")
    now = now_ms()
    if key:
        ikey = "%s|%s|%s" % (env["id"], task_id, key)
        hit = state.data["idempotency"].get(ikey)
        old = state.data["runs"].get(hit["runId"]) if hit else None
        if old is not None:
            if hit["expiresAt"] >= now and timeline(state, old, now)[0] not in CLEARS_IDEMPOTENCY:
                return old["id"], True
            old["idempotencyKey"] = None
            del state.data["idempotency"][ikey]
    run = new_run(state, project, env, task_id, item.get("payload"), options, **extra)
    if key:
        # the header TTL wins; only ^\d+[smhd]$ is understood, anything else means the 30-day default
        ttl = parse_idempotency_ttl_ms(headers.get("idempotency-key-ttl"))
        if ttl is None:
            ttl = parse_idempotency_ttl_ms(options.get("idempotencyKeyTTL"))
        run["idempotencyKey"] = key
        state.data["idempotency"][ikey] = {"runId": run["id"], "expiresAt": now + (ttl if ttl is not None else 30 * DAY_MS)}
    return run["id"], False


def _json_body(req):
    if not req.body:
        raise ApiError(400, "Request body is empty")
    body = req.json_or(ValueError)
    if body is ValueError:
        raise ApiError(400, "Invalid JSON")
    return body


def trigger(state, req, task_id):
    project, env = auth.resolve_secret_key(state, req, auth.RBAC)
    body = _json_body(req)
    validate_item(body)
    cache_key, cached = _request_cache_get(state, (env["id"], task_id), req, lambda run_id: {"id": run_id, "isCached": False})
    if cached:
        cached.headers.update(_jwt_headers(env, "read:runs:%s" % cached.body["id"], "write:inputStreams:%s" % cached.body["id"]))
        return cached
    check_tag_count(body)
    run_id, is_cached = _trigger_one(state, project, env, task_id, body, req.headers)
    _request_cache_put(state, cache_key, run_id)
    return Response(200, {"id": run_id, "isCached": is_cached}, _jwt_headers(env, "read:runs:%s" % run_id, "write:inputStreams:%s" % run_id))


def _store_batch(state, batch_id, env, run_ids, created, process_at=None, idempotency_key=None):
    state.data["batches"][batch_id] = {"id": batch_id, "envId": env["id"], "runCount": len(run_ids), "createdAt": created,
                                       "processAt": process_at or created, "idempotencyKey": idempotency_key,
                                       "items": {str(i): r for i, r in enumerate(run_ids)}, "sealed": True}


def batch_v1(state, req, task_id):
    project, env = auth.resolve_secret_key(state, req, auth.RBAC)
    body = _json_body(req)
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise ApiError(400, zod_validation_error([_items_issue(body)]))
    items = body["items"]
    if not items:
        raise ApiError(400, "No items to trigger")
    if len(items) > 100:
        raise ApiError(400, "Too many items. Maximum allowed batch size is 100.")
    for index, item in enumerate(items):
        validate_item(item, ("items", index))
    for item in items:
        check_tag_count(item)
    batch_id = state.new_id("batch_")
    run_ids = [_trigger_one(state, project, env, task_id, item, batchId=batch_id, triggerFunction="batchTrigger")[0] for item in items]
    _store_batch(state, batch_id, env, run_ids, now_ms())
    return Response(200, {"batchId": batch_id, "runs": run_ids}, _jwt_headers(env, "read:batch:%s" % batch_id))


def batch_v2(state, req):
    project, env = auth.resolve_secret_key(state, req, auth.RBAC)
    body = _json_body(req)
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise ApiError(400, zod_validation_error([_items_issue(body)]))
    items = body["items"]
    if not items:
        # authorization runs before the handler: everyResource([]) is refused (routeBuilders/apiBuilder.server.ts checkAuth)
        raise ApiError(403, {"error": "Unauthorized", "code": "unauthorized", "param": "access_token", "type": "authorization"})
    if len(items) > 500:
        raise ApiError(400, "Batch size of %d is too large. Maximum allowed batch size is 500." % len(items))
    for index, item in enumerate(items):
        validate_item(item, ("items", index))
        if not isinstance(item.get("task"), str):
            raise ApiError(400, zod_validation_error([{"path": ["items", index, "task"], "message": "Required"}]))
    tasks = sorted({item["task"] for item in items})
    cache_key, cached = _request_cache_get(state, [env["id"]] + tasks, req, lambda batch_id: _batch_replay(state, env, batch_id))
    if cached:
        cached.headers.update(_jwt_headers(env, "read:batch:%s" % cached.body["id"]))
        return cached
    for item in items:
        check_tag_count(item)
    batch_id = state.new_id("batch_")
    now = now_ms()
    # more than 20 items are processed by a worker after the 202 (runEngine/services/batchTrigger.server.ts):
    # until then the batch has no runs
    process_at = now + max(int(state.settings["run_pace"] * 1000), 50) if len(items) > ASYNC_BATCH_THRESHOLD else now
    run_ids = [_trigger_one(state, project, env, item["task"], item, batchId=batch_id, triggerFunction="batchTrigger", createdAt=process_at)[0]
               for item in items]
    _store_batch(state, batch_id, env, run_ids, now, process_at)
    _request_cache_put(state, cache_key, batch_id)
    return Response(202, {"id": batch_id, "isCached": False, "runCount": len(items)}, _jwt_headers(env, "read:batch:%s" % batch_id))


def _batch_replay(state, env, batch_id):
    batch = state.data["batches"].get(batch_id)
    return {"id": batch_id, "runCount": batch["runCount"]} if batch and batch["envId"] == env["id"] else None


def _batch_view(state, batch, now, v2):
    """GET /api/v1|v2/batches/{id}: runs appear once processed; COMPLETED when every run is final."""
    processed = now >= batch.get("processAt", 0)
    run_ids = [batch["items"][key] for key in sorted(batch["items"], key=int)] if processed else []
    runs_by_id = state.data["runs"]
    done = processed and len(run_ids) == batch["runCount"] and all(
        run_id in runs_by_id and timeline(state, runs_by_id[run_id], now)[0] in FINAL for run_id in run_ids)
    created = batch.get("createdAt") or now
    body = {"id": batch["id"], "status": "COMPLETED" if done else "PENDING", "idempotencyKey": batch.get("idempotencyKey"),
            "createdAt": iso(created), "updatedAt": iso(max(created, batch.get("processAt") or created)),
            "runCount": batch["runCount"], "runs": run_ids}
    if v2:
        body["processing"] = {"errors": []}
    return {k: v for k, v in body.items() if v is not None}


def retrieve_batch(state, req, batch_id, v2=False):
    _project, env = auth.resolve_secret_key(state, req, auth.RBAC)
    batch = state.data["batches"].get(batch_id)
    if batch is None or batch["envId"] != env["id"]:
        raise ApiError(404, "Not found", headers={"x-should-retry": "true"})
    return Response(200, _batch_view(state, batch, now_ms(), v2))


def batch_v3_create(state, req):
    project, env = auth.resolve_secret_key(state, req, auth.RBAC)
    body = _json_body(req)
    if not isinstance(body, dict):
        raise ApiError(400, zod_message([{"code": "invalid_type", "expected": "object", "path": [], "message": "Expected object"}]))
    count = body.get("runCount")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 1000:
        raise ApiError(400, zod_message([{"code": "invalid_type" if not isinstance(count, int) else "too_big", "path": ["runCount"],
                                          "message": "runCount must be an integer between 1 and 1000"}]))
    idem = body.get("idempotencyKey")
    if idem is not None and not isinstance(idem, str):
        raise ApiError(400, zod_message([{"code": "invalid_type", "expected": "string", "path": ["idempotencyKey"], "message": "Expected string"}]))
    if idem:
        for batch in state.data["batches"].values():
            if batch["envId"] == env["id"] and batch.get("idempotencyKey") == idem:
                return Response(202, {"id": batch["id"], "runCount": batch["runCount"], "isCached": True, "idempotencyKey": idem})
    batch_id = state.new_id("batch_")
    state.data["batches"][batch_id] = {"id": batch_id, "envId": env["id"], "project": project["ref"], "runCount": count,
                                       "items": {}, "sealed": False, "idempotencyKey": idem, "createdAt": now_ms()}
    state.touch()
    body_out = {"id": batch_id, "runCount": count, "isCached": False}
    if idem:
        body_out["idempotencyKey"] = idem
    return Response(202, body_out, _jwt_headers(env, "read:batch:%s" % batch_id))


def batch_v3_items(state, req, batch_id):
    project, env = auth.resolve_secret_key(state, req, auth.RBAC)
    batch = state.data["batches"].get(batch_id)
    if batch is None or batch["envId"] != env["id"]:
        raise ApiError(404, "Batch %s not found" % batch_id)
    try:
        text = req.body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(400, "Invalid NDJSON: body is not UTF-8") from exc
    parsed = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as exc:
            raise ApiError(400, "Invalid JSON at line %d" % number) from exc
        if not isinstance(item, dict) or isinstance(item.get("index"), bool) or not isinstance(item.get("index"), int) or not isinstance(item.get("task"), str):
            raise ApiError(400, "Invalid item at line %d: index (integer) and task (string) are required" % number)
        if not 0 <= item["index"] < batch["runCount"]:
            raise ApiError(400, "Item index %d is out of range for a batch of %d runs" % (item["index"], batch["runCount"]))
        validate_item(item)
        parsed.append(item)
    accepted = deduplicated = 0
    for item in parsed:
        if str(item["index"]) in batch["items"]:
            deduplicated += 1
            continue
        run_id = _trigger_one(state, project, env, item["task"], item, batchId=batch_id, triggerFunction="batchTrigger")[0]
        batch["items"][str(item["index"])] = run_id
        accepted += 1
    batch["sealed"] = len(batch["items"]) == batch["runCount"]
    state.touch()
    body = {"id": batch_id, "itemsAccepted": accepted, "itemsDeduplicated": deduplicated, "sealed": batch["sealed"]}
    if not batch["sealed"]:
        body.update({"enqueuedCount": len(batch["items"]), "expectedCount": batch["runCount"]})
    return Response(200, body)


# ---------------------------------------------------------------- single-run actions

def _run_in_env(state, env, run_id):
    run = state.data["runs"].get(run_id)
    if run is None or run["envId"] != env["id"]:
        return None
    return run


def retrieve(state, req, run_id):
    _project, env = auth.resolve_secret_key(state, req, auth.RBAC)
    run = _run_in_env(state, env, run_id)
    if run is None:
        raise ApiError(404, "Not found", headers={"x-should-retry": "true"})
    return Response(200, retrieve_body(state, run, now_ms(), modern(req)))


def cancel(state, req, run_id):
    _project, env = auth.resolve_secret_key(state, req, auth.RBAC)
    run = _run_in_env(state, env, run_id)
    if run is None:
        raise ApiError(404, "Resource not found")
    now = now_ms()
    internal, started, _finished = timeline(state, run, now)
    if internal not in FINAL:
        run["fixed"] = "CANCELED"
        run["startedAt"] = started
        # a run canceled before it started has no completedAt on the server (seen there: no finishedAt)
        run["finishedAt"] = now if started is not None else None
        run["updatedAt"] = now
        state.touch()
    return Response(200, {"id": run["id"]})


def replay(state, req, run_id):
    """An RBAC route: its texts are the route builder's (routes/api.v1.runs.$runParam.replay.ts)."""
    project, env = auth.resolve_secret_key(state, req, auth.RBAC)
    run = _run_in_env(state, env, run_id)
    if run is None:
        raise ApiError(404, "Resource not found")
    # v3/services/replayTaskRun.server.ts keeps payload, tags, metadata, test flag, queue and machine
    options = {"tags": run.get("tags"), "payloadType": run.get("payloadType"), "metadata": run.get("metadata"), "test": run.get("isTest", False),
               "queue": {"name": run.get("queue")}, "machine": run.get("machine")}
    new = new_run(state, project, env, run["task"], run.get("payload"), options, replayOf=run["id"])
    return Response(200, {"id": new["id"]})


def reschedule(state, req, run_id):
    """routes/api.v1.runs.$runParam.reschedule.ts: body, then the delay, then the run."""
    if req.cred.kind != "secret_key":
        raise ApiError(401, "Invalid or missing API Key")
    _project, env = auth.resolve_secret_key(state, req, auth.LEGACY)
    body = req.json_or(None)
    if not isinstance(body, dict) or not isinstance(body.get("delay"), str):
        raise ApiError(400, "Invalid request body")
    now = now_ms()
    until = parse_delay_ms(body["delay"], now)
    if until is None:
        raise ApiError(400, "Invalid delay: %s" % body["delay"])
    run = _run_in_env(state, env, run_id)
    if run is None:
        raise ApiError(404, "Run not found")
    internal, _started, _finished = timeline(state, run, now)
    if internal != "DELAYED":
        raise ApiError(400, "Cannot reschedule a run that is not delayed")
    run["delayUntil"] = until
    run["updatedAt"] = now
    state.touch()
    return Response(200, retrieve_body(state, run, now, modern(req)))


# ---------------------------------------------------------------- list

class _Query:
    """Parsed list query (raises 400 Query Error)."""

    def __init__(self, query, now):
        self.details = []
        self.size = 25
        raw = query.get("page[size]")
        if raw is not None:  # the search-params schema of presenters/v3/ApiRunListPresenter.server.ts
            size, issues = zod_coerced_int(raw, ["page[size]"], positive=True, minimum=1, maximum=100)
            self.details.extend(issues)
            self.size = size or self.size
        self.statuses = None
        if query.get("filter[status]"):
            names = query["filter[status]"].split(",")
            invalid = [name for name in names if name not in FILTER_STATUS]
            if invalid:
                self._bad("filter[status]", "Invalid status values: %s" % ", ".join(invalid))
            self.statuses = set().union(*(FILTER_STATUS.get(name, ()) for name in names))
        self.lists = {}
        for param in ("taskIdentifier", "version", "tag", "queue", "machine", "region"):
            value = query.get("filter[%s]" % param)
            if value:
                self.lists[param] = set(value.split(","))
        invalid = [m for m in query.get("filter[machine]", "").split(",") if m and m not in MACHINES] if "machine" in self.lists else []
        if invalid:
            self._bad("filter[machine]", "Invalid machine values: %s" % ", ".join(invalid))
        self.singles = {p: query.get("filter[%s]" % p) for p in ("bulkAction", "schedule", "batch") if query.get("filter[%s]" % p)}
        self.is_test = None
        if query.get("filter[isTest]"):
            if query["filter[isTest]"] not in ("true", "false"):
                self._bad("filter[isTest]", "Invalid value for isTest: %s" % query["filter[isTest]"])
            self.is_test = query["filter[isTest]"] == "true"
        self.start, self.end = self._window(query, now)
        self.after = query.get("page[after]")
        self.before = query.get("page[before]")
        if self.details:
            raise ApiError(400, {"error": "Query Error", "details": self.details})

    def _bad(self, param, message):
        self.details.append({"code": "custom", "message": message, "path": [param]})

    def _window(self, query, now):
        period, start, end = query.get("filter[createdAt][period]"), query.get("filter[createdAt][from]"), query.get("filter[createdAt][to]")
        lower = upper = None
        if period is not None:
            # parse-duration: what it cannot read means no lower bound at all (L8)
            span = parse_period_ms(period)
            if span is not None:
                lower = now - span
        if start is not None:
            lower = parse_date_ms(start)
            if lower is None:
                self.details.append({"code": "invalid_date", "path": ["filter[createdAt][from]"], "message": "Invalid date"})
        if end is not None:
            upper = parse_date_ms(end)
            if upper is None:
                self.details.append({"code": "invalid_date", "path": ["filter[createdAt][to]"], "message": "Invalid date"})
        if period is None and start is None and end is None:
            lower = now - 7 * DAY_MS
        return lower, upper

    def matches(self, state, run, now):
        created = run["createdAt"]
        if self.start is not None and created < self.start or self.end is not None and created > self.end:
            return False
        if self.statuses is not None and timeline(state, run, now)[0] not in self.statuses:
            return False
        lists = self.lists
        if "taskIdentifier" in lists and run["task"] not in lists["taskIdentifier"]:
            return False
        if "tag" in lists and not lists["tag"] & set(run.get("tags") or ()):
            return False
        checks = (("version", run.get("version")), ("queue", run.get("queue")), ("machine", run.get("machine")), ("region", run.get("region")))
        for name, value in checks:
            if name in lists and value not in lists[name]:
                return False
        singles = self.singles
        if "batch" in singles and run.get("batchId") != singles["batch"]:
            return False
        if "schedule" in singles and run.get("scheduleId") != singles["schedule"]:
            return False
        if "bulkAction" in singles and singles["bulkAction"] not in (run.get("bulkActions") or ()):
            return False
        return self.is_test is None or run.get("isTest", False) == self.is_test


def _cursor_key(state, text):
    decoded = b64url_decode(text)
    if isinstance(decoded, dict) and isinstance(decoded.get("c"), int) and isinstance(decoded.get("r"), int):
        return decoded["c"], decoded["r"]
    # anything else is a legacy cursor, a bare run id, cut on the id alone (services/runsRepository/runsCursor.server.ts)
    return None


def _internal_id(run):
    """The run's id in the runs store (a cuid on the server, 'c…', ordered like creation): what a legacy cursor is compared with."""
    return "cm%013d%08d" % (run["createdAt"], run["seq"])


def _cursor(run):
    return b64url_encode({"c": run["createdAt"], "r": run["seq"]})


def _env_index(state, env_id):
    """Ascending [(createdAt, seq, id)] of one env's runs, rebuilt only after new runs were added."""
    indexes = state.indexes.setdefault("runs", {})
    version = len(state.data["runOrder"])
    cached = indexes.get(env_id)
    if cached is None or cached[0] != version:
        keys = sorted((r["createdAt"], r["seq"], r["id"]) for r in state.data["runs"].values() if r["envId"] == env_id)
        cached = (version, keys)
        indexes[env_id] = cached
    return cached[1]


def list_runs(state, req, env):
    """The list is read from a replica (ClickHouse on the server): with runs_list_lag_ms set it shows the runs and
    statuses of that long ago. Retrieve, cancel and replay read the primary store."""
    now = now_ms() - state.settings.get("runs_list_lag_ms", 0)
    query = _Query(req.query, now)
    keys = _env_index(state, env["id"])
    runs_by_id = state.data["runs"]
    size = query.size
    pagination = {}
    found = []
    visible = bisect.bisect_right(keys, (now, float("inf")))  # created later: not replicated yet (or a batch still processing)
    if query.before:
        cursor = _cursor_key(state, query.before)
        first = bisect.bisect_right(keys, cursor + ("\U0010ffff",)) if cursor else 0
        for index in range(first, visible):
            run = runs_by_id[keys[index][2]]
            if cursor is None and _internal_id(run) <= query.before:
                continue
            if query.matches(state, run, now):
                found.append(run)
                if len(found) > size:
                    break
        page = list(reversed(found[:size]))
        if len(found) > size:
            pagination["previous"] = _cursor(page[0])
        if page:
            pagination["next"] = _cursor(page[-1])
    else:
        cursor = _cursor_key(state, query.after) if query.after else None
        end = min(visible, bisect.bisect_left(keys, cursor)) if cursor else visible
        for index in range(end - 1, -1, -1):
            run = runs_by_id[keys[index][2]]
            if query.start is not None and run["createdAt"] < query.start:
                break
            if query.after and cursor is None and _internal_id(run) >= query.after:
                continue
            if query.matches(state, run, now):
                found.append(run)
                if len(found) > size:
                    break
        page = found[:size]
        if len(found) > size:
            pagination["next"] = _cursor(page[-1])
        if query.after and page:
            pagination["previous"] = _cursor(page[0])
    is_modern = modern(req)
    return Response(200, {"data": [list_item(state, r, now, is_modern) for r in page], "pagination": pagination})


def list_env_runs(state, req):
    _project, env = auth.resolve_secret_key(state, req, auth.RBAC)
    return list_runs(state, req, env)


def list_project_runs(state, req, ref):
    """A PAT route (routes/api.v1.projects.$projectRef.runs.ts): PAT or user-actor token of a member, read:runs."""
    scope = state.project(ref)
    auth.pat_route_user(state, req, scope["orgId"] if scope else None, ("read", "runs"))
    project = auth.pat_project(state, ref, req.cred)
    wanted = (req.query.get("filter[env]") or "").split(",")
    env = next((e for e in project["environments"].values() if e["parentId"] is None and e["slug"] in wanted), None)
    if env is None:
        raise ApiError(500, "Internal Server Error")
    return list_runs(state, req, env)


# ---------------------------------------------------------------- seeding (control API)

def seed_runs(state, project, env, spec):
    """Bulk-create historic runs with a fixed status; returns the ids (caller holds the lock)."""
    count = spec["count"]
    status = FILTER_STATUS[spec["status"]]
    internal = {"FROZEN": "WAITING_TO_RESUME", "PENDING_VERSION": "PENDING_VERSION"}.get(spec["status"]) or next(iter(status))
    now = now_ms()
    start = spec["created_from"] if spec["created_from"] is not None else now - 3 * DAY_MS
    end = spec["created_to"] if spec["created_to"] is not None else now
    step = (end - start) / count if count else 0
    runs = state.data["runs"]
    order = state.data["runOrder"]
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    rng = state.rng
    task = project["tasks"].get(spec["task"], {})
    final = internal in FINAL
    ids = []
    for index in range(count):
        created = int(start + step * index)
        run_id = "run_" + "".join(rng.choices(alphabet, k=25))
        state.data["seq"] += 1
        run = {
            "id": run_id, "seq": state.data["seq"], "task": spec["task"], "envId": env["id"], "project": project["ref"],
            "createdAt": created, "payload": {"seeded": index}, "payloadType": "application/json", "tags": list(spec["tags"]),
            "pace": 0, "behaviour": task.get("behaviour", "success"), "duration": 1, "isTest": False,
            "queue": "task/" + spec["task"], "version": "20240101.1", "fixed": internal,
            "startedAt": created + 1000 if internal not in ("PENDING", "DELAYED", "PENDING_VERSION", "WAITING_FOR_DEPLOY") else None,
            "finishedAt": created + 2000 if final else None,
            "taskKind": "SCHEDULED" if task.get("type") == "SCHEDULED" else "STANDARD",
        }
        runs[run_id] = run
        order.append(run_id)
        ids.append(run_id)
    state.touch()
    return ids
