# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

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
extends_documentation_fragment:
  - triggerdev.management.connection.plugins
  - triggerdev.management.connection
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

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.triggerdev.management.plugins.module_utils._client import TriggerClient
from ansible_collections.triggerdev.management.plugins.module_utils._connection import NAMES, resolve
from ansible_collections.triggerdev.management.plugins.module_utils._credentials import scrub
from ansible_collections.triggerdev.management.plugins.module_utils._envvars import name_problem, read_values
from ansible_collections.triggerdev.management.plugins.module_utils._errors import TriggerError


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        names = [str(t) for t in terms]
        for name in names:
            problem = name_problem(name)
            if problem:
                raise AnsibleLookupError('triggerdev.management.envvar: %r cannot be a variable name: %s.' % (name, problem))
        options = resolve(dict((name, self.get_option(name)) for name in NAMES))
        client = None
        try:
            client = TriggerClient(**options)
            values = read_values(client, names)
        except TriggerError as exc:
            secrets = [options['api_key']] + (client.secrets if client is not None else [])
            raise AnsibleLookupError('triggerdev.management.envvar: %s' % scrub(str(exc), secrets))
        missing = [n for n in names if n not in values]
        if missing and 'default' not in kwargs:
            raise AnsibleLookupError('triggerdev.management.envvar: these variables do not exist in the %s environment%s: %s '
                                     '(give default= to use a value instead).'
                                     % (client.environment, ' (branch %s)' % client.branch if client.branch else '', ', '.join(missing)))
        default = self.get_option('default')
        return [values[n] if n in values else default for n in names]
