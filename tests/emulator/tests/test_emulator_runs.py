"""Triggering, batches and runs (docs/dev/protocol.md#runs, #triggering)."""

import json
import time

from emulator_helpers import MODERN


def _trigger(emu, task="hello-world", env="prod", headers=None, **body):
    body.setdefault("payload", {"name": "Ansible"})
    return emu.post("/api/v1/tasks/%s/trigger" % task, emu.key(env), headers=headers, json=body)


def _wait_final(emu, run_id, env="prod", timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        run = emu.get("/api/v3/runs/" + run_id, emu.key(env), headers=MODERN).json()
        if run["isCompleted"]:
            return run
        time.sleep(0.05)
    raise AssertionError("run did not finish")


def test_trigger_and_progress_to_completed(emu):
    r = _trigger(emu)
    assert r.status_code == 200
    body = r.json()
    assert body["id"].startswith("run_") and body["isCached"] is False
    assert "x-trigger-jwt" in r.headers and "read:runs:" + body["id"] in r.headers["x-trigger-jwt-claims"]
    first = emu.get("/api/v3/runs/" + body["id"], emu.key("prod"), headers=MODERN).json()
    assert first["status"] in ("QUEUED", "EXECUTING") and first["taskIdentifier"] == "hello-world"
    run = _wait_final(emu, body["id"])
    assert run["status"] == "COMPLETED" and run["isSuccess"] is True and run["output"] == {"message": "Hello, Ansible"}
    assert run["startedAt"] and run["finishedAt"] and run["attemptCount"] == 1 and run["attempts"] == []
    assert run["payload"] == {"name": "Ansible"}


def test_region_is_the_worker_queue(emu):
    """Dev's worker queue is the environment itself, even when a region is asked for; elsewhere the requested region,
    else the project's default."""
    dev = _trigger(emu, env="dev", options={"region": "eu-central-1"}).json()["id"]
    assert emu.get("/api/v3/runs/" + dev, emu.key("dev")).json()["region"] == "env_demo_dev"
    listed = emu.get("/api/v1/runs?page[size]=1", emu.key("dev")).json()["data"][0]
    assert listed["id"] == dev and listed["region"] == "env_demo_dev"
    prod = _trigger(emu).json()["id"]
    asked = _trigger(emu, options={"region": "eu-central-1"}).json()["id"]
    assert emu.get("/api/v3/runs/" + prod, emu.key("prod")).json()["region"] == "us-east-1"
    assert emu.get("/api/v3/runs/" + asked, emu.key("prod")).json()["region"] == "eu-central-1"


def test_failed_and_crashed(emu):
    failed = _wait_final(emu, _trigger(emu, "always-fails").json()["id"])
    assert failed["status"] == "FAILED" and failed["isFailed"] is True and failed["error"]["message"]
    crashed = _wait_final(emu, _trigger(emu, "crashes").json()["id"])
    assert crashed["status"] == "CRASHED" and "error" in crashed


def test_superjson_payload(emu):
    payload = json.dumps({"json": {"name": "SDK"}})
    run_id = _trigger(emu, payload=payload, options={"payloadType": "application/super+json"}).json()["id"]
    assert _wait_final(emu, run_id)["output"] == {"message": "Hello, SDK"}


def test_status_names_by_api_version(emu):
    emu.control("POST", "runs", {"environment": "prod", "count": 1, "status": "FROZEN"})
    emu.control("POST", "runs", {"environment": "prod", "count": 1, "status": "REATTEMPTING"})
    legacy = sorted(r["status"] for r in emu.get("/api/v1/runs", emu.key("prod")).json()["data"])
    modern = sorted(r["status"] for r in emu.get("/api/v1/runs", emu.key("prod"), headers=MODERN).json()["data"])
    assert legacy == ["FROZEN", "REATTEMPTING"]
    assert modern == ["EXECUTING", "WAITING"]
    # filters accept both sets whatever the header says
    assert len(emu.get("/api/v1/runs?filter[status]=FROZEN", emu.key("prod"), headers=MODERN).json()["data"]) == 1
    assert len(emu.get("/api/v1/runs?filter[status]=WAITING", emu.key("prod")).json()["data"]) == 1
    r = emu.get("/api/v1/runs?filter[status]=BOGUS", emu.key("prod"))
    assert r.status_code == 400 and r.json()["error"] == "Query Error"


def test_idempotency_key_body_header_and_ttl(emu):
    first = _trigger(emu, options={"idempotencyKey": "k1"}).json()
    again = _trigger(emu, options={"idempotencyKey": "k1"}).json()
    assert again == {"id": first["id"], "isCached": True}
    # header wins over the body
    by_header = _trigger(emu, headers={"idempotency-key": "k1"}, options={"idempotencyKey": "other"}).json()
    assert by_header["id"] == first["id"]
    # TTL expiry
    short = _trigger(emu, options={"idempotencyKey": "k2", "idempotencyKeyTTL": "1s"}).json()
    time.sleep(1.1)
    assert _trigger(emu, options={"idempotencyKey": "k2"}).json()["id"] != short["id"]
    # keys are per environment and task
    assert _trigger(emu, env="staging", options={"idempotencyKey": "k1"}).json()["isCached"] is False
    retrieved = emu.get("/api/v3/runs/" + first["id"], emu.key("prod")).json()
    assert retrieved["idempotencyKey"] == "k1"


def test_trigger_errors(emu):
    # fromZodError texts of the route builder; more than 10 tags is the validator's 422
    r = _trigger(emu, options={"tags": 5})
    assert r.status_code == 400 and r.json()["error"] == ('Validation error: Expected string, received number at "options.tags", '
                                                          'or Expected array, received number at "options.tags"')
    r = _trigger(emu, options={"tags": ["x" * 129]})
    assert r.json() == {"error": 'Validation error: Tags must be less than 128 characters at "options.tags[0]"'}
    r = _trigger(emu, options={"maxAttempts": 1.5})
    assert r.json() == {"error": 'Validation error: Expected integer, received float at "options.maxAttempts"'}
    r = _trigger(emu, options={"machine": "huge"})
    assert r.status_code == 400 and r.json()["error"].startswith("Validation error: Invalid enum value. Expected 'micro' | ")
    assert r.json()["error"].endswith(", received 'huge' at \"options.machine\"")
    r = _trigger(emu, options={"tags": ["t%d" % i for i in range(11)]})
    assert r.status_code == 422 and r.json() == {"error": "Runs can only have 10 tags, you're trying to set 11."}
    r = emu.post("/api/v1/tasks/hello-world/trigger", emu.key("prod"), data=b"")
    assert r.status_code == 400 and r.json() == {"error": "Request body is empty"}
    r = emu.post("/api/v1/tasks/hello-world/trigger", emu.key("prod"), json=[1, 2])
    assert r.status_code == 400
    assert emu.post("/api/v1/tasks/hello-world/trigger", emu.pat, json={}).status_code == 401


def test_delayed_reschedule_and_cancel(emu):
    key = emu.key("prod")
    run_id = _trigger(emu, options={"delay": "1h"}).json()["id"]
    run = emu.get("/api/v3/runs/" + run_id, key).json()
    assert run["status"] == "DELAYED" and run["delayedUntil"]
    r = emu.post("/api/v1/runs/%s/reschedule" % run_id, key, json={"delay": "2h"})
    assert r.status_code == 200 and r.json()["id"] == run_id and r.json()["status"] == "DELAYED"
    assert emu.post("/api/v1/runs/%s/reschedule" % run_id, key, json={"delay": "soon"}).json()["error"] == "Invalid delay: soon"
    assert emu.post("/api/v1/runs/%s/reschedule" % run_id, key, json={"delay": "2020-01-01T00:00:00Z"}).status_code == 400
    assert emu.post("/api/v2/runs/%s/cancel" % run_id, key).json() == {"id": run_id}
    assert emu.get("/api/v3/runs/" + run_id, key).json()["status"] == "CANCELED"
    r = emu.post("/api/v1/runs/%s/reschedule" % run_id, key, json={"delay": "1h"})
    assert r.status_code == 400 and r.json() == {"error": "Cannot reschedule a run that is not delayed"}
    # delay in the past by ISO date elapses immediately
    soon = _trigger(emu, options={"delay": "1s"}).json()["id"]
    time.sleep(1.2)
    assert emu.get("/api/v3/runs/" + soon, key).json()["status"] != "DELAYED"


def test_cancel_idempotent_and_slow_task(emu):
    key = emu.key("prod")
    run_id = _trigger(emu, "slow-task").json()["id"]
    time.sleep(0.15)
    assert emu.get("/api/v3/runs/" + run_id, key, headers=MODERN).json()["status"] == "EXECUTING"
    assert emu.post("/api/v2/runs/%s/cancel" % run_id, key).status_code == 200
    assert emu.post("/api/v2/runs/%s/cancel" % run_id, key).status_code == 200
    run = emu.get("/api/v3/runs/" + run_id, key, headers=MODERN).json()
    assert run["status"] == "CANCELED" and run["isCancelled"] is True
    finished = _wait_final(emu, _trigger(emu).json()["id"])
    assert emu.post("/api/v2/runs/%s/cancel" % finished["id"], key).status_code == 200
    assert emu.get("/api/v3/runs/" + finished["id"], key).json()["status"] == "COMPLETED"
    r = emu.post("/api/v2/runs/run_missing/cancel", key)
    assert r.status_code == 404 and r.json() == {"error": "Resource not found"}


def test_retrieve_404_and_env_scope(emu):
    run_id = _trigger(emu).json()["id"]
    r = emu.get("/api/v3/runs/" + run_id, emu.key("staging"))
    assert r.status_code == 404 and r.headers["x-should-retry"] == "true"
    r = emu.get("/api/v3/runs/run_nope", emu.key("prod"))
    assert r.status_code == 404 and r.headers["x-should-retry"] == "true"


def test_replay(emu):
    key = emu.key("prod")
    original = _trigger(emu, options={"tags": ["a"]}).json()["id"]
    r = emu.post("/api/v1/runs/%s/replay" % original, key)
    assert r.status_code == 200 and r.json()["id"] != original
    replayed = emu.get("/api/v3/runs/" + r.json()["id"], key).json()
    assert replayed["taskIdentifier"] == "hello-world" and replayed["tags"] == ["a"]
    assert emu.post("/api/v1/runs/run_nope/replay", key).status_code == 404


def test_batch_v1_and_v2(emu):
    key = emu.key("prod")
    r = emu.post("/api/v1/tasks/hello-world/batch", key, json={"items": [{"payload": {"name": "a"}}, {"payload": {"name": "b"}}]})
    assert r.status_code == 200
    body = r.json()
    assert body["batchId"].startswith("batch_") and len(body["runs"]) == 2
    assert emu.post("/api/v1/tasks/hello-world/batch", key, json={"items": []}).json() == {"error": "No items to trigger"}
    r = emu.post("/api/v1/tasks/hello-world/batch", key, json={"items": [{"payload": i} for i in range(101)]})
    assert r.status_code == 400 and "Maximum allowed batch size is 100" in r.json()["error"]
    r = emu.post("/api/v2/tasks/batch", key, json={"items": [{"task": "hello-world", "payload": {}}, {"task": "always-fails", "payload": {}}]})
    assert r.status_code == 202
    v2 = r.json()
    assert v2["runCount"] == 2 and v2["id"].startswith("batch_")
    listed = emu.get("/api/v1/runs?filter[batch]=" + v2["id"], key).json()["data"]
    assert sorted(run["taskIdentifier"] for run in listed) == ["always-fails", "hello-world"]
    r = emu.post("/api/v2/tasks/batch", key, json={"items": [{"task": "hello-world"}] * 501})
    assert r.status_code == 400


def test_batch_v3_two_phase(emu):
    key = emu.key("prod")
    r = emu.post("/api/v3/batches", key, json={"runCount": 2, "taskIdentifiers": ["hello-world"]})
    assert r.status_code == 202
    batch = r.json()
    assert batch["runCount"] == 2 and batch["isCached"] is False
    line = json.dumps({"index": 0, "task": "hello-world", "payload": {"name": "x"}, "options": {}})
    r = emu.post("/api/v3/batches/%s/items" % batch["id"], key, data=line + "\n", headers={"Content-Type": "application/x-ndjson"})
    assert r.json() == {"id": batch["id"], "itemsAccepted": 1, "itemsDeduplicated": 0, "sealed": False, "enqueuedCount": 1, "expectedCount": 2}
    lines = line + "\n" + json.dumps({"index": 1, "task": "hello-world", "payload": {}}) + "\n"

    def chunks():
        yield lines.encode()
    r = emu.post("/api/v3/batches/%s/items" % batch["id"], key, data=chunks(), headers={"Content-Type": "application/x-ndjson"})
    assert r.json() == {"id": batch["id"], "itemsAccepted": 1, "itemsDeduplicated": 1, "sealed": True}
    assert len(emu.get("/api/v1/runs?filter[batch]=" + batch["id"], key).json()["data"]) == 2
    cached = emu.post("/api/v3/batches", key, json={"runCount": 2, "idempotencyKey": "b1"}).json()
    assert emu.post("/api/v3/batches", key, json={"runCount": 2, "idempotencyKey": "b1"}).json()["isCached"] is True
    assert cached["isCached"] is False
    assert emu.post("/api/v3/batches", key, json={"runCount": 0}).status_code == 400
    assert emu.post("/api/v3/batches/batch_nope/items", key, data="").status_code == 404


def test_list_pagination_cursors(emu):
    key = emu.key("prod")
    seeded = emu.control("POST", "runs", {"environment": "prod", "count": 60, "status": "COMPLETED"})
    assert seeded["count"] == 60
    page = emu.get("/api/v1/runs", key).json()
    assert len(page["data"]) == 25 and "previous" not in page["pagination"]
    assert not page["pagination"]["next"].startswith("run_")
    seen = [r["id"] for r in page["data"]]
    while "next" in page["pagination"]:
        page = emu.get("/api/v1/runs", key, params={"page[after]": page["pagination"]["next"]}).json()
        assert "previous" in page["pagination"]
        seen += [r["id"] for r in page["data"]]
    assert len(seen) == 60 and len(set(seen)) == 60
    assert seen == list(reversed(seeded["ids"]))  # newest first
    back = emu.get("/api/v1/runs", key, params={"page[before]": page["pagination"]["previous"]}).json()
    assert [r["id"] for r in back["data"]] == seen[25:50]
    sized = emu.get("/api/v1/runs", key, params={"page[size]": "100"}).json()
    assert len(sized["data"]) == 60 and "next" not in sized["pagination"]
    bad_sizes = {
        "0": [{"code": "too_small", "minimum": 0, "type": "number", "inclusive": False, "exact": False,
               "message": "Number must be greater than 0", "path": ["page[size]"]},
              {"code": "too_small", "minimum": 1, "type": "number", "inclusive": True, "exact": False,
               "message": "Number must be greater than or equal to 1", "path": ["page[size]"]}],
        "101": [{"code": "too_big", "maximum": 100, "type": "number", "inclusive": True, "exact": False,
                 "message": "Number must be less than or equal to 100", "path": ["page[size]"]}],
        "x": [{"code": "invalid_type", "expected": "number", "received": "nan", "path": ["page[size]"], "message": "Expected number, received nan"}],
        "2.5": [{"code": "invalid_type", "expected": "integer", "received": "float", "message": "Expected integer, received float",
                 "path": ["page[size]"]}],
    }
    for bad, details in bad_sizes.items():
        r = emu.get("/api/v1/runs", key, params={"page[size]": bad})
        assert r.status_code == 400 and r.json() == {"error": "Query Error", "details": details}
    # anything that is not a cursor of ours is a legacy cursor, the store's internal run id (a cuid, "c...") compared
    # as a string (services/runsRepository/runsCursor.server.ts): never a 400
    everything = emu.get("/api/v1/runs", key, params={"page[after]": "garbage!", "page[size]": "100"}).json()
    assert [r["id"] for r in everything["data"]] == seen and "previous" in everything["pagination"]
    assert emu.get("/api/v1/runs", key, params={"page[after]": "a"}).json()["data"] == []


def test_list_filters_and_default_window(emu):
    key = emu.key("prod")
    now = int(time.time() * 1000)
    emu.control("POST", "runs", {"environment": "prod", "count": 5, "status": "FAILED", "task": "always-fails", "tags": ["old"],
                                 "created_from": now - 20 * 86400000, "created_to": now - 10 * 86400000})
    emu.control("POST", "runs", {"environment": "prod", "count": 3, "status": "COMPLETED", "tags": ["new", "x"]})
    _trigger(emu, options={"tags": ["live"], "machine": "small-1x", "test": True, "delay": "1h"})
    assert len(emu.get("/api/v1/runs", key).json()["data"]) == 4  # 7-day default window
    assert len(emu.get("/api/v1/runs?filter[createdAt][period]=30d", key).json()["data"]) == 9
    frm = now - 30 * 86400000
    assert len(emu.get("/api/v1/runs?filter[createdAt][from]=%d&filter[createdAt][to]=%d" % (frm, now - 5 * 86400000), key).json()["data"]) == 5
    assert len(emu.get("/api/v1/runs?filter[createdAt][period]=30d&filter[tag]=old,x", key).json()["data"]) == 8
    assert len(emu.get("/api/v1/runs?filter[taskIdentifier]=hello-world", key).json()["data"]) == 4
    assert len(emu.get("/api/v1/runs?filter[status]=COMPLETED,FAILED&filter[createdAt][period]=30d", key).json()["data"]) == 8
    assert len(emu.get("/api/v1/runs?filter[isTest]=true", key).json()["data"]) == 1
    assert len(emu.get("/api/v1/runs?filter[machine]=small-1x", key).json()["data"]) == 1
    assert len(emu.get("/api/v1/runs?filter[queue]=task/hello-world", key).json()["data"]) == 4
    assert emu.get("/api/v1/runs?filter[isTest]=maybe", key).status_code == 400
    assert emu.get("/api/v1/runs?filter[machine]=giant", key).status_code == 400
    # an unreadable period means no time window at all (parse-duration gives null), not a 400 (L8)
    assert emu.get("/api/v1/runs?filter[createdAt][period]=forever", key).status_code == 200
    item = emu.get("/api/v1/runs?filter[tag]=live", key, headers=MODERN).json()["data"][0]
    for field in ("id", "status", "taskIdentifier", "createdAt", "updatedAt", "isTest", "env", "tags", "costInCents", "baseCostInCents",
                  "durationMs", "depth", "taskKind", "isQueued", "isExecuting", "isWaiting", "isCompleted", "isSuccess", "isFailed", "isCancelled"):
        assert field in item, field
    assert item["env"]["name"] == "prod"


def test_pat_project_runs(emu):
    emu.control("POST", "runs", {"environment": "staging", "count": 4})
    emu.control("POST", "runs", {"environment": "prod", "count": 2})
    path = "/api/v1/projects/proj_demo/runs"
    assert len(emu.get(path + "?filter[env]=stg", emu.pat).json()["data"]) == 4
    r = emu.get(path + "?filter[env]=staging", emu.pat)
    assert r.status_code == 500 and r.json() == {"error": "Internal Server Error"}
    assert emu.get(path, emu.pat).status_code == 500
    assert len(emu.get(path + "?filter[env]=prod,stg", emu.pat).json()["data"]) == 4  # first env found only (stg before prod)
    assert emu.get(path + "?filter[env]=prod", emu.key("prod")).status_code == 401
    assert emu.get("/api/v1/projects/proj_nope/runs?filter[env]=prod", emu.pat).status_code == 404


def test_seeding_is_fast(emu):
    started = time.monotonic()
    result = emu.control("POST", "runs", {"environment": "prod", "count": 10000})
    assert result["count"] == 10000
    assert time.monotonic() - started < 5  # generous; the real figure is in tests/bench
    page = emu.get("/api/v1/runs?page[size]=100", emu.key("prod")).json()
    assert len(page["data"]) == 100 and "next" in page["pagination"]
