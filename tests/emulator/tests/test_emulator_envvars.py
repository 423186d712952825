"""Environment variables (docs/dev/protocol.md#envvars)."""

BASE = "/api/v1/projects/proj_demo/envvars"


def test_create_list_retrieve_and_redaction(emu):
    pat = emu.pat
    assert emu.post(BASE + "/prod", pat, json={"name": "PLAIN", "value": "abc"}).json() == {"success": True}
    assert emu.post(BASE + "/prod", pat, json={"name": "SECRET", "value": "s3cr3t", "isSecret": True}).status_code == 200
    listing = emu.get(BASE + "/prod", pat).json()
    assert listing == [{"name": "PLAIN", "value": "abc", "isSecret": False}, {"name": "SECRET", "value": "<redacted>", "isSecret": True}]
    assert emu.get(BASE + "/prod/SECRET", pat).json() == {"name": "SECRET", "value": "<redacted>", "isSecret": True}
    assert emu.get(BASE + "/prod/PLAIN", emu.key("prod")).json()["value"] == "abc"
    # staging is stored as stg: both slugs work
    emu.post(BASE + "/staging", pat, json={"name": "S", "value": "1"})
    assert emu.get(BASE + "/stg", pat).json() == [{"name": "S", "value": "1", "isSecret": False}]


def test_create_is_upsert_and_flag_handling(emu):
    pat = emu.pat
    emu.post(BASE + "/prod", pat, json={"name": "X", "value": "1", "isSecret": True})
    emu.post(BASE + "/prod", pat, json={"name": "X", "value": "2"})  # keeps the flag
    assert emu.get(BASE + "/prod/X", pat).json()["isSecret"] is True
    emu.post(BASE + "/prod", pat, json={"name": "X", "value": "2", "isSecret": False})
    assert emu.get(BASE + "/prod/X", pat).json() == {"name": "X", "value": "2", "isSecret": False}


def test_create_rejections(emu):
    pat = emu.pat
    for body in ({"name": "X", "value": "   "}, {"name": " ", "value": "v"}):
        r = emu.post(BASE + "/prod", pat, json=body)
        assert r.status_code == 400 and r.json()["error"] == "You must set at least one valid variable."
    r = emu.post(BASE + "/prod", pat, json={"name": "TRIGGER_SECRET_KEY", "value": "v"})
    assert r.status_code == 400 and "not allowed" in r.json()["error"]
    r = emu.post(BASE + "/prod", pat, json={"name": "X", "value": 5})
    assert r.status_code == 400 and r.json()["error"] == "Invalid request body" and r.json()["issues"][0]["path"] == ["value"]
    r = emu.post(BASE + "/prod", pat, json={"value": "x"})
    assert r.status_code == 400 and r.json()["issues"][0]["message"] == "Required"


def test_update_put(emu):
    pat = emu.pat
    emu.post(BASE + "/prod", pat, json={"name": "X", "value": "1", "isSecret": True})
    assert emu.put(BASE + "/prod/X", pat, json={"value": "2", "isSecret": False}).json() == {"success": True}
    assert emu.get(BASE + "/prod/X", pat).json()["isSecret"] is True  # PUT cannot change isSecret
    # blank value: silent no-op
    assert emu.put(BASE + "/prod/X", pat, json={"value": "  "}).status_code == 200
    # unknown in the project: 404
    r = emu.put(BASE + "/prod/NOPE", pat, json={"value": "v"})
    assert r.status_code == 404 and r.json() == {"error": "Environment variable not found"}
    # known in project but not here: PUT creates it here (non-secret)
    assert emu.put(BASE + "/dev/X", pat, json={"value": "dv"}).status_code == 200
    assert emu.get(BASE + "/dev/X", pat).json() == {"name": "X", "value": "dv", "isSecret": False}
    r = emu.put(BASE + "/prod/X", pat, json={})
    assert r.status_code == 400 and r.json()["error"] == "Invalid request body"


def test_delete_404_vs_400(emu):
    pat = emu.pat
    emu.post(BASE + "/prod", pat, json={"name": "X", "value": "1"})
    r = emu.delete(BASE + "/dev/X", pat)
    assert r.status_code == 400 and r.json() == {"error": "Environment variable value not found"}
    r = emu.delete(BASE + "/prod/NOPE", pat)
    assert r.status_code == 404 and r.json() == {"error": "Environment variable not found"}
    assert emu.delete(BASE + "/prod/X", pat).json() == {"success": True}
    # last value gone: the key is gone from the project
    assert emu.delete(BASE + "/prod/X", pat).status_code == 404
    assert emu.get(BASE + "/prod/X", pat).status_code == 404


def test_import_override_semantics(emu):
    pat = emu.pat
    assert emu.post(BASE + "/prod/import", pat, json={"variables": {"A": "1", "B": "2"}}).json() == {"success": True}
    r = emu.post(BASE + "/prod/import", pat, json={"variables": {"A": "9", "C": "3"}})
    assert r.status_code == 400
    body = r.json()
    assert body["error"].startswith("Some of the variables are already set")
    assert body["variableErrors"] == [{"key": "A", "error": "Variable already set in Production."}]
    # all-or-nothing: C was not written
    assert emu.get(BASE + "/prod/C", pat).status_code == 404
    assert emu.post(BASE + "/prod/import", pat, json={"variables": {"A": "9", "C": "3"}, "override": True}).status_code == 200
    values = {v["name"]: v["value"] for v in emu.get(BASE + "/prod", pat).json()}
    assert values == {"A": "9", "B": "2", "C": "3"}


def test_import_validation_and_dropping(emu):
    pat = emu.pat
    r = emu.post(BASE + "/prod/import", pat, json={"variables": [{"name": "A", "value": "1"}]})
    assert r.status_code == 400 and r.json() == {"error": "Invalid body"}
    assert emu.post(BASE + "/prod/import", pat, json={}).json() == {"error": "Invalid body"}
    assert emu.post(BASE + "/prod/import", pat, json={"variables": {"A": 1}}).status_code == 400
    r = emu.post(BASE + "/prod/import", pat, json={"variables": {"EMPTY": "", "TRIGGER_API_URL": "x", "OK": "v"}, "isSecret": True})
    assert r.status_code == 200
    assert emu.get(BASE + "/prod", pat).json() == [{"name": "OK", "value": "<redacted>", "isSecret": True}]
    r = emu.post(BASE + "/prod/import", pat, json={"variables": {"EMPTY": " "}})
    assert r.status_code == 400 and r.json()["error"] == "You must set at least one valid variable."


def test_import_multipart_dotenv(emu):
    files = {"variables": ("vars.env", b"# comment\nA=1\nexport B=\"two\"\n"), "override": (None, "true")}
    r = emu.post(BASE + "/prod/import", emu.pat, files=files)
    assert r.status_code == 200, r.text
    assert {v["name"]: v["value"] for v in emu.get(BASE + "/prod", emu.pat).json()} == {"A": "1", "B": "two"}


def test_secret_key_scope(emu):
    prod = emu.key("prod")
    emu.post(BASE + "/prod", prod, json={"name": "P", "value": "1"})
    r = emu.get("/api/v1/projects/proj_other/envvars/prod", prod)
    assert r.status_code == 400 and r.json()["error"].startswith("Invalid project ref for this API key")
    # the slug trap: another slug without a branch header silently uses the key's env (prod)
    r = emu.post(BASE + "/dev", prod, json={"name": "WRONG", "value": "x"})
    assert r.status_code == 200
    assert emu.get(BASE + "/prod/WRONG", emu.pat).status_code == 200
    assert emu.get(BASE + "/dev/WRONG", emu.pat).status_code == 404
    # with a branch header the mismatch is refused
    r = emu.get(BASE + "/dev", prod, headers={"x-trigger-branch": "feature"})
    assert r.status_code == 400 and r.json()["error"].startswith("Invalid environment slug for this API key")
    assert emu.get(BASE + "/prod", "tr_prod_nonexistentnonexistent0").status_code == 401


def test_pat_project_and_env_errors(emu):
    r = emu.get("/api/v1/projects/proj_missing/envvars/prod", emu.pat)
    assert r.status_code == 404 and r.json() == {"error": "Project not found"}
    r = emu.get(BASE + "/production", emu.pat)
    assert r.status_code == 404 and r.json() == {"error": "Environment not found"}
    r = emu.get(BASE + "/prod", emu.pat, headers={"x-trigger-branch": "nope"})
    assert r.status_code == 404 and r.json() == {"error": "Branch not found"}


def _branch(emu, name):
    r = emu.post("/api/v1/projects/proj_demo/branches", emu.pat, json={"env": "preview", "branch": name})
    assert r.status_code == 200, r.text
    return r.json()["id"]


def test_preview_branch_merge_and_parent_variables(emu):
    pat = emu.pat
    _branch(emu, "feature-x")
    emu.post(BASE + "/preview/import", pat, json={"variables": {"SHARED": "parent", "PSECRET": "p"}})
    emu.post(BASE + "/preview", pat, json={"name": "PSECRET", "value": "p", "isSecret": True})
    branch = {"x-trigger-branch": "feature-x"}
    # the branch sees the parent's vars, overlaid by its own
    body = {"variables": {"SHARED": "branch", "PSECRET": "b"}, "parentVariables": {"FROM_BRANCH": "pv"}}
    r = emu.post(BASE + "/preview/import", pat, headers=branch, json=body)
    assert r.status_code == 200
    merged = {v["name"]: v for v in emu.get(BASE + "/preview", pat, headers=branch).json()}
    assert merged["SHARED"]["value"] == "branch"
    assert merged["PSECRET"] == {"name": "PSECRET", "value": "<redacted>", "isSecret": True}
    assert merged["FROM_BRANCH"]["value"] == "pv"
    parent = {v["name"]: v["value"] for v in emu.get(BASE + "/preview", pat).json()}
    assert parent["SHARED"] == "parent" and parent["FROM_BRANCH"] == "pv"
    # PAT + branch + another slug resolves the preview branch anyway (protocol.md#auth)
    assert {v["name"] for v in emu.get(BASE + "/prod", pat, headers=branch).json()} == set(merged)
    # preview key + branch header
    key = emu.key("preview")
    assert emu.get(BASE + "/preview/SHARED", key, headers=branch).json()["value"] == "branch"
    assert emu.get(BASE + "/preview", key).status_code == 401


def test_resolved_values_endpoint(emu):
    prod = emu.key("prod")
    emu.post(BASE + "/prod", prod, json={"name": "S", "value": "hidden", "isSecret": True})
    emu.post(BASE + "/prod", prod, json={"name": "P", "value": "plain"})
    emu.post(BASE + "/prod", prod, json={"name": "OTEL_RESOURCE_ATTRIBUTES", "value": "a=b"})
    emu.post(BASE + "/prod", prod, json={"name": "TRIGGER_API_URL", "value": "mine"})
    r = emu.get(BASE, prod)
    variables = r.json()["variables"]
    # the user's values, OTEL_RESOURCE_ATTRIBUTES renamed, plus built-ins that win on a clash (L9)
    assert r.status_code == 200 and variables["P"] == "plain" and variables["S"] == "hidden"
    assert variables["CUSTOM_OTEL_RESOURCE_ATTRIBUTES"] == "a=b" and "OTEL_RESOURCE_ATTRIBUTES" not in variables
    assert variables["TRIGGER_API_URL"] == emu.url and variables["TRIGGER_SECRET_KEY"] == prod
    assert variables["TRIGGER_OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT"] == "1024"
    dev = emu.get(BASE, emu.key("dev")).json()["variables"]
    assert "TRIGGER_SECRET_KEY" not in dev and dev["OTEL_EXPORTER_OTLP_ENDPOINT"] == emu.url + "/otel"
    assert emu.get(BASE, emu.pat).json() == {"error": "Invalid API key"}
    assert emu.get("/api/v1/projects/proj_other/envvars", prod).status_code == 404


def test_archived_branch_refuses_env_writes(emu):
    _branch(emu, "old")
    branch = {"x-trigger-branch": "old"}
    own_key = emu.get("/api/v1/projects/proj_demo/preview", emu.pat, headers=branch).json()["apiKey"]
    assert emu.post(BASE + "/preview", emu.pat, headers=branch, json={"name": "A", "value": "1"}).status_code == 200
    assert emu.post("/api/v1/projects/proj_demo/branches/archive", emu.pat, json={"branch": "old"}).status_code == 200
    r = emu.post(BASE + "/preview", emu.pat, headers=branch, json={"name": "A", "value": "2"})
    assert r.status_code == 404 and r.json() == {"error": "Branch not found"}
    r = emu.post(BASE + "/preview", emu.key("preview"), headers=branch, json={"name": "A", "value": "2"})
    assert r.status_code == 401
    assert emu.post(BASE + "/preview", own_key, json={"name": "A", "value": "2"}).status_code == 401
