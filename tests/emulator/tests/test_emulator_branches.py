"""Preview branches and the project/environment bootstrap routes."""

import datetime

B = "/api/v1/projects/proj_demo/branches"


def _iso(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_upsert_list_archive_cycle(emu):
    pat = emu.pat
    git = {"commitSha": "abc123", "pullRequestNumber": 12, "pullRequestState": "open", "provider": "github"}
    r = emu.post(B, pat, json={"env": "preview", "branch": "refs/heads/feature-1", "git": git})
    assert r.status_code == 200
    branch_id = r.json()["id"]
    assert set(r.json()) == {"id"}
    # upsert: same id, git updated
    again = emu.post(B, pat, json={"env": "preview", "branch": "feature-1", "git": {"commitSha": "def456"}})
    assert again.json() == {"id": branch_id}
    listed = emu.get(B, pat).json()["branches"]
    assert len(listed) == 1
    item = listed[0]
    assert item["id"] == branch_id and item["name"] == "feature-1" and item["isPaused"] is False
    assert item["git"] == {"commitSha": "def456"}
    assert _iso(item["createdAt"]) <= _iso(item["updatedAt"])
    r = emu.post(B + "/archive", pat, json={"branch": "feature-1"})
    assert r.status_code == 200
    body = r.json()
    assert body["success"] is True and body["branch"]["id"] == branch_id and body["branch"]["archivedAt"]
    assert body["project"]["slug"] == "demo-project"
    assert emu.get(B, pat).json()["branches"] == []
    r = emu.post(B + "/archive", pat, json={"branch": "feature-1"})
    assert r.status_code == 400 and r.json() == {"error": "Branch already archived"}
    r = emu.post(B + "/archive", pat, json={"branch": "never-existed"})
    assert r.status_code == 404 and r.json() == {"error": "Branch not found"}
    # re-creating an archived name makes a new branch
    assert emu.post(B, pat, json={"env": "preview", "branch": "feature-1"}).json()["id"] != branch_id


def test_upsert_validation(emu):
    pat = emu.pat
    r = emu.post(B, pat, json={"branch": "x"})
    assert r.status_code == 400 and "env" in r.json()["error"]
    r = emu.post(B, pat, json={"env": "preview"})
    assert r.status_code == 400 and "branch" in r.json()["error"]
    for bad in ("has space", "a..b", "x.lock", "/lead", "tilde~"):
        r = emu.post(B, pat, json={"env": "preview", "branch": bad})
        assert r.status_code == 400 and r.json() == {"error": "Invalid branch name, contains disallowed character sequences"}, bad
    r = emu.post(B, pat, json={"env": "preview", "branch": "refs/something/else"})
    assert r.status_code == 400 and r.json() == {"error": "Branch name has an invalid format"}
    r = emu.post(B, pat, json={"env": "preview", "branch": "ok", "git": {"pullRequestNumber": "12"}})
    assert r.status_code == 400
    r = emu.post(B, pat, data=b"{oops")
    assert r.status_code == 400
    r = emu.get(B + "/archive", pat)
    assert r.status_code == 405 and r.json() == {"error": "Method not allowed"}


def test_auth_rules(emu):
    # list is PAT only
    r = emu.get(B, emu.key("preview"))
    assert r.status_code == 401 and r.json() == {"error": "Invalid or Missing Access Token"}
    # the preview parent's secret key may create and archive in its own project
    key = emu.key("preview")
    assert emu.post(B, key, json={"env": "preview", "branch": "by-key"}).status_code == 200
    r = emu.post(B, emu.key("prod"), json={"env": "preview", "branch": "nope"})
    assert r.status_code == 403 and r.json() == {"error": "API keys must belong to the parent Preview environment."}
    r = emu.post(B, key, json={"env": "development", "branch": "d"})
    assert r.status_code == 400 and r.json() == {"error": "API keys can only create Preview branches."}
    r = emu.post("/api/v1/projects/proj_other/branches", key, json={"env": "preview", "branch": "x"})
    assert r.status_code == 404
    assert emu.post(B + "/archive", key, json={"branch": "by-key"}).status_code == 200
    r = emu.post("/api/v1/projects/proj_missing/branches", emu.pat, json={"env": "preview", "branch": "x"})
    assert r.status_code == 404 and r.json() == {"error": "Project not found"}


def test_branch_ageing_control(emu):
    emu.post(B, emu.pat, json={"env": "preview", "branch": "stale"})
    aged = emu.control("POST", "branches/age", {"project": "proj_demo", "branch": "stale", "days": 30})
    item = emu.get(B, emu.pat).json()["branches"][0]
    assert item["updatedAt"] == aged["updatedAt"]
    age = datetime.datetime.now(datetime.timezone.utc) - _iso(item["updatedAt"])
    assert 29.9 < age.total_seconds() / 86400 < 30.1
    r = emu.session.post(emu.url + "/_emulator/branches/age", json={"project": "proj_demo", "branch": "nope", "days": 1}, timeout=5)
    assert r.status_code == 404


def test_branch_key_resolution(emu):
    emu.post(B, emu.pat, json={"env": "preview", "branch": "feat"})
    key = emu.key("preview")
    branch = {"x-trigger-branch": "feat"}
    assert emu.get("/api/v1/runs", key, headers=branch).status_code == 200
    run_id = emu.post("/api/v1/tasks/hello-world/trigger", key, headers=branch, json={"payload": {}}).json()["id"]
    assert emu.get("/api/v3/runs/" + run_id, key, headers=branch).status_code == 200
    # bootstrap: PAT + branch -> the PARENT's key (services/apiAuth.server.ts); a branch env's own key is unusable
    assert emu.get("/api/v1/projects/proj_demo/preview", emu.pat, headers=branch).json()["apiKey"] == key
    own = next(b["own_key"] for b in emu.get("/_emulator/config").json()["projects"][0]["branches"] if b["name"] == "feat")
    assert emu.get("/api/v3/runs/" + run_id, own).json() == {"error": "x-trigger-branch header required for preview env"}
    assert emu.get("/api/v3/runs/" + run_id, own, headers=branch).json() == {"error": "No matching branch env"}
    emu.post(B + "/archive", emu.pat, json={"branch": "feat"})
    r = emu.get("/api/v1/runs", key, headers=branch)
    assert r.status_code == 401 and r.json() == {"error": "No matching branch env"}
    r = emu.get("/api/v1/projects/proj_demo/preview", emu.pat, headers=branch)
    assert r.status_code == 404 and r.json() == {"error": "Branch not found"}


def test_projects_and_bootstrap(emu):
    projects = emu.get("/api/v1/projects", emu.pat).json()
    assert [p["externalRef"] for p in projects] == ["proj_demo", "proj_other"]
    assert set(projects[0]) >= {"id", "externalRef", "name", "slug", "createdAt", "organization"}
    assert emu.get("/api/v1/projects", emu.key("prod")).status_code == 401
    for env in ("dev", "staging", "prod", "preview"):
        body = emu.get("/api/v1/projects/proj_demo/" + env, emu.pat).json()
        assert body["apiKey"] == emu.key(env)
        assert body["apiUrl"] == emu.url and body["name"] == "Demo Project" and "projectId" in body
    assert emu.get("/api/v1/projects/proj_demo/prod", emu.key("prod")).json()["apiKey"] == emu.key("prod")
    assert emu.get("/api/v1/projects/proj_demo/stg", emu.pat).json() == {"error": "Invalid Params"}
    assert emu.get("/api/v1/projects/proj_other/prod", emu.key("prod")).status_code == 400
    # a valid key of another environment is echoed back: the slug is only checked against a branch (L7)
    assert emu.get("/api/v1/projects/proj_demo/prod", emu.key("dev")).json()["apiKey"] == emu.key("dev")
    assert emu.get("/api/v1/projects/proj_demo/preview", emu.key("preview")).json()["apiKey"] == emu.key("preview")
    assert emu.get("/api/v1/projects/proj_nope/prod", emu.pat).status_code == 404
