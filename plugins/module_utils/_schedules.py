# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Schedules (docs/dev/protocol.md#schedules): endpoint calls, local validation, comparison and planning.

No Ansible imports, so modules, lookups and tests reuse it. Everything the API does not do for
us lives here:

* the dedup key is per *project* on Trigger.dev, so by default the key sent is namespaced with the
  environment (``<environment>:<key>``, ``preview:<branch>:<key>`` for a preview branch);
* a schedule is read first (``GET /api/v1/schedules/{key or id}``) and written only when it differs;
* writes go through the dedup-key upsert with the full desired body (the upsert resets an omitted
  timezone, externalId and window), never through ``PUT`` on an id that may not exist;
* a changed task is a delete + re-create; ``active`` maps to activate/deactivate;
* ``DECLARATIVE`` schedules (defined in task code) may only have ``active`` toggled.
"""

import re

from ansible_collections.triggerdev.management.plugins.module_utils._base import Operation
from ansible_collections.triggerdev.management.plugins.module_utils._client import AUTH_NONE, AUTH_SECRET_KEY, encode_path
from ansible_collections.triggerdev.management.plugins.module_utils._cron import normalize_cron, validate_cron
from ansible_collections.triggerdev.management.plugins.module_utils._errors import TriggerAPIError, TriggerError, TriggerInputError, TriggerNotFound

from ansible_collections.triggerdev.management.plugins.module_utils._timezones import ALIASES, LISTED
from ansible_collections.triggerdev.management.plugins.module_utils._workers import WorkerTasks

SCHEDULE_ID_PREFIX = 'sched_'
TYPE_IMPERATIVE = 'IMPERATIVE'
TYPE_DECLARATIVE = 'DECLARATIVE'
FIELDS = ('task', 'cron', 'timezone', 'external_id', 'window', 'active')
WRITE_FIELDS = ('task', 'cron', 'timezone', 'external_id', 'window')
DEFAULT_TIMEZONE = 'UTC'
LIST_PAGE_SIZE = 100


# ---------------------------------------------------------------------------------------------- window

# core/schemas/scheduleWindow.ts: no leading zeros; v3/scheduleWindow.server.ts stores minutes and reads them back
# normalised (docs/dev/protocol.md#schedules).
_WINDOW_RE = re.compile(r'^(\d+)(m|h|%)$')


def normalize_window(window):
    """The form the server reads a window back in: whole hours as Nh, zero as 0m (60m -> 1h, 0h -> 0m).

    A percentage is unchanged; a value that is not a window is returned as it is."""
    if not isinstance(window, str):
        return window
    match = _WINDOW_RE.match(window.strip())
    if not match:
        return window
    amount, unit = int(match.group(1)), match.group(2)
    if unit == '%':
        return '%d%%' % amount
    minutes = amount * (60 if unit == 'h' else 1)
    if minutes == 0:
        return '0m'
    if minutes % 60 == 0:
        return '%dh' % (minutes // 60)
    return '%dm' % minutes


def validate_window(window):
    """``Nm`` / ``Nh`` (whole minutes or hours, at most 24 hours) or ``N%`` (0-100), no leading zeros. '' means no window.

    Returns the normalised window (see normalize_window)."""
    if window is None or window == '':
        return window
    text = str(window).strip()
    match = _WINDOW_RE.match(text)
    if not match:
        raise TriggerInputError('Invalid window %r: use whole minutes or hours such as "30m" or "2h" (at most 24 hours), '
                                'or a percentage of the cron interval such as "25%%".' % (window,))
    if len(match.group(1)) > 1 and match.group(1).startswith('0'):
        raise TriggerInputError('Invalid window %r: the server refuses leading zeros; write %r.'
                                % (window, '%d%s' % (int(match.group(1)), match.group(2))))
    amount, unit = int(match.group(1)), match.group(2)
    if unit == '%' and amount > 100:
        raise TriggerInputError('Invalid window %r: a percentage must be between 0 and 100.' % (window,))
    if unit != '%' and amount * (60 if unit == 'm' else 3600) > 24 * 3600:
        raise TriggerInputError('Invalid window %r: at most 24 hours (24h or 1440m).' % (window,))
    return normalize_window(text)


# ---------------------------------------------------------------------------------------------- timezone

def validate_timezone(name):
    """The name to send for ``name``: the server's own name of that zone (docs/dev/protocol.md#schedules).

    The server accepts exactly its Node's Intl list plus UTC (LISTED in _timezones.py), which often holds the legacy
    name of a zone (Asia/Calcutta, Europe/Kiev). Another IANA name of a listed zone (Asia/Kolkata, Europe/Kyiv,
    Etc/UTC) is translated to the listed one (ALIASES); anything else is refused before any request.
    """
    if name is None:
        return None
    if not isinstance(name, str) or not name.strip():
        raise TriggerInputError('timezone is empty: give an IANA name such as "UTC" or "Europe/London".')
    if name in LISTED:
        return name
    if name in ALIASES:
        return ALIASES[name]
    lower = name.strip().lower()
    close = sorted(n for n in list(LISTED) + list(ALIASES) if n.lower() == lower)
    hint = (' Did you mean %s?' % close[0]) if close else ''
    raise TriggerInputError('Unknown timezone %r: Trigger.dev accepts the IANA names its server lists (GET /api/v1/timezones), '
                            'such as "UTC", "America/New_York" or "Europe/London", and other names of the same zones.%s'
                            % (name, hint))


# ---------------------------------------------------------------------------------------------- keys

def scope_prefix(environment, branch=None):
    """The namespace put in front of a dedup key: '<environment>:' or 'preview:<branch>:'."""
    if branch:
        return '%s:%s:' % (environment, branch)
    return '%s:' % environment


def api_dedup_key(key, environment, branch=None, scoped=True):
    """The deduplicationKey sent to the API for the user's ``key``."""
    return scope_prefix(environment, branch) + key if scoped else key


def user_dedup_key(api_key, environment, branch=None, scoped=True):
    """The user's key for a deduplicationKey read from the API (the inverse of api_dedup_key)."""
    if api_key is None:
        return None
    prefix = scope_prefix(environment, branch)
    if scoped and api_key.startswith(prefix):
        return api_key[len(prefix):]
    return api_key


def validate_key(key, sent):
    if key is None or not str(key).strip():
        raise TriggerInputError('deduplication_key is empty: give the key that identifies the schedule.')
    if key != key.strip():
        raise TriggerInputError('deduplication_key %r has leading or trailing whitespace.' % key)
    if sent.startswith(SCHEDULE_ID_PREFIX):
        raise TriggerInputError('deduplication_key %r starts with "sched_": the API reads such a value as a schedule id, '
                                'so the schedule could never be found again by its key. Choose another key.' % sent)
    return key


def validate_id(schedule_id):
    if not schedule_id or not str(schedule_id).startswith(SCHEDULE_ID_PREFIX) or len(schedule_id) <= len(SCHEDULE_ID_PREFIX):
        raise TriggerInputError('id %r is not a schedule id: schedule ids start with "sched_". '
                                'To address a schedule by its key use deduplication_key.' % (schedule_id,))
    return schedule_id


# ---------------------------------------------------------------------------------------------- objects

def _snake(name):
    return re.sub(r'(?<=[a-z0-9])([A-Z])', lambda m: '_' + m.group(1).lower(), name)


def fields_of(obj):
    """The comparable fields of an API schedule object."""
    generator = obj.get('generator') or {}
    return {
        'task': obj.get('task'),
        'cron': normalize_cron(generator.get('expression')),
        'timezone': obj.get('timezone') or DEFAULT_TIMEZONE,
        'external_id': obj.get('externalId') or None,
        'window': normalize_window(obj.get('window')) or None,
        'active': bool(obj.get('active')),
    }


def schedule_view(obj, environment=None, branch=None, scoped=True):
    """An API schedule object as returned by the modules (snake_case)."""
    generator = obj.get('generator') or {}
    raw_key = obj.get('deduplicationKey')
    view = fields_of(obj)
    view.update({
        'id': obj.get('id'),
        'type': obj.get('type'),
        'cron_description': generator.get('description'),
        'deduplication_key': user_dedup_key(raw_key, environment, branch, scoped) if environment else raw_key,
        'api_deduplication_key': raw_key,
        'next_run': obj.get('nextRun'),
        'next_run_effective_at': obj.get('nextRunEffectiveAt'),
        'environments': [dict((_snake(k), v) for k, v in env.items()) for env in (obj.get('environments') or [])
                         if isinstance(env, dict)],
    })
    return view


def matches(view, task=None, schedule_type=None, active=None, external_id=None):
    """Client-side filters of trigger_schedule_info (the list endpoint has none)."""
    if task is not None and view.get('task') != task:
        return False
    if schedule_type is not None and view.get('type') != schedule_type:
        return False
    if active is not None and bool(view.get('active')) != active:
        return False
    if external_id is not None and (view.get('external_id') or '') != external_id:
        return False
    return True


# ---------------------------------------------------------------------------------------------- API

class ScheduleAPI:
    """The schedule endpoints (secret key only; an access token resolves the environment's key)."""

    def __init__(self, client):
        self.client = client

    @staticmethod
    def path(*segments):
        return encode_path('api', 'v1', 'schedules', *segments)

    def get(self, ident):
        """The schedule addressed by id or dedup key, or None on 404."""
        try:
            return self.client.request('GET', self.path(ident), auth=AUTH_SECRET_KEY, retry_not_found=False)
        except TriggerNotFound:
            return None

    def list_all(self):
        return self.client.paginate_pages(self.path(), auth=AUTH_SECRET_KEY, per_page=LIST_PAGE_SIZE)

    def upsert(self, body):
        return self.client.request('POST', self.path(), auth=AUTH_SECRET_KEY, json_body=body)

    def replace(self, schedule_id, body):
        return self.client.request('PUT', self.path(schedule_id), auth=AUTH_SECRET_KEY, json_body=body)

    def set_active(self, schedule_id, active):
        return self.client.request('POST', self.path(schedule_id, 'activate' if active else 'deactivate'), auth=AUTH_SECRET_KEY)

    def delete(self, schedule_id):
        """True if deleted, False if it was already gone (404)."""
        try:
            self.client.request('DELETE', self.path(schedule_id), auth=AUTH_SECRET_KEY, retry_not_found=False)
        except TriggerNotFound:
            return False
        return True

    def timezones(self):
        body = self.client.request('GET', encode_path('api', 'v1', 'timezones'), auth=AUTH_NONE, branch=False) or {}
        return body.get('timezones') or []


# ---------------------------------------------------------------------------------------------- planning

def normalize_desired(desired):
    """User input -> comparable values; None means 'not managed, keep the current value'."""
    out = {}
    for name in FIELDS:
        value = desired.get(name)
        if name == 'cron' and value is not None:
            value = normalize_cron(value)
        if name in ('external_id', 'window') and value == '':
            value = ''  # explicit "none"
        out[name] = value
    return out


def _eq(name, wanted, current):
    if name in ('external_id', 'window'):
        return (wanted or None) == (current or None)
    return wanted == current


def changed_fields(current, desired):
    """Names of the managed fields whose desired value differs from ``current`` (both as fields_of)."""
    return [name for name in FIELDS if desired.get(name) is not None and not _eq(name, desired[name], current.get(name))]


def merged_fields(current, desired):
    """The complete schedule after applying ``desired`` to ``current`` (or to the defaults when creating)."""
    base = dict(current) if current else {'timezone': DEFAULT_TIMEZONE, 'external_id': None, 'window': None, 'active': True}
    for name in FIELDS:
        if desired.get(name) is not None:
            base[name] = desired[name]
    for name in ('external_id', 'window'):
        base[name] = base.get(name) or None
    return base


def request_body(fields, dedup_key=None):
    """The full body for the upsert / replace: timezone always; externalId and window when set (omitted = none)."""
    body = {'task': fields['task'], 'cron': fields['cron'], 'timezone': fields.get('timezone') or DEFAULT_TIMEZONE}
    if fields.get('external_id'):
        body['externalId'] = fields['external_id']
    if fields.get('window'):
        body['window'] = fields['window']
    if dedup_key is not None:
        body['deduplicationKey'] = dedup_key
    return body


def diff_view(fields, key=None, schedule_id=None):
    if not fields:
        return {}
    view = dict((name, fields.get(name)) for name in FIELDS)
    if key is not None:
        view['deduplication_key'] = key
    if schedule_id is not None:
        view['id'] = schedule_id
    return view


class ScheduleState(Operation):
    """trigger_schedule (one schedule): read it, compare, and write only what differs.

    Writes go through the dedup-key upsert with the full desired body; a changed task is a delete + re-create;
    ``active`` maps to activate/deactivate; DECLARATIVE schedules may only have ``active`` toggled.
    """

    resource_key = 'schedule'

    def __init__(self, client, check_mode, key=None, schedule_id=None, state='present', desired=None, scoped=True):
        super().__init__(client, check_mode)
        self.api = ScheduleAPI(client)
        self.scoped = scoped
        self.key = key
        self.schedule_id = schedule_id
        self.state = state
        self.desired = self._validated(desired or {})
        self.changes = []
        self.recreated = False
        self.lookup = self.api.get  # a schedule by id or dedup key, or None (ScheduleSet answers from its listing)

    # -- addressing and validation (before any request)

    @property
    def environment(self):
        return self.client.require_environment()

    def sent_key(self, key):
        return api_dedup_key(key, self.environment, self.client.branch, self.scoped)

    def view(self, obj):
        return schedule_view(obj, self.environment, self.client.branch, self.scoped)

    def _validated(self, desired):
        if (self.key is None) == (self.schedule_id is None):
            raise TriggerInputError('Give exactly one of deduplication_key and id.')
        if self.schedule_id is not None:
            validate_id(self.schedule_id)
        else:
            validate_key(self.key, self.sent_key(self.key))
        if desired.get('task') is not None and not str(desired['task']).strip():
            raise TriggerInputError('task is empty: give the id of a scheduled task (schedules.task).')
        if desired.get('cron') is not None:
            validate_cron(desired['cron'])
        desired = dict(desired)
        desired['window'] = validate_window(desired.get('window'))
        timezone = desired.get('timezone')
        desired['timezone'] = validate_timezone(timezone)
        if timezone is not None and desired['timezone'] != timezone:
            self.warn('timezone %s is sent as %s: the server lists that zone under this name only (it refuses %s).'
                      % (timezone, desired['timezone'], timezone))
        return normalize_desired(desired)

    def read(self):
        return self.api.get(self.schedule_id if self.schedule_id is not None else self.sent_key(self.key))

    def run(self):
        return self.apply(self.read())

    def before_first_write(self):
        # With an access token: the task must be a scheduled task of the current worker, before any write (a run
        # that writes nothing does not need it). ScheduleSet checks every task of the set here, once.
        self.check_tasks()

    def check_tasks(self):
        if self.state != 'absent' and self.desired.get('task') is not None:
            WorkerTasks(self.client).check([self.desired['task']], scheduled=True)

    def apply(self, current_obj):
        """Plan and write against ``current_obj``: the schedule as read (None: there is none)."""
        if self.state == 'absent':
            return self._absent(current_obj)
        if current_obj is None:
            if self.schedule_id is not None:
                raise TriggerInputError('Schedule %s was not found in the %s environment. A schedule cannot be created by id: '
                                        'use deduplication_key to create one.' % (self.schedule_id, self.environment))
            return self._create()
        return self._update(current_obj)

    # -- present

    def _create(self):
        desired, key = self.desired, self.key
        missing = [name for name in ('task', 'cron') if desired.get(name) is None]
        if missing:
            raise TriggerInputError('No schedule with deduplication key %r exists in the %s environment; %s needed to create it.'
                                    % (self.sent_key(key), self.environment, ' and '.join(missing) + (' are' if len(missing) > 1 else ' is')))
        if self.scoped:
            self._hint_adoption(key)
        self.changes = [name for name in FIELDS if desired.get(name) is not None]
        after = merged_fields(None, desired)
        result_obj = self._upsert('create', after, self.sent_key(key))
        return self._finish(result_obj, self._predicted(None, after, key, self.sent_key(key)), None, after, key, None)

    def _upsert(self, action, fields, dedup_key):
        """Create (or overwrite) by dedup key, then deactivate when asked; the answer, or None in check mode."""
        label = '%s %s' % (action, self.key or self.schedule_id)
        result_obj = self.write(label, self.api.upsert, request_body(fields, dedup_key))
        if fields['active'] is False:
            result_obj = self.write('deactivate %s' % (self.key or self.schedule_id), self._set_active, result_obj, False)
        return result_obj

    def _set_active(self, obj, active):
        return self.api.set_active(obj['id'], active)

    def _hint_adoption(self, key):
        """A schedule with the bare key in this environment is most likely the one the user means."""
        if self.sent_key(key) == key:
            return
        other = self.lookup(key)
        if other is not None:
            self.warn('A schedule with the unscoped deduplication key %r (%s) exists in the %s environment; this task '
                      'creates a separate one under %r. To manage the existing one instead, set '
                      'scope_key_to_environment=false (or address it by id).'
                      % (key, other.get('id'), self.environment, self.sent_key(key)))

    def _update(self, current_obj):
        desired, key = self.desired, self.key
        current = fields_of(current_obj)
        self.changes = changed_fields(current, desired)
        field_changes = [name for name in self.changes if name != 'active']
        cur_id = current_obj.get('id')
        api_key = current_obj.get('deduplicationKey')
        label = key if key is not None else (user_dedup_key(api_key, self.environment, self.client.branch, self.scoped) if api_key else None)
        after = merged_fields(current, desired)
        if current_obj.get('type') == TYPE_DECLARATIVE and field_changes:
            raise TriggerInputError(
                'Schedule %s is DECLARATIVE: it is defined in task code (the cron option of schedules.task()) and the '
                'next deploy would overwrite any change, so the API refuses to edit it. Only active can be changed here; '
                'change %s in the task code instead.' % (cur_id, ', '.join(field_changes)))
        if 'task' in field_changes:
            if self.schedule_id is not None and not api_key:
                raise TriggerInputError('The task of schedule %s would change, which needs a delete and re-create; the schedule '
                                        'has no deduplication key to re-create it under, so the re-created one could not be '
                                        'found by id again. Manage it with deduplication_key, or delete it (state=absent) and '
                                        'create a new one.' % cur_id)
            return self._recreate(current_obj, current, after, api_key, label)
        name = key or cur_id
        result_obj = None
        if field_changes:
            if api_key:
                result_obj = self.write('update %s' % name, self.api.upsert, request_body(after, api_key))
            else:
                result_obj = self.write('update %s' % name, self._replace, cur_id, after)
        if 'active' in self.changes:
            result_obj = self.write('%s %s' % ('activate' if after['active'] else 'deactivate', name), self.api.set_active,
                                    cur_id, after['active'])
        changed = self.outcome.changed
        predicted = self._predicted(current_obj, after, label) if changed else self.view(current_obj)
        return self._finish(result_obj, predicted, current, after if changed else current, label, cur_id)

    def _replace(self, schedule_id, fields):
        """PUT on an id that was just read (a schedule without a user dedup key). PUT creates a stray schedule
        when the id is gone, so a different id in the answer is deleted again and reported."""
        obj = self.api.replace(schedule_id, request_body(fields))
        if obj and obj.get('id') != schedule_id:
            self.api.delete(obj['id'])
            raise TriggerError('Schedule %s disappeared while it was being updated; the API created %s instead, which '
                               'was deleted again. Nothing was changed.' % (schedule_id, obj.get('id')))
        return obj

    def _recreate(self, current_obj, current, after, api_key, label):
        """The API never changes a schedule's task: delete it and create it again under the same dedup key."""
        self.recreated = True
        old_id = current_obj.get('id')
        sent = api_key if self.key is None else self.sent_key(self.key)
        self.write('delete %s' % (self.key or old_id), self.api.delete, old_id)
        try:
            result_obj = self._upsert('create', after, sent)
        except TriggerAPIError as exc:
            raise TriggerError(self._restore(current, after['task'], sent, old_id, exc))
        predicted = self._predicted(None, after, label, sent)
        return self._finish(result_obj, predicted, current, after, label, old_id, previous_id=old_id)

    def _restore(self, current, task, sent, old_id, exc):
        message = ('The task change needs a delete and re-create. Schedule %s was deleted, but creating it again with task %r '
                   'failed: %s' % (old_id, task, exc))
        try:
            restored = self.api.upsert(request_body(current, sent))
            if current['active'] is False:
                self.api.set_active(restored['id'], False)
        except TriggerError as again:
            return message + ' Restoring the old schedule failed too (%s): it is gone.' % again
        return message + ' The old schedule was restored as %s (a new id, same key and fields).' % restored.get('id')

    # -- absent

    def _absent(self, current_obj):
        if current_obj is None:
            return self._finish(None, None, None, None, self.key, None)
        cur_id = current_obj.get('id')
        if current_obj.get('type') == TYPE_DECLARATIVE:
            raise TriggerInputError('Schedule %s is DECLARATIVE: it is defined in task code and the next deploy would create it '
                                    'again. Remove the cron option from the task code, or set active=false.' % cur_id)
        if self.write('delete %s' % (self.key or cur_id), self.api.delete, cur_id) is False:
            self.outcome.changed = False  # gone in the meantime
        schedule = self.view(current_obj)
        label = self.key if self.key is not None else schedule['deduplication_key']
        return self._finish(current_obj, schedule, fields_of(current_obj), None, label, cur_id, keep_view=True)

    # -- result

    def _predicted(self, current_obj, fields, key, api_key=None):
        """What the schedule will look like (check mode): the current object with the new fields.

        Values only the server can compute (a new id, the next run after a cron change) are None."""
        if current_obj is None:
            base = {'id': None, 'type': TYPE_IMPERATIVE, 'cron_description': None, 'next_run': None,
                    'next_run_effective_at': None, 'environments': [], 'api_deduplication_key': api_key}
            old = {}
        else:
            base = self.view(current_obj)
            old = fields_of(current_obj)
        base.update(dict((name, fields.get(name)) for name in FIELDS))
        if base['cron'] != old.get('cron'):
            base['cron_description'] = None
        if not base['active'] or any(base[name] != old.get(name) for name in ('cron', 'timezone', 'window')):
            base['next_run'] = None
            base['next_run_effective_at'] = None
        base['deduplication_key'] = key
        return base

    def _finish(self, answer, predicted, before, after, key, schedule_id, keep_view=False, **values):
        """The schedule the server answered with (or, in check mode and without a write, the predicted one)."""
        schedule = predicted if keep_view or answer is None else self.view(answer)
        if schedule is not None and self.key is not None:
            schedule['deduplication_key'] = self.key
        return self.finish(schedule, diff_view(before, key, schedule_id),
                           diff_view(after, key, schedule.get('id') if schedule and after else None),
                           recreated=self.recreated, changes=self.changes, **values)


ENVIRONMENT_TYPES = {'dev': 'DEVELOPMENT', 'staging': 'STAGING', 'prod': 'PRODUCTION', 'preview': 'PREVIEW'}


class ScheduleSet(Operation):
    """trigger_schedule with ``schedules``: a declared set in one environment (or preview branch), in one task.

    One listing (every page, 100 a page) gives the live schedules; each declared schedule is planned against it as
    ScheduleState does for one, and only what differs is written. With ``purge``, live schedules that are not
    declared are removed when, and only when, the collection scoped their key for this environment (or the user
    named their key in ``purge_extra_keys``) and they belong to this environment alone; every other one is left
    alone and the result says why (``left_alone``). Declarative schedules are never touched.
    """

    resource_key = 'schedules'

    def __init__(self, client, check_mode, schedules, purge=False, purge_extra_keys=None, scoped=True):
        super().__init__(client, check_mode)
        self.api = ScheduleAPI(client)
        self.scoped = scoped
        self.purge = purge
        self.purge_extra_keys = set(purge_extra_keys or ())
        if self.purge_extra_keys and not purge:
            raise TriggerInputError('purge_extra_keys is only used with purge=true.')
        self.items = []
        seen = {}
        for index, item in enumerate(schedules):
            key = item.get('deduplication_key')
            try:
                state = ScheduleState(client, check_mode, key=key, state=item.get('state') or 'present', scoped=scoped,
                                      desired=dict((name, item.get(name)) for name in FIELDS))
            except TriggerInputError as exc:
                raise TriggerInputError('schedules[%d] (%s): %s' % (index, key, exc))
            sent = state.sent_key(key)
            if sent in seen:
                raise TriggerInputError('schedules[%d]: deduplication key %r is declared twice (also schedules[%d]).' % (index, key, seen[sent]))
            seen[sent] = index
            self.items.append(state)
        self.tasks_checked = False

    def check_tasks(self):
        """Every task of the set against the current worker, read once, before the set's first write."""
        tasks = [item.desired['task'] for item in self.items if item.state == 'present' and item.desired.get('task')]
        if tasks and not self.tasks_checked:
            WorkerTasks(self.client).check(tasks, scheduled=True)
        self.tasks_checked = True

    def run(self):
        for item in self.items:
            item.check_tasks = self.check_tasks
        live = self.api.list_all()
        by_key = dict((obj['deduplicationKey'], obj) for obj in live if obj.get('deduplicationKey'))
        declared, before, after = [], {}, {}
        for item in self.items:
            item.lookup = by_key.get
            outcome = item.apply(by_key.get(item.sent_key(item.key)))
            self._absorb(item, outcome)
            if outcome.resource is not None and item.state == 'present':
                declared.append(outcome.resource)
            if outcome.changed:
                before[item.key], after[item.key] = outcome.before or {}, outcome.after or {}
        sent_keys = set(item.sent_key(item.key) for item in self.items)
        purged, left_alone = self._purge([obj for obj in live if obj.get('deduplicationKey') not in sent_keys], before)
        return self.finish(declared, before, after, purged=purged, left_alone=left_alone)

    def _absorb(self, item, outcome):
        self.outcome.changed = self.outcome.changed or outcome.changed
        self.outcome.actions.extend(outcome.actions)
        for warning in outcome.warnings:
            self.warn(warning)

    def _purge(self, undeclared, before):
        purged, left_alone = [], []
        if not self.purge:
            return purged, left_alone
        for obj in undeclared:
            reason = self._keep_reason(obj)
            label = obj.get('deduplicationKey') or obj.get('id')
            if reason:
                left_alone.append({'id': obj.get('id'), 'deduplication_key': obj.get('deduplicationKey'), 'reason': reason})
                continue
            if self.write('delete %s' % label, self.api.delete, obj['id']) is False:
                continue  # gone in the meantime
            purged.append(user_dedup_key(obj['deduplicationKey'], self.client.environment, self.client.branch, self.scoped))
            before[purged[-1]] = diff_view(fields_of(obj), purged[-1], obj.get('id'))
        return purged, left_alone

    def _keep_reason(self, obj):
        """Why purge leaves a live, undeclared schedule alone, or None when it may remove it."""
        key = obj.get('deduplicationKey')
        if obj.get('type') == TYPE_DECLARATIVE:
            return 'declarative: defined in task code (the cron option of schedules.task())'
        if not key:
            return 'no deduplication key: not created by this collection (address it by id to manage it)'
        wanted = (ENVIRONMENT_TYPES.get(self.client.environment), self.client.branch)
        homes = [(env.get('type'), env.get('branchName')) for env in obj.get('environments') or [] if isinstance(env, dict)]
        if homes != [wanted]:
            return 'not attached to this environment alone (%s)' % (', '.join('%s%s' % (t, ' branch %s' % b if b else '') for t, b in homes)
                                                                    or 'no environment')
        if key in self.purge_extra_keys:
            return None
        if self.scoped and key.startswith(scope_prefix(self.client.environment, self.client.branch)):
            return None
        return ('its key %r was not scoped by this collection for the %s environment; list it in purge_extra_keys to let purge '
                'remove it' % (key, self.client.environment))

    def progress(self):
        applied = [action for item in self.items for action in item.applied] + self.applied
        return 'Partly applied before the error: %s.' % '; '.join(applied) if applied else None


class ScheduleRead(Operation):
    """trigger_schedule_info: one schedule by id or key (missing = error), or every page of the list, filtered;
    or the server's time zone list."""

    resource_key = 'schedules'
    reports_actions = False

    def __init__(self, client, check_mode=False, schedule_id=None, key=None, scoped=True, filters=None, timezones=False):
        super().__init__(client, check_mode)
        self.filters = dict((k, v) for k, v in (filters or {}).items() if v is not None)
        if timezones:
            given = (['id'] if schedule_id is not None else []) + (['deduplication_key'] if key is not None else []) + sorted(self.filters)
            if given:
                raise TriggerInputError('timezones=true returns only the timezone list; it cannot be combined with %s.' % ', '.join(given))
        self.timezones = timezones
        self.schedule_id = validate_id(schedule_id) if schedule_id is not None else None
        self.key = key
        self.scoped = scoped

    def run(self):
        api = ScheduleAPI(self.client)
        if self.timezones:
            return self.finish([], timezones=api.timezones())
        environment = self.client.require_environment()
        if self.schedule_id is not None or self.key is not None:
            ident = self.schedule_id
            if ident is None:
                ident = api_dedup_key(self.key, environment, self.client.branch, self.scoped)
                validate_key(self.key, ident)
            obj = api.get(ident)
            if obj is None:
                what = 'id %s' % self.schedule_id if self.schedule_id is not None else 'deduplication key %r (sent as %r)' % (self.key, ident)
                raise TriggerInputError('No schedule with %s in the %s environment.' % (what, environment))
            items = [obj]
        else:
            items = api.list_all()
        views = [schedule_view(obj, environment, self.client.branch, self.scoped) for obj in items]
        views = [view for view in views if matches(view, **self.filters)]
        return self.finish(views, declaration=[declaration_item(view) for view in views if self._round_trips(view)])

    def _round_trips(self, view):
        """Whether trigger_schedule with the same scoping would address this schedule by its exported key."""
        return (view['type'] == TYPE_IMPERATIVE and view['api_deduplication_key'] is not None
                and api_dedup_key(view['deduplication_key'], self.client.environment, self.client.branch, self.scoped)
                == view['api_deduplication_key'])


def declaration_item(view):
    """A schedule in the form trigger_schedule's ``schedules`` items take."""
    item = dict((name, view[name]) for name in ('deduplication_key', 'task', 'cron', 'timezone', 'active'))
    item.update((name, view[name]) for name in ('external_id', 'window') if view[name])
    return item
