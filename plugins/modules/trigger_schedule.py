#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: trigger_schedule
short_description: Manage Trigger.dev schedules as code
version_added: 0.1.0
description:
  - Create, update, activate, deactivate and delete imperative schedules of scheduled tasks in one Trigger.dev environment.
  - One schedule (O(deduplication_key) or O(id)), or a declared set in one task (O(schedules)), optionally removing
    the environment's other schedules that the collection created (O(purge)).
  - A schedule is read first and written only when it differs from what is declared, so a second run sends no write.
    A set is read with one listing (every page, 100 schedules a page) and no other read.
  - Writes go through the API's deduplication-key upsert with the complete schedule (the upsert would reset an omitted
    timezone, external id or window). The module never sends C(PUT) to an id that may not exist (the API would create a
    stray schedule).
  - The API cannot change the task of a schedule; a changed O(task) deletes the schedule and creates it again under
    the same key (RV(recreated) is V(true) and the schedule gets a new id).
  - Schedules defined in task code (C(DECLARATIVE), the C(cron) option of C(schedules.task())) are refused, except
    for changing O(active).
  - Schedules are secret-key only in the API; with an access token the environment's secret key is fetched first.
author:
  - triggerdev.management contributors (@triggerdev-ansible)
extends_documentation_fragment:
  - triggerdev.management.connection
  - triggerdev.management.attributes
  - triggerdev.management.attributes.STATE
options:
  deduplication_key:
    description:
      - The key that identifies the schedule. The natural identity of a schedule declared in a playbook.
      - Deduplication keys are unique per B(project) on Trigger.dev, not per environment. By default
        (O(scope_key_to_environment=true)) the key sent to the API is V(<environment>:<key>), for example
        V(prod:nightly-report), or V(preview:<branch>:<key>) for a preview branch, so the same playbook can run
        against every environment.
      - Must not start with V(sched_) once scoped (the API would read it as a schedule id).
      - Exactly one of O(deduplication_key), O(id) and O(schedules) is required.
    type: str
    aliases: [key]
  id:
    description:
      - The id (V(sched_...)) of an existing schedule, for schedules created elsewhere (the dashboard, another tool).
      - A schedule cannot be created by id; an unknown id fails.
    type: str
  scope_key_to_environment:
    description:
      - Whether the key sent to the API is V(<environment>:<deduplication_key>) (V(preview:<branch>:<deduplication_key>)
        for a preview branch) rather than O(deduplication_key) itself.
      - Keep V(true) unless you adopt a schedule created with a bare key elsewhere. With V(false) the same playbook run
        against two environments moves the schedule from one environment to the other instead of creating two
        (upstream issue 3150).
      - Each member has an own development environment, but V(dev:<key>) is the same key for all of them; use
        distinct keys per member for development schedules.
    type: bool
    default: true
  task:
    description:
      - The id of the scheduled task (C(schedules.task())) to run. Required to create a schedule.
      - With an access token the task is checked against the environment's current worker
        (C(GET /api/v1/projects/{ref}/{env}/workers/current), for a preview branch the branch's) before any write; an
        unknown task, or one that is not a scheduled task, is refused with the known scheduled task ids. With a secret
        key that route is not allowed and no other lists an environment's tasks, so the server's own check (HTTP 422
        at the write) is what remains.
      - When it differs from the task of an existing schedule, the schedule is deleted and created again.
      - When not set, the task of an existing schedule is kept.
    type: str
  cron:
    description:
      - A 5-field cron expression (minute hour day-of-month month day-of-week), in O(timezone). Required to create a schedule.
      - Each field takes V(*), numbers, ranges V(A-B), steps V(/N) and lists; months and weekdays take names
        (V(JAN)..V(DEC), V(SUN)..V(SAT)); day of month takes V(L) (last day) and V(?); day of week takes V(?), V(NL) and V(N#K).
        Seconds are not supported. An invalid expression is refused before any request.
      - Compared with the current expression ignoring differences in whitespace.
    type: str
  timezone:
    description:
      - IANA timezone the cron expression is evaluated in, for example V(Europe/London).
      - V(UTC) for a new schedule when not set; an existing schedule keeps its timezone when not set.
      - The server accepts exactly the names of its own list (C(GET /api/v1/timezones)), which the collection ships.
        That list often holds the older name of a zone (V(Asia/Calcutta), V(Europe/Kiev)). Another IANA name of a
        listed zone (V(Asia/Kolkata), V(Europe/Kyiv), V(Etc/UTC)) is sent as the listed name, with a warning saying so,
        and compares equal to it on later runs. A name with no listed equivalent is refused before any request.
    type: str
  external_id:
    description:
      - Free text stored with the schedule, passed to every run (for example a customer id).
      - An existing schedule keeps its external id when not set; set V("") to remove it.
    type: str
  window:
    description:
      - Spreads the runs randomly within a window after each cron time.
      - Whole minutes or hours, at most 24 hours (V(30m), V(2h)), or a percentage of the cron interval (V(25%)).
        Leading zeros (V(05m)) are refused before any request, as the server refuses them.
      - Compared in the form the server reads it back in, whole hours as hours and zero as V(0m) (V(60m) is V(1h),
        V(1440m) is V(24h), V(0h) is V(0m)), so such a value is not rewritten on every run.
      - An existing schedule keeps its window when not set; set V("") to remove it.
    type: str
  active:
    description:
      - Whether the schedule is active. Changed through the activate and deactivate calls, only when it differs.
      - A new schedule is active when not set; an existing schedule keeps its state when not set.
      - The only option that can change a C(DECLARATIVE) schedule.
    type: bool
  state:
    description:
      - V(present) creates or updates the schedule, V(absent) deletes it (an absent schedule is not an error).
    type: str
    choices: [present, absent]
    default: present
  schedules:
    description:
      - A declared set of schedules of this environment (or preview branch), each addressed by its key, managed in one
        task with one listing and then only the writes that differ.
      - Each item takes what a single schedule takes; options given at the top level (O(task), O(cron) and so on)
        are not used with O(schedules).
      - The C(declaration) of M(triggerdev.management.trigger_schedule_info) is a list in exactly this form.
    type: list
    elements: dict
    suboptions:
      deduplication_key:
        description: The key of the schedule, scoped as O(deduplication_key) is.
        type: str
        required: true
        aliases: [key]
      task:
        description: As O(task).
        type: str
      cron:
        description: As O(cron).
        type: str
      timezone:
        description: As O(timezone).
        type: str
      external_id:
        description: As O(external_id).
        type: str
      window:
        description: As O(window).
        type: str
      active:
        description: As O(active).
        type: bool
      state:
        description: As O(state).
        type: str
        choices: [present, absent]
        default: present
  purge:
    description:
      - With O(schedules), also delete the environment's schedules that are not declared, but only those the
        collection created for this environment, that is imperative schedules whose key it scoped for this
        environment (V(<environment>:...), V(preview:<branch>:...)) and that belong to this environment alone.
      - Never touched, and listed in RV(left_alone) with the reason, are declarative schedules, schedules without a
        key (made in the dashboard), schedules of other environments or of several, and keys the collection did not
        scope, unless named in O(purge_extra_keys).
    type: bool
    default: false
  purge_extra_keys:
    description:
      - With O(purge), deduplication keys as stored (not scoped) of schedules of this environment that purge may
        remove as well, for example schedules created with a bare key before the collection managed them.
    type: list
    elements: str
notes:
  - A task change is a delete followed by a create. If the create fails (for example the new task is not a scheduled
    task), the module creates the old schedule again under the same key and fails with the server's message.
  - Server validation errors (HTTP 422, for example an unknown task, a task that is not a scheduled task, or the
    plan's schedule limit) fail the task with the server's message.
seealso:
  - module: triggerdev.management.trigger_schedule_info
  - name: Trigger.dev schedules API
    description: The management API endpoints this module calls.
    link: https://trigger.dev/docs/management/schedules/create
  - name: Scheduled tasks
    description: Declarative and imperative schedules, deduplication keys.
    link: https://trigger.dev/docs/tasks/scheduled
'''

EXAMPLES = r'''
- name: Run the nightly report at 03:00 London time (key sent as prod:nightly-report)
  triggerdev.management.trigger_schedule:
    api_key: "{{ trigger_prod_secret_key }}"
    deduplication_key: nightly-report
    task: daily-report
    cron: "0 3 * * *"
    timezone: Europe/London
    window: 15m

- name: Same schedule in every environment with one access token
  triggerdev.management.trigger_schedule:
    access_token: "{{ trigger_pat }}"
    project_ref: proj_abcdefghijklmnop
    environment: "{{ item }}"
    deduplication_key: nightly-report
    task: daily-report
    cron: "0 3 * * *"
  loop: [staging, prod]

- name: Pause a schedule (also works for a schedule defined in task code)
  triggerdev.management.trigger_schedule:
    id: sched_1234567890abcdefghijklmn
    active: false

- name: Adopt a schedule created elsewhere with the bare key "hourly-sync"
  triggerdev.management.trigger_schedule:
    deduplication_key: hourly-sync
    scope_key_to_environment: false
    task: hourly-sync
    cron: "0 * * * *"

- name: Remove a schedule
  triggerdev.management.trigger_schedule:
    deduplication_key: nightly-report
    state: absent

- name: Every schedule of prod in one task; remove the ones this collection made that are no longer declared
  triggerdev.management.trigger_schedule:
    environment: prod
    purge: true
    schedules:
      - {key: nightly-report, task: daily-report, cron: "0 3 * * *", timezone: Europe/London}
      - {key: hourly-sync, task: hourly-sync, cron: "0 * * * *", window: 10m}
      - {key: legacy-export, state: absent}
  register: prod_schedules

- name: What purge left alone, and why
  ansible.builtin.debug:
    var: prod_schedules.left_alone
'''

RETURN = r'''
schedule:
  description:
    - The schedule after the task (in check mode, as it would be; values only the server computes are null).
    - Null when O(state=absent) and the schedule did not exist.
  returned: with O(deduplication_key) or O(id)
  type: dict
  contains:
    id:
      description: Schedule id. Null in check mode for a schedule that would be created.
      type: str
      sample: sched_1234567890abcdefghijklmn
    type:
      description: V(IMPERATIVE) (made through the API) or V(DECLARATIVE) (defined in task code).
      type: str
      sample: IMPERATIVE
    task:
      description: Task id.
      type: str
      sample: daily-report
    cron:
      description: The cron expression (whitespace normalized).
      type: str
      sample: "0 3 * * *"
    cron_description:
      description: The server's English description of the cron expression.
      type: str
      sample: At 03:00 AM
    timezone:
      description: IANA timezone.
      type: str
      sample: Europe/London
    external_id:
      description: External id, or null.
      type: str
    window:
      description: Jitter window, or null.
      type: str
      sample: 15m
    active:
      description: Whether the schedule is active.
      type: bool
    deduplication_key:
      description: The key as given in O(deduplication_key) (without the environment scope).
      type: str
      sample: nightly-report
    api_deduplication_key:
      description: The deduplication key stored on Trigger.dev, as the module sent it (with the environment scope).
      type: str
      sample: prod:nightly-report
    next_run:
      description: Next cron time (ISO 8601), null when inactive.
      type: str
    next_run_effective_at:
      description: Next actual run time after the window offset, null when inactive.
      type: str
    environments:
      description: The environments the schedule is attached to (keys in snake_case, as the API returns them).
      type: list
      elements: dict
      sample: [{"id": "env_1234", "type": "PRODUCTION"}]
schedules:
  description:
    - With O(schedules), the declared schedules that are present after the task, in the order declared, each as
      RV(schedule) describes one (in check mode, as they would be).
  returned: with O(schedules)
  type: list
  elements: dict
purged:
  description: With O(purge), the keys of the schedules deleted (or that would be deleted) because they are not declared.
  returned: with O(schedules)
  type: list
  elements: str
  sample: [old-report]
left_alone:
  description: With O(purge), the undeclared schedules purge did not touch, and why.
  returned: with O(schedules)
  type: list
  elements: dict
  sample: [{id: sched_1234567890abcdefghijklmn, deduplication_key: null, reason: "no deduplication key: not created by this collection"}]
recreated:
  description: Whether the schedule was deleted and created again because its task changed (it has a new id).
  returned: with O(deduplication_key) or O(id)
  type: bool
previous_id:
  description: The id of the schedule that was deleted to change the task.
  returned: when RV(recreated) is true
  type: str
actions:
  description: The writes done (or, in check mode, that would be done), in order, each with the key (or id) it acts on.
  returned: always
  type: list
  elements: str
  sample: [update nightly-report, deactivate nightly-report, delete prod:old-report]
changes:
  description: The declared fields that differ from the current schedule.
  returned: with O(deduplication_key) or O(id)
  type: list
  elements: str
  sample: [cron, timezone]
'''

from ansible_collections.triggerdev.management.plugins.module_utils._module import TriggerModule
from ansible_collections.triggerdev.management.plugins.module_utils._schedules import FIELDS, ScheduleSet, ScheduleState


def main():
    # What one schedule declares, at the top level (one schedule) and in each item of schedules (a set).
    schedule_options = dict(
        task=dict(type='str'),
        cron=dict(type='str'),
        timezone=dict(type='str'),
        external_id=dict(type='str'),
        window=dict(type='str'),
        active=dict(type='bool'),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
    )
    module = TriggerModule(
        argument_spec=dict(
            deduplication_key=dict(type='str', aliases=['key'], no_log=False),
            id=dict(type='str'),
            scope_key_to_environment=dict(type='bool', default=True, no_log=False),
            schedules=dict(type='list', elements='dict', options=dict(
                deduplication_key=dict(type='str', required=True, aliases=['key'], no_log=False), **schedule_options)),
            purge=dict(type='bool', default=False),
            purge_extra_keys=dict(type='list', elements='str', no_log=False),
            **schedule_options
        ),
        mutually_exclusive=[('deduplication_key', 'id', 'schedules')] + [('schedules', name) for name in FIELDS],
        required_one_of=[('deduplication_key', 'id', 'schedules')],
        required_by={'purge_extra_keys': 'purge'},
    )
    p = module.params
    if p['schedules'] is not None:
        module.run(lambda: ScheduleSet(module.client, module.check_mode, p['schedules'], purge=p['purge'],
                                       purge_extra_keys=p['purge_extra_keys'], scoped=p['scope_key_to_environment']))
    module.run(lambda: ScheduleState(module.client, module.check_mode, key=p['deduplication_key'], schedule_id=p['id'],
                                     state=p['state'], scoped=p['scope_key_to_environment'],
                                     desired=dict((name, p[name]) for name in FIELDS)))


if __name__ == '__main__':
    main()
