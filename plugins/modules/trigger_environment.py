#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: trigger_environment
short_description: Pause or resume a Trigger.dev environment or preview branch
version_added: 0.1.0
description:
  - Pauses (O(paused=true)) or resumes (O(paused=false)) one environment of a project, or one preview branch with the
    connection options O(environment=preview) and O(branch).
  - A paused environment still accepts triggers, but starts no run until it is resumed; runs already executing finish.
  - The state is read first (the C(paused) flag of the project's environments list, for a branch the C(isPaused) flag of
    the branch list) and the pause or resume is sent only when it differs, so a second run changes nothing.
  - Needs a personal access token (V(tr_pat_...)) with O(project_ref) and O(environment). The API refuses any other
    credential on these routes, so any other is refused before a request is sent. A dev environment is the token
    owner's own.
  - While the organization's billing limit holds an environment paused, the API refuses to resume it; the task fails
    with the server's reason. Pausing it then changes nothing (it reads as paused already).
author:
  - triggerdev.management contributors (@triggerdev-ansible)
extends_documentation_fragment:
  - triggerdev.management.connection
  - triggerdev.management.attributes
  - triggerdev.management.attributes.STATE
options:
  paused:
    description:
      - V(true) to pause the environment, V(false) to resume it.
    type: bool
    required: true
seealso:
  - module: triggerdev.management.trigger_environment_info
  - module: triggerdev.management.trigger_queue
  - ref: ansible_collections.triggerdev.management.docsite.guide_incidents
    description: Pausing queues and environments during an incident, and the maintenance role.
'''

EXAMPLES = r'''
- name: Stop prod from starting runs
  triggerdev.management.trigger_environment:
    access_token: "{{ trigger_pat }}"
    project_ref: proj_abcdefghijklmnopqrst
    environment: prod
    paused: true

- name: Resume one preview branch
  triggerdev.management.trigger_environment:
    access_token: "{{ trigger_pat }}"
    project_ref: proj_abcdefghijklmnopqrst
    environment: preview
    branch: feature/login
    paused: false
'''

RETURN = r'''
environment:
  description: The environment after the task (in check mode as it would be).
  returned: success
  type: dict
  contains:
    id:
      description: The environment id (a preview branch's own environment id).
      type: str
      sample: cm9x3a0b1000008l0e2kq3f7h
    environment:
      description: The environment name the modules take (V(staging), not V(stg)).
      type: str
      sample: prod
    slug:
      description: The stored slug (V(stg) for staging); V(null) for a preview branch.
      type: str
      sample: prod
    type:
      description: C(DEVELOPMENT), C(STAGING), C(PREVIEW) or C(PRODUCTION).
      type: str
      sample: PRODUCTION
    branch_name:
      description: The preview branch, else V(null).
      type: str
      sample: null
    is_branchable_environment:
      description: Whether the environment has branches.
      type: bool
      sample: false
    paused:
      description: Whether the environment is paused.
      type: bool
      sample: true
actions:
  description: What was done (or would be done in check mode).
  returned: always
  type: list
  elements: str
  sample: ["pause prod"]
'''

from ansible_collections.triggerdev.management.plugins.module_utils._environments import EnvironmentState
from ansible_collections.triggerdev.management.plugins.module_utils._module import TriggerModule


def main():
    module = TriggerModule(argument_spec=dict(paused=dict(type='bool', required=True)))
    module.run(lambda: EnvironmentState(module.client, module.check_mode, module.params['paused']))


if __name__ == '__main__':
    main()
