"""Run a command against the real Trigger.dev server (the counterpart of tests/utils/with_emulator.py).

    python tests/realserver/with_real_server.py [--config-out FILE] [--timeout S] -- COMMAND ...

The command gets TRIGGER_EMULATOR_URL (the server's journaling front) and REAL_SERVER_CONFIG in its
environment. With REAL_SERVER_URL (and optionally REAL_SERVER_CONFIG) set, that running server is used;
otherwise `realserver.py serve` is started, waited for (bounded), and always stopped afterwards.

Exit status: the command's; 77 when the server cannot be built or started here (the make targets then
say so and skip), unless REAL_SERVER_REQUIRED=1, when that is a failure (1).
"""

import argparse
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
UNAVAILABLE = 77


def fetch_config(url):
    with urllib.request.urlopen(url.rstrip("/") + "/_emulator/config", timeout=30) as response:
        return json.load(response)


def _unavailable(reason):
    required = os.environ.get("REAL_SERVER_REQUIRED") == "1"
    sys.stderr.write("real server unavailable: %s%s\n" % (reason, " (REAL_SERVER_REQUIRED=1: failing)" if required else ""))
    return 1 if required else UNAVAILABLE


def _start(timeout):
    """Start realserver.py serve; return (process, url, config path) once it printed both lines."""
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "realserver.py"), "serve"], stdout=subprocess.PIPE, text=True,
                            start_new_session=True)
    lines = queue.Queue()

    def reader():
        for line in proc.stdout:
            lines.put(line.strip())
        lines.put(None)
    threading.Thread(target=reader, daemon=True).start()
    deadline = time.monotonic() + timeout
    found = {}
    while time.monotonic() < deadline and ("url" not in found or "config" not in found):
        try:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            break
        if line is None:
            break
        if line.startswith("config "):
            found["config"] = line[len("config "):]
        elif line.startswith("listening on "):
            found["url"] = line[len("listening on "):]
    if "url" not in found:
        _stop(proc)
        reason = "it exited with %s" % proc.returncode if proc.poll() is not None else "it was not up within %d s" % timeout
        raise RuntimeError("tests/realserver/realserver.py serve failed (%s; its messages are above)" % reason)
    return proc, found["url"], found.get("config")


def _stop(proc):
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except OSError:
            pass
        try:
            proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config-out", help='write {"emulator": <config>} to this file')
    parser.add_argument("--timeout", type=int, default=int(os.environ.get("REAL_SERVER_TIMEOUT", "2400")),
                        help="seconds to wait for build and start (default 2400; a cold build takes about 8 minutes)")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    proc = None
    url = os.environ.get("REAL_SERVER_URL")
    config_path = os.environ.get("REAL_SERVER_CONFIG")
    if not url:
        try:
            proc, url, config_path = _start(args.timeout)
        except (RuntimeError, OSError) as exc:
            return _unavailable(str(exc))

    def forward(signum, _frame):
        if proc is not None:
            _stop(proc)
        sys.exit(128 + signum)
    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    try:
        try:
            config = fetch_config(url)
        except (OSError, ValueError) as exc:
            return _unavailable("no config from %s: %s" % (url, exc))
        if args.config_out:
            with open(args.config_out, "w", encoding="utf-8") as handle:
                json.dump({"emulator": config}, handle, indent=2)
        env = dict(os.environ, TRIGGER_EMULATOR_URL=url, REAL_SERVER_URL=url)
        if config_path:
            env["REAL_SERVER_CONFIG"] = config_path
        return subprocess.call(command, env=env)
    finally:
        if proc is not None:
            _stop(proc)


if __name__ == "__main__":
    sys.exit(main())
