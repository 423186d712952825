"""Deployments over HTTP: list, retrieve, latest, current, promote, cancel, and the control API that seeds them
(server routes/api.v1.deployments*.ts, v3/services/changeCurrentDeployment.server.ts, deployment.server.ts)."""

import time

D = "/api/v1/deployments"
HOUR = 3_600_000


def _seed(emu, **body):
    body.setdefault("environment", "prod")
    return emu.control("POST", "deployments", body)


def _current_worker(emu, env="prod"):
    return emu.get("/api/v1/projects/proj_demo/%s/workers/current" % env, emu.pat).json()["worker"]


def _wait(emu, run_id, statuses, env="prod", timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        run = emu.get("/api/v3/runs/" + run_id, emu.key(env)).json()
        if run["status"] in statuses or time.monotonic() > deadline:
            return run
        time.sleep(0.05)


def test_fixture_deployment_of_each_deployed_environment(emu):
    key = emu.key("prod")
    listed = emu.get(D, key).json()
    assert listed == {"data": [{"id": "deployment_env_demo_prod", "createdAt": "2024-01-01T00:00:00.000Z", "shortCode": "prodseed",
                                "version": "20240101.1", "runtime": None, "runtimeVersion": None, "status": "DEPLOYED",
                                "deployedAt": "2024-01-01T00:00:00.000Z", "git": None}], "pagination": {}}
    current = emu.get(D + "/current", key).json()
    assert current == {"id": "deployment_env_demo_prod", "createdAt": "2024-01-01T00:00:00.000Z", "shortCode": "prodseed",
                       "version": "20240101.1", "runtime": None, "runtimeVersion": None, "status": "DEPLOYED",
                       "deployedAt": "2024-01-01T00:00:00.000Z"}
    one = emu.get(D + "/deployment_env_demo_prod", key).json()
    assert set(one) == {"id", "status", "contentHash", "shortCode", "version", "imageReference", "imagePlatform", "commitSHA",
                        "externalBuildData", "errorData", "canceledReason", "worker"}
    assert one["imagePlatform"] == "linux/amd64" and len(one["contentHash"]) == 64
    assert one["worker"]["id"] == _current_worker(emu)["id"] and one["worker"]["version"] == "20240101.1"
    assert sorted(task["slug"] for task in one["worker"]["tasks"]) == sorted(emu.projects["proj_demo"]["tasks"])
    assert set(one["worker"]["tasks"][0]) == {"id", "slug", "filePath", "exportName"}
    assert emu.get(D + "/current", emu.key("staging")).json()["id"] == "deployment_env_demo_stg"
    assert emu.get(D + "/current", emu.key("prod", "proj_other")).json()["id"] == "deployment_env_other_prod"


def test_dev_has_no_deployments_and_nothing_unmanaged(emu):
    dev = emu.key("dev")
    assert emu.get(D, dev).json() == {"data": [], "pagination": {}}
    r = emu.get(D + "/current", dev)
    assert r.status_code == 404 and r.json() == {"error": "Not found"} and r.headers["x-should-retry"] == "false"
    r = emu.get(D + "/latest", emu.key("prod"))
    assert r.status_code == 404 and r.json() == {"error": "Deployment not found"}
    r = emu.post(D + "/20240101.1/promote", dev)
    assert r.status_code == 404 and r.json() == {"error": "Deployment not found"}
    # another environment's deployment is not found
    r = emu.get(D + "/deployment_env_demo_stg", emu.key("prod"))
    assert r.status_code == 404 and r.json() == {"error": "Deployment not found"}


def test_auth_kinds(emu):
    for token in (emu.pat, emu.config["oat"], emu.config["uat"], "tr_prod_unknownunknownunknown1"):
        for method, path in (("GET", D), ("GET", D + "/current"), ("GET", D + "/latest"), ("GET", D + "/deployment_env_demo_prod"),
                             ("POST", D + "/20240101.1/promote"), ("POST", D + "/deployment_env_demo_prod/cancel")):
            r = emu.req(method, path, token)
            assert r.status_code == 401 and r.json() == {"error": "Invalid API key"}, (method, path)
    r = emu.get(D)
    assert r.status_code == 401 and r.headers["Content-Type"].startswith("application/problem+json")
    r = emu.get(D, emu.key("preview"))
    assert r.status_code == 401 and r.json() == {"error": "x-trigger-branch header required for preview env"}
    r = emu.get(D, emu.key("preview"), headers={"x-trigger-branch": "nope"})
    assert r.status_code == 401 and r.json() == {"error": "No matching branch env"}


def test_list_pagination_and_page_size(emu):
    ids = [_seed(emu, status="BUILDING", version="20250101.%d" % n)["id"] for n in range(1, 8)]
    newest_first = list(reversed(ids)) + ["deployment_env_demo_prod"]
    key = emu.key("prod")
    page = emu.get(D + "?page[size]=1", key).json()   # read as at least 5
    assert [item["id"] for item in page["data"]] == newest_first[:5] and page["pagination"] == {"next": newest_first[4]}
    rest = emu.get(D + "?page[size]=5&page[after]=" + page["pagination"]["next"], key).json()
    assert [item["id"] for item in rest["data"]] == newest_first[5:] and rest["pagination"] == {}
    assert len(emu.get(D, key).json()["data"]) == 8    # default 20
    assert len(emu.get(D + "?page[size]=2.5", key).json()["data"]) == 5
    unknown = emu.get(D + "?page[size]=6&page[after]=deployment_unknown", key).json()
    assert [item["id"] for item in unknown["data"]] == newest_first[:6]
    r = emu.get(D + "?page[size]=5.5", key)   # a fractional `take` fails in Prisma
    assert r.status_code == 500 and r.json() == {"error": "Internal Server Error"}


def test_list_query_errors(emu):
    key = emu.key("prod")
    r = emu.get(D + "?page[size]=0", key)
    assert r.status_code == 400 and r.json() == {"error": "Query Error", "details": [
        {"code": "too_small", "minimum": 1, "type": "number", "inclusive": True, "exact": False, "message": "Limit must be at least 1",
         "path": ["page[size]"]}]}
    r = emu.get(D + "?page[size]=101", key)
    assert r.json()["details"][0]["message"] == "Limit must be less than 100"
    r = emu.get(D + "?page[size]=abc&status=INSTALLING", key)
    details = r.json()["details"]
    assert r.status_code == 400 and [d["path"] for d in details] == [["status"], ["page[size]"]]
    assert details[0]["message"] == ("Invalid enum value. Expected 'PENDING' | 'BUILDING' | 'DEPLOYING' | 'DEPLOYED' | 'FAILED' | "
                                     "'CANCELED' | 'TIMED_OUT', received 'INSTALLING'")
    assert details[1]["message"] == "Expected number, received nan"
    # an unreadable period or date is thrown inside the route builder's handler: 500
    for query in ("period=bogus", "period=0d", "from=yesterday", "from=2024-01-01&to=never", "from=12345"):
        r = emu.get(D + "?" + query, key)
        assert r.status_code == 500 and r.json() == {"error": "Internal Server Error"}, query


def test_list_filters(emu):
    now = emu.control("GET", "clock")["now"]
    _seed(emu, status="FAILED", version="20250101.1", created_at=now - 3 * 86_400_000, error={"name": "Error", "message": "boom"})
    recent = _seed(emu, status="BUILDING", version="20250101.2", created_at=now - HOUR)
    key = emu.key("prod")
    failed = emu.get(D + "?status=FAILED", key).json()["data"]
    assert [item["status"] for item in failed] == ["FAILED"] and failed[0]["error"] == {"name": "Error", "message": "boom"}
    assert failed[0]["deployedAt"] is None
    assert [item["id"] for item in emu.get(D + "?period=1d", key).json()["data"]] == [recent["id"]]
    since = emu.get(D + "?from=%d" % ((now - 2 * 86_400_000) // 1000), key).json()["data"]   # ten digits: epoch seconds
    assert [item["id"] for item in since] == [recent["id"]]
    # `to` alone is ignored; from + to is a window
    assert len(emu.get(D + "?to=2020-01-01T00:00:00Z", key).json()["data"]) == 3
    window = emu.get(D + "?from=2023-12-31T00:00:00Z&to=2024-01-02T00:00:00Z", key).json()["data"]
    assert [item["id"] for item in window] == ["deployment_env_demo_prod"]


def test_promote_switches_the_current_worker(emu):
    seeded = _seed(emu, version="20250101.1", tasks=["hello-world", "fresh-task"])
    assert seeded["current"] is False and seeded["tasks"] == ["fresh-task", "hello-world"]
    key = emu.key("prod")
    assert emu.get(D + "/current", key).json()["version"] == "20240101.1"
    # not promoted: the fresh task parks, as it would on the server
    parked = emu.post("/api/v1/tasks/fresh-task/trigger", key, json={"payload": {}}).json()["id"]
    assert _wait(emu, parked, {"PENDING_VERSION"})["status"] == "PENDING_VERSION"
    r = emu.post(D + "/20250101.1/promote", key)
    assert r.status_code == 200 and r.json() == {"id": seeded["id"], "version": "20250101.1", "shortCode": seeded["shortCode"]}
    assert emu.get(D + "/current", key).json()["id"] == seeded["id"]
    worker = _current_worker(emu)
    assert worker["version"] == "20250101.1" and sorted(task["slug"] for task in worker["tasks"]) == ["fresh-task", "hello-world"]
    assert _wait(emu, parked, {"COMPLETED"})["status"] == "COMPLETED"
    r = emu.post(D + "/20250101.1/promote", key)
    assert r.status_code == 400 and r.json() == {"error": "Deployment is already the current deployment."}


def test_promote_rules(emu):
    key = emu.key("prod")
    _seed(emu, version="20250101.2", promote=True)
    r = emu.post(D + "/20240101.1/promote", key)
    assert r.status_code == 400 and r.json() == {"error": "Cannot promote a deployment that is older than the current deployment."}
    r = emu.post(D + "/20240101.1/promote?allowRollbacks=false&allowRollbacks=true", key)   # the first value counts
    assert r.status_code == 400
    _seed(emu, version="20250101.10")
    assert emu.post(D + "/20250101.10/promote", key).status_code == 200    # build numbers compare as numbers
    r = emu.post(D + "/20240101.1/promote?allowRollbacks=true", key)
    assert r.status_code == 200 and r.json()["version"] == "20240101.1"
    assert _current_worker(emu)["version"] == "20240101.1"
    _seed(emu, version="20250102.1", status="BUILDING")
    r = emu.post(D + "/20250102.1/promote", key)
    assert r.status_code == 400 and r.json() == {"error": "Deployment is not associated with a worker and cannot be promoted."}
    _seed(emu, version="20250102.2", status="FAILED", worker=True)
    r = emu.post(D + "/20250102.2/promote", key)
    assert r.status_code == 400 and r.json() == {"error": "Deployment must be in the DEPLOYED state to be promoted."}
    r = emu.post(D + "/20990101.1/promote", key)
    assert r.status_code == 404 and r.json() == {"error": "Deployment not found"}
    r = emu.put(D + "/20240101.1/promote", key)   # the route's own guard, answered as data
    assert r.status_code == 200 and r.json() == {"status": 405, "body": "Method Not Allowed"}


def test_cancel(emu):
    key = emu.key("prod")
    building = _seed(emu, status="BUILDING")["id"]
    r = emu.post(D + "/%s/cancel" % building, key, json={"reason": "not today"})
    assert r.status_code == 204 and r.content == b""
    one = emu.get(D + "/" + building, key).json()
    assert one["status"] == "CANCELED" and one["canceledReason"] == "not today" and "worker" not in one
    r = emu.post(D + "/%s/cancel" % building, key)
    assert r.status_code == 409 and r.json() == {"error": "Deployment is already in a final state and cannot be canceled"}
    r = emu.post(D + "/deployment_env_demo_prod/cancel", key)
    assert r.status_code == 409
    pending = _seed(emu, status="PENDING")["id"]
    r = emu.post(D + "/%s/cancel" % pending, key, json={"reason": "x" * 201})
    assert r.status_code == 400 and r.json() == {"error": "Invalid request body", "issues": [
        {"code": "too_big", "maximum": 200, "type": "string", "inclusive": True, "exact": False,
         "message": "Reason must be less than 200 characters", "path": ["reason"]}]}
    r = emu.post(D + "/%s/cancel" % pending, key, json=[1])
    assert r.status_code == 400 and r.json()["issues"][0]["message"] == "Expected object, received array"
    assert emu.post(D + "/%s/cancel" % pending, key, data=b"not json").status_code == 204   # an unreadable body counts as {}
    r = emu.post(D + "/deployment_unknown/cancel", key)
    assert r.status_code == 404 and r.json() == {"error": "Deployment not found"}
    r = emu.put(D + "/%s/cancel" % pending, key)
    assert r.status_code == 405 and r.json() == {"error": "Method Not Allowed"}


def test_a_seeded_deployment_finishes_on_the_emulator_clock(emu):
    key = emu.key("prod")
    deploying = _seed(emu, version="20990101.1", status="DEPLOYING", next_status="DEPLOYED", next_status_after_ms=60_000)
    assert deploying["tasks"]   # its worker exists already (the server indexes it while DEPLOYING)
    one = emu.get(D + "/" + deploying["id"], key).json()
    assert one["status"] == "DEPLOYING"
    r = emu.post(D + "/20990101.1/promote", key)
    assert r.status_code == 400 and r.json() == {"error": "Deployment must be in the DEPLOYED state to be promoted."}
    emu.control("POST", "clock", {"advance_ms": 60_000})
    listed = {item["version"]: item for item in emu.get(D, key).json()["data"]}
    assert listed["20990101.1"]["status"] == "DEPLOYED" and listed["20990101.1"]["deployedAt"]
    assert emu.post(D + "/20990101.1/promote", key).status_code == 200
    # a build that fails, and one canceled before it would have finished
    failing = _seed(emu, version="20990101.2", status="BUILDING", next_status="FAILED", next_status_after_ms=1_000,
                    error={"name": "BuildError", "message": "npm ci failed"})
    canceled = _seed(emu, version="20990101.3", status="BUILDING", next_status="DEPLOYED", next_status_after_ms=1_000)
    assert emu.post(D + "/%s/cancel" % canceled["id"], key).status_code == 204
    emu.control("POST", "clock", {"advance_ms": 1_000})
    assert emu.get(D + "/" + failing["id"], key).json()["status"] == "FAILED"
    assert emu.get(D + "/" + canceled["id"], key).json()["status"] == "CANCELED"
    for body in ({"status": "DEPLOYED", "next_status": "FAILED"}, {"status": "BUILDING", "next_status": "DEPLOYING"},
                 {"status": "BUILDING", "next_status": "DEPLOYED", "next_status_after_ms": -1}):
        r = emu.session.post(emu.url + "/_emulator/deployments", json=dict(body, environment="prod"), timeout=10)
        assert r.status_code == 400 and "next_status" in r.json()["error"], body


def test_latest_is_the_newest_unmanaged_deployment(emu):
    now = emu.control("GET", "clock")["now"]
    old = _seed(emu, type="UNMANAGED", version="20250101.1", created_at=now - HOUR)
    _seed(emu, type="UNMANAGED", version="20250101.2", created_at=now - 2 * HOUR, status="FAILED")
    _seed(emu, version="20250101.3")
    r = emu.get(D + "/latest", emu.key("prod"))
    assert r.status_code == 200 and r.json() == {"id": old["id"], "status": "DEPLOYED", "contentHash": r.json()["contentHash"],
                                                 "shortCode": old["shortCode"], "version": "20250101.1", "imageReference": None,
                                                 "errorData": None}


def test_worker_control_records_a_current_deployment(emu):
    emu.control("POST", "workers", {"environment": "prod", "tasks": ["hello-world"], "version": "20250301.1"})
    current = emu.get(D + "/current", emu.key("prod")).json()
    assert current["version"] == "20250301.1" and current["status"] == "DEPLOYED"
    assert [item["version"] for item in emu.get(D, emu.key("prod")).json()["data"]] == ["20250301.1", "20240101.1"]
    # the same version again is the same deployment; dev records none
    emu.control("POST", "workers", {"environment": "prod", "version": "20250301.1", "connected": False})
    assert len(emu.get(D, emu.key("prod")).json()["data"]) == 2
    emu.control("POST", "workers", {"environment": "dev", "tasks": ["hello-world"]})
    assert emu.get(D, emu.key("dev")).json()["data"] == []


def test_seed_control_errors(emu):
    for body, status in (({"environment": "dev"}, 400), ({"version": "20240101.1"}, 400), ({"status": "DONE"}, 400),
                         ({"type": "CLOUD"}, 400), ({"project": "nope"}, 404), ({"status": "BUILDING", "promote": True}, 400),
                         ({"environment": "preview", "branch": "missing"}, 404)):
        body.setdefault("environment", "prod")
        r = emu.session.post(emu.url + "/_emulator/deployments", json=body, timeout=10)
        assert r.status_code == status and "error" in r.json(), body
    # the default version follows the newest one of the environment, server-style (YYYYMMDD.N of the emulator's day)
    first, second = _seed(emu)["version"], _seed(emu)["version"]
    assert first.endswith(".1") and second == first[:-1] + "2"


def test_methods_a_route_does_not_export(emu):
    """Remix's own answers: GET on an action-only route 400, another method on a loader-only route 405."""
    key = emu.key("prod")
    for method, path, status in (("GET", D + "/20240101.1/promote", 400), ("GET", D + "/deployment_env_demo_prod/cancel", 400),
                                 ("POST", D + "/current", 405), ("DELETE", D + "/deployment_env_demo_prod", 405), ("PUT", D + "/latest", 405)):
        r = emu.req(method, path, key)
        assert r.status_code == status and r.json() == {"message": "Unexpected Server Error"} and r.headers["X-Remix-Error"] == "yes", path
    r = emu.put(D, key)   # the list route's action guards its method itself
    assert r.status_code == 200 and r.json() == {"status": 405, "body": "Method Not Allowed"}
    r = emu.post(D, key, json={})
    assert r.status_code == 501 and "POST /_emulator/deployments" in r.json()["error"]


def test_journal_records_deployment_requests(emu):
    key = emu.key("prod")
    emu.get(D + "?page[size]=5", key)
    emu.post(D + "/20240101.1/promote", key)
    emu.get(D + "/current", emu.pat)
    entries = emu.journal()
    assert [(e["method"], e["path"], e["status"], e["credential"]) for e in entries] == [
        ("GET", D, 200, "secret_key:prod"), ("POST", D + "/20240101.1/promote", 400, "secret_key:prod"), ("GET", D + "/current", 401, "pat")]
    assert entries[0]["query"] == {"page[size]": "5"}
