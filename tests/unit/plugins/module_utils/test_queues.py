# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils/_queues.py: names, the declared state of a queue and the reads (mocked HTTP)."""

import json

import pytest
import responses

from ansible_collections.triggerdev.management.plugins.module_utils import _queues as q
from ansible_collections.triggerdev.management.plugins.module_utils._client import TriggerClient
from ansible_collections.triggerdev.management.plugins.module_utils._errors import TriggerAPIError, TriggerInputError

API = 'https://api.example.test'
PROD_KEY = 'tr_prod_' + 'c' * 24
QUEUES = API + '/api/v1/queues'
ONE = QUEUES + '/send-email'


def client(key=PROD_KEY, **kwargs):
    return TriggerClient(key, api_url=API, retries=0, sleep=lambda s: None, **kwargs)


def queue(name='send-email', paused=False, limit=None, base=None, override=None, percent=None, queue_type='task'):
    overridden = override is not None or percent is not None
    return {'id': 'queue_' + name, 'name': name, 'type': queue_type, 'running': 1, 'queued': 4, 'paused': paused,
            'concurrencyLimit': limit,
            'concurrency': {'current': limit, 'base': base, 'override': override if overridden else None,
                            'overriddenAt': '2026-01-31T10:00:00.000Z' if overridden else None, 'overriddenBy': None},
            'releaseConcurrencyOnWaitpoint': True, 'concurrencyLimitOverridePercent': percent}


def state(check_mode=False, name='send-email', queue_type='task', **declared):
    return q.QueueState(client(), check_mode, name, queue_type, **declared).run()


def sent():
    return [(c.request.url[len(API):], json.loads(c.request.body)) for c in responses.calls if c.request.method == 'POST']


@responses.activate
def test_nothing_differs_one_read_no_write():
    responses.get(ONE, json=queue(paused=True, limit=3, base=10, override=3))
    outcome = state(paused=True, concurrency_limit=3)
    assert outcome.changed is False and outcome.values['actions'] == [] and sent() == []
    assert len(responses.calls) == 1 and responses.calls[0].request.params == {'type': 'task'}
    assert outcome.resource['concurrency'] == {'current': 3, 'base': 10, 'override': 3, 'overridden_at': '2026-01-31T10:00:00.000Z',
                                               'overridden_by': None}


@responses.activate
def test_pause_then_limit_in_that_order():
    responses.get(ONE, json=queue(limit=10))
    responses.post(ONE + '/pause', json=queue(paused=True, limit=10))
    responses.post(ONE + '/concurrency/override', json=queue(paused=True, limit=2, base=10, override=2))
    outcome = state(paused=True, concurrency_limit=2)
    assert outcome.values['actions'] == ['pause task queue send-email', 'set the concurrency limit of task queue send-email to 2']
    assert sent() == [('/api/v1/queues/send-email/pause', {'type': 'task', 'action': 'pause'}),
                      ('/api/v1/queues/send-email/concurrency/override', {'type': 'task', 'concurrencyLimit': 2})]
    assert outcome.resource['paused'] is True and outcome.resource['concurrency_limit'] == 2
    assert outcome.before == {'paused': False, 'concurrency_limit': 10, 'concurrency_overridden': False, 'concurrency_base': None,
                              'concurrency_limit_override_percent': None}
    assert outcome.after == {'paused': True, 'concurrency_limit': 2, 'concurrency_overridden': True, 'concurrency_base': 10,
                             'concurrency_limit_override_percent': None}


@responses.activate
def test_resume_after_the_limit_is_in_place():
    responses.get(ONE, json=queue(paused=True, limit=2, base=10, override=2))
    responses.post(ONE + '/concurrency/reset', json=queue(paused=True, limit=10))
    responses.post(ONE + '/pause', json=queue(paused=False, limit=10))
    outcome = state(paused=False, reset_concurrency=True)
    assert [path for path, _body in sent()] == ['/api/v1/queues/send-email/concurrency/reset', '/api/v1/queues/send-email/pause']
    assert outcome.resource['paused'] is False and outcome.resource['concurrency_limit'] == 10


@responses.activate
def test_reset_without_an_override_sends_nothing():
    responses.get(ONE, json=queue(limit=10))
    outcome = state(reset_concurrency=True)
    assert outcome.changed is False and sent() == []


@responses.activate
def test_check_mode_predicts_without_writing():
    responses.get(ONE, json=queue(paused=True, limit=2, base=10, override=2))
    outcome = state(check_mode=True, paused=False, reset_concurrency=True)
    assert outcome.changed is True and sent() == []
    assert outcome.values['actions'] == ['reset the concurrency limit of task queue send-email', 'resume task queue send-email']
    assert outcome.resource['paused'] is False and outcome.resource['concurrency_limit'] == 10
    assert outcome.resource['concurrency']['override'] is None and outcome.after['concurrency_overridden'] is False


@responses.activate
def test_percent_is_compared_with_the_stored_percent():
    responses.get(ONE, json=queue(limit=12, base=None, override=12, percent=50))
    assert state(concurrency_percent=50).changed is False
    assert sent() == []


@responses.activate
def test_percent_is_sent_and_an_absolute_limit_replaces_it():
    responses.get(ONE, json=queue(limit=12, base=None, override=12, percent=50))
    responses.post(ONE + '/concurrency/override', json=queue(limit=12, base=None, override=12))
    outcome = state(concurrency_limit=12)   # the same number, but absolute: the percentage no longer follows the env limit
    assert sent() == [('/api/v1/queues/send-email/concurrency/override', {'type': 'task', 'concurrencyLimit': 12})]
    assert outcome.resource['concurrency_limit_override_percent'] is None


@responses.activate
def test_percent_override_answer_gets_the_percent():
    responses.get(ONE, json=queue(limit=None))
    responses.post(ONE + '/concurrency/override', json=queue(limit=12, base=None, override=12))
    outcome = state(concurrency_percent=50.0)
    assert sent() == [('/api/v1/queues/send-email/concurrency/override', {'type': 'task', 'percent': 50})]
    assert outcome.resource['concurrency_limit_override_percent'] == 50
    assert outcome.values['actions'] == ['set the concurrency limit of task queue send-email to 50% of the environment limit']


@responses.activate
def test_a_limit_above_the_environment_is_the_servers_400():
    responses.get(ONE, json=queue(limit=None))
    responses.post(ONE + '/concurrency/override', status=400, json={'error': 'Concurrency limit (300) cannot exceed the environment limit (25)'})
    with pytest.raises(TriggerAPIError, match=r'cannot exceed the environment limit \(25\)'):
        state(concurrency_limit=300)


@responses.activate
def test_custom_queue_names_with_slashes_are_one_path_segment():
    url = QUEUES + '/team%2Fexports'
    responses.get(url, json=queue('team/exports', queue_type='custom'))
    responses.post(url + '/pause', json=queue('team/exports', paused=True, queue_type='custom'))
    outcome = state(name='team/exports', queue_type='custom', paused=True)
    assert outcome.values['actions'] == ['pause team/exports']
    assert responses.calls[0].request.params == {'type': 'custom'}
    assert sent()[0][1] == {'type': 'custom', 'action': 'pause'}


@responses.activate
def test_task_prefix_is_accepted_for_a_task_queue():
    responses.get(ONE, json=queue())
    state(name='task/send-email', paused=False)
    assert responses.calls[0].request.url.startswith(ONE + '?')


@responses.activate
@pytest.mark.parametrize('queue_type, hint', [('task', 'type custom'), ('custom', 'type task')])
def test_a_missing_queue_fails_with_a_hint(queue_type, hint):
    responses.get(ONE, status=404, json={'error': 'queue-not-found'})
    with pytest.raises(q.QueueNotFound, match='No queue send-email \\(type %s\\) in the prod environment.*%s' % (queue_type, hint)):
        state(queue_type=queue_type, paused=True)
    assert sent() == []


@pytest.mark.parametrize('kwargs, match', [
    (dict(name='', paused=True), 'name is empty'),
    (dict(name='my queue', queue_type='custom'), "stores this one as 'myqueue'"),
    (dict(name='x' * 129, queue_type='custom'), 'at most 128'),
    (dict(name='send-email', queue_type='id'), 'not a queue id'),
    (dict(name='send-email', queue_type='name'), 'type must be one of'),
    (dict(concurrency_limit=2, concurrency_percent=50), 'mutually exclusive'),
    (dict(concurrency_limit=2, reset_concurrency=True), 'mutually exclusive'),
    (dict(concurrency_limit=-1), 'concurrency_limit must be a whole number from 0'),
    (dict(concurrency_limit=100001), 'concurrency_limit must be a whole number from 0'),
    (dict(concurrency_percent=0), 'concurrency_percent must be more than 0'),
    (dict(concurrency_percent=101), 'concurrency_percent must be more than 0'),
])
def test_bad_input_is_refused_before_any_request(kwargs, match):
    kwargs.setdefault('name', 'send-email')
    with responses.RequestsMock() as rsps:
        with pytest.raises(TriggerInputError, match=match):
            q.QueueState(client(), False, kwargs.pop('name'), kwargs.pop('queue_type', 'task'), **kwargs)
        assert not rsps.calls


@responses.activate
def test_list_reads_every_page():
    responses.get(QUEUES, json={'data': [queue('a'), queue('b')], 'pagination': {'currentPage': 1, 'totalPages': 2, 'count': 3}},
                  match=[responses.matchers.query_param_matcher({'page': '1', 'perPage': '100'})])
    responses.get(QUEUES, json={'data': [queue('c')], 'pagination': {'currentPage': 2, 'totalPages': 2, 'count': 3}},
                  match=[responses.matchers.query_param_matcher({'page': '2', 'perPage': '100'})])
    found = q.QueueRead(client()).run().resource
    assert [f['name'] for f in found] == ['a', 'b', 'c']
    assert found[0]['running'] == 1 and found[0]['queued'] == 4


@responses.activate
def test_read_one_and_a_missing_one():
    responses.get(QUEUES + '/queue_x', json=queue('x'))
    assert [f['id'] for f in q.QueueRead(client(), name='queue_x', queue_type='id').run().resource] == ['queue_x']
    responses.get(ONE, status=404, json={'error': 'queue-not-found'})
    with pytest.raises(q.QueueNotFound):
        q.QueueRead(client(), name='send-email').run()
