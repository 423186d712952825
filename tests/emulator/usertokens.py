"""User-actor tokens (`tr_uat_…`): what they are, how they verify, and what a capped one may do.

A UAT is the `tr_uat_` prefix in front of an HS256 JWT signed with the platform secret (packages/plugins/src/rbac.ts
signUserActorToken / verifyUserActorToken; core/v3/jwt.ts for issuer, audience, `iat`); it is stateless, so the
emulator verifies the signature and `exp` on its own clock instead of storing minted tokens. A token minted from a
PAT carries the PAT's id and dies with it (services/personalAccessToken.server.ts assertSourcePatActive).
Its ability is its `cap`, or `read:all` without one (internal-packages/rbac/src/fallback.ts authenticateUserActor,
buildJwtAbility in packages/plugins/src/rbac.ts, the action aliases in internal-packages/rbac/src/index.ts)."""

import base64
import hashlib
import hmac
import json

from .util import now_ms

PREFIX = "tr_uat_"
SECRET = b"triggerdev-emulator-session-secret"   # the emulator's SESSION_SECRET
ISSUER = "https://id.trigger.dev"
AUDIENCE = "https://api.trigger.dev"
CAPLESS_SCOPES = ["read:all"]
ACTION_ALIASES = {"trigger": ("write",), "batchTrigger": ("write",), "update": ("write",)}


def _b64(raw):
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(signing_input):
    return _b64(hmac.new(SECRET, signing_input.encode("ascii"), hashlib.sha256).digest())


def sign(user_id, client, pat_id, cap, expires_s):
    """A UAT as the server mints one: claims kind, sub, act {client, pat}, cap (when given), iss, aud, exp, iat."""
    payload = {"kind": "user_actor", "sub": user_id, "act": {"client": client, "pat": pat_id}}
    if cap is not None:
        payload["cap"] = cap
    payload.update({"iss": ISSUER, "aud": AUDIENCE, "exp": expires_s, "iat": now_ms() // 1000})
    header = _b64(json.dumps({"alg": "HS256"}, separators=(",", ":")).encode())
    body = _b64(json.dumps(payload, separators=(",", ":")).encode())
    signing_input = header + "." + body
    return PREFIX + signing_input + "." + _signature(signing_input)


def _payload(token):
    parts = token[len(PREFIX):].split(".")
    if len(parts) != 3 or not hmac.compare_digest(_signature(parts[0] + "." + parts[1]), parts[2]):
        return None
    try:
        payload = json.loads(_unb64(parts[1]).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    return payload if isinstance(payload, dict) else None


def verify(token):
    """The claims of a valid, unexpired UAT ({"userId", "client", "pat", "cap"}), else None (jose: expired once exp <= now)."""
    if not token.startswith(PREFIX):
        return None
    payload = _payload(token)
    if payload is None or payload.get("kind") != "user_actor" or not isinstance(payload.get("sub"), str):
        return None
    if payload.get("iss") != ISSUER or payload.get("aud") != AUDIENCE:
        return None
    if not isinstance(payload.get("exp"), (int, float)) or payload["exp"] <= now_ms() // 1000:
        return None
    act = payload.get("act") if isinstance(payload.get("act"), dict) else {}
    cap = payload.get("cap") if isinstance(payload.get("cap"), list) else None
    return {"userId": payload["sub"], "client": act.get("client"), "pat": act.get("pat"), "cap": cap}


def _scope_grants(scope, action, resource_type):
    parts = scope.split(":")
    scope_action = parts[0]
    scope_type = parts[1] if len(parts) > 1 and parts[1] else None
    if not scope_action:
        return False
    if scope_action == "admin" and scope_type is None:
        return True
    if scope_action not in (action, "*"):
        return False
    if scope_type == "all":
        return True
    # a scope naming one id grants only that id; these routes check whole resource types
    return scope_type == resource_type and (len(parts) < 3 or not ":".join(parts[2:]))


def can(cap, action, resource_type):
    """buildJwtAbility(cap ?? ["read:all"]).can(action, {type}) with the host's action aliases."""
    scopes = cap if cap is not None else CAPLESS_SCOPES
    for wanted in (action,) + ACTION_ALIASES.get(action, ()):
        if any(isinstance(scope, str) and _scope_grants(scope, wanted, resource_type) for scope in scopes):
            return True
    return False
