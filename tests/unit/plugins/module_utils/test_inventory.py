# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils/_inventory.py: the inventory's records, names and groups (mocked HTTP)."""

import pytest
import responses

from ansible_collections.triggerdev.management.plugins.module_utils import _inventory as I
from ansible_collections.triggerdev.management.plugins.module_utils._client import TriggerClient
from ansible_collections.triggerdev.management.plugins.module_utils._errors import TriggerInputError
from ansible_collections.triggerdev.management.tests.unit.plugins.fake_projects import API, OAT, PAT, UAT, ZETA, FakeProjects


@pytest.fixture
def server():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield FakeProjects(rsps)


def records(key=PAT, **kwargs):
    return I.environment_records(TriggerClient(key, api_url=API, retries=0), **kwargs)


def test_one_record_per_environment_with_the_host_variables(server):
    ref = server.add('billing', paused=('staging', 'stg'))
    found = records()
    assert [r['trigger_environment'] for r in found] == ['dev', 'staging', 'preview', 'prod']
    assert found[1] == {
        'trigger_api_url': API, 'trigger_organization': 'acme-1f2e', 'trigger_organization_id': 'cacme0000000000000000001',
        'trigger_organization_title': 'Acme', 'trigger_project_ref': ref, 'trigger_project_name': 'billing',
        'trigger_project_id': 'cprj1', 'trigger_default_region': 'us-east-1', 'trigger_environment': 'staging',
        'trigger_environment_type': 'STAGING', 'trigger_environment_id': 'env_%s_stg' % ref, 'trigger_branch': None, 'trigger_paused': True}
    assert server.calls() == [('GET', '/api/v1/projects'), ('GET', '/api/v1/projects/%s/environments' % ref)]


def test_filters_by_organization_project_and_environment(server):
    server.add('billing')
    search = server.add('search', org=ZETA)
    server.add('other', org=ZETA)
    found = records(organizations=['zeta'], projects=['search'], environments=['prod'])
    assert [(r['trigger_project_ref'], r['trigger_environment']) for r in found] == [(search, 'prod')]
    # environments of filtered-out projects are never read
    assert [c for c in server.calls() if c[1].endswith('/environments')] == [('GET', '/api/v1/projects/%s/environments' % search)]


def test_unknown_names_in_filters_are_errors(server):
    server.add('billing')
    with pytest.raises(I.ProjectNotFound, match='no organization nowhere'):
        records(organizations=['nowhere'])
    with pytest.raises(I.ProjectNotFound, match='no project proj_gone'):
        records(projects=['billing', 'proj_gone'])
    with pytest.raises(TriggerInputError, match='Unknown environments production'):
        records(environments=['production'])


def test_preview_branches_are_hosts_of_their_own(server):
    ref = server.add('billing', branches=('feature/login',))
    found = records(branches=True, environments=['preview'])
    assert [(r['trigger_environment'], r['trigger_branch']) for r in found] == [('preview', None), ('preview', 'feature/login')]
    assert found[1]['trigger_environment_id'] == 'env_b_feature/login'
    assert I.default_hostname(found[1]) == '%s-preview-feature_login' % ref
    assert I.groups_of(found[1]) == ['trigger_org_acme_1f2e', 'trigger_project_%s' % ref, 'trigger_preview_branches']
    assert I.groups_of(found[0])[-1] == 'trigger_preview'


def test_credentials_refused_before_any_request(server):
    with pytest.raises(TriggerInputError, match='personal access token'):
        records(key=OAT)
    with pytest.raises(TriggerInputError, match='preview_branches needs a personal access token'):
        records(key=UAT, branches=True)
    assert server.calls() == []


@pytest.mark.parametrize('text, group, expected', [('proj_a-prod', False, 'proj_a-prod'), ('a/b c', False, 'a_b_c'),
                                                   ('trigger_org_acme-1f2e', True, 'trigger_org_acme_1f2e'), ('x.y', True, 'x_y')])
def test_safe_names(text, group, expected):
    assert I.safe_name(text, group=group) == expected
