# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A request the server carried out but whose answer never arrived: the retry must not trigger twice.

The emulator's injected faults happen before a request is handled, so they never produce this case.
An injected latency longer than the module's request_timeout does: the client gives up waiting and
retries, while the server still handles every attempt after the latency. Every attempt of one logical
trigger carries the same idempotency key (the user's, or a one-off key of the module's), so the server
answers the retries with the run it already created.
"""

import time

import harness
from scenarios import list_runs

TAG = 'lost-response'


def _trigger_with_lost_answers(emu, task_args):
    emu.reset()
    emu.faults(latency_ms=1200)
    try:
        run = harness.run_playbook(harness.play([{
            'name': 'trigger', 'ignore_errors': True,
            'triggerdev.management.trigger_task': dict(harness.connection(emu, 'prod'), task='hello-world', request_timeout=0.4,
                                                       retries=2, **task_args)}]))
        time.sleep(1.5)  # the last attempt is still being handled when the client gives up
    finally:
        emu.faults()
    assert run.rc == 0, run.describe()
    return run.result('trigger'), emu.journal()


def test_unkeyed_trigger_retried_after_lost_answers_creates_one_run(emu):
    result, journal = _trigger_with_lost_answers(emu, {'payload': {'x': 1}, 'tags': [TAG]})
    assert result['_status'] == 'failed' and 'could not reach the Trigger.dev API after 3 attempt(s)' in result['msg'], result
    attempts = [e for e in journal if e['method'] == 'POST']
    assert [e['path'] for e in attempts] == ['/api/v1/tasks/hello-world/trigger'] * 3
    assert all(e['status'] == 200 for e in attempts)  # the server handled every attempt
    assert len(list_runs(emu, 'prod', **{'filter[tag]': TAG})) == 1


def test_unkeyed_batch_retried_after_lost_answers_creates_each_run_once(emu):
    items = [{'payload': {'j': j}, 'tags': [TAG]} for j in range(7)]
    result, journal = _trigger_with_lost_answers(emu, {'items': items})
    assert result['_status'] == 'failed' and 'could not reach the Trigger.dev API after 3 attempt(s)' in result['msg'], result
    attempts = [e for e in journal if e['method'] == 'POST']
    assert [e['path'] for e in attempts] == ['/api/v2/tasks/batch'] * 3
    # The server never replays the request idempotency key (docs/dev/protocol.md#triggering): each attempt makes a
    # batch (202), and the items' one-off idempotency keys give the later batches the runs the first one made.
    assert [e['status'] for e in attempts] == [202, 202, 202]
    keys = [[item['options']['idempotencyKey'] for item in e['body']['items']] for e in attempts]
    assert keys[0] == keys[1] == keys[2] and len(set(keys[0])) == 7
    assert len(list_runs(emu, 'prod', **{'filter[tag]': TAG})) == 7
