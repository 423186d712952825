# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""trigger_run main() with set arguments against a mocked HTTP layer."""

from __future__ import annotations

import json

import pytest
import responses

from ansible_collections.triggerdev.management.plugins.modules import trigger_run as MODULE

API = 'https://api.example.test'
SECRET = 'tr_prod_' + 'a' * 24
RUN = API + '/api/v3/runs/run_1'


@pytest.fixture
def run_module(call_main):
    """Run the module with ``args`` against API; ``fail=True`` when it must fail."""
    return lambda args, fail=False: call_main(MODULE, dict(args, api_url=API), fail=fail)


def writes():
    return [c for c in responses.calls if c.request.method != 'GET']


@responses.activate
def test_cancel_running_run(run_module):
    responses.get(RUN, json={'id': 'run_1', 'status': 'EXECUTING', 'taskIdentifier': 't'})
    responses.post(API + '/api/v2/runs/run_1/cancel', json={'id': 'run_1'})
    responses.get(RUN, json={'id': 'run_1', 'status': 'CANCELED', 'taskIdentifier': 't'})
    result = run_module(dict(api_key=SECRET, run_id='run_1', state='canceled', _ansible_diff=True))
    assert result['changed'] is True and result['run']['status'] == 'CANCELED'
    assert result['diff'] == {'before': {'id': 'run_1', 'status': 'EXECUTING'}, 'after': {'id': 'run_1', 'status': 'CANCELED'}}
    assert len(writes()) == 1


@pytest.mark.parametrize('status', ['COMPLETED', 'CANCELED', 'FAILED', 'EXPIRED', 'TIMED_OUT'])
@responses.activate
def test_cancel_finished_run_is_no_change(status, run_module):
    responses.get(RUN, json={'id': 'run_1', 'status': status, 'isCompleted': status not in ('EXPIRED', 'TIMED_OUT')})
    result = run_module(dict(api_key=SECRET, run_id='run_1', state='canceled'))
    assert result['changed'] is False and writes() == []


@responses.activate
def test_cancel_check_mode_sends_nothing(run_module):
    responses.get(RUN, json={'id': 'run_1', 'status': 'QUEUED'})
    result = run_module(dict(api_key=SECRET, run_id='run_1', state='canceled', _ansible_check_mode=True))
    assert result['changed'] is True and writes() == []


@responses.activate
def test_missing_run_fails_clearly_without_retrying(run_module):
    responses.get(API + '/api/v3/runs/run_x', json={'error': 'Run not found'}, status=404, headers={'x-should-retry': 'true'})
    result = run_module(dict(api_key=SECRET, run_id='run_x', state='canceled'), fail=True)
    assert result['msg'].startswith('Run run_x does not exist in the prod environment')
    assert result['failure']['status'] == 404 and len(responses.calls) == 1


@responses.activate
def test_replay_always_changes_and_can_wait(run_module):
    responses.get(RUN, json={'id': 'run_1', 'status': 'FAILED', 'taskIdentifier': 't'})
    responses.post(API + '/api/v1/runs/run_1/replay', json={'id': 'run_2'})
    responses.get(API + '/api/v3/runs/run_2', json={'id': 'run_2', 'status': 'COMPLETED', 'output': {'ok': 1}})
    result = run_module(dict(api_key=SECRET, run_id='run_1', state='replayed', wait=True, poll_interval=0.01))
    assert result['changed'] is True and result['replayed_from'] == 'run_1'
    assert result['run']['id'] == 'run_2' and result['run']['output'] == {'ok': 1}


@responses.activate
def test_replay_wait_failure_fails(run_module):
    responses.get(RUN, json={'id': 'run_1', 'status': 'FAILED'})
    responses.post(API + '/api/v1/runs/run_1/replay', json={'id': 'run_2'})
    responses.get(API + '/api/v3/runs/run_2', json={'id': 'run_2', 'status': 'CRASHED'})
    result = run_module(dict(api_key=SECRET, run_id='run_1', state='replayed', wait=True), fail=True)
    assert 'run_2 CRASHED' in result['msg'] and result['changed'] is True


@responses.activate
def test_replay_check_mode(run_module):
    responses.get(RUN, json={'id': 'run_1', 'status': 'COMPLETED'})
    result = run_module(dict(api_key=SECRET, run_id='run_1', state='replayed', _ansible_check_mode=True))
    assert result['changed'] is True and writes() == []


@responses.activate
def test_reschedule_delayed_run(run_module):
    responses.get(RUN, json={'id': 'run_1', 'status': 'DELAYED', 'delayedUntil': '2030-01-01T00:00:00.000Z'})
    responses.post(API + '/api/v1/runs/run_1/reschedule', json={'id': 'run_1', 'status': 'DELAYED', 'delayedUntil': '2030-01-02T00:00:00.000Z'})
    result = run_module(dict(api_key=SECRET, run_id='run_1', state='rescheduled', delay='2030-01-02T00:00:00Z', _ansible_diff=True))
    assert result['changed'] is True and result['run']['delayed_until'] == '2030-01-02T00:00:00.000Z'
    assert json.loads(writes()[0].request.body) == {'delay': '2030-01-02T00:00:00Z'}
    assert result['diff']['after']['delayed_until'] == '2030-01-02T00:00:00.000Z'


@responses.activate
def test_reschedule_to_the_same_date_is_no_change(run_module):
    responses.get(RUN, json={'id': 'run_1', 'status': 'DELAYED', 'delayedUntil': '2030-01-02T00:00:00.000Z'})
    result = run_module(dict(api_key=SECRET, run_id='run_1', state='rescheduled', delay='2030-01-02T00:00:00Z'))
    assert result['changed'] is False and writes() == []


@responses.activate
@pytest.mark.parametrize('check_mode', [False, True])
def test_reschedule_not_delayed_is_refused_before_the_write_in_both_modes(check_mode, run_module):
    """The API refuses it too (400 Cannot reschedule a run that is not delayed); check mode and a real run agree."""
    responses.get(RUN, json={'id': 'run_1', 'status': 'COMPLETED'})
    result = run_module(dict(api_key=SECRET, run_id='run_1', state='rescheduled', delay='1h', _ansible_check_mode=check_mode),
                        fail=True)
    assert result['msg'] == 'Cannot reschedule run run_1: only a DELAYED run can be rescheduled and it is COMPLETED.'
    assert [c.request.method for c in responses.calls] == ['GET']


@responses.activate
def test_reschedule_bad_delay_refused_before_any_request(run_module):
    result = run_module(dict(api_key=SECRET, run_id='run_1', state='rescheduled', delay='next week'), fail=True)
    assert 'delay' in result['msg'] and len(responses.calls) == 0
    result = run_module(dict(api_key=SECRET, run_id='run_1', state='rescheduled'), fail=True)
    assert 'delay' in result['msg'] and len(responses.calls) == 0


@responses.activate
def test_reschedule_to_a_past_date_refused_before_any_request(run_module):
    # Bug: the date was only checked by the server, after a GET and the POST.
    result = run_module(dict(api_key=SECRET, run_id='run_1', state='rescheduled', delay='2001-01-01T00:00:00Z'), fail=True)
    assert 'is not in the future' in result['msg'] and len(responses.calls) == 0


@pytest.mark.parametrize('delay', ['1y', '500ms', '1.5h', 'soon'])
@responses.activate
def test_reschedule_delay_outside_the_server_grammar_is_refused_before_any_request(delay, run_module):
    result = run_module(dict(api_key=SECRET, run_id='run_1', state='rescheduled', delay=delay), fail=True)
    assert 'delay' in result['msg'] and len(responses.calls) == 0


@responses.activate
def test_reschedule_accepts_the_servers_hr_unit(run_module):
    responses.get(RUN, json={'id': 'run_1', 'status': 'DELAYED', 'delayedUntil': '2030-01-01T00:00:00.000Z'})
    responses.post(API + '/api/v1/runs/run_1/reschedule', json={'id': 'run_1', 'status': 'DELAYED', 'delayedUntil': '2030-01-02T00:00:00.000Z'})
    run_module(dict(api_key=SECRET, run_id='run_1', state='rescheduled', delay='2hr'))
    assert json.loads(responses.calls[1].request.body) == {'delay': '2hr'}
