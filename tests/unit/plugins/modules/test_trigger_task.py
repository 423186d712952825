# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""trigger_task main() with set arguments against a mocked HTTP layer."""

from __future__ import annotations

import json

import pytest
import responses

from ansible_collections.triggerdev.management.plugins.modules import trigger_task as MODULE

API = 'https://api.example.test'
SECRET = 'tr_prod_' + 'a' * 24
PAT = 'tr_pat_' + 'c' * 40
PROJECT = 'proj_abcdefghijklmnopqrst'
TRIGGER = API + '/api/v1/tasks/hello-world/trigger'


@pytest.fixture
def run_module(call_main):
    """Run the module with ``args`` against API; ``fail=True`` when it must fail."""
    return lambda args, fail=False: call_main(MODULE, dict(args, api_url=API), fail=fail)


@responses.activate
def test_trigger_sends_payload_and_every_option(run_module):
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
def test_cached_idempotency_key_is_not_a_change(run_module):
    responses.post(TRIGGER, json={'id': 'run_1', 'isCached': True})
    result = run_module(dict(api_key=SECRET, task='hello-world', payload=None, idempotency_key='k'))
    assert result['changed'] is False and result['run']['id'] == 'run_1' and result['run']['is_cached'] is True


@responses.activate
def test_check_mode_triggers_nothing(run_module):
    result = run_module(dict(api_key=SECRET, task='hello-world', payload={'a': 1}, tags=['x'], _ansible_check_mode=True))
    assert result['changed'] is True and result['run']['id'] is None
    assert result['would_trigger'] == [{'task': 'hello-world', 'options': {'tags': ['x'], 'payloadType': 'application/json'}}]
    assert len(responses.calls) == 0


@pytest.mark.parametrize('args,match', [
    (dict(machine='gigantic'), 'machine'),
    (dict(delay='in five minutes'), 'delay'),
    (dict(ttl='1 hour'), 'ttl'),
    (dict(delay='1y'), 'starts the run at once'),
    (dict(delay='500ms'), 'starts the run at once'),
    (dict(idempotency_key='k', idempotency_key_ttl='1w'), '30 days'),
    (dict(idempotency_key='k', idempotency_key_ttl='1h30m'), '30 days'),
    (dict(items=[{'payload': 1, 'idempotency_key_ttl': '2hr'}]), r'items\[0\]\.idempotency_key_ttl'),
    (dict(payload='x' * (3 * 1024 * 1024 + 1)), 'too large'),
    (dict(items=[{'payload': 1, 'delay': 'soon'}]), r'items\[0\]\.delay'),
    (dict(items=[]), 'items is empty'),
    (dict(wait=True, poll_interval=0), 'poll_interval'),
])
@responses.activate
def test_refused_before_any_request(args, match, run_module):
    base = dict(api_key=SECRET, task='hello-world')
    base.update(args)
    result = run_module(base, fail=True)
    assert __import__('re').search(match, result['msg'])
    assert len(responses.calls) == 0


@responses.activate
def test_payload_and_items_are_exclusive(run_module):
    result = run_module(dict(api_key=SECRET, task='t', payload=1, items=[{'payload': 1}]), fail=True)
    assert 'mutually exclusive' in result['msg']


@responses.activate
def test_wait_success_returns_output(run_module):
    responses.post(TRIGGER, json={'id': 'run_1', 'isCached': False})
    responses.get(API + '/api/v3/runs/run_1', json={'id': 'run_1', 'status': 'EXECUTING'})
    responses.get(API + '/api/v3/runs/run_1', json={'id': 'run_1', 'status': 'COMPLETED', 'output': {'message': 'Hello'},
                                                    'taskIdentifier': 'hello-world'})
    result = run_module(dict(api_key=SECRET, task='hello-world', wait=True, poll_interval=0.01))
    assert result['changed'] is True
    assert result['run']['status'] == 'COMPLETED' and result['run']['output'] == {'message': 'Hello'}
    assert result['run']['task_identifier'] == 'hello-world'


@responses.activate
def test_wait_failure_fails_unless_told_not_to(run_module):
    for _i in range(2):
        responses.post(TRIGGER, json={'id': 'run_1', 'isCached': False})
        responses.get(API + '/api/v3/runs/run_1', json={'id': 'run_1', 'status': 'FAILED', 'error': {'message': 'boom'}})
    result = run_module(dict(api_key=SECRET, task='hello-world', wait=True), fail=True)
    assert 'run_1 FAILED (boom)' in result['msg'] and result['run']['error'] == {'message': 'boom'}
    result = run_module(dict(api_key=SECRET, task='hello-world', wait=True, fail_on_run_failure=False))
    assert result['run']['status'] == 'FAILED' and result['changed'] is True


@responses.activate
def test_wait_timeout_reports_last_status_and_id(run_module):
    responses.post(TRIGGER, json={'id': 'run_9', 'isCached': False})
    responses.get(API + '/api/v3/runs/run_9', json={'id': 'run_9', 'status': 'QUEUED'})
    result = run_module(dict(api_key=SECRET, task='hello-world', wait=True, wait_timeout=0), fail=True)
    assert 'run_9' in result['msg'] and 'QUEUED' in result['msg']
    assert result['run']['id'] == 'run_9'


@responses.activate
def test_batch_one_request_then_reads_the_run_ids_from_the_batch(run_module):
    responses.post(API + '/api/v2/tasks/batch', json={'id': 'batch_1', 'runCount': 3}, status=202)
    responses.get(API + '/api/v1/batches/batch_1', json={'id': 'batch_1', 'runCount': 3, 'runs': []})
    responses.get(API + '/api/v1/batches/batch_1', json={'id': 'batch_1', 'runCount': 3, 'runs': ['run_0', 'run_1', 'run_2']})
    # the list lags: it shows only one run yet
    responses.get(API + '/api/v1/runs', json={'data': [{'id': 'run_1', 'status': 'QUEUED', 'batchId': 'batch_1'}], 'pagination': {}})
    result = run_module(dict(api_key=SECRET, task='hello-world', tags=['all'], poll_interval=0.01,
                             items=[{'payload': 1}, {'payload': 2, 'task': 'other', 'tags': ['own']}, {'payload': 3}]))
    assert result['changed'] is True
    assert result['batches'] == [{'id': 'batch_1', 'run_count': 3}]
    assert result['runs'] == [{'id': 'run_0'}, {'id': 'run_1', 'status': 'QUEUED', 'batch_id': 'batch_1'}, {'id': 'run_2'}]
    body = json.loads(responses.calls[0].request.body)
    assert [(i['task'], i['payload'], i['options']['tags']) for i in body['items']] == [
        ('hello-world', 1, ['all']), ('other', 2, ['own']), ('hello-world', 3, ['all'])]
    assert 'filter%5Bbatch%5D=batch_1' in responses.calls[3].request.url


@responses.activate
def test_keyed_batch_wait_never_succeeds_before_every_run_is_known(run_module):
    """The runs list is empty (lag) and the batch is still being processed: the module keeps waiting."""
    responses.post(API + '/api/v2/tasks/batch', json={'id': 'batch_1', 'runCount': 2}, status=202)
    responses.get(API + '/api/v1/batches/batch_1', json={'id': 'batch_1', 'runCount': 2, 'runs': []})
    responses.get(API + '/api/v1/batches/batch_1', json={'id': 'batch_1', 'runCount': 2, 'runs': ['run_a', 'run_b']})
    responses.get(API + '/api/v1/runs', json={'data': [], 'pagination': {}})
    responses.get(API + '/api/v3/runs/run_a', json={'id': 'run_a', 'status': 'COMPLETED', 'batchId': 'batch_1'})
    responses.get(API + '/api/v3/runs/run_b', json={'id': 'run_b', 'status': 'EXECUTING', 'batchId': 'batch_1'})
    responses.get(API + '/api/v3/runs/run_b', json={'id': 'run_b', 'status': 'COMPLETED', 'batchId': 'batch_1'})
    result = run_module(dict(api_key=SECRET, task='hello-world', wait=True, poll_interval=0.01,
                             items=[{'payload': 1, 'idempotency_key': 'a'}, {'payload': 2, 'idempotency_key': 'b'}]))
    assert result['changed'] is True
    assert [(r['id'], r['status']) for r in result['runs']] == [('run_a', 'COMPLETED'), ('run_b', 'COMPLETED')]


@responses.activate
def test_batch_with_only_cached_idempotency_keys_is_not_a_change(run_module):
    """The batch holds the earlier run returned for the key; it belongs to another batch."""
    responses.post(API + '/api/v2/tasks/batch', json={'id': 'batch_2', 'runCount': 1}, status=202)
    responses.get(API + '/api/v1/batches/batch_2', json={'id': 'batch_2', 'runCount': 1, 'runs': ['run_old']})
    responses.get(API + '/api/v1/runs', json={'data': [], 'pagination': {}})
    responses.get(API + '/api/v3/runs/run_old', json={'id': 'run_old', 'status': 'COMPLETED', 'batchId': 'batch_1'})
    result = run_module(dict(api_key=SECRET, task='hello-world', items=[{'payload': 1, 'idempotency_key': 'once'}], wait=True))
    assert result['changed'] is False and [r['id'] for r in result['runs']] == ['run_old']
    result = run_module(dict(api_key=SECRET, task='hello-world', items=[{'payload': 1, 'idempotency_key': 'once'}]))
    assert result['changed'] is False and result['runs'] == [{'id': 'run_old'}]


@responses.activate
def test_key_reused_after_a_failed_run_starts_a_new_run_and_is_a_change(run_module):
    """The server clears a key whose run failed: isCached false, a new run id."""
    responses.post(TRIGGER, json={'id': 'run_2', 'isCached': False})
    result = run_module(dict(api_key=SECRET, task='hello-world', idempotency_key='migrate-1'))
    assert result['changed'] is True and result['run'] == {'id': 'run_2', 'is_cached': False, 'task_identifier': 'hello-world'}


@responses.activate
def test_wait_fails_fast_when_the_run_waits_for_a_deploy(run_module):
    responses.post(TRIGGER, json={'id': 'run_1', 'isCached': False})
    responses.get(API + '/api/v3/runs/run_1', json={'id': 'run_1', 'status': 'PENDING_VERSION', 'taskIdentifier': 'hello-world'})
    result = run_module(dict(api_key=SECRET, task='hello-world', wait=True, wait_timeout=600, poll_interval=30), fail=True)
    assert "Run run_1 of task 'hello-world' is waiting in PENDING_VERSION in the prod environment" in result['msg']
    assert result['run']['status'] == 'PENDING_VERSION' and result['changed'] is True
    assert len(responses.calls) == 2  # no further polls


@responses.activate
def test_expired_run_fails_with_a_hint(run_module):
    responses.post(TRIGGER, json={'id': 'run_1', 'isCached': False})
    responses.get(API + '/api/v3/runs/run_1', json={'id': 'run_1', 'status': 'EXPIRED', 'taskIdentifier': 'hello-world',
                                                    'error': {'message': 'Run expired because the TTL (10m) was reached'}})
    result = run_module(dict(api_key=SECRET, task='hello-world', wait=True), fail=True)
    assert "Task 'hello-world' EXPIRED in the prod environment" in result['msg'] and 'deployed to prod' in result['msg']


WORKER = API + '/api/v1/projects/%s/prod/workers/current' % PROJECT


def _worker(*tasks):
    return {'worker': {'id': 'worker_1', 'version': '20240101.3', 'engine': 'V2', 'tasks': [
        {'id': 'task_%s' % t, 'slug': t, 'filePath': 'src/%s.ts' % t, 'triggerSource': 'STANDARD'} for t in tasks]},
        'urls': {'runs': 'https://x'}}


@responses.activate
def test_access_token_refuses_an_unknown_task_before_triggering(run_module):
    responses.get(WORKER, json=_worker('hello-world', 'send-email'))
    result = run_module(dict(api_key=PAT, project_ref=PROJECT, environment='prod', task='hello-wrld'), fail=True)
    assert "Task 'hello-wrld' is not in the version deployed in the prod environment (version 20240101.3)" in result['msg']
    assert 'Known task ids: hello-world, send-email.' in result['msg']
    assert [c.request.url for c in responses.calls] == [WORKER]


@responses.activate
def test_access_token_refuses_a_batch_with_an_unknown_task_and_when_nothing_is_deployed(run_module):
    responses.get(WORKER, json=_worker('hello-world'))
    result = run_module(dict(api_key=PAT, project_ref=PROJECT, environment='prod', task='hello-world',
                             items=[{'payload': 1}, {'payload': 2, 'task': 'other'}]), fail=True)
    assert "Task 'other' is not in the version deployed" in result['msg'] and len(responses.calls) == 1
    responses.replace(responses.GET, WORKER, json={'error': 'Worker not found'}, status=404)
    result = run_module(dict(api_key=PAT, project_ref=PROJECT, environment='prod', task='hello-world'), fail=True)
    assert 'Nothing is deployed in the prod environment' in result['msg'] and len(responses.calls) == 2


@responses.activate
def test_access_token_checks_the_task_once_then_triggers(run_module):
    env_key = 'tr_prod_' + 'z' * 24
    responses.get(WORKER, json=_worker('hello-world'))
    responses.get(API + '/api/v1/projects/%s/prod' % PROJECT, json={'apiKey': env_key})
    responses.post(TRIGGER, json={'id': 'run_1', 'isCached': False})
    result = run_module(dict(api_key=PAT, project_ref=PROJECT, environment='prod', task='hello-world'))
    assert result['changed'] is True
    paths = [c.request.path_url for c in responses.calls]
    assert paths == ['/api/v1/projects/%s/prod/workers/current' % PROJECT, '/api/v1/projects/%s/prod' % PROJECT,
                     '/api/v1/tasks/hello-world/trigger']
    assert responses.calls[0].request.headers['authorization'] == 'Bearer ' + PAT


@responses.activate
def test_preview_branch_worker_is_selected_with_the_branch_header(run_module):
    responses.get(API + '/api/v1/projects/%s/preview/workers/current' % PROJECT, json=_worker('other'))
    result = run_module(dict(api_key=PAT, project_ref=PROJECT, environment='preview', branch='feature-x', task='hello-world'),
                        fail=True)
    assert responses.calls[0].request.headers['x-trigger-branch'] == 'feature-x'
    assert 'preview branch feature-x environment' in result['msg']


@responses.activate
def test_secret_key_cannot_check_the_task(run_module):
    responses.post(TRIGGER, json={'id': 'run_1', 'isCached': False})
    run_module(dict(api_key=SECRET, task='hello-world'))
    assert [c.request.path_url for c in responses.calls] == ['/api/v1/tasks/hello-world/trigger']


@responses.activate
def test_batch_check_mode(run_module):
    result = run_module(dict(api_key=SECRET, task='t', items=[{'payload': i} for i in range(3)], _ansible_check_mode=True))
    assert result['changed'] is True and len(result['would_trigger']) == 3 and len(responses.calls) == 0


@responses.activate
def test_access_token_resolves_the_secret_key_once_and_hides_it(run_module):
    env_key = 'tr_prod_' + 'z' * 24
    responses.get(WORKER, json=_worker('hello-world'))
    responses.get(API + '/api/v1/projects/%s/prod' % PROJECT, json={'apiKey': env_key})
    responses.post(TRIGGER, json={'id': 'run_1', 'isCached': False})
    result = run_module(dict(api_key=PAT, project_ref=PROJECT, environment='prod', task='hello-world'))
    assert responses.calls[2].request.headers['authorization'] == 'Bearer ' + env_key
    assert env_key not in json.dumps(result)
