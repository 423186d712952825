"""What the server's PAT route builders do before a handler runs (services/routeBuilders/apiBuilder.server.ts
createLoaderPATApiRoute / createActionPATApiRoute): the method guard, the JSON body with its zod schema, and the
zod checks those schemas use (zod 3.25: string trim/min/max, number int/positive/max)."""

from .slug import _JS_SPACE as JS_SPACE
from .util import ApiError, Response, js_type, zod_validation_error


# Remix's own answers (production mode) when a route exports no loader (GET) or no action (other methods):
# @remix-run/router getInternalRouterError(400 | 405), server-runtime errorResponseToJson with the sanitised error
REMIX_NO_LOADER = Response(400, {"message": "Unexpected Server Error"}, {"X-Remix-Error": "yes"})
REMIX_NO_ACTION = Response(405, {"message": "Unexpected Server Error"}, {"X-Remix-Error": "yes"})


def answer(response):
    """A route handler that always gives `response`."""
    def handler(_emu, _req, *_args):
        return response
    return handler


def not_allowed(*methods):
    """createActionPATApiRoute's method guard for the other verbs: 405 with an Allow header."""
    return answer(Response(405, {"error": "Method not allowed"}, {"Allow": ", ".join(methods)}))


def js_length(text):
    """String length as JavaScript counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def type_issue(path, expected, value, missing=False):
    received = "undefined" if missing else js_type(value)
    message = "Required" if missing else "Expected %s, received %s" % (expected, received)
    return {"code": "invalid_type", "expected": expected, "received": received, "path": list(path), "message": message}


def _length_issue(path, kind, limit, message):
    code, key, word = ("too_small", "minimum", "least") if kind == "min" else ("too_big", "maximum", "most")
    return {"code": code, key: limit, "type": "string", "inclusive": True, "exact": False,
            "message": message or "String must contain at %s %d character(s)" % (word, limit), "path": list(path)}


def string_field(body, name, issues, required=True, trim=False, min_length=None, max_length=None, messages=(None, None)):
    """z.string() [.trim()] [.min()] [.max()] [.optional()] on body[name]: appends issues, returns the parsed value."""
    if name not in body:
        if required:
            issues.append(type_issue([name], "string", None, missing=True))
        return None
    value = body[name]
    if not isinstance(value, str):
        issues.append(type_issue([name], "string", value))
        return None
    if trim:
        value = value.strip(JS_SPACE)
    if min_length is not None and js_length(value) < min_length:
        issues.append(_length_issue([name], "min", min_length, messages[0]))
    if max_length is not None and js_length(value) > max_length:
        issues.append(_length_issue([name], "max", max_length, messages[1]))
    return value


def own_rename_body(req, name, min_length, max_length):
    """A rename handler that parses its own body (orgs and projects): the trimmed string body[name] within the lengths;
    anything unreadable or invalid is 400 "Invalid request body"."""
    body = req.json_or(ValueError)
    value = body.get(name) if isinstance(body, dict) else None
    value = value.strip(JS_SPACE) if isinstance(value, str) else None
    if value is None or not min_length <= js_length(value) <= max_length:
        raise ApiError(400, "Invalid request body")
    return value


def number_issues(path, value, maximum):
    """z.number().int().positive().max(maximum)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return [type_issue(path, "number", value)]
    issues = []
    if not float(value).is_integer():
        issues.append({"code": "invalid_type", "expected": "integer", "received": "float", "path": list(path),
                       "message": "Expected integer, received float"})
    if value <= 0:
        issues.append({"code": "too_small", "minimum": 0, "type": "number", "inclusive": False, "exact": False,
                       "message": "Number must be greater than 0", "path": list(path)})
    if value > maximum:
        issues.append({"code": "too_big", "maximum": maximum, "type": "number", "inclusive": True, "exact": False,
                       "message": "Number must be less than or equal to %d" % maximum, "path": list(path)})
    return issues


def _falsy(value):
    """What `!value` means in JavaScript for a parsed JSON value ([] and {} are truthy there)."""
    if value is None or value is False or value == "":
        return True
    return not isinstance(value, bool) and isinstance(value, (int, float)) and value == 0


def json_body(req):
    """The action builder's body step: empty → 400, unparsable or falsy JSON (safeJsonParse) → 400 "Invalid JSON"."""
    if not req.body:
        raise ApiError(400, "Request body is empty")
    parsed = req.json_or(ValueError)
    if parsed is ValueError or _falsy(parsed):
        raise ApiError(400, "Invalid JSON")
    return parsed


def object_body(req, parse):
    """Body parsed with a zod object schema: `parse(body, issues)` returns the parsed fields; 400 with fromZodError's text."""
    body = json_body(req)
    if not isinstance(body, dict):
        raise ApiError(400, zod_validation_error([type_issue([], "object", body)]))
    issues = []
    parsed = parse(body, issues)
    if issues:
        raise ApiError(400, zod_validation_error(issues))
    return parsed
