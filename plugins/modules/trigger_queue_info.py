#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: trigger_queue_info
short_description: List the queues of a Trigger.dev environment, or get one
version_added: 0.1.0
description:
  - Lists every queue of one environment in name order (all pages, 100 queues per request), or with O(name) returns that
    one queue; the task fails when the environment has no such queue.
  - Each queue shows how many runs are executing (C(running)) and waiting (C(queued)), whether it is paused, and its
    concurrency limit with the code's limit (C(base)) and the override.
  - The queue routes take the environment's secret key only; with an access token the key is fetched first.
author:
  - triggerdev.management contributors (@triggerdev-ansible)
extends_documentation_fragment:
  - triggerdev.management.connection
  - triggerdev.management.attributes
  - triggerdev.management.attributes.INFO
options:
  name:
    description:
      - Only this queue, addressed as O(type) says (as in M(triggerdev.management.trigger_queue)).
    type: str
    aliases: [queue]
  type:
    description:
      - How O(name) addresses the queue. V(task) a task id, V(custom) a queue name from the code, V(id) a queue id.
    type: str
    choices: [task, custom, id]
    default: task
seealso:
  - module: triggerdev.management.trigger_queue
  - name: List queues (API reference)
    description: The list endpoint.
    link: https://trigger.dev/docs/management/queues/list
'''

EXAMPLES = r'''
- name: Every queue of prod
  triggerdev.management.trigger_queue_info:
    api_key: "{{ trigger_prod_secret_key }}"
  register: queues

- name: The queues with runs waiting
  ansible.builtin.debug:
    msg: "{{ queues.queues | selectattr('queued', 'gt', 0) | map(attribute='name') | list }}"

- name: The queue of one task
  triggerdev.management.trigger_queue_info:
    name: send-email
  register: send_email
'''

RETURN = r'''
queues:
  description: The queues, in name order (keys as RV(triggerdev.management.trigger_queue#module:queue) has them).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The queue id.
      type: str
      sample: queue_cm9x3a0b1000008l0e2kq3f7h
    name:
      description: The queue name (a task queue's is the task id).
      type: str
      sample: send-email
    type:
      description: V(task) or V(custom).
      type: str
      sample: task
    running:
      description: Runs executing now.
      type: int
      sample: 1
    queued:
      description: Runs waiting in the queue.
      type: int
      sample: 12
    paused:
      description: Whether the queue is paused.
      type: bool
      sample: false
    concurrency_limit:
      description: The limit in force, or V(null) for none (the environment's).
      type: int
      sample: 10
    concurrency:
      description: C(current), C(base) (the code's limit while overridden), C(override), C(overridden_at), C(overridden_by).
      type: dict
      sample: {"current": 10, "base": null, "override": null, "overridden_at": null, "overridden_by": null}
    concurrency_limit_override_percent:
      description: The percentage of a percentage override, else V(null).
      type: float
      sample: null
'''

from ansible_collections.triggerdev.management.plugins.module_utils._module import TriggerModule
from ansible_collections.triggerdev.management.plugins.module_utils._queues import QUEUE_TYPES, QueueRead


def main():
    module = TriggerModule(argument_spec=dict(name=dict(type='str', aliases=['queue']),
                                              type=dict(type='str', choices=list(QUEUE_TYPES), default='task')))
    module.run(lambda: QueueRead(module.client, name=module.params['name'], queue_type=module.params['type']))


if __name__ == '__main__':
    main()
