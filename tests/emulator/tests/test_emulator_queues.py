"""Queues over HTTP: list, retrieve, pause/resume, concurrency override and reset (server routes/api.v1.queues*.ts,
presenters/v3/QueueRetrievePresenter.server.ts, v3/services/pauseQueue.server.ts, concurrencySystem.server.ts)."""

import time

Q = "/api/v1/queues"
TASKS = ["always-fails", "crashes", "daily-report", "hello-world", "hourly-sync", "slow-task"]


def _deploy_custom(emu, limit=5, task_limit=None):
    """prod gets a version with a custom queue `shared` (declared with `limit`) used by `fresh-task`."""
    task = {"id": "fresh-task", "queue": {"name": "shared"}}
    if task_limit is not None:
        task = {"id": "limited-task", "queue": {"concurrencyLimit": task_limit}}
    emu.control("POST", "workers", {"environment": "prod", "tasks": ["hello-world", task], "queues": [{"name": "shared", "concurrencyLimit": limit}]})


def _override(emu, name, **body):
    return emu.post(Q + "/%s/concurrency/override" % name, emu.key("prod"), json=dict(body, type=body.get("type", "task")))


def _run_status(emu, run_id):
    return emu.get("/api/v3/runs/" + run_id, emu.key("prod")).json()["status"]


def _trigger(emu, task="hello-world"):
    return emu.post("/api/v1/tasks/%s/trigger" % task, emu.key("prod"), json={"payload": {}}).json()["id"]


def test_list_fixture_queues(emu):
    body = emu.get(Q, emu.key("prod")).json()
    assert [item["name"] for item in body["data"]] == TASKS
    assert body["pagination"] == {"currentPage": 1, "totalPages": 1, "count": 6}
    assert body["data"][3] == {
        "id": "queue_env_demo_prod_hello-world", "name": "hello-world", "type": "task", "running": 0, "queued": 0, "paused": False,
        "concurrencyLimit": None, "concurrency": {"current": None, "base": None, "override": None, "overriddenBy": None, "overriddenAt": None},
        "releaseConcurrencyOnWaitpoint": True, "concurrencyLimitOverridePercent": None}
    page = emu.get(Q + "?page=2&perPage=4", emu.key("prod")).json()
    assert [item["name"] for item in page["data"]] == TASKS[4:] and page["pagination"] == {"currentPage": 2, "totalPages": 2, "count": 6}
    beyond = emu.get(Q + "?page=9&perPage=500", emu.key("prod")).json()   # perPage capped at 100
    assert beyond == {"data": [], "pagination": {"currentPage": 9, "totalPages": 1, "count": 6}}
    assert emu.get(Q, emu.key("staging")).json()["data"][0]["id"] == "queue_env_demo_stg_always-fails"


def test_list_query_errors(emu):
    r = emu.get(Q + "?page=0", emu.key("prod"))
    assert r.status_code == 400 and r.json() == {"error": "Query Error", "details": [
        {"code": "too_small", "minimum": 0, "type": "number", "inclusive": False, "exact": False, "message": "Number must be greater than 0",
         "path": ["page"]}]}
    details = emu.get(Q + "?page=1.5&perPage=abc", emu.key("prod")).json()["details"]
    assert [(d["path"], d["message"]) for d in details] == [
        (["page"], "Expected integer, received float"), (["perPage"], "Expected number, received nan")]


def test_retrieve_by_id_task_and_custom_name(emu):
    key = emu.key("prod")
    by_id = emu.get(Q + "/queue_env_demo_prod_hello-world", key).json()
    assert by_id["name"] == "hello-world" and "concurrencyLimitOverridePercent" in by_id
    assert emu.get(Q + "/hello-world?type=task", key).json() == by_id
    assert emu.get(Q + "/task%2Fhello-world?type=task", key).json() == by_id
    assert emu.get(Q + "/task%2Fhello-world?type=custom", key).json() == by_id   # a custom lookup is by the full name
    r = emu.get(Q + "/hello-world", key)   # type defaults to id
    assert r.status_code == 404 and r.json() == {"error": "queue-not-found"}
    r = emu.get(Q + "/hello-world?type=name", key)
    assert r.status_code == 400 and r.json() == {"error": "Query Error", "details": [
        {"received": "name", "code": "invalid_enum_value", "options": ["task", "custom", "id"], "path": ["type"],
         "message": "Invalid enum value. Expected 'task' | 'custom' | 'id', received 'name'"}]}
    r = emu.get(Q + "/100%25?type=custom", key)   # the name is decoded once more: a lone % is a URIError
    assert r.status_code == 500 and r.json() == {"error": "Internal Server Error"}
    r = emu.get(Q + "/queue_env_demo_prod_hello-world", emu.key("staging"))
    assert r.status_code == 404


def test_custom_queues_from_a_deploy(emu):
    _deploy_custom(emu, limit=50)
    key = emu.key("prod")
    shared = emu.get(Q + "/shared?type=custom", key).json()
    assert shared["type"] == "custom" and shared["concurrencyLimit"] == 25   # clamped to the environment's limit
    assert shared["concurrency"]["base"] is None
    names = [item["name"] for item in emu.get(Q, key).json()["data"]]
    assert names == TASKS[:5] + ["shared", "slow-task"]   # name order; fresh-task uses the declared queue, no queue of its own
    worker = emu.get("/api/v1/projects/proj_demo/prod/workers/current", emu.pat).json()["worker"]
    assert {t["slug"]: t["queueConfig"] for t in worker["tasks"]}["fresh-task"] == {"name": "shared"}
    run_id = _trigger(emu, "fresh-task")
    listed = emu.get("/api/v1/runs?filter[queue]=shared", key).json()["data"]
    assert [run["id"] for run in listed] == [run_id]
    _deploy_custom(emu, task_limit=3)
    limited = emu.get(Q + "/limited-task?type=task", key).json()
    assert limited["type"] == "task" and limited["concurrencyLimit"] == 3


def test_override_and_reset(emu):
    r = _override(emu, "hello-world", concurrencyLimit=7)
    assert r.status_code == 200
    body = r.json()
    assert body["concurrencyLimit"] == 7 and "concurrencyLimitOverridePercent" not in body
    concurrency = body["concurrency"]
    assert concurrency["current"] == 7 and concurrency["override"] == 7 and concurrency["base"] is None and concurrency["overriddenBy"] is None
    assert concurrency["overriddenAt"].endswith("Z")
    r = _override(emu, "hello-world", percent=33.3)   # floor(25 * 33.3 / 100)
    assert r.json()["concurrencyLimit"] == 8 and r.json()["concurrency"]["base"] is None
    retrieved = emu.get(Q + "/hello-world?type=task", emu.key("prod")).json()
    assert retrieved["concurrencyLimitOverridePercent"] == 33.3
    assert _override(emu, "hello-world", percent=0.5).json()["concurrencyLimit"] == 1   # at least 1
    r = emu.post(Q + "/hello-world/concurrency/reset", emu.key("prod"), json={"type": "task"})
    assert r.status_code == 200 and r.json()["concurrencyLimit"] is None and r.json()["concurrency"]["override"] is None
    r = emu.post(Q + "/hello-world/concurrency/reset", emu.key("prod"), json={"type": "task"})
    assert r.status_code == 400 and r.json() == {"error": "Queue is not overridden"}
    r = emu.post(Q + "/nope/concurrency/reset", emu.key("prod"), json={"type": "custom"})
    assert r.status_code == 404 and r.json() == {"error": "Queue not found"}


def test_override_keeps_the_first_base_and_a_redeploy_updates_it(emu):
    _deploy_custom(emu, limit=5)
    assert _override(emu, "shared", type="custom", concurrencyLimit=9).json()["concurrency"]["base"] == 5
    assert _override(emu, "shared", type="custom", concurrencyLimit=2).json()["concurrency"]["base"] == 5
    _deploy_custom(emu, limit=6)
    shared = emu.get(Q + "/shared?type=custom", emu.key("prod")).json()
    assert shared["concurrencyLimit"] == 2 and shared["concurrency"]["base"] == 6
    reset = emu.post(Q + "/shared/concurrency/reset", emu.key("prod"), json={"type": "custom"}).json()
    assert reset["concurrencyLimit"] == 6 and reset["concurrency"]["base"] is None


def test_override_body_errors(emu):
    cases = [
        ({"concurrencyLimit": 30}, 'Concurrency limit (30) cannot exceed the environment limit (25)'),
        ({}, "Validation error: Provide exactly one of `concurrencyLimit` or `percent`"),
        ({"concurrencyLimit": 1, "percent": 5}, "Validation error: Provide exactly one of `concurrencyLimit` or `percent`"),
        ({"concurrencyLimit": -1}, 'Validation error: Number must be greater than or equal to 0 at "concurrencyLimit"'),
        ({"concurrencyLimit": 1.5}, 'Validation error: Expected integer, received float at "concurrencyLimit"'),
        ({"concurrencyLimit": 100001}, 'Validation error: Number must be less than or equal to 100000 at "concurrencyLimit"'),
        ({"concurrencyLimit": "3"}, 'Validation error: Expected number, received string at "concurrencyLimit"'),
        ({"percent": 0}, 'Validation error: Number must be greater than 0 at "percent"'),
        ({"percent": 101}, 'Validation error: Number must be less than or equal to 100 at "percent"'),
        ({"percent": None}, 'Validation error: Expected number, received null at "percent"'),
        ({"concurrencyLimit": -1, "percent": 5},
         'Validation error: Number must be greater than or equal to 0 at "concurrencyLimit"; Provide exactly one of `concurrencyLimit` or `percent`'),
        ({"type": "queue", "concurrencyLimit": 1},
         "Validation error: Invalid enum value. Expected 'task' | 'custom' | 'id', received 'queue' at \"type\""),
    ]
    for body, message in cases:
        r = emu.post(Q + "/hello-world/concurrency/override", emu.key("prod"), json=dict({"type": "task"}, **body))
        assert r.status_code == 400 and r.json() == {"error": message}, body
    r = _override(emu, "nope", type="custom", concurrencyLimit=1)
    assert r.status_code == 404 and r.json() == {"error": "Queue not found"}
    url = Q + "/hello-world/concurrency/override"
    for data, message in ((b"", "Request body is empty"), (b"{oops", "Invalid JSON"), (b"null", "Invalid JSON"), (b"0", "Invalid JSON"),
                          (b"[]", "Validation error: Expected object, received array")):
        r = emu.post(url, emu.key("prod"), data=data)
        assert r.status_code == 400 and r.json() == {"error": message}, data


def test_pause_and_resume(emu):
    key = emu.key("prod")
    _override(emu, "hello-world", concurrencyLimit=4)
    r = emu.post(Q + "/hello-world/pause", key, json={"type": "task", "action": "pause"})
    assert r.status_code == 200 and r.json()["paused"] is True and r.json()["concurrency"]["override"] == 4
    assert emu.post(Q + "/hello-world/pause", key, json={"type": "task", "action": "pause"}).json()["paused"] is True
    r = emu.req("PUT", Q + "/queue_env_demo_prod_hello-world/pause", key, json={"action": "resume"})   # any method but GET
    assert r.status_code == 200 and r.json()["paused"] is False and r.json()["concurrencyLimit"] == 4
    r = emu.post(Q + "/nope/pause", key, json={"type": "custom", "action": "pause"})
    assert r.status_code == 404 and r.json() == {"error": "queue-not-found"}
    r = emu.post(Q + "/hello-world/pause", key, json={"type": "task"})
    assert r.status_code == 400 and r.json() == {"error": 'Validation error: Required at "action"'}
    r = emu.post(Q + "/hello-world/pause", key, json={"type": "task", "action": "stop"})
    assert r.json() == {"error": "Validation error: Invalid enum value. Expected 'pause' | 'resume', received 'stop' at \"action\""}
    r = emu.get(Q + "/hello-world/pause", key)   # the route builder's loader
    assert r.status_code == 405 and r.content == b""
    r = emu.post(Q + "/hello-world", key, json={})   # no action: Remix's 405
    assert r.status_code == 405 and r.json() == {"message": "Unexpected Server Error"}


def test_paused_queue_keeps_runs_queued_and_counts_them(emu):
    key = emu.key("prod")
    emu.post(Q + "/hello-world/pause", key, json={"type": "task", "action": "pause"})
    run_id = _trigger(emu)
    other = _trigger(emu, "always-fails")
    emu.control("POST", "clock", {"advance_ms": 3_600_000})
    assert _run_status(emu, run_id) == "QUEUED" and _run_status(emu, other) == "FAILED"
    queue = emu.get(Q + "/hello-world?type=task", key).json()
    assert queue["queued"] == 1 and queue["running"] == 0
    emu.post(Q + "/hello-world/pause", key, json={"type": "task", "action": "resume"})
    deadline = time.monotonic() + 10
    while _run_status(emu, run_id) != "COMPLETED" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _run_status(emu, run_id) == "COMPLETED"
    assert emu.get(Q + "/hello-world?type=task", key).json()["queued"] == 0


def test_a_zero_limit_holds_runs_and_executing_runs_count(emu):
    key = emu.key("prod")
    _override(emu, "slow-task", concurrencyLimit=0)
    held = _trigger(emu, "slow-task")
    emu.control("POST", "clock", {"advance_ms": 3_600_000})
    assert _run_status(emu, held) == "QUEUED"
    emu.post(Q + "/slow-task/concurrency/reset", key, json={"type": "task"})
    deadline = time.monotonic() + 10
    while _run_status(emu, held) != "EXECUTING" and time.monotonic() < deadline:
        time.sleep(0.02)
    assert emu.get(Q + "/slow-task?type=task", key).json()["running"] == 1


def test_environment_limit_control_recalculates_percent_overrides(emu):
    _override(emu, "hello-world", percent=50)
    assert emu.control("POST", "environment", {"environment": "prod", "concurrency_limit": 10})["maximumConcurrencyLimit"] == 10
    assert emu.get(Q + "/hello-world?type=task", emu.key("prod")).json()["concurrencyLimit"] == 5
    r = _override(emu, "crashes", concurrencyLimit=11)
    assert r.status_code == 400 and r.json() == {"error": "Concurrency limit (11) cannot exceed the environment limit (10)"}


def test_auth_kinds_and_journal(emu):
    for token in (emu.pat, emu.config["oat"], emu.config["uat"]):
        assert emu.get(Q, token).json() == {"error": "Invalid API key"}
        r = emu.post(Q + "/hello-world/pause", token, json={"type": "task", "action": "pause"})
        assert r.status_code == 401 and r.json() == {"error": "Invalid API key"}
    assert emu.get(Q).status_code == 401
    r = emu.get(Q, emu.key("preview"))
    assert r.status_code == 401 and r.json() == {"error": "x-trigger-branch header required for preview env"}
    emu.control("DELETE", "journal")
    emu.post(Q + "/hello-world/pause", emu.key("prod"), json={"type": "task", "action": "pause"})
    emu.get(Q + "?perPage=2", emu.key("dev"))
    entries = emu.journal()
    assert [(e["method"], e["path"], e["status"], e["credential"]) for e in entries] == [
        ("POST", Q + "/hello-world/pause", 200, "secret_key:prod"), ("GET", Q, 200, "secret_key:dev")]
    assert entries[0]["body"] == {"type": "task", "action": "pause"} and entries[1]["query"] == {"perPage": "2"}
