# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""trigger_schedule and trigger_schedule_info main() with set arguments against a fake schedules API."""

from __future__ import annotations

import json

import pytest

from ansible_collections.triggerdev.management.plugins.modules import trigger_schedule as MODULE
from ansible_collections.triggerdev.management.plugins.modules import trigger_schedule_info as INFO
from ansible_collections.triggerdev.management.tests.unit.plugins.fake_schedules import API, PAT, PROD_KEY


@pytest.fixture
def run(call_main):
    """Run trigger_schedule (or ``module``) with ``args`` against the fake API."""
    def call(args, module=MODULE, fail=False, check=False, diff=False):
        args = dict(args, api_url=API)
        args.setdefault('api_key', PROD_KEY)
        return call_main(module, args, fail=fail, check=check, diff=diff)
    return call


NIGHTLY = dict(deduplication_key='nightly', task='daily-report', cron='0 3 * * *', timezone='Europe/Paris', window='30m')


def test_create_noop_and_diff(fake, run):
    result = run(NIGHTLY, diff=True)
    assert result['changed'] is True and result['recreated'] is False
    assert result['schedule']['deduplication_key'] == 'nightly' and result['schedule']['api_deduplication_key'] == 'prod:nightly'
    assert result['diff']['before'] == {}
    assert result['diff']['after']['cron'] == '0 3 * * *' and result['diff']['after']['deduplication_key'] == 'nightly'
    fake.rsps.calls.reset()
    again = run(dict(NIGHTLY, key='nightly', deduplication_key=None))  # the alias works too
    assert again['changed'] is False and fake.writes() == []
    assert 'diff' not in again


def test_check_mode_create_predicts_without_writing(fake, run):
    result = run(NIGHTLY, check=True, diff=True)
    assert result['changed'] is True and result['actions'] == ['create nightly']
    assert result['schedule']['id'] is None and result['schedule']['timezone'] == 'Europe/Paris'
    assert fake.writes() == [] and fake.schedules == {}


def test_update_diff_shows_before_and_after(fake, run):
    fake.add(dedupKey='prod:nightly', cron='0 3 * * *', timezone='UTC')
    result = run(dict(deduplication_key='nightly', cron='0 4 * * *', timezone='Europe/Paris'), diff=True)
    assert result['changes'] == ['cron', 'timezone']
    assert (result['diff']['before']['cron'], result['diff']['after']['cron']) == ('0 3 * * *', '0 4 * * *')
    assert (result['diff']['before']['timezone'], result['diff']['after']['timezone']) == ('UTC', 'Europe/Paris')


def test_recreate_is_reported(fake, run):
    old = fake.add(dedupKey='prod:nightly')
    result = run(dict(deduplication_key='nightly', task='hourly-sync'))
    assert result['recreated'] is True and result['previous_id'] == old['id'] and result['schedule']['id'] != old['id']


def test_absent_twice(fake, run):
    fake.add(dedupKey='prod:nightly')
    assert run(dict(deduplication_key='nightly', state='absent'))['changed'] is True
    again = run(dict(deduplication_key='nightly', state='absent'))
    assert again['changed'] is False and again['schedule'] is None


@pytest.mark.parametrize('args, fragment', [
    (dict(NIGHTLY, cron='0 3 * *'), 'expected 5'),
    (dict(NIGHTLY, cron='0 25 * * *'), 'hour field'),
    (dict(NIGHTLY, window='2 hours'), 'Invalid window'),
    (dict(NIGHTLY, timezone='Europe/Londres'), 'Unknown timezone'),
    (dict(NIGHTLY, id='sched_1'), 'mutually exclusive'),
    (dict(task='daily-report', cron='0 3 * * *'), 'one of the following is required'),
    (dict(id='not-an-id', active=False), 'not a schedule id'),
    (dict(NIGHTLY, deduplication_key='sched_x', scope_key_to_environment=False), 'starts with "sched_"'),
    (dict(NIGHTLY, api_key=PAT, project_ref='proj_demo'), 'environment is required'),
])
def test_refused_before_any_request(fake, args, fragment, run):
    result = run(args, fail=True)
    assert fragment in result['msg']
    assert len(fake.rsps.calls) == 0


def test_server_message_comes_back(fake, run):
    result = run(dict(NIGHTLY, task='no-such-task'), fail=True)
    assert 'HTTP 422' in result['msg'] and 'Task with identifier no-such-task not found in project.' in result['msg']
    assert result['failure']['status'] == 422


def test_declarative_refused_with_clear_message(fake, run):
    decl = fake.add(type='DECLARATIVE', dedupKey='auto', userDedup=False)
    result = run(dict(id=decl['id'], cron='5 5 * * *'), fail=True)
    assert 'DECLARATIVE' in result['msg'] and 'Only active can be changed' in result['msg']
    assert fake.writes() == []
    assert run(dict(id=decl['id'], active=False))['actions'] == ['deactivate %s' % decl['id']]


def test_access_token_never_leaks_resolved_key(fake, run):
    result = run(dict(NIGHTLY, api_key=PAT, project_ref='proj_demo', environment='prod'))
    assert result['changed'] is True
    text = json.dumps(result)
    assert PROD_KEY not in text and PAT not in text


# ---------------------------------------------------------------------------------------------- info

def test_info_list_and_filters(fake, run):
    fake.add(dedupKey='prod:a', task='daily-report')
    fake.add(dedupKey='prod:b', task='hourly-sync', active=False)
    result = run({}, module=INFO)
    assert result['changed'] is False and len(result['schedules']) == 2
    assert [s['deduplication_key'] for s in run(dict(active=False), module=INFO)['schedules']] == ['b']
    assert [s['task'] for s in run(dict(key='a'), module=INFO)['schedules']] == ['daily-report']


def test_info_missing_id_fails(fake, run):
    result = run(dict(id='sched_missing'), module=INFO, fail=True)
    assert 'No schedule with id sched_missing' in result['msg']


def test_info_timezones_without_auth(fake, run):
    result = run(dict(timezones=True), module=INFO)
    assert result['timezones'] == ['UTC', 'Europe/Paris'] and result['schedules'] == []
    assert 'authorization' not in fake.rsps.calls[0].request.headers
    failed = run(dict(timezones=True, task='x'), module=INFO, fail=True)
    assert 'cannot be combined with task' in failed['msg']
