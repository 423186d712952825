"""The /_emulator/ control API: config, journal, reset, faults, seeded runs, branch ageing, settings, workers, deployments,
environment limits and billing pause, clock."""

import random
import threading

from . import branches, deployments, envpause, runs, util, workers
from . import orgs
from .state import ENV_SLUGS, config_view
from .util import ApiError, Response, now_ms, parse_date_ms

JOURNAL_CAP = 200_000


class Journal:
    def __init__(self):
        self.lock = threading.Lock()
        self.entries = []

    def add(self, entry):
        with self.lock:
            if len(self.entries) >= JOURNAL_CAP:
                del self.entries[: JOURNAL_CAP // 10]
            self.entries.append(entry)

    def clear(self):
        with self.lock:
            self.entries = []

    def dump(self):
        with self.lock:
            return list(self.entries)


class Faults:
    """Injected failures on /api requests."""

    def __init__(self):
        self.lock = threading.Lock()
        self.config = {}
        self.rng = random.Random()

    def set(self, spec):
        if not isinstance(spec, dict):
            raise ApiError(400, "faults body must be an object")
        clean = {}
        for name in ("error_rate", "drop_rate"):
            value = spec.get(name, 0.0)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise ApiError(400, "%s must be a number between 0 and 1" % name)
            clean[name] = float(value)
        statuses = spec.get("statuses", [500])
        if not isinstance(statuses, list) or not statuses or not all(isinstance(s, int) and 400 <= s <= 599 for s in statuses):
            raise ApiError(400, "statuses must be a non-empty list of 4xx/5xx status codes")
        clean["statuses"] = statuses
        latency = spec.get("latency_ms", 0)
        if isinstance(latency, bool) or not isinstance(latency, (int, float)) or latency < 0:
            raise ApiError(400, "latency_ms must be a non-negative number")
        clean["latency_ms"] = latency
        seed = spec.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ApiError(400, "seed must be an integer")
        clean["seed"] = seed
        prefix = spec.get("path_prefix", "/api/")
        if not isinstance(prefix, str):
            raise ApiError(400, "path_prefix must be a string")
        clean["path_prefix"] = prefix
        with self.lock:
            self.config = clean if spec else {}
            self.rng = random.Random(seed)
        return self.view()

    def view(self):
        with self.lock:
            return dict(self.config, active=bool(self.config))

    def decide(self, path):
        """(latency seconds, 'drop' | status int | None) for one request."""
        with self.lock:
            cfg = self.config
            if not cfg or not path.startswith(cfg["path_prefix"]):
                return 0, None
            latency = cfg["latency_ms"] / 1000.0
            if cfg["drop_rate"] and self.rng.random() < cfg["drop_rate"]:
                return latency, "drop"
            if cfg["error_rate"] and self.rng.random() < cfg["error_rate"]:
                return latency, self.rng.choice(cfg["statuses"])
            return latency, None


def _body(req):
    if not req.body:
        return {}
    body = req.json_or(ValueError)
    if not isinstance(body, dict):
        raise ApiError(400, "control request body must be a JSON object")
    return body


def _seed_runs(emu, body):
    state = emu.state
    project = state.project(body.get("project", "proj_demo"))
    if project is None:
        raise ApiError(404, "Project not found")
    env_name = body.get("environment", "prod")
    stored = ENV_SLUGS.get(env_name, (env_name, None))[0]
    env = state.root_env(project, stored)
    if env is None:
        raise ApiError(404, "Environment not found")
    count = body.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= 1_000_000:
        raise ApiError(400, "count must be an integer between 0 and 1000000")
    status = body.get("status", "COMPLETED")
    if status not in runs.FILTER_STATUS:
        raise ApiError(400, "unknown status %r" % status)
    tags = body.get("tags", [])
    if isinstance(tags, str):
        tags = [tags]
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ApiError(400, "tags must be a list of strings")
    task = body.get("task", "hello-world")
    if not isinstance(task, str):
        raise ApiError(400, "task must be a string")
    spec = {"count": count, "status": status, "tags": tags, "task": task}
    for name in ("created_from", "created_to"):
        value = body.get(name)
        spec[name] = parse_date_ms(value) if value is not None else None
        if value is not None and spec[name] is None:
            raise ApiError(400, "%s must be epoch milliseconds or an ISO date" % name)
    with state.lock:
        ids = runs.seed_runs(state, project, env, spec)
    return {"count": len(ids), "ids": ids}


def _settings(emu, body):
    if body:
        pace = body.get("run_pace")
        if pace is not None:
            if isinstance(pace, bool) or not isinstance(pace, (int, float)) or pace < 0:
                raise ApiError(400, "run_pace must be a non-negative number of seconds")
            emu.state.settings["run_pace"] = float(pace)
        limit = body.get("rate_limit")
        interval = body.get("rate_limit_interval_ms")
        if interval is not None and (isinstance(interval, bool) or not isinstance(interval, int) or interval < 1):
            raise ApiError(400, "rate_limit_interval_ms must be a positive integer")
        if limit is not None:
            burst, refill = parse_rate_limit(limit)
            emu.limiter.configure(burst, refill, interval)
        elif interval is not None:
            emu.limiter.configure(interval_ms=interval)
        lag = body.get("runs_list_lag_ms")
        if lag is not None:
            if isinstance(lag, bool) or not isinstance(lag, int) or lag < 0:
                raise ApiError(400, "runs_list_lag_ms must be a non-negative integer")
            emu.state.settings["runs_list_lag_ms"] = lag
        fire = body.get("schedules_fire")
        if fire is not None:
            if not isinstance(fire, bool):
                raise ApiError(400, "schedules_fire must be a boolean")
            if fire != (emu.state.settings["schedules_fire_since"] is not None):
                emu.state.settings["schedules_fire_since"] = now_ms() if fire else None
        orgs.control_org_creation(emu.state, body)
    settings = emu.state.settings
    return {"run_pace": settings["run_pace"], "runs_list_lag_ms": settings["runs_list_lag_ms"],
            "schedules_fire": settings["schedules_fire_since"] is not None,
            "rate_limit": "%d/%d" % (emu.limiter.burst, emu.limiter.refill), "rate_limit_interval_ms": emu.limiter.interval_ms,
            "org_creation_api": emu.state.data["orgCreationApi"]}


def _clock(emu, body):
    """Move the emulator's clock: {"advance_ms": N} forward by N, {"offset_ms": N} to real time + N (reset: 0)."""
    for name in ("advance_ms", "offset_ms"):
        value = body.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise ApiError(400, "%s must be an integer" % name)
    with emu.state.lock:
        if body.get("offset_ms") is not None:
            util.CLOCK["offset_ms"] = body["offset_ms"]
        if body.get("advance_ms") is not None:
            if body["advance_ms"] < 0:
                raise ApiError(400, "advance_ms must not be negative: the clock only moves forward")
            util.CLOCK["offset_ms"] += body["advance_ms"]
    return {"offset_ms": util.CLOCK["offset_ms"], "now": util.now_ms()}


def parse_rate_limit(text):
    """'BURST/REFILL_PER_10S' -> (burst, refill)."""
    if isinstance(text, str) and text.count("/") == 1:
        burst, refill = text.split("/")
        if burst.isdigit() and refill.isdigit() and int(burst) > 0:
            return int(burst), int(refill)
    raise ApiError(400, "rate_limit must look like BURST/REFILL_PER_10S, e.g. 750/250")


def handle(emu, req):
    """Dispatch one control request (never journaled)."""
    path = req.path.rstrip("/")
    method = req.method
    if path == "/_emulator/config" and method == "GET":
        return Response(200, config_view(emu.state, emu.api_url))
    if path == "/_emulator/journal":
        if method == "GET":
            return Response(200, {"requests": emu.journal.dump()})
        if method == "DELETE":
            emu.journal.clear()
            return Response(200, {"cleared": True})
    if path == "/_emulator/reset" and method == "POST":
        emu.reset()
        return Response(200, {"reset": True})
    if path == "/_emulator/faults":
        if method == "POST":
            return Response(200, emu.faults.set(_body(req)))
        if method == "GET":
            return Response(200, emu.faults.view())
    if path == "/_emulator/runs" and method == "POST":
        return Response(200, _seed_runs(emu, _body(req)))
    if path == "/_emulator/branches/age" and method == "POST":
        with emu.state.lock:
            return Response(200, branches.age_branch(emu.state, _body(req)))
    if path == "/_emulator/settings" and method in ("GET", "POST"):
        return Response(200, _settings(emu, _body(req) if method == "POST" else {}))
    if path == "/_emulator/workers" and method == "POST":
        with emu.state.lock:
            return Response(200, workers.control_set_worker(emu.state, _body(req)))
    if path == "/_emulator/deployments" and method == "POST":
        with emu.state.lock:
            return Response(200, deployments.control_seed(emu.state, _body(req)))
    if path == "/_emulator/environment" and method == "POST":
        with emu.state.lock:
            return Response(200, envpause.control_environment(emu.state, _body(req)))
    if path in orgs.CONTROL_ENDPOINTS and method == "POST":
        with emu.state.lock:
            return Response(200, orgs.CONTROL_ENDPOINTS[path](emu.state, _body(req)))
    if path == "/_emulator/clock" and method in ("GET", "POST"):
        return Response(200, _clock(emu, _body(req) if method == "POST" else {}))
    raise ApiError(404, "Unknown control endpoint %s %s" % (method, path))
