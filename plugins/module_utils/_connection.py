# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The connection options every module, lookup and inventory plugin takes, defined once.

This is an internal module of the collection, not a public API: it may change in any release.

Documented in the ``triggerdev.management.connection`` doc fragment (its PLUGINS variant for lookups and the
inventory plugin). Modules build their argument spec from OPTIONS (module_utils/_module.py); plugins resolve
their options with ``resolve()``. Either way an environment variable set to an empty string counts as unset: AWX
injects a blank credential field that way, and '' is never a usable key, URL or environment. No Ansible imports.
"""

import os

DEFAULT_API_URL = 'https://api.trigger.dev'
DEFAULT_TIMEOUT = 30
DEFAULT_RETRIES = 4
ENVIRONMENT_CHOICES = ['dev', 'staging', 'stg', 'prod', 'preview']

# name -> (argument spec without fallback, environment variables in order of precedence)
OPTIONS = (
    ('api_key', dict(type='str', required=True, no_log=True, aliases=['secret_key', 'access_token']),
     ('TRIGGER_SECRET_KEY', 'TRIGGER_ACCESS_TOKEN')),
    ('api_url', dict(type='str', default=DEFAULT_API_URL), ('TRIGGER_API_URL',)),
    ('project_ref', dict(type='str'), ('TRIGGER_PROJECT_REF',)),
    ('environment', dict(type='str', choices=ENVIRONMENT_CHOICES), ('TRIGGER_ENVIRONMENT',)),
    ('branch', dict(type='str'), ('TRIGGER_PREVIEW_BRANCH',)),
    ('validate_certs', dict(type='bool', default=True), ()),
    ('request_timeout', dict(type='float', default=float(DEFAULT_TIMEOUT)), ()),
    ('retries', dict(type='int', default=DEFAULT_RETRIES), ()),
)
NAMES = tuple(name for name, _spec, _env in OPTIONS)


def from_environment(names, environ=None):
    """The value of the first of ``names`` set to a non-empty value, or None."""
    environ = os.environ if environ is None else environ
    for name in names:
        if environ.get(name):
            return environ[name]
    return None


def resolve(given, environ=None):
    """Plugin options: ``given`` ({name: value or None}) completed from the environment, then the defaults.

    Returns keyword arguments for TriggerClient."""
    resolved = {}
    for name, spec, env_names in OPTIONS:
        value = given.get(name)
        if value is None or value == '':
            value = from_environment(env_names, environ)
        if value is None:
            value = spec.get('default')
        resolved[name] = value
    return resolved
