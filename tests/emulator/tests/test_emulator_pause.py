"""Environment pause and resume over HTTP (server routes/api.v1.projects.$projectRef.$env.pause.ts and .resume.ts,
v3/services/pauseEnvironment.server.ts, v3/services/billingLimit/manualPauseEnvironmentGuard.server.ts)."""

import time

import pytest

P = "/api/v1/projects/proj_demo"
BRANCHES = P + "/branches"
BILLING = ("This environment is paused because your organization reached its billing limit. "
           "Resolve the limit on the billing limits settings page to resume.")


def _status(emu, run_id, env="prod"):
    return emu.get("/api/v3/runs/" + run_id, emu.key(env)).json()["status"]


def test_pause_and_resume_are_idempotent(emu):
    for _attempt in range(2):
        r = emu.post(P + "/prod/pause", emu.pat)
        assert r.status_code == 200 and r.json() == {"paused": True, "state": "paused"}
    for _attempt in range(2):
        r = emu.post(P + "/prod/resume", emu.pat)
        assert r.status_code == 200 and r.json() == {"paused": False, "state": "resumed"}
    r = emu.post(P + "/staging/resume", emu.pat)   # never paused
    assert r.status_code == 200 and r.json() == {"paused": False, "state": "resumed"}


def test_pat_only(emu):
    for token in (emu.key("prod"), emu.config["oat"], emu.config["uat"], "tr_pat_" + "x" * 40):
        for action in ("pause", "resume"):
            r = emu.post(P + "/prod/" + action, token)
            assert r.status_code == 401 and r.json() == {"error": "Invalid or Missing Access Token"}, token[:8]
    r = emu.post(P + "/prod/pause")
    assert r.status_code == 401 and r.headers["Content-Type"].startswith("application/problem+json")
    # the params are read before the credential
    r = emu.post(P + "/production/pause", emu.key("prod"))
    assert r.status_code == 400 and r.json() == {"error": "Invalid Params"}
    r = emu.post("/api/v1/projects/proj_missing/prod/pause", emu.pat)
    assert r.status_code == 404 and r.json() == {"error": "Project not found"}
    r = emu.put(P + "/prod/pause", emu.pat)
    assert r.status_code == 405 and r.json() == {"error": "Method Not Allowed"}
    r = emu.get(P + "/prod/resume", emu.pat)   # no loader: Remix's 400
    assert r.status_code == 400 and r.json() == {"message": "Unexpected Server Error"}


def test_paused_environment_keeps_runs_queued(emu):
    emu.post(P + "/prod/pause", emu.pat)
    r = emu.post("/api/v1/tasks/hello-world/trigger", emu.key("prod"), json={"payload": {}})
    assert r.status_code == 200   # triggering still works
    run_id = r.json()["id"]
    other = emu.post("/api/v1/tasks/hello-world/trigger", emu.key("staging"), json={"payload": {}}).json()["id"]
    emu.control("POST", "clock", {"advance_ms": 3_600_000})
    assert _status(emu, run_id) == "QUEUED" and _status(emu, other, "staging") == "COMPLETED"
    assert emu.get("/api/v1/queues/hello-world?type=task", emu.key("prod")).json()["queued"] == 1
    emu.post(P + "/prod/resume", emu.pat)
    deadline = time.monotonic() + 10
    while _status(emu, run_id) != "COMPLETED" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _status(emu, run_id) == "COMPLETED"


def test_a_run_already_executing_finishes_while_paused(emu):
    run_id = emu.post("/api/v1/tasks/slow-task/trigger", emu.key("prod"), json={"payload": {}}).json()["id"]
    deadline = time.monotonic() + 10
    while _status(emu, run_id) != "EXECUTING" and time.monotonic() < deadline:
        time.sleep(0.02)
    emu.post(P + "/prod/pause", emu.pat)
    emu.control("POST", "clock", {"advance_ms": 3_600_000})
    assert _status(emu, run_id) == "COMPLETED"


def test_preview_branch_pause_shows_in_the_branch_list(emu):
    emu.post(BRANCHES, emu.pat, json={"env": "preview", "branch": "feature-p"})
    emu.post(BRANCHES, emu.pat, json={"env": "preview", "branch": "feature-q"})
    r = emu.post(P + "/preview/pause", emu.pat, headers={"x-trigger-branch": "refs/heads/feature-p"})
    assert r.status_code == 200 and r.json() == {"paused": True, "state": "paused"}
    paused = {b["name"]: b["isPaused"] for b in emu.get(BRANCHES, emu.pat).json()["branches"]}
    assert paused == {"feature-p": True, "feature-q": False}
    r = emu.post(P + "/preview/pause", emu.pat, headers={"x-trigger-branch": "missing"})
    assert r.status_code == 404 and r.json() == {"error": "Branch not found"}
    emu.post(P + "/preview/resume", emu.pat, headers={"x-trigger-branch": "feature-p"})
    assert all(b["isPaused"] is False for b in emu.get(BRANCHES, emu.pat).json()["branches"])
    archived = emu.post(BRANCHES + "/archive", emu.pat, json={"branch": "feature-q"}).json()["branch"]
    assert archived["paused"] is False and archived["pauseSource"] is None


def test_billing_limit_pause(emu):
    state = emu.control("POST", "environment", {"environment": "prod", "billing_limit_paused": True})
    assert state["paused"] is True and state["pauseSource"] == "BILLING_LIMIT"
    r = emu.post(P + "/prod/resume", emu.pat)
    assert r.status_code == 400 and r.json() == {"error": BILLING}
    r = emu.post(P + "/prod/pause", emu.pat)   # a silent no-op: the billing pause stays
    assert r.status_code == 200 and r.json() == {"paused": True, "state": "paused"}
    assert emu.control("POST", "environment", {"environment": "prod"})["pauseSource"] == "BILLING_LIMIT"
    state = emu.control("POST", "environment", {"environment": "prod", "billing_limit_paused": False})
    assert state["paused"] is False and state["pauseSource"] is None
    assert emu.post(P + "/prod/resume", emu.pat).status_code == 200


def test_billing_pause_of_a_manually_paused_environment_and_control_errors(emu):
    emu.post(P + "/dev/pause", emu.pat)
    assert emu.control("POST", "environment", {"environment": "dev", "billing_limit_paused": False})["pauseSource"] is None
    assert emu.post(P + "/dev/resume", emu.pat).json() == {"paused": False, "state": "resumed"}
    for body, status in (({"environment": "nope"}, 404), ({"project": "nope"}, 404), ({"concurrency_limit": -1}, 400),
                         ({"billing_limit_paused": "yes"}, 400), ({"environment": "preview", "branch": "missing"}, 404)):
        r = emu.session.post(emu.url + "/_emulator/environment", json=body, timeout=10)
        assert r.status_code == status and "error" in r.json(), body


def test_environments_list_reports_the_pause(emu):
    r = emu.get(P + "/environments", emu.pat)
    if r.status_code != 200:
        pytest.skip("GET /api/v1/projects/{ref}/environments is not emulated in this tree")
    emu.post(P + "/staging/pause", emu.pat)
    paused = {env["slug"]: env["paused"] for env in emu.get(P + "/environments", emu.pat).json()}
    assert paused["stg"] is True and paused["prod"] is False


def test_journal_records_pause_requests(emu):
    emu.post(P + "/prod/pause", emu.pat)
    emu.post(P + "/preview/resume", emu.pat, headers={"x-trigger-branch": "nope"})
    emu.post(P + "/prod/resume", emu.key("prod"))
    entries = emu.journal()
    assert [(e["path"], e["status"], e["credential"], e["branch"]) for e in entries] == [
        (P + "/prod/pause", 200, "pat", None), (P + "/preview/resume", 404, "pat", "nope"), (P + "/prod/resume", 401, "secret_key:prod", None)]
