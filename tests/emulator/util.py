"""Small helpers shared by the emulator modules: errors, time, ids, durations."""

import base64
import datetime
import json
import re

UTC = datetime.timezone.utc


class ApiError(Exception):
    """Raised by handlers to produce an error response."""

    def __init__(self, status, body, headers=None, content_type="application/json"):
        super().__init__(str(body))
        self.status = status
        self.body = body if isinstance(body, dict) else {"error": body}
        self.headers = headers or {}
        self.content_type = content_type


class Response:
    """A handler result: status, JSON-serialisable body, extra headers."""

    __slots__ = ("status", "body", "headers", "content_type")

    def __init__(self, status=200, body=None, headers=None, content_type="application/json"):
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.content_type = content_type


def now_ms():
    """Current time in epoch milliseconds."""
    return int(datetime.datetime.now(UTC).timestamp() * 1000)


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


_DURATION_UNITS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000, "y": 31_536_000_000}
_DURATION_RE = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)$")


def parse_duration_ms(value):
    """Parse a duration like '30s', '5m', '1h', '2d', '1w' (also several parts: '1h30m'); None if invalid."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text:
        return None
    total = 0
    for part in re.findall(r"\d+(?:\.\d+)?(?:ms|s|m|h|d|w|y)|.", text):
        match = _DURATION_RE.match(part)
        if not match:
            return None
        total += float(match.group(1)) * _DURATION_UNITS[match.group(2)]
    return int(total)


def parse_delay_ms(value, now):
    """A run delay: a duration string, or an ISO date string/Date; returns the absolute epoch ms or None."""
    if isinstance(value, str):
        duration = parse_duration_ms(value)
        if duration is not None:
            return now + duration
    return parse_date_ms(value)


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


def check_fields(body, spec, path=()):
    """Validate a dict against {field: (type_name, required)}; returns a list of zod-like issues."""
    issues = []
    if not isinstance(body, dict):
        return [zod_issue(path, "Expected object, received %s" % js_type(body), expected="object", received=js_type(body))]
    for field, (type_name, required) in spec.items():
        if field not in body or body[field] is None and not required:
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


def zod_message(issues):
    """The string zod puts in error.message: the issues as indented JSON."""
    return json.dumps(issues, indent=2)
