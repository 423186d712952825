#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: trigger_project_info
short_description: List Trigger.dev projects with their refs and environments
version_added: 0.1.0
description:
  - Lists the projects of every organization the token reaches, or of one O(organization), or the one project O(ref),
    each with its ref, organization and environments.
  - One request for the list (two with O(organization), whose id or slug is looked up first), and one per project for
    its environments (skip them with O(environments=false)).
  - Needs a personal access token (V(tr_pat_...)) or a user-actor token (V(tr_uat_...)); any other credential is
    refused before a request is sent.
author:
  - triggerdev.management contributors (@triggerdev-ansible)
extends_documentation_fragment:
  - triggerdev.management.connection
  - triggerdev.management.attributes
  - triggerdev.management.attributes.INFO
options:
  organization:
    description:
      - Only the projects of this organization, by slug or id. The module fails when the token does not reach it.
    type: str
  ref:
    description:
      - Only the project with this ref (V(proj_...)). The module fails when the token does not reach such a project.
    type: str
  name:
    description:
      - Only projects with this name (several projects may share one). No match gives an empty list.
    type: str
  environments:
    description:
      - Whether to read each project's environments (one request per project).
    type: bool
    default: true
notes:
  - The connection options O(project_ref), O(environment) and O(branch) are not used; filter with O(ref).
  - The environments are the project's root environments as the API lists them - the token owner's own development
    environment only (each member has one), no preview branches (see M(triggerdev.management.trigger_preview_branch_info)).
seealso:
  - module: triggerdev.management.trigger_project
  - plugin: triggerdev.management.trigger
    plugin_type: inventory
'''

EXAMPLES = r'''
- name: Every project the token reaches
  triggerdev.management.trigger_project_info:
    access_token: "{{ trigger_pat }}"
  register: found

- name: The refs of one organization's projects, without their environments
  triggerdev.management.trigger_project_info:
    organization: acme-1f2e
    environments: false
  register: acme

- name: Sync a variable into the prod environment of each of them
  triggerdev.management.trigger_envvar:
    project_ref: "{{ item.ref }}"
    environment: prod
    name: LOG_LEVEL
    value: info
  loop: "{{ acme.projects }}"
  loop_control:
    label: "{{ item.name }}"
'''

RETURN = r'''
projects:
  description: The matching projects, by organization slug and name.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The project id.
      type: str
    ref:
      description: The project ref.
      type: str
      sample: proj_abcdefghijklmnopqrst
    name:
      description: The project name.
      type: str
    slug:
      description: The project slug.
      type: str
    created_at:
      description: When the project was created (ISO 8601).
      type: str
    default_region:
      description: The default region, or null.
      type: str
    organization:
      description: The organization (C(id), C(slug), C(title), C(created_at)).
      type: dict
    environments:
      description: The root environments, ordered dev, staging, preview, prod. Only with O(environments=true).
      type: list
      elements: dict
      contains:
        id:
          description: The environment id.
          type: str
        name:
          description: The name the modules take as O(environment) - V(dev), V(staging), V(preview) or V(prod).
          type: str
        slug:
          description: The slug stored by the server (V(stg) for staging).
          type: str
        type:
          description: V(DEVELOPMENT), V(STAGING), V(PREVIEW) or V(PRODUCTION).
          type: str
        branchable:
          description: Whether the environment has branches (preview branches for V(preview)).
          type: bool
        paused:
          description: Whether the environment is paused.
          type: bool
'''

from ansible_collections.triggerdev.management.plugins.module_utils._module import TriggerModule
from ansible_collections.triggerdev.management.plugins.module_utils._projects import ProjectRead


def main():
    module = TriggerModule(argument_spec=dict(
        organization=dict(type='str'),
        ref=dict(type='str'),
        name=dict(type='str'),
        environments=dict(type='bool', default=True),
    ))
    p = module.params
    module.run(lambda: ProjectRead(module.client_for(environment=None, branch=None), organization=p['organization'], ref=p['ref'],
                                   name=p['name'], environments=p['environments']))


if __name__ == '__main__':
    main()
