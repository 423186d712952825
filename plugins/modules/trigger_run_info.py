#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: trigger_run_info
short_description: Get one Trigger.dev run or list runs with filters
version_added: 0.1.0
description:
  - With O(run_id), returns that run in full (payload, output, error, attempts and so on). The task fails if the
    run does not exist in the environment.
  - Otherwise lists the runs of the environment, newest first, with the filters given, reading as many pages as
    needed for O(limit) runs.
  - B(Without O(created_after), O(created_before) or O(period) the API only returns runs created in the last 7 days.)
    Set O(period) (for example V(30d)) or O(created_after) to look further back.
  - With a secret key the environment's runs list C(/api/v1/runs) is used. With an access token the project runs list
    C(/api/v1/projects/{ref}/runs) is used with the environment of O(environment) (which is then required); the
    module sends the slug the API matches (V(stg) for V(staging)).
  - With an access token and a preview O(branch) the branch's secret key is fetched once and the environment's runs
    list used, since the project runs list cannot reach branch runs.
author:
  - triggerdev.management contributors (@triggerdev-ansible)
extends_documentation_fragment:
  - triggerdev.management.connection
  - triggerdev.management.attributes
  - triggerdev.management.attributes.INFO
options:
  run_id:
    description:
      - The id of one run, V(run_...). The filters and paging options cannot be used with it.
      - Reading one run needs a secret key; with an access token the environment's secret key is fetched once.
    type: str
  status:
    description:
      - Only runs with one of these statuses. Modern names (C(QUEUED), C(EXECUTING), C(WAITING), C(DELAYED),
        C(COMPLETED), C(FAILED), C(CANCELED), C(CRASHED), C(SYSTEM_FAILURE), C(EXPIRED), C(TIMED_OUT),
        C(PENDING_VERSION), C(DEQUEUED)) and the legacy ones are accepted.
    type: list
    elements: str
  task:
    description: Only runs of these task identifiers.
    type: list
    elements: str
  tag:
    description: Only runs that have at least one of these tags.
    type: list
    elements: str
  version:
    description: Only runs of these deployed versions, for example V(20240523.1).
    type: list
    elements: str
  schedule:
    description: Only runs started by this schedule, V(sched_...).
    type: str
  batch:
    description: Only runs of this batch, V(batch_...).
    type: str
  bulk_action:
    description: Only runs of this bulk action.
    type: str
  queue:
    description: Only runs on these queues. A task's own queue is named V(task/<task id>).
    type: list
    elements: str
  machine:
    description: Only runs on these machine presets.
    type: list
    elements: str
    choices: [micro, small-1x, small-2x, medium-1x, medium-2x, large-1x, large-2x]
  region:
    description: Only runs in these regions.
    type: list
    elements: str
  is_test:
    description: Only test runs (V(true)) or only non-test runs (V(false)).
    type: bool
  created_after:
    description:
      - Only runs created at or after this time. An ISO-8601 date or date-time (V(2024-05-01), V(2024-05-01T12:00:00Z)),
        or an epoch time in seconds or milliseconds. A time without a zone is UTC.
    type: str
  created_before:
    description: Only runs created at or before this time; the same formats as O(created_after).
    type: str
  period:
    description: Only runs created within this period before now, a duration such as V(1h), V(7d) or V(30d).
    type: str
  limit:
    description:
      - How many runs to return in all; as many pages are read as needed. V(0) reads every page.
    type: int
    default: 100
  page_size:
    description: How many runs to read per request, 1 to 100.
    type: int
    default: 100
  after:
    description: Continue a listing from this cursor, the RV(next_cursor) of an earlier call.
    type: str
  fields:
    description:
      - Return only these fields of each run (the snake_case names of RV(runs), for example V(id), V(status),
        V(task_identifier), V(created_at)); a name a run does not have is left out. Every field when not set.
      - For large listings most of the time goes to Ansible's own handling of the result (masking, serialising and
        registering every value), not to reading the API; returning fewer fields makes that proportionally faster.
        See the benchmarks page of the collection's docs.
    type: list
    elements: str
seealso:
  - module: triggerdev.management.trigger_run
  - module: triggerdev.management.trigger_task
  - name: List runs (API reference)
    description: The list endpoint.
    link: https://trigger.dev/docs/management/runs/list
  - name: Retrieve a run (API reference)
    description: The retrieve endpoint.
    link: https://trigger.dev/docs/management/runs/retrieve
'''

EXAMPLES = r'''
- name: Read one run
  triggerdev.management.trigger_run_info:
    run_id: run_cm1abcd2efgh3ijk4lmno5pqr
  register: one

- name: The failed runs of two tasks in the last day
  triggerdev.management.trigger_run_info:
    status: [FAILED, CRASHED, SYSTEM_FAILURE]
    task: [db-migrate, backfill]
    period: 1d
    limit: 500
  register: failed

- name: Every run of a batch
  triggerdev.management.trigger_run_info:
    batch: "{{ warmup.batches[0].id }}"
    limit: 0

- name: Staging runs since a date, with an access token
  triggerdev.management.trigger_run_info:
    access_token: "{{ trigger_pat }}"
    project_ref: proj_abcdefghijklmnopqrst
    environment: staging
    created_after: "2024-05-01T00:00:00Z"
'''

RETURN = r'''
runs:
  description:
    - The runs, newest first (one with O(run_id)). Keys are converted to snake_case (C(taskIdentifier) becomes
      C(task_identifier)); C(payload), C(output) and C(metadata) are returned as the API gives them.
  returned: always
  type: list
  elements: dict
  sample:
    - id: run_cm1abcd2efgh3ijk4lmno5pqr
      status: COMPLETED
      task_identifier: hello-world
      created_at: "2024-05-01T12:00:00.000Z"
      is_test: false
      tags: [deploy]
next_cursor:
  description: When more runs match than O(limit), the cursor to pass as O(after) to read on; null when none remain.
  returned: always
  type: str
'''

from ansible_collections.triggerdev.management.plugins.module_utils._module import TriggerModule
from ansible_collections.triggerdev.management.plugins.module_utils._runs import MACHINE_PRESETS, MAX_PAGE_SIZE, RunRead

FILTERS = ('status', 'task', 'tag', 'version', 'schedule', 'batch', 'bulk_action', 'queue', 'machine', 'region', 'is_test',
           'created_after', 'created_before', 'period', 'after')


def main():
    module = TriggerModule(dict(
        run_id=dict(type='str'),
        status=dict(type='list', elements='str'),
        task=dict(type='list', elements='str'),
        tag=dict(type='list', elements='str'),
        version=dict(type='list', elements='str'),
        schedule=dict(type='str'),
        batch=dict(type='str'),
        bulk_action=dict(type='str'),
        queue=dict(type='list', elements='str'),
        machine=dict(type='list', elements='str', choices=list(MACHINE_PRESETS)),
        region=dict(type='list', elements='str'),
        is_test=dict(type='bool'),
        created_after=dict(type='str'),
        created_before=dict(type='str'),
        period=dict(type='str'),
        limit=dict(type='int', default=100),
        page_size=dict(type='int', default=MAX_PAGE_SIZE),
        after=dict(type='str'),
        fields=dict(type='list', elements='str'),
    ), mutually_exclusive=[('run_id', name) for name in FILTERS])
    p = module.params
    module.run(lambda: RunRead(module.client, run_id=p['run_id'], filters=dict((k, p[k]) for k in FILTERS), limit=p['limit'],
                               page_size=p['page_size'], after=p['after'], fields=p['fields']))


if __name__ == '__main__':
    main()
