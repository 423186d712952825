"""Organisations, members and projects: membership, the PAT route builders' auth, create/rename/delete, environments."""

import re

DEMO_ORG = "org_demo0000000000000000001"
SECOND_ORG = "csecondorg000000000000001"
FORBIDDEN = {"error": "Unauthorized", "code": "unauthorized", "param": "access_token", "type": "authorization"}
REMIX_400 = {"message": "Unexpected Server Error"}


def _second_pat(emu):
    return next(u["pat"] for u in emu.config["users"] if u["name"] == "Second")


def _uat(emu, token=None, **body):
    r = emu.post("/api/v1/auth/user-actor-token", token or emu.pat, json=body)
    assert r.status_code == 200, r.text
    return r.json()["token"]


def _patch(emu, path, token, **kwargs):
    return emu.req("PATCH", path, token, **kwargs)


def _refs(response):
    assert response.status_code == 200, response.text
    return [p["externalRef"] for p in response.json()]


def _create(emu, name="My Project", org="demo-org", token=None):
    r = emu.post("/api/v1/orgs/%s/projects" % org, token or emu.pat, json={"name": name})
    assert r.status_code == 200, r.text
    return r.json()


def _config(emu):
    return emu.get("/_emulator/config").json()


def _project_config(emu, ref):
    cfg = _config(emu)
    return next(p for p in cfg["projects"] + cfg["outside_projects"] if p["ref"] == ref)


# ---------------------------------------------------------------- auth kinds and membership

def test_orgs_list_follows_membership(emu):
    demo = emu.get("/api/v1/orgs", emu.pat).json()
    assert demo == [{"id": DEMO_ORG, "title": "Demo Organization", "slug": "demo-org", "createdAt": "2024-01-01T00:00:00.000Z"}]
    assert [o["id"] for o in emu.get("/api/v1/orgs", _second_pat(emu)).json()] == [SECOND_ORG]
    assert [o["id"] for o in emu.get("/api/v1/orgs", emu.config["uat"]).json()] == [DEMO_ORG]


def test_pat_routes_refuse_other_credentials(emu):
    refusals = [(emu.config["oat"], "Invalid or Missing PAT"), (emu.key("prod"), "Invalid or Missing PAT"), ("garbage", "Invalid or Missing PAT"),
                ("tr_pat_" + "x" * 40, "Invalid PAT"), ("tr_uat_not.a.token", "Invalid user-actor token")]
    for path in ("/api/v1/orgs", "/api/v1/projects", "/api/v1/projects/proj_demo", "/api/v1/orgs/demo-org/members",
                 "/api/v1/projects/proj_demo/environments", "/api/v1/orgs/demo-org/projects"):
        for token, message in refusals:
            r = emu.get(path, token)
            assert r.status_code == 401 and r.json() == {"error": message}, (path, token)
        assert emu.get(path).status_code == 401


def test_projects_list_follows_membership(emu):
    listed = emu.get("/api/v1/projects", emu.pat).json()
    assert [p["externalRef"] for p in listed] == ["proj_demo", "proj_other"]
    assert listed[0] == {"id": "prj_demo000000000000000000001", "externalRef": "proj_demo", "name": "Demo Project", "slug": "demo-project",
                         "createdAt": "2024-01-01T00:00:00.000Z", "defaultRegion": "us-east-1",
                         "organization": {"id": DEMO_ORG, "title": "Demo Organization", "slug": "demo-org", "createdAt": "2024-01-01T00:00:00.000Z"}}
    assert _refs(emu.get("/api/v1/projects", _second_pat(emu))) == ["proj_second"]
    assert _refs(emu.get("/api/v1/projects", emu.config["uat"])) == ["proj_demo", "proj_other"]


def test_org_projects_by_slug_or_cuid(emu):
    assert _refs(emu.get("/api/v1/orgs/demo-org/projects", emu.pat)) == ["proj_demo", "proj_other"]
    # npm cuid's isCuid is "starts with c": the demo org's id is read as a slug and matches nothing
    assert _refs(emu.get("/api/v1/orgs/%s/projects" % DEMO_ORG, emu.pat)) == []
    assert _refs(emu.get("/api/v1/orgs/%s/projects" % SECOND_ORG, _second_pat(emu))) == ["proj_second"]
    # no membership 404 on this list: another organisation lists nothing
    assert _refs(emu.get("/api/v1/orgs/second-org/projects", emu.pat)) == []
    assert _refs(emu.get("/api/v1/orgs/nope/projects", emu.pat)) == []


def test_access_tokens_reach_only_their_organisations(emu):
    second = _second_pat(emu)
    for path in ("/api/v1/projects/proj_second/envvars/prod", "/api/v1/projects/proj_second/prod", "/api/v1/projects/proj_second/branches",
                 "/api/v1/projects/proj_second/runs?filter[env]=prod", "/api/v1/projects/proj_second/prod/workers/current",
                 "/api/v1/projects/proj_second", "/api/v1/projects/proj_second/environments"):
        r = emu.get(path, emu.pat)
        assert r.status_code == 404 and r.json() == {"error": "Project not found"}, path
        assert emu.get(path, second).status_code == 200, path
    for action in ("pause", "resume", "regenerate-api-key"):
        r = emu.post("/api/v1/projects/proj_second/prod/" + action, emu.pat)
        assert r.status_code == 404 and r.json() == {"error": "Project not found"}, action
    assert emu.get("/api/v1/projects/proj_second/envvars/prod", emu.config["oat"]).json() == {"error": "Project not found"}
    assert emu.get("/api/v1/projects/proj_demo/envvars/prod", second).json() == {"error": "Project not found"}
    key = emu.get("/api/v1/projects/proj_second/prod", second).json()["apiKey"]
    assert key == _project_config(emu, "proj_second")["environments"]["prod"]["secret_key"]
    assert emu.get("/api/v1/runs", key).status_code == 200


def test_user_actor_token_membership_floor(emu):
    second_uat = _uat(emu, _second_pat(emu), cap=["admin"])
    # routes whose context names the organisation refuse a non-member's user-actor token before the handler
    assert emu.get("/api/v1/projects/proj_demo/environments", second_uat).json() == {"error": "Unauthorized"}
    assert emu.get("/api/v1/orgs/demo-org/members", second_uat).status_code == 403
    r = _patch(emu, "/api/v1/projects/proj_demo", second_uat, json={"name": "x"})
    assert r.status_code == 403 and r.json() == {"error": "Unauthorized"}
    assert emu.post("/api/v1/orgs/demo-org/projects", second_uat, json={"name": "x"}).json() == {"error": "Unauthorized"}
    # routes without a context leave it to the handler's 404
    assert emu.get("/api/v1/projects/proj_demo", second_uat).json() == {"error": "Project not found"}
    # a PAT is never refused by the floor: the handler's membership filter answers
    r = _patch(emu, "/api/v1/projects/proj_demo", _second_pat(emu), json={"name": "x"})
    assert r.status_code == 404 and r.json() == {"error": "Project not found"}
    # platform admins are exempt from the floor (and still meet the handler's filter)
    admin = emu.control("POST", "users", {"name": "Root", "admin": True})
    r = emu.get("/api/v1/projects/proj_demo/environments", _uat(emu, admin["pat"]))
    assert r.status_code == 404 and r.json() == {"error": "Project not found"}


def test_user_actor_token_caps(emu):
    capless = emu.config["uat"]
    assert emu.get("/api/v1/projects/proj_demo/environments", capless).status_code == 200   # read:all
    r = _patch(emu, "/api/v1/projects/proj_demo", capless, json={"name": "x"})
    assert r.status_code == 403 and r.json() == FORBIDDEN
    runs_only = _uat(emu, cap=["read:runs"])
    assert emu.get("/api/v1/projects/proj_demo/environments", runs_only).json() == FORBIDDEN
    assert emu.get("/api/v1/projects/proj_demo/runs?filter[env]=prod", runs_only).status_code == 200
    assert emu.get("/api/v1/projects", _uat(emu, cap=[])).status_code == 200   # no authorization gate
    manager = _uat(emu, cap=["manage:project"])
    assert _patch(emu, "/api/v1/projects/proj_demo", manager, json={"name": "Managed"}).json()["name"] == "Managed"
    assert _patch(emu, "/api/v1/orgs/demo-org", manager, json={"title": "Nope"}).json() == FORBIDDEN


# ---------------------------------------------------------------- organisations

def test_org_creation_is_gated(emu):
    r = emu.post("/api/v1/orgs", emu.pat, json={"title": "New Org"})
    assert r.status_code == 404 and r.json() == {"error": "Not found"}
    # the body is checked before the gate and before the token
    assert emu.post("/api/v1/orgs", emu.config["oat"], json={"title": 1}).json() == {
        "error": 'Validation error: Expected string, received number at "title"'}
    assert emu.post("/api/v1/orgs", "tr_pat_" + "y" * 40, json={"title": "New Org"}).json() == {"error": "Invalid PAT"}
    assert emu.control("POST", "settings", {"org_creation_api": True})["org_creation_api"] is True
    # a user-actor token needs manage:organization, checked after the gate
    assert emu.post("/api/v1/orgs", emu.config["uat"], json={"title": "New Org"}).json() == FORBIDDEN
    r = emu.post("/api/v1/orgs", emu.pat, json={"title": "  New Org ", "companySize": "1-10", "extra": 1})
    assert r.status_code == 201
    org = r.json()
    assert set(org) == {"id", "title", "slug", "createdAt"} and org["title"] == "New Org"
    assert re.fullmatch(r"new-org-[0-9a-f]{4}", org["slug"]) and org["id"].startswith("c")
    assert org in emu.get("/api/v1/orgs", emu.pat).json()
    members = emu.get("/api/v1/orgs/%s/members" % org["slug"], emu.pat).json()["members"]
    assert [(m["role"], m["user"]["id"]) for m in members] == [("ADMIN", "user_demo000000000000000001")]
    again = emu.post("/api/v1/orgs", _uat(emu, cap=["manage:organization"]), json={"title": "New Org"}).json()
    assert again["slug"] != org["slug"]
    emu.control("POST", "reset")
    assert emu.control("GET", "settings")["org_creation_api"] is False


def test_org_create_body_rules(emu):
    emu.control("POST", "settings", {"org_creation_api": True})
    cases = [(b"", "Request body is empty"), (b"null", "Invalid JSON"), (b"0", "Invalid JSON"), (b"{oops", "Invalid JSON"),
             (b"[]", "Validation error: Expected object, received array"), (b"{}", 'Validation error: Required at "title"'),
             (b'{"title": "  ab  "}', 'Validation error: String must contain at least 3 character(s) at "title"'),
             (b'{"title": "%s"}' % (b"x" * 51), 'Validation error: String must contain at most 50 character(s) at "title"'),
             (b'{"title": "Fine", "companyUrl": 3}', 'Validation error: Expected string, received number at "companyUrl"')]
    for raw, message in cases:
        r = emu.post("/api/v1/orgs", emu.pat, data=raw, headers={"Content-Type": "application/json"})
        assert r.status_code == 400 and r.json() == {"error": message}, raw
    r = emu.put("/api/v1/orgs", emu.pat)
    assert r.status_code == 405 and r.json() == {"error": "Method not allowed"} and r.headers["Allow"] == "POST"


def test_rename_org(emu):
    r = _patch(emu, "/api/v1/orgs/demo-org", emu.pat, json={"title": "  Renamed Org  "})
    assert r.status_code == 200 and r.json() == {"id": DEMO_ORG, "title": "Renamed Org", "slug": "demo-org"}
    assert _patch(emu, "/api/v1/orgs/" + DEMO_ORG, emu.pat, json={"title": "By Id"}).json()["title"] == "By Id"
    for body in ({"title": "ab"}, {"title": 5}, {}, None):
        r = _patch(emu, "/api/v1/orgs/demo-org", emu.pat, json=body)
        assert r.status_code == 400 and r.json() == {"error": "Invalid request body"}, body
    r = _patch(emu, "/api/v1/orgs/second-org", emu.pat, json={"title": "Mine now"})
    assert r.status_code == 404 and r.json() == {"error": "Organization not found"}
    assert _patch(emu, "/api/v1/orgs/demo-org", emu.config["uat"], json={"title": "Nope"}).json() == FORBIDDEN
    r = emu.get("/api/v1/orgs/demo-org", emu.pat)
    assert r.status_code == 400 and r.json() == REMIX_400
    r = emu.put("/api/v1/orgs/demo-org", emu.pat)
    assert r.status_code == 405 and r.headers["Allow"] == "PATCH, DELETE"


def test_delete_org(emu):
    key = _project_config(emu, "proj_second")["environments"]["prod"]["secret_key"]
    second = _second_pat(emu)
    assert emu.delete("/api/v1/orgs/second-org", emu.pat).json() == {"error": "Organization not found"}
    emu.control("POST", "orgs", {"org": "second-org", "active_subscription": True})
    r = emu.delete("/api/v1/orgs/second-org", second)
    assert r.status_code == 400 and r.json() == {"error": "You can't delete an Organization that has an active subscription"}
    emu.control("POST", "orgs", {"org": "second-org", "active_subscription": False})
    assert emu.delete("/api/v1/orgs/second-org", second).json() == {"id": SECOND_ORG}
    assert emu.get("/api/v1/orgs", second).json() == []
    assert emu.get("/api/v1/projects", second).json() == []
    assert emu.get("/api/v1/runs", key).json() == {"error": "Invalid API key"}
    assert emu.delete("/api/v1/orgs/second-org", second).status_code == 404
    cfg = _config(emu)
    assert cfg["outside_projects"] == [] and next(o for o in cfg["organizations"] if o["id"] == SECOND_ORG)["deleted"] is True


def test_members(emu):
    body = emu.get("/api/v1/orgs/demo-org/members", emu.pat).json()
    assert body == {"members": [{"id": "orgmember_demo000000000000001", "role": "ADMIN",
                                 "user": {"id": "user_demo000000000000000001", "name": "Demo", "email": "demo@example.com", "avatarUrl": None}}],
                    "invites": []}
    assert emu.get("/api/v1/orgs/second-org/members", emu.pat).json() == {"error": "Organization not found"}
    assert emu.get("/api/v1/orgs/demo-org/members", emu.config["uat"]).status_code == 200   # read:all covers read:members
    r = emu.post("/api/v1/orgs/demo-org/members", emu.pat)
    assert r.status_code == 405 and r.json() == REMIX_400


def test_new_member_gets_own_dev_environments(emu):
    second = _second_pat(emu)
    item = emu.control("POST", "members", {"org": "demo-org", "user": "user_second00000000000000001"})
    assert item["role"] == "MEMBER" and item["org"] == DEMO_ORG
    assert _refs(emu.get("/api/v1/projects", second)) == ["proj_demo", "proj_other", "proj_second"]
    mine = emu.get("/api/v1/projects/proj_demo/environments", second).json()
    demo = emu.get("/api/v1/projects/proj_demo/environments", emu.pat).json()
    assert mine[0]["type"] == demo[0]["type"] == "DEVELOPMENT" and mine[0]["id"] != demo[0]["id"] and mine[1:] == demo[1:]
    own_key = emu.get("/api/v1/projects/proj_demo/dev", second).json()["apiKey"]
    assert own_key.startswith("tr_dev_") and own_key != emu.key("dev")
    assert emu.get("/api/v1/projects/proj_demo/dev", emu.pat).json()["apiKey"] == emu.key("dev")
    emu.post("/api/v1/projects/proj_demo/dev/pause", second)
    paused = {e["id"]: e["paused"] for token in (second, emu.pat) for e in emu.get("/api/v1/projects/proj_demo/environments", token).json()}
    assert paused[mine[0]["id"]] is True and paused[demo[0]["id"]] is False
    # an organization token takes the first DEV environment (no orgMember filter)
    assert emu.get("/api/v1/projects/proj_demo/dev", emu.config["oat"]).json()["apiKey"] == emu.key("dev")


# ---------------------------------------------------------------- projects

def test_create_project(emu):
    first = _create(emu, "  My Project  ")
    assert set(first) == {"id", "externalRef", "name", "slug", "createdAt", "defaultRegion", "organization"}
    assert first["name"] == "My Project" and first["defaultRegion"] is None and first["organization"]["id"] == DEMO_ORG
    assert re.fullmatch(r"proj_[a-z]{20}", first["externalRef"]) and re.fullmatch(r"my-project-[A-Za-z0-9_-]{4}", first["slug"])
    second = _create(emu, "My Project")   # not idempotent by name
    assert second["externalRef"] != first["externalRef"] and second["slug"] != first["slug"]
    got = emu.get("/api/v1/projects/" + first["externalRef"], emu.pat).json()
    assert got["defaultRuntime"] == "node-24" and {k: v for k, v in got.items() if k != "defaultRuntime"} == first
    envs = emu.get("/api/v1/projects/%s/environments" % first["externalRef"], emu.pat).json()
    assert [(e["type"], e["slug"], e["isBranchableEnvironment"]) for e in envs] == [
        ("DEVELOPMENT", "dev", True), ("STAGING", "stg", False), ("PREVIEW", "preview", True), ("PRODUCTION", "prod", False)]
    keys = _project_config(emu, first["externalRef"])["environments"]
    assert re.fullmatch(r"tr_prod_[A-Za-z0-9]{24}", keys["prod"]["secret_key"])
    assert emu.get("/api/v1/runs", keys["prod"]["secret_key"]).status_code == 200
    assert emu.get("/api/v1/projects/%s/prod/workers/current" % first["externalRef"], emu.pat).json() == {"error": "Worker not found"}
    assert _refs(emu.get("/api/v1/projects", emu.pat))[-2:] == [first["externalRef"], second["externalRef"]]


def test_create_project_plan_and_limits(emu):
    emu.control("POST", "orgs", {"org": "demo-org", "has_staging": False})
    ref = _create(emu, "Hobby")["externalRef"]
    assert [e["type"] for e in emu.get("/api/v1/projects/%s/environments" % ref, emu.pat).json()] == ["DEVELOPMENT", "PRODUCTION"]
    assert sorted(_project_config(emu, ref)["environments"]) == ["dev", "prod"]
    assert emu.get("/api/v1/projects/%s/staging" % ref, emu.pat).json() == {"error": "Environment not found"}
    emu.control("POST", "orgs", {"org": "demo-org", "max_projects": 3})
    r = emu.post("/api/v1/orgs/demo-org/projects", emu.pat, json={"name": "One too many"})
    assert r.status_code == 400 and r.json() == {"error": "Failed to create project"}
    emu.control("POST", "orgs", {"org": "demo-org", "max_projects": 25, "activated": False})
    r = emu.post("/api/v1/orgs/demo-org/projects", emu.pat, json={"name": "Unpaid"})
    assert r.status_code == 402 and r.json() == {"error": "You must select a plan for this organization before creating projects."}


def test_create_project_refusals(emu):
    cases = [({"name": "   "}, 'Validation error: Name is required at "name"'), ({}, 'Validation error: Required at "name"'),
             ({"name": "x" * 256}, 'Validation error: Name must be less than 255 characters at "name"')]
    for body, message in cases:
        r = emu.post("/api/v1/orgs/demo-org/projects", emu.pat, json=body)
        assert r.status_code == 400 and r.json() == {"error": message}, body
    for org in ("second-org", SECOND_ORG, "nope"):
        r = emu.post("/api/v1/orgs/%s/projects" % org, emu.pat, json={"name": "Intruder"})
        assert r.status_code == 404 and r.json() == {"error": "Organization not found"}, org
    assert _create(emu, "By id", org=SECOND_ORG, token=_second_pat(emu))["organization"]["slug"] == "second-org"
    assert _create(emu, "Delegated", token=emu.config["uat"])["name"] == "Delegated"   # no authorization gate
    r = emu.req("PATCH", "/api/v1/orgs/demo-org/projects", emu.pat)
    assert r.status_code == 405 and r.headers["Allow"] == "POST"


def test_get_and_rename_project(emu):
    got = emu.get("/api/v1/projects/proj_demo", emu.pat).json()
    assert got["defaultRuntime"] is None and got["defaultRegion"] == "us-east-1" and list(got)[-2:] == ["defaultRuntime", "organization"]
    assert emu.get("/api/v1/projects/proj_nope", emu.pat).json() == {"error": "Project not found"}
    r = _patch(emu, "/api/v1/projects/proj_demo", emu.pat, json={"name": "  Renamed  "})
    assert r.json() == {"id": "prj_demo000000000000000000001", "name": "Renamed"}
    assert emu.get("/api/v1/projects/proj_demo", emu.pat).json()["slug"] == "demo-project"
    for raw in (b"", b"{", b'{"name": ""}', b'{"name": 3}', b"[]"):
        r = _patch(emu, "/api/v1/projects/proj_demo", emu.pat, data=raw)
        assert r.status_code == 400 and r.json() == {"error": "Invalid request body"}, raw
    r = emu.post("/api/v1/projects/proj_demo", emu.pat)
    assert r.status_code == 405 and r.headers["Allow"] == "PATCH, DELETE"


def test_delete_project_is_soft(emu):
    project = _create(emu, "Doomed")
    ref = project["externalRef"]
    keys = _project_config(emu, ref)["environments"]
    assert emu.delete("/api/v1/projects/" + ref, emu.config["uat"]).json() == FORBIDDEN
    assert emu.delete("/api/v1/projects/" + ref, emu.pat).json() == {"id": project["id"]}
    assert emu.get("/api/v1/projects/" + ref, emu.pat).json() == {"error": "Project not found"}
    assert emu.delete("/api/v1/projects/" + ref, emu.pat).json() == {"error": "Project not found"}
    assert _patch(emu, "/api/v1/projects/" + ref, emu.pat, json={"name": "x"}).status_code == 404
    assert ref not in _refs(emu.get("/api/v1/projects", emu.pat)) + _refs(emu.get("/api/v1/orgs/demo-org/projects", emu.pat))
    assert ref not in [p["ref"] for p in _config(emu)["projects"]]
    # its keys stop authenticating at once
    assert emu.get("/api/v1/runs", keys["prod"]["secret_key"]).json() == {"error": "Invalid API key"}
    assert emu.get("/api/v1/schedules", keys["prod"]["secret_key"]).status_code == 401
    # routes that find the project with findProjectByRef have no deletedAt filter
    assert len(emu.get("/api/v1/projects/%s/environments" % ref, emu.pat).json()) == 4
    assert emu.get("/api/v1/projects/%s/prod" % ref, emu.pat).json()["apiKey"] == keys["prod"]["secret_key"]


def test_default_region(emu):
    path = "/api/v1/projects/proj_demo/default-region"
    assert emu.put(path, emu.pat, json={"region": "eu-central-1"}).json() == {"id": "wig_eucentral1000000000000001", "name": "eu-central-1"}
    assert emu.get("/api/v1/projects/proj_demo", emu.pat).json()["defaultRegion"] == "eu-central-1"
    r = emu.put(path, emu.pat, json={"region": "mars-1"})
    assert r.status_code == 400 and r.json() == {"error": "Region 'mars-1' not found", "availableRegions": ["eu-central-1", "us-east-1"]}
    assert emu.put(path, emu.pat, json={"region": ""}).json() == {"error": 'Validation error: String must contain at least 1 character(s) at "region"'}
    assert emu.put(path, emu.pat).json() == {"error": "Request body is empty"}
    assert emu.put(path, emu.config["uat"], json={"region": "us-east-1"}).json() == FORBIDDEN
    assert emu.put("/api/v1/projects/proj_second/default-region", emu.pat, json={"region": "us-east-1"}).json() == {"error": "Project not found"}
    assert emu.get(path, emu.pat).json() == REMIX_400
    r = emu.post(path, emu.pat)
    assert r.status_code == 405 and r.headers["Allow"] == "PUT"


def test_environments_list(emu):
    envs = emu.get("/api/v1/projects/proj_demo/environments", emu.pat).json()
    assert envs == [
        {"id": "env_demo_dev", "slug": "dev", "type": "DEVELOPMENT", "isBranchableEnvironment": True, "branchName": None, "paused": False},
        {"id": "env_demo_stg", "slug": "stg", "type": "STAGING", "isBranchableEnvironment": False, "branchName": None, "paused": False},
        {"id": "env_demo_preview", "slug": "preview", "type": "PREVIEW", "isBranchableEnvironment": True, "branchName": None, "paused": False},
        {"id": "env_demo_prod", "slug": "prod", "type": "PRODUCTION", "isBranchableEnvironment": False, "branchName": None, "paused": False}]
    emu.post("/api/v1/projects/proj_demo/branches", emu.pat, json={"env": "preview", "branch": "feature"})
    assert emu.get("/api/v1/projects/proj_demo/environments", emu.pat).json() == envs   # no branches
    assert emu.get("/api/v1/projects/proj_nope/environments", emu.pat).json() == {"error": "Project not found"}
    r = emu.post("/api/v1/projects/proj_demo/environments", emu.pat)
    assert r.status_code == 405 and r.json() == REMIX_400


# ---------------------------------------------------------------- control API and config

def test_config_lists_organisations_users_and_projects(emu):
    cfg = emu.config
    assert [p["ref"] for p in cfg["projects"]] == ["proj_demo", "proj_other"]
    assert [p["ref"] for p in cfg["outside_projects"]] == ["proj_second"]
    assert cfg["outside_projects"][0]["org"] == {"id": SECOND_ORG, "slug": "second-org"}
    assert cfg["projects"][0]["org"] == {"id": DEMO_ORG, "slug": "demo-org"}
    orgs = {o["slug"]: o for o in cfg["organizations"]}
    assert orgs["demo-org"]["projects"] == ["proj_demo", "proj_other"] and orgs["second-org"]["projects"] == ["proj_second"]
    assert orgs["demo-org"]["members"] == [{"id": "orgmember_demo000000000000001", "userId": "user_demo000000000000000001", "role": "ADMIN"}]
    assert orgs["demo-org"]["hasStagingEnvironment"] is True and orgs["demo-org"]["deleted"] is False
    users = {u["name"]: u for u in cfg["users"]}
    assert users["Demo"]["pat"] == cfg["pat"] and re.fullmatch(r"tr_pat_[A-Za-z0-9]{40}", users["Second"]["pat"])


def test_control_seeding(emu):
    org = emu.control("POST", "orgs", {"title": "Seeded", "members": ["user_second00000000000000001"], "has_staging": False})
    assert org["id"].startswith("c") and re.fullmatch(r"seeded-[0-9a-f]{4}", org["slug"]) and org["hasStagingEnvironment"] is False
    assert [m["role"] for m in org["members"]] == ["ADMIN"]
    fixed = emu.control("POST", "orgs", {"title": "Fixed", "id": "corgfixed", "slug": "fixed"})
    assert (fixed["id"], fixed["slug"], fixed["members"]) == ("corgfixed", "fixed", [])
    user = emu.control("POST", "users", {"name": "Third", "orgs": ["fixed", org["id"]]})
    assert re.fullmatch(r"tr_pat_[A-Za-z0-9]{40}", user["pat"]) and user["orgs"] == ["corgfixed", org["id"]]
    assert [o["slug"] for o in emu.get("/api/v1/orgs", user["pat"]).json()] == [org["slug"], "fixed"]
    errors = [("orgs", {"org": "nope"}, 404), ("orgs", {}, 400), ("orgs", {"title": "X", "members": ["nobody"]}, 400),
              ("orgs", {"title": "X", "slug": "fixed"}, 400), ("orgs", {"org": "fixed", "max_projects": -1}, 400),
              ("users", {}, 400), ("users", {"name": "A", "orgs": ["nope"]}, 404), ("members", {"org": "fixed", "user": "nobody"}, 404),
              ("members", {"org": "fixed", "user": user["id"]}, 400),
              ("members", {"org": "fixed", "user": "user_demo000000000000000001", "role": "OWNER"}, 400), ("settings", {"org_creation_api": 1}, 400)]
    for name, body, status in errors:
        r = emu.session.post(emu.url + "/_emulator/" + name, json=body, timeout=10)
        assert r.status_code == status, (name, body, r.text)
