#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: trigger_run
short_description: Cancel, replay or reschedule a Trigger.dev run
version_added: 0.1.0
description:
  - Acts on one existing run of a Trigger.dev task.
  - O(state=canceled) cancels the run. The run is read first; a run that has already finished is left alone and
    the result is C(changed=false), so this is idempotent.
  - O(state=replayed) starts a new run of the same task with the same payload and returns the new run's id.
    B(This is not idempotent):) every call starts another run. Guard it with a condition in the playbook.
  - O(state=rescheduled) moves a C(DELAYED) run to a new start time given by O(delay). A run in any other status
    cannot be rescheduled; the API's reason is returned as the error.
author:
  - triggerdev.management contributors (@triggerdev-ansible)
extends_documentation_fragment:
  - triggerdev.management.connection
  - triggerdev.management.attributes
  - triggerdev.management.attributes.STATE
attributes:
  check_mode:
    details:
      - The run is read; nothing is cancelled, replayed or rescheduled.
  diff_mode:
    details:
      - The diff shows the run's status (cancel) or its C(delayed_until) (reschedule).
options:
  run_id:
    description: The id of the run, V(run_...).
    type: str
    required: true
  state:
    description: What to do with the run.
    type: str
    required: true
    choices: [canceled, replayed, rescheduled]
  delay:
    description:
      - With O(state=rescheduled), the new start of the run. A duration from now in the server's units V(w), V(d),
        V(hr) or V(h), V(m), V(s), such as V(30m), V(2h), V(2hr), V(1d) (parts may be combined, V(1h30m), each unit
        once), or an ISO-8601 date-time in the future such as V(2030-01-01T09:00:00Z).
      - Anything else (V(1y), V(500ms), V(1.5h)) is refused before any request (the server answers C(Invalid delay)).
      - With a date-time equal to the run's current C(delayedUntil) nothing is sent (C(changed=false)); a duration
        always reschedules.
    type: str
  wait:
    description:
      - With O(state=replayed), wait until the new run reaches a terminal status (C(COMPLETED), C(CANCELED), C(FAILED),
        C(CRASHED), C(SYSTEM_FAILURE), C(EXPIRED), C(TIMED_OUT)).
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait with O(wait). When it runs out the task fails with the last known status and the run id.
    type: int
    default: 600
  poll_interval:
    description: Seconds between polls with O(wait).
    type: float
    default: 2
  fail_on_run_failure:
    description: With O(wait), fail when the new run ends in any status other than C(COMPLETED).
    type: bool
    default: true
notes:
  - These endpoints need a secret key. With an access token the environment's secret key is fetched once through
    the API (see O(api_key)); O(environment) is then required.
seealso:
  - module: triggerdev.management.trigger_run_info
  - module: triggerdev.management.trigger_task
  - name: Cancel a run (API reference)
    description: The cancel endpoint.
    link: https://trigger.dev/docs/management/runs/cancel
  - name: Replay a run (API reference)
    description: The replay endpoint.
    link: https://trigger.dev/docs/management/runs/replay
  - name: Reschedule a run (API reference)
    description: The reschedule endpoint.
    link: https://trigger.dev/docs/management/runs/reschedule
'''

EXAMPLES = r'''
- name: Cancel a run (no change if it has already finished)
  triggerdev.management.trigger_run:
    run_id: run_cm1abcd2efgh3ijk4lmno5pqr
    state: canceled

- name: Replay a failed run and wait for the new one
  triggerdev.management.trigger_run:
    run_id: "{{ failed_run_id }}"
    state: replayed
    wait: true
  register: replay

- name: Push a delayed run back by two hours
  triggerdev.management.trigger_run:
    run_id: "{{ delayed_run_id }}"
    state: rescheduled
    delay: 2h
'''

RETURN = r'''
run:
  description:
    - The run acted on (snake_case keys; C(payload), C(output) and C(metadata) as given), as read after the action.
    - For O(state=replayed) this is the B(new) run (C(id) only, or in full with O(wait)); in check mode the original run.
  returned: always
  type: dict
  sample: {id: run_cm1abcd2efgh3ijk4lmno5pqr, status: CANCELED, task_identifier: hello-world}
replayed_from:
  description: The id of the run that was replayed.
  returned: O(state=replayed)
  type: str
'''

from ansible_collections.triggerdev.management.plugins.module_utils._module import TriggerModule
from ansible_collections.triggerdev.management.plugins.module_utils._runs import RunAction

WAITING = ('wait', 'wait_timeout', 'poll_interval', 'fail_on_run_failure')


def main():
    module = TriggerModule(dict(
        run_id=dict(type='str', required=True),
        state=dict(type='str', required=True, choices=list(RunAction.STATES)),
        delay=dict(type='str'),
        wait=dict(type='bool', default=False),
        wait_timeout=dict(type='int', default=600),
        poll_interval=dict(type='float', default=2.0),
        fail_on_run_failure=dict(type='bool', default=True),
    ))
    p = module.params
    module.run(lambda: RunAction(module.client, module.check_mode, p['run_id'], p['state'], delay=p['delay'],
                                 **dict((k, p[k]) for k in WAITING)))


if __name__ == '__main__':
    main()
