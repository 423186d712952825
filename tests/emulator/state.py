"""The emulator's data model, the default fixture, ids and JSON persistence.

All mutable data lives in one JSON-friendly dict (``State.data``) guarded by one lock,
so it can be saved and loaded as-is with ``--state FILE``.
"""

import copy
import hashlib
import json
import os
import random
import string
import threading

from .util import now_ms

ORG = {"id": "org_demo0000000000000000001", "title": "Demo Organization", "slug": "demo-org", "createdAt": "2024-01-01T00:00:00.000Z"}
USER_ID = "user_demo000000000000000001"
PAT = "tr_pat_" + "demoPersonalAccessToken".ljust(40, "0")
OAT = "tr_oat_" + "demoOrgAccessToken".ljust(40, "0")   # an organization access token of the demo org
UAT = "tr_uat_" + "demoUserActorToken".ljust(40, "0")   # a user-actor token minted from the PAT
PAT_ID = "pat_demo000000000000000001"
UAT_CLAIMS = {"userId": USER_ID, "client": "personal-access-token", "pat": PAT_ID, "cap": None}
MEMBER_ID = "orgmember_demo000000000000001"
# a second organisation the demo user is not a member of, with its own user, PAT and project
SECOND_ORG = {"id": "csecondorg000000000000001", "title": "Second Organization", "slug": "second-org", "createdAt": "2024-01-01T00:00:00.000Z"}
SECOND_USER_ID = "user_second00000000000000001"
SECOND_PAT = "tr_pat_" + "secondPersonalAccessToken".ljust(40, "0")
SECOND_MEMBER_ID = "orgmember_second0000000000001"
REGIONS = [{"id": "wig_useast1000000000000000001", "name": "us-east-1"}, {"id": "wig_eucentral1000000000000001", "name": "eu-central-1"}]

# path slug (as clients use it) -> stored slug, environment type
ENV_SLUGS = {"dev": ("dev", "DEVELOPMENT"), "staging": ("stg", "STAGING"), "prod": ("prod", "PRODUCTION"), "preview": ("preview", "PREVIEW")}
STORED_TO_PUBLIC = {"dev": "dev", "stg": "staging", "prod": "prod", "preview": "preview"}
KEY_PREFIX = {"dev": "tr_dev_", "stg": "tr_stg_", "prod": "tr_prod_", "preview": "tr_preview_"}

STANDARD_TASKS = [
    {"id": "hello-world", "type": "STANDARD", "behaviour": "success", "duration": 1},
    {"id": "always-fails", "type": "STANDARD", "behaviour": "fail", "duration": 1},
    {"id": "crashes", "type": "STANDARD", "behaviour": "crash", "duration": 1},
    {"id": "slow-task", "type": "STANDARD", "behaviour": "success", "duration": 25},
]
SCHEDULED_TASKS = [
    {"id": "daily-report", "type": "SCHEDULED", "behaviour": "success", "duration": 1},
    {"id": "hourly-sync", "type": "SCHEDULED", "behaviour": "success", "duration": 1},
]


def _key(prefix, tag):
    """A fixed, readable secret key: prefix + 24 alphanumerics."""
    body = tag.ljust(24, "0")
    assert len(body) == 24 and body.isalnum()
    return prefix + body


# The server commit this emulator follows (v4.5.12); PROTOCOL.md cites its files.
SERVER_COMMIT = "b082e443"
WORKER_VERSION = "20240101.1"


def new_worker(worker_id, tasks, version=WORKER_VERSION, connected=True, created=1704067200000):
    """An environment's current worker: the version whose tasks run, and whether anything dequeues.

    In deployed environments this is the current deployment; in dev it is the CLI's `trigger dev`
    (runs wait QUEUED while it is not connected, and expire at their TTL)."""
    return {"id": worker_id, "version": version, "tasks": list(tasks), "connected": connected, "createdAt": created,
            "sdkVersion": "4.5.12", "cliVersion": "4.5.12", "engine": "V2"}


DEFAULT_ENV_CONCURRENCY = 25  # each environment's maximumConcurrencyLimit (tests/realserver/seed.py seeds the same)


def new_queue(queue_id, name, orderable, queue_type, limit):
    """A TaskQueue row: VIRTUAL (a task's own queue, task/<id>) or NAMED (custom); the base is kept only while overridden."""
    return {"id": queue_id, "name": name, "orderableName": orderable, "type": queue_type, "concurrencyLimit": limit,
            "concurrencyLimitBase": None, "overriddenAt": None, "overridePercent": None, "paused": False}


def new_deployment(deployment_id, env_id, short_code, version, created, worker=None, **fields):
    """A WorkerDeployment row; `worker` is the worker it built (DEPLOYED ones have one)."""
    deployment = {"id": deployment_id, "envId": env_id, "shortCode": short_code, "version": version, "status": "DEPLOYED", "type": "MANAGED",
                  "contentHash": hashlib.sha256(deployment_id.encode()).hexdigest(), "runtime": None, "runtimeVersion": None,
                  "imageReference": None, "imagePlatform": "linux/amd64", "commitSHA": None, "git": None, "errorData": None,
                  "canceledReason": None, "externalBuildData": None, "createdAt": created, "deployedAt": created, "canceledAt": None,
                  "worker": copy.deepcopy(worker)}
    deployment.update(fields)
    return deployment


def _fixture_deployment(env):
    """Staging and prod run the fixture's worker through a DEPLOYED, promoted deployment (as tests/realserver/seed.py seeds them)."""
    worker = env["worker"]
    env["currentDeployment"] = "deployment_" + env["id"]
    return new_deployment(env["currentDeployment"], env["id"], env["shortcode"] + "seed", worker["version"], worker["createdAt"], worker,
                          contentHash=hashlib.sha256(worker["id"].encode()).hexdigest())


def _project(ref, name, tag, slug, org=None, member_id=MEMBER_ID, user_name="demo"):
    envs = {}
    for public, (stored, env_type) in ENV_SLUGS.items():
        env_id = "env_%s_%s" % (tag, stored)
        envs[env_id] = {
            "id": env_id,
            "slug": stored,
            "type": env_type,
            "apiKey": _key(KEY_PREFIX[stored], "%s%sKey" % (tag, stored.capitalize())),
            "parentId": None,
            "branchName": None,
            "archivedAt": None,
            "isBranchable": public == "preview",
            "createdAt": 1704067200000,
            "updatedAt": 1704067200000,
            "git": None,
            "paused": False,
            "shortcode": stored,
            "userName": user_name if public == "dev" else None,
            "orgMemberId": member_id if public == "dev" else None,
            "worker": new_worker("worker_%s_%s" % (tag, stored), [task["id"] for task in STANDARD_TASKS + SCHEDULED_TASKS]),
            "pauseSource": None,
            "maximumConcurrencyLimit": DEFAULT_ENV_CONCURRENCY,
            "currentDeployment": None,
            "queues": {} if env_type == "PREVIEW" else {
                "task/" + task["id"]: new_queue("queue_%s_%s" % (env_id, task["id"]), "task/" + task["id"], task["id"], "VIRTUAL", None)
                for task in STANDARD_TASKS + SCHEDULED_TASKS},
        }
    return {
        "id": "prj_%s000000000000000000001" % tag,
        "ref": ref,
        "name": name,
        "slug": slug,
        "createdAt": "2024-01-01T00:00:00.000Z",
        "defaultRegion": "us-east-1",
        "defaultRuntime": None,
        "orgId": (org or ORG)["id"],
        "deletedAt": None,
        "environments": envs,
        "tasks": {task["id"]: dict(task) for task in STANDARD_TASKS + SCHEDULED_TASKS},
        "envvars": {},
        "schedules": {},
    }


def build_fixture():
    """The default data set (deterministic)."""
    demo = _project("proj_demo", "Demo Project", "demo", "demo-project")
    other = _project("proj_other", "Other Project", "other", "other-project")
    second = _project("proj_second", "Second Project", "second", "second-project", SECOND_ORG, SECOND_MEMBER_ID, "second")
    prod_env = "env_demo_prod"
    demo["schedules"]["sched_declarativedailyreport01"] = {
        "id": "sched_declarativedailyreport01",
        "type": "DECLARATIVE",
        "task": "daily-report",
        "active": True,
        "cron": "0 0 * * *",
        "timezone": "UTC",
        "externalId": None,
        "dedupKey": "daily-report-declarative",
        "userDedup": False,
        "window": None,
        "envIds": [prod_env],
        "createdAt": 1704067200000,
    }
    deployments = [_fixture_deployment(env) for project in (demo, other, second) for env in project["environments"].values()
                   if env["type"] in ("STAGING", "PRODUCTION")]
    return {
        "projects": {"proj_demo": demo, "proj_other": other, "proj_second": second},
        "deployments": {deployment["id"]: deployment for deployment in deployments},  # in creation order
        "runs": {},          # run id -> run
        "runOrder": [],      # run ids in creation order (seq ascending)
        "batches": {},       # batch id -> batch
        "idempotency": {},   # "envId|task|key" -> {"runId", "expiresAt"}
        "requestCache": {},  # "envId|route|key" -> {"status", "body", "expiresAt"}
        "seq": 0,
        **_fixture_accounts(),
    }


def _fixture_org(org, member_id, user_id):
    return dict(org, deletedAt=None, members=[{"id": member_id, "userId": user_id, "role": "ADMIN"}], hasStagingEnvironment=True,
                isActivated=True, maximumProjectCount=25, activeSubscription=False)


def _fixture_accounts():
    """Organisations, users, PATs (see tenancy.py), rotated keys, regions and the org-creation switch."""
    users = [{"id": USER_ID, "name": "Demo", "email": "demo@example.com", "avatarUrl": None, "admin": False},
             {"id": SECOND_USER_ID, "name": "Second", "email": "second@example.com", "avatarUrl": None, "admin": False}]
    pats = [{"id": PAT_ID, "userId": USER_ID, "token": PAT, "revokedAt": None},
            {"id": "pat_second0000000000000001", "userId": SECOND_USER_ID, "token": SECOND_PAT, "revokedAt": None}]
    orgs = [_fixture_org(ORG, MEMBER_ID, USER_ID), _fixture_org(SECOND_ORG, SECOND_MEMBER_ID, SECOND_USER_ID)]
    return {
        "orgs": {org["id"]: org for org in orgs},
        "users": {user["id"]: user for user in users},
        "pats": {pat["id"]: pat for pat in pats},
        "revokedApiKeys": {},     # old root key -> {"envId", "expiresAt"}: still accepted until then
        "regions": copy.deepcopy(REGIONS),
        "orgCreationApi": False,  # the server's ORG_CREATION_API_ENABLED
    }


class State:
    """Holds the data, the lock and the id generator."""

    def __init__(self, seed=None, state_file=None):
        self.lock = threading.RLock()
        self.api_url = ""  # APP_ORIGIN, for the URLs the server puts in messages
        self.seed = seed
        self.state_file = state_file
        self.rng = random.Random(seed)
        self.data = build_fixture()
        self.dirty = False
        self.indexes = {}
        if state_file and os.path.exists(state_file):
            with open(state_file, "r", encoding="utf-8") as handle:
                loaded = json.load(handle)
            if isinstance(loaded, dict) and "projects" in loaded:
                self.data = _completed(loaded)
        self.reindex()

    def reset(self):
        """Back to the default fixture (and the initial id sequence)."""
        with self.lock:
            self.rng = random.Random(self.seed)
            self.data = build_fixture()
            self.dirty = True
            self.reindex()

    def reindex(self):
        """Rebuild the api-key, env-id and PAT lookups (a deleted project's keys authenticate nothing)."""
        keys = {}
        envs = {}
        for project in self.data["projects"].values():
            for env in project["environments"].values():
                if project["deletedAt"] is None:
                    keys[env["apiKey"]] = (project["ref"], env["id"])
                envs[env["id"]] = (project["ref"], env)
        pats = {pat["token"]: pat["id"] for pat in self.data["pats"].values()}
        self.indexes = {"keys": keys, "envs": envs, "pats": pats}

    def new_id(self, prefix, length=25):
        """A cuid-like id (deterministic with --seed)."""
        alphabet = string.ascii_lowercase + string.digits
        return prefix + "".join(self.rng.choice(alphabet) for _index in range(length))

    def new_key(self, prefix):
        """A fresh secret key: prefix + 24 alphanumerics."""
        alphabet = string.ascii_letters + string.digits
        return prefix + "".join(self.rng.choice(alphabet) for _index in range(24))

    def next_seq(self):
        self.data["seq"] += 1
        return self.data["seq"]

    def project(self, ref):
        return self.data["projects"].get(ref)

    def env_by_id(self, env_id):
        found = self.indexes["envs"].get(env_id)
        return found[1] if found else None

    def project_of_env(self, env_id):
        found = self.indexes["envs"].get(env_id)
        return self.data["projects"][found[0]] if found else None

    def env_by_key(self, key):
        found = self.indexes["keys"].get(key) or self._rotated_key(key)
        if not found:
            return None, None
        project = self.data["projects"][found[0]]
        return project, project["environments"][found[1]]

    def _rotated_key(self, key):
        """A root key replaced less than its grace period ago still names its environment (models/runtimeEnvironment.server.ts)."""
        rotated = self.data["revokedApiKeys"].get(key)
        if rotated is None or rotated["expiresAt"] <= now_ms():
            return None
        found = self.indexes["envs"].get(rotated["envId"])
        if found is None or self.data["projects"][found[0]]["deletedAt"] is not None:
            return None
        return found[0], rotated["envId"]

    def root_env(self, project, stored_slug):
        for env in project["environments"].values():
            if env["slug"] == stored_slug and env["parentId"] is None:
                return env
        return None

    def branch_env(self, project, parent_id, branch_name, include_archived=False):
        """The newest branch env with that name under a parent (active first)."""
        found = None
        for env in project["environments"].values():
            if env["parentId"] == parent_id and env["branchName"] == branch_name:
                if env["archivedAt"] is None:
                    return env
                if include_archived:
                    found = env
        return found

    def add_env(self, project, env):
        project["environments"][env["id"]] = env
        self.indexes["keys"][env["apiKey"]] = (project["ref"], env["id"])
        self.indexes["envs"][env["id"]] = (project["ref"], env)

    def snapshot(self):
        with self.lock:
            return copy.deepcopy(self.data)

    def save(self):
        """Write the state file atomically (no-op without --state)."""
        if not self.state_file:
            return
        with self.lock:
            text = json.dumps(self.data, separators=(",", ":"))
            self.dirty = False
        tmp = self.state_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, self.state_file)

    def touch(self):
        self.dirty = True


def _completed(data):
    """A state file written before organisations existed: everything in the demo organisation."""
    for name, value in _fixture_accounts().items():
        data.setdefault(name, value)
    for project in data["projects"].values():
        project.setdefault("orgId", ORG["id"])
        project.setdefault("deletedAt", None)
        project.setdefault("defaultRuntime", None)
        for env in project["environments"].values():
            env.setdefault("orgMemberId", MEMBER_ID if env["type"] == "DEVELOPMENT" and not env["parentId"] else None)
    return data


def public_slug(env):
    """The slug clients use in paths for a root env (branches report their parent's)."""
    return STORED_TO_PUBLIC.get(env["slug"], env["slug"])


def _project_config(state, project):
    envs = {}
    for public, (stored, _type) in ENV_SLUGS.items():
        env = state.root_env(project, stored)
        if env is not None:
            envs[public] = {"secret_key": env["apiKey"], "id": env["id"], "slug": stored, "type": env["type"]}
    tasks = sorted(task["id"] for task in project["tasks"].values())
    scheduled = sorted(task["id"] for task in project["tasks"].values() if task["type"] == "SCHEDULED")
    # a branch env's own key, which the server never accepts (kept to test exactly that)
    branch_envs = [{"name": e["branchName"], "id": e["id"], "own_key": e["apiKey"], "archived": e["archivedAt"] is not None}
                   for e in project["environments"].values() if e["parentId"]]
    org = state.data["orgs"][project["orgId"]]
    return {
        "ref": project["ref"], "name": project["name"], "id": project["id"], "slug": project["slug"],
        "org": {"id": org["id"], "slug": org["slug"]},
        "environments": envs, "tasks": tasks, "scheduled_tasks": scheduled, "branches": branch_envs,
    }


def _org_config(state, org):
    refs = [p["ref"] for p in state.data["projects"].values() if p["orgId"] == org["id"] and p["deletedAt"] is None]
    return dict(org, members=[dict(m) for m in org["members"]], projects=refs, deleted=org["deletedAt"] is not None)


def _users_config(state):
    pats = {}
    for pat in state.data["pats"].values():
        if pat["revokedAt"] is None:
            pats.setdefault(pat["userId"], pat["token"])
    return [dict(user, pat=pats.get(user["id"])) for user in state.data["users"].values()]


def config_view(state, api_url):
    """The body of GET /_emulator/config: `projects` are those the fixture's PAT lists (the demo user's organisations),
    `outside_projects` the others; deleted projects are in neither."""
    projects, outside = [], []
    with state.lock:
        for project in state.data["projects"].values():
            if project["deletedAt"] is None:
                members = state.data["orgs"][project["orgId"]]["members"]
                mine = any(m["userId"] == USER_ID for m in members)
                (projects if mine else outside).append(_project_config(state, project))
        orgs = [_org_config(state, org) for org in state.data["orgs"].values()]
        users = _users_config(state)
    return {"api_url": api_url, "pat": PAT, "oat": OAT, "uat": UAT, "backend": "emulator", "server_commit": SERVER_COMMIT,
            "organization": dict(ORG), "projects": projects, "outside_projects": outside, "organizations": orgs, "users": users,
            "now": now_ms()}
