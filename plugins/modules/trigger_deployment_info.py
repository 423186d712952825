#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: trigger_deployment_info
short_description: List the deployments of a Trigger.dev environment, or get one
version_added: 0.1.0
description:
  - Lists the deployments of one environment, newest first, with the filters the API has (O(status), O(period),
    O(created_after) and O(created_before)), reading as many pages (100 deployments each) as needed.
  - With O(id) or O(version) returns that one deployment; the task fails when the environment has no such deployment.
    With O(current) returns the deployment promoted as current, or an empty list when none is.
  - Deployments belong to one environment; V(dev) has none (C(trigger dev) registers workers, not deployments).
  - The deployment routes take the environment's secret key only; with an access token the key is fetched first.
author:
  - triggerdev.management contributors (@triggerdev-ansible)
extends_documentation_fragment:
  - triggerdev.management.connection
  - triggerdev.management.attributes
  - triggerdev.management.attributes.INFO
options:
  id:
    description:
      - The id of one deployment (V(deployment_...)). The answer has the deployment's worker and its tasks.
    type: str
  version:
    description:
      - The version of one deployment, as the CLI printed it (V(20260131.1)). Found in the list, newest first.
    type: str
  current:
    description:
      - Only the deployment promoted as current (the version new runs use).
    type: bool
    default: false
  status:
    description:
      - Only deployments in this status. The API cannot filter on C(INSTALLING).
    type: str
    choices: [PENDING, BUILDING, DEPLOYING, DEPLOYED, FAILED, CANCELED, TIMED_OUT]
  period:
    description:
      - Only deployments created within this period before now, such as V(1d), V(12h) or V(2w).
      - Cannot be combined with O(created_after) or O(created_before).
    type: str
  created_after:
    description:
      - Only deployments created at or after this time, an ISO 8601 date (V(2026-01-31), V(2026-01-31T12:00:00Z)) or
        epoch seconds (10 digits) or milliseconds (13 digits).
    type: str
  created_before:
    description:
      - Only deployments created at or before this time, in the forms of O(created_after). The API reads it only
        together with O(created_after), so it needs it.
    type: str
  limit:
    description:
      - At most this many deployments, newest first. Every deployment when not set.
    type: int
notes:
  - O(id), O(version) and O(current) each pick one deployment and take no list filter.
seealso:
  - module: triggerdev.management.trigger_deployment
  - module: triggerdev.management.trigger_worker_info
  - name: List deployments (API reference)
    description: The list endpoint.
    link: https://trigger.dev/docs/management/deployments/list
'''

EXAMPLES = r'''
- name: The version new runs of prod use
  triggerdev.management.trigger_deployment_info:
    api_key: "{{ trigger_prod_secret_key }}"
    current: true
  register: current

- name: Show it
  ansible.builtin.debug:
    msg: "prod runs {{ current.deployments[0].version | default('nothing') }}"

- name: Failed deployments of the last week, with an access token
  triggerdev.management.trigger_deployment_info:
    access_token: "{{ trigger_pat }}"
    project_ref: proj_abcdefghijklmnopqrst
    environment: prod
    status: FAILED
    period: 7d
  register: failed

- name: One version
  triggerdev.management.trigger_deployment_info:
    version: "20260131.1"
  register: release
'''

RETURN = r'''
deployments:
  description:
    - The deployments, newest first (keys in snake_case). Empty when none match, or with O(current) when nothing is promoted.
    - Every deployment has the keys below (V(null) when the route that read it does not give them); one read by O(id) also
      has C(content_hash), C(image_reference), C(image_platform), C(commit_sha), C(external_build_data), C(canceled_reason)
      and C(worker) (C(id), C(version), C(tasks)).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The deployment id.
      type: str
      sample: deployment_cm9x3a0b1000008l0e2kq3f7h
    version:
      description: The version, C(YYYYMMDD.N).
      type: str
      sample: "20260131.1"
    status:
      description: C(PENDING), C(INSTALLING), C(BUILDING), C(DEPLOYING), C(DEPLOYED), C(FAILED), C(CANCELED) or C(TIMED_OUT).
      type: str
      sample: DEPLOYED
    short_code:
      description: The short code the dashboard shows.
      type: str
      sample: prod1a2b
    created_at:
      description: When the deployment was created (ISO 8601).
      type: str
      sample: "2026-01-31T10:00:00.000Z"
    deployed_at:
      description: When it was deployed, or V(null).
      type: str
      sample: "2026-01-31T10:04:12.000Z"
    runtime:
      description: The runtime, such as V(node).
      type: str
      sample: node
    runtime_version:
      description: The runtime's version.
      type: str
      sample: "22.12.0"
    git:
      description: Git metadata of the deploy (keys in snake_case), or V(null).
      type: dict
      sample: {"commit_sha": "4f2a9c1", "commit_ref": "main"}
    error:
      description: Why a deployment failed (C(name), C(message), C(stack)), or V(null).
      type: dict
      sample: null
'''

from ansible_collections.triggerdev.management.plugins.module_utils._deployments import LIST_STATUSES, DeploymentRead
from ansible_collections.triggerdev.management.plugins.module_utils._module import TriggerModule


def main():
    module = TriggerModule(
        argument_spec=dict(
            id=dict(type='str'),
            version=dict(type='str'),
            current=dict(type='bool', default=False),
            status=dict(type='str', choices=list(LIST_STATUSES)),
            period=dict(type='str'),
            created_after=dict(type='str'),
            created_before=dict(type='str'),
            limit=dict(type='int'),
        ),
    )
    p = module.params
    module.run(lambda: DeploymentRead(module.client, deployment_id=p['id'], version=p['version'], current=p['current'], status=p['status'],
                                      period=p['period'], created_after=p['created_after'], created_before=p['created_before'],
                                      limit=p['limit']))


if __name__ == '__main__':
    main()
