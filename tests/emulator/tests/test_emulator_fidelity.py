"""Server behaviour the first emulator got wrong (undeployed tasks, TTLs, idempotency after failures, big batches,
the lagging runs list, delays, access tokens, branches), each as the server code at b082e443 has it."""

import json
import time
import uuid

import pytest

HOUR = 3_600_000


def _trigger(emu, task="hello-world", env="dev", options=None, headers=None, **body):
    body["payload"] = body.get("payload", {"name": "x"})
    if options is not None:
        body["options"] = options
    return emu.post("/api/v1/tasks/%s/trigger" % task, emu.key(env), headers=headers, json=body)


def _status(emu, run_id, env="dev"):
    return emu.get("/api/v3/runs/" + run_id, emu.key(env)).json()


def _wait(emu, run_id, statuses, env="dev", timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        run = _status(emu, run_id, env)
        if run["status"] in statuses or time.monotonic() > deadline:
            return run
        time.sleep(0.05)


def test_undeployed_task_is_triggered_and_waits_for_a_version(emu):
    r = _trigger(emu, "not-deployed-yet", env="prod")
    assert r.status_code == 200 and r.json()["isCached"] is False
    run_id = r.json()["id"]
    run = _wait(emu, run_id, {"PENDING_VERSION"}, env="prod")
    assert run["status"] == "PENDING_VERSION"
    # parked runs do not expire, even past their TTL
    emu.control("POST", "clock", {"advance_ms": 2 * HOUR})
    assert _status(emu, run_id, "prod")["status"] == "PENDING_VERSION"
    # deploying a version with the task runs it
    emu.control("POST", "workers", {"project": "proj_demo", "environment": "prod", "tasks": ["hello-world", "not-deployed-yet"]})
    assert _wait(emu, run_id, {"COMPLETED"}, env="prod")["status"] == "COMPLETED"


def test_batches_accept_undeployed_tasks(emu):
    r = emu.post("/api/v2/tasks/batch", emu.key("prod"), json={"items": [{"task": "nope", "payload": {}}, {"task": "hello-world", "payload": {}}]})
    assert r.status_code == 202 and r.json()["runCount"] == 2
    r = emu.post("/api/v1/tasks/nope/batch", emu.key("prod"), json={"items": [{"payload": {}}]})
    assert r.status_code == 200 and len(r.json()["runs"]) == 1


def test_dev_run_without_worker_expires_at_the_default_ttl(emu):
    emu.control("POST", "workers", {"project": "proj_demo", "environment": "dev", "connected": False})
    run_id = _trigger(emu).json()["id"]
    run = _status(emu, run_id)
    assert run["status"] == "QUEUED" and run["ttl"] == "10m"
    emu.control("POST", "clock", {"advance_ms": 9 * 60_000})
    assert _status(emu, run_id)["status"] == "QUEUED"
    emu.control("POST", "clock", {"advance_ms": 61_000})
    run = _status(emu, run_id)
    assert run["status"] == "EXPIRED" and run["error"]["message"] == "Run expired because the TTL (10m) was reached"


def test_numeric_ttl_is_seconds_and_deployed_envs_have_none(emu):
    assert _status(emu, _trigger(emu, options={"ttl": 3661}).json()["id"])["ttl"] == "1h1m1s"
    assert _status(emu, _trigger(emu, env="prod").json()["id"], "prod").get("ttl") is None


@pytest.mark.parametrize("task,final", [("always-fails", "FAILED"), ("crashes", "CRASHED")])
def test_idempotency_key_after_a_failed_run_starts_a_new_run(emu, task, final):
    first = _trigger(emu, task, options={"idempotencyKey": "k1"}).json()
    assert _wait(emu, first["id"], {final})["status"] == final
    second = _trigger(emu, task, options={"idempotencyKey": "k1"}).json()
    assert second["isCached"] is False and second["id"] != first["id"]
    # the key moved to the new run
    assert _status(emu, first["id"]).get("idempotencyKey") is None
    assert _status(emu, second["id"])["idempotencyKey"] == "k1"


def test_idempotency_key_after_completed_or_canceled_is_cached(emu):
    done = _trigger(emu, options={"idempotencyKey": "ok"}).json()
    _wait(emu, done["id"], {"COMPLETED"})
    assert _trigger(emu, options={"idempotencyKey": "ok"}).json() == {"id": done["id"], "isCached": True}
    pending = _trigger(emu, env="prod", options={"idempotencyKey": "c", "delay": "1h"}).json()
    emu.post("/api/v2/runs/%s/cancel" % pending["id"], emu.key("prod"))
    assert _trigger(emu, env="prod", options={"idempotencyKey": "c"}).json() == {"id": pending["id"], "isCached": True}


TTL_CASES = [("1m", 61_000), ("2h", 2 * HOUR + 1000), ("1w", 30 * 24 * HOUR + 1000), ("1h30m", 30 * 24 * HOUR + 1000),
             ("bogus", 30 * 24 * HOUR + 1000)]


@pytest.mark.parametrize("ttl,fresh_after_ms", TTL_CASES)
def test_idempotency_key_ttl_understands_only_one_unit(emu, ttl, fresh_after_ms):
    first = _trigger(emu, env="prod", options={"idempotencyKey": "t", "idempotencyKeyTTL": ttl, "delay": "90d"}).json()
    emu.control("POST", "clock", {"advance_ms": fresh_after_ms - 2000})
    assert _trigger(emu, env="prod", options={"idempotencyKey": "t"}).json()["id"] == first["id"]
    emu.control("POST", "clock", {"advance_ms": 3000})
    assert _trigger(emu, env="prod", options={"idempotencyKey": "t"}).json()["isCached"] is False


def test_request_idempotency_key_is_never_replayed_at_this_server_commit(emu):
    """The routes scope the key as a SHA-256 digest, which the cache's UUID v4 check always refuses: each request
    with the same key is handled anew (checked on the real server: two runs)."""
    headers = {"x-trigger-request-idempotency-key": str(uuid.uuid4())}
    first = _trigger(emu, env="prod", headers=headers)
    again = _trigger(emu, env="prod", headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.json()["id"] != first.json()["id"] and again.json()["isCached"] is False
    items = {"items": [{"task": "hello-world", "payload": {}}]}
    batch = emu.post("/api/v2/tasks/batch", emu.key("prod"), headers=headers, json=items)
    replay = emu.post("/api/v2/tasks/batch", emu.key("prod"), headers=headers, json=items)
    assert batch.status_code == replay.status_code == 202
    assert replay.json()["id"] != batch.json()["id"]


def test_empty_v2_batch_is_refused_by_the_authorization_check(emu):
    r = emu.post("/api/v2/tasks/batch", emu.key("prod"), json={"items": []})
    assert r.status_code == 403
    assert r.json() == {"error": "Unauthorized", "code": "unauthorized", "param": "access_token", "type": "authorization"}


def test_big_v2_batch_is_processed_after_the_answer(emu):
    emu.control("POST", "settings", {"run_pace": 0.5})
    try:
        key = emu.key("prod")
        batch = emu.post("/api/v2/tasks/batch", key, json={"items": [{"task": "hello-world", "payload": {"i": i}} for i in range(25)]}).json()
        view = emu.get("/api/v2/batches/" + batch["id"], key).json()
        assert view["runCount"] == 25 and view["runs"] == [] and view["status"] == "PENDING"
        assert emu.get("/api/v1/runs", key, params={"filter[batch]": batch["id"]}).json()["data"] == []
        time.sleep(0.6)
        view = emu.get("/api/v1/batches/" + batch["id"], key).json()
        assert len(view["runs"]) == 25
        assert len(emu.get("/api/v1/runs", key, params={"filter[batch]": batch["id"], "page[size]": 100}).json()["data"]) == 25
    finally:
        emu.control("POST", "settings", {"run_pace": 0.05})
    small = emu.post("/api/v2/tasks/batch", key, json={"items": [{"task": "hello-world", "payload": {}}] * 20}).json()
    assert len(emu.get("/api/v1/batches/" + small["id"], key).json()["runs"]) == 20
    assert emu.get("/api/v1/batches/batch_nope", key).status_code == 404


def test_runs_list_lags_but_retrieve_does_not(emu):
    emu.control("POST", "settings", {"runs_list_lag_ms": 400})
    key = emu.key("prod")
    run_id = _trigger(emu, env="prod").json()["id"]
    assert emu.get("/api/v1/runs", key).json()["data"] == []
    assert _status(emu, run_id, "prod")["id"] == run_id
    time.sleep(0.5)
    assert [r["id"] for r in emu.get("/api/v1/runs", key).json()["data"]] == [run_id]
    emu.control("POST", "reset")
    assert emu.control("GET", "settings")["runs_list_lag_ms"] == 0


@pytest.mark.parametrize("delay,delayed", [("2hr", True), ("1w2d", True), ("30s", True), ("2030-01-01T00:00:00Z", True),
                                           ("1y", False), ("500ms", False), ("1.5h", False), ("bogus", False), ("2020-01-01T00:00:00Z", False)])
def test_delay_is_read_like_the_server_or_ignored(emu, delay, delayed):
    r = _trigger(emu, env="prod", options={"delay": delay})
    assert r.status_code == 200
    assert (_status(emu, r.json()["id"], "prod")["status"] == "DELAYED") is delayed


def test_reschedule_texts_and_order(emu):
    key = emu.key("prod")
    run_id = _trigger(emu, env="prod", options={"delay": "1h"}).json()["id"]
    assert emu.post("/api/v1/runs/%s/reschedule" % run_id, emu.pat, json={"delay": "1h"}).json() == {"error": "Invalid or missing API Key"}
    assert emu.post("/api/v1/runs/%s/reschedule" % run_id, key, json={}).json() == {"error": "Invalid request body"}
    # the delay is checked before the run is looked up
    assert emu.post("/api/v1/runs/run_nope/reschedule", key, json={"delay": "1y"}).json() == {"error": "Invalid delay: 1y"}
    assert emu.post("/api/v1/runs/run_nope/reschedule", key, json={"delay": "1h"}).status_code == 404
    assert emu.post("/api/v1/runs/%s/reschedule" % run_id, key, json={"delay": "3hr"}).json()["status"] == "DELAYED"


def test_replay_and_retrieve_texts(emu):
    key = emu.key("prod")
    assert emu.get("/api/v3/runs/run_nope", key).json() == {"error": "Not found"}
    assert emu.post("/api/v1/runs/run_nope/replay", key).json() == {"error": "Resource not found"}
    assert emu.post("/api/v1/runs/run_nope/replay", emu.pat).json() == {"error": "Invalid API key"}
    original = _trigger(emu, env="prod", options={"tags": ["a"], "machine": "small-2x", "queue": {"name": "custom"}}).json()["id"]
    replayed = emu.post("/api/v1/runs/%s/replay" % original, key).json()["id"]
    run = _status(emu, replayed, "prod")
    assert run["tags"] == ["a"]


def test_workers_route(emu):
    body = emu.get("/api/v1/projects/proj_demo/prod/workers/current", emu.pat).json()
    slugs = {t["slug"]: t["triggerSource"] for t in body["worker"]["tasks"]}
    assert slugs["hello-world"] == "STANDARD" and slugs["daily-report"] == "SCHEDULED"
    assert emu.get("/api/v1/projects/proj_demo/prod/workers/current", emu.config["oat"]).status_code == 200
    assert emu.get("/api/v1/projects/proj_demo/prod/workers/current", emu.key("prod")).json() == {"error": "Invalid or Missing Access Token"}
    assert emu.get("/api/v1/projects/proj_demo/production/workers/current", emu.pat).json() == {"error": "Invalid Params"}
    assert emu.get("/api/v1/projects/proj_demo/prod/workers/v2", emu.pat).json() == {"error": "Worker not found"}
    emu.control("POST", "workers", {"project": "proj_demo", "environment": "staging", "tasks": [{"id": "nightly", "type": "SCHEDULED"}]})
    tasks = emu.get("/api/v1/projects/proj_demo/staging/workers/current", emu.pat).json()["worker"]["tasks"]
    assert [(t["slug"], t["triggerSource"]) for t in tasks] == [("nightly", "SCHEDULED")]


def test_organization_and_user_actor_tokens(emu):
    oat, uat = emu.config["oat"], emu.config["uat"]
    assert oat.startswith("tr_oat_") and uat.startswith("tr_uat_")
    assert emu.get("/api/v1/projects/proj_demo/prod", oat).json()["apiKey"] == emu.key("prod")
    # user-actor tokens only reach the routes that opt in (the workers route here); the PAT helpers refuse them
    assert emu.get("/api/v1/projects/proj_demo/prod", uat).status_code == 401
    assert emu.get("/api/v1/projects/proj_demo/prod/workers/current", uat).status_code == 200
    assert emu.post("/api/v1/projects/proj_demo/envvars/prod", oat, json={"name": "A", "value": "1"}).status_code == 200
    assert emu.post("/api/v1/projects/proj_demo/branches", oat, json={"env": "preview", "branch": "b1"}).status_code == 200
    # PAT-only routes
    assert emu.get("/api/v1/projects/proj_demo/runs?filter[env]=prod", oat).json() == {"error": "Invalid or Missing PAT"}
    assert emu.get("/api/v1/projects/proj_demo/branches?env=preview", oat).json() == {"error": "Invalid or Missing Access Token"}
    assert [e["credential"] for e in emu.journal()][:1] == ["oat"]


def test_branch_identity_is_the_slug(emu):
    base = "/api/v1/projects/proj_demo/branches"
    first = emu.post(base, emu.pat, json={"env": "preview", "branch": "feature/login"}).json()["id"]
    assert emu.post(base, emu.pat, json={"env": "preview", "branch": "featurelogin"}).json()["id"] == first
    assert emu.post(base, emu.pat, json={"env": "preview", "branch": "Feature_Login"}).json()["id"] == first
    names = [b["name"] for b in emu.get(base + "?env=preview", emu.pat).json()["branches"]]
    assert names == ["feature/login"]


def test_timezones_route_and_validation_error_format(emu):
    zones = emu.get("/api/v1/timezones").json()["timezones"]
    assert "Asia/Calcutta" in zones and "Asia/Kolkata" not in zones and "UTC" in zones
    r = emu.post("/api/v2/tasks/batch", emu.key("prod"), json={"items": [{"payload": {}}]})
    assert r.json() == {"error": 'Validation error: Required at "items[0].task"'}


def test_preview_branch_runs_only_what_was_deployed_to_it(emu):
    # A branch is an environment of its own on the server: workers/current answers 404 with the branch header until
    # something is deployed to the branch, and its runs wait; the parent's deployment does not run them.
    emu.post("/api/v1/projects/proj_demo/branches", emu.pat, json={"env": "preview", "branch": "pr-9"})
    branch = {"x-trigger-branch": "pr-9"}
    current = "/api/v1/projects/proj_demo/preview/workers/current"
    assert emu.get(current, emu.pat, headers=branch).json() == {"error": "Worker not found"}
    run_id = _trigger(emu, env="preview", headers=branch).json()["id"]
    time.sleep(0.3)
    assert emu.get("/api/v3/runs/" + run_id, emu.key("preview"), headers=branch).json()["status"] == "QUEUED"
    assert emu.control("POST", "workers", {"project": "proj_demo", "environment": "preview", "branch": "pr-9"})["tasks"]
    assert "hello-world" in [t["slug"] for t in emu.get(current, emu.pat, headers=branch).json()["worker"]["tasks"]]
    deadline = time.monotonic() + 10
    while emu.get("/api/v3/runs/" + run_id, emu.key("preview"), headers=branch).json()["status"] != "COMPLETED":
        assert time.monotonic() < deadline, "the branch run did not complete after the deploy"
        time.sleep(0.05)
    missing = emu.session.post(emu.url + "/_emulator/workers", json={"environment": "preview", "branch": "no-such"}, timeout=30)
    assert missing.status_code == 404


def test_zod_issues_of_query_parameters_and_branch_bodies(emu):
    """Issue lists as zod 3 writes them (every failed check, its own fields), checked against the real server."""
    r = emu.get("/api/v1/schedules", emu.key("prod"), params={"perPage": "0"})
    assert r.json() == {"error": "Invalid request parameters", "issues": [
        {"code": "too_small", "minimum": 0, "type": "number", "inclusive": False, "exact": False,
         "message": "Number must be greater than 0", "path": ["perPage"]}]}
    r = emu.get("/api/v1/schedules", emu.key("prod"), params={"page": "abc"})
    assert r.json()["issues"] == [{"code": "invalid_type", "expected": "number", "received": "nan", "path": ["page"],
                                   "message": "Expected number, received nan"}]
    assert emu.get("/api/v1/schedules", emu.key("prod"), params={"perPage": "500"}).status_code == 200
    r = emu.get("/api/v1/runs", emu.key("prod"), params={"filter[status]": "NOPE,QUEUED,BAD", "filter[isTest]": "maybe"})
    assert r.json() == {"error": "Query Error", "details": [
        {"code": "custom", "message": "Invalid status values: NOPE, BAD", "path": ["filter[status]"]},
        {"code": "custom", "message": "Invalid value for isTest: maybe", "path": ["filter[isTest]"]}]}
    r = emu.get("/api/v1/runs", emu.key("prod"), params={"filter[createdAt][from]": "garbage"})
    assert r.json()["details"] == [{"code": "invalid_date", "path": ["filter[createdAt][from]"], "message": "Invalid date"}]
    r = emu.post("/api/v1/projects/proj_demo/branches", emu.pat, json={"env": "x", "git": {"dirty": "no", "pullRequestState": "gone"}})
    assert r.status_code == 400 and json.loads(r.json()["error"]) == [
        {"code": "invalid_type", "expected": "boolean", "received": "string", "path": ["git", "dirty"], "message": "Expected boolean, received string"},
        {"received": "gone", "code": "invalid_enum_value", "options": ["open", "closed", "merged"], "path": ["git", "pullRequestState"],
         "message": "Invalid enum value. Expected 'open' | 'closed' | 'merged', received 'gone'"},
        {"received": "x", "code": "invalid_enum_value", "options": ["preview", "development"], "path": ["env"],
         "message": "Invalid enum value. Expected 'preview' | 'development', received 'x'"},
        {"code": "invalid_type", "expected": "string", "received": "undefined", "path": ["branch"], "message": "Required"}]
    r = emu.post("/api/v1/projects/proj_demo/branches/archive", emu.pat, json={"env": None})
    assert json.loads(r.json()["error"])[0] == {"expected": "'preview' | 'development'", "received": "null", "code": "invalid_type",
                                                "path": ["env"], "message": "Expected 'preview' | 'development', received null"}


@pytest.mark.parametrize("body, message", [
    (b"{not json", "Expected property name or '}' in JSON at position 1 (line 1 column 2)"),
    (b"", "Unexpected end of JSON input"),
    (b"[1,", "Unexpected end of JSON input"),
    (b'{"a":1 "b":2}', "Expected ',' or '}' after property value in JSON at position 7 (line 1 column 8)"),
    (b"[1 2]", "Expected ',' or ']' after array element in JSON at position 3 (line 1 column 4)"),
    (b'{"a":1}x', "Unexpected non-whitespace character after JSON at position 7 (line 1 column 8)"),
    (b"nope", "Unexpected token 'o', \"nope\" is not valid JSON"),
    (b'{"a":1,}', "Expected double-quoted property name in JSON at position 7 (line 1 column 8)"),
])
def test_branch_routes_echo_node_json_parse_errors(emu, body, message):
    r = emu.post("/api/v1/projects/proj_demo/branches", emu.pat, data=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json() == {"error": message}


def test_envvar_update_looks_the_variable_up_before_reading_the_body(emu):
    r = emu.put("/api/v1/projects/proj_demo/envvars/prod/NOT_THERE", emu.pat, json={})
    assert r.status_code == 404 and r.json() == {"error": "Environment variable not found"}
    assert emu.post("/api/v1/projects/proj_demo/envvars/prod", emu.pat, json={"name": "THERE", "value": "v"}).status_code == 200
    r = emu.put("/api/v1/projects/proj_demo/envvars/prod/THERE", emu.pat, data=b"{oops", headers={"Content-Type": "application/json"})
    assert r.status_code == 500 and r.json() == {"error": "Internal Server Error"}
