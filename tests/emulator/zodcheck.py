"""zod 3.25 (the server's version) number and enum checks, as the deployment and queue routes apply them.

Issue dicts are what the route builders put in `details` ("Query Error") or turn into text with fromZodError
(`util.zod_validation_error`). A type error aborts the object, so a refinement does not run after it; a failed
number check only marks it dirty (zod's ParseStatus), so the refinement still runs."""

import math
import re

from .util import js_type

MISSING = object()
_DECIMAL = re.compile(r"[+-]?(?:Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)")
_RADIX = re.compile(r"0([xXoObB])([0-9a-zA-Z]+)")


def js_number(text):
    """Number(text) for a query-string value (z.coerce.number): '' -> 0, decimals, exponents, Infinity, 0x/0o/0b; else NaN."""
    value = text.strip()
    if value == "":
        return 0
    if _DECIMAL.fullmatch(value):
        number = float(value.replace("Infinity", "inf"))
        return int(number) if number.is_integer() else number
    match = _RADIX.fullmatch(value)
    if match:
        try:
            return int(match.group(2), {"x": 16, "o": 8, "b": 2}[match.group(1).lower()])
        except ValueError:
            return math.nan
    return math.nan


def _num_text(number):
    return str(int(number)) if float(number).is_integer() else repr(number)


def type_issue(path, expected, value):
    """zod's invalid_type issue; a missing value is "Required"."""
    received = "undefined" if value is MISSING else ("nan" if isinstance(value, float) and math.isnan(value) else js_type(value))
    message = "Required" if value is MISSING else "Expected %s, received %s" % (expected, received)
    return {"code": "invalid_type", "expected": expected, "received": received, "path": list(path), "message": message}


def _bound_issue(path, kind, limit, inclusive, message):
    code, key = ("too_small", "minimum") if kind == "min" else ("too_big", "maximum")
    if message is None:
        relation = ("greater than" if kind == "min" else "less than") + (" or equal to" if inclusive else "")
        message = "Number must be %s %s" % (relation, _num_text(limit))
    return {"code": code, key: limit, "type": "number", "inclusive": inclusive, "exact": False, "message": message, "path": list(path)}


def number_issues(value, path, integer=False, bounds=()):
    """(issues, aborted) for z.number() with .int() and bounds [("min"|"max", limit, inclusive, message or None)]."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (isinstance(value, float) and math.isnan(value)):
        return [type_issue(path, "number", value)], True
    issues = []
    if integer and not float(value).is_integer():
        issues.append({"code": "invalid_type", "expected": "integer", "received": "float", "path": list(path),
                       "message": "Expected integer, received float"})
    for kind, limit, inclusive, message in bounds:
        below = value < limit if inclusive else value <= limit
        above = value > limit if inclusive else value >= limit
        if (kind == "min" and below) or (kind == "max" and above):
            issues.append(_bound_issue(path, kind, limit, inclusive, message))
    return issues, False


def enum_issues(value, path, options):
    """(issues, aborted) for z.enum(options) (MISSING = absent)."""
    expected = " | ".join("'%s'" % option for option in options)
    if not isinstance(value, str):
        return [type_issue(path, expected, value)], True
    if value in options:
        return [], False
    message = "Invalid enum value. Expected %s, received '%s'" % (expected, value)
    return [{"received": value, "code": "invalid_enum_value", "options": list(options), "path": list(path), "message": message}], True


def string_issues(value, path, max_length=None, message=None):
    """(issues, aborted) for z.string() with an optional .max(); lengths in UTF-16 code units as in JavaScript."""
    if not isinstance(value, str):
        return [type_issue(path, "string", value)], True
    if max_length is not None and len(value.encode("utf-16-le")) // 2 > max_length:
        return [{"code": "too_big", "maximum": max_length, "type": "string", "inclusive": True, "exact": False,
                 "message": message or "String must contain at most %d character(s)" % max_length, "path": list(path)}], False
    return [], False


def js_decode_uri_component(text):
    """decodeURIComponent; None where JavaScript throws a URIError (a lone '%' or escapes that are not UTF-8)."""
    out = bytearray()
    index = 0
    while index < len(text):
        if text[index] != "%":
            out += text[index].encode("utf-8", "surrogatepass")
            index += 1
            continue
        pair = text[index + 1:index + 3]
        if len(pair) != 2 or not all(ch in "0123456789abcdefABCDEF" for ch in pair):
            return None
        out.append(int(pair, 16))
        index += 3
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError:
        return None
