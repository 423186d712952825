"""Schedules and time zones (docs/dev/protocol.md#schedules)."""

import datetime
import hashlib
import json
import os
import re
import zoneinfo

from . import auth, cron, runs
from .util import ApiError, Response, check_fields, iso, now_ms, zod_coerced_int, zod_issue

_TZ_CACHE = []
_TZ_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "timezones.json")
METHOD_NOT_ALLOWED = Response(200, {"status": 405, "body": "Method Not Allowed"})
MAX_WINDOW_SECONDS = 24 * 3600


def timezones():
    """UTC first, then Intl.supportedValuesOf("timeZone") of the server's Node (data/make_timezones.py)."""
    if not _TZ_CACHE:
        with open(_TZ_FILE, "r", encoding="utf-8") as handle:
            _TZ_CACHE.extend(json.load(handle)["listed"])
    return _TZ_CACHE


def parse_window(value):
    """core/v3/schemas/scheduleWindow.ts parseScheduleWindow: ("duration", seconds) | ("percentage", n); ValueError with the server's text."""
    match = re.fullmatch(r"(0|[1-9]\d*)([mh])", value)
    if match:
        seconds = int(match.group(1)) * (60 if match.group(2) == "m" else 3600)
        if seconds > MAX_WINDOW_SECONDS:
            raise ValueError("Schedule window duration cannot exceed 24 hours")
        return "duration", seconds
    match = re.fullmatch(r"(0|[1-9]\d*)%", value)
    if match:
        if int(match.group(1)) > 100:
            raise ValueError("Schedule window percentage cannot exceed 100%")
        return "percentage", int(match.group(1))
    raise ValueError('Schedule window must be a whole duration such as "30m" or "2h", or a percentage such as "30%"')


def format_window(parsed):
    """v3/scheduleWindow.server.ts formatScheduleWindow: whole hours as Nh, 0 as 0m."""
    if parsed is None:
        return None
    kind, amount = parsed
    if kind == "percentage":
        return "%d%%" % amount
    if amount == 0:
        return "0m"
    if amount % 3600 == 0:
        return "%dh" % (amount // 3600)
    return "%dm" % (amount // 60)


def list_timezones(_state, req):
    exclude = req.query.get("excludeUtc") == "true"
    zones = timezones()
    return Response(200, {"timezones": zones[1:] if exclude else list(zones)})


def _secret(state, req):
    return auth.resolve_secret_key(state, req, auth.LEGACY)


def _visible(schedule, env):
    return not schedule["envIds"] or env["id"] in schedule["envIds"]


def _find(project, ident):
    if ident.startswith("sched_"):
        return project["schedules"].get(ident)
    for schedule in project["schedules"].values():
        if schedule["dedupKey"] == ident:
            return schedule
    return None


def _next_times(schedule):
    following = _occurrences(schedule, now_ms(), 1)
    if not following:
        return None, None
    ms = following[0]
    effective = ms
    window = schedule.get("window")
    if window and window[0] == "duration":
        span = window[1] * 1000
        if span:
            digest = int(hashlib.sha256(schedule["id"].encode()).hexdigest()[:8], 16)
            effective = ms + (digest % max(span, 1))
    return iso(ms), iso(effective)


def _env_item(state, env_id, shape):
    env = state.env_by_id(env_id)
    if env is None:
        return {"id": env_id, "type": "PRODUCTION"}
    item = {"id": env["id"], "type": env["type"]}
    if shape == "write":
        item["shortcode"] = env["shortcode"]
        if env.get("userName"):
            item["userName"] = env["userName"]
    elif shape == "list":
        item["slug"] = env["slug"]
        if env.get("userName"):
            item["userName"] = env["userName"]
        if env.get("branchName"):
            item["branchName"] = env["branchName"]
    return item


def view(state, schedule, shape="read"):
    """The schedule object; shape is 'write' (create/update), 'list' or 'read' (retrieve/activate/deactivate)."""
    next_run, effective = _next_times(schedule)
    if shape == "read" and not schedule["active"]:
        next_run, effective = None, None
    body = {
        "id": schedule["id"],
        "type": schedule["type"],
        "task": schedule["task"],
        "active": schedule["active"],
        "generator": {"type": "CRON", "expression": schedule["cron"], "description": cron.describe(schedule["cron"])},
        "timezone": schedule["timezone"],
        "externalId": schedule["externalId"],
        "nextRun": next_run,
        "nextRunEffectiveAt": effective,
        "environments": [_env_item(state, env_id, shape) for env_id in schedule["envIds"]],
    }
    if schedule["externalId"] is None and shape != "list":
        del body["externalId"]   # ViewSchedulePresenter: externalId ?? undefined (the list keeps null)
    if schedule["userDedup"]:
        body["deduplicationKey"] = schedule["dedupKey"]
    if schedule.get("window"):
        body["window"] = format_window(schedule["window"])
    return body


def _parse_body(req, with_dedup):
    body = req.json_or(None)
    if body is None:
        raise ApiError(400, {"error": "Invalid request body", "issues": [zod_issue([], "Invalid JSON", code="custom")]})
    spec = {"task": ("string", True), "cron": ("string", True), "timezone": ("string", False), "externalId": ("string", False), "window": ("string", False)}
    if with_dedup:
        spec["deduplicationKey"] = ("string", True)
    issues = check_fields(body, spec)
    if not issues and body.get("window") is not None:
        try:
            parse_window(body["window"])
        except ValueError as exc:
            issues.append(zod_issue(["window"], str(exc), code="custom"))
    if issues:
        raise ApiError(400, {"error": "Invalid request body", "issues": issues})
    return body


def _check(state, project, env, body, existing):
    """checkSchedule's 422s in its order (cron, timezone, task, archived branch), then upsertTaskSchedule's."""
    try:
        cron.check_pattern(body["cron"])
    except cron.CronError as exc:
        raise ApiError(422, "Invalid cron expression: %s" % exc) from exc
    zone = body.get("timezone")
    if zone and zone not in timezones():
        raise ApiError(422, "Invalid IANA timezone: '%s'. View the list of valid timezones at %s/timezones" % (zone, state.api_url))
    task = project["tasks"].get(body["task"])
    if task is None:
        raise ApiError(422, "Task with identifier %s not found in project." % body["task"])
    if task["type"] != "SCHEDULED":
        raise ApiError(422, "Task with identifier %s is not a scheduled task." % body["task"])
    if env["archivedAt"] is not None:
        raise ApiError(422, "Can't add or edit a schedule for an archived branch")
    if existing is not None and existing["type"] == "DECLARATIVE":
        raise ApiError(422, "Cannot update a declarative schedule")
    if not cron.describable(body["cron"]) or body.get("timezone") == "":
        # cronstrue throws after the checks passed (as does the next-run calculation for the zone ""); the
        # route answers its generic 500
        raise ApiError(500, "Something went wrong, please try again.")


def _apply(schedule, body, env):
    schedule["cron"] = body["cron"]
    schedule["timezone"] = body["timezone"] if body.get("timezone") is not None else "UTC"
    schedule["externalId"] = body.get("externalId") or None
    schedule["window"] = parse_window(body["window"]) if body.get("window") is not None else None
    schedule["envIds"] = [env["id"]]


def _create(state, project, env, body, dedup):
    schedule = {
        "id": state.new_id("sched_"), "type": "IMPERATIVE", "task": body["task"], "active": True,
        "dedupKey": dedup or state.new_id("", 24), "userDedup": bool(dedup), "createdAt": now_ms(),
    }
    _apply(schedule, body, env)
    project["schedules"][schedule["id"]] = schedule
    state.touch()
    return schedule


def create(state, req):
    project, env = _secret(state, req)
    body = _parse_body(req, True)
    dedup = body["deduplicationKey"]
    existing = next((s for s in project["schedules"].values() if s["dedupKey"] == dedup), None) if dedup else None
    _check(state, project, env, body, existing)
    if existing is not None:
        _apply(existing, body, env)
        state.touch()
        return Response(200, view(state, existing, "write"))
    return Response(200, view(state, _create(state, project, env, body, dedup), "write"))


def list_schedules(state, req):
    _project, env = _secret(state, req)
    issues = []
    values = {}
    for name, default, cap in (("page", 1, None), ("perPage", 20, 100)):
        raw = req.query.get(name)
        if raw is None:
            values[name] = default
            continue
        value, problems = zod_coerced_int(raw, [name], positive=True)  # z.coerce.number().int().positive() (routes/api.v1.schedules.ts)
        issues.extend(problems)
        if value is not None:
            values[name] = min(value, cap) if cap else value
    if issues:
        raise ApiError(400, {"error": "Invalid request parameters", "issues": issues})
    visible = [s for s in _project["schedules"].values() if env["id"] in s["envIds"]]
    visible.sort(key=lambda s: (s["createdAt"], s["id"]), reverse=True)
    per_page, page = values["perPage"], values["page"]
    chunk = visible[(page - 1) * per_page:page * per_page]
    total_pages = (len(visible) + per_page - 1) // per_page
    return Response(200, {
        "data": [view(state, s, "list") for s in chunk],
        "pagination": {"currentPage": page, "totalPages": total_pages, "count": len(visible)},
    })


def _visible_or_404(project, env, ident):
    schedule = _find(project, ident)
    if schedule is None or not _visible(schedule, env):
        raise ApiError(404, "Schedule not found")
    return schedule


def retrieve(state, req, ident):
    project, env = _secret(state, req)
    return Response(200, view(state, _visible_or_404(project, env, ident), "read"))


def update(state, req, ident):
    project, env = _secret(state, req)
    body = _parse_body(req, False)
    schedule = _find(project, ident)
    if schedule is not None and not _visible(schedule, env):
        raise ApiError(404, "Schedule not found")
    _check(state, project, env, body, schedule)
    if schedule is None:
        return Response(200, view(state, _create(state, project, env, body, None), "write"))
    _apply(schedule, body, env)
    state.touch()
    return Response(200, view(state, schedule, "write"))


def set_active(state, req, ident, active):
    project, env = _secret(state, req)
    schedule = _visible_or_404(project, env, ident)
    schedule["active"] = active
    state.touch()
    return Response(200, view(state, schedule, "read"))


def delete(state, req, ident):
    project, env = _secret(state, req)
    schedule = _visible_or_404(project, env, ident)
    del project["schedules"][schedule["id"]]
    state.touch()
    return Response(200, {"id": schedule["id"]})


# ---------------------------------------------------------------- firing (setting schedules_fire)

def _occurrences(schedule, after_ms, count):
    """The next `count` occurrences strictly after `after_ms`, in epoch milliseconds."""
    try:
        parsed = cron.parse(schedule["cron"])
    except cron.CronError:
        return []
    found, after = [], datetime.datetime.fromtimestamp(after_ms / 1000.0, datetime.timezone.utc)
    while len(found) < count:
        try:
            after = parsed.next_after(after, schedule["timezone"])
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return found
        if after is None:
            break
        found.append(int(after.timestamp() * 1000))
    return found


def _fire(state, project, schedule, env, at_ms, upcoming):
    """Trigger the schedule's task as scheduleEngine.server.ts does: the engine's payload (read back with null for what it
    leaves undefined - a first fire's lastTimestamp, a missing externalId - as the real server shows it), scheduleId on
    the run."""
    payload = {"scheduleId": schedule["id"], "type": schedule["type"], "timestamp": iso(at_ms),
               "lastTimestamp": iso(schedule["lastFiredMs"]) if schedule.get("lastFiredMs") else None,
               "externalId": schedule.get("externalId") or None, "timezone": schedule["timezone"],
               "upcoming": [iso(ms) for ms in upcoming]}
    runs.new_run(state, project, env, schedule["task"], payload=payload, scheduleId=schedule["id"], createdAt=at_ms)


def fire_due(state):
    """The schedule engine on the emulator's clock (internal-packages/schedule-engine/src/engine/index.ts), when the
    setting schedules_fire is on: an active schedule whose next occurrence has passed triggers its task once in each of
    its environments, then waits for the next occurrence after now (occurrences missed meanwhile are skipped, as the
    engine skips expired ones); nothing fires for an occurrence before the setting was switched on. Dev fires only
    while `trigger dev` is connected; archived environments never fire. The window's spread is not modelled: a run is
    created at the nominal time."""
    switched_on = state.settings.get("schedules_fire_since")
    if switched_on is None:
        return
    now = now_ms()
    for project in state.data["projects"].values():
        if project.get("deletedAt") is not None:
            continue
        for schedule in project["schedules"].values():
            since = max(schedule.get("firedUpToMs") or 0, schedule.get("createdAt") or 0, switched_on)
            following = _occurrences(schedule, since, 1)
            if not following or following[0] > now:
                continue
            schedule["firedUpToMs"] = now
            if not schedule["active"]:
                continue
            at_ms = following[0]
            upcoming = _occurrences(schedule, now, 10)
            for env_id in schedule["envIds"]:
                env = state.env_by_id(env_id)
                if env is None or env.get("archivedAt") is not None:
                    continue
                if env["type"] == "DEVELOPMENT" and not (runs.env_worker(state, env) or {}).get("connected"):
                    continue
                _fire(state, project, schedule, env, at_ms, upcoming)
            schedule["lastFiredMs"] = at_ms
