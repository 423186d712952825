#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
---
module: trigger_preview_branch
short_description: Create and archive Trigger.dev preview branches
version_added: 0.1.0
description:
  - Creates a preview branch of a Trigger.dev project (an environment of its own under the preview
    environment, typically one per pull request) or archives it.
  - Works with a personal access token (V(tr_pat_...)) and O(project_ref), with an organization access token,
    or with the secret key of the preview environment (V(tr_preview_...)). The module always acts on the
    V(preview) environment; O(environment) may be left out.
  - With a personal access token the module reads the project's active branches first (one request) and
    writes only when something has to change. With a preview secret key it checks whether the branch is
    active with one small read of the runs list (page size 1) sent for that branch.
author:
  - triggerdev.management contributors (@triggerdev-ansible)
extends_documentation_fragment:
  - triggerdev.management.connection
  - triggerdev.management.attributes
  - triggerdev.management.attributes.STATE
options:
  branch:
    description:
      - The name of the preview branch to create or archive, usually the pull request's git branch.
      - Cleaned as the server does it (a V(refs/heads/), V(refs/remotes/), V(refs/tags/), V(refs/pull/),
        V(refs/merge/) or V(refs/release/) prefix is removed). A name git would refuse as a branch name
        (spaces, V(..), V(~), V(^), V(:), V(?), V(*), V([), a trailing V(.lock), and so on) or any other
        V(refs/...) value is refused before any request.
      - This is the shared connection option of the same name; other modules use it to act on this branch,
        so the value set once in C(module_defaults) or E(TRIGGER_PREVIEW_BRANCH) serves both.
      - If not set, the value of the E(TRIGGER_PREVIEW_BRANCH) environment variable is used.
    type: str
    required: true
  state:
    description:
      - V(present) creates the branch if it has no active environment. An active branch is left alone
        (C(changed=false)) unless O(git) holds values it does not have yet.
      - V(archived) archives the active branch. A branch that is already archived, or that never existed,
        is reported with C(changed=false), since the API's C(400 Branch already archived) and
        C(404 Branch not found) both mean there is nothing left to do.
      - A new branch of the same name after archiving is a new environment with its own variables and runs.
    type: str
    choices: [present, archived]
    default: present
  git:
    description:
      - Git metadata shown with the branch in the dashboard, as the API takes it (its C(GitMeta) object).
      - Only the fields given are set; with a personal access token the stored metadata is read, fields not
        given are kept, and nothing is sent when every given field already has that value.
      - With a secret key or an organization access token the stored metadata cannot be read, so it is sent
        only when the branch is created, and a warning says so when an existing branch was left as it is.
    type: dict
    suboptions:
      commit_sha:
        description: The commit the branch is at.
        type: str
      commit_ref:
        description: The git ref (branch name) of the commit.
        type: str
      commit_message:
        description: The commit message.
        type: str
      commit_author_name:
        description: The commit author.
        type: str
      dirty:
        description: Whether the working tree had uncommitted changes.
        type: bool
      remote_url:
        description: The repository URL, for example V(https://github.com/acme/app).
        type: str
      pull_request_number:
        description: The pull request number.
        type: int
      pull_request_title:
        description: The pull request title.
        type: str
      pull_request_state:
        description: The pull request state.
        type: str
        choices: [open, closed, merged]
      provider:
        description: The git hosting provider, for example V(github). Older servers ignore it.
        type: str
      source:
        description: Where the metadata comes from. Older servers ignore it.
        type: str
        choices: [trigger_github_app, github_actions, local]
      gh_username:
        description: The GitHub user name of the author. Older servers ignore it.
        type: str
      gh_user_avatar_url:
        description: The GitHub avatar URL of the author. Older servers ignore it.
        type: str
notes:
  - The preview environment must have branches enabled in the project (the API answers
    C(You don't have preview branches setup) otherwise). Active branches count against the plan's branch limit;
    archive them when the pull request closes, and see M(triggerdev.management.trigger_preview_branch_info)
    with O(triggerdev.management.trigger_preview_branch_info#module:older_than) for a scheduled clean-up.
  - With a preview secret key the C(x-trigger-branch) header is not sent to the branch routes (the key must act as
    the preview parent there); it is sent only on the existence check.
  - Older Trigger.dev servers archive branches only with an access token; with a secret key they answer HTTP 401,
    and the error says so.
seealso:
  - module: triggerdev.management.trigger_preview_branch_info
  - module: triggerdev.management.trigger_envvar
  - name: Trigger.dev preview branches
    description: How preview branches work.
    link: https://trigger.dev/docs/deployment/preview-branches
  - name: Trigger.dev management API
    description: The API this module calls.
    link: https://trigger.dev/docs/management/overview
'''

EXAMPLES = r'''
- name: Create the preview branch of a pull request (in CI)
  triggerdev.management.trigger_preview_branch:
    access_token: "{{ lookup('ansible.builtin.env', 'TRIGGER_ACCESS_TOKEN') }}"
    project_ref: proj_rrkpdguyagvsoktglnod
    branch: "{{ lookup('ansible.builtin.env', 'GITHUB_HEAD_REF') }}"
    git:
      commit_sha: "{{ lookup('ansible.builtin.env', 'GITHUB_SHA') }}"
      pull_request_number: "{{ pr_number | int }}"
      pull_request_state: open
      remote_url: https://github.com/acme/app
  register: preview

- name: Same with the preview environment's secret key (TRIGGER_SECRET_KEY, TRIGGER_PROJECT_REF, TRIGGER_PREVIEW_BRANCH set)
  triggerdev.management.trigger_preview_branch:

- name: Archive the branch when the pull request is closed
  triggerdev.management.trigger_preview_branch:
    project_ref: proj_rrkpdguyagvsoktglnod
    branch: refs/heads/feature/login   # cleaned to feature/login
    state: archived
'''

RETURN = r'''
branch:
  description:
    - The preview branch after the task (in check mode, as it would be).
    - Fields the API did not report in this run (for example C(created_at) of a new branch) are V(null).
    - Never contains an API key.
  returned: always
  type: dict
  contains:
    id:
      description: The id of the branch environment, when known.
      type: str
      sample: cm9x3a0b1000008l0e2kq3f7h
    name:
      description: The branch name, cleaned as the server stores it.
      type: str
      sample: feature/login
    state:
      description: V(active), V(archived) or V(absent) (no active branch and none archived in this run).
      type: str
      sample: active
    created_at:
      description: When the branch environment was created (ISO 8601), when known.
      type: str
      sample: "2026-03-01T10:00:00.000Z"
    updated_at:
      description: When the branch environment was last updated (ISO 8601), when known.
      type: str
      sample: "2026-03-02T08:30:00.000Z"
    archived_at:
      description: When the branch was archived (ISO 8601), when known.
      type: str
      sample: null
    is_paused:
      description: Whether the branch environment is paused.
      type: bool
      sample: false
    git:
      description: The git metadata, with the option names of O(git) (empty when not known).
      type: dict
      sample: {"commit_sha": "4f2a9c1", "pull_request_number": 42}
'''

from ansible_collections.triggerdev.management.plugins.module_utils._branches import (
    GIT_SOURCES,
    PULL_REQUEST_STATES,
    STATES,
    BranchState,
    clean_branch_name,
)
from ansible_collections.triggerdev.management.plugins.module_utils._errors import TriggerInputError
from ansible_collections.triggerdev.management.plugins.module_utils._module import TriggerModule, env_fallback


def argument_spec():
    return dict(
        branch=dict(type='str', required=True, fallback=(env_fallback, ['TRIGGER_PREVIEW_BRANCH'])),
        state=dict(type='str', default='present', choices=list(STATES)),
        git=dict(type='dict', options=dict(
            commit_sha=dict(type='str'),
            commit_ref=dict(type='str'),
            commit_message=dict(type='str'),
            commit_author_name=dict(type='str'),
            dirty=dict(type='bool'),
            remote_url=dict(type='str'),
            pull_request_number=dict(type='int'),
            pull_request_title=dict(type='str'),
            pull_request_state=dict(type='str', choices=list(PULL_REQUEST_STATES)),
            provider=dict(type='str'),
            source=dict(type='str', choices=list(GIT_SOURCES)),
            gh_username=dict(type='str'),
            gh_user_avatar_url=dict(type='str'),
        )),
    )


def main():
    module = TriggerModule(argument_spec=argument_spec())
    p = module.params

    def operation():
        if p['environment'] not in (None, 'preview'):
            raise TriggerInputError('trigger_preview_branch manages branches of the preview environment; environment is %s. '
                                    'Leave environment out or set it to preview.' % p['environment'])
        name = clean_branch_name(p['branch'])
        return BranchState(module.client_for(environment='preview', branch=name), module.check_mode, name,
                           state=p['state'], git=p['git'])

    module.run(operation)


if __name__ == '__main__':
    main()
