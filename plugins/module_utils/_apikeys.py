# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Rotating an environment's root secret key (docs/dev/protocol.md#api-keys).

This is an internal module of the collection, not a public API: it may change in any release. No Ansible imports.

``POST /api/v1/projects/{ref}/{env}/regenerate-api-key`` (personal access token only) answers ``{apiKey}``: the new
root key, in force at once. The old one keeps working for 24 hours (the server's REVOKED_API_KEY_GRACE_PERIOD_MS),
then stops. Nothing in the API rotates the additional (scoped) keys ``tr_<env>_sk_...``.

The new key is handed back to the module, which returns it; it never goes into a warning, a message or an action
text, and it is not registered as a value the module masks (that would mask the return value itself): the action
plugin of trigger_api_key marks the whole result ``no_log`` instead.
"""

import datetime
import time

from ansible_collections.triggerdev.management.plugins.module_utils._base import Operation
from ansible_collections.triggerdev.management.plugins.module_utils._branches import PreviewBranches
from ansible_collections.triggerdev.management.plugins.module_utils._client import AUTH_ANY, AUTH_PAT, TriggerClient, encode_path
from ansible_collections.triggerdev.management.plugins.module_utils._credentials import scrub
from ansible_collections.triggerdev.management.plugins.module_utils._errors import TriggerError, TriggerInputError
from ansible_collections.triggerdev.management.plugins.module_utils._projects import ProjectsAPI, ProjectNotFound

REGENERATED = 'regenerated'
GRACE_SECONDS = 24 * 60 * 60
ENVIRONMENT_TYPES = {'dev': 'DEVELOPMENT', 'staging': 'STAGING', 'preview': 'PREVIEW', 'prod': 'PRODUCTION'}


def iso_utc(epoch_seconds):
    return datetime.datetime.fromtimestamp(int(epoch_seconds), tz=datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


class KeyRotation(Operation):
    """trigger_api_key: regenerate the root secret key of one environment, check that the new key works, and say
    until when the old one does. Never idempotent: every run that is not in check mode rotates."""

    resource_key = 'rotation'

    def __init__(self, client, check_mode, state, verify=True, now=time.time):
        super().__init__(client, check_mode)
        if state != REGENERATED:
            raise TriggerInputError('state must be regenerated: the module rotates the key each time it runs, so it asks for '
                                    'that to be said explicitly.')
        credential = client.credential
        if not (credential.is_access_token and credential.token_type == 'pat'):
            raise TriggerInputError('Regenerating an API key needs a personal access token (tr_pat_...); the API refuses this credential (%s). '
                                    'Additional (scoped) keys cannot be rotated through the API at all.' % credential.describe())
        if client.branch:
            raise TriggerInputError('branch is not used to rotate keys: a preview branch\'s own key is never accepted by the API '
                                    '(clients use the preview key with the branch name), so rotate the preview environment\'s key '
                                    'without branch (unset TRIGGER_PREVIEW_BRANCH if it comes from there).')
        self.ref = client.require_project_ref()
        self.environment = client.require_environment()
        self.verify = verify
        self.now = now

    def run(self):
        env = self._environment()
        rotation = {'project_ref': self.ref, 'environment': self.environment, 'environment_id': env['id'], 'verified': None,
                    'old_key_expires_at': None, 'old_key_grace_seconds': GRACE_SECONDS}
        answer = self.write('regenerate the %s key of %s' % (self.environment, self.ref), self._regenerate)
        key = answer.get('apiKey') if isinstance(answer, dict) else None
        if answer is not None and not key:
            self.outcome.failure = 'The API regenerated the key but returned none; read the new key in the dashboard.'
        if key:
            rotation['old_key_expires_at'] = iso_utc(self.now() + GRACE_SECONDS)
            # The result is hidden (no_log); a warning is the one thing Ansible still shows.
            self.warn('The old %s key of %s keeps working until %s (24 hours), then stops: give the new key to everything that '
                      'uses the old one before then.' % (self.environment, self.ref, rotation['old_key_expires_at']))
            if self.verify:
                rotation['verified'] = self._check(key)
        return self.finish(rotation, api_key=key)

    def _environment(self):
        """The environment to rotate, from the project's environments list (one read; the caller's own dev)."""
        envs = ProjectsAPI(self.client).environments(self.ref)
        wanted = ENVIRONMENT_TYPES[self.environment]
        for env in envs:
            if env['type'] == wanted:
                return env
        raise ProjectNotFound('Project %s has no %s environment%s.' % (
            self.ref, self.environment, ' of yours (each member has an own dev environment)' if self.environment == 'dev' else ''))

    def _regenerate(self):
        path = encode_path('api', 'v1', 'projects', self.ref, self.environment, 'regenerate-api-key')
        # A retry after a lost answer rotates once more: the key returned is the newest, and every replaced key keeps its
        # own grace period, so nothing that worked stops working early.
        return self.client.request('POST', path, auth=AUTH_PAT, branch=False, retry_not_found=False)

    def _check(self, key):
        """Whether the new key works (None: it could not be checked): one secret-key read with the new key, the key bootstrap route, which
        answers only for a key of this project and environment. A preview key needs a branch to be accepted at all."""
        branch = None
        if self.environment == 'preview':
            branches = PreviewBranches(self.client).list()
            if not branches:
                self.warn('The new preview key was not checked: the API accepts a preview key only together with an active '
                          'preview branch, and the project has none.')
                return None
            branch = branches[0]['name']
        path = encode_path('api', 'v1', 'projects', self.ref, self.environment)
        try:
            checker = TriggerClient(key, api_url=self.client.api_url, project_ref=self.ref, environment=self.environment, branch=branch,
                                    validate_certs=self.client.validate_certs, request_timeout=self.client.request_timeout,
                                    retries=self.client.retries)
            checker.request('GET', path, auth=AUTH_ANY)
        except TriggerError as exc:
            self.warn('The key was regenerated, but the new key was refused when checked (GET %s%s): %s. The old key keeps working '
                      'until the grace period ends.' % (path, ' with branch %s' % branch if branch else '', scrub(str(exc), [key])))
            return False
        return True
