# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Runs and tasks: listing, retrieving, cancelling, replaying, rescheduling, triggering and waiting.

This is an internal module of the collection, not a public API: it may change in any release. No Ansible imports.
Every HTTP call goes through TriggerClient; this file knows the routes, bodies and rules (docs/dev/protocol.md#runs,
#triggering and #batches) and the operations of trigger_run_info, trigger_run and trigger_task.
"""

import json
import time
import uuid

from ansible_collections.triggerdev.management.plugins.module_utils._base import Operation
from ansible_collections.triggerdev.management.plugins.module_utils._case import snake_keys
from ansible_collections.triggerdev.management.plugins.module_utils._client import AUTH_PAT, AUTH_SECRET_KEY, encode_path
from ansible_collections.triggerdev.management.plugins.module_utils._errors import TriggerError, TriggerInputError, TriggerNotFound
from ansible_collections.triggerdev.management.plugins.module_utils._time import (
    KEY_TTL_UNITS,
    PERIOD_UNITS,
    SERVER_UNITS,
    duration_ms,
    parse_iso_ms,
    parse_time_ms,
)
from ansible_collections.triggerdev.management.plugins.module_utils._workers import WorkerTasks, environment_label

# Statuses a run never leaves (docs/dev/protocol.md#runs). EXPIRED and TIMED_OUT have isCompleted false on the
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
RETRIEVE_PER_POLL = 50                     # runs read one by one per poll while waiting for a batch
RETRY_KEY_PREFIX = 'triggerdev.management-retry-'   # one-off idempotency keys (with_retry_key)
RETRY_KEY_TTL = '1h'                               # longer than every retry of one call can take

SERVER_DURATION_UNITS = 'w, d, hr (or h), m, s'
# Slugs the project runs list matches in filter[env] (docs/dev/protocol.md#runs: 'staging' gives a 500).
RUNS_ENV_FILTER_SLUG = {'dev': 'dev', 'staging': 'stg', 'prod': 'prod', 'preview': 'preview'}

# Trigger option names (module/snake_case) -> API field names (docs/dev/protocol.md#triggering).
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

# List filters (module option -> query parameter, whether it is a comma list) (docs/dev/protocol.md#runs).
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


class RunWaitTimeout(TriggerError):
    """Waiting for runs took longer than allowed."""

    def __init__(self, message, runs):
        super().__init__(message)
        self.runs = runs


class RunStuck(RunWaitTimeout):
    """A run waited for cannot finish by waiting (PENDING_VERSION: its task is not deployed)."""


# ---------------------------------------------------------------------- validation

def parse_time(value, name):
    """created_after/created_before: ISO-8601, or epoch seconds (below 1e11) or milliseconds -> epoch ms."""
    parsed = parse_time_ms(value)
    if parsed is None:
        raise TriggerInputError('%s must be an ISO-8601 date/time (2024-05-01T12:00:00Z) or an epoch time in seconds or '
                                'milliseconds, not negative; got %r.' % (name, value))
    return parsed


def _delay_error(name, value):
    return TriggerInputError('%s must be a duration in the units the server reads (%s; for example 30s, 15m, 2h, 2hr, '
                             '1h30m, 1d, 1w) or an ISO-8601 date-time in the future; got %r. The server ignores anything '
                             'else and starts the run at once.' % (name, SERVER_DURATION_UNITS, value))


def validate_delay(value, name='delay', now_ms=None):
    """A run delay (trigger, batch items, reschedule): a server duration (30m, 2hr, 1h30m) or an ISO-8601
    date-time in the future. Returns the value to send.

    The server's parseDelay (apps/webapp/app/utils/delays.ts) never fails on a trigger: what it cannot read, or
    a date in the past, means no delay. So everything else is refused here. ``now_ms`` is the current time in
    epoch milliseconds (the clock when not given).
    """
    if not isinstance(value, str) or not value.strip():
        raise _delay_error(name, value)
    text = value.strip()
    if duration_ms(text, SERVER_UNITS) is not None:
        return text
    at = parse_iso_ms(text)
    if at is None:
        raise _delay_error(name, value)
    if at <= (time.time() * 1000 if now_ms is None else now_ms):
        raise TriggerInputError('%s %s is not in the future (the server would start the run at once).' % (name, text))
    return text


def validate_ttl(value):
    """ttl: a server duration string (10m, 1h, 2hr), or a whole number of seconds. Returns the value to send."""
    message = ('ttl must be a duration in the units the server reads (%s; for example 10m or 1h), or a number of '
               'seconds; got %r.' % (SERVER_DURATION_UNITS, value))
    if isinstance(value, bool):
        raise TriggerInputError(message)
    if isinstance(value, int):
        if value < 0:
            raise TriggerInputError('ttl must not be negative.')
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return int(text)
        if duration_ms(text, SERVER_UNITS) is not None:
            return text
    raise TriggerInputError(message)


def validate_idempotency_key_ttl(value, name='idempotency_key_ttl'):
    """One number and one unit of s, m, h, d (30s, 15m, 24h, 7d): all the server understands."""
    text = value.strip() if isinstance(value, str) else value
    if duration_ms(text, KEY_TTL_UNITS, single=True) is None:
        raise TriggerInputError('%s must be one number and one unit of s, m, h or d (for example 30s, 15m, 24h or 7d); got %r. '
                                'The server reads nothing else (not 1w, 1h30m or 500ms) and would keep the key for 30 days '
                                'instead.' % (name, value))
    return text


def validate_duration(value, name):
    if not isinstance(value, str) or duration_ms(value.strip(), PERIOD_UNITS) is None:
        raise TriggerInputError('%s must be a duration such as 30s, 15m, 2h, 1d or 1w; got %r.' % (name, value))
    return value.strip()


def validate_machine(value, name='machine'):
    if value not in MACHINE_PRESETS:
        raise TriggerInputError('%s %r is not a machine preset; use one of %s.' % (name, value, ', '.join(MACHINE_PRESETS)))
    return value


def json_size(value, name='payload'):
    """Bytes of ``value`` as compact JSON; refuses values JSON cannot carry (NaN, sets, objects...)."""
    try:
        text = json.dumps(value, separators=(',', ':'), allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise TriggerInputError('%s cannot be sent as JSON: %s' % (name, exc))
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
            value = validate_idempotency_key_ttl(value, label)
        elif name == 'machine':
            value = validate_machine(value, label)
        elif name == 'queue':
            value = {'name': value}
        elif name == 'tags':
            if isinstance(value, str):
                value = [value]
            if len(value) > MAX_TAGS:
                raise TriggerInputError('%s: a run can have at most %d tags, got %d.' % (label, MAX_TAGS, len(value)))
        elif name == 'idempotency_key':
            if not value or len(value) > MAX_IDEMPOTENCY_KEY:
                raise TriggerInputError('%s must be 1 to %d characters long.' % (label, MAX_IDEMPOTENCY_KEY))
        elif name in ('max_attempts', 'max_duration'):
            if value < 1:
                raise TriggerInputError('%s must be at least 1.' % label)
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
        raise TriggerInputError('%spayload is too large: the request would be %d bytes and Trigger.dev accepts at most %d (3 MiB).'
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
            raise TriggerInputError('%stask is not set and there is no task option to fall back on.' % where)
        options = build_trigger_options(merged, where, now_ms)
        body = build_trigger_body(merged.get('payload'), options, where)
        body['task'] = task
        if json_size(body, where + 'payload') > BATCH_MAX_BYTES:
            raise TriggerInputError('%spayload is too large for a batch request (at most %d bytes per request); '
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
                    raise TriggerInputError('status %s is not a run status; use %s.' % (', '.join(bad), ', '.join(RUN_STATUSES)))
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
        after = parse_time(filters['created_after'], 'created_after')
        params['filter[createdAt][from]'] = str(after)
    if filters.get('created_before') is not None:
        before = parse_time(filters['created_before'], 'created_before')
        params['filter[createdAt][to]'] = str(before)
    if after is not None and before is not None and after > before:
        raise TriggerInputError('created_after is later than created_before.')
    if filters.get('period') is not None:
        params['filter[createdAt][period]'] = validate_duration(filters['period'], 'period')
    return params


def with_retry_key(body):
    """(body, one_off): a trigger body or batch item that carries an idempotency key, and whether it is ours.

    The server at the version the collection follows never honours x-trigger-request-idempotency-key (the routes
    hash it before a check that only takes UUIDs; docs/dev/protocol.md#triggering), so a retry after a lost answer
    would start a second run. A body without the user's key gets a one-off key, kept RETRY_KEY_TTL: a retry then
    returns the run the first attempt made. Unique per call, it never merges two calls."""
    options = body.get('options') or {}
    if options.get('idempotencyKey'):
        return body, False
    options = dict(options, idempotencyKey=RETRY_KEY_PREFIX + str(uuid.uuid4()), idempotencyKeyTTL=RETRY_KEY_TTL)
    return dict(body, options=options), True


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
        credential = client.credential
        if credential.is_access_token and credential.token_type == 'pat' and not client.branch:
            return (encode_path('api', 'v1', 'projects', client.require_project_ref(), 'runs'), AUTH_PAT,
                    {'filter[env]': RUNS_ENV_FILTER_SLUG[client.require_environment()]}, False)
        # Secret key, an organization access token (the project route takes PATs only) or an access token aimed
        # at a preview branch (which the project route cannot reach): the environment's secret key is resolved
        # through the key bootstrap and the environment route used (docs/dev/protocol.md#auth).
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
        """POST /api/v1/tasks/{task}/trigger -> {id, isCached}.

        Without the user's idempotency key the body carries a one-off key (with_retry_key), so a retry after a lost
        answer returns the run already made; the run was still made by this call, so isCached is reported false."""
        body, one_off = with_retry_key(body)
        answer = self.client.request('POST', encode_path('api', 'v1', 'tasks', task, 'trigger'), auth=AUTH_SECRET_KEY,
                                     json_body=body) or {}
        if one_off:
            answer['isCached'] = False
        return answer

    def batch_trigger(self, items):
        """POST /api/v2/tasks/batch once per chunk of at most 500 items / 1 MB -> [{id, runCount}].

        Items without the user's idempotency key carry a one-off key each (with_retry_key)."""
        batches = []
        for chunk in split_batches([with_retry_key(item)[0] for item in items]):
            body = self.client.request('POST', encode_path('api', 'v2', 'tasks', 'batch'), auth=AUTH_SECRET_KEY,
                                       json_body={'items': chunk}) or {}
            batches.append({'id': body.get('id'), 'runCount': body.get('runCount', len(chunk)), 'itemCount': len(chunk)})
        return batches

    def batch_runs(self, batch_id):
        """The runs of a batch as the runs list shows them (filter[batch]); the list lags behind (ClickHouse)."""
        runs, _cursor = self.list({'filter[batch]': batch_id}, limit=None, page_size=MAX_PAGE_SIZE)
        return runs

    def retrieve_batch(self, batch_id):
        """GET /api/v1/batches/{id} -> {id, status, runCount, runs: [run ids]}, read from the primary store
        (docs/dev/protocol.md#batches). A just-created batch may answer 404 with x-should-retry: true."""
        return self.client.request('GET', encode_path('api', 'v1', 'batches', batch_id), auth=AUTH_SECRET_KEY) or {}

    def batch_run_ids(self, batches, timeout, poll_interval):
        """The run ids of every batch, in item order, once the server has created them all.

        A v2 batch of more than 20 items is processed after the 202, so its runs appear a moment later:
        the batch is read again until it holds runCount runs, for at most ``timeout`` seconds.
        """
        deadline = self.clock() + timeout
        ids = {}
        while True:
            for batch in batches:
                if batch['id'] in ids:
                    continue
                body = self.retrieve_batch(batch['id'])
                runs = [r for r in (body.get('runs') or []) if isinstance(r, str)]
                expected = body.get('runCount', batch.get('runCount')) or 0
                if len(runs) >= expected:
                    ids[batch['id']] = runs
            waiting = [b['id'] for b in batches if b['id'] not in ids]
            if not waiting:
                return [run_id for batch in batches for run_id in ids[batch['id']]]
            remaining = deadline - self.clock()
            if remaining <= 0:
                raise RunWaitTimeout('Timed out after %ss waiting for the server to create the runs of batch %s.'
                                     % (timeout, ', '.join(waiting)), [])
            self.sleep(min(poll_interval, remaining))

    # -- waiting

    def wait_for_run(self, run_id, timeout, poll_interval, stuck=None):
        """Poll GET /api/v3/runs/{id} until the run reaches a terminal status; returns the run.

        ``stuck(runs)`` may raise to stop waiting early (a run that cannot finish, see pending_version_check).
        """
        deadline = self.clock() + timeout
        run = None
        while True:
            run = self.retrieve(run_id, retry_not_found=True)
            if is_terminal(run):
                return run
            if stuck is not None:
                stuck([run])
            remaining = deadline - self.clock()
            if remaining <= 0:
                raise RunWaitTimeout('Timed out after %ss waiting for run %s; its last status was %s.'
                                     % (timeout, run_id, (run or {}).get('status')), [run])
            self.sleep(min(poll_interval, remaining))

    def wait_for_batches(self, batches, run_ids, timeout, poll_interval, stuck=None):
        """Wait until every run in ``run_ids`` (the batches' own list, see batch_run_ids) is terminal.

        Each poll reads the runs list filtered by batch (one request per 100 runs). The list lags behind,
        so it is only trusted for runs it already shows as finished (statuses only move forward); runs it
        does not show (not replicated yet, or an earlier run returned for an idempotency key, which belongs
        to another batch) are read one by one, at most RETRIEVE_PER_POLL per poll. Every run is then read
        once (GET /api/v3/runs/{id}) for its output and error.
        """
        deadline = self.clock() + timeout
        order = list(run_ids)
        finished = {}
        while True:
            pending = [run_id for run_id in order if run_id not in finished]
            listed = {}
            if pending:
                for batch in batches:
                    for run in self.batch_runs(batch['id']):
                        listed[run.get('id')] = run
            for run_id in pending:
                if is_terminal(listed.get(run_id)):
                    finished[run_id] = None
            unlisted = [run_id for run_id in pending if run_id not in finished and run_id not in listed]
            for run_id in unlisted[:RETRIEVE_PER_POLL]:
                run = self.retrieve(run_id, retry_not_found=True)
                listed[run_id] = run
                if is_terminal(run):
                    finished[run_id] = run
            pending = [run_id for run_id in order if run_id not in finished]
            if not pending:
                break
            if stuck is not None:
                stuck([listed[run_id] for run_id in pending if listed.get(run_id)])
            remaining = deadline - self.clock()
            if remaining <= 0:
                summary = ', '.join('%s %s' % (run_id, (listed.get(run_id) or {}).get('status', 'unknown'))
                                    for run_id in pending[:10])
                raise RunWaitTimeout('Timed out after %ss waiting for %d run(s) of batch %s: %d not finished (%s).'
                                     % (timeout, len(order), ', '.join(b['id'] for b in batches), len(pending), summary),
                                     [listed.get(run_id) or {'id': run_id} for run_id in order])
            self.sleep(min(poll_interval, remaining))
        return [finished[run_id] or self.retrieve(run_id, retry_not_found=True) for run_id in order]

    def listed_batch_runs(self, batches):
        """{run id: run} of the batches as the (lagging) runs list shows them now."""
        listed = {}
        for batch in batches:
            for run in self.batch_runs(batch['id']):
                listed[run.get('id')] = run
        return listed

    def created_new_run(self, batches, run_ids, listed=(), retrieved=None):
        """Whether any run of the batches is new rather than an earlier run returned for its idempotency key.

        A batch holds both (docs/dev/protocol.md#batches): a new run belongs to the batch (its batchId), an earlier
        one to its own batch or none. ``listed`` are ids the runs list showed under filter[batch] (only a batch's own
        runs); ``retrieved`` maps ids to runs already read. Other runs are read one by one until a new one is found.
        """
        ids = set(b['id'] for b in batches)
        retrieved = retrieved or {}
        if any(run_id in listed for run_id in run_ids):
            return True
        for run_id in run_ids:
            run = retrieved.get(run_id)
            if run is None:
                run = self.retrieve(run_id, retry_not_found=True) or {}
            if run.get('batchId') in ids:
                return True
        return False


def _task_of(run):
    return (run or {}).get('taskIdentifier') or (run or {}).get('task_identifier') or 'unknown'


def pending_version_message(runs, client):
    """Why runs in PENDING_VERSION do not finish by waiting, and what to check (docs/dev/protocol.md#runs)."""
    env = environment_label(client)
    tasks = ', '.join(repr(t) for t in sorted(set(_task_of(r) for r in runs)))
    ids = ', '.join(str(r.get('id')) for r in runs[:5]) + (' and %d more' % (len(runs) - 5) if len(runs) > 5 else '')
    return ('Run %s of task %s is waiting in PENDING_VERSION in the %s environment: the version running there does not '
            'have the task, so the run will not start until a version with it is deployed. Check the task id (its '
            'spelling, as in task({ id })) and that the task is deployed to %s (trigger.dev deploy; `trigger dev` for '
            'dev). The run stays queued; cancel it with triggerdev.management.trigger_run state=canceled.'
            % (ids, tasks, env, env))


def expired_hint(runs, client):
    """The advice added to a failure with EXPIRED runs."""
    expired = [r for r in runs if (r or {}).get('status') == 'EXPIRED']
    if not expired:
        return ''
    env = environment_label(client)
    tasks = ', '.join(repr(t) for t in sorted(set(_task_of(r) for r in expired)))
    return (' Task %s EXPIRED in the %s environment: nothing started the run within its TTL. Check the task id (spelling) '
            'and that the task is deployed to %s with a worker running (in dev, `trigger dev`).' % (tasks, env, env))


def pending_version_check(client):
    """A ``stuck`` callback for the waits: fail as soon as a run is seen in PENDING_VERSION.

    A run reaches PENDING_VERSION only when a worker dequeued it and the current version lacks its task; from
    there only a deploy moves it, so waiting for wait_timeout would only hide the cause."""
    def check(runs):
        parked = [r for r in runs if (r or {}).get('status') == 'PENDING_VERSION']
        if parked:
            raise RunStuck(pending_version_message(parked, client), runs)
    return check


def not_found_message(run_id, client):
    return 'Run %s does not exist in the %s environment' % (run_id, client.environment or 'selected')


def run_summary(run):
    """The run as returned by the modules: snake_case keys, output/payload/metadata untouched."""
    return snake_keys(run or {})


def failed_runs(runs):
    return [r for r in runs if (r or {}).get('status') != SUCCESS_STATUS]


def failure_message(runs, client=None):
    parts = []
    for run in runs[:10]:
        error = run.get('error') or {}
        text = '%s %s' % (run.get('id'), run.get('status'))
        if isinstance(error, dict) and error.get('message'):
            text += ' (%s)' % error['message']
        parts.append(text)
    more = '' if len(runs) <= 10 else ' and %d more' % (len(runs) - 10)
    text = '%d run(s) did not complete successfully: %s%s.' % (len(runs), '; '.join(parts), more)
    return text + (expired_hint(runs, client) if client is not None else '')


# ---------------------------------------------------------------------- operations

CREATED = 'created'
EXISTING = 'existing'


class RunRead(Operation):
    """trigger_run_info: one run by id (missing = error), or the runs the filters select, newest first."""

    resource_key = 'runs'
    reports_actions = False

    def __init__(self, client, check_mode=False, run_id=None, filters=None, limit=100, page_size=MAX_PAGE_SIZE, after=None, fields=None):
        super().__init__(client, check_mode)
        self.fields = [name.strip() for name in fields or [] if name and name.strip()] or None
        if limit < 0:
            raise TriggerInputError('limit must be 0 (every run) or more.')
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise TriggerInputError('page_size must be between 1 and %d.' % MAX_PAGE_SIZE)
        self.run_id = run_id
        self.params = build_list_params(filters or {}) if not run_id else None
        self.limit = limit or None
        self.page_size = page_size
        self.after = after

    def run(self):
        api = RunsAPI(self.client)
        if self.run_id:
            return self.finish([self._shown(retrieve_existing(api, self.run_id))], next_cursor=None)
        runs, cursor = api.list(self.params, limit=self.limit, page_size=self.page_size, after=self.after)
        return self.finish([self._shown(r) for r in runs], next_cursor=cursor)

    def _shown(self, run):
        """The run as returned: every field, or only ``fields`` (a smaller result is faster for Ansible to handle)."""
        summary = run_summary(run)
        if self.fields is None:
            return summary
        return dict((name, summary[name]) for name in self.fields if name in summary)


def retrieve_existing(api, run_id):
    """A run the user named; a clear error when the environment has no such run."""
    try:
        return api.retrieve(run_id)
    except TriggerNotFound as exc:
        exc.args = ('%s: %s' % (not_found_message(run_id, api.client), exc),)
        raise


class Waiting(Operation):
    """What trigger_run and trigger_task share: waiting for runs, and failing on runs that did not complete."""

    resource_key = 'run'
    reports_actions = False

    def __init__(self, client, check_mode, wait=False, wait_timeout=600, poll_interval=2.0, fail_on_run_failure=True):
        super().__init__(client, check_mode)
        if wait_timeout < 0 or poll_interval <= 0:
            raise TriggerInputError('wait_timeout must be 0 or more and poll_interval more than 0.')
        self.api = RunsAPI(client)
        self.wait = wait
        self.wait_timeout = wait_timeout
        self.poll_interval = poll_interval
        self.fail_on_run_failure = fail_on_run_failure

    def end(self, runs, single=True, **values):
        """Finish with the run(s); fail (keeping them in the result) when one did not complete and that matters."""
        outcome = self.finish(runs[0] if single else runs, **values)
        failed = failed_runs(runs) if self.wait else []
        if failed and self.fail_on_run_failure:
            outcome.failure = failure_message(failed, self.client)
        return outcome

    def timed_out(self, exc, runs, single=True, **values):
        outcome = self.finish(runs[0] if single else runs, **values)
        outcome.failure = str(exc)
        return outcome


class RunAction(Waiting):
    """trigger_run: cancel, replay or reschedule one run.

    Cancel and reschedule act on the run (``acted_on: existing``) and change nothing when it is already so; a replay
    always creates a new run (``acted_on: created``) and is not idempotent."""

    STATES = ('canceled', 'replayed', 'rescheduled')

    def __init__(self, client, check_mode, run_id, state, delay=None, **waiting):
        super().__init__(client, check_mode, **waiting)
        if state not in self.STATES:
            raise TriggerInputError('state must be one of %s.' % ', '.join(self.STATES))
        if delay is not None and state != 'rescheduled':
            raise TriggerInputError('delay is only used with state=rescheduled.')
        if self.wait and state != 'replayed':
            raise TriggerInputError('wait is only used with state=replayed.')
        if state == 'rescheduled' and delay is None:
            raise TriggerInputError('state=rescheduled needs delay.')
        self.run_id = run_id
        self.state = state
        self.delay = validate_delay(delay) if state == 'rescheduled' else None

    def run(self):
        current = retrieve_existing(self.api, self.run_id)
        return {'canceled': self._cancel, 'replayed': self._replay, 'rescheduled': self._reschedule}[self.state](current)

    def _cancel(self, current):
        before = {'id': self.run_id, 'status': current.get('status')}
        if is_terminal(current):
            return self.finish(run_summary(current), before, before, acted_on=EXISTING)
        run = self.write('cancel %s' % self.run_id, self._cancel_and_read, predicted=dict(current, status='CANCELED'))
        return self.finish(run_summary(run), before, {'id': self.run_id, 'status': 'CANCELED'}, acted_on=EXISTING)

    def _cancel_and_read(self):
        self.api.cancel(self.run_id)
        return self.api.retrieve(self.run_id)

    def _replay(self, current):
        answer = self.write('replay %s' % self.run_id, self.api.replay, self.run_id)
        run = {'id': (answer or {}).get('id'), 'task_identifier': current.get('taskIdentifier')}
        values = dict(acted_on=CREATED, replayed_from=self.run_id)
        if not self.wait or answer is None:
            return self.finish(run, **values)
        try:
            full = self.api.wait_for_run(run['id'], self.wait_timeout, self.poll_interval)
        except RunWaitTimeout as exc:
            return self.timed_out(exc, [run_summary(exc.runs[0])], **values)
        return self.end([run_summary(full)], **values)

    def _reschedule(self, current):
        before = {'id': self.run_id, 'status': current.get('status'), 'delayed_until': current.get('delayedUntil')}
        target = parse_iso_ms(self.delay)
        if current.get('status') == 'DELAYED' and target is not None and target == parse_iso_ms(current.get('delayedUntil')):
            return self.finish(run_summary(current), before, before, acted_on=EXISTING)
        if current.get('status') != 'DELAYED':
            # The API refuses it too (400 Cannot reschedule a run that is not delayed); said here, before any write.
            raise TriggerInputError('Cannot reschedule run %s: only a DELAYED run can be rescheduled and it is %s.'
                                    % (self.run_id, current.get('status')))
        updated = self.write('reschedule %s' % self.run_id, self.api.reschedule, self.run_id, self.delay)
        after = dict(before, delayed_until=(updated or {}).get('delayedUntil', self.delay))
        return self.finish(run_summary(updated or current), before, after, acted_on=EXISTING)


class TriggerRuns(Waiting):
    """trigger_task: trigger one run (``payload``) or a batch (``items``), optionally wait for them.

    Bodies are built and checked before any request; with an access token the task ids are checked against the
    environment's current worker first. ``acted_on`` is ``existing`` only when every run was an earlier one
    returned for its idempotency key."""

    def __init__(self, client, check_mode, task=None, payload=None, items=None, options=None, **waiting):
        super().__init__(client, check_mode, **waiting)
        defaults = dict((name, (options or {}).get(name)) for name in TRIGGER_OPTION_NAMES)
        self.task = task
        if items is not None:
            if not items:
                raise TriggerInputError('items is empty: there is nothing to trigger.')
            defaults['task'] = task
            self.items = build_batch_items(items, defaults)
            self.outcome.key = 'runs'
        else:
            self.items = None
            self.body = build_trigger_body(payload, build_trigger_options(defaults))

    def run(self):
        WorkerTasks(self.client).check([self.task] if self.items is None else [i['task'] for i in self.items])
        return self._single() if self.items is None else self._batch()

    def _single(self):
        answer = self.write('trigger %s' % self.task, self.api.trigger, self.task, self.body)
        if answer is None:
            return self.finish({'id': None, 'is_cached': None, 'task_identifier': self.task}, acted_on=CREATED,
                               would_trigger=[{'task': self.task, 'options': self.body['options']}])
        cached = bool(answer.get('isCached'))
        self.outcome.changed = not cached
        run = {'id': answer.get('id'), 'is_cached': cached, 'task_identifier': self.task}
        values = dict(acted_on=EXISTING if cached else CREATED)
        if not self.wait:
            return self.finish(run, **values)
        try:
            full = self.api.wait_for_run(run['id'], self.wait_timeout, self.poll_interval, stuck=pending_version_check(self.client))
        except RunWaitTimeout as exc:
            return self.timed_out(exc, [dict(run_summary(exc.runs[0]), is_cached=cached)], **values)
        return self.end([dict(run_summary(full), is_cached=cached)], **values)

    def _batch(self):
        """Run ids come from the batches themselves (GET /api/v1/batches/{id}), never from the lagging runs list."""
        items = self.items
        batches = self.write('trigger a batch of %d' % len(items), self.api.batch_trigger, items)
        if batches is None:
            return self.finish([], batches=[], acted_on=CREATED,
                               would_trigger=[{'task': i['task'], 'options': i['options']} for i in items])
        values = {'batches': [snake_keys(dict((k, b[k]) for k in ('id', 'runCount'))) for b in batches]}
        # With the user's idempotency keys a batch may hold earlier runs returned for their key: changed only if one is new.
        keyed = any(item['options'].get('idempotencyKey') for item in items)
        try:
            run_ids = self.api.batch_run_ids(batches, self.wait_timeout, self.poll_interval)
        except RunWaitTimeout as exc:
            return self.timed_out(exc, [], single=False, acted_on=CREATED, **values)
        if not self.wait:
            listed = self.api.listed_batch_runs(batches)
            new = not keyed or self.api.created_new_run(batches, run_ids, listed=listed)
            return self._batch_end([run_summary(listed.get(i) or {'id': i}) for i in run_ids], new, values)
        try:
            runs = self.api.wait_for_batches(batches, run_ids, self.wait_timeout, self.poll_interval,
                                             stuck=pending_version_check(self.client))
        except RunWaitTimeout as exc:
            return self.timed_out(exc, [run_summary(r) for r in exc.runs], single=False, acted_on=CREATED, **values)
        new = not keyed or self.api.created_new_run(batches, run_ids, retrieved=dict((r.get('id'), r) for r in runs))
        return self._batch_end([run_summary(r) for r in runs], new, values)

    def _batch_end(self, runs, new, values):
        self.outcome.changed = new
        return self.end(runs, single=False, acted_on=CREATED if new else EXISTING, **values)
