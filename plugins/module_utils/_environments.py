# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Environments (docs/dev/protocol.md#environments): the project's environments list, and pause/resume
(trigger_environment, trigger_environment_info).

This is an internal module of the collection, not a public API: it may change in any release. No Ansible imports.

Pause and resume take a personal access token only; the list a personal access token or a user-actor token. The state
is read first: ``paused`` of the environments list, or ``isPaused`` of the branch list for a preview branch. While the
organisation's billing limit holds an environment paused, the server refuses a resume (400, its own message).
"""

from ansible_collections.triggerdev.management.plugins.module_utils._base import Operation
from ansible_collections.triggerdev.management.plugins.module_utils._branches import PreviewBranches
from ansible_collections.triggerdev.management.plugins.module_utils._client import AUTH_PAT, AUTH_USER, encode_path
from ansible_collections.triggerdev.management.plugins.module_utils._credentials import ENVIRONMENT_ALIASES
from ansible_collections.triggerdev.management.plugins.module_utils._errors import TriggerAPIError, TriggerError, TriggerInputError

BILLING_LIMIT = 'billing limit'


class EnvironmentNotFound(TriggerError):
    """An explicitly named environment or preview branch that the project does not have."""


def environment_view(item):
    """An item of the environments list, with ``environment`` (the name the modules take: staging, not stg)."""
    slug = item.get('slug')
    return {
        'id': item.get('id'),
        'environment': ENVIRONMENT_ALIASES.get(slug, slug),
        'slug': slug,
        'type': item.get('type'),
        'branch_name': item.get('branchName'),
        'is_branchable_environment': bool(item.get('isBranchableEnvironment')),
        'paused': bool(item.get('paused')),
    }


def branch_environment_view(branch):
    """A preview branch of the branch list, in the shape of environment_view."""
    return {'id': branch['id'], 'environment': 'preview', 'slug': None, 'type': 'PREVIEW', 'branch_name': branch['name'],
            'is_branchable_environment': False, 'paused': branch['is_paused']}


def label(client):
    return '%s branch %s' % (client.environment, client.branch) if client.branch else client.environment


class EnvironmentsAPI:
    """The environment routes of the client's project."""

    def __init__(self, client):
        self.client = client

    def list(self):
        path = encode_path('api', 'v1', 'projects', self.client.require_project_ref(), 'environments')
        body = self.client.request('GET', path, auth=AUTH_USER, branch=False)
        return [item for item in (body if isinstance(body, list) else []) if isinstance(item, dict)]

    def find(self):
        """The client's environment (or preview branch) as environment_view, or None when the project has none such."""
        client = self.client
        if client.branch:
            branch = PreviewBranches(client).find(client.branch)
            return branch_environment_view(branch) if branch else None
        for view in (environment_view(item) for item in self.list()):
            if view['environment'] == client.environment:
                return view
        return None

    def set_paused(self, paused):
        client = self.client
        path = encode_path('api', 'v1', 'projects', client.require_project_ref(), client.require_environment(),
                           'pause' if paused else 'resume')
        return client.request('POST', path, auth=AUTH_PAT, retry_not_found=False)


def require_pat(client, what):
    credential = client.credential
    if not (credential.is_access_token and credential.token_type == 'pat'):
        raise TriggerInputError('%s needs a personal access token (tr_pat_...) with project_ref and environment: the API refuses '
                                'any other credential on this route (given: %s).' % (what, credential.describe()))


def missing(client):
    if client.branch:
        return EnvironmentNotFound('There is no active preview branch named %s in project %s.' % (client.branch, client.project_ref))
    return EnvironmentNotFound('Project %s has no %s environment that this token can see (a dev environment is its owner\'s own).'
                               % (client.project_ref, client.environment))


class EnvironmentState(Operation):
    """trigger_environment: pause or resume the client's environment or preview branch; a second run sends nothing."""

    resource_key = 'environment'

    def __init__(self, client, check_mode, paused):
        super().__init__(client, check_mode)
        require_pat(client, 'Pausing and resuming an environment')
        client.require_project_ref()
        client.require_environment()
        if not isinstance(paused, bool):
            raise TriggerInputError('paused must be true or false.')
        self.paused = paused
        self.api = EnvironmentsAPI(client)

    def run(self):
        current = self.api.find()
        if current is None:
            raise missing(self.client)
        after = dict(current, paused=self.paused)
        if current['paused'] != self.paused:
            self.write('%s %s' % ('pause' if self.paused else 'resume', label(self.client)), self._send)
        return self.finish(after if self.outcome.changed else current, {'paused': current['paused']}, {'paused': self.paused})

    def _send(self):
        try:
            return self.api.set_paused(self.paused)
        except TriggerAPIError as exc:
            if exc.status == 400 and BILLING_LIMIT in (exc.api_message or '').lower():
                raise TriggerAPIError(exc.method, exc.path, exc.status, 'The %s environment cannot be resumed: %s'
                                      % (label(self.client), exc.api_message), body=exc.body, attempts=exc.attempts)
            raise


class EnvironmentRead(Operation):
    """trigger_environment_info: the project's environments (or only the one the connection names) with their state."""

    resource_key = 'environments'
    reports_actions = False

    def __init__(self, client, check_mode=False):
        super().__init__(client, check_mode)
        credential = client.credential
        if not (credential.is_access_token and credential.token_type in ('pat', 'uat')):
            raise TriggerInputError('Listing environments needs a personal access token (tr_pat_...) or a user-actor token '
                                    '(tr_uat_...) with project_ref: the API refuses any other credential on this route (given: %s).' % credential.describe())
        if client.branch:
            require_pat(client, 'Reading a preview branch\'s state')
        client.require_project_ref()

    def run(self):
        api = EnvironmentsAPI(self.client)
        if self.client.environment:
            found = api.find()
            if found is None:
                raise missing(self.client)
            return self.finish([found])
        return self.finish([environment_view(item) for item in api.list()])
