"""HTTP layer: request parsing, middleware (faults, auth header, rate limit, journal) and routing."""

import ipaddress
import json
import re
import socket
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote

from . import auth, branches, control, deployments, envpause, envvars, queues, ratelimit, runs, schedules, util, workers
from . import apikeys, orgs, projects
from .patbuilder import REMIX_NO_ACTION, REMIX_NO_LOADER, answer, not_allowed
from .state import State
from .util import ApiError, Response

MAX_BODY = 16 * 1024 * 1024          # read and discard up to this much when refusing
ROUTE_BODY_LIMITS = [                 # (pattern, limit, content-length required)
    (re.compile(r"^/api/v1/tasks/[^/]+/trigger$"), runs.TRIGGER_MAX_BYTES, True),
    (re.compile(r"^/api/v1/tasks/[^/]+/batch$"), runs.TRIGGER_MAX_BYTES, True),
    (re.compile(r"^/api/v2/tasks/batch$"), runs.BATCH_V2_MAX_BYTES, True),
    (re.compile(r"^/api/v3/batches$"), runs.BATCH_V3_CREATE_MAX_BYTES, False),
]
NOT_ALLOWED = Response(405, {"error": "Method Not Allowed"})
LEGACY_NOT_ALLOWED = schedules.METHOD_NOT_ALLOWED
BUILDER_LOADER_405 = Response(405, None)   # createActionApiRoute's loader: GET on an action route, no body


class Request:
    """One parsed HTTP request."""

    __slots__ = ("method", "path", "query", "query_multi", "headers", "body", "cred", "_json")

    def __init__(self, method, path, query_multi, headers, body):
        self.method = method
        self.path = path
        self.query_multi = query_multi
        self.query = {k: v[-1] for k, v in query_multi.items()}
        self.headers = headers
        self.body = body
        self.cred = None
        self._json = None

    def json_or(self, default):
        """The body parsed as JSON, or `default` when it is empty, not UTF-8 or not JSON."""
        if self._json is None:
            try:
                self._json = (True, json.loads(self.body.decode("utf-8")))
            except (ValueError, UnicodeDecodeError):
                self._json = (False, None)
        return self._json[1] if self._json[0] else default


def _st(func, *extra):
    """Adapt a handler taking (state, req, *path_args, *extra) to the router's (emulator, req, *path_args)."""
    def call(emu, req, *args):
        return func(emu.state, req, *args, *extra)
    return call


def _project_env(emu, req, ref, slug):
    return branches.project_env(emu.state, req, ref, slug, emu.api_url)


def _route_table():
    """(regex, {method: handler}, fallback response for other methods); '*' = any method but GET/HEAD."""
    seg = r"([^/]+)"
    lower_405 = Response(405, {"error": "Method not allowed"})
    update_var = _st(envvars.update_var)
    table = [
        (r"/api/v1/timezones", {"GET": _st(schedules.list_timezones)}, NOT_ALLOWED),
        (r"/api/v1/schedules", {"GET": _st(schedules.list_schedules), "POST": _st(schedules.create)}, LEGACY_NOT_ALLOWED),
        (r"/api/v1/schedules/%s/activate" % seg, {"POST": _st(schedules.set_active, True)}, LEGACY_NOT_ALLOWED),
        (r"/api/v1/schedules/%s/deactivate" % seg, {"POST": _st(schedules.set_active, False)}, LEGACY_NOT_ALLOWED),
        (r"/api/v1/schedules/%s" % seg, {"GET": _st(schedules.retrieve), "PUT": _st(schedules.update), "DELETE": _st(schedules.delete)}, LEGACY_NOT_ALLOWED),
        (r"/api/v1/runs", {"GET": _st(runs.list_env_runs)}, NOT_ALLOWED),
        (r"/api/v3/runs/%s" % seg, {"GET": _st(runs.retrieve)}, NOT_ALLOWED),
        (r"/api/v2/runs/%s/cancel" % seg, {"POST": _st(runs.cancel)}, NOT_ALLOWED),
        (r"/api/v1/runs/%s/replay" % seg, {"POST": _st(runs.replay)}, NOT_ALLOWED),
        (r"/api/v1/runs/%s/reschedule" % seg, {"POST": _st(runs.reschedule)}, LEGACY_NOT_ALLOWED),
        (r"/api/v1/tasks/%s/trigger" % seg, {"POST": _st(runs.trigger)}, NOT_ALLOWED),
        (r"/api/v1/tasks/%s/batch" % seg, {"POST": _st(runs.batch_v1)}, NOT_ALLOWED),
        (r"/api/v2/tasks/batch", {"POST": _st(runs.batch_v2)}, NOT_ALLOWED),
        (r"/api/v3/batches", {"POST": _st(runs.batch_v3_create)}, NOT_ALLOWED),
        (r"/api/v3/batches/%s/items" % seg, {"POST": _st(runs.batch_v3_items)}, NOT_ALLOWED),
        (r"/api/v1/batches/%s" % seg, {"GET": _st(runs.retrieve_batch)}, NOT_ALLOWED),
        (r"/api/v2/batches/%s" % seg, {"GET": _st(runs.retrieve_batch, True)}, NOT_ALLOWED),
        (r"/api/v1/deployments", {"GET": _st(deployments.list_deployments), "POST": answer(deployments.NOT_EMULATED),
                                  "*": answer(LEGACY_NOT_ALLOWED)}, None),
        (r"/api/v1/deployments/latest", {"GET": _st(deployments.latest)}, REMIX_NO_ACTION),
        (r"/api/v1/deployments/current", {"GET": _st(deployments.retrieve_current)}, REMIX_NO_ACTION),
        (r"/api/v1/deployments/%s" % seg, {"GET": _st(deployments.retrieve)}, REMIX_NO_ACTION),
        (r"/api/v1/deployments/%s/promote" % seg, {"POST": _st(deployments.promote), "*": answer(LEGACY_NOT_ALLOWED)}, REMIX_NO_LOADER),
        (r"/api/v1/deployments/%s/cancel" % seg, {"POST": _st(deployments.cancel), "*": answer(NOT_ALLOWED)}, REMIX_NO_LOADER),
        (r"/api/v1/queues", {"GET": _st(queues.list_queues)}, REMIX_NO_ACTION),
        (r"/api/v1/queues/%s" % seg, {"GET": _st(queues.retrieve_queue)}, REMIX_NO_ACTION),
        (r"/api/v1/queues/%s/pause" % seg, {"*": _st(queues.pause_queue)}, BUILDER_LOADER_405),
        (r"/api/v1/queues/%s/concurrency/override" % seg, {"*": _st(queues.override_concurrency)}, BUILDER_LOADER_405),
        (r"/api/v1/queues/%s/concurrency/reset" % seg, {"*": _st(queues.reset_concurrency)}, BUILDER_LOADER_405),
        (r"/api/v1/projects/%s/%s/workers/%s" % (seg, seg, seg), {"GET": _st(workers.worker_by_tag)}, NOT_ALLOWED),
        (r"/api/v1/orgs", {"GET": _st(orgs.list_orgs), "POST": _st(orgs.create_org), "*": not_allowed("POST")}, None),
        (r"/api/v1/orgs/%s" % seg, {"PATCH": _st(orgs.rename_org), "DELETE": _st(orgs.delete_org), "*": not_allowed("PATCH", "DELETE")},
         REMIX_NO_LOADER),
        (r"/api/v1/orgs/%s/members" % seg, {"GET": _st(orgs.list_members)}, REMIX_NO_ACTION),
        (r"/api/v1/orgs/%s/projects" % seg, {"GET": _st(projects.list_org_projects), "POST": _st(projects.create_project), "*": not_allowed("POST")},
         None),
        (r"/api/v1/auth/user-actor-token", {"*": _st(apikeys.mint_user_actor_token)}, REMIX_NO_LOADER),
        (r"/api/v1/projects", {"GET": _st(projects.list_projects)}, REMIX_NO_ACTION),
        (r"/api/v1/projects/%s" % seg, {"GET": _st(projects.get_project), "PATCH": _st(projects.rename_project),
                                        "DELETE": _st(projects.delete_project), "*": not_allowed("PATCH", "DELETE")}, None),
        (r"/api/v1/projects/%s/runs" % seg, {"GET": _st(runs.list_project_runs)}, NOT_ALLOWED),
        (r"/api/v1/projects/%s/branches" % seg, {"GET": _st(branches.list_branches), "POST": _st(branches.upsert)}, lower_405),
        (r"/api/v1/projects/%s/branches/archive" % seg, {"POST": _st(branches.archive)}, lower_405),
        (r"/api/v1/projects/%s/envvars" % seg, {"GET": _st(envvars.resolved_vars)}, NOT_ALLOWED),
        (r"/api/v1/projects/%s/envvars/%s/import" % (seg, seg), {"POST": _st(envvars.import_vars)}, NOT_ALLOWED),
        (r"/api/v1/projects/%s/envvars/%s" % (seg, seg), {"GET": _st(envvars.list_vars), "*": _st(envvars.create_var)}, NOT_ALLOWED),
        (r"/api/v1/projects/%s/envvars/%s/%s" % (seg, seg, seg),
         {"GET": _st(envvars.retrieve_var), "PUT": update_var, "POST": update_var, "DELETE": _st(envvars.delete_var)}, NOT_ALLOWED),
        (r"/api/v1/projects/%s/%s/pause" % (seg, seg), {"POST": _st(envpause.pause), "*": answer(NOT_ALLOWED)}, REMIX_NO_LOADER),
        (r"/api/v1/projects/%s/%s/resume" % (seg, seg), {"POST": _st(envpause.resume), "*": answer(NOT_ALLOWED)}, REMIX_NO_LOADER),
        (r"/api/v1/projects/%s/environments" % seg, {"GET": _st(projects.list_environments)}, REMIX_NO_ACTION),
        (r"/api/v1/projects/%s/default-region" % seg, {"PUT": _st(projects.set_default_region), "*": not_allowed("PUT")}, REMIX_NO_LOADER),
        (r"/api/v1/projects/%s/%s/regenerate-api-key" % (seg, seg), {"POST": _st(apikeys.regenerate), "*": answer(NOT_ALLOWED)}, REMIX_NO_LOADER),
        (r"/api/v1/projects/%s/%s" % (seg, seg), {"GET": _project_env}, NOT_ALLOWED),
    ]
    return [(re.compile("^" + pattern + "$"), methods, fallback) for pattern, methods, fallback in table]


ROUTES = _route_table()


def _problem_401():
    message = "No authorization header provided"
    body = {"title": "Unauthorized", "status": 401, "type": "https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/401", "detail": message, "error": message}
    return Response(401, body, content_type="application/problem+json")


def _fault_response(status):
    if status == 429:
        reset = int(time.time() * 1000) + 1000
        response = ratelimit.too_many(0, 0, reset)
        return response
    text = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}.get(status, "Injected fault")
    return Response(status, {"error": text})


class Emulator:
    """Everything the handler needs: state, limiter, journal, faults."""

    def __init__(self, seed=None, state_file=None, run_pace=0.2, rate_limit=(750, 250), runs_list_lag_ms=0):
        self.state = State(seed=seed, state_file=state_file)
        self.state.settings = {"run_pace": run_pace, "runs_list_lag_ms": runs_list_lag_ms, "schedules_fire_since": None}
        self.defaults = {"run_pace": run_pace, "rate_limit": rate_limit, "runs_list_lag_ms": runs_list_lag_ms}
        self.limiter = ratelimit.RateLimiter(*rate_limit)
        self.journal = control.Journal()
        self.faults = control.Faults()
        self.api_url = ""

    def reset(self):
        util.CLOCK["offset_ms"] = 0
        self.state.settings["runs_list_lag_ms"] = self.defaults["runs_list_lag_ms"]
        self.state.settings["schedules_fire_since"] = None
        self.state.reset()
        self.journal.clear()
        self.faults.set({})
        self.limiter.reset()

    def route(self, req):
        for pattern, methods, fallback in ROUTES:
            match = pattern.match(req.path)
            if match is None:
                continue
            args = [unquote(group) for group in match.groups()]
            method = "GET" if req.method == "HEAD" else req.method
            handler = methods.get(method)
            if handler is None and method != "GET":
                handler = methods.get("*")
            if handler is None:
                return fallback
            with self.state.lock:
                schedules.fire_due(self.state)
                return handler(self, req, *args)
        raise ApiError(404, "Not found")

    def api(self, req):
        """Auth-header check, rate limit, route. Returns (response, rate-limit headers)."""
        timezones = req.path == "/api/v1/timezones"
        if not timezones and req.headers.get("Authorization") is None:
            return _problem_401()
        limit_headers = {}
        if not timezones:
            with self.state.lock:
                allowed, limit, remaining, reset = self.limiter.take(ratelimit.bucket_key(req.cred))
            if not allowed:
                return ratelimit.too_many(limit, remaining, reset)
            limit_headers = ratelimit.headers(limit, remaining, reset)
        try:
            response = self.route(req)
        except ApiError as exc:
            response = Response(exc.status, exc.body, dict(exc.headers), exc.content_type)
        response.headers = dict(response.headers, **limit_headers)
        return response


def _is_loopback(address):
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


class Handler(BaseHTTPRequestHandler):
    """One connection; HTTP/1.1 keep-alive."""

    protocol_version = "HTTP/1.1"
    server_version = "TriggerDevEmulator/1.0"
    sys_version = ""
    emulator = None  # set by make_server

    def setup(self):
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """Quiet: no per-request logging."""

    def _read_body(self, path):
        """(body bytes, early Response or None); an early response means the body was refused."""
        length_header = self.headers.get("Content-Length")
        chunked = "chunked" in (self.headers.get("Transfer-Encoding") or "").lower()
        limit, needs_length = MAX_BODY, False
        for pattern, route_limit, required in ROUTE_BODY_LIMITS:
            if pattern.match(path):
                limit, needs_length = route_limit, required
                break
        if length_header is None:
            if chunked:
                body, too_big = self._read_chunked(MAX_BODY)
                if too_big:
                    self.close_connection = True
                if needs_length or too_big or len(body) > limit:
                    return b"", Response(413, {"error": "Request body too large"})
                return body, None
            return b"", None
        if not length_header.strip().isdigit():
            self.close_connection = True
            return b"", Response(400, {"error": "Invalid Content-Length"})
        length = int(length_header)
        if length > limit:
            if length <= MAX_BODY:
                self._discard(length)
            else:
                self.close_connection = True
            return b"", Response(413, {"error": "Request body too large"})
        return self.rfile.read(length), None

    def _discard(self, length):
        remaining = length
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 65536))
            if not chunk:
                break
            remaining -= len(chunk)

    def _read_chunked(self, cap):
        parts, total = [], 0
        while True:
            line = self.rfile.readline(1024)
            if not line:
                break
            try:
                size = int(line.split(b";")[0].strip() or b"0", 16)
            except ValueError:
                return b"", True
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass
                break
            total += size
            if total > cap:
                return b"", True
            parts.append(self.rfile.read(size))
            self.rfile.readline(1024)
        return b"".join(parts), False

    def _send(self, response):
        if response.body is None:
            payload = b""
        elif isinstance(response.body, str):
            payload = response.body.encode("utf-8")
        else:
            payload = json.dumps(response.body, separators=(",", ":")).encode("utf-8")
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type + ("; charset=utf-8" if response.content_type in ("application/json", "text/plain") else ""))
        self.send_header("Content-Length", str(len(payload)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        # one write for headers and body (avoids Nagle/delayed-ACK stalls on keep-alive connections)
        self._headers_buffer.append(b"\r\n")
        if self.command != "HEAD":
            self._headers_buffer.append(payload)
        self.flush_headers()

    def _drop(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _handle(self):
        emu = self.emulator
        raw_path, _sep, raw_query = self.path.partition("?")
        path = raw_path or "/"
        query_multi = {}
        for key, value in parse_qsl(raw_query, keep_blank_values=True, errors="replace"):
            query_multi.setdefault(key, []).append(value)
        body, early = self._read_body(path)
        req = Request(self.command, path, query_multi, self.headers, body)
        if path.startswith("/_emulator/") or path == "/_emulator":
            if not _is_loopback(self.client_address[0]):
                self._send(Response(403, {"error": "control API is only available on loopback"}))
                return
            try:
                response = early or control.handle(emu, req)
            except ApiError as exc:
                response = Response(exc.status, exc.body, dict(exc.headers), exc.content_type)
            self._send(response)
            return
        req.cred = auth.parse_credential(emu.state, self.headers)
        entry = {"method": self.command, "path": path, "query": {k: v[-1] if len(v) == 1 else v for k, v in query_multi.items()},
                 "status": None, "branch": self.headers.get("x-trigger-branch"), "credential": req.cred.journal_name(), "body": _journal_body(req)}
        latency, fault = emu.faults.decide(path)
        if latency:
            time.sleep(latency)
        if fault == "drop":
            entry["fault"] = "drop"
            emu.journal.add(entry)
            self._drop()
            return
        if fault is not None:
            response = _fault_response(fault)
            entry["fault"] = "error"
        elif early is not None:
            response = early
        elif path.startswith("/api/"):
            response = emu.api(req)
        else:
            response = Response(404, {"error": "Not found"})
        entry["status"] = response.status
        emu.journal.add(entry)
        self._send(response)

    def _safe_handle(self):
        try:
            self._handle()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:  # pylint: disable=broad-except
            traceback.print_exc(file=sys.stderr)
            self.close_connection = True
            try:
                self._send(Response(500, {"error": "Internal Server Error"}))
            except OSError:
                pass

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _safe_handle


def _journal_body(req):
    if not req.body:
        return None
    parsed = req.json_or(ValueError)
    if parsed is not ValueError:
        return parsed
    text = req.body[:4096].decode("utf-8", "replace")
    return text + ("...(truncated)" if len(req.body) > 4096 else "")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        """Clients that hang up mid-request are normal (drops, timeouts); log anything else."""
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def make_server(host, port, emulator):
    """Bind the server; the handler class carries the emulator."""
    handler = type("BoundHandler", (Handler,), {"emulator": emulator})
    if ":" in host:
        Server.address_family = socket.AF_INET6
    httpd = Server((host, port), handler)
    bound_port = httpd.server_address[1]
    shown = "[%s]" % host if ":" in host else host
    emulator.api_url = emulator.state.api_url = "http://%s:%d" % (shown, bound_port)
    return httpd


def start_saver(emulator, stop_event, interval=0.5):
    """Persist the state in the background when it changed (only with --state)."""
    def loop():
        while not stop_event.wait(interval):
            if emulator.state.dirty:
                try:
                    emulator.state.save()
                except OSError as exc:
                    sys.stderr.write("state save failed: %s\n" % exc)
    thread = threading.Thread(target=loop, name="state-saver", daemon=True)
    thread.start()
    return thread
