"""The journaling front of the real server: what tests talk to instead of the webapp itself.

It forwards every API request to the webapp unchanged and records it in the same journal shape as the
emulator (method, path, query, status, branch, credential, body), so integration targets that assert
on the requests that went out run against both backends. It serves the part of the emulator's control
API that a real server can honour:

    GET /_emulator/config          the emulator's config shape, plus backend "real" and capabilities
    GET|DELETE /_emulator/journal  the requests so far / forget them
    POST /_emulator/reset          back to the seeded fixture (database rows, the runs replica, the journal)
    POST /_emulator/branches/age   {"project", "branch", "days"}: push a branch's timestamps back

Everything else under /_emulator answers 501 with the capability it needs (tests tag those cases).
"""

import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE)))

from emulator import state as fixture  # noqa: E402  pylint: disable=wrong-import-position
import seed  # noqa: E402  pylint: disable=wrong-import-position,wrong-import-order

JOURNAL_CAP = 20000
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization", "proxy-connection",
              "host", "content-length", "accept-encoding"}
# Tables of the runs replica that tests fill (internal-packages/clickhouse/schema).
CH_TABLES = ["task_runs_v2", "raw_task_runs_payload_v1"]


class Backend:
    """The running real server, as the front sees it."""

    def __init__(self, webapp_url, pg_url, redis_port, ch_url, encryption_key, node, dev_worker):
        self.webapp_url = webapp_url
        self.pg_url = pg_url
        self.redis_port = redis_port
        self.ch_url = ch_url
        self.encryption_key = encryption_key
        self.node = node
        self.dev_worker = dev_worker
        self.front_url = None
        self.journal = []
        self.lock = threading.Lock()
        self.reset_lock = threading.Lock()
        self.uat = None
        base = fixture.config_view(fixture.State(), "")
        self.keys = {}
        for project in base["projects"] + base["outside_projects"]:
            for public, env in project["environments"].items():
                self.keys[env["secret_key"]] = public
        self.pats = {user["pat"] for user in base["users"] if user["pat"]}

    # ------------------------------------------------------------ state

    def mint_uat(self):
        """A user-actor token from the seeded PAT (POST /api/v1/auth/user-actor-token), for the config."""
        body = json.dumps({"client": "triggerdev.management tests", "ttlSeconds": 7 * 24 * 3600}).encode()
        request = urllib.request.Request(self.webapp_url + "/api/v1/auth/user-actor-token", data=body, method="POST",
                                         headers={"Authorization": "Bearer " + fixture.PAT, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                found = json.load(response)
        except (urllib.error.URLError, ValueError, OSError):
            return None
        token = found.get("token") or found.get("userActorToken") or found.get("accessToken")
        self.uat = token if isinstance(token, str) and token.startswith("tr_uat_") else None
        return self.uat

    def branches(self):
        sql = ('SELECT p."externalRef", e."branchName", e.id, e."apiKey", (e."archivedAt" IS NOT NULL) FROM "RuntimeEnvironment" e '
               'JOIN "Project" p ON p.id = e."projectId" WHERE e."parentEnvironmentId" IS NOT NULL ORDER BY e."createdAt"')
        found = {}
        for line in _psql(self.pg_url, sql).splitlines():
            ref, name, env_id, key, archived = line.split("|")
            found.setdefault(ref, []).append({"name": name, "id": env_id, "own_key": key, "archived": archived == "t"})
        return found

    def config(self):
        base = fixture.config_view(fixture.State(), self.front_url)
        branches = self.branches()
        keys = self.current_keys()
        for project in base["projects"] + base.get("outside_projects", []):
            project["branches"] = branches.get(project["ref"], [])
            for env in project["environments"].values():
                env["secret_key"] = keys.get(env["id"], env["secret_key"])  # a root key regenerated since the seed
        base.update({
            "backend": "real", "uat": self.uat, "webapp_url": self.webapp_url, "server_commit": fixture.SERVER_COMMIT,
            "now": int(time.time() * 1000),
            "capabilities": {"journal": True, "reset": True, "branches_age": True, "faults": False, "settings": False, "seed_runs": False,
                             "clock": False, "workers": False, "runs_execute": ["dev"] if self.dev_worker else []},
        })
        return base

    def current_keys(self):
        """{environment id: its root secret key now}."""
        rows = _psql(self.pg_url, 'SELECT id, "apiKey" FROM "RuntimeEnvironment" WHERE "parentEnvironmentId" IS NULL')
        return dict(line.split("|", 1) for line in rows.splitlines() if "|" in line)

    def reset(self):
        """The seeded fixture again: test rows deleted, the runs replica emptied, the journal cleared."""
        with self.reset_lock:
            started = time.monotonic()
            _psql(self.pg_url, seed.reset_sql() + seed.seed_sql(fixture, self.encryption_key, self.node))
            for table in CH_TABLES:
                _post(self.ch_url + "/", "TRUNCATE TABLE IF EXISTS trigger_dev.%s" % table)
            with self.lock:
                self.journal = []
            return {"reset": True, "seconds": round(time.monotonic() - started, 2)}

    def age_branch(self, spec):
        days = spec.get("days")
        if isinstance(days, bool) or not isinstance(days, (int, float)):
            return 400, {"error": "days must be a number"}
        sql = ('UPDATE "RuntimeEnvironment" e SET "updatedAt" = now() - interval \'%d seconds\', '
               '"createdAt" = LEAST(e."createdAt", now() - interval \'%d seconds\') FROM "Project" p '
               'WHERE p.id = e."projectId" AND p."externalRef" = %s AND e."branchName" = %s AND e."parentEnvironmentId" IS NOT NULL '
               'RETURNING e.id, e."branchName", e."createdAt", e."updatedAt"'
               % (int(days * 86400), int(days * 86400), seed.q(spec.get("project")), seed.q(spec.get("branch"))))
        rows = [line.split("|") for line in _psql(self.pg_url, sql).splitlines() if "|" in line]
        if not rows:
            return 404, {"error": "Branch not found"}
        env_id, name, created, updated = rows[-1][:4]
        return 200, {"id": env_id, "branch": name, "createdAt": created, "updatedAt": updated}

    # ------------------------------------------------------------ journal

    def credential(self, headers):
        header = headers.get("Authorization")
        if header is None:
            return "none"
        token = header[7:].strip() if header[:7].lower() == "bearer " else header.strip()
        if token in self.pats:
            return "pat"
        if token == fixture.OAT:
            return "oat"
        if token.startswith("tr_uat_") and token == self.uat:
            return "uat"
        if token in self.keys:
            return "secret_key:" + self.keys[token]
        if re.match(r"^tr_(dev|stg|prod|preview)_", token):
            return self._minted_key(token)
        return "invalid"

    def _minted_key(self, token):
        """A secret key the server made after the seed (a regenerated root key): its environment, from the database."""
        row = _psql(self.pg_url, 'SELECT slug, "parentEnvironmentId" IS NOT NULL FROM "RuntimeEnvironment" WHERE "apiKey" = %s'
                    % seed.q(token)).strip()
        if not row:
            return "invalid"
        slug, is_branch = row.split("|")[:2]
        name = "preview" if is_branch == "t" else {"stg": "staging"}.get(slug, slug)
        self.keys[token] = name
        return "secret_key:" + name

    def record(self, entry):
        with self.lock:
            if len(self.journal) >= JOURNAL_CAP:
                del self.journal[: JOURNAL_CAP // 10]
            self.journal.append(entry)

    def journal_dump(self):
        with self.lock:
            return list(self.journal)


def _psql(url, sql):
    result = subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", "-At", url], input=sql, capture_output=True, text=True, timeout=120,
                            check=False)
    if result.returncode != 0:
        raise RuntimeError("psql: %s" % result.stderr.strip()[-1000:])
    return result.stdout


def _post(url, text):
    request = urllib.request.Request(url, data=text.encode(), method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.read()


def _journal_body(raw):
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        text = raw[:4096].decode("utf-8", "replace")
        return text + ("...(truncated)" if len(raw) > 4096 else "")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    backend = None  # set by make_server

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass

    def _read(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status, body, headers=None):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        sent = set()
        for name, value in (headers or [("Content-Type", "application/json")]):
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-encoding":
                self.send_header(name, value)
                sent.add(name.lower())
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _control(self, path, raw):
        backend = self.backend
        if path == "/_emulator/config" and self.command == "GET":
            return 200, backend.config()
        if path == "/_emulator/journal" and self.command == "GET":
            return 200, {"requests": backend.journal_dump()}
        if path == "/_emulator/journal" and self.command == "DELETE":
            with backend.lock:
                backend.journal = []
            return 200, {"cleared": True}
        if path == "/_emulator/reset" and self.command == "POST":
            return 200, backend.reset()
        if path == "/_emulator/branches/age" and self.command == "POST":
            try:
                spec = json.loads(raw or b"{}")
            except ValueError:
                return 400, {"error": "body must be JSON"}
            return backend.age_branch(spec if isinstance(spec, dict) else {})
        need = {"faults": "faults", "runs": "seed_runs", "settings": "settings", "workers": "workers", "clock": "clock"}
        name = path[len("/_emulator/"):].split("/")[0]
        return 501, {"error": "the real server has no %s control (capability %s is false)" % (name, need.get(name, name))}

    def _proxy(self, raw):
        target = urllib.parse.urlsplit(self.backend.webapp_url)
        headers = {name: value for name, value in self.headers.items() if name.lower() not in HOP_BY_HOP}
        connection = http.client.HTTPConnection(target.hostname, target.port, timeout=300)
        try:
            connection.request(self.command, self.path, body=raw or None, headers=headers)
            response = connection.getresponse()
            data = response.read()
            return response.status, data, response.getheaders()
        finally:
            connection.close()

    def _handle(self):
        raw = self._read()
        split = urllib.parse.urlsplit(self.path)
        path = split.path
        if path.startswith("/_emulator"):
            try:
                status, body = self._control(path.rstrip("/"), raw)
            except Exception as exc:  # pylint: disable=broad-except
                status, body = 500, {"error": "control failed: %s" % exc}
            self._send(status, body)
            return
        query = {}
        for key, value in urllib.parse.parse_qsl(split.query, keep_blank_values=True):
            query.setdefault(key, []).append(value)
        entry = {"method": self.command, "path": path, "query": {k: v[-1] if len(v) == 1 else v for k, v in query.items()},
                 "status": None, "branch": self.headers.get("x-trigger-branch"), "credential": self.backend.credential(self.headers),
                 "body": _journal_body(raw)}
        try:
            status, data, headers = self._proxy(raw)
        except (OSError, http.client.HTTPException) as exc:
            status, data, headers = 502, json.dumps({"error": "the webapp did not answer: %s" % exc}).encode(), None
        entry["status"] = status
        if path.startswith("/api/"):
            self.backend.record(entry)
        self._send(status, data, headers)

    def _safe(self):
        try:
            self._handle()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _safe


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def make_server(backend, port=0):
    handler = type("BoundHandler", (Handler,), {"backend": backend})
    return Server(("127.0.0.1", port), handler)
