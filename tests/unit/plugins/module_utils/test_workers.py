# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils/_workers.py: the current worker read once, its view, and the task check shared with trigger_task (mocked HTTP)."""

import pytest
import responses

from ansible_collections.triggerdev.management.plugins.module_utils import _workers as w
from ansible_collections.triggerdev.management.plugins.module_utils._client import TriggerClient
from ansible_collections.triggerdev.management.plugins.module_utils._errors import TriggerInputError

API = 'https://api.example.test'
PAT = 'tr_pat_' + 'p' * 40
PROD_KEY = 'tr_prod_' + 'c' * 24
CURRENT = API + '/api/v1/projects/proj_abc/prod/workers/current'


def client(key=PAT, **kwargs):
    kwargs.setdefault('project_ref', 'proj_abc')
    kwargs.setdefault('environment', 'prod')
    return TriggerClient(key, api_url=API, retries=0, sleep=lambda s: None, **kwargs)


def task(slug, source='STANDARD', queue=None):
    return {'id': 'task_' + slug, 'slug': slug, 'filePath': 'src/%s.ts' % slug, 'triggerSource': source, 'createdAt': '2026-01-31T10:00:00.000Z',
            'payloadSchema': None, 'queueConfig': queue}


WORKER = {'worker': {'id': 'worker_1', 'version': '20260131.1', 'engine': 'V2', 'sdkVersion': '4.0.1', 'cliVersion': '4.0.2',
                     'tasks': [task('send-email'), task('nightly', 'SCHEDULED', {'name': 'task/nightly'}),
                               task('export', queue={'name': 'exports', 'concurrencyLimit': 2})]},
          'urls': {'runs': 'https://app.example.test/runs?versions=20260131.1'}}


@responses.activate
def test_worker_view_with_kinds_and_queues():
    responses.get(CURRENT, json=WORKER)
    workers = w.WorkerRead(client()).run().resource
    assert len(workers) == 1
    view = workers[0]
    assert {k: view[k] for k in ('id', 'version', 'engine', 'sdk_version', 'cli_version', 'runs_url')} == {
        'id': 'worker_1', 'version': '20260131.1', 'engine': 'V2', 'sdk_version': '4.0.1', 'cli_version': '4.0.2',
        'runs_url': 'https://app.example.test/runs?versions=20260131.1'}
    by_id = dict((t['id'], t) for t in view['tasks'])
    assert by_id['send-email'] == {'id': 'send-email', 'kind': 'STANDARD', 'file_path': 'src/send-email.ts',
                                   'created_at': '2026-01-31T10:00:00.000Z', 'queue': 'send-email', 'queue_type': 'task',
                                   'queue_concurrency_limit': None}
    assert (by_id['nightly']['kind'], by_id['nightly']['queue'], by_id['nightly']['queue_type']) == ('SCHEDULED', 'nightly', 'task')
    assert (by_id['export']['queue'], by_id['export']['queue_type'], by_id['export']['queue_concurrency_limit']) == ('exports', 'custom', 2)


@responses.activate
def test_nothing_deployed_is_an_empty_list():
    responses.get(CURRENT, status=404, json={'error': 'Worker not found'})
    assert w.WorkerRead(client()).run().resource == []
    assert len(responses.calls) == 1   # a 404 is not retried


@responses.activate
def test_tasks_filter_uses_the_shared_check():
    responses.get(CURRENT, json=WORKER)
    found = w.WorkerRead(client(), tasks=['export']).run().resource
    assert [t['id'] for t in found[0]['tasks']] == ['export']
    with pytest.raises(w.UnknownTaskError, match="Task 'nope' is not in the version deployed in the prod environment.*Known task ids: "
                                                 "export, nightly, send-email"):
        w.WorkerRead(client(), tasks=['nope', 'export']).run()


@responses.activate
def test_tasks_filter_with_nothing_deployed_fails():
    responses.get(CURRENT, status=404, json={'error': 'Worker not found'})
    with pytest.raises(w.UnknownTaskError, match='Nothing is deployed in the prod environment'):
        w.WorkerRead(client(), tasks=['send-email']).run()


@responses.activate
def test_worker_tasks_reads_once_for_check_and_view():
    responses.get(CURRENT, json=WORKER)
    api = w.WorkerTasks(client())
    api.check(['send-email'])
    api.check(['nightly'], scheduled=True)
    assert api.worker()['version'] == '20260131.1' and api.tasks()['nightly'] == 'SCHEDULED'
    assert len(responses.calls) == 1


@pytest.mark.parametrize('key, kwargs, match', [
    (PROD_KEY, dict(environment=None), 'needs an access token.*given: secret key of the prod environment'),
    (PAT, dict(tasks=[]), 'tasks is empty'),
])
def test_refused_before_any_request(key, kwargs, match):
    tasks = kwargs.pop('tasks', None)
    with responses.RequestsMock() as rsps:
        with pytest.raises(TriggerInputError, match=match):
            w.WorkerRead(client(key, **kwargs), tasks=tasks)
        assert not rsps.calls


def test_project_ref_and_environment_are_required_before_any_request():
    with responses.RequestsMock() as rsps:
        with pytest.raises(TriggerInputError, match='environment is required'):
            w.WorkerRead(client(environment=None)).run()
        assert not rsps.calls
