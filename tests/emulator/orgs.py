"""Organisations and their members over the API, and the control endpoints that seed organisations, users and members
(docs/dev/protocol.md#organisations-and-projects).

Server: routes/api.v1.orgs.ts, routes/api.v1.orgs.$orgParam.ts, routes/api.v1.orgs.$orgParam.members.ts,
services/organizationApiAccess.server.ts (the membership floor: a non-member gets 404), models/organization.server.ts
createOrganization (slug = slug(title) + "-" + 4 of [0-9a-f]), services/deleteOrganization.server.ts,
models/member.server.ts getTeamMembersAndInvites."""

import string

from . import auth, patbuilder, projects, tenancy
from .slug import slug
from .util import ApiError, Response, iso, now_ms

ORG_SLUG_ALPHABET = "1234567890abcdef"
ROLES = ("ADMIN", "MEMBER")


def _org_context(state, param):
    """The routes' `context`: the organisation by id or slug, not deleted, membership not checked."""
    found = tenancy.find_org(state, param)
    return found["id"] if found else None


def _my_org(state, param, user_id):
    """resolveOrganizationForApiUser: by id or slug, not deleted, the caller a member; else 404."""
    found = tenancy.find_org(state, param)
    if found is None or not tenancy.is_member(state, found["id"], user_id):
        raise ApiError(404, "Organization not found")
    return found


def list_orgs(state, req):
    """GET /api/v1/orgs: identity-only, so any PAT or user-actor token; the caller's organisations."""
    user_id = auth.pat_route_user(state, req)
    return Response(200, [tenancy.org_view(found) for found in tenancy.member_orgs(state, user_id)])


def _create_body(body, issues):
    return {
        "title": patbuilder.string_field(body, "title", issues, trim=True, min_length=3, max_length=50),
        "companySize": patbuilder.string_field(body, "companySize", issues, required=False),
        "companyUrl": patbuilder.string_field(body, "companyUrl", issues, required=False),
    }


def new_org(state, title, user_id, org_id=None, org_slug=None):
    """An organisation with its creator as ADMIN (models/organization.server.ts createOrganization)."""
    org_slug = org_slug or _unique_org_slug(state, title)
    org = {"id": org_id or state.new_id("c", 24), "title": title, "slug": org_slug, "createdAt": iso(now_ms()), "deletedAt": None,
           "members": [], "hasStagingEnvironment": True, "isActivated": True, "maximumProjectCount": 25, "activeSubscription": False}
    state.data["orgs"][org["id"]] = org
    if user_id is not None:
        add_member(state, org, user_id, "ADMIN")
    return org


def _unique_org_slug(state, title):
    taken = {o["slug"] for o in state.data["orgs"].values()}
    while True:
        candidate = "%s-%s" % (slug(title), "".join(state.rng.choice(ORG_SLUG_ALPHABET) for _index in range(4)))
        if candidate not in taken:
            return candidate


def create_org(state, req):
    """POST /api/v1/orgs {title, companySize?, companyUrl?}: body first, then auth, then the ORG_CREATION_API_ENABLED gate."""
    body = patbuilder.object_body(req, _create_body)
    user_id = auth.pat_route_user(state, req)
    if not state.data["orgCreationApi"]:
        raise ApiError(404, "Not found")
    if not auth.can(req.cred, "manage", "organization"):
        raise ApiError(403, dict(auth.FORBIDDEN_BODY))
    org = new_org(state, body["title"], user_id)
    state.touch()
    return Response(201, tenancy.org_view(org))


def _manage_org(state, req, param):
    return auth.pat_route_user(state, req, _org_context(state, param), ("manage", "organization"))


def rename_org(state, req, param):
    """PATCH /api/v1/orgs/{org} {title}: manage:organization, members only → {id, title, slug}."""
    org = _my_org(state, param, _manage_org(state, req, param))
    org["title"] = patbuilder.own_rename_body(req, "title", 3, 50)
    state.touch()
    return Response(200, {"id": org["id"], "title": org["title"], "slug": org["slug"]})


def delete_org(state, req, param):
    """DELETE /api/v1/orgs/{org}: soft delete of the organisation and of every project in it → {id}."""
    user_id = _manage_org(state, req, param)
    org = _my_org(state, param, user_id)
    if org["activeSubscription"]:
        raise ApiError(400, "You can't delete an Organization that has an active subscription")
    for project in state.data["projects"].values():
        if project["orgId"] == org["id"]:
            projects.soft_delete(project)
    org["deletedAt"] = iso(now_ms())
    state.reindex()
    state.touch()
    return Response(200, {"id": org["id"]})


def list_members(state, req, param):
    """GET /api/v1/orgs/{org}/members: read:members, members only → {members: [{id, role, user}], invites: []}."""
    user_id = auth.pat_route_user(state, req, _org_context(state, param), ("read", "members"))
    org = _my_org(state, param, user_id)
    members = []
    for item in org["members"]:
        user = tenancy.user(state, item["userId"])
        members.append({"id": item["id"], "role": item["role"],
                        "user": {"id": user["id"], "name": user["name"], "email": user["email"], "avatarUrl": user["avatarUrl"]}})
    return Response(200, {"members": members, "invites": []})


def add_member(state, org, user_id, role):
    """A membership, and the member's DEV environment in each of the organisation's projects (as accepting an invite makes)."""
    item = {"id": state.new_id("orgmember_", 20), "userId": user_id, "role": role}
    org["members"].append(item)
    for project in state.data["projects"].values():
        if project["orgId"] == org["id"]:
            projects.add_dev_env(state, project, item)
    return item


# ---------------------------------------------------------------- control API

def _control_org(state, param):
    found = tenancy.find_org(state, param) if isinstance(param, str) else None
    if found is None:
        raise ApiError(404, "Organization not found")
    return found


SWITCHES = {"has_staging": ("hasStagingEnvironment", bool), "activated": ("isActivated", bool),
            "max_projects": ("maximumProjectCount", int), "active_subscription": ("activeSubscription", bool)}


def _apply_switches(org, body):
    for name, (field, kind) in SWITCHES.items():
        if name in body:
            value = body[name]
            if not isinstance(value, kind) or (kind is int and (isinstance(value, bool) or value < 0)):
                raise ApiError(400, "%s must be a %s" % (name, "non-negative integer" if kind is int else "boolean"))
            org[field] = value


def control_org(state, body):
    """POST /_emulator/orgs: {"org": id or slug, switches…} changes an organisation; {"title", "id"?, "slug"?, "members"?: [user
    ids], switches…} creates one (members become ADMIN, the first one as its creator)."""
    if "org" in body:
        org = _control_org(state, body["org"])
    else:
        org = _control_new_org(state, body)
    _apply_switches(org, body)
    state.touch()
    return _control_view(org)


def _control_new_org(state, body):
    title = body.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ApiError(400, "title must be a non-empty string")
    members = body.get("members", [])
    if not isinstance(members, list) or not all(isinstance(m, str) and tenancy.user(state, m) for m in members):
        raise ApiError(400, "members must be a list of existing user ids")
    for name in ("id", "slug"):
        value = body.get(name)
        if value is not None and (not isinstance(value, str) or not value or tenancy.find_org(state, value)):
            raise ApiError(400, "%s must be a new, non-empty string" % name)
    org = new_org(state, title, None, body.get("id"), body.get("slug"))
    for user_id in members:
        add_member(state, org, user_id, "ADMIN")
    return org


def _control_view(org):
    return dict(org, members=[dict(m) for m in org["members"]])


def control_user(state, body):
    """POST /_emulator/users {"name", "email"?, "admin"?, "orgs"?: [id or slug]} → the user with a fresh PAT (MEMBER of `orgs`)."""
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ApiError(400, "name must be a non-empty string")
    admin = body.get("admin", False)
    if not isinstance(admin, bool):
        raise ApiError(400, "admin must be a boolean")
    orgs = [_control_org(state, param) for param in body.get("orgs", [])]
    user = {"id": state.new_id("user_", 20), "name": name, "email": body.get("email") or "%s@example.com" % slug(name),
            "avatarUrl": None, "admin": admin}
    state.data["users"][user["id"]] = user
    token = "tr_pat_" + "".join(state.rng.choice(string.ascii_letters + string.digits) for _index in range(40))
    pat = {"id": state.new_id("pat_", 20), "userId": user["id"], "token": token, "revokedAt": None}
    state.data["pats"][pat["id"]] = pat
    for org in orgs:
        add_member(state, org, user["id"], "MEMBER")
    state.reindex()
    state.touch()
    return dict(user, pat=token, orgs=[org["id"] for org in orgs])


def control_member(state, body):
    """POST /_emulator/members {"org": id or slug, "user": user id, "role"?: "MEMBER"} → the membership (and DEV environments)."""
    org = _control_org(state, body.get("org"))
    user_id = body.get("user")
    if not isinstance(user_id, str) or tenancy.user(state, user_id) is None:
        raise ApiError(404, "User not found")
    role = body.get("role", "MEMBER")
    if role not in ROLES:
        raise ApiError(400, "role must be ADMIN or MEMBER")
    if tenancy.is_member(state, org["id"], user_id):
        raise ApiError(400, "already a member")
    item = add_member(state, org, user_id, role)
    state.reindex()
    state.touch()
    return dict(item, org=org["id"])


def control_org_creation(state, body):
    """The `org_creation_api` setting: the server's ORG_CREATION_API_ENABLED (off by default and after a reset)."""
    if "org_creation_api" in body:
        if not isinstance(body["org_creation_api"], bool):
            raise ApiError(400, "org_creation_api must be a boolean")
        with state.lock:
            state.data["orgCreationApi"] = body["org_creation_api"]


CONTROL_ENDPOINTS = {"/_emulator/orgs": control_org, "/_emulator/users": control_user, "/_emulator/members": control_member}
