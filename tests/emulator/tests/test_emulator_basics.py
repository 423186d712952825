"""Start-up, control API, journal, auth basics, rate limiting, faults and hostile input."""

import json
import os
import re
import socket
import tempfile
import time

import pytest
import requests

from emulator_helpers import start_emulator, stop_emulator


def test_config_shape(emu):
    cfg = emu.config
    assert cfg["api_url"] == emu.url
    assert re.fullmatch(r"tr_pat_[A-Za-z0-9]{40}", cfg["pat"])
    refs = [p["ref"] for p in cfg["projects"]]
    assert refs == ["proj_demo", "proj_other"]
    demo = emu.projects["proj_demo"]
    prefixes = {"dev": "tr_dev_", "staging": "tr_stg_", "prod": "tr_prod_", "preview": "tr_preview_"}
    for env, prefix in prefixes.items():
        key = demo["environments"][env]["secret_key"]
        assert re.fullmatch(re.escape(prefix) + r"[A-Za-z0-9]{24}", key), key
    assert {"hello-world", "always-fails", "crashes", "slow-task", "daily-report", "hourly-sync"} <= set(demo["tasks"])
    assert demo["scheduled_tasks"] == ["daily-report", "hourly-sync"]
    assert emu.key("prod") != emu.key("prod", "proj_other")


def test_unknown_route_and_non_api_path(emu):
    r = emu.get("/api/v1/nothing-here", emu.key("prod"))
    assert r.status_code == 404 and r.json() == {"error": "Not found"}
    assert emu.get("/").status_code == 404


def test_missing_authorization_is_problem_json(emu):
    r = emu.get("/api/v1/runs")
    assert r.status_code == 401
    assert r.headers["Content-Type"].startswith("application/problem+json")
    body = r.json()
    assert body["title"] == "Unauthorized" and body["status"] == 401
    assert body["detail"] == body["error"] == "No authorization header provided"
    # even on unknown /api paths: the middleware runs first
    assert emu.get("/api/v9/whatever").status_code == 401


def test_timezones_need_no_auth(emu):
    r = emu.get("/api/v1/timezones")
    assert r.status_code == 200
    zones = r.json()["timezones"]
    assert zones[0] == "UTC" and "Europe/London" in zones
    assert "x-ratelimit-limit" not in r.headers
    excluded = emu.get("/api/v1/timezones?excludeUtc=true").json()["timezones"]
    assert "UTC" not in excluded and len(excluded) == len(zones) - 1


def test_pat_refused_on_secret_key_routes(emu):
    assert emu.get("/api/v1/runs", emu.pat).json() == {"error": "Invalid API key"}
    r = emu.get("/api/v1/schedules", emu.pat)
    assert r.status_code == 401 and r.json() == {"error": "Invalid or Missing API Key"}
    assert emu.get("/api/v1/runs", "tr_prod_unknownunknownunknown1").status_code == 401


def test_preview_key_needs_branch(emu):
    r = emu.get("/api/v1/runs", emu.key("preview"))
    assert r.status_code == 401 and r.json()["error"] == "x-trigger-branch header required for preview env"
    r = emu.get("/api/v1/runs", emu.key("preview"), headers={"x-trigger-branch": "nope"})
    assert r.status_code == 401 and r.json()["error"] == "No matching branch env"
    assert emu.get("/api/v1/schedules", emu.key("preview")).json() == {"error": "Invalid or Missing API Key"}


def test_wrong_methods(emu):
    r = emu.req("PATCH", "/api/v1/schedules", emu.key("prod"))
    assert r.status_code == 200 and r.json() == {"status": 405, "body": "Method Not Allowed"}
    r = emu.get("/api/v1/schedules/sched_x/activate", emu.key("prod"))
    assert r.status_code == 200 and r.json()["status"] == 405
    r = emu.get("/api/v1/runs/run_x/reschedule", emu.key("prod"))
    assert r.status_code == 200 and r.json()["status"] == 405
    r = emu.get("/api/v1/tasks/hello-world/trigger", emu.key("prod"))
    assert r.status_code == 405


def test_journal_records_requests_without_tokens(emu):
    emu.get("/api/v1/runs?page%5Bsize%5D=5", emu.key("prod"))
    emu.post("/api/v1/projects/proj_demo/envvars/prod", emu.pat, json={"name": "A", "value": "1"})
    emu.get("/api/v1/timezones")
    emu.get("/api/v1/runs", emu.key("preview"), headers={"x-trigger-branch": "feature-x"})
    emu.get("/_emulator/config")  # control requests are not journaled
    entries = emu.journal()
    assert [e["path"] for e in entries] == ["/api/v1/runs", "/api/v1/projects/proj_demo/envvars/prod", "/api/v1/timezones", "/api/v1/runs"]
    first = entries[0]
    assert first == {"method": "GET", "path": "/api/v1/runs", "query": {"page[size]": "5"}, "status": 200,
                     "branch": None, "credential": "secret_key:prod", "body": None}
    assert entries[1]["credential"] == "pat" and entries[1]["body"] == {"name": "A", "value": "1"}
    assert entries[2]["credential"] == "none"
    assert entries[3]["branch"] == "feature-x" and entries[3]["status"] == 401
    text = json.dumps(entries)
    assert emu.pat not in text and emu.key("prod") not in text
    emu.control("DELETE", "journal")
    assert emu.journal() == []


def test_reset_restores_fixture(emu):
    emu.post("/api/v1/projects/proj_demo/envvars/prod", emu.pat, json={"name": "A", "value": "1"})
    emu.control("POST", "reset")
    assert emu.journal() == []
    assert emu.get("/api/v1/projects/proj_demo/envvars/prod", emu.pat).json() == []


def test_keep_alive_connection_reused(emu):
    session = requests.Session()
    for _attempt in range(20):
        assert session.get(emu.url + "/api/v1/timezones", timeout=5).status_code == 200
    assert len(session.adapters["http://"].poolmanager.pools) == 1
    session.close()


def test_rate_limit_headers_and_429(emu):
    r = emu.get("/api/v1/runs", emu.key("prod"))
    assert r.headers["x-ratelimit-limit"] == "750"
    assert int(r.headers["x-ratelimit-remaining"]) == 749
    reset = int(r.headers["x-ratelimit-reset"])
    assert reset > time.time() * 1000  # epoch milliseconds
    emu.control("POST", "settings", {"rate_limit": "3/1"})
    statuses = [emu.get("/api/v1/runs", emu.key("prod")).status_code for _attempt in range(4)]
    assert statuses == [200, 200, 200, 429]
    r = emu.get("/api/v1/runs", emu.key("prod"))
    assert r.status_code == 429
    assert r.headers["Content-Type"].startswith("application/problem+json")
    assert r.headers["x-ratelimit-remaining"] == "0" and "retry-after" not in {k.lower() for k in r.headers}
    body = r.json()
    assert body["title"] == "Rate Limit Exceeded" and body["limit"] == 3 and body["remaining"] == 0
    assert body["reset"] == int(r.headers["x-ratelimit-reset"])
    assert body["error"].startswith("Rate limit exceeded 0/3 requests remaining. Retry in ")
    # buckets are per environment key / per PAT
    assert emu.get("/api/v1/runs", emu.key("staging")).status_code == 200
    assert emu.get("/api/v1/projects", emu.pat).status_code == 200
    # timezones are not limited
    assert emu.get("/api/v1/timezones").status_code == 200
    settings = emu.control("GET", "settings")
    assert settings["rate_limit"] == "3/1"


def test_rate_limit_refills(emu):
    emu.control("POST", "settings", {"rate_limit": "1/1", "rate_limit_interval_ms": 300})
    assert emu.get("/api/v1/runs", emu.key("prod")).status_code == 200
    assert emu.get("/api/v1/runs", emu.key("prod")).status_code == 429
    time.sleep(0.35)
    assert emu.get("/api/v1/runs", emu.key("prod")).status_code == 200
    emu.control("POST", "settings", {"rate_limit": "750/250", "rate_limit_interval_ms": 10000})


def test_faults_errors_latency_and_off(emu):
    emu.control("POST", "faults", {"error_rate": 1.0, "statuses": [503], "seed": 1})
    r = emu.get("/api/v1/runs", emu.key("prod"))
    assert r.status_code == 503 and r.json() == {"error": "Service Unavailable"}
    emu.control("POST", "faults", {"error_rate": 1.0, "statuses": [429]})
    r = emu.get("/api/v1/runs", emu.key("prod"))
    assert r.status_code == 429 and "x-ratelimit-reset" in r.headers
    assert emu.journal()[-1]["status"] == 429
    emu.control("POST", "faults", {"latency_ms": 150})
    started = time.monotonic()
    assert emu.get("/api/v1/runs", emu.key("prod")).status_code == 200
    assert time.monotonic() - started >= 0.14
    emu.control("POST", "faults", {})
    assert emu.control("GET", "faults")["active"] is False
    assert emu.get("/api/v1/runs", emu.key("prod")).status_code == 200
    # control endpoints are never faulted
    emu.control("POST", "faults", {"error_rate": 1.0})
    assert emu.session.get(emu.url + "/_emulator/config").status_code == 200


def test_faults_are_seeded(emu):
    def run():
        emu.control("POST", "faults", {"error_rate": 0.5, "statuses": [500, 502], "seed": 42})
        return [emu.get("/api/v1/runs", emu.key("prod")).status_code for _attempt in range(20)]
    first, second = run(), run()
    assert first == second and 200 in first and (500 in first or 502 in first)


def test_dropped_connection(emu):
    emu.control("POST", "faults", {"drop_rate": 1.0})
    with pytest.raises(requests.ConnectionError):
        requests.get(emu.url + "/api/v1/runs", headers={"Authorization": "Bearer " + emu.key("prod")}, timeout=5)
    entry = emu.journal()[-1]
    assert entry["fault"] == "drop" and entry["status"] is None
    emu.control("POST", "faults", {})
    assert emu.get("/api/v1/runs", emu.key("prod")).status_code == 200


def test_bad_control_bodies(emu):
    r = emu.session.post(emu.url + "/_emulator/faults", json={"error_rate": 3}, timeout=5)
    assert r.status_code == 400
    r = emu.session.post(emu.url + "/_emulator/runs", json={"status": "NOPE"}, timeout=5)
    assert r.status_code == 400
    assert emu.session.get(emu.url + "/_emulator/nothing", timeout=5).status_code == 404


def test_malformed_json_non_utf8_and_unknown_fields(emu):
    key = emu.key("prod")
    r = emu.post("/api/v1/tasks/hello-world/trigger", key, data=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json() == {"error": "Invalid JSON"}
    r = emu.post("/api/v1/tasks/hello-world/trigger", key, data=b"\xff\xfe\x00garbage")
    assert r.status_code == 400
    r = emu.post("/api/v1/schedules", key, data=b"\xff\xfe")
    assert r.status_code == 400 and r.json()["error"] == "Invalid request body"
    # the env-var create route reads the body outside its try/catch: Remix answers 500 in plain text
    r = emu.post("/api/v1/projects/proj_demo/envvars/prod", emu.pat, data=b"[1,2")
    assert r.status_code == 500 and r.text == "Unexpected Server Error" and r.headers["Content-Type"].startswith("text/plain")
    r = emu.post("/api/v1/projects/proj_demo/envvars/prod/import", emu.pat, data=b"\x80\x81")
    assert r.status_code == 400 and r.json() == {"error": "Invalid body"}
    r = emu.post("/api/v1/tasks/hello-world/trigger", key, json={"payload": {}, "whatever": 1, "options": {"alsoUnknown": True}})
    assert r.status_code == 200
    r = emu.get("/api/v1/runs?filter%5Bstatus%5D=%FF%FE", key)
    assert r.status_code == 400
    assert emu.get("/api/v1/timezones").status_code == 200


def test_huge_bodies(emu):
    key = emu.key("prod")
    big = b'{"payload":"' + b"x" * (3 * 1024 * 1024 + 10) + b'"}'
    r = emu.post("/api/v1/tasks/hello-world/trigger", key, data=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json() == {"error": "Request body too large"}
    # chunked (no Content-Length) is refused on trigger

    def gen():
        yield b'{"payload":'
        yield b'{"a":1}}'
    r = emu.post("/api/v1/tasks/hello-world/trigger", key, data=gen())
    assert r.status_code == 413
    # the server keeps serving
    assert emu.post("/api/v1/tasks/hello-world/trigger", key, json={"payload": {}}).status_code == 200


def test_garbage_request_line_keeps_serving(emu):
    host, port = emu.url[len("http://"):].split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"\x00\x01\x02 garbage\r\n\r\n")
        sock.recv(1024)
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"POST /api/v1/timezones HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n")
        assert b"400" in sock.recv(1024).split(b"\r\n")[0]
    assert emu.get("/api/v1/timezones").status_code == 200


def test_state_file_roundtrip_and_seed():
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "state.json")
        proc, url = start_emulator("--state", path)
        try:
            cfg = requests.get(url + "/_emulator/config", timeout=5).json()
            pat = cfg["pat"]
            r = requests.post(url + "/api/v1/projects/proj_demo/envvars/prod", headers={"Authorization": "Bearer " + pat},
                              json={"name": "KEEP", "value": "me"}, timeout=5)
            assert r.status_code == 200
            prod = cfg["projects"][0]["environments"]["prod"]["secret_key"]
            run_id = requests.post(url + "/api/v1/tasks/hello-world/trigger", headers={"Authorization": "Bearer " + prod},
                                   json={"payload": {}}, timeout=5).json()["id"]
        finally:
            stop_emulator(proc)
        assert os.path.exists(path)
        proc, url = start_emulator("--state", path)
        try:
            r = requests.get(url + "/api/v1/projects/proj_demo/envvars/prod/KEEP", headers={"Authorization": "Bearer " + pat}, timeout=5)
            assert r.json() == {"name": "KEEP", "value": "me", "isSecret": False}
            r = requests.get(url + "/api/v3/runs/" + run_id, headers={"Authorization": "Bearer " + prod}, timeout=5)
            assert r.status_code == 200
        finally:
            stop_emulator(proc)
    # --seed makes ids deterministic
    ids = []
    for _attempt in range(2):
        proc, url = start_emulator()
        try:
            prod = requests.get(url + "/_emulator/config", timeout=5).json()["projects"][0]["environments"]["prod"]["secret_key"]
            ids.append(requests.post(url + "/api/v1/tasks/hello-world/trigger", headers={"Authorization": "Bearer " + prod},
                                     json={"payload": {}}, timeout=5).json()["id"])
        finally:
            stop_emulator(proc)
    assert ids[0] == ids[1]


def test_parallel_requests(emu):
    import concurrent.futures  # pylint: disable=import-outside-toplevel
    key = emu.key("prod")

    def call(i):
        return requests.post(emu.url + "/api/v1/projects/proj_demo/envvars/prod", headers={"Authorization": "Bearer " + key},
                             json={"name": "V%d" % i, "value": str(i)}, timeout=10).status_code
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        assert set(pool.map(call, range(40))) == {200}
    assert len(emu.get("/api/v1/projects/proj_demo/envvars/prod", key).json()) == 40
