"""Schedules (digest §7) and timezones (§7.9)."""

import datetime
import hashlib
import re
import zoneinfo

from . import auth, cron
from .util import ApiError, Response, check_fields, iso, now_ms, zod_issue

_TZ_CACHE = []
WINDOW_RE = re.compile(r"^(\d+)(m|h|%)$")
METHOD_NOT_ALLOWED = Response(200, {"status": 405, "body": "Method Not Allowed"})


def timezones():
    if not _TZ_CACHE:
        skip = ("Etc/", "SystemV/", "posix/", "right/")
        names = sorted(name for name in zoneinfo.available_timezones() if name != "UTC" and "/" in name and not name.startswith(skip))
        _TZ_CACHE.extend(["UTC"] + names)
    return _TZ_CACHE


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
    try:
        parsed = cron.parse(schedule["cron"])
        nxt = parsed.next_after(datetime.datetime.now(datetime.timezone.utc), schedule["timezone"])
    except (cron.CronError, zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None, None
    if nxt is None:
        return None, None
    ms = int(nxt.timestamp() * 1000)
    effective = ms
    window = schedule.get("window")
    if window:
        match = WINDOW_RE.match(window)
        if match and match.group(2) != "%":
            span = int(match.group(1)) * (60_000 if match.group(2) == "m" else 3_600_000)
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
    if schedule["userDedup"]:
        body["deduplicationKey"] = schedule["dedupKey"]
    if schedule.get("window"):
        body["window"] = schedule["window"]
    return body


def _validate_window(window):
    match = WINDOW_RE.match(window)
    if not match:
        return False
    amount, unit = int(match.group(1)), match.group(2)
    if unit == "%":
        return amount <= 100
    return amount * (60 if unit == "m" else 3600) <= 24 * 3600


def _parse_body(req, with_dedup):
    body = req.json_or(None)
    if body is None:
        raise ApiError(400, {"error": "Invalid request body", "issues": [zod_issue([], "Invalid JSON", code="custom")]})
    spec = {"task": ("string", True), "cron": ("string", True), "timezone": ("string", False), "externalId": ("string", False), "window": ("string", False)}
    if with_dedup:
        spec["deduplicationKey"] = ("string", True)
    issues = check_fields(body, spec)
    if not issues and body.get("window") is not None and not _validate_window(body["window"]):
        issues.append(zod_issue(["window"], "Window must be like 30m, 2h (max 24h) or 30%", code="custom"))
    if issues:
        raise ApiError(400, {"error": "Invalid request body", "issues": issues})
    return body


def _check(project, env, body, existing):
    """The 422 checks of checkSchedule / upsertTaskSchedule."""
    task = project["tasks"].get(body["task"])
    if task is None:
        raise ApiError(422, "Task with identifier %s not found in project." % body["task"])
    if task["type"] != "SCHEDULED":
        raise ApiError(422, "Task with identifier %s is not a scheduled task." % body["task"])
    try:
        cron.parse(body["cron"])
    except cron.CronError as exc:
        raise ApiError(422, "Invalid cron expression: %s" % exc) from exc
    zone = body.get("timezone") or "UTC"
    if zone not in timezones():
        raise ApiError(422, "Invalid IANA timezone: '%s'. Please use a valid IANA timezone like 'America/New_York' or 'Europe/London'." % zone)
    if env["archivedAt"] is not None:
        raise ApiError(422, "Can't add or edit a schedule for an archived branch")
    if existing is not None and existing["type"] == "DECLARATIVE":
        raise ApiError(422, "Cannot update a declarative schedule")


def _apply(schedule, body, env):
    schedule["cron"] = body["cron"].strip()
    schedule["timezone"] = body.get("timezone") or "UTC"
    schedule["externalId"] = body.get("externalId") or None
    schedule["window"] = body.get("window") or None
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
    _check(project, env, body, existing)
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
        if not re.fullmatch(r"\d+", raw) or int(raw) < 1:
            issues.append(zod_issue([name], "Number must be greater than or equal to 1", code="too_small"))
            continue
        values[name] = min(int(raw), cap) if cap else int(raw)
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
    _check(project, env, body, schedule)
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
