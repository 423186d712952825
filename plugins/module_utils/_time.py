# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Times and durations, parsed in one place. Callers decide which grammar an option takes and word the refusal.

This is an internal module of the collection, not a public API: it may change in any release. No Ansible imports.

Durations are parts ``<number><unit>`` (``1h30m``). Each server parser reads another set of units, so each grammar
is a tuple of units (docs/dev/protocol.md#triggering):

* SERVER_UNITS - delays, TTLs and reschedules (parseNaturalLanguageDuration: each unit at most once, 100 characters);
* KEY_TTL_UNITS - idempotencyKeyTTL (one number and one unit, else the server silently uses 30 days);
* PERIOD_UNITS - the runs list period, and the collection's own ages such as older_than.
"""

import datetime
import re

UNIT_MS = {'ms': 1, 's': 1000, 'm': 60000, 'h': 3600000, 'hr': 3600000, 'd': 86400000, 'w': 604800000, 'y': 31536000000}
SERVER_UNITS = ('w', 'd', 'hr', 'h', 'm', 's')
KEY_TTL_UNITS = ('s', 'm', 'h', 'd')
PERIOD_UNITS = ('ms', 's', 'm', 'h', 'd', 'w', 'y')
SERVER_MAX_LENGTH = 100

EPOCH_SECONDS_LIMIT = 100000000000  # numbers below this are seconds, above it milliseconds
_ISO_RE = re.compile(r'^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$', re.IGNORECASE)
_EPOCH_RE = re.compile(r'^\d+(\.\d+)?$')
_EPOCH = datetime.datetime(1970, 1, 1)


def duration_ms(text, units, single=False):
    """Milliseconds of ``text`` written in ``units`` (each unit at most once; ``single``: one part only), or None.

    ``hr`` and ``h`` count as the same unit."""
    if not isinstance(text, str) or not text or len(text) > SERVER_MAX_LENGTH:
        return None
    alternatives = '|'.join(sorted(units, key=len, reverse=True))
    part = re.compile(r'(\d+)(%s)' % alternatives)
    if not re.match(r'^(?:\d+(?:%s))%s$' % (alternatives, '' if single else '+'), text):
        return None
    parts = part.findall(text)
    seen = ['h' if unit == 'hr' else unit for _number, unit in parts]
    if len(set(seen)) != len(seen):
        return None
    return sum(int(number) * UNIT_MS[unit] for number, unit in parts)


def parse_iso_ms(value):
    """An ISO-8601 date or date-time (no zone means UTC) -> epoch milliseconds; None if it is not one."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not _ISO_RE.match(text):
        return None
    text = text.replace(' ', 'T')
    if text[-1] in 'zZ':
        text = text[:-1] + '+00:00'
    offset = datetime.timedelta(0)
    match = re.search(r'([+-])(\d{2}):?(\d{2})$', text) if 'T' in text else None
    if match:
        offset = datetime.timedelta(hours=int(match.group(2)), minutes=int(match.group(3)))
        if match.group(1) == '-':
            offset = -offset
        text = text[:match.start()]
    fmt, fraction = '%Y-%m-%d', 0
    if 'T' in text:
        date_part, time_part = text.split('T', 1)
        if '.' in time_part:
            time_part, digits = time_part.split('.', 1)
            fraction = int((digits + '000000')[:6])
        fmt = '%Y-%m-%dT%H:%M:%S' if time_part.count(':') == 2 else '%Y-%m-%dT%H:%M'
        text = date_part + 'T' + time_part
    try:
        stamp = datetime.datetime.strptime(text, fmt)
    except ValueError:
        return None
    delta = stamp - _EPOCH - offset
    return int((delta.days * 86400 + delta.seconds) * 1000 + (delta.microseconds + fraction) // 1000)


def parse_time_ms(value):
    """ISO-8601, or an epoch time in seconds (below 1e11) or milliseconds (number or digits) -> epoch ms; None if
    it is none of these or negative."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str) and _EPOCH_RE.match(value.strip()):
        number = float(value.strip())
    else:
        return parse_iso_ms(value)
    if number < 0:
        return None
    return int(number * 1000) if number < EPOCH_SECONDS_LIMIT else int(number)
