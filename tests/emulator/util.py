"""Small helpers shared by the emulator modules: errors, time, ids, durations."""

import base64
import datetime
import json
import math
import re

UTC = datetime.timezone.utc


class ApiError(Exception):
    """Raised by handlers to produce an error response."""

    def __init__(self, status, body, headers=None, content_type="application/json"):
        super().__init__(str(body))
        self.status = status
        self.body = body if isinstance(body, dict) or content_type.startswith("text/") else {"error": body}
        self.headers = headers or {}
        self.content_type = content_type


def unhandled_exception():
    """What Remix answers when a route throws outside its own try/catch (e.g. request.json() on a body that is
    not JSON): 500 and a plain-text body."""
    return ApiError(500, "Unexpected Server Error", content_type="text/plain")


class Response:
    """A handler result: status, JSON-serialisable body, extra headers."""

    __slots__ = ("status", "body", "headers", "content_type")

    def __init__(self, status=200, body=None, headers=None, content_type="application/json"):
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.content_type = content_type


CLOCK = {"offset_ms": 0}  # the emulator's clock: real time plus an offset set through /_emulator/clock


def real_ms():
    """Wall-clock epoch milliseconds (rate-limit resets, which clients compare with their own clock)."""
    return int(datetime.datetime.now(UTC).timestamp() * 1000)


def now_ms():
    """The emulator's current time in epoch milliseconds."""
    return real_ms() + CLOCK["offset_ms"]


def now_dt():
    return datetime.datetime.fromtimestamp(now_ms() / 1000.0, UTC)


def iso(ms):
    """Epoch milliseconds to an ISO-8601 string with milliseconds and Z."""
    if ms is None:
        return None
    stamp = datetime.datetime.fromtimestamp(ms / 1000.0, UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (int(ms) % 1000)


def parse_date_ms(value):
    """Parse epoch ms (int or digit string) or an ISO date string; None if impossible."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return int(float(text))
    if text.endswith("Z") or text.endswith("z"):
        text = text[:-1] + "+00:00"
    try:
        stamp = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return int(stamp.timestamp() * 1000)


_NATURAL_UNITS = (("w", 604_800_000), ("d", 86_400_000), ("(?:hr|h)", 3_600_000), ("m", 60_000), ("s", 1000))


def parse_natural_duration_ms(value):
    """core/v3/isomorphic/duration.ts parseNaturalLanguageDurationInMs: units w d hr h m s, whole numbers,
    several parts in any order; as there, only the first number of each unit counts ('1m2m' is 1 minute)."""
    if not isinstance(value, str) or len(value) > 100 or not re.fullmatch(r"(\d+(?:w|d|hr|h|m|s))+", value):
        return None
    total = 0
    for unit, factor in _NATURAL_UNITS:
        match = re.search(r"(\d+)" + unit, value)
        if match:
            total += int(match.group(1)) * factor
    return total


def parse_delay_ms(value, now):
    """utils/delays.ts parseDelay: a date in the future, else a natural-language duration; None means no delay.

    The server never refuses a delay: a past date, a date it cannot read or an unknown unit all mean
    "start now". Dates are read as ISO 8601 here (V8 also reads a few other forms)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        when = parse_date_ms(value) if not re.fullmatch(r"\d+", value.strip()) else now - 1
        if when is None:
            duration = parse_natural_duration_ms(value)
            return None if duration is None else now + duration
        return when if when > now else None
    return None


_IDEMPOTENCY_TTL_UNITS = {"s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}


def parse_idempotency_ttl_ms(value):
    """utils/idempotencyKeys.server.ts resolveIdempotencyKeyTTL: only ^\\d+[smhd]$, else None (the caller's default)."""
    match = re.fullmatch(r"(\d+)([smhd])", value) if isinstance(value, str) else None
    return int(match.group(1)) * _IDEMPOTENCY_TTL_UNITS[match.group(2)] if match else None


_PERIOD_UNITS = {
    "ms": 1, "s": 1000, "sec": 1000, "second": 1000, "seconds": 1000, "m": 60_000, "min": 60_000, "minute": 60_000,
    "minutes": 60_000, "h": 3_600_000, "hr": 3_600_000, "hour": 3_600_000, "hours": 3_600_000, "d": 86_400_000,
    "day": 86_400_000, "days": 86_400_000, "w": 604_800_000, "wk": 604_800_000, "week": 604_800_000, "weeks": 604_800_000,
    "mo": 2_629_800_000, "month": 2_629_800_000, "months": 2_629_800_000, "y": 31_557_600_000, "yr": 31_557_600_000,
    "year": 31_557_600_000, "years": 31_557_600_000,
}


def parse_period_ms(value):
    """The runs list's period, read like npm parse-duration 2.1 (numbers with units, summed; a bare number is ms).
    None when unreadable: the server then applies no time window at all."""
    if not isinstance(value, str):
        return None
    parts = re.findall(r"(-?\d*\.?\d+)\s*([a-zA-Z]*)", value)
    rest = re.sub(r"(-?\d*\.?\d+)\s*([a-zA-Z]*)", "", value).strip()
    if not parts or rest:
        return None
    total = 0.0
    for number, unit in parts:
        factor = _PERIOD_UNITS.get(unit.lower() if unit else "ms")
        if factor is None:
            return None
        total += float(number) * factor
    return int(total)


def stringify_duration(seconds):
    """core/v3/isomorphic/duration.ts stringifyDuration (a numeric TTL); None for zero or less."""
    if seconds <= 0:
        return None
    seconds = int(seconds)
    parts = [(seconds // 604800, "w"), (seconds % 604800 // 86400, "d"), (seconds % 86400 // 3600, "h"), (seconds % 3600 // 60, "m"), (seconds % 60, "s")]
    return "".join("%d%s" % (value, unit) for value, unit in parts if value)


def b64url_encode(obj):
    """Encode a JSON object as an unpadded base64url string."""
    raw = json.dumps(obj, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def b64url_decode(text):
    """Decode an unpadded base64url JSON string; None if it is not one."""
    try:
        padded = text + "=" * (-len(text) % 4)
        return json.loads(base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8"))
    except (ValueError, UnicodeError, TypeError):
        return None


def zod_issue(path, message, code="invalid_type", expected=None, received=None):
    """One zod-like issue dict."""
    issue = {"code": code, "path": list(path), "message": message}
    if expected is not None:
        issue["expected"] = expected
    if received is not None:
        issue["received"] = received
    return issue


_JS_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def js_number(text):
    """JavaScript's Number(text) for a query-string value: float, or None for NaN."""
    text = text.strip()
    if not text:
        return 0.0
    if re.fullmatch(r"[+-]?Infinity", text):
        return float(text.replace("Infinity", "inf"))
    for prefix, base in (("0x", 16), ("0o", 8), ("0b", 2)):
        if text[:2].lower() == prefix:
            try:
                return float(int(text[2:], base))
            except ValueError:
                return None
    return float(text) if _JS_NUMBER.match(text) else None


def zod_coerced_int(raw, path, positive=False, minimum=None, maximum=None):
    """(value, issues) of zod's z.coerce.number().int()[.positive()][.min(minimum)][.max(maximum)] on a string,
    with zod 3's issue texts and fields (every failed check is reported, NaN stops at once)."""
    path = list(path)
    number = js_number(raw)
    if number is None:
        return None, [{"code": "invalid_type", "expected": "number", "received": "nan", "path": path, "message": "Expected number, received nan"}]
    issues = []
    if math.isnan(number) or math.isinf(number) or number != int(number):
        issues.append({"code": "invalid_type", "expected": "integer", "received": "float", "message": "Expected integer, received float", "path": path})
    bounds = []
    if positive:
        bounds.append(("too_small", 0, False))
    if minimum is not None:
        bounds.append(("too_small", minimum, True))
    if maximum is not None:
        bounds.append(("too_big", maximum, True))
    for code, bound, inclusive in bounds:
        low = code == "too_small"
        ok = (number >= bound if inclusive else number > bound) if low else number <= bound
        if not ok:
            word = ("greater than" if low else "less than") + (" or equal to" if inclusive else "")
            issues.append({"code": code, ("minimum" if low else "maximum"): bound, "type": "number", "inclusive": inclusive, "exact": False,
                           "message": "Number must be %s %d" % (word, bound), "path": path})
    return (None if issues else int(number)), issues


def js_type(value):
    """The zod name of the JSON type of a value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def v8_json_error(raw):
    """The message of Node 24's JSON.parse error for ``raw`` (bytes) that is not JSON (what routes echo as ``error``)."""
    text = raw.decode("utf-8", "replace")
    try:
        json.loads(text)
        return None
    except json.JSONDecodeError as exc:
        pos, msg = exc.pos, exc.msg
    where = "in JSON at position %d (line %d column %d)" % (pos, text.count("\n", 0, pos) + 1, pos - text.rfind("\n", 0, pos))
    if pos >= len(text.rstrip()) and msg != "Extra data":
        return "Unexpected end of JSON input"
    if msg == "Extra data":
        return "Unexpected non-whitespace character after JSON at position %d (line %d column %d)" % (
            pos, text.count("\n", 0, pos) + 1, pos - text.rfind("\n", 0, pos))
    if msg.startswith("Expecting property name"):
        return ("Expected double-quoted property name " if text[pos] == "}" else "Expected property name or '}' ") + where
    if msg == "Expecting ',' delimiter":
        closer = "}" if _innermost_open(text, pos) == "{" else "]"
        return "Expected ',' or '%s' after %s %s" % (closer, "property value" if closer == "}" else "array element", where)
    if msg == "Expecting ':' delimiter":
        return "Expected ':' after property name " + where
    shown = text if len(text) <= 30 else text[:10] + "..." + text[-10:]
    token = text[pos] if text[pos] not in "tfn" else text[pos + 1:pos + 2] or text[pos]
    for word in ("true", "false", "null"):
        if text.startswith(word[:1], pos):
            length = next((i for i in range(len(word)) if not text.startswith(word[:i + 1], pos)), len(word))
            token = text[pos + length] if pos + length < len(text) else ""
            if not token:
                return "Unexpected end of JSON input"
    return "Unexpected token '%s', \"%s\" is not valid JSON" % (token, shown)


def _innermost_open(text, pos):
    depth = []
    in_string = escaped = False
    for char in text[:pos]:
        if in_string:
            in_string = not (char == '"' and not escaped)
            escaped = char == "\\" and not escaped
        elif char == '"':
            in_string = True
        elif char in "{[":
            depth.append(char)
        elif char in "}]" and depth:
            depth.pop()
    return depth[-1] if depth else None


def zod_object_issues(body, schema, path=()):
    """Every issue zod 3 reports for a z.object, in the schema's key order, with zod's own fields.

    ``schema`` is a list of (field, spec): spec is a type name ("string", "number", "boolean"), ("enum", [options]) or
    ("object", schema), each optionally wrapped as ("optional", spec)."""
    path = list(path)
    if not isinstance(body, dict):
        actual = js_type(body)
        return [{"code": "invalid_type", "expected": "object", "received": actual, "path": path,
                 "message": "Expected object, received %s" % actual}]
    issues = []
    for field, spec in schema:
        optional = isinstance(spec, tuple) and spec[0] == "optional"
        spec = spec[1] if optional else spec
        where = path + [field]
        enum = " | ".join("'%s'" % o for o in spec[1]) if isinstance(spec, tuple) and spec[0] == "enum" else None
        if field not in body:
            if not optional:
                expected = enum or (spec if isinstance(spec, str) else "object")
                if enum:
                    issues.append({"expected": expected, "received": "undefined", "code": "invalid_type", "path": where, "message": "Required"})
                else:
                    issues.append({"code": "invalid_type", "expected": expected, "received": "undefined", "path": where, "message": "Required"})
            continue
        value = body[field]
        if isinstance(spec, str):
            actual = js_type(value)
            if actual != spec:
                issues.append({"code": "invalid_type", "expected": spec, "received": actual, "path": where,
                               "message": "Expected %s, received %s" % (spec, actual)})
        elif enum and not isinstance(value, str):
            issues.append({"expected": enum, "received": js_type(value), "code": "invalid_type", "path": where,
                           "message": "Expected %s, received %s" % (enum, js_type(value))})
        elif enum:
            if value not in spec[1]:
                issues.append({"received": value, "code": "invalid_enum_value", "options": list(spec[1]), "path": where,
                               "message": "Invalid enum value. Expected %s, received '%s'" % (enum, value)})
        else:
            issues.extend(zod_object_issues(value, spec[1], where))
    return issues


def check_fields(body, spec, path=()):
    """Validate a dict against {field: (type_name, required)}; returns a list of zod-like issues.

    Like zod's .optional(), an optional field may be absent but not null ("string|null" allows null).
    """
    issues = []
    if not isinstance(body, dict):
        return [zod_issue(path, "Expected object, received %s" % js_type(body), expected="object", received=js_type(body))]
    for field, (type_name, required) in spec.items():
        if field not in body:
            if required:
                issues.append(zod_issue(path + (field,), "Required", expected=type_name, received="undefined"))
            continue
        actual = js_type(body[field])
        if type_name == "any":
            continue
        allowed = type_name.split("|")
        if actual not in allowed:
            issues.append(zod_issue(path + (field,), "Expected %s, received %s" % (type_name, actual), expected=type_name, received=actual))
    return issues


_IDENTIFIER = re.compile(r"^[$_A-Za-z][$_A-Za-z0-9\u200c\u200d]*")


def _zod_path(path):
    """zod-validation-error 1.5 joinPath."""
    if len(path) == 1:
        return str(path[0])
    out = ""
    for item in path:
        if isinstance(item, int):
            out += "[%d]" % item
        elif '"' in item:
            out += '["%s"]' % item.replace('"', '\\"')
        elif not _IDENTIFIER.match(item):
            out += '["%s"]' % item
        else:
            out += ("." if out else "") + item
    return out


def _zod_issue_text(issue):
    if "union" in issue:
        return ", or ".join(_zod_issue_text({"path": issue["path"], "message": text}) for text in issue["union"])
    path = issue.get("path") or []
    if len(path) == 1 and isinstance(path[0], int):
        return "%s at index %d" % (issue["message"], path[0])
    return '%s at "%s"' % (issue["message"], _zod_path(path)) if path else issue["message"]


def zod_validation_error(issues):
    """fromZodError(error).toString() of zod-validation-error 1.5: the route builders' 400 text (apiBuilder.server.ts)."""
    return "Validation error: " + "; ".join(_zod_issue_text(issue) for issue in issues[:99])


def zod_message(issues):
    """The string zod puts in error.message: the issues as indented JSON."""
    return json.dumps(issues, indent=2)
