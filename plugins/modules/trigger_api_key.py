#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: trigger_api_key
short_description: Rotate the secret key of a Trigger.dev environment
version_added: 0.1.0
description:
  - Regenerates the root secret key (V(tr_dev_...), V(tr_stg_...), V(tr_prod_...), V(tr_preview_...)) of one environment of a
    project and returns the new key in RV(api_key), for the next task to store wherever the key is used.
  - The whole result is marked C(no_log), so Ansible shows none of it at any verbosity and hands none of it to callbacks
    (ansible-runner and AWX job events included); only C(changed) and the warnings are shown. Register the result and use
    RV(api_key) in a following task, in an option that is itself C(no_log) or on a task with C(no_log=true).
  - The new key works at once. The old key keeps working for 24 hours after the rotation (the server's grace period), then
    stops; RV(rotation.old_key_expires_at) says when. Anything that still uses the old key must get the new one before then.
  - Then checks that the new key is accepted, with one secret-key read (C(GET /api/v1/projects/{ref}/{env}), which answers
    only for a key of this project and environment). A preview key is accepted only with a preview branch, so for
    V(preview) the project's branches are listed and the first active one is used; without any branch the key is not
    checked. A refused key is a warning and RV(rotation.verified=false), not a failure, since the rotation has happened
    and the new key must still be handed on.
  - Never idempotent - every run rotates again, so the module runs only with the explicit O(state=regenerated). In check
    mode it reads the project's environments and reports the rotation it would do, without a key.
  - Needs a personal access token (V(tr_pat_...)), O(project_ref) and O(environment); any other credential is refused before a
    request is sent. For V(dev) the key rotated is the token owner's own development environment's.
author:
  - triggerdev.management contributors (@triggerdev-ansible)
extends_documentation_fragment:
  - triggerdev.management.connection
  - triggerdev.management.attributes
attributes:
  check_mode:
    description: Can run in C(check_mode) and return changed status prediction without modifying anything.
    support: full
    details:
      - Reads the environments list; reports the rotation without doing it (RV(api_key) is null).
  diff_mode:
    description: Keys are never shown, so there is no diff.
    support: none
options:
  state:
    description:
      - V(regenerated) rotates the key. Required, so that a rotation always says so in the task.
    type: str
    required: true
    choices: [regenerated]
  verify:
    description:
      - Whether to check the new key with one read after the rotation.
    type: bool
    default: true
notes:
  - Additional API keys (scoped keys, V(tr_<env>_sk_...)) cannot be rotated through the API; delete and create them in the
    dashboard.
  - The connection option O(branch) is refused - a preview branch's own key is never accepted by the API (clients use the
    preview environment's key with the branch name), so rotating the preview environment's key covers every branch.
  - A retry after a lost answer rotates once more. Every key replaced keeps its own 24 hours, so nothing that worked stops
    early; the key returned is the newest.
seealso:
  - name: Trigger.dev API keys
    description: Secret keys and how to use them.
    link: https://trigger.dev/docs/apikeys
'''

EXAMPLES = r'''
- name: Rotate the prod key
  triggerdev.management.trigger_api_key:
    access_token: "{{ trigger_pat }}"
    project_ref: proj_abcdefghijklmnopqrst
    environment: prod
    state: regenerated
  register: rotated

- name: Hand the new key to the application's secret store (no_log, like the rotation)
  ansible.builtin.uri:
    url: https://vault.example.com/v1/secret/data/billing
    method: POST
    headers:
      X-Vault-Token: "{{ vault_token }}"
    body_format: json
    body:
      data:
        TRIGGER_SECRET_KEY: "{{ rotated.api_key }}"
  no_log: true

- name: Say until when the old key works
  ansible.builtin.debug:
    msg: "The old prod key stops working at {{ rotated.rotation.old_key_expires_at }}."
'''

RETURN = r'''
api_key:
  description:
    - The new secret key. Null in check mode. The result is marked C(no_log), so it is never displayed; use it from the
      registered variable.
  returned: always
  type: str
  sample: null
rotation:
  description: What was rotated and what follows from it.
  returned: always
  type: dict
  contains:
    project_ref:
      description: The project.
      type: str
      sample: proj_abcdefghijklmnopqrst
    environment:
      description: The environment (V(dev), V(staging), V(prod) or V(preview)).
      type: str
      sample: prod
    environment_id:
      description: The id of the environment.
      type: str
    verified:
      description: Whether the new key was accepted when checked; null when it was not checked (check mode, O(verify=false),
        or a preview environment without branches).
      type: bool
      sample: true
    old_key_expires_at:
      description: When the old key stops working (ISO 8601, UTC), 24 hours after the rotation by the controller's clock.
        Null in check mode.
      type: str
      sample: "2026-03-02T10:00:00Z"
    old_key_grace_seconds:
      description: How long the old key keeps working after a rotation, in seconds.
      type: int
      sample: 86400
actions:
  description: The write sent (in check mode, that would be sent).
  returned: always
  type: list
  elements: str
  sample: ["regenerate the prod key of proj_abcdefghijklmnopqrst"]
'''

from ansible_collections.triggerdev.management.plugins.module_utils._apikeys import KeyRotation
from ansible_collections.triggerdev.management.plugins.module_utils._module import TriggerModule


def main():
    module = TriggerModule(argument_spec=dict(
        state=dict(type='str', required=True, choices=['regenerated']),
        verify=dict(type='bool', default=True),
    ))
    p = module.params
    module.run(lambda: KeyRotation(module.client, module.check_mode, p['state'], verify=p['verify']))


if __name__ == '__main__':
    main()
