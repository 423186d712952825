# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""trigger_task main() with set arguments against a mocked HTTP layer."""

from __future__ import annotations

import json

import pytest
import responses

from ansible_collections.triggerdev.management.plugins.modules import trigger_task as MODULE
from module_harness import ExitJson, FailJson, ansible_exits, call_main  # noqa: F401  pylint: disable=unused-import

API = 'https://api.example.test'
SECRET = 'tr_prod_' + 'a' * 24
PAT = 'tr_pat_' + 'c' * 40
PROJECT = 'proj_abcdefghijklmnopqrst'
TRIGGER = API + '/api/v1/tasks/hello-world/trigger'


def run_module(args, expect=ExitJson):
    return call_main(MODULE, dict(args, api_url=API), expect)


@responses.activate
def test_trigger_sends_payload_and_every_option():
    responses.post(TRIGGER, json={'id': 'run_1', 'isCached': False})
    result = run_module(dict(api_key=SECRET, task='hello-world', payload={'name': 'Ansible', 'n': [1, 2]},
                             idempotency_key='deploy-42', idempotency_key_ttl='1d', tags=['deploy'], delay='5m', ttl='3600',
                             queue='critical', concurrency_key='tenant-1', machine='small-2x', max_attempts=2, max_duration=120,
                             metadata={'release': 42}, priority=30, region='eu-central-1', version='20240523.1', test=True))
    assert result['changed'] is True
    assert result['run'] == {'id': 'run_1', 'is_cached': False, 'task_identifier': 'hello-world'}
    body = json.loads(responses.calls[0].request.body)
    assert body == {'payload': {'name': 'Ansible', 'n': [1, 2]}, 'options': {
        'idempotencyKey': 'deploy-42', 'idempotencyKeyTTL': '1d', 'tags': ['deploy'], 'delay': '5m', 'ttl': 3600,
        'queue': {'name': 'critical'}, 'concurrencyKey': 'tenant-1', 'machine': 'small-2x', 'maxAttempts': 2,
        'maxDuration': 120, 'metadata': {'release': 42}, 'priority': 30, 'region': 'eu-central-1',
        'lockToVersion': '20240523.1', 'test': True, 'payloadType': 'application/json'}}
    assert responses.calls[0].request.headers['x-trigger-request-idempotency-key']


@responses.activate
def test_cached_idempotency_key_is_not_a_change():
    responses.post(TRIGGER, json={'id': 'run_1', 'isCached': True})
    result = run_module(dict(api_key=SECRET, task='hello-world', payload=None, idempotency_key='k'))
    assert result['changed'] is False and result['run']['id'] == 'run_1' and result['run']['is_cached'] is True


@responses.activate
def test_check_mode_triggers_nothing():
    result = run_module(dict(api_key=SECRET, task='hello-world', payload={'a': 1}, tags=['x'], _ansible_check_mode=True))
    assert result['changed'] is True and result['run']['id'] is None
    assert result['would_trigger'] == [{'task': 'hello-world', 'options': {'tags': ['x'], 'payloadType': 'application/json'}}]
    assert len(responses.calls) == 0


@pytest.mark.parametrize('args,match', [
    (dict(machine='gigantic'), 'machine'),
    (dict(delay='in five minutes'), 'delay'),
    (dict(ttl='1 hour'), 'ttl'),
    (dict(payload='x' * (3 * 1024 * 1024 + 1)), 'too large'),
    (dict(items=[{'payload': 1, 'delay': 'soon'}]), r'items\[0\]\.delay'),
    (dict(items=[]), 'items is empty'),
    (dict(wait=True, poll_interval=0), 'poll_interval'),
])
@responses.activate
def test_refused_before_any_request(args, match):
    base = dict(api_key=SECRET, task='hello-world')
    base.update(args)
    result = run_module(base, expect=FailJson)
    assert __import__('re').search(match, result['msg'])
    assert len(responses.calls) == 0


@responses.activate
def test_payload_and_items_are_exclusive():
    result = run_module(dict(api_key=SECRET, task='t', payload=1, items=[{'payload': 1}]), expect=FailJson)
    assert 'mutually exclusive' in result['msg']


@responses.activate
def test_wait_success_returns_output():
    responses.post(TRIGGER, json={'id': 'run_1', 'isCached': False})
    responses.get(API + '/api/v3/runs/run_1', json={'id': 'run_1', 'status': 'EXECUTING'})
    responses.get(API + '/api/v3/runs/run_1', json={'id': 'run_1', 'status': 'COMPLETED', 'output': {'message': 'Hello'},
                                                    'taskIdentifier': 'hello-world'})
    result = run_module(dict(api_key=SECRET, task='hello-world', wait=True, poll_interval=0.01))
    assert result['changed'] is True
    assert result['run']['status'] == 'COMPLETED' and result['run']['output'] == {'message': 'Hello'}
    assert result['run']['task_identifier'] == 'hello-world'


@responses.activate
def test_wait_failure_fails_unless_told_not_to():
    for _i in range(2):
        responses.post(TRIGGER, json={'id': 'run_1', 'isCached': False})
        responses.get(API + '/api/v3/runs/run_1', json={'id': 'run_1', 'status': 'FAILED', 'error': {'message': 'boom'}})
    result = run_module(dict(api_key=SECRET, task='hello-world', wait=True), expect=FailJson)
    assert 'run_1 FAILED (boom)' in result['msg'] and result['run']['error'] == {'message': 'boom'}
    result = run_module(dict(api_key=SECRET, task='hello-world', wait=True, fail_on_run_failure=False))
    assert result['run']['status'] == 'FAILED' and result['changed'] is True


@responses.activate
def test_wait_timeout_reports_last_status_and_id():
    responses.post(TRIGGER, json={'id': 'run_9', 'isCached': False})
    responses.get(API + '/api/v3/runs/run_9', json={'id': 'run_9', 'status': 'QUEUED'})
    result = run_module(dict(api_key=SECRET, task='hello-world', wait=True, wait_timeout=0), expect=FailJson)
    assert 'run_9' in result['msg'] and 'QUEUED' in result['msg']
    assert result['run']['id'] == 'run_9'


@responses.activate
def test_batch_one_request_then_lists_runs():
    responses.post(API + '/api/v2/tasks/batch', json={'id': 'batch_1', 'runCount': 3}, status=202)
    responses.get(API + '/api/v1/runs', json={'data': [{'id': 'run_%d' % i, 'status': 'QUEUED', 'batchId': 'batch_1'}
                                                       for i in range(3)], 'pagination': {}})
    result = run_module(dict(api_key=SECRET, task='hello-world', tags=['all'],
                             items=[{'payload': 1}, {'payload': 2, 'task': 'other', 'tags': ['own']}, {'payload': 3}]))
    assert result['changed'] is True
    assert result['batches'] == [{'id': 'batch_1', 'run_count': 3}]
    assert [r['id'] for r in result['runs']] == ['run_0', 'run_1', 'run_2'] and result['runs'][0]['batch_id'] == 'batch_1'
    body = json.loads(responses.calls[0].request.body)
    assert [(i['task'], i['payload'], i['options']['tags']) for i in body['items']] == [
        ('hello-world', 1, ['all']), ('other', 2, ['own']), ('hello-world', 3, ['all'])]
    assert 'filter%5Bbatch%5D=batch_1' in responses.calls[1].request.url


@responses.activate
def test_batch_with_only_cached_idempotency_keys_is_not_a_change():
    responses.post(API + '/api/v2/tasks/batch', json={'id': 'batch_2', 'runCount': 1}, status=202)
    responses.get(API + '/api/v1/runs', json={'data': [], 'pagination': {}})
    result = run_module(dict(api_key=SECRET, task='hello-world', items=[{'payload': 1, 'idempotency_key': 'once'}], wait=True))
    assert result['changed'] is False and result['runs'] == []


@responses.activate
def test_batch_check_mode():
    result = run_module(dict(api_key=SECRET, task='t', items=[{'payload': i} for i in range(3)], _ansible_check_mode=True))
    assert result['changed'] is True and len(result['would_trigger']) == 3 and len(responses.calls) == 0


@responses.activate
def test_access_token_resolves_the_secret_key_once_and_hides_it():
    env_key = 'tr_prod_' + 'z' * 24
    responses.get(API + '/api/v1/projects/%s/prod' % PROJECT, json={'apiKey': env_key})
    responses.post(TRIGGER, json={'id': 'run_1', 'isCached': False})
    result = run_module(dict(api_key=PAT, project_ref=PROJECT, environment='prod', task='hello-world'))
    assert responses.calls[1].request.headers['authorization'] == 'Bearer ' + env_key
    assert env_key not in json.dumps(result)
