"""Root-key rotation with its 24 h grace period, and user-actor tokens: minting rules, where they work, expiry."""

import base64
import json
import re

DAY_MS = 24 * 60 * 60 * 1000
REGEN = "/api/v1/projects/proj_demo/%s/regenerate-api-key"
MINT = "/api/v1/auth/user-actor-token"


def _config(emu):
    return emu.get("/_emulator/config").json()


def _key(emu, env, project="proj_demo"):
    return next(p for p in _config(emu)["projects"] if p["ref"] == project)["environments"][env]["secret_key"]


def _second_pat(emu):
    return next(u["pat"] for u in emu.config["users"] if u["name"] == "Second")


def _advance(emu, ms):
    emu.control("POST", "clock", {"advance_ms": ms})


def _decode(part):
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _claims(token):
    header, payload, signature = token[len("tr_uat_"):].split(".")
    assert _decode(header) == {"alg": "HS256"} and signature
    return _decode(payload)


def _mint(emu, token=None, **body):
    r = emu.post(MINT, token or emu.pat, json=body)
    assert r.status_code == 200, r.text
    return r.json()


# ---------------------------------------------------------------- root keys

def test_regenerate_rotates_with_grace_period(emu):
    old = emu.key("prod")
    r = emu.post(REGEN % "prod", emu.pat)
    assert r.status_code == 200 and set(r.json()) == {"apiKey"}
    new = r.json()["apiKey"]
    assert re.fullmatch(r"tr_prod_[A-Za-z0-9]{24}", new) and new != old
    assert _key(emu, "prod") == new
    assert emu.get("/api/v1/projects/proj_demo/prod", emu.pat).json()["apiKey"] == new
    for key in (new, old):
        assert emu.get("/api/v1/runs", key).status_code == 200
        assert emu.get("/api/v1/schedules", key).status_code == 200
    # the old key is still that environment's: runs it triggers land there, the bootstrap echoes it back
    run_id = emu.post("/api/v1/tasks/hello-world/trigger", old, json={"payload": {}}).json()["id"]
    assert emu.get("/api/v3/runs/" + run_id, new).status_code == 200
    assert emu.get("/api/v1/projects/proj_demo/prod", old).json()["apiKey"] == old
    journal = [e["credential"] for e in emu.journal()]
    assert journal.count("secret_key:prod") >= 5
    _advance(emu, DAY_MS - 60_000)
    assert emu.get("/api/v1/runs", old).status_code == 200
    _advance(emu, 60_000)
    assert emu.get("/api/v1/runs", old).json() == {"error": "Invalid API key"}
    assert emu.get("/api/v1/schedules", old).status_code == 401
    assert emu.get("/api/v1/runs", new).status_code == 200
    assert emu.journal()[-2]["credential"] == "invalid"


def test_regenerate_twice_keeps_both_old_keys_for_their_own_day(emu):
    first = emu.key("staging")
    second = emu.post(REGEN % "staging", emu.pat).json()["apiKey"]
    _advance(emu, DAY_MS // 2)
    third = emu.post(REGEN % "staging", emu.pat).json()["apiKey"]
    assert [emu.get("/api/v1/runs", k).status_code for k in (first, second, third)] == [200, 200, 200]
    _advance(emu, DAY_MS // 2)
    assert [emu.get("/api/v1/runs", k).status_code for k in (first, second, third)] == [401, 200, 200]
    _advance(emu, DAY_MS // 2)
    assert [emu.get("/api/v1/runs", k).status_code for k in (first, second, third)] == [401, 401, 200]


def test_regenerate_auth_and_scope(emu):
    for token in (emu.config["oat"], emu.config["uat"], emu.key("prod"), "tr_pat_" + "z" * 40, "junk"):
        r = emu.post(REGEN % "prod", token)
        assert r.status_code == 401 and r.json() == {"error": "Invalid or Missing Access Token"}, token
    assert emu.post("/api/v1/projects/proj_second/prod/regenerate-api-key", emu.pat).json() == {"error": "Project not found"}
    assert emu.post(REGEN % "stg", emu.pat).json() == {"error": "Invalid Params"}
    assert emu.post(REGEN % "preview", emu.pat, headers={"x-trigger-branch": "nope"}).json() == {"error": "Branch not found"}
    r = emu.get(REGEN % "prod", emu.pat)
    assert r.status_code == 400 and r.json() == {"message": "Unexpected Server Error"}
    r = emu.put(REGEN % "prod", emu.pat)
    assert r.status_code == 405 and r.json() == {"error": "Method Not Allowed"}
    assert _key(emu, "prod") == emu.key("prod")
    second = _second_pat(emu)
    key = emu.post("/api/v1/projects/proj_second/prod/regenerate-api-key", second).json()["apiKey"]
    assert emu.get("/api/v1/projects/proj_second/prod", second).json()["apiKey"] == key


def test_regenerate_dev_is_the_callers_own(emu):
    emu.control("POST", "members", {"org": "demo-org", "user": "user_second00000000000000001"})
    second = _second_pat(emu)
    theirs = emu.get("/api/v1/projects/proj_demo/dev", second).json()["apiKey"]
    rotated = emu.post(REGEN % "dev", second).json()["apiKey"]
    assert emu.get("/api/v1/projects/proj_demo/dev", second).json()["apiKey"] == rotated != theirs
    assert _key(emu, "dev") == emu.key("dev")


def test_regenerate_branch_rotates_its_own_key_and_public_key(emu):
    branch = {"x-trigger-branch": "feat"}
    emu.post("/api/v1/projects/proj_demo/branches", emu.pat, json={"env": "preview", "branch": "feat"})
    own = next(b for b in _config(emu)["projects"][0]["branches"] if b["name"] == "feat")["own_key"]
    rotated = emu.post(REGEN % "preview", emu.pat, headers=branch).json()["apiKey"]
    assert rotated != own and rotated.startswith("tr_preview_")
    assert next(b for b in _config(emu)["projects"][0]["branches"] if b["name"] == "feat")["own_key"] == rotated
    # clients keep using the parent key with the header: unchanged
    assert emu.get("/api/v1/projects/proj_demo/preview", emu.pat, headers=branch).json()["apiKey"] == emu.key("preview")
    assert emu.get("/api/v1/runs", emu.key("preview"), headers=branch).status_code == 200
    row = emu.post("/api/v1/projects/proj_demo/branches/archive", emu.pat, json={"branch": "feat"}).json()["branch"]
    assert row["apiKey"] == rotated and re.fullmatch(r"pk_preview_[A-Za-z0-9]{20}", row["pkApiKey"])


def test_rotated_keys_of_a_deleted_project_stop_at_once(emu):
    ref = emu.post("/api/v1/orgs/demo-org/projects", emu.pat, json={"name": "Short lived"}).json()["externalRef"]
    old = next(p for p in _config(emu)["projects"] if p["ref"] == ref)["environments"]["prod"]["secret_key"]
    new = emu.post("/api/v1/projects/%s/prod/regenerate-api-key" % ref, emu.pat).json()["apiKey"]
    emu.delete("/api/v1/projects/" + ref, emu.pat)
    assert [emu.get("/api/v1/runs", k).status_code for k in (old, new)] == [401, 401]


# ---------------------------------------------------------------- user-actor tokens

def test_mint_defaults(emu):
    before = emu.control("GET", "clock")["now"] // 1000
    body = _mint(emu)
    assert set(body) == {"token", "expiresInSeconds"} and body["expiresInSeconds"] == 3600
    assert re.fullmatch(r"tr_uat_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+", body["token"])
    claims = _claims(body["token"])
    assert claims["kind"] == "user_actor" and claims["sub"] == "user_demo000000000000000001"
    assert claims["act"] == {"client": "personal-access-token", "pat": "pat_demo000000000000000001"} and "cap" not in claims
    assert (claims["iss"], claims["aud"]) == ("https://id.trigger.dev", "https://api.trigger.dev")
    assert before <= claims["iat"] <= before + 5 and claims["exp"] == claims["iat"] + 3600
    custom = _mint(emu, cap=["read:runs"], client="my agent", ttlSeconds=604800, ignored=True)
    assert custom["expiresInSeconds"] == 604800 and _claims(custom["token"])["cap"] == ["read:runs"]
    assert _claims(custom["token"])["act"]["client"] == "my agent"


def test_mint_body_rules(emu):
    def issues(raw):
        r = emu.post(MINT, emu.pat, data=raw, headers={"Content-Type": "application/json"})
        assert r.status_code == 400 and r.json()["error"] == "Invalid request body", raw
        return r.json()["issues"]

    assert issues(b"null") == [{"code": "invalid_type", "expected": "object", "received": "null", "path": [], "message": "Expected object, received null"}]
    assert issues(b'{"ttlSeconds": 604801}') == [{"code": "too_big", "maximum": 604800, "type": "number", "inclusive": True, "exact": False,
                                                  "message": "Number must be less than or equal to 604800", "path": ["ttlSeconds"]}]
    assert [i["message"] for i in issues(b'{"ttlSeconds": -1.5}')] == ["Expected integer, received float", "Number must be greater than 0"]
    assert [i["message"] for i in issues(b'{"ttlSeconds": "60"}')] == ["Expected number, received string"]
    assert [(i["path"], i["message"]) for i in issues(b'{"cap": ["ok", 3], "client": ""}')] == [
        (["cap", 1], "Expected string, received number"), (["client"], "String must contain at least 1 character(s)")]
    assert [i["message"] for i in issues(b'{"cap": "read:all"}')] == ["Expected array, received string"]
    assert [i["message"] for i in issues(b'{"client": "%s"}' % (b"c" * 256))] == ["String must contain at most 255 character(s)"]
    # a body that does not parse counts as {} (request.json().catch(() => ({})))
    for raw in (b"", b"{oops"):
        r = emu.post(MINT, emu.pat, data=raw)
        assert r.status_code == 200 and r.json()["expiresInSeconds"] == 3600


def test_mint_needs_a_pat(emu):
    uat = _mint(emu)["token"]
    for token, message in ((uat, "Invalid or Missing PAT"), (emu.config["uat"], "Invalid or Missing PAT"), (emu.config["oat"], "Invalid or Missing PAT"),
                           (emu.key("prod"), "Invalid or Missing PAT"), ("tr_pat_" + "q" * 40, "Invalid PAT")):
        r = emu.post(MINT, token, json={})
        assert r.status_code == 401 and r.json() == {"error": message}
    assert emu.req("PUT", MINT, emu.pat).status_code == 200   # the route has no method guard
    r = emu.get(MINT, emu.pat)
    assert r.status_code == 400 and r.json() == {"message": "Unexpected Server Error"}
    assert _claims(_mint(emu, _second_pat(emu))["token"])["sub"] == "user_second00000000000000001"


def test_minted_token_works_where_the_server_takes_user_actor_tokens(emu):
    uat = _mint(emu)["token"]
    for path in ("/api/v1/orgs", "/api/v1/projects", "/api/v1/projects/proj_demo", "/api/v1/projects/proj_demo/environments",
                 "/api/v1/orgs/demo-org/members", "/api/v1/orgs/demo-org/projects", "/api/v1/projects/proj_demo/runs?filter[env]=prod",
                 "/api/v1/projects/proj_demo/prod/workers/current"):
        assert emu.get(path, uat).status_code == 200, path
    assert emu.get("/api/v1/projects/proj_second/prod/workers/current", uat).json() == {"error": "Project not found"}
    refused = {"/api/v1/projects/proj_demo/envvars/prod": "Invalid API key", "/api/v1/projects/proj_demo/prod": "Invalid API key",
               "/api/v1/projects/proj_demo/branches": "Invalid or Missing Access Token", "/api/v1/runs": "Invalid API key"}
    for path, message in refused.items():
        r = emu.get(path, uat)
        assert r.status_code == 401 and r.json() == {"error": message}, path
    assert emu.post(REGEN % "prod", uat).json() == {"error": "Invalid or Missing Access Token"}
    assert [e["credential"] for e in emu.journal()[:2]] == ["pat", "uat"]


def test_minted_token_expires_on_the_emulator_clock(emu):
    uat = _mint(emu, ttlSeconds=10)["token"]
    _advance(emu, 8_000)
    assert emu.get("/api/v1/projects", uat).status_code == 200
    _advance(emu, 3_000)
    assert emu.get("/api/v1/projects", uat).json() == {"error": "Invalid user-actor token"}
    assert emu.get("/api/v1/projects/proj_demo/prod/workers/current", uat).json() == {"error": "Invalid or Missing Access Token"}
    assert emu.journal()[-1]["credential"] == "invalid"
    forged = uat[:-4] + ("AAAA" if not uat.endswith("AAAA") else "BBBB")
    assert emu.get("/api/v1/projects", forged).json() == {"error": "Invalid user-actor token"}
    # the fixture's fixed token does not expire
    assert emu.get("/api/v1/projects", emu.config["uat"]).status_code == 200


def test_journal_never_holds_a_token(emu):
    uat = _mint(emu, client="journal test")["token"]
    old = emu.key("prod")
    new = emu.post(REGEN % "prod", emu.pat).json()["apiKey"]
    second = _second_pat(emu)
    for token in (uat, old, new, second, emu.config["oat"]):
        emu.get("/api/v1/projects", token)
        emu.get("/api/v1/runs", token)
    text = json.dumps(emu.journal())
    for secret in (uat, uat[len("tr_uat_"):], old, new, second, emu.pat, emu.config["oat"]):
        assert secret not in text
    assert '"journal test"' in text   # the mint request's body, which holds no token
