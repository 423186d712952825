# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: envvar
short_description: Read environment variable values from a Trigger.dev environment
version_added: 0.1.0
author:
  - triggerdev.management contributors (@triggerdev-ansible)
description:
  - Returns the values of the named environment variables of one environment of a Trigger.dev project (or of a
    preview branch), in the order given.
  - Plain values come from the list endpoint (one request). Secret values read back redacted there, so when a
    requested variable is secret its real value is read through the resolved-values endpoint
    C(GET /api/v1/projects/{ref}/envvars) (one more request; with an access token the environment's secret key is
    fetched first, once, and never shown).
  - A variable that does not exist is an error unless O(default) is given.
  - The lookup never logs or prints a value; set C(no_log) on tasks that use a secret value.
  - The connection options are the same as the modules' and fall back to the same environment variables of the
    controller.
options:
  _terms:
    description: The names of the variables to read.
    required: true
    type: list
    elements: str
  default:
    description:
      - The value returned for a variable that does not exist. Without it a missing variable is an error.
    type: raw
  api_key:
    description:
      - A secret key (V(tr_dev_...), V(tr_stg_...), V(tr_prod_...), V(tr_preview_...), or V(tr_<env>_sk_...)) or a
        personal or organization access token (V(tr_pat_...), V(tr_oat_...)).
      - If not set, the E(TRIGGER_SECRET_KEY) environment variable is used, then E(TRIGGER_ACCESS_TOKEN), as in the modules.
    type: str
    aliases: [secret_key, access_token]
  api_url:
    description: Base URL of the Trigger.dev API.
    type: str
    default: https://api.trigger.dev
    env:
      - name: TRIGGER_API_URL
  project_ref:
    description: The project reference, V(proj_...). Required for environment variables.
    type: str
    env:
      - name: TRIGGER_PROJECT_REF
  environment:
    description:
      - The environment to read. Implied by a secret key (and must agree with it); required with an access token.
    type: str
    choices: [dev, staging, stg, prod, preview]
    env:
      - name: TRIGGER_ENVIRONMENT
  branch:
    description:
      - The preview branch to read (only with the V(preview) environment); the branch sees the parent's variables
        overlaid by its own.
    type: str
    env:
      - name: TRIGGER_PREVIEW_BRANCH
  validate_certs:
    description: Whether to verify the TLS certificate of O(api_url).
    type: bool
    default: true
  request_timeout:
    description: Timeout in seconds of each HTTP request.
    type: float
    default: 30
  retries:
    description: How many times a failed request is retried (as the official SDK does it).
    type: int
    default: 4
seealso:
  - module: triggerdev.management.trigger_envvar
  - module: triggerdev.management.trigger_envvar_info
  - name: Trigger.dev environment variables
    description: How environment variables and secrets work.
    link: https://trigger.dev/docs/deploy-environment-variables
notes:
  - Lookups run on the controller, so the E(TRIGGER_*) environment variables are read from the controller.
'''

EXAMPLES = r'''
- name: Read two variables of prod with an access token from TRIGGER_ACCESS_TOKEN
  ansible.builtin.debug:
    msg: "{{ lookup('triggerdev.management.envvar', 'DATABASE_URL', 'REDIS_URL', project_ref='proj_abcdefghijklmnopqrst', environment='prod') }}"
  no_log: true

- name: A flag that may not exist yet
  ansible.builtin.set_fact:
    feature_x: "{{ lookup('triggerdev.management.envvar', 'FEATURE_X', default='off') }}"

- name: One value as a string (not a list)
  ansible.builtin.set_fact:
    log_level: "{{ query('triggerdev.management.envvar', 'LOG_LEVEL', environment='staging') | first }}"
'''

RETURN = r'''
_raw:
  description: The values, in the order of the names given (the default for a missing one).
  type: list
  elements: raw
'''

import os

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.triggerdev.management.plugins.module_utils._client import TriggerClient
from ansible_collections.triggerdev.management.plugins.module_utils._errors import TriggerError
from ansible_collections.triggerdev.management.plugins.module_utils._credentials import scrub
from ansible_collections.triggerdev.management.plugins.module_utils._envvars import name_problem, read_values

# Same precedence as the modules' api_key fallback (module_utils/module.py): the secret key wins.
API_KEY_ENV = ('TRIGGER_SECRET_KEY', 'TRIGGER_ACCESS_TOKEN')
CONNECTION_OPTIONS = ('api_key', 'api_url', 'project_ref', 'environment', 'branch', 'validate_certs', 'request_timeout', 'retries')


def api_key_from_environment(environ=None):
    environ = os.environ if environ is None else environ
    for name in API_KEY_ENV:
        if environ.get(name):
            return environ[name]
    return None


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        names = [str(t) for t in terms]
        for name in names:
            problem = name_problem(name)
            if problem:
                raise AnsibleLookupError('triggerdev.management.envvar: %r cannot be a variable name: %s.' % (name, problem))
        options = dict((o, self.get_option(o)) for o in CONNECTION_OPTIONS)
        options['api_key'] = options['api_key'] or api_key_from_environment()
        secrets = [options['api_key']]
        try:
            client = TriggerClient(**options)
            secrets.extend(client.secrets)
            values = read_values(client, names)
            if client.secrets:
                secrets.extend(client.secrets)
        except TriggerError as exc:
            raise AnsibleLookupError('triggerdev.management.envvar: %s' % scrub(str(exc), secrets))
        has_default = 'default' in kwargs
        missing = [n for n in names if n not in values]
        if missing and not has_default:
            raise AnsibleLookupError('triggerdev.management.envvar: these variables do not exist in the %s environment%s: %s '
                                     '(give default= to use a value instead).'
                                     % (client.environment, ' (branch %s)' % client.branch if client.branch else '', ', '.join(missing)))
        default = self.get_option('default')
        return [values[n] if n in values else default for n in names]
