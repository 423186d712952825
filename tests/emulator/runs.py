"""Runs (digest §5) and triggering / batches (§8).

Run status is computed lazily from timestamps: a run waits `pace` in QUEUED, then
`pace * task.duration` in EXECUTING, then ends as the task's behaviour says.
"""

import base64
import bisect
import json
import re

from . import auth
from .util import ApiError, Response, b64url_decode, b64url_encode, iso, js_type, now_ms, parse_date_ms, parse_delay_ms, parse_duration_ms, zod_message

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
BATCH_V2_MAX_BYTES = 1024 * 1024
BATCH_V3_CREATE_MAX_BYTES = 128 * 1024
DAY_MS = 86_400_000


def modern(req):
    return req.headers.get("x-trigger-api-version") == MODERN_API_VERSION


# ---------------------------------------------------------------- status model

def timeline(run, now):
    """(internal status, startedAt, finishedAt) at time `now`."""
    if run.get("fixed"):
        return run["fixed"], run.get("startedAt"), run.get("finishedAt")
    start = run.get("delayUntil") or run["createdAt"]
    if now < start:
        return "DELAYED", None, None
    started = start + run["pace"]
    if now < started:
        return "PENDING", None, None
    finished = started + run["pace"] * run.get("duration", 1)
    if now < finished:
        return "EXECUTING", started, None
    final = {"success": "COMPLETED_SUCCESSFULLY", "fail": "COMPLETED_WITH_ERRORS", "crash": "CRASHED"}.get(run.get("behaviour"), "COMPLETED_SUCCESSFULLY")
    return final, started, finished


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


def _common(run, now, is_modern):
    internal, started, finished = timeline(run, now)
    name = public_status(internal, is_modern)
    updated = max(t for t in (run["createdAt"], started, finished, run.get("updatedAt")) if t is not None)
    item = {
        "id": run["id"], "status": name, "taskIdentifier": run["task"],
        "idempotencyKey": run.get("idempotencyKey"), "version": run.get("version"),
        "createdAt": iso(run["createdAt"]), "updatedAt": iso(updated),
        "startedAt": iso(started), "finishedAt": iso(finished),
        "delayedUntil": iso(run.get("delayUntil")), "isTest": run.get("isTest", False), "ttl": run.get("ttl"),
        "expiredAt": iso(finished) if internal == "EXPIRED" else None,
        "tags": list(run.get("tags") or []),
        "costInCents": 0.0 if finished is None else 0.0034, "baseCostInCents": 0.0 if finished is None else 0.0025,
        "durationMs": (finished - started) if finished and started else 0,
        "depth": run.get("depth", 0), "metadata": run.get("metadata"), "taskKind": run.get("taskKind", "STANDARD"),
        "region": run.get("region"),
    }
    item.update(_flags(name))
    item = {k: v for k, v in item.items() if v is not None}
    return item, internal


def list_item(state, run, now, is_modern):
    item, _internal = _common(run, now, is_modern)
    env = state.env_by_id(run["envId"])
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
            return {"output": {"message": "Hello, %s" % name}, "outputType": "application/json"}
        return {"output": {"ok": True, "task": run["task"]}, "outputType": "application/json"}
    if internal == "COMPLETED_WITH_ERRORS":
        return {"error": {"name": "Error", "message": "Task %s failed on purpose" % run["task"],
                          "stackTrace": "Error: Task %s failed on purpose\n    at run (src/trigger/%s.ts:5:11)" % (run["task"], run["task"])}}
    if internal == "CRASHED":
        return {"error": {"name": "TASK_PROCESS_EXITED_WITH_NON_ZERO_CODE", "message": "Task process exited with code 1"}}
    return {}


def retrieve_body(run, now, is_modern):
    item, internal = _common(run, now, is_modern)
    _status, started, _finished = timeline(run, now)
    item.update({
        "depth": run.get("depth", 0), "triggerFunction": run.get("triggerFunction", "trigger"),
        "payload": _payload_value(run), "payloadType": "application/json",
        "relatedRuns": {}, "attemptCount": 0 if started is None else 1, "attempts": [],
    })
    if run.get("batchId"):
        item["batchId"] = run["batchId"]
    if run.get("scheduleId"):
        item["schedule"] = {"id": run["scheduleId"], "generator": {"type": "CRON", "expression": "", "description": ""}}
    item.update(_outcome(run, internal))
    return item


# ---------------------------------------------------------------- creation

def _jwt_headers(env, scope):
    claims = {"sub": env["id"], "pub": True, "scopes": [scope]}
    header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("=")
    token = "%s.%s.%s" % (header, b64url_encode(claims), "emulator-signature")
    return {"x-trigger-jwt": token, "x-trigger-jwt-claims": json.dumps(claims, separators=(",", ":"))}


def new_run(state, project, env, task_id, payload=None, options=None, **extra):
    """Create a run (caller holds the lock)."""
    options = options or {}
    now = now_ms()
    task = project["tasks"].get(task_id, {})
    tags = options.get("tags") or []
    if isinstance(tags, str):
        tags = [tags]
    run = {
        "id": state.new_id("run_"), "seq": state.next_seq(), "task": task_id, "envId": env["id"], "project": project["ref"],
        "createdAt": now, "payload": payload, "payloadType": options.get("payloadType", "application/json"),
        "tags": tags, "pace": int(state.settings["run_pace"] * 1000), "behaviour": task.get("behaviour", "success"),
        "duration": task.get("duration", 1), "isTest": bool(options.get("test", False)),
        "metadata": options.get("metadata"), "machine": options.get("machine"), "region": options.get("region"),
        "queue": (options.get("queue") or {}).get("name") or "task/" + task_id, "version": "20240101.1",
        "taskKind": "SCHEDULED" if task.get("type") == "SCHEDULED" else "STANDARD",
    }
    ttl = options.get("ttl")
    if ttl is not None:
        run["ttl"] = ttl if isinstance(ttl, str) else "%ds" % int(ttl)
    elif env["type"] == "DEVELOPMENT":
        run["ttl"] = "10m"
    delay = options.get("delay")
    if delay is not None:
        until = parse_delay_ms(delay, now)
        if until is None:
            raise ApiError(400, "Invalid delay: %s" % delay)
        if until > now:
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


def validate_item(body, path=()):
    """zod-like validation of a trigger body / batch item; raises 400 with the zod message."""
    issues = []
    if not isinstance(body, dict):
        issues.append({"code": "invalid_type", "expected": "object", "received": js_type(body), "path": list(path),
                       "message": "Expected object, received %s" % js_type(body)})
        raise ApiError(400, zod_message(issues))
    options = body.get("options")
    if options is not None and not isinstance(options, dict):
        issues.append({"code": "invalid_type", "expected": "object", "received": js_type(options), "path": list(path) + ["options"],
                       "message": "Expected object, received %s" % js_type(options)})
    elif options:
        for field, expected in _OPTION_TYPES.items():
            if field in options and options[field] is not None and expected != "any" and js_type(options[field]) not in expected.split("|"):
                issues.append({"code": "invalid_type", "expected": expected, "received": js_type(options[field]),
                               "path": list(path) + ["options", field], "message": "Expected %s, received %s" % (expected, js_type(options[field]))})
        tags = options.get("tags")
        if isinstance(tags, list):
            if any(not isinstance(tag, str) for tag in tags):
                issues.append({"code": "invalid_type", "expected": "string", "path": list(path) + ["options", "tags"], "message": "Expected string"})
            elif len(tags) > 10:
                issues.append({"code": "custom", "path": list(path) + ["options", "tags"],
                               "message": "Runs can only have 10 tags, you're trying to set %d." % len(tags)})
        if isinstance(options.get("machine"), str) and options["machine"] not in MACHINES:
            issues.append({"code": "invalid_enum_value", "options": list(MACHINES), "path": list(path) + ["options", "machine"],
                           "received": options["machine"], "message": "Invalid enum value."})
        if isinstance(options.get("idempotencyKey"), str) and len(options["idempotencyKey"]) > 2048:
            issues.append({"code": "too_big", "path": list(path) + ["options", "idempotencyKey"], "message": "String must contain at most 2048 character(s)"})
        if isinstance(options.get("queue"), dict) and not isinstance(options["queue"].get("name", ""), str):
            issues.append({"code": "invalid_type", "expected": "string", "path": list(path) + ["options", "queue", "name"], "message": "Expected string"})
    if issues:
        raise ApiError(400, zod_message(issues))


def _request_cache_get(state, env, route, req):
    key = req.headers.get("x-trigger-request-idempotency-key")
    if not key:
        return None, None
    cache_key = "%s|%s|%s" % (env["id"], route, key)
    hit = state.data["requestCache"].get(cache_key)
    if hit and hit["expiresAt"] > now_ms():
        return cache_key, Response(hit["status"], hit["body"])
    return cache_key, None


def _request_cache_put(state, cache_key, response):
    if cache_key:
        state.data["requestCache"][cache_key] = {"status": response.status, "body": response.body, "expiresAt": now_ms() + DAY_MS}


def _trigger_one(state, project, env, task_id, item, headers=None, **extra):
    """Trigger honouring idempotency keys; returns (run id, is_cached)."""
    options = item.get("options") or {}
    headers = headers or {}
    key = headers.get("idempotency-key") or options.get("idempotencyKey")
    ttl_text = headers.get("idempotency-key-ttl") or options.get("idempotencyKeyTTL")
    now = now_ms()
    if key:
        ikey = "%s|%s|%s" % (env["id"], task_id, key)
        hit = state.data["idempotency"].get(ikey)
        if hit and hit["expiresAt"] > now and hit["runId"] in state.data["runs"]:
            return hit["runId"], True
    run = new_run(state, project, env, task_id, item.get("payload"), options, **extra)
    if key:
        ttl = parse_duration_ms(ttl_text) if ttl_text else None
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
    cache_key, cached = _request_cache_get(state, env, "trigger", req)
    if cached:
        cached.headers.update(_jwt_headers(env, "read:runs:%s" % cached.body.get("id")))
        return cached
    if task_id not in project["tasks"]:
        raise ApiError(404, "Task not found")
    run_id, is_cached = _trigger_one(state, project, env, task_id, body, req.headers)
    response = Response(200, {"id": run_id, "isCached": is_cached}, _jwt_headers(env, "read:runs:%s" % run_id))
    _request_cache_put(state, cache_key, response)
    return response


def _store_batch(state, batch_id, env, run_ids):
    state.data["batches"][batch_id] = {"id": batch_id, "envId": env["id"], "runCount": len(run_ids),
                                       "items": {str(i): r for i, r in enumerate(run_ids)}, "sealed": True}


def batch_v1(state, req, task_id):
    project, env = auth.resolve_secret_key(state, req, auth.RBAC)
    body = _json_body(req)
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        received = js_type(body.get("items") if isinstance(body, dict) else body)
        raise ApiError(400, zod_message([{"code": "invalid_type", "expected": "array", "received": received,
                                         "path": ["items"], "message": "Required"}]))
    items = body["items"]
    if not items:
        raise ApiError(400, "No items to trigger")
    if len(items) > 100:
        raise ApiError(400, "Too many items. Maximum allowed batch size is 100.")
    for index, item in enumerate(items):
        validate_item(item, ("items", index))
    if task_id not in project["tasks"]:
        raise ApiError(404, "Task not found")
    batch_id = state.new_id("batch_")
    run_ids = [_trigger_one(state, project, env, task_id, item, batchId=batch_id, triggerFunction="batchTrigger")[0] for item in items]
    _store_batch(state, batch_id, env, run_ids)
    return Response(200, {"batchId": batch_id, "runs": run_ids}, _jwt_headers(env, "read:batch:%s" % batch_id))


def batch_v2(state, req):
    project, env = auth.resolve_secret_key(state, req, auth.RBAC)
    body = _json_body(req)
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise ApiError(400, zod_message([{"code": "invalid_type", "expected": "array", "path": ["items"], "message": "Required"}]))
    items = body["items"]
    if not items:
        raise ApiError(400, "Batch cannot be triggered with no items")
    if len(items) > 500:
        raise ApiError(400, "Batch size of %d is too large. Maximum allowed batch size is 500." % len(items))
    for index, item in enumerate(items):
        validate_item(item, ("items", index))
        if not isinstance(item.get("task"), str):
            raise ApiError(400, zod_message([{"code": "invalid_type", "expected": "string", "path": ["items", index, "task"], "message": "Required"}]))
    cache_key, cached = _request_cache_get(state, env, "batch_v2", req)
    if cached:
        return cached
    missing = sorted({item["task"] for item in items if item["task"] not in project["tasks"]})
    if missing:
        raise ApiError(422, "Task not found: %s" % ", ".join(missing))
    batch_id = state.new_id("batch_")
    run_ids = [_trigger_one(state, project, env, item["task"], item, batchId=batch_id, triggerFunction="batchTrigger")[0] for item in items]
    _store_batch(state, batch_id, env, run_ids)
    response = Response(202, {"id": batch_id, "runCount": len(items), "isCached": False}, _jwt_headers(env, "read:batch:%s" % batch_id))
    _request_cache_put(state, cache_key, response)
    return response


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
    cache_key, cached = _request_cache_get(state, env, "batch_v3", req)
    if cached:
        return cached
    if idem:
        for batch in state.data["batches"].values():
            if batch["envId"] == env["id"] and batch.get("idempotencyKey") == idem:
                return Response(202, {"id": batch["id"], "runCount": batch["runCount"], "isCached": True, "idempotencyKey": idem})
    batch_id = state.new_id("batch_")
    state.data["batches"][batch_id] = {"id": batch_id, "envId": env["id"], "project": project["ref"], "runCount": count,
                                       "items": {}, "sealed": False, "idempotencyKey": idem}
    state.touch()
    body_out = {"id": batch_id, "runCount": count, "isCached": False}
    if idem:
        body_out["idempotencyKey"] = idem
    response = Response(202, body_out, _jwt_headers(env, "read:batch:%s" % batch_id))
    _request_cache_put(state, cache_key, response)
    return response


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
        if item["task"] not in project["tasks"]:
            raise ApiError(422, "Task not found: %s" % item["task"])
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
        raise ApiError(404, "Run not found", headers={"x-should-retry": "true"})
    return Response(200, retrieve_body(run, now_ms(), modern(req)))


def cancel(state, req, run_id):
    _project, env = auth.resolve_secret_key(state, req, auth.RBAC)
    run = _run_in_env(state, env, run_id)
    if run is None:
        raise ApiError(404, "Resource not found")
    now = now_ms()
    internal, started, _finished = timeline(run, now)
    if internal not in FINAL:
        run["fixed"] = "CANCELED"
        run["startedAt"] = started
        run["finishedAt"] = now
        run["updatedAt"] = now
        state.touch()
    return Response(200, {"id": run["id"]})


def replay(state, req, run_id):
    project, env = auth.resolve_secret_key(state, req, auth.LEGACY)
    run = _run_in_env(state, env, run_id)
    if run is None:
        raise ApiError(404, "Run not found")
    options = {"tags": run.get("tags"), "payloadType": run.get("payloadType"), "metadata": run.get("metadata"), "test": run.get("isTest", False)}
    new = new_run(state, project, env, run["task"], run.get("payload"), options, replayOf=run["id"])
    return Response(200, {"id": new["id"]})


def reschedule(state, req, run_id):
    _project, env = auth.resolve_secret_key(state, req, auth.LEGACY)
    body = req.json_or(None)
    if not isinstance(body, dict) or not isinstance(body.get("delay"), str):
        issue = {"code": "invalid_type", "expected": "string", "path": ["delay"], "message": "Required"}
        raise ApiError(400, {"error": "Invalid request body", "issues": [issue]})
    run = _run_in_env(state, env, run_id)
    if run is None:
        raise ApiError(404, "Run not found")
    now = now_ms()
    until = parse_delay_ms(body["delay"], now)
    if until is None or until <= now:
        raise ApiError(400, "Invalid delay: %s" % body["delay"])
    internal, _started, _finished = timeline(run, now)
    if internal != "DELAYED":
        raise ApiError(400, "Cannot reschedule a run that is not delayed")
    run["delayUntil"] = until
    run["updatedAt"] = now
    state.touch()
    return Response(200, retrieve_body(run, now, modern(req)))


# ---------------------------------------------------------------- list

class _Query:
    """Parsed list query (raises 400 Query Error)."""

    def __init__(self, query, now):
        self.details = []
        self.size = 25
        raw = query.get("page[size]")
        if raw is not None:
            if re.fullmatch(r"\d+", raw) and 1 <= int(raw) <= 100:
                self.size = int(raw)
            else:
                self._bad("page[size]", "Number must be between 1 and 100")
        self.statuses = None
        if query.get("filter[status]"):
            self.statuses = set()
            for name in query["filter[status]"].split(","):
                if name not in FILTER_STATUS:
                    self._bad("filter[status]", "Invalid status: %s" % name)
                else:
                    self.statuses |= FILTER_STATUS[name]
        self.lists = {}
        for param in ("taskIdentifier", "version", "tag", "queue", "machine", "region"):
            value = query.get("filter[%s]" % param)
            if value:
                self.lists[param] = set(value.split(","))
        if "machine" in self.lists and not self.lists["machine"] <= set(MACHINES):
            self._bad("filter[machine]", "Invalid machine preset")
        self.singles = {p: query.get("filter[%s]" % p) for p in ("bulkAction", "schedule", "batch") if query.get("filter[%s]" % p)}
        self.is_test = None
        if query.get("filter[isTest]") is not None:
            if query["filter[isTest]"] not in ("true", "false"):
                self._bad("filter[isTest]", "Expected 'true' or 'false'")
            self.is_test = query["filter[isTest]"] == "true"
        self.start, self.end = self._window(query, now)
        self.after = query.get("page[after]")
        self.before = query.get("page[before]")
        if self.details:
            raise ApiError(400, {"error": "Query Error", "details": self.details})

    def _bad(self, param, message):
        self.details.append({"code": "custom", "path": [param], "message": message})

    def _window(self, query, now):
        period, start, end = query.get("filter[createdAt][period]"), query.get("filter[createdAt][from]"), query.get("filter[createdAt][to]")
        lower = upper = None
        if period is not None:
            span = parse_duration_ms(period)
            if span is None:
                self._bad("filter[createdAt][period]", "Invalid period")
            else:
                lower = now - span
        if start is not None:
            lower = parse_date_ms(start)
            if lower is None:
                self._bad("filter[createdAt][from]", "Invalid date")
        if end is not None:
            upper = parse_date_ms(end)
            if upper is None:
                self._bad("filter[createdAt][to]", "Invalid date")
        if period is None and start is None and end is None:
            lower = now - 7 * DAY_MS
        return lower, upper

    def matches(self, run, now):
        created = run["createdAt"]
        if self.start is not None and created < self.start or self.end is not None and created > self.end:
            return False
        if self.statuses is not None and timeline(run, now)[0] not in self.statuses:
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
    run = state.data["runs"].get(text)
    if run is not None:
        return run["createdAt"], run["seq"]
    raise ApiError(400, {"error": "Query Error", "details": [{"code": "custom", "path": ["page"], "message": "Invalid cursor"}]})


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
    now = now_ms()
    query = _Query(req.query, now)
    keys = _env_index(state, env["id"])
    runs_by_id = state.data["runs"]
    size = query.size
    pagination = {}
    found = []
    if query.before:
        cursor = _cursor_key(state, query.before)
        for index in range(bisect.bisect_right(keys, cursor + ("\U0010ffff",)), len(keys)):
            run = runs_by_id[keys[index][2]]
            if query.matches(run, now):
                found.append(run)
                if len(found) > size:
                    break
        page = list(reversed(found[:size]))
        if len(found) > size:
            pagination["previous"] = _cursor(page[0])
        if page:
            pagination["next"] = _cursor(page[-1])
    else:
        end = bisect.bisect_left(keys, _cursor_key(state, query.after)) if query.after else len(keys)
        for index in range(end - 1, -1, -1):
            run = runs_by_id[keys[index][2]]
            if query.start is not None and run["createdAt"] < query.start:
                break
            if query.matches(run, now):
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
    if req.cred.kind != "pat":
        raise ApiError(401, "Invalid or Missing PAT")
    project = auth.pat_project(state, ref)
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
