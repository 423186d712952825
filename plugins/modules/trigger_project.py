#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: trigger_project
short_description: Create, rename and delete Trigger.dev projects
version_added: 0.1.0
description:
  - Makes sure a project with a given name exists in an organization, renames a project, or deletes one.
  - A project is found by its O(name) in the O(organization) first and created only when there is none, so a second
    run creates nothing. This matters because the API's create is not idempotent - every call makes a new project
    whose slug gets a random suffix.
  - With O(ref) the module acts on that project; with O(name) as well it renames the project when the name differs
    (the slug and the ref stay).
  - Deletes only with an explicit O(state=absent). The server's delete is a soft delete - the project disappears from
    every list and its secret keys stop working at once.
  - Needs a personal access token (V(tr_pat_...)) or a user-actor token (V(tr_uat_...)); any other credential is
    refused before a request is sent. A user-actor token needs the C(manage:project) capability to rename or delete.
author:
  - triggerdev.management contributors (@triggerdev-ansible)
extends_documentation_fragment:
  - triggerdev.management.connection
  - triggerdev.management.attributes
  - triggerdev.management.attributes.STATE
options:
  name:
    description:
      - The project name, 1 to 255 characters; leading and trailing whitespace is removed as the server does.
      - Required with O(state=present). Names are not unique on Trigger.dev; when two projects of the organization
        have this name the module refuses and asks for O(ref).
    type: str
  organization:
    description:
      - The organization, by slug (V(acme-1f2e)) or id.
      - Required to find or create a project by name, unless the token reaches exactly one organization.
      - With O(ref), when given, the project must belong to it.
      - The module looks the organization up in the token's list first and addresses it the way the server reads it
        (the server takes a path segment starting with C(c) for an id and anything else for a slug).
    type: str
  ref:
    description:
      - The project ref (V(proj_...)) of an existing project, to rename or delete it. A project cannot be created by ref;
        an unknown ref fails with O(state=present) and is already absent with O(state=absent).
      - The connection option O(project_ref) (and E(TRIGGER_PROJECT_REF)) is not used by this module, so a ref set for
        other tasks never turns a creation into a rename.
    type: str
  state:
    description:
      - V(present) finds or creates (and renames) the project; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
notes:
  - The connection options O(project_ref), O(environment) and O(branch) are not used.
  - Refusals of the server are reported with its message and what was refused, for example the organization's
    project limit (HTTP 400 C(Failed to create project)), an organization without a plan on Trigger.dev Cloud
    (HTTP 402), or a token without the right to delete (HTTP 403).
seealso:
  - module: triggerdev.management.trigger_project_info
  - plugin: triggerdev.management.trigger
    plugin_type: inventory
  - name: Trigger.dev management API
    description: The API this module calls.
    link: https://trigger.dev/docs/management/overview
'''

EXAMPLES = r'''
- name: A project per service, created once
  triggerdev.management.trigger_project:
    access_token: "{{ trigger_pat }}"
    organization: acme-1f2e
    name: "{{ item }}"
  loop: [billing, notifications, search]
  register: projects

- name: Rename a project
  triggerdev.management.trigger_project:
    ref: proj_abcdefghijklmnopqrst
    name: Billing (legacy)

- name: Delete a project
  triggerdev.management.trigger_project:
    organization: acme-1f2e
    name: experiment
    state: absent
'''

RETURN = r'''
project:
  description:
    - The project after the task (in check mode, as it would be; a project that would be created has null ids).
    - After O(state=absent), the project that was deleted; null when there was none.
  returned: always
  type: dict
  contains:
    id:
      description: The project id.
      type: str
      sample: cm9x3a0b1000008l0e2kq3f7h
    ref:
      description: The project ref, used by every other module as O(project_ref).
      type: str
      sample: proj_abcdefghijklmnopqrst
    name:
      description: The project name.
      type: str
      sample: billing
    slug:
      description: The project slug (the name with a random suffix, chosen by the server at creation).
      type: str
      sample: billing-x3Zq
    created_at:
      description: When the project was created (ISO 8601).
      type: str
    default_region:
      description: The default region of new runs, or null.
      type: str
    organization:
      description: The organization (C(id), C(slug), C(title), C(created_at)).
      type: dict
actions:
  description: The writes sent (in check mode, that would be sent).
  returned: always
  type: list
  elements: str
  sample: ["create billing in acme-1f2e"]
'''

from ansible_collections.triggerdev.management.plugins.module_utils._module import TriggerModule
from ansible_collections.triggerdev.management.plugins.module_utils._projects import ProjectState


def main():
    module = TriggerModule(argument_spec=dict(
        name=dict(type='str'),
        organization=dict(type='str'),
        ref=dict(type='str'),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
    ), required_one_of=[('name', 'ref')])
    p = module.params
    module.run(lambda: ProjectState(module.client_for(environment=None, branch=None), module.check_mode, name=p['name'],
                                    organization=p['organization'], ref=p['ref'], state=p['state']))


if __name__ == '__main__':
    main()
