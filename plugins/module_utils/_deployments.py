# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Deployments (docs/dev/protocol.md#deployments): reads, and making a version current (trigger_deployment).

This is an internal module of the collection, not a public API: it may change in any release. No Ansible imports.

The routes take the environment's secret key only; with an access token the client fetches it first. A promotion is
by version, and the server refuses to promote the current deployment again (400 "already the current deployment"), so
the current deployment is read first and a promotion of the current version sends nothing.
"""

import math
import time

from ansible_collections.triggerdev.management.plugins.module_utils._base import Operation
from ansible_collections.triggerdev.management.plugins.module_utils._case import snake_keys
from ansible_collections.triggerdev.management.plugins.module_utils._client import AUTH_SECRET_KEY, encode_path
from ansible_collections.triggerdev.management.plugins.module_utils._errors import TriggerError, TriggerInputError, TriggerNotFound
from ansible_collections.triggerdev.management.plugins.module_utils._time import PERIOD_UNITS, duration_ms, parse_iso_ms

DEPLOYED = 'DEPLOYED'
IN_PROGRESS = ('PENDING', 'INSTALLING', 'BUILDING', 'DEPLOYING')
FINAL_FAILED = ('FAILED', 'CANCELED', 'TIMED_OUT')
# The list's status filter (core/v3/schemas/api.ts ApiDeploymentCommonShape): every status but INSTALLING.
LIST_STATUSES = ('PENDING', 'BUILDING', 'DEPLOYING', 'DEPLOYED', 'FAILED', 'CANCELED', 'TIMED_OUT')
PAGE_SIZE = 100
# Keys every deployment in a result has, whichever route it came from (None when that route does not say).
VIEW_KEYS = ('id', 'version', 'status', 'short_code', 'created_at', 'deployed_at', 'runtime', 'runtime_version', 'git', 'error')


class DeploymentNotFound(TriggerError):
    """An explicitly named deployment (id or version) that the environment does not have."""


class DeploymentWaitTimeout(TriggerError):
    """The version did not reach DEPLOYED within wait_timeout."""


def compare_versions(left, right):
    """The server's order of deployment versions (core/v3/isomorphic/deploymentVersions.ts): YYYYMMDD.N compares the
    date part as text, then N as a number; -1, 0 or 1."""
    date_a, num_a = _version_parts(left)
    date_b, num_b = _version_parts(right)
    if date_a != date_b:
        return -1 if date_a < date_b else 1
    if num_a < num_b:
        return -1
    if num_a > num_b:
        return 1
    return 0   # equal, or a part that is not a number (NaN compares as neither smaller nor larger)


def _version_parts(version):
    """(date part, build number as JavaScript's Number() reads it: NaN when absent or not a number, 0 when empty)."""
    date, dot, rest = version.partition('.')
    if not dot:
        return date, math.nan
    text = rest.split('.')[0].strip()
    try:
        return date, float(text) if text else 0.0
    except ValueError:
        return date, math.nan


def deployment_view(obj):
    """An API deployment (list item, current, or retrieve) in snake_case, with every key of VIEW_KEYS."""
    view = snake_keys(obj)
    if 'error_data' in view:
        view['error'] = view.pop('error_data')
    for key in VIEW_KEYS:
        view.setdefault(key, None)
    return view


def validate_date(name, value):
    """``from``/``to`` as the server reads them: ten digits are epoch seconds, thirteen milliseconds, or an ISO date."""
    text = str(value).strip()
    if text.isdigit() and len(text) in (10, 13):
        return text
    if parse_iso_ms(text) is None:
        raise TriggerInputError('%s must be an ISO 8601 date such as 2026-01-31 or 2026-01-31T12:00:00Z, or epoch seconds (10 digits) '
                                'or milliseconds (13 digits); got %r.' % (name, value))
    return text


def validate_version(version):
    if version is None or not str(version).strip() or str(version) != str(version).strip():
        raise TriggerInputError('version %r is not a deployment version: give it as the CLI printed it, for example 20260131.1.' % (version,))
    return str(version)


class DeploymentsAPI:
    """The deployment routes of the client's environment."""

    def __init__(self, client):
        self.client = client

    def current(self):
        """The deployment promoted as current, or None (the route's 404 Not found)."""
        try:
            return self.client.request('GET', '/api/v1/deployments/current', auth=AUTH_SECRET_KEY, retry_not_found=False)
        except TriggerNotFound:
            return None

    def get(self, deployment_id):
        """One deployment by id (with its worker's tasks), or None."""
        try:
            return self.client.request('GET', encode_path('api', 'v1', 'deployments', deployment_id), auth=AUTH_SECRET_KEY,
                                       retry_not_found=False)
        except TriggerNotFound:
            return None

    def pages(self, filters=None):
        """The list, newest first, one page at a time (the caller stops reading when it has what it needs)."""
        cursor = None
        while True:
            params = dict(filters or {})
            params['page[size]'] = PAGE_SIZE
            if cursor:
                params['page[after]'] = cursor
            body = self.client.request('GET', '/api/v1/deployments', auth=AUTH_SECRET_KEY, params=params) or {}
            page = [item for item in (body.get('data') or []) if isinstance(item, dict)]
            yield page
            cursor = (body.get('pagination') or {}).get('next')
            if not cursor or not page:
                return

    def list(self, filters=None, limit=None):
        items = []
        for page in self.pages(filters):
            items.extend(page)
            if limit and len(items) >= limit:
                return items[:limit]
        return items

    def find_version(self, version):
        """The list item of ``version``, or None: pages are read until it shows up (newest first, so usually one)."""
        for page in self.pages():
            for item in page:
                if item.get('version') == version:
                    return item
        return None

    def promote(self, version, allow_rollbacks=False):
        params = {'allowRollbacks': 'true'} if allow_rollbacks else None
        return self.client.request('POST', encode_path('api', 'v1', 'deployments', version, 'promote'), auth=AUTH_SECRET_KEY,
                                   params=params, retry_not_found=False)


class DeploymentRead(Operation):
    """trigger_deployment_info: one deployment by id or version (missing = error), the current one, or the list filtered."""

    resource_key = 'deployments'
    reports_actions = False

    def __init__(self, client, check_mode=False, deployment_id=None, version=None, current=False, status=None, period=None,
                 created_after=None, created_before=None, limit=None):
        super().__init__(client, check_mode)
        filters = dict((name, value) for name, value in (('status', status), ('period', period), ('created_after', created_after),
                                                         ('created_before', created_before), ('limit', limit)) if value is not None)
        picked = [name for name, value in (('id', deployment_id), ('version', version), ('current', current)) if value]
        if len(picked) > 1 or (picked and filters):
            raise TriggerInputError('id, version and current each pick one deployment and cannot be combined with each other or '
                                    'with the list filters (%s).' % ', '.join(picked + sorted(filters)))
        if status is not None and status not in LIST_STATUSES:
            raise TriggerInputError('status must be one of %s (the list cannot filter on INSTALLING).' % ', '.join(LIST_STATUSES))
        if period is not None and duration_ms(period, PERIOD_UNITS) is None:
            raise TriggerInputError('period must be a duration such as 30m, 12h, 7d or 2w; got %r.' % (period,))
        if period is not None and (created_after is not None or created_before is not None):
            raise TriggerInputError('period cannot be combined with created_after or created_before (the server ignores the dates then).')
        if created_before is not None and created_after is None:
            raise TriggerInputError('created_before needs created_after: the server ignores "to" without "from".')
        if limit is not None and limit < 1:
            raise TriggerInputError('limit must be 1 or more (leave it out for every deployment).')
        self.deployment_id = deployment_id
        self.version = validate_version(version) if version is not None else None
        self.current = current
        self.limit = limit
        self.filters = dict((key, value) for key, value in (
            ('status', status), ('period', period),
            ('from', validate_date('created_after', created_after) if created_after is not None else None),
            ('to', validate_date('created_before', created_before) if created_before is not None else None)) if value is not None)

    def run(self):
        api = DeploymentsAPI(self.client)
        environment = self.client.environment or 'selected'
        if self.deployment_id is not None:
            found = api.get(self.deployment_id)
            if found is None:
                raise DeploymentNotFound('No deployment with id %s in the %s environment.' % (self.deployment_id, environment))
            items = [found]
        elif self.version is not None:
            found = api.find_version(self.version)
            if found is None:
                raise DeploymentNotFound('No deployment of version %s in the %s environment.' % (self.version, environment))
            items = [found]
        elif self.current:
            found = api.current()
            items = [found] if found else []
        else:
            items = api.list(self.filters, self.limit)
        return self.finish([deployment_view(item) for item in items])


class DeploymentPromotion(Operation):
    """trigger_deployment: make ``version`` the current deployment of the environment.

    The current deployment is read first: the current version is a no-op (one read). Otherwise the version is found in
    the list; a version that is not DEPLOYED is refused (or, with ``wait``, waited for), an older version than the current
    one is refused unless ``allow_rollback``, and then it is promoted (``allowRollbacks=true`` with ``allow_rollback``)."""

    resource_key = 'deployment'

    def __init__(self, client, check_mode, version, allow_rollback=False, wait=False, wait_timeout=600, poll_interval=5.0,
                 clock=time.time, sleep=time.sleep):
        super().__init__(client, check_mode)
        if wait_timeout < 0 or poll_interval <= 0:
            raise TriggerInputError('wait_timeout must be 0 or more and poll_interval more than 0.')
        self.version = validate_version(version)
        self.allow_rollback = allow_rollback
        self.wait = wait
        self.wait_timeout = wait_timeout
        self.poll_interval = poll_interval
        self.clock = clock
        self.sleep = sleep
        self.api = DeploymentsAPI(client)

    def run(self):
        current = self.api.current()
        previous = current.get('version') if current else None
        before = {'current_version': previous}
        if previous == self.version:
            return self.finish(deployment_view(current), before, before, previous_version=previous)
        target = self.api.find_version(self.version)
        environment = self.client.environment or 'selected'
        if target is None:
            raise DeploymentNotFound('No deployment of version %s in the %s environment: deploy it first (trigger.dev deploy '
                                     '--skip-promotion), and check the version and the environment.' % (self.version, environment))
        status = target.get('status')
        if status != DEPLOYED and not (self.wait and status in IN_PROGRESS):
            raise TriggerError('Version %s in the %s environment is %s, not DEPLOYED, so it cannot be promoted%s.'
                               % (self.version, environment, status, self._reason(target, status)))
        if previous is not None and compare_versions(self.version, previous) < 0 and not self.allow_rollback:
            raise TriggerInputError('Version %s is older than the current version %s of the %s environment: promoting it is a '
                                    'rollback, which the server refuses unless asked. Set allow_rollback=true to roll back.'
                                    % (self.version, previous, environment))
        action = 'promote %s' % self.version
        if status != DEPLOYED:
            action = 'wait for %s to be DEPLOYED (it is %s), then promote it' % (self.version, status)
        promoted = self.write(action, self._promote, target, predicted=dict(target, status=DEPLOYED))
        return self.finish(deployment_view(promoted), before, {'current_version': self.version}, previous_version=previous)

    def _promote(self, target):
        if target.get('status') != DEPLOYED:
            target = self._wait_until_deployed(target)
        self.api.promote(self.version, self.allow_rollback)
        return target

    def _wait_until_deployed(self, target):
        deadline = self.clock() + self.wait_timeout
        while True:
            remaining = deadline - self.clock()
            if remaining <= 0:
                raise DeploymentWaitTimeout('Version %s was still %s after %s seconds (wait_timeout); nothing was promoted.'
                                            % (self.version, target.get('status'), self.wait_timeout))
            self.sleep(min(self.poll_interval, remaining))
            target = self.api.find_version(self.version) or target
            status = target.get('status')
            if status == DEPLOYED:
                return target
            if status not in IN_PROGRESS:
                raise TriggerError('Version %s ended %s while waiting for it, so it was not promoted%s.'
                                   % (self.version, status, self._reason(target, status)))

    @staticmethod
    def _reason(target, status):
        error = target.get('error') if isinstance(target.get('error'), dict) else {}
        if error.get('message'):
            return ' (%s: %s)' % (error.get('name') or 'error', error['message'])
        if status in IN_PROGRESS:
            return ' yet; set wait=true to wait for it'
        return ''
