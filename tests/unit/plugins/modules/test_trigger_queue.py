# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""trigger_queue and trigger_queue_info: main() with set arguments against mocked HTTP."""

import json

import responses

from ansible_collections.triggerdev.management.plugins.modules import trigger_queue, trigger_queue_info

API = 'https://api.example.test'
PROD_KEY = 'tr_prod_' + 'c' * 24
QUEUES = API + '/api/v1/queues'
BASE = {'api_key': PROD_KEY, 'api_url': API, 'retries': 0}


def queue(paused=False, limit=None, override=None, base=None):
    return {'id': 'queue_1', 'name': 'exports', 'type': 'custom', 'running': 0, 'queued': 2, 'paused': paused, 'concurrencyLimit': limit,
            'concurrency': {'current': limit, 'base': base, 'override': override, 'overriddenAt': '2026-01-31T10:00:00.000Z' if override else None,
                            'overriddenBy': None}, 'releaseConcurrencyOnWaitpoint': True, 'concurrencyLimitOverridePercent': None}


@responses.activate
def test_pause_and_limit_with_diff(call_main):
    responses.get(QUEUES + '/exports', json=queue(limit=10))
    responses.post(QUEUES + '/exports/pause', json=queue(paused=True, limit=10))
    responses.post(QUEUES + '/exports/concurrency/override', json=queue(paused=True, limit=2, override=2, base=10))
    result = call_main(trigger_queue, dict(BASE, name='exports', type='custom', paused=True, concurrency_limit=2), diff=True)
    assert result['changed'] is True and result['actions'] == ['pause exports', 'set the concurrency limit of exports to 2']
    assert result['queue']['concurrency'] == {'current': 2, 'base': 10, 'override': 2, 'overridden_at': '2026-01-31T10:00:00.000Z',
                                              'overridden_by': None}
    assert result['diff']['before']['paused'] is False and result['diff']['after']['paused'] is True
    assert json.loads(responses.calls[2].request.body) == {'type': 'custom', 'concurrencyLimit': 2}


@responses.activate
def test_second_run_and_check_mode_send_no_write(call_main):
    responses.get(QUEUES + '/exports', json=queue(paused=True, limit=2, override=2, base=10))
    result = call_main(trigger_queue, dict(BASE, queue='exports', type='custom', paused=True, concurrency_limit=2))
    assert result['changed'] is False
    result = call_main(trigger_queue, dict(BASE, name='exports', type='custom', paused=False, reset_concurrency=True), check=True)
    assert result['changed'] is True and result['queue']['concurrency_limit'] == 10
    assert [c.request.method for c in responses.calls] == ['GET', 'GET']


def test_limit_and_percent_are_refused_before_any_request(call_main):
    with responses.RequestsMock() as rsps:
        result = call_main(trigger_queue, dict(BASE, name='exports', concurrency_limit=2, concurrency_percent=10.0), fail=True)
        assert 'mutually exclusive' in result['msg'] and not rsps.calls


@responses.activate
def test_info_lists_and_fails_on_a_missing_queue(call_main):
    responses.get(QUEUES, json={'data': [queue()], 'pagination': {'currentPage': 1, 'totalPages': 1, 'count': 1}})
    result = call_main(trigger_queue_info, BASE)
    assert [q['name'] for q in result['queues']] == ['exports'] and result['queues'][0]['queued'] == 2
    responses.get(QUEUES + '/nope', status=404, json={'error': 'queue-not-found'})
    result = call_main(trigger_queue_info, dict(BASE, name='nope'), fail=True)
    assert 'No queue nope (type task) in the prod environment' in result['msg']
