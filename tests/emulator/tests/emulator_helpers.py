"""Helpers for the emulator tests: start/stop the emulator subprocess and a tiny HTTP client."""

import os
import subprocess
import sys

import requests

EMULATOR_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
MODERN = {"x-trigger-api-version": "2025-07-16"}


def start_emulator(*extra):
    """Start `python3 tests/emulator --port 0 ...`; returns (process, base url)."""
    proc = subprocess.Popen(  # pylint: disable=consider-using-with
        [sys.executable, EMULATOR_DIR, "--host", "127.0.0.1", "--port", "0", "--seed", "7", "--run-pace", "0.1"] + list(extra),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline().strip()
    if not line.startswith("listening on "):
        proc.kill()
        raise RuntimeError("emulator did not start: %r %s" % (line, proc.stderr.read()))
    return proc, line[len("listening on "):]


def stop_emulator(proc):
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    proc.stdout.close()
    proc.stderr.close()


class Emu:
    """Small client for the tests."""

    def __init__(self, url):
        self.url = url
        self.session = requests.Session()
        self.config = self.session.get(url + "/_emulator/config", timeout=10).json()
        self.pat = self.config["pat"]
        self.projects = {p["ref"]: p for p in self.config["projects"]}

    def key(self, env, project="proj_demo"):
        return self.projects[project]["environments"][env]["secret_key"]

    def req(self, method, path, token=None, headers=None, **kwargs):
        all_headers = dict(headers or {})
        if token is not None:
            all_headers["Authorization"] = "Bearer " + token
        kwargs.setdefault("timeout", 10)
        return self.session.request(method, self.url + path, headers=all_headers, **kwargs)

    def get(self, path, token=None, **kwargs):
        return self.req("GET", path, token, **kwargs)

    def post(self, path, token=None, **kwargs):
        return self.req("POST", path, token, **kwargs)

    def put(self, path, token=None, **kwargs):
        return self.req("PUT", path, token, **kwargs)

    def delete(self, path, token=None, **kwargs):
        return self.req("DELETE", path, token, **kwargs)

    def control(self, method, name, body=None):
        response = self.session.request(method, self.url + "/_emulator/" + name, json=body, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()

    def journal(self):
        return self.control("GET", "journal")["requests"]
