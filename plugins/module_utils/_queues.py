# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Queues (docs/dev/protocol.md#queues): reads, pause/resume and the concurrency limit override (trigger_queue).

This is an internal module of the collection, not a public API: it may change in any release. No Ansible imports.

A queue is addressed the way the API does it: by task id (``type: task``, the queue of a task without a queue of its
own), by the name of a queue declared in code (``custom``), or by its id (``id``, ``queue_...``). The queue is read
first and only what differs is written. The server refuses a reset of a queue without an override (400 "Queue is not
overridden"), so a reset is only sent when there is one; a pause keeps the override.
"""

import re

from ansible_collections.triggerdev.management.plugins.module_utils._base import Operation
from ansible_collections.triggerdev.management.plugins.module_utils._case import snake_keys
from ansible_collections.triggerdev.management.plugins.module_utils._client import AUTH_SECRET_KEY, encode_path
from ansible_collections.triggerdev.management.plugins.module_utils._errors import TriggerError, TriggerInputError, TriggerNotFound

QUEUE_TYPES = ('task', 'custom', 'id')
QUEUE_ID_PREFIX = 'queue_'
MAX_LIMIT = 100000          # the override route's zod bound; the environment's own limit is the server's to check
MAX_NAME_LENGTH = 128       # models/taskQueue.server.ts sanitizeQueueName
_NAME_RE = re.compile(r'^[A-Za-z0-9_\-/]+$')
PER_PAGE = 100


class QueueNotFound(TriggerError):
    """An explicitly named queue that the environment does not have."""


def validate_queue(name, queue_type):
    """(name, type) to send, or TriggerInputError: an id starts with queue_; a name keeps only what the server stores."""
    if queue_type not in QUEUE_TYPES:
        raise TriggerInputError('type must be one of %s.' % ', '.join(QUEUE_TYPES))
    if name is None or not str(name).strip():
        raise TriggerInputError('name is empty: give a task id (type task), a queue name from your code (type custom) or a '
                                'queue id (type id).')
    name = str(name)
    if queue_type == 'id':
        if not name.startswith(QUEUE_ID_PREFIX) or len(name) <= len(QUEUE_ID_PREFIX):
            raise TriggerInputError('%r is not a queue id (queue_...). To address a queue by task id or name, set type to task '
                                    'or custom.' % name)
        return name, queue_type
    if queue_type == 'task' and name.startswith('task/'):
        name = name[len('task/'):]
    if not _NAME_RE.match(name) or len(name) > MAX_NAME_LENGTH:
        stored = re.sub(r'[^A-Za-z0-9_\-/]', '', name)[:MAX_NAME_LENGTH]
        raise TriggerInputError('Queue name %r cannot exist: the server keeps only letters, digits, "_", "-" and "/" (at most %d '
                                'characters) of a queue name, so it stores this one as %r. Use that name.'
                                % (name, MAX_NAME_LENGTH, stored))
    return name, queue_type


def queue_view(item):
    """An API queue item in snake_case; ``concurrency_limit_override_percent`` is always there (the write answers lack it)."""
    view = snake_keys(item)
    view.setdefault('concurrency_limit_override_percent', None)
    view.setdefault('concurrency', {})
    return view


def is_overridden(item):
    concurrency = item.get('concurrency') or {}
    return bool(concurrency.get('overriddenAt')) or concurrency.get('override') is not None or \
        item.get('concurrencyLimitOverridePercent') is not None


def state_view(item):
    """What the module declares of a queue, for the diff."""
    concurrency = item.get('concurrency') or {}
    return {
        'paused': bool(item.get('paused')),
        'concurrency_limit': item.get('concurrencyLimit'),
        'concurrency_overridden': is_overridden(item),
        'concurrency_base': concurrency.get('base'),
        'concurrency_limit_override_percent': item.get('concurrencyLimitOverridePercent'),
    }


class QueuesAPI:
    """The queue routes of the client's environment (secret key; an access token resolves it)."""

    def __init__(self, client):
        self.client = client

    @staticmethod
    def _path(name, *extra):
        return encode_path('api', 'v1', 'queues', name, *extra)

    def get(self, name, queue_type):
        try:
            return self.client.request('GET', self._path(name), auth=AUTH_SECRET_KEY, params={'type': queue_type},
                                       retry_not_found=False)
        except TriggerNotFound:
            return None

    def list_all(self):
        return self.client.paginate_pages('/api/v1/queues', auth=AUTH_SECRET_KEY, per_page=PER_PAGE)

    def set_paused(self, name, queue_type, paused):
        return self.client.request('POST', self._path(name, 'pause'), auth=AUTH_SECRET_KEY,
                                   json_body={'type': queue_type, 'action': 'pause' if paused else 'resume'}, retry_not_found=False)

    def override(self, name, queue_type, limit=None, percent=None):
        body = {'type': queue_type}
        if percent is not None:
            body['percent'] = percent
        else:
            body['concurrencyLimit'] = limit
        return self.client.request('POST', self._path(name, 'concurrency', 'override'), auth=AUTH_SECRET_KEY, json_body=body,
                                   retry_not_found=False)

    def reset(self, name, queue_type):
        return self.client.request('POST', self._path(name, 'concurrency', 'reset'), auth=AUTH_SECRET_KEY,
                                   json_body={'type': queue_type}, retry_not_found=False)


def not_found(name, queue_type, client):
    hint = {'task': ' A task whose code names a queue runs in that queue: address it with type custom and the queue name.',
            'custom': ' A task without a queue of its own runs in its task queue: address it with type task and the task id.',
            'id': ''}[queue_type]
    return QueueNotFound('No queue %s (type %s) in the %s environment. Queues are made when a version with the task or queue '
                         'is deployed.%s' % (name, queue_type, client.environment or 'selected', hint))


class QueueState(Operation):
    """trigger_queue: the declared state of one queue (paused, and a concurrency limit override or none)."""

    resource_key = 'queue'

    def __init__(self, client, check_mode, name, queue_type='task', paused=None, concurrency_limit=None, concurrency_percent=None,
                 reset_concurrency=False):
        super().__init__(client, check_mode)
        self.name, self.queue_type = validate_queue(name, queue_type)
        given = [option for option, value in (('concurrency_limit', concurrency_limit), ('concurrency_percent', concurrency_percent),
                                              ('reset_concurrency', reset_concurrency or None)) if value is not None]
        if len(given) > 1:
            raise TriggerInputError('%s are mutually exclusive: a queue has one limit.' % ' and '.join(given))
        if concurrency_limit is not None and (isinstance(concurrency_limit, bool) or not 0 <= concurrency_limit <= MAX_LIMIT):
            raise TriggerInputError('concurrency_limit must be a whole number from 0 to %d (and at most the environment\'s '
                                    'concurrency limit, which the server checks); got %r.' % (MAX_LIMIT, concurrency_limit))
        if concurrency_percent is not None and not 0 < concurrency_percent <= 100:
            raise TriggerInputError('concurrency_percent must be more than 0 and at most 100 (a share of the environment\'s '
                                    'concurrency limit); got %r.' % (concurrency_percent,))
        self.paused = paused
        self.limit = concurrency_limit
        self.percent = float(concurrency_percent) if concurrency_percent is not None else None
        self.reset = bool(reset_concurrency)
        self.api = QueuesAPI(client)

    def run(self):
        current = self.api.get(self.name, self.queue_type)
        if current is None:
            raise not_found(self.name, self.queue_type, self.client)
        predicted = dict(current, concurrency=dict(current.get('concurrency') or {}))
        answer = None
        pausing = self.paused is True and not current.get('paused')
        if pausing:   # stop dequeuing first, then change the limit
            answer = self._pause(predicted)
        answer = self._concurrency(current, predicted) or answer
        if self.paused is False and current.get('paused'):   # the new limit is in place before runs start again
            answer = self._pause(predicted)
        if answer is not None:
            # The write answers carry no concurrencyLimitOverridePercent; the last one has everything else.
            predicted = dict(answer, concurrencyLimitOverridePercent=predicted.get('concurrencyLimitOverridePercent'))
        return self.finish(queue_view(predicted), state_view(current), state_view(predicted))

    def _pause(self, predicted):
        predicted['paused'] = self.paused
        return self.write('%s %s' % ('pause' if self.paused else 'resume', self.label), self.api.set_paused, self.name,
                          self.queue_type, self.paused)

    def _concurrency(self, current, predicted):
        concurrency = predicted['concurrency']
        overridden = is_overridden(current)
        current_percent = current.get('concurrencyLimitOverridePercent')
        if self.reset:
            if not overridden:
                return None
            predicted.update(concurrencyLimit=concurrency.get('base'), concurrencyLimitOverridePercent=None)
            concurrency.update(current=concurrency.get('base'), base=None, override=None, overriddenAt=None, overriddenBy=None)
            return self.write('reset the concurrency limit of %s' % self.label, self.api.reset, self.name, self.queue_type)
        if self.limit is not None:
            if overridden and current.get('concurrencyLimit') == self.limit and current_percent is None:
                return None
            action = 'set the concurrency limit of %s to %d' % (self.label, self.limit)
            value = dict(limit=self.limit)
        elif self.percent is not None:
            if overridden and current_percent is not None and float(current_percent) == self.percent:
                return None
            action = 'set the concurrency limit of %s to %s%% of the environment limit' % (self.label, _number_text(self.percent))
            value = dict(percent=_integral(self.percent))
        else:
            return None
        limit = self.limit   # a percent's limit is the server's to compute (it knows the environment's limit)
        if not overridden:
            concurrency['base'] = current.get('concurrencyLimit')
        predicted.update(concurrencyLimit=limit, concurrencyLimitOverridePercent=value.get('percent'))
        concurrency.update(current=limit, override=limit)
        return self.write(action, self.api.override, self.name, self.queue_type, **value)

    @property
    def label(self):
        return self.name if self.queue_type != 'task' else 'task queue %s' % self.name


def _integral(number):
    return int(number) if float(number).is_integer() else number


def _number_text(number):
    return str(_integral(number))


class QueueRead(Operation):
    """trigger_queue_info: one queue by task id, name or id (missing = error), or every queue of the environment."""

    resource_key = 'queues'
    reports_actions = False

    def __init__(self, client, check_mode=False, name=None, queue_type='task'):
        super().__init__(client, check_mode)
        self.name, self.queue_type = validate_queue(name, queue_type) if name is not None else (None, queue_type)

    def run(self):
        api = QueuesAPI(self.client)
        if self.name is None:
            return self.finish([queue_view(item) for item in api.list_all() if isinstance(item, dict)])
        item = api.get(self.name, self.queue_type)
        if item is None:
            raise not_found(self.name, self.queue_type, self.client)
        return self.finish([queue_view(item)])
