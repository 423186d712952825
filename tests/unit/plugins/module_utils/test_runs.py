# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils/runs.py against a mocked HTTP layer (responses)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlparse

import pytest
import requests
import responses

from ansible_collections.triggerdev.management.plugins.module_utils import _runs as R
from ansible_collections.triggerdev.management.plugins.module_utils import _time as T
from ansible_collections.triggerdev.management.plugins.module_utils._client import TriggerClient
from ansible_collections.triggerdev.management.plugins.module_utils._errors import TriggerNotFound

API = 'https://api.example.test'
SECRET = 'tr_prod_' + 'a' * 24
STG_SECRET = 'tr_stg_' + 'b' * 24
PAT = 'tr_pat_' + 'c' * 40
PROJECT = 'proj_abcdefghijklmnopqrst'


class FakeClock:
    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def time(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def make_client(key=SECRET, **kwargs):
    clock = FakeClock()
    client = TriggerClient(key, api_url=API, sleep=clock.sleep, clock=clock.time, **kwargs)
    return client, clock


def query_of(call):
    return {k: v[0] for k, v in parse_qs(urlparse(call.request.url).query).items()}


def test_parse_time_epoch_seconds_and_ms():
    assert R.parse_time(1714564800, 'x') == 1714564800000
    assert R.parse_time('1714564800', 'x') == 1714564800000
    assert R.parse_time(1714564800000, 'x') == 1714564800000
    assert R.parse_time('2024-05-01T12:00:00Z', 'x') == 1714564800000
    for bad in ('last tuesday', -5, True):
        with pytest.raises(R.TriggerInputError, match='created_after'):
            R.parse_time(bad, 'created_after')


def test_validate_delay_and_ttl():
    assert R.validate_delay('30m') == '30m'
    assert R.validate_delay('2999-01-01T00:00:00Z') == '2999-01-01T00:00:00Z'
    with pytest.raises(R.TriggerInputError, match='not in the future'):
        R.validate_delay('2001-01-01T00:00:00Z')  # checked against the clock when no now_ms is given
    for bad in ('30 minutes', 'tomorrow', '', '2030-13-01'):
        with pytest.raises(R.TriggerInputError, match='delay'):
            R.validate_delay(bad)
    with pytest.raises(R.TriggerInputError, match='not in the future'):
        R.validate_delay('2000-01-01T00:00:00Z', now_ms=T.parse_iso_ms('2024-01-01'))
    assert R.validate_ttl('1h') == '1h'
    assert R.validate_ttl('2hr') == '2hr'
    assert R.validate_ttl(3600) == 3600
    assert R.validate_ttl('3600') == 3600
    for bad in ('1 hour', -1, True, 1.5, 'h1', '1y', '500ms'):
        with pytest.raises(R.TriggerInputError, match='ttl'):
            R.validate_ttl(bad)


@pytest.mark.parametrize('text,ms', [('30s', 30000), ('2hr', 7200000), ('2h', 7200000), ('1h30m', 5400000),
                                     ('1w2d', 777600000), ('30m1h', 5400000), ('0s', 0)])
def test_server_duration_grammar(text, ms):
    """The units of parseNaturalLanguageDurationInMs: w d hr h m s."""
    assert T.duration_ms(text, T.SERVER_UNITS) == ms
    assert R.validate_delay(text) == text


@pytest.mark.parametrize('text', ['1y', '500ms', '1.5h', '1h1h', '2hr3h', 'bogus', '5', '1h 30m', '1d' * 51, '-5m'])
def test_server_duration_grammar_refuses(text):
    """What the server would ignore (the run would start at once) is refused before any request."""
    assert T.duration_ms(text, T.SERVER_UNITS) is None
    with pytest.raises(R.TriggerInputError, match='starts the run at once'):
        R.validate_delay(text)


@pytest.mark.parametrize('text', ['30s', '15m', '24h', '7d', '0s'])
def test_idempotency_key_ttl_accepted(text):
    assert R.validate_idempotency_key_ttl(text) == text
    assert R.build_trigger_options({'idempotency_key_ttl': text}) == {'idempotencyKeyTTL': text}


@pytest.mark.parametrize('text', ['1w', '1h30m', '500ms', '1y', '', '1.5h', 'h', '2hr', '1 d'])
def test_idempotency_key_ttl_refused(text):
    """The server reads only ^\\d+[smhd]$ and silently uses 30 days otherwise."""
    with pytest.raises(R.TriggerInputError, match='30 days'):
        R.build_trigger_options({'idempotency_key_ttl': text})


# ---------------------------------------------------------------------- bodies


def test_trigger_options_map_every_option():
    options = R.build_trigger_options(dict(
        idempotency_key='k', idempotency_key_ttl='1d', tags=['a', 'b'], delay='5m', ttl='1h', queue='q1',
        concurrency_key='ck', machine='small-2x', max_attempts=3, max_duration=300, metadata={'deployId': 1},
        priority=10, region='eu-central-1', version='20240523.1', test=True))
    assert options == {
        'idempotencyKey': 'k', 'idempotencyKeyTTL': '1d', 'tags': ['a', 'b'], 'delay': '5m', 'ttl': '1h',
        'queue': {'name': 'q1'}, 'concurrencyKey': 'ck', 'machine': 'small-2x', 'maxAttempts': 3, 'maxDuration': 300,
        'metadata': {'deployId': 1}, 'priority': 10, 'region': 'eu-central-1', 'lockToVersion': '20240523.1', 'test': True}
    assert R.build_trigger_options({'test': False, 'tags': None}) == {'test': False}


@pytest.mark.parametrize('params,match', [
    ({'machine': 'huge-9x'}, 'machine preset'),
    ({'delay': '5 minutes'}, 'delay'),
    ({'ttl': 'forever'}, 'ttl'),
    ({'idempotency_key_ttl': 'a day'}, 'idempotency_key_ttl'),
    ({'tags': ['t%d' % i for i in range(11)]}, 'at most 10 tags'),
    ({'idempotency_key': 'x' * 2049}, 'idempotency_key'),
    ({'max_attempts': 0}, 'max_attempts'),
])
def test_trigger_options_refused(params, match):
    with pytest.raises(R.TriggerInputError, match=match):
        R.build_trigger_options(params)


def test_trigger_body_refuses_non_json_and_large_payloads():
    body = R.build_trigger_body({'a': [1, 'x', None]}, {'tags': ['t']})
    assert body == {'payload': {'a': [1, 'x', None]}, 'options': {'tags': ['t'], 'payloadType': 'application/json'}}
    with pytest.raises(R.TriggerInputError, match='cannot be sent as JSON'):
        R.build_trigger_body({'a': {1, 2}}, {})
    with pytest.raises(R.TriggerInputError, match='cannot be sent as JSON'):
        R.build_trigger_body({'a': float('nan')}, {})
    with pytest.raises(R.TriggerInputError, match='too large'):
        R.build_trigger_body('x' * (3 * 1024 * 1024), {})
    # just under the limit is fine
    R.build_trigger_body('x' * (3 * 1024 * 1024 - 100), {})


def test_batch_items_merge_defaults_and_validate():
    items = R.build_batch_items([{'payload': 1}, {'payload': 2, 'task': 'other', 'tags': ['own'], 'machine': 'micro'}],
                                {'task': 'main', 'tags': ['deploy'], 'machine': None})
    assert items[0] == {'task': 'main', 'payload': 1, 'options': {'tags': ['deploy'], 'payloadType': 'application/json'}}
    assert items[1]['task'] == 'other'
    assert items[1]['options'] == {'tags': ['own'], 'machine': 'micro', 'payloadType': 'application/json'}
    with pytest.raises(R.TriggerInputError, match=r'items\[0\].task'):
        R.build_batch_items([{'payload': 1}], {'task': None})
    with pytest.raises(R.TriggerInputError, match=r'items\[1\].delay'):
        R.build_batch_items([{'payload': 1}, {'payload': 2, 'delay': 'later'}], {'task': 't'})


def test_split_batches_by_count_and_size():
    items = [{'task': 't', 'payload': i, 'options': {}} for i in range(1200)]
    chunks = R.split_batches(items)
    assert [len(c) for c in chunks] == [500, 500, 200]
    assert [i['payload'] for c in chunks for i in c] == list(range(1200))
    big = [{'task': 't', 'payload': 'x' * 300000, 'options': {}} for _i in range(7)]
    chunks = R.split_batches(big)
    assert [len(c) for c in chunks] == [3, 3, 1]
    for chunk in chunks:
        assert len(json.dumps({'items': chunk}, separators=(',', ':'))) <= R.BATCH_MAX_BYTES


def test_list_params_use_the_exact_filter_names():
    params = R.build_list_params(dict(
        status=['completed', 'FAILED'], task=['a', 'b'], tag=['t1'], version=['20240101.1'], schedule='sched_1',
        batch='batch_1', bulk_action='bulk_1', queue=['task/my-task', 'custom'], machine=['small-1x'], region=['us-east-1'],
        is_test=False, created_after='2024-05-01T00:00:00Z', created_before=1714608000, period='1d'))
    assert params == {
        'filter[status]': 'COMPLETED,FAILED', 'filter[taskIdentifier]': 'a,b', 'filter[tag]': 't1',
        'filter[version]': '20240101.1', 'filter[schedule]': 'sched_1', 'filter[batch]': 'batch_1',
        'filter[bulkAction]': 'bulk_1', 'filter[queue]': 'task/my-task,custom', 'filter[machine]': 'small-1x',
        'filter[region]': 'us-east-1', 'filter[isTest]': 'false', 'filter[createdAt][from]': '1714521600000',
        'filter[createdAt][to]': '1714608000000', 'filter[createdAt][period]': '1d'}
    assert R.build_list_params({'status': None, 'tag': []}) == {}


@pytest.mark.parametrize('filters,match', [
    ({'status': ['DONE']}, 'not a run status'),
    ({'machine': ['big']}, 'machine preset'),
    ({'period': 'a week'}, 'period'),
    ({'created_after': '2024-05-02', 'created_before': '2024-05-01'}, 'later than'),
])
def test_list_params_refused(filters, match):
    with pytest.raises(R.TriggerInputError, match=match):
        R.build_list_params(filters)


# ---------------------------------------------------------------------- HTTP


def _page(ids, next_cursor=None):
    body = {'data': [{'id': i, 'status': 'COMPLETED', 'taskIdentifier': 'hello-world'} for i in ids], 'pagination': {}}
    if next_cursor:
        body['pagination']['next'] = next_cursor
    return body


@responses.activate
def test_list_with_secret_key_reads_pages_until_limit():
    client, _clock = make_client()
    responses.get(API + '/api/v1/runs', json=_page(['run_%d' % i for i in range(100)], 'c1'))
    responses.get(API + '/api/v1/runs', json=_page(['run_%d' % i for i in range(100, 200)], 'c2'))
    responses.get(API + '/api/v1/runs', json=_page(['run_%d' % i for i in range(200, 250)], 'c3'))
    runs, cursor = R.RunsAPI(client).list({'filter[tag]': 'x'}, limit=250, page_size=100)
    assert len(runs) == 250 and cursor == 'c3'
    queries = [query_of(c) for c in responses.calls]
    assert [q['page[size]'] for q in queries] == ['100', '100', '50']
    assert [q.get('page[after]') for q in queries] == [None, 'c1', 'c2']
    assert all(q['filter[tag]'] == 'x' and 'filter[env]' not in q for q in queries)
    assert responses.calls[0].request.headers['authorization'] == 'Bearer ' + SECRET


@responses.activate
def test_list_stops_when_the_server_has_no_more():
    client, _clock = make_client()
    responses.get(API + '/api/v1/runs', json=_page(['run_1', 'run_2']))
    runs, cursor = R.RunsAPI(client).list({}, limit=100, page_size=100)
    assert [r['id'] for r in runs] == ['run_1', 'run_2'] and cursor is None
    assert len(responses.calls) == 1


@responses.activate
def test_list_with_access_token_uses_project_route_and_stg_slug():
    client, _clock = make_client(PAT, project_ref=PROJECT, environment='staging')
    responses.get(API + '/api/v1/projects/%s/runs' % PROJECT, json=_page(['run_1']))
    R.RunsAPI(client).list({'filter[status]': 'FAILED'}, limit=10, page_size=100, after='cur')
    query = query_of(responses.calls[0])
    assert query == {'filter[env]': 'stg', 'filter[status]': 'FAILED', 'page[size]': '10', 'page[after]': 'cur'}
    assert responses.calls[0].request.headers['authorization'] == 'Bearer ' + PAT
    assert 'x-trigger-branch' not in responses.calls[0].request.headers


@responses.activate
def test_list_with_organization_token_goes_through_the_environment_key():
    """The project runs list takes PATs only: an OAT bootstraps the env key and reads /api/v1/runs."""
    oat = 'tr_oat_' + 'o' * 40
    env_key = 'tr_stg_' + 'e' * 24
    client, _clock = make_client(oat, project_ref=PROJECT, environment='staging')
    responses.get(API + '/api/v1/projects/%s/staging' % PROJECT, json={'apiKey': env_key})
    responses.get(API + '/api/v1/runs', json=_page(['run_1']))
    runs, _cursor = R.RunsAPI(client).list({'filter[tag]': 'x'})
    assert [r['id'] for r in runs] == ['run_1']
    assert responses.calls[0].request.headers['authorization'] == 'Bearer ' + oat
    assert responses.calls[1].request.headers['authorization'] == 'Bearer ' + env_key
    assert 'filter[env]' not in query_of(responses.calls[1])


@responses.activate
def test_list_with_access_token_and_preview_branch_uses_the_branch_key():
    client, _clock = make_client(PAT, project_ref=PROJECT, environment='preview', branch='feature-x')
    branch_key = 'tr_preview_' + 'd' * 24
    responses.get(API + '/api/v1/projects/%s/preview' % PROJECT, json={'apiKey': branch_key})
    responses.get(API + '/api/v1/runs', json=_page(['run_1']))
    R.RunsAPI(client).list({}, limit=10)
    assert responses.calls[0].request.headers['x-trigger-branch'] == 'feature-x'
    assert responses.calls[1].request.headers['authorization'] == 'Bearer ' + branch_key
    assert responses.calls[1].request.headers['x-trigger-branch'] == 'feature-x'


@responses.activate
def test_retrieve_missing_run_fails_at_once_despite_should_retry():
    client, clock = make_client()
    responses.get(API + '/api/v3/runs/run_missing', json={'error': 'Run not found'}, status=404, headers={'x-should-retry': 'true'})
    with pytest.raises(TriggerNotFound, match='404'):
        R.RunsAPI(client).retrieve('run_missing')
    assert len(responses.calls) == 1 and clock.sleeps == []


@responses.activate
def test_retrieve_encodes_the_id():
    client, _clock = make_client()
    responses.get(API + '/api/v3/runs/run%2F..%2Fx', json={'id': 'x'})
    R.RunsAPI(client).retrieve('run/../x')
    assert len(responses.calls) == 1


class FakeTriggerServer:
    """Creates one run per new idempotency key in the body (like the server; it ignores the request idempotency
    header, docs/dev/protocol.md#triggering), and loses the first ``lose`` responses after doing the work (the retry
    case that must not double-trigger)."""

    def __init__(self, lose=1, fail_before=0):
        self.runs = []
        self.by_key = {}
        self.keys_seen = []
        self.lose = lose
        self.fail_before = fail_before

    def __call__(self, request):
        body = json.loads(request.body)
        key = body['options'].get('idempotencyKey')
        self.keys_seen.append(key)
        if self.fail_before:
            self.fail_before -= 1
            return 503, {}, json.dumps({'error': 'unavailable'})
        cached = key in self.by_key
        if not cached:
            self.runs.append(body)
            self.by_key[key] = 'run_%d' % len(self.runs)
        if self.lose:
            self.lose -= 1
            return 500, {}, json.dumps({'error': 'Something went wrong'})
        return 200, {}, json.dumps({'id': self.by_key[key], 'isCached': cached})


@responses.activate
def test_trigger_retry_after_lost_response_never_triggers_twice():
    client, clock = make_client()
    server = FakeTriggerServer(lose=2, fail_before=1)
    responses.add_callback(responses.POST, API + '/api/v1/tasks/hello-world/trigger', callback=server)
    answer = R.RunsAPI(client).trigger('hello-world', R.build_trigger_body({'n': 1}, {}))
    assert answer == {'id': 'run_1', 'isCached': False}  # the run this call made, even though the server answered cached
    assert len(server.keys_seen) == 4 and len(set(server.keys_seen)) == 1 and server.keys_seen[0].startswith(R.RETRY_KEY_PREFIX)
    assert server.runs[0]['options']['idempotencyKeyTTL'] == R.RETRY_KEY_TTL
    assert len(server.runs) == 1
    assert clock.sleeps == pytest.approx([1.0, 1.6, 2.56])


@responses.activate
def test_trigger_with_the_users_key_keeps_it_and_reports_a_cached_run():
    client, _clock = make_client()
    server = FakeTriggerServer(lose=1)
    responses.add_callback(responses.POST, API + '/api/v1/tasks/t/trigger', callback=server)
    body = R.build_trigger_body(None, R.build_trigger_options({'idempotency_key': 'deploy-1'}))
    assert R.RunsAPI(client).trigger('t', body) == {'id': 'run_1', 'isCached': True}
    assert server.keys_seen == ['deploy-1', 'deploy-1'] and 'idempotencyKeyTTL' not in server.runs[0]['options']


@responses.activate
def test_trigger_retry_after_connection_error_reuses_the_key():
    client, _clock = make_client()
    server = FakeTriggerServer(lose=0)
    responses.add(responses.POST, API + '/api/v1/tasks/t/trigger', body=requests.ConnectionError('reset'))
    responses.add_callback(responses.POST, API + '/api/v1/tasks/t/trigger', callback=server)
    R.RunsAPI(client).trigger('t', R.build_trigger_body(None, {}))
    keys = [json.loads(c.request.body)['options']['idempotencyKey'] for c in responses.calls]
    assert len(keys) == 2 and keys[0] == keys[1]
    assert len(server.runs) == 1


@responses.activate
def test_two_logical_triggers_use_two_keys():
    client, _clock = make_client()
    server = FakeTriggerServer(lose=0)
    responses.add_callback(responses.POST, API + '/api/v1/tasks/t/trigger', callback=server)
    api = R.RunsAPI(client)
    api.trigger('t', R.build_trigger_body(1, {}))
    api.trigger('t', R.build_trigger_body(2, {}))
    assert len(set(server.keys_seen)) == 2 and len(server.runs) == 2


@responses.activate
def test_batch_trigger_splits_beyond_500():
    client, _clock = make_client()
    bodies = []

    def answer(request):
        body = json.loads(request.body)
        bodies.append(body)
        return 202, {}, json.dumps({'id': 'batch_%d' % len(bodies), 'runCount': len(body['items'])})

    responses.add_callback(responses.POST, API + '/api/v2/tasks/batch', callback=answer)
    items = R.build_batch_items([{'payload': {'n': i}} for i in range(1001)], {'task': 't'})
    batches = R.RunsAPI(client).batch_trigger(items)
    assert [len(b['items']) for b in bodies] == [500, 500, 1]
    assert [b['id'] for b in batches] == ['batch_1', 'batch_2', 'batch_3']
    assert [b['runCount'] for b in batches] == [500, 500, 1]
    keys = [item['options']['idempotencyKey'] for body in bodies for item in body['items']]
    assert len(set(keys)) == 1001 and all(key.startswith(R.RETRY_KEY_PREFIX) for key in keys)
    options = bodies[2]['items'][0].pop('options')
    assert bodies[2]['items'][0] == {'task': 't', 'payload': {'n': 1000}}
    assert options['payloadType'] == 'application/json' and options['idempotencyKeyTTL'] == R.RETRY_KEY_TTL


@responses.activate
def test_cancel_replay_reschedule_routes():
    client, _clock = make_client()
    responses.post(API + '/api/v2/runs/run_1/cancel', json={'id': 'run_1'})
    responses.post(API + '/api/v1/runs/run_1/replay', json={'id': 'run_2'})
    responses.post(API + '/api/v1/runs/run_1/reschedule', json={'id': 'run_1', 'status': 'DELAYED'})
    api = R.RunsAPI(client)
    assert api.cancel('run_1') == {'id': 'run_1'}
    assert api.replay('run_1') == {'id': 'run_2'}
    api.reschedule('run_1', '1h')
    assert json.loads(responses.calls[2].request.body) == {'delay': '1h'}
    assert responses.calls[0].request.body is None and responses.calls[1].request.body is None


# ---------------------------------------------------------------------- waiting


def _status_sequence(url, statuses):
    for status in statuses:
        body = {'id': 'run_1', 'status': status}
        if status == 'COMPLETED':
            body['output'] = {'ok': True}
        responses.get(url, json=body)


@responses.activate
def test_wait_for_run_polls_until_terminal():
    client, clock = make_client()
    _status_sequence(API + '/api/v3/runs/run_1', ['QUEUED', 'EXECUTING', 'EXECUTING', 'COMPLETED'])
    api = R.RunsAPI(client, clock=clock.time, sleep=clock.sleep)
    run = api.wait_for_run('run_1', timeout=60, poll_interval=5)
    assert run['status'] == 'COMPLETED' and run['output'] == {'ok': True}
    assert clock.sleeps == [5, 5, 5]


@pytest.mark.parametrize('status', ['EXPIRED', 'TIMED_OUT', 'CANCELED', 'CRASHED', 'SYSTEM_FAILURE', 'FAILED'])
@responses.activate
def test_expired_and_timed_out_are_terminal_despite_is_completed_false(status):
    client, clock = make_client()
    responses.get(API + '/api/v3/runs/run_1', json={'id': 'run_1', 'status': status, 'isCompleted': False})
    run = R.RunsAPI(client, clock=clock.time, sleep=clock.sleep).wait_for_run('run_1', 60, 1)
    assert run['status'] == status and len(responses.calls) == 1


@responses.activate
def test_wait_for_run_times_out_with_last_status_and_id():
    client, clock = make_client()
    responses.get(API + '/api/v3/runs/run_1', json={'id': 'run_1', 'status': 'EXECUTING'})
    api = R.RunsAPI(client, clock=clock.time, sleep=clock.sleep)
    with pytest.raises(R.RunWaitTimeout) as info:
        api.wait_for_run('run_1', timeout=10, poll_interval=3)
    assert 'run_1' in str(info.value) and 'EXECUTING' in str(info.value)
    assert clock.sleeps == [3, 3, 3, 1]
    assert info.value.runs[0]['status'] == 'EXECUTING'


@responses.activate
def test_wait_for_batches_polls_the_list_then_reads_each_run_once():
    client, clock = make_client()
    url = API + '/api/v1/runs'
    responses.get(url, json={'data': [{'id': 'run_1', 'status': 'EXECUTING'}, {'id': 'run_2', 'status': 'QUEUED'}], 'pagination': {}})
    responses.get(url, json={'data': [{'id': 'run_1', 'status': 'COMPLETED'}, {'id': 'run_2', 'status': 'QUEUED'}], 'pagination': {}})
    responses.get(url, json={'data': [{'id': 'run_1', 'status': 'COMPLETED'}, {'id': 'run_2', 'status': 'FAILED'}], 'pagination': {}})
    responses.get(API + '/api/v3/runs/run_1', json={'id': 'run_1', 'status': 'COMPLETED', 'output': 1})
    responses.get(API + '/api/v3/runs/run_2', json={'id': 'run_2', 'status': 'FAILED', 'error': {'message': 'boom'}})
    api = R.RunsAPI(client, clock=clock.time, sleep=clock.sleep)
    runs = api.wait_for_batches([{'id': 'batch_1'}], ['run_1', 'run_2'], timeout=60, poll_interval=2)
    assert [r['id'] for r in runs] == ['run_1', 'run_2']
    assert runs[1]['error'] == {'message': 'boom'}
    list_queries = [query_of(c) for c in responses.calls if c.request.url.startswith(url)]
    assert len(list_queries) == 3 and all(q['filter[batch]'] == 'batch_1' for q in list_queries)
    retrieves = [c.request.url for c in responses.calls if '/api/v3/runs/' in c.request.url]
    assert len(retrieves) == 2  # each run read once, at the end
    assert R.failure_message(R.failed_runs(runs)) == '1 run(s) did not complete successfully: run_2 FAILED (boom).'


@responses.activate
def test_wait_for_batches_reads_runs_the_lagging_list_does_not_show():
    """The list shows nothing yet (replication lag) and run_2 is an earlier run returned for its key (another batch)."""
    client, clock = make_client()
    responses.get(API + '/api/v1/runs', json={'data': [], 'pagination': {}})
    responses.get(API + '/api/v3/runs/run_1', json={'id': 'run_1', 'status': 'EXECUTING', 'batchId': 'batch_1'})
    responses.get(API + '/api/v3/runs/run_1', json={'id': 'run_1', 'status': 'COMPLETED', 'batchId': 'batch_1'})
    responses.get(API + '/api/v3/runs/run_2', json={'id': 'run_2', 'status': 'COMPLETED', 'batchId': 'batch_0'})
    api = R.RunsAPI(client, clock=clock.time, sleep=clock.sleep)
    runs = api.wait_for_batches([{'id': 'batch_1'}], ['run_1', 'run_2'], timeout=60, poll_interval=2)
    assert [(r['id'], r['status']) for r in runs] == [('run_1', 'COMPLETED'), ('run_2', 'COMPLETED')]
    assert api.created_new_run([{'id': 'batch_1'}], ['run_1', 'run_2'], retrieved=dict((r['id'], r) for r in runs))
    assert not api.created_new_run([{'id': 'batch_1'}], ['run_2'], retrieved={'run_2': runs[1]})


@responses.activate
def test_wait_for_batches_timeout_names_the_unfinished_runs():
    client, clock = make_client()
    responses.get(API + '/api/v1/runs', json={'data': [{'id': 'run_1', 'status': 'QUEUED'}], 'pagination': {}})
    responses.get(API + '/api/v3/runs/run_2', json={'id': 'run_2', 'status': 'DELAYED'})
    api = R.RunsAPI(client, clock=clock.time, sleep=clock.sleep)
    with pytest.raises(R.RunWaitTimeout, match=r'2 run\(s\) of batch batch_1: 2 not finished \(run_1 QUEUED, run_2 DELAYED\)'):
        api.wait_for_batches([{'id': 'batch_1'}], ['run_1', 'run_2'], timeout=4, poll_interval=2)


@responses.activate
def test_batch_run_ids_wait_until_the_server_created_every_run():
    """A v2 batch over 20 items is processed after the 202: the batch holds no runs at first."""
    client, clock = make_client()
    url = API + '/api/v1/batches/batch_1'
    responses.get(url, json={'id': 'batch_1', 'status': 'PENDING', 'runCount': 3, 'runs': []})
    responses.get(url, json={'id': 'batch_1', 'status': 'PENDING', 'runCount': 3, 'runs': ['run_a', 'run_b', 'run_c']})
    responses.get(API + '/api/v1/batches/batch_2', json={'id': 'batch_2', 'runCount': 1, 'runs': ['run_d']})
    api = R.RunsAPI(client, clock=clock.time, sleep=clock.sleep)
    ids = api.batch_run_ids([{'id': 'batch_1', 'runCount': 3}, {'id': 'batch_2', 'runCount': 1}], timeout=60, poll_interval=2)
    assert ids == ['run_a', 'run_b', 'run_c', 'run_d']
    assert clock.sleeps == [2]
    assert len([c for c in responses.calls if c.request.url == API + '/api/v1/batches/batch_2']) == 1


@responses.activate
def test_batch_run_ids_time_out():
    client, clock = make_client()
    responses.get(API + '/api/v1/batches/batch_1', json={'id': 'batch_1', 'runCount': 3, 'runs': []})
    api = R.RunsAPI(client, clock=clock.time, sleep=clock.sleep)
    with pytest.raises(R.RunWaitTimeout, match='runs of batch batch_1'):
        api.batch_run_ids([{'id': 'batch_1', 'runCount': 3}], timeout=5, poll_interval=2)


@responses.activate
def test_created_new_run_without_wait():
    client, clock = make_client()
    api = R.RunsAPI(client, clock=clock.time, sleep=clock.sleep)
    assert api.created_new_run([{'id': 'batch_1'}], ['run_1'], listed={'run_1': {}}) and not responses.calls
    responses.get(API + '/api/v3/runs/run_1', json={'id': 'run_1', 'status': 'COMPLETED'})
    responses.get(API + '/api/v3/runs/run_2', json={'id': 'run_2', 'status': 'QUEUED', 'batchId': 'batch_1'})
    assert api.created_new_run([{'id': 'batch_1'}], ['run_1', 'run_2'], listed={})
    assert not api.created_new_run([{'id': 'batch_1'}], ['run_1'], listed={})


# ---------------------------------------------------------------------- runs that cannot finish


@responses.activate
def test_wait_fails_fast_on_pending_version_naming_task_and_environment():
    client, clock = make_client()
    responses.get(API + '/api/v3/runs/run_1', json={'id': 'run_1', 'status': 'QUEUED', 'taskIdentifier': 'hello-wrld'})
    responses.get(API + '/api/v3/runs/run_1', json={'id': 'run_1', 'status': 'PENDING_VERSION', 'taskIdentifier': 'hello-wrld'})
    api = R.RunsAPI(client, clock=clock.time, sleep=clock.sleep)
    with pytest.raises(R.RunStuck) as info:
        api.wait_for_run('run_1', timeout=600, poll_interval=2, stuck=R.pending_version_check(client))
    text = str(info.value)
    assert "run_1 of task 'hello-wrld'" in text and 'PENDING_VERSION in the prod environment' in text
    assert 'spelling' in text and 'deployed to prod' in text
    assert clock.sleeps == [2]
    assert info.value.runs[0]['status'] == 'PENDING_VERSION'


@responses.activate
def test_batch_wait_fails_fast_on_pending_version():
    client, clock = make_client()
    responses.get(API + '/api/v1/runs', json={'data': [
        {'id': 'run_1', 'status': 'COMPLETED', 'taskIdentifier': 'ok'},
        {'id': 'run_2', 'status': 'PENDING_VERSION', 'taskIdentifier': 'nope'}], 'pagination': {}})
    api = R.RunsAPI(client, clock=clock.time, sleep=clock.sleep)
    with pytest.raises(R.RunStuck, match="run_2 of task 'nope'"):
        api.wait_for_batches([{'id': 'batch_1'}], ['run_1', 'run_2'], timeout=600, poll_interval=2,
                             stuck=R.pending_version_check(client))
    assert clock.sleeps == []


def test_expired_runs_get_a_hint():
    client, _clock = make_client(PAT, project_ref=PROJECT, environment='preview', branch='feature-x')
    runs = [{'id': 'run_1', 'status': 'EXPIRED', 'taskIdentifier': 'hello', 'error': {'message': 'Run expired because the TTL (10m) was reached'}}]
    text = R.failure_message(runs, client)
    assert 'run_1 EXPIRED (Run expired' in text
    assert "Task 'hello' EXPIRED in the preview branch feature-x environment" in text and 'spelling' in text
    assert R.failure_message([{'id': 'run_2', 'status': 'FAILED'}], client).endswith('run_2 FAILED.')
