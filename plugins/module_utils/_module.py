# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""TriggerModule: the shared argument spec, client construction, error handling, check and diff mode."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.errors import AnsibleFallbackNotFound

from ansible_collections.triggerdev.management.plugins.module_utils._client import (
    DEFAULT_API_URL,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    TriggerClient,
    TriggerError,
)
from ansible_collections.triggerdev.management.plugins.module_utils._credentials import scrub, scrub_data


def env_fallback(*names):
    """The first of ``names`` set to a non-empty value in the environment.

    Unlike Ansible's own env_fallback, a variable set to an empty string counts as unset: AWX
    injects a blank credential field that way, and '' is never a usable key, URL or environment.
    """
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    raise AnsibleFallbackNotFound


def connection_argument_spec():
    """The connection options every module and lookup takes (documented in doc_fragments/connection.py)."""
    return dict(
        api_key=dict(type='str', required=True, no_log=True, aliases=['secret_key', 'access_token'],
                     fallback=(env_fallback, ['TRIGGER_SECRET_KEY', 'TRIGGER_ACCESS_TOKEN'])),
        api_url=dict(type='str', default=DEFAULT_API_URL, fallback=(env_fallback, ['TRIGGER_API_URL'])),
        project_ref=dict(type='str', fallback=(env_fallback, ['TRIGGER_PROJECT_REF'])),
        environment=dict(type='str', choices=['dev', 'staging', 'stg', 'prod', 'preview'],
                         fallback=(env_fallback, ['TRIGGER_ENVIRONMENT'])),
        branch=dict(type='str', fallback=(env_fallback, ['TRIGGER_PREVIEW_BRANCH'])),
        validate_certs=dict(type='bool', default=True),
        request_timeout=dict(type='float', default=float(DEFAULT_TIMEOUT)),
        retries=dict(type='int', default=DEFAULT_RETRIES),
    )


CONNECTION_OPTIONS = tuple(connection_argument_spec())


class TriggerModule(AnsibleModule):
    """An AnsibleModule with the connection options, a lazily built TriggerClient and error handling.

    A module calls ``module.run(main_function)``; any TriggerError raised inside becomes a
    ``fail_json`` with ``failure`` (method, path, status, message) and no secret in it.
    """

    def __init__(self, argument_spec, **kwargs):
        spec = connection_argument_spec()
        spec.update(argument_spec)
        super(TriggerModule, self).__init__(argument_spec=spec, **kwargs)
        if not HAS_REQUESTS:
            self.fail_json(msg=missing_required_lib('requests'), exception=''.join(
                traceback.format_exception_only(type(REQUESTS_IMPORT_ERROR), REQUESTS_IMPORT_ERROR)))
        self._client = None
        self._warned = set()

    @property
    def client(self):
        if self._client is None:
            p = self.params
            try:
                self._client = TriggerClient(
                    api_key=p['api_key'], api_url=p['api_url'], project_ref=p['project_ref'],
                    environment=p['environment'], branch=p['branch'], validate_certs=p['validate_certs'],
                    request_timeout=p['request_timeout'], retries=p['retries'], on_secret=self.no_log_values.add)
            except TriggerError as exc:
                self.fail_json(msg=self.scrub(str(exc)))
        return self._client

    def _secrets(self):
        secrets = [self.params.get('api_key')]
        if self._client is not None:
            secrets.extend(self._client.secrets)
        return secrets

    def scrub(self, text):
        return scrub(text, self._secrets())

    def fail_from(self, exc, prefix=None):
        msg = self.scrub(str(exc))
        if prefix:
            msg = '%s: %s' % (prefix, msg)
        # Every part (variable_errors, issues...), not only the message, may echo a key.
        failure = scrub_data(exc.to_failure(), self._secrets())
        self.fail_json(msg=msg, failure=failure)

    def warn_once(self, message):
        if message not in self._warned:
            self._warned.add(message)
            self.warn(message)

    def run(self, main):
        """Call ``main()`` and turn client errors into a clean failure."""
        try:
            main()
        except TriggerError as exc:
            self.fail_from(exc)

    def exit_with(self, changed, diff_before=None, diff_after=None, **result):
        """exit_json with ``changed`` and, in diff mode, ``diff`` built from before/after."""
        result['changed'] = changed
        if self._diff and (diff_before is not None or diff_after is not None):
            result['diff'] = dict(before=diff_before if diff_before is not None else {},
                                  after=diff_after if diff_after is not None else {})
        self.exit_json(**result)
