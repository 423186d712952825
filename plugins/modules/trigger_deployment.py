#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: trigger_deployment
short_description: Make a deployed Trigger.dev version the current one (promote or roll back)
version_added: 0.1.0
description:
  - Makes O(version) the current deployment of one environment, the version new runs use, as C(trigger.dev promote)
    does. Meant for versions deployed with C(trigger.dev deploy --skip-promotion), and for rolling back.
  - The current deployment is read first. When O(version) is already current nothing is sent (one read), so a second
    run changes nothing; the server itself would refuse that promotion (HTTP 400 "already the current deployment").
  - Otherwise the version is looked up in the environment's deployments (newest first, usually one more read). A version
    that is not C(DEPLOYED) is refused, with the deployment's error when it failed; with O(wait) a version still being
    built or deployed is waited for first.
  - A version older than the current one is a rollback. It is refused unless O(allow_rollback=true), which is sent as
    C(allowRollbacks=true).
  - The deployment routes take the environment's secret key only; with an access token the key is fetched first.
author:
  - triggerdev.management contributors (@triggerdev-ansible)
extends_documentation_fragment:
  - triggerdev.management.connection
  - triggerdev.management.attributes
  - triggerdev.management.attributes.STATE
options:
  version:
    description:
      - The version to make current, as the CLI printed it (V(20260131.1)).
    type: str
    required: true
  allow_rollback:
    description:
      - Allow O(version) to be older than the current version (a rollback). Sent as C(allowRollbacks=true).
      - Without it, an older version is refused before any write.
    type: bool
    default: false
  wait:
    description:
      - When O(version) is still C(PENDING), C(INSTALLING), C(BUILDING) or C(DEPLOYING), wait until it is C(DEPLOYED) and
        then promote it. A version that ends C(FAILED), C(CANCELED) or C(TIMED_OUT) is not promoted and the task fails.
      - Check mode does not wait; it reports the promotion that would follow.
    type: bool
    default: false
  wait_timeout:
    description:
      - How many seconds to wait with O(wait). When it runs out the task fails and nothing is promoted.
    type: int
    default: 600
  poll_interval:
    description:
      - Seconds between reads of the deployment with O(wait).
    type: float
    default: 5.0
notes:
  - Promoting moves the environment's C(current) label. New runs, and runs not yet started, use the new version; runs
    already executing finish on theirs. Declarative schedules are synced to the new version by the server.
  - RV(previous_version) is the version that was current before, the one to promote back for a rollback.
seealso:
  - module: triggerdev.management.trigger_deployment_info
  - ref: ansible_collections.triggerdev.management.docsite.guide_releases
    description: Promote, verify and roll back with the release role.
  - name: Deployment and promotion
    description: C(trigger.dev deploy --skip-promotion) and C(trigger.dev promote).
    link: https://trigger.dev/docs/cli-deploy-commands
'''

EXAMPLES = r'''
- name: Make 20260131.1 current in prod once it is deployed
  triggerdev.management.trigger_deployment:
    api_key: "{{ trigger_prod_secret_key }}"
    version: "20260131.1"
    wait: true
    wait_timeout: 900
  register: promotion

- name: Roll back to the version that was current before
  triggerdev.management.trigger_deployment:
    api_key: "{{ trigger_prod_secret_key }}"
    version: "{{ promotion.previous_version }}"
    allow_rollback: true
  when: promotion is changed and promotion.previous_version
'''

RETURN = r'''
deployment:
  description:
    - The deployment of O(version) (keys in snake_case, as in M(triggerdev.management.trigger_deployment_info)).
  returned: success
  type: dict
  sample: {"id": "deployment_cm9x3a0b1000008l0e2kq3f7h", "version": "20260131.1", "status": "DEPLOYED", "short_code": "prod1a2b",
           "created_at": "2026-01-31T10:00:00.000Z", "deployed_at": "2026-01-31T10:04:12.000Z", "runtime": "node",
           "runtime_version": "22.12.0", "git": null, "error": null}
previous_version:
  description: The version that was current before this task, or V(null) when none was.
  returned: success
  type: str
  sample: "20260130.3"
actions:
  description: What was done (or would be done in check mode).
  returned: always
  type: list
  elements: str
  sample: ["promote 20260131.1"]
'''

from ansible_collections.triggerdev.management.plugins.module_utils._deployments import DeploymentPromotion
from ansible_collections.triggerdev.management.plugins.module_utils._module import TriggerModule


def main():
    module = TriggerModule(
        argument_spec=dict(
            version=dict(type='str', required=True),
            allow_rollback=dict(type='bool', default=False),
            wait=dict(type='bool', default=False),
            wait_timeout=dict(type='int', default=600),
            poll_interval=dict(type='float', default=5.0),
        ),
    )
    p = module.params
    module.run(lambda: DeploymentPromotion(module.client, module.check_mode, p['version'], allow_rollback=p['allow_rollback'], wait=p['wait'],
                                           wait_timeout=p['wait_timeout'], poll_interval=p['poll_interval']))


if __name__ == '__main__':
    main()
