#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: trigger_worker_info
short_description: Show the Trigger.dev worker an environment runs, with its version and tasks
version_added: 0.1.0
description:
  - Returns the current worker of one environment (or preview branch), with the version, the SDK and CLI versions it was
    built with, and its tasks with their kind (C(STANDARD) or C(SCHEDULED)) and queue. In dev the latest
    C(trigger dev) worker, elsewhere the deployment promoted as current.
  - An empty list when nothing is deployed there.
  - With O(tasks) only those tasks, and the task fails when the worker lacks one of them, listing the task ids it has.
    This is the same check M(triggerdev.management.trigger_task) and M(triggerdev.management.trigger_schedule) make
    before they write.
  - Needs an access token (V(tr_pat_...), V(tr_oat_...) or V(tr_uat_...)) with O(project_ref) and O(environment); the
    API refuses a secret key on this route, so one is refused before a request is sent. One request.
author:
  - triggerdev.management contributors (@triggerdev-ansible)
extends_documentation_fragment:
  - triggerdev.management.connection
  - triggerdev.management.attributes
  - triggerdev.management.attributes.INFO
options:
  tasks:
    description:
      - Only these task ids. The task fails when the current worker does not have one of them.
    type: list
    elements: str
seealso:
  - module: triggerdev.management.trigger_deployment_info
  - module: triggerdev.management.trigger_queue
'''

EXAMPLES = r'''
- name: What prod runs
  triggerdev.management.trigger_worker_info:
    access_token: "{{ trigger_pat }}"
    project_ref: proj_abcdefghijklmnopqrst
    environment: prod
  register: worker

- name: Show it
  ansible.builtin.debug:
    msg: "prod runs {{ worker.workers[0].version }} with {{ worker.workers[0].tasks | map(attribute='id') | join(', ') }}"
  when: worker.workers

- name: Fail early when the release lacks the migration task
  triggerdev.management.trigger_worker_info:
    access_token: "{{ trigger_pat }}"
    project_ref: proj_abcdefghijklmnopqrst
    environment: prod
    tasks: [migrate-db]
'''

RETURN = r'''
workers:
  description: The current worker, in a list of one; empty when nothing is deployed.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The worker id.
      type: str
      sample: worker_cm9x3a0b1000008l0e2kq3f7h
    version:
      description: The deployed version.
      type: str
      sample: "20260131.1"
    engine:
      description: The run engine (C(V1) or C(V2)).
      type: str
      sample: V2
    sdk_version:
      description: The version of the Trigger.dev SDK the tasks were built with.
      type: str
      sample: "4.0.0"
    cli_version:
      description: The version of the Trigger.dev CLI that deployed them.
      type: str
      sample: "4.0.0"
    runs_url:
      description: The dashboard's runs page for this version.
      type: str
      sample: https://cloud.trigger.dev/orgs/acme/projects/app/env/prod/runs?versions=20260131.1
    tasks:
      description: The worker's tasks, by id.
      type: list
      elements: dict
      contains:
        id:
          description: The task id, as triggers use it.
          type: str
          sample: send-email
        kind:
          description: V(STANDARD) or V(SCHEDULED) (a C(schedules.task())).
          type: str
          sample: STANDARD
        file_path:
          description: The file the task is defined in.
          type: str
          sample: src/trigger/email.ts
        created_at:
          description: When the task was registered (ISO 8601).
          type: str
          sample: "2026-01-31T10:04:12.000Z"
        queue:
          description: The queue its runs join, as M(triggerdev.management.trigger_queue) names it (the task id for its task queue).
          type: str
          sample: send-email
        queue_type:
          description: V(task) (its own task queue) or V(custom) (a queue named in code); the O(triggerdev.management.trigger_queue#module:type) to use.
          type: str
          sample: task
        queue_concurrency_limit:
          description: The concurrency limit the code gives the queue, or V(null).
          type: int
          sample: null
'''

from ansible_collections.triggerdev.management.plugins.module_utils._module import TriggerModule
from ansible_collections.triggerdev.management.plugins.module_utils._workers import WorkerRead


def main():
    module = TriggerModule(argument_spec=dict(tasks=dict(type='list', elements='str')))
    module.run(lambda: WorkerRead(module.client, tasks=module.params['tasks']))


if __name__ == '__main__':
    main()
