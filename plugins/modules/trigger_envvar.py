#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: trigger_envvar
short_description: Manage the environment variables of a Trigger.dev environment
version_added: 0.1.0
description:
  - Sets, updates and removes environment variables of one environment of a Trigger.dev project, or of a preview
    branch, including secret variables.
  - Give one variable with O(name) and O(value), many with O(variables), or a dotenv file with O(env_file). With
    O(state=absent), O(names) (or any of those forms) lists what to remove.
  - The current variables are read with one request. Secret values read back redacted, so when a secret needs
    comparing (see O(update_secrets)) the real values are read with one more request from the resolved-values
    endpoint C(GET /api/v1/projects/{ref}/envvars). With an access token that endpoint is called with the
    environment's secret key, fetched once through the API and never shown.
  - All additions and updates are written with at most two C(import) requests with C(override=true). When a secret
    flag has to be set (a new secret variable, or a flag that changes) there is one request for the secret and one
    for the plain variables, each sending its C(isSecret), so a variable whose value is unchanged but whose flag
    changes is updated. Otherwise all of them go in one request without C(isSecret), which the API applies
    keeping each existing variable's flag and creating new ones plain.
  - Each removed variable is one C(DELETE); a variable that is already gone (HTTP 404, or 400
    C(Environment variable value not found)) counts as absent.
  - A second run with the same input sends no write and reports C(changed=false) (except secrets with
    O(update_secrets=always), which are written every time).
  - Refused before any request, with a message that names the variable (or the O(env_file) line) but never a value
    - an empty or whitespace-only value (the API would silently ignore it), a name that is empty, contains C(=) or
    whitespace, or is C(TRIGGER_SECRET_KEY) or C(TRIGGER_API_URL) (the API never stores them), a name given twice,
    and an O(env_file) that does not parse.
author:
  - triggerdev.management contributors (@triggerdev-ansible)
extends_documentation_fragment:
  - triggerdev.management.connection
  - triggerdev.management.attributes
  - triggerdev.management.attributes.STATE
attributes:
  check_mode:
    details:
      - The current variables (and, when needed, the resolved values) are read; nothing is written. The same lists
        are returned as in a real run.
  diff_mode:
    details:
      - The diff lists the names added, updated and removed with their secret flag. Values of plain variables are
        shown (unless Ansible hides them as C(no_log) input); a secret value never appears, it shows as C(<secret>).
options:
  name:
    description:
      - The name of one variable. Use with O(value) and O(secret), or alone with O(state=absent).
    type: str
  value:
    description:
      - The value of the variable named O(name). Required with O(name) and O(state=present).
      - It must not be empty or only whitespace.
    type: str
  secret:
    description:
      - Whether the variable is secret (its value is redacted when read back through the API).
      - Applies to O(name), to every variable of O(env_file), and to the items of O(variables) that do not set
        their own C(secret).
    type: bool
    default: false
  variables:
    description:
      - Many variables at once.
      - Values are never logged.
    type: list
    elements: dict
    suboptions:
      name:
        description: The name of the variable.
        type: str
        required: true
      value:
        description: The value. Required with O(state=present); not used with O(state=absent).
        type: str
      secret:
        description: Whether this variable is secret. Defaults to O(secret).
        type: bool
      keep_value:
        description:
          - Keep the live value of this secret variable instead of giving one (the form the C(declaration) of
            M(triggerdev.management.trigger_envvar_info) exports secrets in, so applying an export changes nothing).
          - Needs O(variables[].secret=true) and no O(variables[].value). The variable must exist; a plain one becomes
            secret with the value it has.
        type: bool
        default: false
  env_file:
    description:
      - A dotenv file, read on the host that runs the module, whose variables are set (or with O(state=absent)
        removed). O(secret) applies to all of them.
      - "Supported syntax: empty lines; C(#) comments, on their own line or after whitespace following an unquoted
        value; an optional C(export) prefix; C(KEY=value) (spaces around C(=) are allowed); single-quoted values
        taken literally; double-quoted values with the escapes C(\\n), C(\\r), C(\\t), C(\\\"), C(\\\\) and C(\\$);
        quoted values may span lines. Values are not interpolated (C($OTHER) stays as written)."
      - A line that does not parse is refused with its line number, as are a name given twice and an empty value.
    type: path
  names:
    description:
      - With O(state=absent), the names of the variables to remove.
    type: list
    elements: str
  state:
    description:
      - V(present) sets the variables; V(absent) removes them.
    type: str
    choices: [present, absent]
    default: present
  purge:
    description:
      - With O(state=present), also remove every variable of the environment that is not given.
      - Names starting with C(TRIGGER_) are never removed by purge (the platform and integrations set those).
      - On a preview branch, only the branch's own values are removed, never values inherited from the preview
        parent environment (see the notes).
    type: bool
    default: false
  update_secrets:
    description:
      - When to write a secret variable that already exists.
      - V(when_changed) compares the real value, read from the resolved-values endpoint, and writes only if it
        differs. If that endpoint is not available to the credential (for example HTTP 401, 403 or 404) the module
        warns once and behaves as V(always).
      - V(always) writes every secret variable on every run (reported as updated; not idempotent).
      - V(on_create) sets a secret only when the variable does not exist yet, for example a generated password
        that must not change afterwards. An existing plain variable declared secret is made secret with its
        current value kept.
      - Plain variables are always compared by value; this option does not apply to them.
    type: str
    choices: [when_changed, always, on_create]
    default: when_changed
notes:
  - Preview branches. With O(environment=preview) and O(branch) the module acts on that branch; without O(branch),
    on the preview parent environment. The API lists a branch as the parent's values overlaid by the branch's own
    values, with a variable shown secret when it is secret in either. To tell them apart the module (with an access
    token) also lists the parent, without the branch header, and uses this rule - a listed variable is the
    branch's own value when the parent does not have it, or the parent has it with a different value or secret
    flag; a variable identical to the parent's (same plain value and flag, or secret in both, since secret values
    read back redacted on both sides) is treated as inherited. Purge and O(state=absent) leave inherited
    variables alone and return them in RV(inherited).
  - This is safe even where the API cannot tell them apart. A C(DELETE) sent with the branch header only ever
    removes the branch's own value; for an inherited one the API answers C(Environment variable value not found)
    and changes nothing. A branch value identical to the parent's plain value is left in place, which changes
    nothing the branch sees. The one case that cannot be decided is a branch value overriding a secret of the
    parent; it is left in place too (removing it would need a request on every run to find out).
  - With a preview secret key the parent cannot be listed (the API needs the branch header with that key), so on a
    branch purge and O(state=absent) send a C(DELETE) for every candidate and the API keeps inherited values; those
    come back in RV(inherited), with a warning. Use an access token to avoid these requests.
  - On a branch, a variable declared plain whose name is secret in the parent always lists as secret; its value is
    compared through the resolved-values endpoint.
  - A declared value equal to the value the branch inherits from the parent counts as already set.
seealso:
  - module: triggerdev.management.trigger_envvar_info
  - plugin: triggerdev.management.envvar
    plugin_type: lookup
  - name: Trigger.dev environment variables API
    description: The endpoints this module calls.
    link: https://trigger.dev/docs/management/envvars/import
  - name: Trigger.dev environment variables
    description: How environment variables, secrets and preview branches work.
    link: https://trigger.dev/docs/deploy-environment-variables
'''

EXAMPLES = r'''
- name: Sync the variables of prod from a vault-backed vars file, removing anything else
  triggerdev.management.trigger_envvar:
    project_ref: proj_abcdefghijklmnopqrst
    environment: prod
    access_token: "{{ trigger_pat }}"
    variables:
      - name: DATABASE_URL
        value: "{{ vault_database_url }}"
        secret: true
      - name: LOG_LEVEL
        value: info
    purge: true

- name: Set one secret with the environment's secret key (project and environment from it)
  triggerdev.management.trigger_envvar:
    api_key: "{{ trigger_prod_secret_key }}"
    project_ref: proj_abcdefghijklmnopqrst
    name: STRIPE_KEY
    value: "{{ vault_stripe_key }}"
    secret: true

- name: Generated password that is set once and never rotated by later runs
  triggerdev.management.trigger_envvar:
    project_ref: proj_abcdefghijklmnopqrst
    environment: staging
    name: ADMIN_PASSWORD
    value: "{{ lookup('ansible.builtin.password', '/dev/null', length=32) }}"
    secret: true
    update_secrets: on_create

- name: Import a .env file into a preview branch
  triggerdev.management.trigger_envvar:
    project_ref: proj_abcdefghijklmnopqrst
    environment: preview
    branch: feature/login
    env_file: files/preview.env

- name: Remove two variables
  triggerdev.management.trigger_envvar:
    project_ref: proj_abcdefghijklmnopqrst
    environment: dev
    names: [OLD_FLAG, LEGACY_URL]
    state: absent
'''

RETURN = r'''
variables:
  description:
    - The declared variables as they are after the task (in check mode, as they would be). Never a value.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The variable name.
      type: str
    secret:
      description: Whether the variable is secret (on a preview branch, secret in the parent makes it secret).
      type: bool
    present:
      description: Whether the variable exists afterwards (false after O(state=absent), unless inherited on a branch).
      type: bool
  sample: [{name: DATABASE_URL, secret: true, present: true}]
actions:
  description: The writes sent (in check mode, that would be sent), in order; names only, never values.
  returned: always
  type: list
  elements: str
  sample: ["write DATABASE_URL, LOG_LEVEL", "delete OLD_FLAG"]
added:
  description: Names of the variables created.
  returned: always
  type: list
  elements: str
  sample: [NEW_FLAG]
updated:
  description: Names of the variables whose value or secret flag was written.
  returned: always
  type: list
  elements: str
  sample: [DATABASE_URL]
removed:
  description: Names of the variables deleted.
  returned: always
  type: list
  elements: str
  sample: [OLD_FLAG]
untouched:
  description: Names given that needed no change (already set, or already absent with O(state=absent)).
  returned: always
  type: list
  elements: str
  sample: [LOG_LEVEL]
inherited:
  description:
    - On a preview branch, names that purge or O(state=absent) left alone because their value is inherited from
      the preview parent environment (or cannot be told apart from it). Empty elsewhere.
  returned: always
  type: list
  elements: str
  sample: [SHARED_API_URL]
'''

from ansible_collections.triggerdev.management.plugins.module_utils._envvars import (
    UPDATE_SECRETS_CHOICES,
    EnvVarSync,
    declared_variables,
)
from ansible_collections.triggerdev.management.plugins.module_utils._module import TriggerModule

FORMS = ('name', 'names', 'variables', 'env_file')


def main():
    module = TriggerModule(
        dict(
            name=dict(type='str'),
            value=dict(type='str', no_log=True),
            secret=dict(type='bool', default=False, no_log=False),
            variables=dict(type='list', elements='dict', options=dict(
                name=dict(type='str', required=True),
                value=dict(type='str', no_log=True),
                secret=dict(type='bool', no_log=False),
                keep_value=dict(type='bool', default=False, no_log=False),
            )),
            env_file=dict(type='path'),
            names=dict(type='list', elements='str'),
            state=dict(type='str', choices=['present', 'absent'], default='present'),
            purge=dict(type='bool', default=False),
            update_secrets=dict(type='str', choices=list(UPDATE_SECRETS_CHOICES), default='when_changed', no_log=False),
        ),
        mutually_exclusive=[FORMS],
        required_one_of=[FORMS],
        required_by={'value': 'name'},
    )
    p = module.params
    module.run(lambda: EnvVarSync(
        module.client, module.check_mode, state=p['state'], purge=p['purge'], update_secrets=p['update_secrets'],
        desired=declared_variables(present=p['state'] == 'present', **dict((k, p[k]) for k in FORMS + ('value', 'secret')))))


if __name__ == '__main__':
    main()
