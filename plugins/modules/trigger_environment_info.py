#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: trigger_environment_info
short_description: List the environments of a Trigger.dev project and whether they are paused
version_added: 0.1.0
description:
  - Lists the environments of a project (dev, staging, preview, prod; the dev environment is the token owner's own, and
    preview branches are not in this list) with whether each is paused. One request.
  - With the connection option O(environment) only that environment is returned, and the task fails when the project has
    none such. With O(environment=preview) and O(branch) the preview branch is returned, from the branch list.
  - Needs a personal access token (V(tr_pat_...)) or a user-actor token (V(tr_uat_...)) and O(project_ref); a preview
    branch needs a personal access token (only those may list branches). Any other credential is refused before a
    request is sent.
author:
  - triggerdev.management contributors (@triggerdev-ansible)
extends_documentation_fragment:
  - triggerdev.management.connection
  - triggerdev.management.attributes
  - triggerdev.management.attributes.INFO
notes:
  - A E(TRIGGER_ENVIRONMENT) environment variable counts as the O(environment) option, so it narrows the list too.
seealso:
  - module: triggerdev.management.trigger_environment
  - module: triggerdev.management.trigger_preview_branch_info
'''

EXAMPLES = r'''
- name: Every environment of the project
  triggerdev.management.trigger_environment_info:
    access_token: "{{ trigger_pat }}"
    project_ref: proj_abcdefghijklmnopqrst
  register: environments

- name: The paused ones
  ansible.builtin.debug:
    msg: "{{ environments.environments | selectattr('paused') | map(attribute='environment') | list }}"

- name: Is prod paused?
  triggerdev.management.trigger_environment_info:
    access_token: "{{ trigger_pat }}"
    project_ref: proj_abcdefghijklmnopqrst
    environment: prod
  register: prod
'''

RETURN = r'''
environments:
  description: The environments, in the order dev, staging, preview, prod (as RV(triggerdev.management.trigger_environment#module:environment)).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The environment id.
      type: str
      sample: cm9x3a0b1000008l0e2kq3f7h
    environment:
      description: The environment name the modules take (V(staging), not V(stg)).
      type: str
      sample: staging
    slug:
      description: The stored slug (V(stg) for staging); V(null) for a preview branch.
      type: str
      sample: stg
    type:
      description: C(DEVELOPMENT), C(STAGING), C(PREVIEW) or C(PRODUCTION).
      type: str
      sample: STAGING
    branch_name:
      description: The preview branch, else V(null).
      type: str
      sample: null
    is_branchable_environment:
      description: Whether the environment has branches (dev always, preview when enabled).
      type: bool
      sample: false
    paused:
      description: Whether the environment is paused.
      type: bool
      sample: false
'''

from ansible_collections.triggerdev.management.plugins.module_utils._environments import EnvironmentRead
from ansible_collections.triggerdev.management.plugins.module_utils._module import TriggerModule


def main():
    module = TriggerModule(argument_spec=dict())
    module.run(lambda: EnvironmentRead(module.client))


if __name__ == '__main__':
    main()
