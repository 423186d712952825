"""Environment pause and resume, and the control API for an environment's limit and billing pause
(docs/dev/protocol.md#environments).

Server: routes/api.v1.projects.$projectRef.$env.pause.ts and api.v1.projects.$projectRef.$env.resume.ts (PAT only:
authenticateRequest without organization tokens or API keys; apiAuth.server.ts resolves the environment, x-trigger-branch
included), v3/services/pauseEnvironment.server.ts, v3/services/billingLimit/manualPauseEnvironmentGuard.server.ts,
v3/runQueue.server.ts (a paused environment's run-queue limit is 0: its runs stay queued, triggering still works).

State: ``env["paused"]`` and ``env["pauseSource"]`` (null, or "BILLING_LIMIT" while a billing limit holds it), which the
environment and branch lists report.
"""

from . import auth, queues, runs
from .state import ENV_SLUGS
from .util import ApiError, Response, now_ms

BILLING_LIMIT = "BILLING_LIMIT"
BILLING_PAUSED = ("This environment is paused because your organization reached its billing limit. "
                  "Resolve the limit on the billing limits settings page to resume.")


def set_paused(state, env, paused, source=None):
    """Record a pause change at the emulator's time; runs frozen first so the change applies from now on."""
    now = now_ms()
    runs.freeze_env(state, env, now)
    env.update(paused=paused, pauseSource=source, updatedAt=now)
    state.touch()


def _environment(state, req, ref, slug):
    if slug not in ENV_SLUGS:
        raise ApiError(400, "Invalid Params")
    if req.cred.kind != "pat":
        raise ApiError(401, "Invalid or Missing Access Token")
    project = auth.pat_project(state, ref, req.cred)
    return auth.pat_env(state, project, slug, auth.branch_header(req.headers), user_id=req.cred.user_id)


def pause(state, req, ref, slug):
    """POST /api/v1/projects/{ref}/{env}/pause -> {paused: true, state: "paused"}; idempotent, a billing pause is left as it is."""
    env = _environment(state, req, ref, slug)
    if env.get("pauseSource") != BILLING_LIMIT:
        set_paused(state, env, True)
    return Response(200, {"paused": True, "state": "paused"})


def resume(state, req, ref, slug):
    """POST /api/v1/projects/{ref}/{env}/resume -> {paused: false, state: "resumed"}; idempotent; refused while a billing
    limit holds the environment."""
    env = _environment(state, req, ref, slug)
    if env.get("pauseSource") == BILLING_LIMIT:
        raise ApiError(400, BILLING_PAUSED)
    set_paused(state, env, False)
    return Response(200, {"paused": False, "state": "resumed"})


def control_environment(state, body):
    """POST /_emulator/environment {project, environment, branch?, concurrency_limit?, billing_limit_paused?}."""
    project = state.project(body.get("project", "proj_demo"))
    if project is None:
        raise ApiError(404, "Project not found")
    stored = ENV_SLUGS.get(body.get("environment", "prod"), (None,))[0]
    env = state.root_env(project, stored) if stored else None
    if env is not None and body.get("branch") is not None:
        env = state.branch_env(project, env["id"], body["branch"])
    if env is None:
        raise ApiError(404, "Environment not found")
    limit = body.get("concurrency_limit")
    if limit is not None:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise ApiError(400, "concurrency_limit must be a non-negative integer")
        runs.freeze_env(state, env, now_ms())
        env["maximumConcurrencyLimit"] = limit
        queues.recalculate_percent_limits(env)
    billing = body.get("billing_limit_paused")
    if billing is not None:
        if not isinstance(billing, bool):
            raise ApiError(400, "billing_limit_paused must be a boolean")
        if billing:
            set_paused(state, env, True, BILLING_LIMIT)
        elif env.get("pauseSource") == BILLING_LIMIT:
            set_paused(state, env, False)
    state.touch()
    return {"id": env["id"], "paused": env["paused"], "pauseSource": env.get("pauseSource"),
            "maximumConcurrencyLimit": queues.env_limit(env)}
