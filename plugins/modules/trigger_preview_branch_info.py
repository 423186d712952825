#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
---
module: trigger_preview_branch_info
short_description: List the active preview branches of a Trigger.dev project
version_added: 0.1.0
description:
  - Lists the active (not archived) preview branches of a project, optionally only one branch by name or only the
    branches not updated for a while, so a scheduled job can archive stale branches with
    M(triggerdev.management.trigger_preview_branch).
  - Needs a personal access token (V(tr_pat_...)) and O(project_ref); the API lists branches for no other
    credential, and any other is refused before a request is sent. One request, whatever the number of branches.
author:
  - triggerdev.management contributors (@triggerdev-ansible)
extends_documentation_fragment:
  - triggerdev.management.connection
  - triggerdev.management.attributes
  - triggerdev.management.attributes.INFO
options:
  name:
    description:
      - Only the branch with this name (cleaned like O(triggerdev.management.trigger_preview_branch#module:branch)).
      - The module fails when there is no active branch of that name.
    type: str
  older_than:
    description:
      - Only branches whose last update (C(updatedAt)) is longer ago than this, for example V(14d), V(12h),
        V(1w2d), V(90m) or V(30s) (units C(w), C(d), C(h), C(m), C(s)).
      - The server updates C(updatedAt) when the branch is created or its git metadata is set again, for example by
        M(triggerdev.management.trigger_preview_branch) with new O(triggerdev.management.trigger_preview_branch#module:git)
        values on each push, so a branch still being worked on does not look stale.
    type: str
notes:
  - The connection option O(branch) is not used by this module (the list does not depend on it); filter with O(name).
seealso:
  - module: triggerdev.management.trigger_preview_branch
  - name: Trigger.dev preview branches
    description: How preview branches work.
    link: https://trigger.dev/docs/deployment/preview-branches
  - name: Trigger.dev management API
    description: The API this module calls.
    link: https://trigger.dev/docs/management/overview
'''

EXAMPLES = r'''
- name: List every active preview branch
  triggerdev.management.trigger_preview_branch_info:
    project_ref: proj_rrkpdguyagvsoktglnod
  register: previews

- name: Find branches idle for two weeks and archive them (a scheduled AWX job)
  triggerdev.management.trigger_preview_branch_info:
    project_ref: proj_rrkpdguyagvsoktglnod
    older_than: 14d
  register: stale

- name: Archive them
  triggerdev.management.trigger_preview_branch:
    project_ref: proj_rrkpdguyagvsoktglnod
    branch: "{{ item.name }}"
    state: archived
  loop: "{{ stale.branches }}"
  loop_control:
    label: "{{ item.name }}"
'''

RETURN = r'''
branches:
  description: The matching active preview branches, oldest update first. Empty when none match.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The id of the branch environment.
      type: str
      sample: cm9x3a0b1000008l0e2kq3f7h
    name:
      description: The branch name.
      type: str
      sample: feature/login
    state:
      description: Always V(active) (archived branches are not listed).
      type: str
      sample: active
    created_at:
      description: When the branch was created (ISO 8601).
      type: str
      sample: "2026-03-01T10:00:00.000Z"
    updated_at:
      description: When the branch was last updated (ISO 8601).
      type: str
      sample: "2026-03-02T08:30:00.000Z"
    archived_at:
      description: Always V(null) here.
      type: str
      sample: null
    is_paused:
      description: Whether the branch environment is paused.
      type: bool
      sample: false
    git:
      description: The git metadata, with the option names of M(triggerdev.management.trigger_preview_branch) (empty if none).
      type: dict
      sample: {"commit_sha": "4f2a9c1", "pull_request_number": 42, "pull_request_state": "open"}
'''

from ansible_collections.triggerdev.management.plugins.module_utils._branches import BranchRead
from ansible_collections.triggerdev.management.plugins.module_utils._module import TriggerModule


def main():
    module = TriggerModule(argument_spec=dict(name=dict(type='str'), older_than=dict(type='str')))
    p = module.params
    # The list route reads neither environment nor branch: a TRIGGER_PREVIEW_BRANCH set for other tasks is ignored.
    module.run(lambda: BranchRead(module.client_for(branch=None), name=p['name'], older_than=p['older_than']))


if __name__ == '__main__':
    main()
