"""Environment variables (docs/dev/protocol.md#envvars)."""

import email.parser
import email.policy

from . import auth
from .state import ORG
from .util import ApiError, Response, check_fields, now_ms, unhandled_exception

BLACKLIST = ("TRIGGER_SECRET_KEY", "TRIGGER_API_URL")
REDACTED = "<redacted>"

# environmentFullTitle (components/environments/EnvironmentLabel.tsx)
FULL_TITLE = {"PRODUCTION": "Production", "STAGING": "Staging", "DEVELOPMENT": "Development", "PREVIEW": "Preview"}


def resolve_env(state, req, ref, slug):
    """(project, env) for /api/v1/projects/{ref}/envvars/{slug}... with any accepted credential."""
    cred = req.cred
    branch = auth.branch_header(req.headers)
    if auth.is_access_token(cred, auth.PAT_OR_OAT):
        project = auth.pat_project(state, ref, cred)
        return project, auth.pat_env(state, project, slug, branch, oat=cred.kind == "oat", user_id=cred.user_id)
    # machine keys go through the RBAC controller, with its texts (services/environmentVariableApiAccess.server.ts)
    project, env = auth.resolve_secret_key(state, req, auth.RBAC)
    if project["ref"] != ref:
        raise ApiError(400, "Invalid project ref for this API key. Make sure you are using an API key associated with that project.")
    requested = {"staging": "stg"}.get(slug, slug)
    # the slug is only checked when the branch also differs (null == null without a header)
    if requested != env["slug"] and env["branchName"] != branch:
        raise ApiError(400, "Invalid environment slug for this API key. Make sure you are using an API key associated with that environment.")
    return project, env


def _merged(project, env):
    """name -> (value, isSecret) as seen from env (branch = parent overlaid by own values)."""
    result = {}
    parent_id = env["parentId"]
    for name, values in project["envvars"].items():
        own = values.get(env["id"])
        parent = values.get(parent_id) if parent_id else None
        if own is None and parent is None:
            continue
        secret = bool((own and own["isSecret"]) or (parent and parent["isSecret"]))
        value = own["value"] if own is not None else parent["value"]
        result[name] = (value, secret)
    return result


def _item(name, value, secret):
    return {"name": name, "value": REDACTED if secret else value, "isSecret": secret}


def list_vars(state, req, ref, slug):
    project, env = resolve_env(state, req, ref, slug)
    merged = _merged(project, env)
    return Response(200, [_item(name, value, secret) for name, (value, secret) in sorted(merged.items())])


def retrieve_var(state, req, ref, slug, name):
    project, env = resolve_env(state, req, ref, slug)
    merged = _merged(project, env)
    if name not in merged:
        raise ApiError(404, "Environment variable not found")
    value, secret = merged[name]
    return Response(200, _item(name, value, secret))


def _write(state, project, env, name, value, is_secret):
    """Upsert one value; returns True when something changed."""
    values = project["envvars"].setdefault(name, {})
    current = values.get(env["id"])
    if current is not None:
        if current["value"] == value and (is_secret is None or is_secret == current["isSecret"]):
            return False
        current["value"] = value
        current["version"] += 1
        current["updatedAt"] = now_ms()
        if is_secret is not None:
            current["isSecret"] = is_secret
    else:
        values[env["id"]] = {"value": value, "isSecret": bool(is_secret), "version": 1, "updatedAt": now_ms()}
    state.touch()
    return True


def _invalid_body(issues):
    return ApiError(400, {"error": "Invalid request body", "issues": issues})


def create_var(state, req, ref, slug):
    project, env = resolve_env(state, req, ref, slug)
    body = req.json_or(None)
    if body is None:  # request.json() throws outside the route's try (api.v1.projects.$projectRef.envvars.$slug.ts)
        raise unhandled_exception()
    issues = check_fields(body, {"name": ("string", True), "value": ("string", True), "isSecret": ("boolean", False)})
    if issues:
        raise _invalid_body(issues)
    name, value = body["name"], body["value"]
    if not name.strip() or not value.strip() or name in BLACKLIST:
        message = "You must set at least one valid variable."
        if name in BLACKLIST:
            message += " All the variables submitted are not allowed."
        raise ApiError(400, {"error": message})
    _write(state, project, env, name, value, body.get("isSecret"))
    return Response(200, {"success": True})


def update_var(state, req, ref, slug, name):
    project, env = resolve_env(state, req, ref, slug)
    # the variable is looked up before the body is read (api.v1.projects.$projectRef.envvars.$slug.$name.ts)
    if name not in project["envvars"]:
        raise ApiError(404, "Environment variable not found")
    body = req.json_or(None)
    if body is None:  # request.json() throws inside the route's try: its own 500
        raise ApiError(500, "Internal Server Error")
    issues = check_fields(body, {"value": ("string", True)})
    if issues:
        raise _invalid_body(issues)
    value = body["value"]
    if not value.strip():
        return Response(200, {"success": True})
    current = project["envvars"][name].get(env["id"])
    _write(state, project, env, name, value, None if current else False)
    return Response(200, {"success": True})


def delete_var(state, req, ref, slug, name):
    project, env = resolve_env(state, req, ref, slug)
    values = project["envvars"].get(name)
    if not values:
        raise ApiError(404, "Environment variable not found")
    if env["id"] not in values:
        raise ApiError(400, "Environment variable value not found")
    del values[env["id"]]
    if not values:
        del project["envvars"][name]
    state.touch()
    return Response(200, {"success": True})


def _is_string_map(value):
    return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())


def _parse_dotenv(text):
    result = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        if line.startswith("export "):
            line = line[7:].lstrip()
        key, _sep, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        result[key.strip()] = value
    return result


def _multipart_body(req):
    """Parse the multipart form: a `variables` dotenv file and an `override` field."""
    content_type = req.headers.get("Content-Type", "")
    raw = b"Content-Type: " + content_type.encode("latin-1", "replace") + b"\r\n\r\n" + req.body
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    body = {"variables": None, "override": False}
    if not message.is_multipart():
        raise ApiError(400, "Invalid file")
    for part in message.iter_parts():
        field = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        if field == "variables":
            if part.get_filename() is None:
                raise ApiError(400, "Invalid file")
            body["variables"] = _parse_dotenv(payload.decode("utf-8", "replace"))
        elif field == "override":
            body["override"] = payload.decode("utf-8", "replace").strip() == "true"
    if body["variables"] is None:
        raise ApiError(400, "Invalid file")
    return body


def _import_into(state, project, env, variables, override, is_secret):
    """All-or-nothing import into one env; returns None or an ApiError."""
    clean = {k: v for k, v in variables.items() if k.strip() and v.strip() and k not in BLACKLIST}
    if not clean:
        return ApiError(400, {"error": "You must set at least one valid variable."})
    if not override:
        taken = [k for k in clean if env["id"] in project["envvars"].get(k, {})]
        if taken:
            return ApiError(400, {
                "error": "Some of the variables are already set for these environments. Set override to true to override them.",
                "variableErrors": [{"key": k, "error": "Variable already set in %s." % FULL_TITLE[env["type"]]} for k in taken],
            })
    for key, value in clean.items():
        secret = is_secret
        existing = project["envvars"].get(key, {}).get(env["id"])
        if secret is None and existing is None and env["parentId"]:
            parent_value = project["envvars"].get(key, {}).get(env["parentId"])
            secret = True if parent_value and parent_value["isSecret"] else None
        _write(state, project, env, key, value, secret)
    return None


def import_vars(state, req, ref, slug):
    project, env = resolve_env(state, req, ref, slug)
    if req.headers.get("Content-Type", "").lower().startswith("multipart/form-data"):
        body = _multipart_body(req)
    else:
        body = req.json_or(None)
        if not isinstance(body, dict) or not _is_string_map(body.get("variables")):
            raise ApiError(400, "Invalid body")
        if not isinstance(body.get("override", False), bool) or body.get("isSecret") is not None and not isinstance(body["isSecret"], bool):
            raise ApiError(400, "Invalid body")
        if body.get("parentVariables") is not None and not _is_string_map(body["parentVariables"]):
            raise ApiError(400, "Invalid body")
    override = bool(body.get("override", False))
    is_secret = body.get("isSecret")
    errors = [_import_into(state, project, env, body["variables"], override, is_secret)]
    if env["parentId"] and body.get("parentVariables"):
        parent = state.env_by_id(env["parentId"])
        errors.append(_import_into(state, project, parent, body["parentVariables"], override, is_secret))
    if any(error is None for error in errors):
        return Response(200, {"success": True})
    raise errors[0]


# Built-ins every run gets with the server's default settings (v3/environmentVariables/environmentVariablesRepository.server.ts
# resolveVariablesForEnvironment; the conditional OTEL batching / heartbeat ones are off by default).
_COMMON_BUILT_INS = [
    ("TRIGGER_OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "1024"), ("TRIGGER_OTEL_LOG_ATTRIBUTE_COUNT_LIMIT", "1024"),
    ("TRIGGER_OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "131072"), ("TRIGGER_OTEL_LOG_ATTRIBUTE_VALUE_LENGTH_LIMIT", "131072"),
    ("TRIGGER_OTEL_SPAN_EVENT_COUNT_LIMIT", "10"), ("TRIGGER_OTEL_LINK_COUNT_LIMIT", "2"),
    ("TRIGGER_OTEL_ATTRIBUTE_PER_LINK_COUNT_LIMIT", "10"), ("TRIGGER_OTEL_ATTRIBUTE_PER_EVENT_COUNT_LIMIT", "10"),
    ("TRIGGER_WAIT_UNTIL_TIMEOUT_MS", "600000"),
]


def _resolved(state, project, env, api_url):
    """Overridable defaults, then the user's variables (OTEL_RESOURCE_ATTRIBUTES renamed), then built-ins; the last wins."""
    user = [("CUSTOM_OTEL_RESOURCE_ATTRIBUTES" if name == "OTEL_RESOURCE_ATTRIBUTES" else name, value)
            for name, (value, _secret) in sorted(_merged(project, env).items())]
    otel = "%s/otel" % api_url.rstrip("/")
    if env["type"] == "DEVELOPMENT":
        before = [("TRIGGER_REALTIME_STREAM_VERSION", "v1"), ("OTEL_EXPORTER_OTLP_ENDPOINT", otel)]
        built_in = [("TRIGGER_OTEL_EXPORTER_OTLP_ENDPOINT", otel), ("TRIGGER_API_URL", api_url), ("TRIGGER_STREAM_URL", api_url)]
    else:
        parent = state.env_by_id(env["parentId"]) if env["parentId"] else None
        before = [("TRIGGER_REALTIME_STREAM_VERSION", "v1")]
        built_in = [("TRIGGER_SECRET_KEY", (parent or env)["apiKey"]), ("TRIGGER_API_URL", api_url), ("TRIGGER_STREAM_URL", api_url),
                    ("TRIGGER_RUNTIME_WAIT_THRESHOLD_IN_MS", "30000"), ("TRIGGER_ORG_ID", project.get("orgId", ORG["id"]))]
        if env["branchName"]:
            built_in.append(("TRIGGER_PREVIEW_BRANCH", env["branchName"]))
    result = {}
    for name, value in before + user + built_in + _COMMON_BUILT_INS:
        result.pop(name, None)
        result[name] = value
    return result


def resolved_vars(state, req, ref):
    """GET /api/v1/projects/{ref}/envvars: what a run in the key's env gets, built-ins included, unredacted."""
    project, env = auth.resolve_secret_key(state, req, auth.RBAC)   # routes/api.v1.projects.$projectRef.envvars.ts
    if project["ref"] != ref:
        raise ApiError(404, "Project not found")
    return Response(200, {"variables": _resolved(state, project, env, state.api_url)})
