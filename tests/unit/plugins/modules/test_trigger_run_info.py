# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""trigger_run_info main() with set arguments against a mocked HTTP layer."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
import responses

from ansible_collections.triggerdev.management.plugins.modules import trigger_run_info as MODULE

API = 'https://api.example.test'
SECRET = 'tr_prod_' + 'a' * 24
PAT = 'tr_pat_' + 'c' * 40
PROJECT = 'proj_abcdefghijklmnopqrst'


@pytest.fixture
def run_module(call_main):
    """Run the module with ``args`` against API; ``fail=True`` when it must fail."""
    return lambda args, fail=False: call_main(MODULE, dict(args, api_url=API), fail=fail)


def query(call):
    return {k: v[0] for k, v in parse_qs(urlparse(call.request.url).query).items()}


def page(start, count, next_cursor=None):
    body = {'data': [{'id': 'run_%d' % i, 'taskIdentifier': 't', 'isTest': False, 'payload': {'camelKey': 1}}
                     for i in range(start, start + count)], 'pagination': {}}
    if next_cursor:
        body['pagination']['next'] = next_cursor
    return body


@responses.activate
def test_one_run(run_module):
    responses.get(API + '/api/v3/runs/run_1', json={'id': 'run_1', 'taskIdentifier': 't', 'output': {'rowCount': 3}})
    result = run_module(dict(api_key=SECRET, run_id='run_1'))
    assert result == {'changed': False, 'runs': [{'id': 'run_1', 'task_identifier': 't', 'output': {'rowCount': 3}}],
                      'next_cursor': None}


@responses.activate
def test_missing_run_fails_after_one_request(run_module):
    responses.get(API + '/api/v3/runs/run_x', json={'error': 'Run not found'}, status=404, headers={'x-should-retry': 'true'})
    result = run_module(dict(api_key=SECRET, run_id='run_x'), fail=True)
    assert 'run_x does not exist' in result['msg'] and len(responses.calls) == 1


@responses.activate
def test_list_filters_limit_and_pages(run_module):
    responses.get(API + '/api/v1/runs', json=page(0, 40, 'c1'))
    responses.get(API + '/api/v1/runs', json=page(40, 40, 'c2'))
    responses.get(API + '/api/v1/runs', json=page(80, 20, 'c3'))
    result = run_module(dict(api_key=SECRET, status=['FAILED', 'crashed'], task=['a', 'b'], tag=['x'], is_test=False,
                             created_after='2024-05-01T00:00:00Z', limit=100, page_size=40))
    assert len(result['runs']) == 100 and result['next_cursor'] == 'c3'
    assert result['runs'][0] == {'id': 'run_0', 'task_identifier': 't', 'is_test': False, 'payload': {'camelKey': 1}}
    queries = [query(c) for c in responses.calls]
    assert [q['page[size]'] for q in queries] == ['40', '40', '20']
    assert queries[0]['filter[status]'] == 'FAILED,CRASHED' and queries[0]['filter[taskIdentifier]'] == 'a,b'
    assert queries[0]['filter[createdAt][from]'] == '1714521600000' and queries[0]['filter[isTest]'] == 'false'


@responses.activate
def test_limit_zero_reads_everything(run_module):
    responses.get(API + '/api/v1/runs', json=page(0, 100, 'c1'))
    responses.get(API + '/api/v1/runs', json=page(100, 5))
    result = run_module(dict(api_key=SECRET, limit=0))
    assert len(result['runs']) == 105 and result['next_cursor'] is None


@responses.activate
def test_access_token_uses_project_route(run_module):
    responses.get(API + '/api/v1/projects/%s/runs' % PROJECT, json=page(0, 1))
    result = run_module(dict(api_key=PAT, project_ref=PROJECT, environment='staging', _ansible_check_mode=True))
    assert len(result['runs']) == 1
    assert query(responses.calls[0])['filter[env]'] == 'stg'


@responses.activate
def test_access_token_without_environment_is_refused_before_any_request(run_module):
    result = run_module(dict(api_key=PAT, project_ref=PROJECT), fail=True)
    assert 'environment is required' in result['msg'] and len(responses.calls) == 0


@pytest.mark.parametrize('args,match', [
    (dict(status=['DONE']), 'not a run status'),
    (dict(created_after='yesterday'), 'created_after'),
    (dict(period='1 week'), 'period'),
    (dict(page_size=101), 'page_size'),
    (dict(limit=-1), 'limit'),
    (dict(run_id='run_1', status=['FAILED']), 'mutually exclusive'),
])
@responses.activate
def test_bad_input_refused_before_any_request(args, match, run_module):
    result = run_module(dict(api_key=SECRET, **args), fail=True)
    assert match in result['msg'] and len(responses.calls) == 0
