# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""TriggerModule: the connection options, the client, and the one way a module ends (exit_outcome or a failure).

This is an internal module of the collection, not a public API: it may change in any release.
"""

import json
import os
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.errors import AnsibleFallbackNotFound

from ansible_collections.triggerdev.management.plugins.module_utils._client import HAS_REQUESTS, REQUESTS_IMPORT_ERROR, TriggerClient
from ansible_collections.triggerdev.management.plugins.module_utils._connection import OPTIONS, from_environment
from ansible_collections.triggerdev.management.plugins.module_utils._credentials import scrub, scrub_data
from ansible_collections.triggerdev.management.plugins.module_utils._errors import TriggerError


def env_fallback(*names):
    """Ansible fallback: the first of ``names`` set to a non-empty value (see _connection.py)."""
    value = from_environment(names, os.environ)
    if value is None:
        raise AnsibleFallbackNotFound
    return value


def connection_argument_spec():
    """The connection options (documented in doc_fragments/connection.py), with their environment fallbacks."""
    spec = {}
    for name, option, env_names in OPTIONS:
        option = dict(option)
        if env_names:
            option['fallback'] = (env_fallback, list(env_names))
        spec[name] = option
    return spec


def json_data(value):
    """A string that is a JSON object or array, decoded; anything else as it is.

    Ad-hoc commands (``-a 'payload={"name": "a"}'``) hand raw options over as strings; playbooks give data."""
    if isinstance(value, str) and value.lstrip()[:1] in ('{', '['):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class TriggerModule(AnsibleModule):
    """An AnsibleModule with the connection options, a TriggerClient and one way to end.

    A module calls ``module.run(lambda: SomeOperation(module.client, module.check_mode, ...))``: building the
    operation validates the input, running it returns an Outcome, and exit_outcome turns that into the result.
    Any TriggerError on the way becomes a failure with ``msg`` and ``failure`` and no secret in either.
    """

    def __init__(self, argument_spec, supports_check_mode=True, **kwargs):
        spec = connection_argument_spec()
        spec.update(argument_spec)
        super().__init__(argument_spec=spec, supports_check_mode=supports_check_mode, **kwargs)
        if not HAS_REQUESTS:
            self.fail_json(msg=missing_required_lib('requests'), exception=''.join(
                traceback.format_exception_only(type(REQUESTS_IMPORT_ERROR), REQUESTS_IMPORT_ERROR)))
        self._client = None

    @property
    def client(self):
        """The client for the connection options as given."""
        if self._client is None:
            self._client = self.client_for()
        return self._client

    def client_for(self, **overrides):
        """A client for the connection options with ``overrides`` (``environment``, ``branch``) applied.

        Raises TriggerInputError for options that cannot work; the module keeps it for scrubbing."""
        options = dict((name, self.params[name]) for name, _spec, _env in OPTIONS)
        options.update(overrides)
        self._client = TriggerClient(on_secret=self.no_log_values.add, **options)
        return self._client

    def _secrets(self):
        secrets = [self.params.get('api_key')]
        if self._client is not None:
            secrets.extend(self._client.secrets)
        return secrets

    def fail_from(self, exc, prefix=None, **result):
        """Fail with the error's message and ``failure`` (method, path, status, message), scrubbed."""
        msg = scrub(str(exc), self._secrets())
        if prefix:
            msg = '%s %s' % (prefix, msg)
        # Every part (variable_errors, issues...), not only the message, may echo a key.
        result = scrub_data(result, self._secrets())
        self.fail_json(msg=msg, failure=scrub_data(exc.to_failure(), self._secrets()), **result)

    def run(self, make_operation):
        """Build the operation, run it and exit with its outcome; every TriggerError becomes a failure that says
        what the operation had already sent."""
        operation = None
        try:
            operation = make_operation()
            self.no_log_values.update(operation.secrets)
            outcome = operation.run()
        except TriggerError as exc:
            progress = operation.progress() if operation is not None else None
            self.fail_from(exc, prefix=progress, changed=bool(progress))
        self.exit_outcome(outcome)

    def exit_outcome(self, outcome):
        """The result, the diff (in diff mode) and the warnings of an Outcome; fails when it carries a failure."""
        for warning in outcome.warnings:
            self.warn(scrub(warning, self._secrets()))
        result = outcome.result()
        if self._diff and (outcome.before is not None or outcome.after is not None):
            result['diff'] = dict(before=outcome.before or {}, after=outcome.after or {})
        if outcome.failure:
            message = scrub(outcome.failure, self._secrets())
            result = scrub_data(result, self._secrets())
            self.fail_json(msg=message, failure={'method': None, 'path': None, 'status': None, 'message': message}, **result)
        self.exit_json(**result)
