"""Schedules (docs/dev/protocol.md#schedules) and the cron port."""

import datetime
import importlib.util
import os
import re

import pytest

from emulator_helpers import EMULATOR_DIR

S = "/api/v1/schedules"


def _load_cron():
    spec = importlib.util.spec_from_file_location("emulator_cron", os.path.join(EMULATOR_DIR, "cron.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cron = _load_cron()


def _create(emu, env="prod", **fields):
    body = {"task": "hourly-sync", "cron": "0 * * * *", "deduplicationKey": "dedup-1"}
    body.update(fields)
    return emu.post(S, emu.key(env), json=body)


def test_create_shape(emu):
    r = _create(emu, timezone="Europe/London", externalId="ext-1")
    assert r.status_code == 200, r.text
    s = r.json()
    assert s["id"].startswith("sched_") and s["type"] == "IMPERATIVE" and s["task"] == "hourly-sync" and s["active"] is True
    assert s["generator"] == {"type": "CRON", "expression": "0 * * * *", "description": "Every hour"}
    assert s["timezone"] == "Europe/London" and s["externalId"] == "ext-1" and s["deduplicationKey"] == "dedup-1"
    assert s["nextRun"] and s["nextRun"].endswith(":00:00.000Z")
    env = s["environments"][0]
    assert env["type"] == "PRODUCTION" and set(env) >= {"id", "shortcode", "type"}


def test_dedup_upsert_updates_keeps_task_and_moves_env(emu):
    first = _create(emu, timezone="Europe/London", externalId="ext").json()
    second = _create(emu, cron="30 9 * * *", task="daily-report").json()
    assert second["id"] == first["id"]
    assert second["task"] == "hourly-sync"  # task never changes
    assert second["generator"]["expression"] == "30 9 * * *" and second["generator"]["description"] == "At 09:30 AM"
    assert second["timezone"] == "UTC" and "externalId" not in second  # full overwrite (null is left out)
    # same key from staging moves the schedule to staging
    moved = _create(emu, env="staging").json()
    assert moved["id"] == first["id"] and moved["environments"][0]["type"] == "STAGING"
    assert emu.get(S + "/" + first["id"], emu.key("prod")).status_code == 404
    assert emu.get(S + "/" + first["id"], emu.key("staging")).status_code == 200
    assert emu.get(S, emu.key("prod")).json()["pagination"]["count"] == 1  # only the declarative one


def test_deactivated_stays_deactivated_on_upsert(emu):
    sched = _create(emu).json()
    emu.post(S + "/" + sched["id"] + "/deactivate", emu.key("prod"))
    assert _create(emu).json()["active"] is False


def test_path_by_id_or_dedup_key(emu):
    sched = _create(emu, deduplicationKey="my key/1").json()
    key = emu.key("prod")
    assert emu.get(S + "/my%20key%2F1", key).json()["id"] == sched["id"]
    assert emu.get(S + "/" + sched["id"], key).json()["id"] == sched["id"]
    r = emu.get(S + "/sched_doesnotexist", key)
    assert r.status_code == 404 and r.json() == {"error": "Schedule not found"}


def test_random_dedup_key_is_hidden(emu):
    a = _create(emu, deduplicationKey="").json()
    b = _create(emu, deduplicationKey="").json()
    assert a["id"] != b["id"] and "deduplicationKey" not in a


def test_put_full_replace_and_put_on_missing_creates(emu):
    key = emu.key("prod")
    sched = _create(emu, timezone="Europe/Paris", externalId="e", window="30m").json()
    assert sched["window"] == "30m"
    r = emu.put(S + "/" + sched["id"], key, json={"task": "daily-report", "cron": "*/15 * * * *"})
    updated = r.json()
    assert updated["id"] == sched["id"] and updated["task"] == "hourly-sync"
    assert updated["timezone"] == "UTC" and "externalId" not in updated and "window" not in updated
    assert updated["generator"]["description"] == "Every 15 minutes"
    r = emu.put(S + "/sched_missing000000000000", key, json={"task": "hourly-sync", "cron": "0 0 * * *"})
    assert r.status_code == 200
    created = r.json()
    assert created["id"] != "sched_missing000000000000" and created["id"].startswith("sched_") and "deduplicationKey" not in created
    r = emu.put(S + "/" + sched["id"], key, json={"cron": "0 0 * * *"})
    assert r.status_code == 400 and r.json()["error"] == "Invalid request body"


def test_activate_deactivate_next_run(emu):
    key = emu.key("prod")
    sched = _create(emu).json()
    off = emu.post(S + "/" + sched["id"] + "/deactivate", key).json()
    assert off["active"] is False and off["nextRun"] is None and off["environments"] == [{"id": off["environments"][0]["id"], "type": "PRODUCTION"}]
    assert emu.get(S + "/" + sched["id"], key).json()["nextRun"] is None
    listed = emu.get(S, key).json()["data"]
    assert [s for s in listed if s["id"] == sched["id"]][0]["nextRun"] is not None  # list always computes
    on = emu.post(S + "/" + sched["id"] + "/activate", key).json()
    assert on["active"] is True and on["nextRun"]
    assert emu.post(S + "/" + sched["id"] + "/activate", key).status_code == 200


def test_delete(emu):
    key = emu.key("prod")
    sched = _create(emu).json()
    assert emu.delete(S + "/" + sched["id"], key).json() == {"id": sched["id"]}
    r = emu.delete(S + "/" + sched["id"], key)
    assert r.status_code == 404 and r.json() == {"error": "Schedule not found"}


def test_list_pagination(emu):
    key = emu.key("staging")
    for i in range(25):
        assert _create(emu, env="staging", deduplicationKey="k%d" % i).status_code == 200
    page1 = emu.get(S, key).json()
    assert len(page1["data"]) == 20 and page1["pagination"] == {"currentPage": 1, "totalPages": 2, "count": 25}
    assert page1["data"][0]["environments"][0]["slug"] == "stg"
    page2 = emu.get(S + "?page=2&perPage=10", key).json()
    assert len(page2["data"]) == 10 and page2["pagination"]["totalPages"] == 3
    assert len(emu.get(S + "?perPage=500", key).json()["data"]) == 25
    r = emu.get(S + "?page=0", key)
    assert r.status_code == 400 and r.json()["error"] == "Invalid request parameters"


@pytest.mark.parametrize("expression", ["0 * * * * *", "61 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *", "* * * * 8", "5-1 * * * *",
                                        "*/0 * * * *", "abc * * * *", "* * * FOO *", "", "@reboot",
                                        "0  3 * * *", "0 0 31 2 *", "? * * * *"])
def test_invalid_cron_422(emu, expression):
    r = _create(emu, cron=expression)
    assert r.status_code == 422 and r.json()["error"].startswith("Invalid cron expression: ")


@pytest.mark.parametrize("expression", ["@daily", "@hourly", "@weekly", "@monthly", "@yearly"])
def test_cron_aliases_pass_validation_then_fail_in_the_description(emu, expression):
    # seen on the real server: cron-parser accepts them, cronstrue throws "Expression has only 1 part"
    r = _create(emu, cron=expression)
    assert r.status_code == 500 and r.json() == {"error": "Something went wrong, please try again."}


@pytest.mark.parametrize("expression", ["0 0 L * *", "0 0 * * 5L", "0 0 * * 1#2", "0 0 * JAN-MAR MON-FRI", "0 0 29 2 *"])
def test_cron_forms_the_server_accepts(emu, expression):
    r = _create(emu, cron=expression)
    assert r.status_code == 200, r.text
    assert r.json()["generator"]["expression"] == expression


def test_cron_with_fewer_fields_passes_validation_then_fails_like_the_server(emu):
    # cron-parser fills missing fields, cronstrue then throws: the route's generic 500
    r = _create(emu, cron="* * *")
    assert r.status_code == 500 and r.json() == {"error": "Something went wrong, please try again."}


def test_cron_messages_are_cron_parsers():
    for expression, message in [("60 * * * *", "Constraint error, got value 60 expected range 0-59"),
                                ("0 0 31 2 *", "Invalid explicit day of month definition"),
                                ("0 0 * * MONDAY", 'Validation error, cannot resolve alias "day"'),
                                ("0 3 * * * *", "CRON expressions with seconds are not allowed"),
                                ("/5 * * * *", "Constraint error, got value -59 expected range 0-59")]:
        with pytest.raises(cron.CronError, match="^%s$" % re.escape(message)):
            cron.check_pattern(expression)


@pytest.mark.parametrize("sent, stored", [("60m", "1h"), ("120m", "2h"), ("1440m", "24h"), ("0h", "0m"), ("90m", "90m"), ("0%", "0%"), ("24h", "24h")])
def test_window_is_normalised_like_the_server(emu, sent, stored):
    created = _create(emu, window=sent).json()
    assert created["window"] == stored
    assert emu.get(S + "/" + created["id"], emu.key("prod")).json()["window"] == stored
    assert emu.get(S, emu.key("prod")).json()["data"][0]["window"] == stored


@pytest.mark.parametrize("window", ["05m", "1441m", "25h", "101%", "", "1.5h", "30s", "-1m"])
def test_window_refused_like_the_schema(emu, window):
    r = _create(emu, window=window)
    assert r.status_code == 400 and r.json()["error"] == "Invalid request body"
    assert r.json()["issues"][0]["path"] == ["window"]


def test_null_for_an_optional_field_is_refused(emu):
    r = _create(emu, externalId=None)
    assert r.status_code == 400 and r.json()["issues"][0]["path"] == ["externalId"]


@pytest.mark.parametrize("zone, ok", [("Asia/Calcutta", True), ("Asia/Kolkata", False), ("Europe/Kiev", True), ("Europe/Kyiv", False),
                                      ("UTC", True), ("Etc/UTC", False), ("US/Eastern", False), ("America/New_York", True)])
def test_timezones_are_the_servers_list(emu, zone, ok):
    r = _create(emu, timezone=zone)
    if ok:
        assert r.status_code == 200 and r.json()["timezone"] == zone
    else:
        assert r.status_code == 422
        assert r.json()["error"] == "Invalid IANA timezone: '%s'. View the list of valid timezones at %s/timezones" % (zone, emu.url)
    listed = emu.get("/api/v1/timezones").json()["timezones"]
    assert (zone in listed) is ok and listed[0] == "UTC" and len(listed) == 419


def test_other_422s(emu):
    r = _create(emu, timezone="Mars/Olympus")
    assert r.status_code == 422 and r.json()["error"].startswith("Invalid IANA timezone: 'Mars/Olympus'")
    r = _create(emu, task="nope")
    assert r.status_code == 422 and r.json()["error"] == "Task with identifier nope not found in project."
    r = _create(emu, task="hello-world")
    assert r.status_code == 422 and r.json()["error"] == "Task with identifier hello-world is not a scheduled task."
    r = _create(emu, deduplicationKey="daily-report-declarative", task="daily-report")
    assert r.status_code == 422 and r.json()["error"] == "Cannot update a declarative schedule"
    r = emu.put(S + "/sched_declarativedailyreport01", emu.key("prod"), json={"task": "daily-report", "cron": "0 1 * * *"})
    assert r.status_code == 422 and r.json()["error"] == "Cannot update a declarative schedule"


def test_declarative_can_be_listed_deactivated_and_deleted(emu):
    key = emu.key("prod")
    listed = emu.get(S, key).json()["data"]
    assert [s["type"] for s in listed] == ["DECLARATIVE"] and listed[0]["task"] == "daily-report"
    assert emu.post(S + "/sched_declarativedailyreport01/deactivate", key).json()["active"] is False
    assert emu.delete(S + "/sched_declarativedailyreport01", key).status_code == 200


def test_create_validation_400(emu):
    key = emu.key("prod")
    r = emu.post(S, key, json={"task": "hourly-sync", "cron": "0 * * * *"})
    assert r.status_code == 400 and r.json()["issues"][0]["path"] == ["deduplicationKey"]
    r = emu.post(S, key, json={"task": 1, "cron": "0 * * * *", "deduplicationKey": "x"})
    assert r.status_code == 400
    assert _create(emu, window="25h").status_code == 400
    assert _create(emu, window="150%").status_code == 400
    assert _create(emu, unknownField=True).status_code == 200


def test_schedules_need_secret_key_and_branch_for_preview(emu):
    assert emu.get(S, emu.pat).status_code == 401
    emu.post("/api/v1/projects/proj_demo/branches", emu.pat, json={"env": "preview", "branch": "feat"})
    r = emu.post(S, emu.key("preview"), headers={"x-trigger-branch": "feat"},
                 json={"task": "hourly-sync", "cron": "0 * * * *", "deduplicationKey": "pv"})
    assert r.status_code == 200 and r.json()["environments"][0]["type"] == "PREVIEW"
    listed = emu.get(S, emu.key("preview"), headers={"x-trigger-branch": "feat"}).json()["data"]
    assert listed[0]["environments"][0]["branchName"] == "feat"


def test_archived_branch_schedule_write_401(emu):
    """An archived branch is no longer found by the key resolver (archivedAt: null), so the server's 422
    "Can't add or edit a schedule for an archived branch" cannot be reached with an API key."""
    emu.post("/api/v1/projects/proj_demo/branches", emu.pat, json={"env": "preview", "branch": "gone"})
    emu.post("/api/v1/projects/proj_demo/branches/archive", emu.pat, json={"branch": "gone"})
    r = emu.post(S, emu.key("preview"), headers={"x-trigger-branch": "gone"}, json={"task": "hourly-sync", "cron": "0 * * * *", "deduplicationKey": "z"})
    assert r.status_code == 401


def test_cron_descriptions():
    cases = {
        "* * * * *": "Every minute", "*/5 * * * *": "Every 5 minutes", "0 * * * *": "Every hour",
        "30 * * * *": "At 30 minutes past the hour", "0 9 * * *": "At 09:00 AM", "15 14 * * *": "At 02:15 PM",
        "0 9 * * 1-5": "At 09:00 AM, Monday through Friday", "0 0 * * MON": "At 12:00 AM, only on Monday",
        "0 0 1 * *": "At 12:00 AM, on day 1 of the month", "0 0 L * *": "At 12:00 AM, on the last day of the month",
        "0 0 1 JAN *": "At 12:00 AM, on day 1 of the month, only in January", "0 */2 * * *": "At 0 minutes past the hour, every 2 hours",
    }
    for expression, text in cases.items():
        assert cron.describe(expression) == text, expression


def test_cron_next_run():
    start = datetime.datetime(2026, 3, 28, 12, 0, tzinfo=datetime.timezone.utc)  # a Saturday
    nxt = cron.parse("0 9 * * 1").next_after(start, "Europe/London")
    assert nxt == datetime.datetime(2026, 3, 30, 8, 0, tzinfo=datetime.timezone.utc)  # BST from 29 March
    assert cron.parse("*/15 * * * *").next_after(start).minute == 15
    assert cron.parse("0 0 L 2 *").next_after(start).date() == datetime.date(2027, 2, 28)
    assert cron.parse("0 0 * * 5L").next_after(start).date() == datetime.date(2026, 4, 24)
    assert cron.parse("0 0 * * 1#2").next_after(start).date() == datetime.date(2026, 4, 13)
    with pytest.raises(cron.CronError):  # refused as cron-parser refuses it
        cron.parse("0 0 30 2 *")
    # 02:30 does not exist on the spring-forward day in London
    gap = cron.parse("30 1 29 3 *").next_after(datetime.datetime(2026, 3, 1, tzinfo=datetime.timezone.utc), "Europe/London")
    assert gap.year == 2027
    assert cron.parse("0 12 * * 7").next_after(start).weekday() == 6


def _scheduled_runs(emu, schedule_id, env="dev"):
    return emu.get("/api/v1/runs?filter[schedule]=%s" % schedule_id, emu.key(env)).json()["data"]


def test_schedules_fire_on_the_clock_only_when_switched_on(emu):
    s = _create(emu, env="dev", task="daily-report", cron="* * * * *", externalId="tenant-7").json()
    emu.control("POST", "clock", {"advance_ms": 120_000})
    assert _scheduled_runs(emu, s["id"]) == []   # off by default: nothing fires
    assert emu.control("POST", "settings", {"schedules_fire": True})["schedules_fire"] is True
    emu.control("POST", "clock", {"advance_ms": 30 * 60_000})   # half an hour at once: fires once, the rest are skipped
    fired = _scheduled_runs(emu, s["id"])
    assert len(fired) == 1 and fired[0]["taskIdentifier"] == "daily-report"
    run = emu.get("/api/v3/runs/" + fired[0]["id"], emu.key("dev")).json()
    assert run["schedule"] == {"id": s["id"], "externalId": "tenant-7", "deduplicationKey": "dedup-1",
                               "generator": {"type": "CRON", "expression": "* * * * *", "description": "Every minute"}}
    payload = run["payload"]
    assert payload["scheduleId"] == s["id"] and payload["type"] == "IMPERATIVE" and payload["timezone"] == "UTC"
    assert payload["externalId"] == "tenant-7" and payload["lastTimestamp"] is None
    assert payload["timestamp"].endswith(":00.000Z") and len(payload["upcoming"]) == 10
    emu.control("POST", "clock", {"advance_ms": 60_000})
    second = emu.get("/api/v3/runs/" + _scheduled_runs(emu, s["id"])[0]["id"], emu.key("dev")).json()["payload"]
    assert second["lastTimestamp"] == payload["timestamp"] and len(_scheduled_runs(emu, s["id"])) == 2
    # a deactivated schedule, a disconnected dev, and the setting off: nothing more
    assert emu.post(S + "/%s/deactivate" % s["id"], emu.key("dev")).status_code == 200
    emu.control("POST", "clock", {"advance_ms": 60_000})
    assert len(_scheduled_runs(emu, s["id"])) == 2
    assert emu.post(S + "/%s/activate" % s["id"], emu.key("dev")).status_code == 200
    emu.control("POST", "workers", {"environment": "dev", "connected": False})
    emu.control("POST", "clock", {"advance_ms": 60_000})
    assert len(_scheduled_runs(emu, s["id"])) == 2
    emu.control("POST", "workers", {"environment": "dev", "connected": True})
    emu.control("POST", "settings", {"schedules_fire": False})
    emu.control("POST", "clock", {"advance_ms": 60_000})
    assert len(_scheduled_runs(emu, s["id"])) == 2
    r = emu.session.post(emu.url + "/_emulator/settings", json={"schedules_fire": "yes"}, timeout=10)
    assert r.status_code == 400 and "schedules_fire" in r.json()["error"]


def test_a_fired_run_in_prod_runs_on_the_deployed_worker(emu):
    emu.control("POST", "settings", {"schedules_fire": True})
    s = _create(emu, env="prod", task="hourly-sync", cron="*/5 * * * *").json()
    emu.control("POST", "clock", {"advance_ms": 5 * 60_000})
    (fired,) = _scheduled_runs(emu, s["id"], env="prod")
    deadline = datetime.datetime.now() + datetime.timedelta(seconds=10)
    while datetime.datetime.now() < deadline:
        run = emu.get("/api/v3/runs/" + fired["id"], emu.key("prod")).json()
        if run["status"] == "COMPLETED":
            break
    assert run["status"] == "COMPLETED" and run["payload"]["upcoming"][0] > run["payload"]["timestamp"]
    assert run["payload"]["externalId"] is None and run["schedule"] == {
        "id": s["id"], "deduplicationKey": "dedup-1", "generator": {"type": "CRON", "expression": "*/5 * * * *", "description": "Every 5 minutes"}}
    emu.control("POST", "reset")
    assert emu.control("GET", "settings")["schedules_fire"] is False
