#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: trigger_queue
short_description: Pause, resume and limit a Trigger.dev queue
version_added: 0.1.0
description:
  - Declares the state of one queue of an environment. O(paused) pauses or resumes it. O(concurrency_limit) or
    O(concurrency_percent) override the concurrency limit the code gives it, and O(reset_concurrency) goes back to that
    limit (the base).
  - The queue is read first and only what differs is written, so a second run sends no write. A reset is only sent when
    the queue has an override (the server refuses to reset one that has none). Pausing keeps the override.
  - A paused queue, or one limited to V(0), starts no run; its runs wait in the queue. Runs already executing finish.
  - Queues are made when a version is deployed, one per task (its task queue) and one per queue declared in code. The
    queue routes take the environment's secret key only; with an access token the key is fetched first.
author:
  - triggerdev.management contributors (@triggerdev-ansible)
extends_documentation_fragment:
  - triggerdev.management.connection
  - triggerdev.management.attributes
  - triggerdev.management.attributes.STATE
options:
  name:
    description:
      - The queue, as O(type) says. A task id for O(type=task) (the task's own queue; a leading V(task/) is accepted), the
        name in code (C(queue({name}))) for O(type=custom), or the queue id (V(queue_...)) for O(type=id).
      - The server keeps only letters, digits, V(_), V(-) and V(/) of a queue name (at most 128 characters); any other name
        is refused before any request.
    type: str
    required: true
    aliases: [queue]
  type:
    description:
      - How O(name) addresses the queue (the API's C(type)).
      - A task whose code names a queue runs in that queue, not in a task queue; address it with V(custom).
    type: str
    choices: [task, custom, id]
    default: task
  paused:
    description:
      - V(true) pauses the queue, V(false) resumes it. Not changed when not set.
    type: bool
  concurrency_limit:
    description:
      - Override the queue's concurrency limit with this number of runs at once (V(0) to V(100000)).
      - The server refuses a limit above the environment's concurrency limit; the task fails with its reason
        (HTTP 400 "Concurrency limit (N) cannot exceed the environment limit (M)").
      - Sent unless the queue already has this limit as an absolute override. A queue whose code limit happens to be the
        same is overridden (so a later deploy does not change it).
      - Mutually exclusive with O(concurrency_percent) and O(reset_concurrency).
    type: int
  concurrency_percent:
    description:
      - Override the queue's concurrency limit with this share of the environment's concurrency limit (more than V(0), at
        most V(100)). The server computes the limit (rounded down, at least 1) and recomputes it when the environment's
        limit changes.
      - Needs a Trigger.dev server that has percentage overrides (v4.5 or later); an older one refuses the request.
      - Sent unless the queue already has this percentage as its override.
    type: float
  reset_concurrency:
    description:
      - Remove any concurrency limit override, back to the limit from the code (the base). Nothing is sent for a queue
        without an override.
    type: bool
    default: false
seealso:
  - module: triggerdev.management.trigger_queue_info
  - module: triggerdev.management.trigger_environment
  - ref: ansible_collections.triggerdev.management.docsite.guide_incidents
    description: Pausing queues and environments during an incident, and the maintenance role.
  - name: Concurrency and queues
    description: Queues, concurrency limits and overrides.
    link: https://trigger.dev/docs/queue-concurrency
'''

EXAMPLES = r'''
- name: Pause the queue of the send-email task in prod
  triggerdev.management.trigger_queue:
    api_key: "{{ trigger_prod_secret_key }}"
    name: send-email
    paused: true

- name: Let the shared "exports" queue run at most 2 runs at once
  triggerdev.management.trigger_queue:
    name: exports
    type: custom
    concurrency_limit: 2

- name: Half of the environment's concurrency for the imports queue
  triggerdev.management.trigger_queue:
    name: imports
    type: custom
    concurrency_percent: 50

- name: Resume it and go back to the limit in the code
  triggerdev.management.trigger_queue:
    name: send-email
    paused: false
    reset_concurrency: true
'''

RETURN = r'''
queue:
  description:
    - The queue after the task (in check mode as it would be; a limit the server computes from a percentage is V(null)
      there). Keys are the API's in snake_case.
  returned: success
  type: dict
  contains:
    id:
      description: The queue id.
      type: str
      sample: queue_cm9x3a0b1000008l0e2kq3f7h
    name:
      description: The queue name (a task queue's without V(task/), that is the task id).
      type: str
      sample: send-email
    type:
      description: V(task) or V(custom).
      type: str
      sample: task
    running:
      description: Runs executing now.
      type: int
      sample: 0
    queued:
      description: Runs waiting in the queue.
      type: int
      sample: 12
    paused:
      description: Whether the queue is paused.
      type: bool
      sample: true
    concurrency_limit:
      description: The limit in force, or V(null) for none (the environment's).
      type: int
      sample: 2
    concurrency:
      description: C(current), C(base) (the code's limit while overridden, else V(null)), C(override) (V(null) without
        override), C(overridden_at), C(overridden_by).
      type: dict
      sample: {"current": 2, "base": 10, "override": 2, "overridden_at": "2026-01-31T10:00:00.000Z", "overridden_by": null}
    concurrency_limit_override_percent:
      description: The percentage of a percentage override, else V(null).
      type: float
      sample: null
actions:
  description: What was done (or would be done in check mode), in order.
  returned: always
  type: list
  elements: str
  sample: ["pause task queue send-email", "set the concurrency limit of task queue send-email to 2"]
'''

from ansible_collections.triggerdev.management.plugins.module_utils._module import TriggerModule
from ansible_collections.triggerdev.management.plugins.module_utils._queues import QUEUE_TYPES, QueueState


def main():
    module = TriggerModule(
        argument_spec=dict(
            name=dict(type='str', required=True, aliases=['queue']),
            type=dict(type='str', choices=list(QUEUE_TYPES), default='task'),
            paused=dict(type='bool'),
            concurrency_limit=dict(type='int'),
            concurrency_percent=dict(type='float'),
            reset_concurrency=dict(type='bool', default=False),
        ),
    )
    p = module.params
    module.run(lambda: QueueState(module.client, module.check_mode, p['name'], p['type'], paused=p['paused'], concurrency_limit=p['concurrency_limit'],
                                  concurrency_percent=p['concurrency_percent'], reset_concurrency=p['reset_concurrency']))


if __name__ == '__main__':
    main()
