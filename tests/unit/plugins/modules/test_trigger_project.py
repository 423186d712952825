# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""trigger_project, trigger_project_info and trigger_api_key: main() with set arguments against a fake projects API."""

import pytest
import responses

from ansible_collections.triggerdev.management.plugins.modules import trigger_api_key, trigger_project, trigger_project_info
from ansible_collections.triggerdev.management.tests.unit.plugins.fake_projects import API, PAT, PROD_KEY, FakeProjects


@pytest.fixture
def server():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield FakeProjects(rsps)


@pytest.fixture
def run(call_main):
    def call(module, args, fail=False, check=False, diff=False):
        args = dict(args)
        args.setdefault('api_url', API)
        args.setdefault('api_key', PAT)
        args.setdefault('retries', 0)
        return call_main(module, args, fail=fail, check=check, diff=diff)
    return call


def test_create_then_nothing_with_diff(server, run):
    first = run(trigger_project, {'name': 'billing', 'organization': 'acme-1f2e'}, diff=True)
    assert first['changed'] and first['actions'] == ['create billing in acme-1f2e']
    assert first['diff'] == {'before': {'state': 'absent'},
                             'after': {'name': 'billing', 'ref': first['project']['ref'], 'organization': 'acme-1f2e', 'state': 'present'}}
    second = run(trigger_project, {'name': 'billing', 'organization': 'acme-1f2e'})
    assert not second['changed'] and second['project']['ref'] == first['project']['ref'] and len(server.projects) == 1


def test_project_ref_and_environment_from_the_connection_are_not_used(server, run, monkeypatch):
    ref = server.add('billing')
    monkeypatch.setenv('TRIGGER_PROJECT_REF', ref)
    monkeypatch.setenv('TRIGGER_ENVIRONMENT', 'prod')
    monkeypatch.setenv('TRIGGER_PREVIEW_BRANCH', 'feature-x')
    result = run(trigger_project, {'name': 'search', 'organization': 'acme-1f2e'})
    assert result['changed'] and server.projects[ref]['name'] == 'billing'   # a creation, never a rename of that ref


def test_check_mode_and_absent(server, run):
    ref = server.add('experiment')
    check = run(trigger_project, {'ref': ref, 'state': 'absent'}, check=True)
    assert check['changed'] and check['actions'] == ['delete %s (experiment)' % ref] and server.writes() == []
    done = run(trigger_project, {'ref': ref, 'state': 'absent'})
    assert done['changed'] and done['project']['ref'] == ref and server.projects[ref]['deleted']


def test_failures_carry_failure_and_no_secret(server, run):
    result = run(trigger_project, {'name': 'x', 'organization': 'acme-1f2e', 'api_key': PROD_KEY}, fail=True)
    assert 'personal access token' in result['msg'] and PROD_KEY not in repr(result) and server.calls() == []
    assert set(result['failure']) == {'method', 'path', 'status', 'message'}
    result = run(trigger_project, {'organization': 'acme-1f2e'}, fail=True)
    assert 'one of the following is required: name, ref' in result['msg']


def test_info_lists_under_one_key_and_fails_on_an_unknown_ref(server, run):
    ref = server.add('billing')
    result = run(trigger_project_info, {})
    assert [p['ref'] for p in result['projects']] == [ref] and len(result['projects'][0]['environments']) == 4
    assert not result['changed'] and 'actions' not in result
    failed = run(trigger_project_info, {'ref': 'proj_missing'}, fail=True)
    assert 'no project proj_missing' in failed['msg']


def test_api_key_returns_the_key_unmasked_for_the_next_task(server, run):
    ref = server.add('billing')
    result = run(trigger_api_key, {'project_ref': ref, 'environment': 'prod', 'state': 'regenerated'})
    assert result['api_key'] == server.projects[ref]['keys']['prod'] and result['rotation']['verified'] is True
    assert result['changed'] and result['api_key'] not in repr(result.get('warnings'))


def test_api_key_needs_the_explicit_state(server, run):
    result = run(trigger_api_key, {'project_ref': 'proj_x', 'environment': 'prod'}, fail=True)
    assert 'missing required arguments: state' in result['msg'] and server.calls() == []
