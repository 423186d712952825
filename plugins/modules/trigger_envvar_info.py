#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: trigger_envvar_info
short_description: List the environment variables of a Trigger.dev environment
version_added: 0.1.0
description:
  - Lists the environment variables of one environment of a Trigger.dev project, or of a preview branch, with one
    request. Never changes anything.
  - Secret variables come back as the API gives them, with the value C(<redacted>). Use the
    P(triggerdev.management.envvar#lookup) lookup to read a secret value.
  - On a preview branch (O(environment=preview) with O(branch)) the API returns the merged view, the preview
    parent's variables overlaid by the branch's own.
author:
  - triggerdev.management contributors (@triggerdev-ansible)
extends_documentation_fragment:
  - triggerdev.management.connection
  - triggerdev.management.attributes
  - triggerdev.management.attributes.INFO
options:
  names:
    description:
      - Return only these variables. A name that does not exist in the environment is an error.
    type: list
    elements: str
seealso:
  - module: triggerdev.management.trigger_envvar
  - plugin: triggerdev.management.envvar
    plugin_type: lookup
  - name: Trigger.dev list environment variables API
    description: The endpoint this module calls.
    link: https://trigger.dev/docs/management/envvars/list
'''

EXAMPLES = r'''
- name: List the variables of prod
  triggerdev.management.trigger_envvar_info:
    project_ref: proj_abcdefghijklmnopqrst
    environment: prod
  register: prod_vars

- name: Names of the secret ones
  ansible.builtin.debug:
    msg: "{{ prod_vars.variables | selectattr('secret') | map(attribute='name') | list }}"

- name: Check two variables exist on a preview branch
  triggerdev.management.trigger_envvar_info:
    project_ref: proj_abcdefghijklmnopqrst
    environment: preview
    branch: feature/login
    names: [DATABASE_URL, API_BASE_URL]

- name: Export prod to a vars file (secrets by name only), to manage it from then on
  ansible.builtin.copy:
    dest: vars/prod_envvars.yml
    content: "{{ {'prod_envvars': prod_vars.declaration} | to_nice_yaml }}"
    mode: "0600"

- name: Apply the export later; as exported it changes nothing
  triggerdev.management.trigger_envvar:
    project_ref: proj_abcdefghijklmnopqrst
    environment: prod
    variables: "{{ prod_envvars }}"
'''

RETURN = r'''
variables:
  description: The variables, sorted by name.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The variable name.
      type: str
      sample: LOG_LEVEL
    value:
      description: The value; C(<redacted>) for a secret variable.
      type: str
      sample: info
    secret:
      description: Whether the variable is secret.
      type: bool
      sample: false
declaration:
  description:
    - The same variables in exactly the form O(triggerdev.management.trigger_envvar#module:variables) takes, to write
      a live environment to a vars file and manage it from then on. A secret is exported by name only, with
      C(keep_value=true), so applying the export as it is changes nothing; give its value to set a new one.
  returned: always
  type: list
  elements: dict
  sample: [{name: LOG_LEVEL, value: info, secret: false}, {name: DATABASE_URL, secret: true, keep_value: true}]
'''

from ansible_collections.triggerdev.management.plugins.module_utils._envvars import EnvVarRead
from ansible_collections.triggerdev.management.plugins.module_utils._module import TriggerModule


def main():
    module = TriggerModule(dict(names=dict(type='list', elements='str')))
    module.run(lambda: EnvVarRead(module.client, names=module.params['names']))


if __name__ == '__main__':
    main()
