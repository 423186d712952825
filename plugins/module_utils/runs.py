# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Runs and tasks: listing, retrieving, cancelling, replaying, rescheduling, triggering and waiting.

No Ansible imports, so modules, lookups and tests all reuse it. Every HTTP call goes through
TriggerClient.request() / paginate_cursor(); this file only knows routes, bodies and rules
(digest sections 5 and 8).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import re
import time

from ansible_collections.triggerdev.management.plugins.module_utils.client import (
    AUTH_ACCESS_TOKEN,
    AUTH_SECRET_KEY,
    TriggerError,
    encode_path,
)

# Statuses a run never leaves (digest 5.2). EXPIRED and TIMED_OUT have isCompleted false on the
# wire, so the status name is what counts, never the isCompleted flag.
TERMINAL_STATUSES = ('COMPLETED', 'CANCELED', 'FAILED', 'CRASHED', 'SYSTEM_FAILURE', 'EXPIRED', 'TIMED_OUT', 'INTERRUPTED')
SUCCESS_STATUS = 'COMPLETED'
RUN_STATUSES = ('PENDING_VERSION', 'QUEUED', 'DEQUEUED', 'EXECUTING', 'WAITING', 'DELAYED', 'COMPLETED', 'CANCELED', 'FAILED',
                'CRASHED', 'SYSTEM_FAILURE', 'EXPIRED', 'TIMED_OUT',
                # legacy names the list filter also accepts
                'WAITING_FOR_DEPLOY', 'REATTEMPTING', 'FROZEN', 'INTERRUPTED')
MACHINE_PRESETS = ('micro', 'small-1x', 'small-2x', 'medium-1x', 'medium-2x', 'large-1x', 'large-2x')

MAX_PAYLOAD_BYTES = 3 * 1024 * 1024        # trigger body limit (TASK_PAYLOAD_MAXIMUM_SIZE)
BATCH_MAX_ITEMS = 500                      # POST /api/v2/tasks/batch (MAX_BATCH_V2_TRIGGER_ITEMS)
BATCH_MAX_BYTES = 1000 * 1000              # "<= 1 MB" per batch request; the decimal MB is the safe reading
MAX_PAGE_SIZE = 100
MAX_IDEMPOTENCY_KEY = 2048
MAX_TAGS = 10

# User data inside a run: keys are kept as they are.
USER_DATA_KEYS = ('payload', 'output', 'metadata')

_DURATION_PART = re.compile(r'(\d+)(ms|s|m|h|d|w|y)')
_DURATION_RE = re.compile(r'^(?:\d+(?:ms|s|m|h|d|w|y))+$')
_DURATION_MS = {'ms': 1, 's': 1000, 'm': 60000, 'h': 3600000, 'd': 86400000, 'w': 604800000, 'y': 31536000000}
_ISO_RE = re.compile(r'^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$', re.IGNORECASE)
_EPOCH_RE = re.compile(r'^\d+(\.\d+)?$')
EPOCH_SECONDS_LIMIT = 100000000000  # numbers below this are seconds, above it milliseconds

# Trigger option names (module/snake_case) -> API field names (digest 8.1).
TRIGGER_OPTIONS = (
    ('idempotency_key', 'idempotencyKey'),
    ('idempotency_key_ttl', 'idempotencyKeyTTL'),
    ('tags', 'tags'),
    ('delay', 'delay'),
    ('ttl', 'ttl'),
    ('queue', 'queue'),
    ('concurrency_key', 'concurrencyKey'),
    ('machine', 'machine'),
    ('max_attempts', 'maxAttempts'),
    ('max_duration', 'maxDuration'),
    ('metadata', 'metadata'),
    ('priority', 'priority'),
    ('region', 'region'),
    ('version', 'lockToVersion'),
    ('test', 'test'),
)
TRIGGER_OPTION_NAMES = tuple(name for name, _api in TRIGGER_OPTIONS)

# List filters (module option -> query parameter, whether it is a comma list) (digest 5.1).
LIST_FILTERS = (
    ('status', 'filter[status]', True),
    ('task', 'filter[taskIdentifier]', True),
    ('tag', 'filter[tag]', True),
    ('version', 'filter[version]', True),
    ('schedule', 'filter[schedule]', False),
    ('batch', 'filter[batch]', False),
    ('bulk_action', 'filter[bulkAction]', False),
    ('queue', 'filter[queue]', True),
    ('machine', 'filter[machine]', True),
    ('region', 'filter[region]', True),
)


class RunsInputError(TriggerError):
    """Bad input found before any request was sent."""


class RunWaitTimeout(TriggerError):
    """Waiting for runs took longer than allowed."""

    def __init__(self, message, runs):
        super(RunWaitTimeout, self).__init__(message)
        self.runs = runs


# ---------------------------------------------------------------------- conversions

def camel_to_snake(name):
    """taskIdentifier -> task_identifier, idempotencyKeyTTL -> idempotency_key_ttl, isTest -> is_test."""
    text = re.sub(r'([A-Z]+)([A-Z][a-z])', r'\1_\2', name)
    text = re.sub(r'([a-z0-9])([A-Z])', r'\1_\2', text)
    return text.replace('-', '_').lower()


def snake_keys(value, keep=USER_DATA_KEYS):
    """Convert the keys of a run (recursively) to snake_case, leaving user data (payload, output, metadata) as is."""
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            new_key = camel_to_snake(key) if isinstance(key, str) else key
            result[new_key] = item if key in keep else snake_keys(item, keep)
        return result
    if isinstance(value, list):
        return [snake_keys(item, keep) for item in value]
    return value


def parse_duration_ms(value):
    """'30s', '5m', '1h', '2d', '1w', '1h30m' -> milliseconds; None if it is not such a duration."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or not _DURATION_RE.match(text):
        return None
    return sum(int(number) * _DURATION_MS[unit] for number, unit in _DURATION_PART.findall(text))


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
    match = re.search(r'([+-])(\d{2}):?(\d{2})$', text) if 'T' in text else None
    offset = datetime.timedelta(0)
    if match:
        offset = datetime.timedelta(hours=int(match.group(2)), minutes=int(match.group(3)))
        if match.group(1) == '-':
            offset = -offset
        text = text[:match.start()]
    fmt = '%Y-%m-%d'
    if 'T' in text:
        date_part, time_part = text.split('T', 1)
        fraction = 0
        if '.' in time_part:
            time_part, frac = time_part.split('.', 1)
            fraction = int((frac + '000000')[:6])
        fmt = '%Y-%m-%dT%H:%M:%S' if time_part.count(':') == 2 else '%Y-%m-%dT%H:%M'
        text = date_part + 'T' + time_part
    else:
        fraction = 0
    try:
        stamp = datetime.datetime.strptime(text, fmt)
    except ValueError:
        return None
    epoch = datetime.datetime(1970, 1, 1)
    delta = stamp - epoch - offset
    return int((delta.days * 86400 + delta.seconds) * 1000 + (delta.microseconds + fraction) // 1000)


def parse_time_ms(value, name):
    """created_after/created_before: ISO-8601, or epoch seconds (below 1e11) or milliseconds -> epoch ms."""
    if isinstance(value, bool):
        value = None
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str) and _EPOCH_RE.match(value.strip()):
        number = float(value.strip())
    else:
        parsed = parse_iso_ms(value)
        if parsed is None:
            raise RunsInputError('%s must be an ISO-8601 date/time (2024-05-01T12:00:00Z) or an epoch time in seconds or '
                                 'milliseconds; got %r.' % (name, value))
        return parsed
    if number < 0:
        raise RunsInputError('%s must not be negative.' % name)
    return int(number * 1000) if number < EPOCH_SECONDS_LIMIT else int(number)


def validate_delay(value, name='delay', now_ms=None):
    """A run delay: a duration (30m, 1h30m) or an ISO-8601 date-time in the future. Returns the value to send.

    ``now_ms`` is the current time in epoch milliseconds (the clock when not given).
    """
    if not isinstance(value, str) or not value.strip():
        raise RunsInputError('%s must be a duration such as 30s, 15m, 2h, 1d, 1w (or 1h30m) or an ISO-8601 date-time; got %r.'
                             % (name, value))
    text = value.strip()
    if parse_duration_ms(text) is not None:
        return text
    at = parse_iso_ms(text)
    if at is None:
        raise RunsInputError('%s must be a duration such as 30s, 15m, 2h, 1d, 1w (or 1h30m) or an ISO-8601 date-time; got %r.'
                             % (name, value))
    # The API refuses a date that is not in the future; say so before any request.
    if at <= (time.time() * 1000 if now_ms is None else now_ms):
        raise RunsInputError('%s %s is not in the future.' % (name, text))
    return text


def validate_ttl(value):
    """ttl: a duration string, or a whole number of seconds (int or digits). Returns the value to send."""
    if isinstance(value, bool):
        raise RunsInputError('ttl must be a duration such as 10m or 1h, or a number of seconds; got %r.' % (value,))
    if isinstance(value, int):
        if value < 0:
            raise RunsInputError('ttl must not be negative.')
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return int(text)
        if parse_duration_ms(text) is not None:
            return text
    raise RunsInputError('ttl must be a duration such as 10m or 1h, or a number of seconds; got %r.' % (value,))


def validate_duration(value, name):
    if not isinstance(value, str) or parse_duration_ms(value) is None:
        raise RunsInputError('%s must be a duration such as 30s, 15m, 2h, 1d or 1w; got %r.' % (name, value))
    return value.strip()


def validate_machine(value, name='machine'):
    if value not in MACHINE_PRESETS:
        raise RunsInputError('%s %r is not a machine preset; use one of %s.' % (name, value, ', '.join(MACHINE_PRESETS)))
    return value


def json_size(value, name='payload'):
    """Bytes of ``value`` as compact JSON; refuses values JSON cannot carry (NaN, sets, objects...)."""
    try:
        text = json.dumps(value, separators=(',', ':'), allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise RunsInputError('%s cannot be sent as JSON: %s' % (name, exc))
    return len(text.encode('utf-8'))


# ---------------------------------------------------------------------- trigger bodies

def build_trigger_options(params, where='', now_ms=None):
    """Module-style trigger options (snake_case, None = unset) -> the API ``options`` object, validated."""
    options = {}
    for name, api_name in TRIGGER_OPTIONS:
        value = params.get(name)
        if value is None:
            continue
        label = where + name
        if name in ('delay',):
            value = validate_delay(value, label, now_ms)
        elif name == 'ttl':
            value = validate_ttl(value)
        elif name == 'idempotency_key_ttl':
            value = validate_duration(value, label)
        elif name == 'machine':
            value = validate_machine(value, label)
        elif name == 'queue':
            value = {'name': value}
        elif name == 'tags':
            if isinstance(value, str):
                value = [value]
            if len(value) > MAX_TAGS:
                raise RunsInputError('%s: a run can have at most %d tags, got %d.' % (label, MAX_TAGS, len(value)))
        elif name == 'idempotency_key':
            if not value or len(value) > MAX_IDEMPOTENCY_KEY:
                raise RunsInputError('%s must be 1 to %d characters long.' % (label, MAX_IDEMPOTENCY_KEY))
        elif name in ('max_attempts', 'max_duration'):
            if value < 1:
                raise RunsInputError('%s must be at least 1.' % label)
        elif name == 'metadata':
            json_size(value, label)
        options[api_name] = value
    return options


def build_trigger_body(payload, options, where=''):
    """The body of POST /api/v1/tasks/{task}/trigger; refused if it is not JSON or over 3 MiB."""
    body = {'payload': payload, 'options': dict(options, payloadType='application/json')}
    json_size(payload, where + 'payload')
    size = json_size(body, where + 'payload')
    if size > MAX_PAYLOAD_BYTES:
        raise RunsInputError('%spayload is too large: the request would be %d bytes and Trigger.dev accepts at most %d (3 MiB).'
                             % (where, size, MAX_PAYLOAD_BYTES))
    return body


def build_batch_items(items, defaults, now_ms=None):
    """Batch items (each a dict with task, payload and options) -> API items, validated.

    ``defaults`` holds the module-level task and trigger options; an item's own values win.
    """
    result = []
    for index, item in enumerate(items):
        where = 'items[%d].' % index
        merged = dict((k, v) for k, v in defaults.items() if v is not None)
        merged.update(dict((k, v) for k, v in item.items() if v is not None))
        task = merged.get('task')
        if not task:
            raise RunsInputError('%stask is not set and there is no task option to fall back on.' % where)
        options = build_trigger_options(merged, where, now_ms)
        body = build_trigger_body(merged.get('payload'), options, where)
        body['task'] = task
        if json_size(body, where + 'payload') > BATCH_MAX_BYTES:
            raise RunsInputError('%spayload is too large for a batch request (at most %d bytes per request); '
                                 'trigger it on its own instead.' % (where, BATCH_MAX_BYTES))
        result.append(body)
    return result


def split_batches(items, max_items=BATCH_MAX_ITEMS, max_bytes=BATCH_MAX_BYTES):
    """Split API batch items into request-sized chunks (by count and by JSON size), keeping their order."""
    chunks = []
    current = []
    size = len('{"items":[]}')
    for item in items:
        item_size = json_size(item) + 1
        if current and (len(current) >= max_items or size + item_size > max_bytes):
            chunks.append(current)
            current = []
            size = len('{"items":[]}')
        current.append(item)
        size += item_size
    if current:
        chunks.append(current)
    return chunks


# ---------------------------------------------------------------------- list filters

def build_list_params(filters, now_ms=None):
    """Module filters -> runs list query parameters (without paging). Validated before any request."""
    params = {}
    for name, param, is_list in LIST_FILTERS:
        value = filters.get(name)
        if value is None or value == []:
            continue
        if is_list:
            if isinstance(value, str):
                value = [value]
            value = [str(v).strip() for v in value if str(v).strip()]
            if not value:
                continue
            if name == 'status':
                bad = [v for v in value if v.upper() not in RUN_STATUSES]
                if bad:
                    raise RunsInputError('status %s is not a run status; use %s.' % (', '.join(bad), ', '.join(RUN_STATUSES)))
                value = [v.upper() for v in value]
            if name == 'machine':
                for v in value:
                    validate_machine(v)
            params[param] = ','.join(value)
        else:
            params[param] = str(value)
    if filters.get('is_test') is not None:
        params['filter[isTest]'] = 'true' if filters['is_test'] else 'false'
    after = before = None
    if filters.get('created_after') is not None:
        after = parse_time_ms(filters['created_after'], 'created_after')
        params['filter[createdAt][from]'] = str(after)
    if filters.get('created_before') is not None:
        before = parse_time_ms(filters['created_before'], 'created_before')
        params['filter[createdAt][to]'] = str(before)
    if after is not None and before is not None and after > before:
        raise RunsInputError('created_after is later than created_before.')
    if filters.get('period') is not None:
        params['filter[createdAt][period]'] = validate_duration(filters['period'], 'period')
    return params


def is_terminal(run):
    return (run or {}).get('status') in TERMINAL_STATUSES


# ---------------------------------------------------------------------- API calls

class RunsAPI:
    """Run and task endpoints on top of a TriggerClient."""

    def __init__(self, client, clock=time.time, sleep=time.sleep):
        self.client = client
        self.clock = clock
        self.sleep = sleep

    # -- reading

    def retrieve(self, run_id, retry_not_found=False):
        """GET /api/v3/runs/{id}. A 404 there carries x-should-retry: true; for an id the user gave
        we do not spend ~9 s retrying it (retry_not_found=False)."""
        return self.client.request('GET', encode_path('api', 'v3', 'runs', run_id), auth=AUTH_SECRET_KEY,
                                   retry_not_found=retry_not_found)

    def list_route(self):
        """(path, auth, extra params, branch) of the runs list for this client's credential."""
        client = self.client
        if client.credential.is_access_token and not client.branch:
            return (encode_path('api', 'v1', 'projects', client.require_project_ref(), 'runs'), AUTH_ACCESS_TOKEN,
                    {'filter[env]': client.runs_env_filter}, False)
        # Secret key (or an access token aimed at a preview branch, which the project route cannot reach:
        # the branch's secret key is resolved and the environment route used).
        return encode_path('api', 'v1', 'runs'), AUTH_SECRET_KEY, {}, True

    def list(self, params=None, limit=100, page_size=MAX_PAGE_SIZE, after=None):
        """Read up to ``limit`` runs (None = all) matching ``params``; returns (runs, next_cursor)."""
        path, auth, extra, branch = self.list_route()
        query = dict(params or {})
        query.update(extra)
        if after:
            query['page[after]'] = after
        return self.client.paginate_cursor(path, params=query, auth=auth, limit=limit, page_size=page_size, branch=branch)

    # -- actions

    def cancel(self, run_id):
        return self.client.request('POST', encode_path('api', 'v2', 'runs', run_id, 'cancel'), auth=AUTH_SECRET_KEY)

    def replay(self, run_id):
        return self.client.request('POST', encode_path('api', 'v1', 'runs', run_id, 'replay'), auth=AUTH_SECRET_KEY)

    def reschedule(self, run_id, delay):
        return self.client.request('POST', encode_path('api', 'v1', 'runs', run_id, 'reschedule'), auth=AUTH_SECRET_KEY,
                                   json_body={'delay': delay})

    def trigger(self, task, body):
        """POST /api/v1/tasks/{task}/trigger -> {id, isCached}. The client sends one request idempotency
        key per call and reuses it on every retry, so a retry never starts a second run."""
        return self.client.request('POST', encode_path('api', 'v1', 'tasks', task, 'trigger'), auth=AUTH_SECRET_KEY,
                                   json_body=body)

    def batch_trigger(self, items):
        """POST /api/v2/tasks/batch once per chunk of at most 500 items / 1 MB -> [{id, runCount}]."""
        batches = []
        for chunk in split_batches(items):
            body = self.client.request('POST', encode_path('api', 'v2', 'tasks', 'batch'), auth=AUTH_SECRET_KEY,
                                       json_body={'items': chunk}) or {}
            batches.append({'id': body.get('id'), 'runCount': body.get('runCount', len(chunk)), 'itemCount': len(chunk)})
        return batches

    def batch_runs(self, batch_id):
        """Every run of a batch, through the runs list filter[batch]."""
        runs, _cursor = self.list({'filter[batch]': batch_id}, limit=None, page_size=MAX_PAGE_SIZE)
        return runs

    # -- waiting

    def wait_for_run(self, run_id, timeout, poll_interval):
        """Poll GET /api/v3/runs/{id} until the run reaches a terminal status; returns the run."""
        deadline = self.clock() + timeout
        run = None
        while True:
            run = self.retrieve(run_id, retry_not_found=True)
            if is_terminal(run):
                return run
            remaining = deadline - self.clock()
            if remaining <= 0:
                raise RunWaitTimeout('Timed out after %ss waiting for run %s; its last status was %s.'
                                     % (timeout, run_id, (run or {}).get('status')), [run])
            self.sleep(min(poll_interval, remaining))

    def wait_for_batches(self, batches, expected, timeout, poll_interval):
        """Poll the runs list (filter[batch]) until ``expected`` runs of the batches are all terminal.

        One list read (one request per 100 runs) per poll instead of one request per run; each run is
        then read once (GET /api/v3/runs/{id}) for its output and error.
        """
        deadline = self.clock() + timeout
        while True:
            runs = []
            for batch in batches:
                runs.extend(self.batch_runs(batch['id']))
            pending = [r for r in runs if not is_terminal(r)]
            if len(runs) >= expected and not pending:
                break
            remaining = deadline - self.clock()
            if remaining <= 0:
                summary = ', '.join('%s %s' % (r.get('id'), r.get('status')) for r in pending[:10])
                missing = max(0, expected - len(runs))
                raise RunWaitTimeout('Timed out after %ss waiting for %d run(s) of batch %s: %d not finished (%s)%s.'
                                     % (timeout, expected, ', '.join(b['id'] for b in batches), len(pending),
                                        summary or 'none listed', ', %d not listed yet' % missing if missing else ''), runs)
            self.sleep(min(poll_interval, remaining))
        return [self.retrieve(r['id'], retry_not_found=True) for r in runs]


def not_found_message(run_id, client):
    return 'Run %s does not exist in the %s environment' % (run_id, client.environment or 'selected')


def run_summary(run):
    """The run as returned by the modules: snake_case keys, output/payload/metadata untouched."""
    return snake_keys(run or {})


def failed_runs(runs):
    return [r for r in runs if (r or {}).get('status') != SUCCESS_STATUS]


def failure_message(runs):
    parts = []
    for run in runs[:10]:
        error = run.get('error') or {}
        text = '%s %s' % (run.get('id'), run.get('status'))
        if isinstance(error, dict) and error.get('message'):
            text += ' (%s)' % error['message']
        parts.append(text)
    more = '' if len(runs) <= 10 else ' and %d more' % (len(runs) - 10)
    return '%d run(s) did not complete successfully: %s%s.' % (len(runs), '; '.join(parts), more)
