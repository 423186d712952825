#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: trigger_task
short_description: Trigger a Trigger.dev task (one run or a batch) and optionally wait for it
version_added: 0.1.0
description:
  - Triggers one run of a Trigger.dev task with O(payload), or a batch of runs with O(items), and
    optionally waits until the run or runs finish.
  - A batch is sent through the batch endpoint C(POST /api/v2/tasks/batch), up to 500 items (and 1 MB) per
    request; longer lists are split into several requests. Items may name different tasks.
  - Triggering is not idempotent by nature, every call starts a new run. Set O(idempotency_key) (or an
    C(idempotency_key) per item) to make it idempotent; a playbook can then be re-run safely. A run that
    already exists for the key and is still running, completed successfully or was canceled is returned with
    C(changed=false) instead of starting a second one. After a run that failed (C(FAILED), C(CRASHED),
    C(SYSTEM_FAILURE), C(INTERRUPTED), C(TIMED_OUT), C(EXPIRED)) the server clears the key and starts a new run,
    reported as C(changed=true), so a failed step is retried by running the playbook again.
  - A retried request never starts a second run. Trigger.dev (at the server version this collection follows) ignores
    the request idempotency header the official SDK sends, so a run triggered without O(idempotency_key) (or an item
    without one) gets a one-off key of its own, C(triggerdev.management-retry-<uuid>), kept one hour. A retry after
    an answer that was lost returns the run the first attempt made. The key is unique per trigger, so it never
    merges two module runs; it shows as the run's C(idempotency_key).
  - The payload, the trigger options, O(machine), O(delay), O(ttl) and O(idempotency_key_ttl) are checked
    before any request; a payload that cannot be sent as JSON or is larger than 3 MiB is refused. Values the
    server would silently ignore (a delay or TTL in units it does not read, an idempotency key TTL it would
    replace by 30 days) are refused too.
  - The server accepts a trigger for any task id, deployed or not; a run of a task the environment's current
    version does not have waits in C(PENDING_VERSION) until it is deployed. With an access token the task ids are
    checked first against the environment's current worker (C(GET /api/v1/projects/{ref}/{env}/workers/current),
    once per module run; for a preview branch the branch's own worker) and an unknown task is refused before
    anything is triggered, listing the known task ids. With a secret key this check is not possible (that route
    takes access tokens only and no route lists an environment's tasks for a secret key); with O(wait) such a run
    fails as soon as it is seen in C(PENDING_VERSION).
author:
  - triggerdev.management contributors (@triggerdev-ansible)
extends_documentation_fragment:
  - triggerdev.management.connection
  - triggerdev.management.attributes
  - triggerdev.management.attributes.STATE
attributes:
  check_mode:
    details:
      - In check mode nothing is triggered; RV(would_trigger) says what would be.
  diff_mode:
    support: none
    details:
      - Triggering has no before and after state to compare.
options:
  task:
    description:
      - The task identifier, as in the task's C(id).
      - Required unless every item of O(items) names its own task; with O(items) it is the default task of the items.
    type: str
  payload:
    description:
      - The payload of the run, any JSON value. Mutually exclusive with O(items).
      - Sent as JSON with C(payloadType) C(application/json); the request may be at most 3 MiB.
    type: raw
  items:
    description:
      - Trigger a batch of runs instead of one. Each item has its own O(items[].payload) and options, and may
        name its own O(items[].task).
      - The trigger options given at the top level (O(tags), O(queue), O(machine) and so on) are the defaults of
        every item; an item's own value wins.
    type: list
    elements: dict
    suboptions:
      task:
        description: The task of this item. Defaults to O(task).
        type: str
      payload:
        description: The payload of this item, any JSON value.
        type: raw
      idempotency_key:
        description: See O(idempotency_key).
        type: str
      idempotency_key_ttl:
        description: See O(idempotency_key_ttl).
        type: str
      tags:
        description: See O(tags).
        type: list
        elements: str
      delay:
        description: See O(delay).
        type: str
      ttl:
        description: See O(ttl).
        type: raw
      queue:
        description: See O(queue).
        type: str
      concurrency_key:
        description: See O(concurrency_key).
        type: str
      machine:
        description: See O(machine).
        type: str
        choices: [micro, small-1x, small-2x, medium-1x, medium-2x, large-1x, large-2x]
      max_attempts:
        description: See O(max_attempts).
        type: int
      max_duration:
        description: See O(max_duration).
        type: int
      metadata:
        description: See O(metadata).
        type: dict
      priority:
        description: See O(priority).
        type: int
      region:
        description: See O(region).
        type: str
      version:
        description: See O(version).
        type: str
      test:
        description: See O(test).
        type: bool
  idempotency_key:
    description:
      - Trigger at most one run for this key (per task and environment) while the key is valid. A second
        trigger with the same key returns the existing run and reports C(changed=false) while that run is queued,
        running, C(COMPLETED) or C(CANCELED).
      - If the existing run ended C(FAILED), C(CRASHED), C(SYSTEM_FAILURE), C(INTERRUPTED), C(TIMED_OUT) or
        C(EXPIRED), the server clears the key and starts a new run (C(run.is_cached) V(false), C(changed=true)).
      - This is the way to make triggering idempotent. At most 2048 characters.
    type: str
  idempotency_key_ttl:
    description:
      - How long O(idempotency_key) is remembered, one number and one unit of V(s), V(m), V(h) or V(d), such as
        V(30s), V(1h), V(24h) or V(7d). The server's default is 30 days.
      - Anything else (V(1w), V(1h30m), V(500ms)) is refused before any request, as the server does not read it
        and would keep the key for 30 days.
    type: str
  tags:
    description: Tags of the run (at most 10).
    type: list
    elements: str
  delay:
    description:
      - Start the run later. A duration in the units the server reads, V(w), V(d), V(hr) or V(h), V(m) and V(s),
        such as V(30s), V(15m), V(2h), V(2hr), V(1d), V(1w) (parts may be combined, V(1h30m), each unit once), or
        an ISO-8601 date-time such as V(2030-01-01T09:00:00Z), which must be in the future.
      - Anything else (V(1y), V(500ms), V(1.5h), a past date) is refused before any request, as the server would
        ignore it and start the run at once.
      - A delayed run has the status C(DELAYED) until then; see M(triggerdev.management.trigger_run) to reschedule it.
    type: str
  ttl:
    description:
      - If the run has not started within this time it expires (status C(EXPIRED)). A duration in the units of
        O(delay) such as V(10m) or V(1h), or a number of seconds. Without it the task's own TTL applies (in dev
        environments V(10m)).
    type: raw
  queue:
    description: The name of the queue to put the run on.
    type: str
  concurrency_key:
    description: Runs with the same concurrency key share the queue's concurrency limit separately from other keys.
    type: str
  machine:
    description: The machine preset the run uses, instead of the task's own.
    type: str
    choices: [micro, small-1x, small-2x, medium-1x, medium-2x, large-1x, large-2x]
  max_attempts:
    description: The maximum number of attempts, overriding the task's retry settings.
    type: int
  max_duration:
    description: The maximum compute time of the run in seconds; the run fails with C(TIMED_OUT) when it is exceeded.
    type: int
  metadata:
    description: Metadata to attach to the run.
    type: dict
  priority:
    description: A time offset in seconds that moves the run ahead in the queue; higher is earlier.
    type: int
  region:
    description: The region to run in, for example V(us-east-1) or V(eu-central-1).
    type: str
  version:
    description: Lock the run to this deployed version, for example V(20240523.1). Sent as C(lockToVersion).
    type: str
  test:
    description: Mark the run as a test run.
    type: bool
  wait:
    description:
      - Wait until the run (or every run of the batch) reaches a terminal status (C(COMPLETED), C(CANCELED),
        C(FAILED), C(CRASHED), C(SYSTEM_FAILURE), C(EXPIRED), C(TIMED_OUT)).
      - A single run is polled with C(GET /api/v3/runs/{id}). A batch's run ids are read from the batch itself
        (C(GET /api/v1/batches/{id})), never from the runs list, which lags behind on Trigger.dev; the runs are
        then polled through the runs list filtered by batch (one request per 100 runs per poll), runs it does
        not show yet are read one by one, and each run is read once for its output and error.
      - Fails at once, naming the task and the environment, when a run is seen in C(PENDING_VERSION) (the
        version deployed there does not have the task; only a deploy moves it on). A run that ends C(EXPIRED)
        fails with a hint to check the task id and the deploy.
    type: bool
    default: false
  wait_timeout:
    description:
      - How many seconds to wait with O(wait). When it runs out the task fails with the last known status and the run id;
        the run is not cancelled.
    type: int
    default: 600
  poll_interval:
    description: Seconds between polls with O(wait).
    type: float
    default: 2
  fail_on_run_failure:
    description:
      - With O(wait), fail when a run ends in any status other than C(COMPLETED).
      - Set to V(false) to get the result back and decide in the playbook.
    type: bool
    default: true
notes:
  - Triggering needs a secret key. With an access token the environment's secret key is fetched once through
    the API (see O(api_key)); O(environment) is then required.
  - With O(items) the run ids come from the batch (C(GET /api/v1/batches/{id})). A batch of more than 20 items is
    processed by the server after it answered, so the module reads the batch again until all its runs exist (at
    most O(wait_timeout) seconds), with or without O(wait).
  - With O(items) and idempotency keys, the batch holds the earlier runs returned for their key too; they are in
    RV(runs) and waited for, and the task reports C(changed) only when at least one run is new.
seealso:
  - module: triggerdev.management.trigger_run
  - module: triggerdev.management.trigger_run_info
  - name: Trigger a task (API reference)
    description: The endpoint this module calls for one run.
    link: https://trigger.dev/docs/management/tasks/trigger
  - name: Batch trigger (API reference)
    description: The batch endpoint.
    link: https://trigger.dev/docs/management/tasks/batch-trigger
  - name: Idempotency
    description: How idempotency keys work.
    link: https://trigger.dev/docs/idempotency
'''

EXAMPLES = r'''
- name: Run the database migration task and wait for it
  triggerdev.management.trigger_task:
    task: db-migrate
    payload:
      release: "{{ release_id }}"
    idempotency_key: "migrate-{{ release_id }}"
    wait: true
    wait_timeout: 1800
  register: migration

- name: Show its output
  ansible.builtin.debug:
    var: migration.run.output

- name: Warm the caches of every region in one batch, without failing the play on a failed run
  triggerdev.management.trigger_task:
    task: warm-cache
    items: "{{ regions | map('community.general.dict_kv', 'region') | map('community.general.dict_kv', 'payload') | list }}"
    tags: [deploy]
    wait: true
    fail_on_run_failure: false
  register: warmup

- name: A batch with mixed tasks and per-item options
  triggerdev.management.trigger_task:
    items:
      - task: send-email
        payload: {to: ops@example.com}
      - task: rebuild-index
        payload: {index: products}
        machine: large-1x
        idempotency_key: rebuild-products-2024-05

- name: Start a backfill tomorrow morning with an access token
  triggerdev.management.trigger_task:
    access_token: "{{ trigger_pat }}"
    project_ref: proj_abcdefghijklmnopqrst
    environment: prod
    task: backfill
    payload: {from: 2024-01-01}
    delay: "2030-01-01T06:00:00Z"
    ttl: 2h
'''

RETURN = r'''
run:
  description:
    - The run, for a single trigger. Keys are snake_case; C(payload), C(output) and C(metadata) are returned as given.
    - Without O(wait) it has C(id), C(is_cached) and C(task_identifier). With O(wait) it is the full run
      (as M(triggerdev.management.trigger_run_info) returns it) including C(status), C(output) and C(error).
    - In check mode C(id) is null.
  returned: when O(payload) is used (not O(items))
  type: dict
  sample:
    id: run_cm1abcd2efgh3ijk4lmno5pqr
    is_cached: false
    task_identifier: db-migrate
    status: COMPLETED
    output: {migrated: 12}
runs:
  description:
    - The runs of the batch, one per item in item order (ids from the batch itself). Without O(wait) each as the
      runs list shows it right after triggering, or only its C(id) when the list does not show it yet (it lags a
      moment behind on Trigger.dev); with O(wait) each run in full, with C(status), C(output) and C(error).
  returned: when O(items) is used
  type: list
  elements: dict
batches:
  description: The batches created, one per request, with their C(id) and C(run_count).
  returned: when O(items) is used
  type: list
  elements: dict
  sample: [{id: batch_cm1abcd2efgh3ijk4lmno5pqr, run_count: 250}]
would_trigger:
  description: In check mode, what would be triggered, one entry per run with its C(task) and API C(options).
  returned: check mode
  type: list
  elements: dict
'''

from ansible_collections.triggerdev.management.plugins.module_utils._module import TriggerModule, json_data
from ansible_collections.triggerdev.management.plugins.module_utils._runs import MACHINE_PRESETS, TRIGGER_OPTION_NAMES, TriggerRuns

WAITING = ('wait', 'wait_timeout', 'poll_interval', 'fail_on_run_failure')


def trigger_option_spec():
    return dict(
        idempotency_key=dict(type='str', no_log=False),
        idempotency_key_ttl=dict(type='str', no_log=False),
        tags=dict(type='list', elements='str'),
        delay=dict(type='str'),
        ttl=dict(type='raw'),
        queue=dict(type='str'),
        concurrency_key=dict(type='str', no_log=False),
        machine=dict(type='str', choices=list(MACHINE_PRESETS)),
        max_attempts=dict(type='int'),
        max_duration=dict(type='int'),
        metadata=dict(type='dict'),
        priority=dict(type='int'),
        region=dict(type='str'),
        version=dict(type='str'),
        test=dict(type='bool'),
    )


def argument_spec():
    item_spec = trigger_option_spec()
    item_spec.update(task=dict(type='str'), payload=dict(type='raw'))
    spec = trigger_option_spec()
    spec.update(
        task=dict(type='str'),
        payload=dict(type='raw'),
        items=dict(type='list', elements='dict', options=item_spec),
        wait=dict(type='bool', default=False),
        wait_timeout=dict(type='int', default=600),
        poll_interval=dict(type='float', default=2.0),
        fail_on_run_failure=dict(type='bool', default=True),
    )
    return spec


def main():
    module = TriggerModule(argument_spec(), mutually_exclusive=[('payload', 'items')], required_one_of=[('task', 'items')])
    p = module.params
    items = [dict(item, payload=json_data(item.get('payload'))) for item in p['items']] if p['items'] is not None else None
    module.run(lambda: TriggerRuns(module.client, module.check_mode, task=p['task'], payload=json_data(p['payload']), items=items,
                                   options=dict((k, p[k]) for k in TRIGGER_OPTION_NAMES), **dict((k, p[k]) for k in WAITING)))


if __name__ == '__main__':
    main()
