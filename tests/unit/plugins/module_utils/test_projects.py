# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils/_projects.py: names, refs, the cuid-or-slug rule, and the project operations (mocked HTTP)."""

import json

import pytest
import responses

from ansible_collections.triggerdev.management.plugins.module_utils import _projects as P
from ansible_collections.triggerdev.management.plugins.module_utils._client import TriggerClient
from ansible_collections.triggerdev.management.plugins.module_utils._errors import TriggerAPIError, TriggerInputError
from ansible_collections.triggerdev.management.tests.unit.plugins.fake_projects import (
    ACME, API, OAT, PAT, PROD_KEY, UAT, ZETA, FakeProjects,
)


@pytest.fixture
def server():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield FakeProjects(rsps)


def client(key=PAT):
    return TriggerClient(key, api_url=API, retries=0, sleep=lambda s: None)


def ensure(check_mode=False, key=PAT, **kwargs):
    outcome = P.ProjectState(client(key), check_mode, **kwargs).run()
    return outcome


# ---------------------------------------------------------------------- pure helpers

@pytest.mark.parametrize('given, expected', [('billing', 'billing'), ('  billing \n', 'billing'), ('\u00a0x\ufeff', 'x'), ('é' * 255, 'é' * 255)])
def test_clean_name_trims_as_javascript(given, expected):
    assert P.clean_name(given) == expected


@pytest.mark.parametrize('bad', ['', '   ', None, 'x' * 256, '\U0001F600' * 128])
def test_clean_name_refuses_empty_and_long(bad):
    with pytest.raises(TriggerInputError):
        P.clean_name(bad)


@pytest.mark.parametrize('bad', ['demo', 'proj_', 'proj_a/b', ' proj_a', None, 'PROJ_abc'])
def test_clean_ref_refuses_what_is_not_a_ref(bad):
    with pytest.raises(TriggerInputError, match='not a project ref'):
        P.clean_ref(bad)


def test_org_param_follows_the_servers_cuid_rule():
    assert P.org_param({'id': 'cabc', 'slug': 'acme'}) == 'cabc'          # an id starting with c is read as an id
    assert P.org_param({'id': 'org_1', 'slug': 'acme'}) == 'acme'         # else the slug, when it does not look like one
    with pytest.raises(TriggerInputError, match='cannot be addressed'):
        P.org_param({'id': 'org_1', 'slug': 'cobalt'})                     # a slug starting with c would be read as an id


def test_environment_view_names_and_flags():
    view = P.environment_view({'id': 'e', 'slug': 'stg', 'type': 'STAGING', 'isBranchableEnvironment': False, 'paused': True})
    assert view == {'id': 'e', 'name': 'staging', 'slug': 'stg', 'type': 'STAGING', 'branchable': False, 'paused': True}


# ---------------------------------------------------------------------- credentials

@pytest.mark.parametrize('key', [PROD_KEY, OAT])
def test_other_credentials_are_refused_before_any_request(server, key):
    with pytest.raises(TriggerInputError, match='personal access token .* or a user-actor token'):
        P.ProjectState(client(key), False, name='x', organization='acme-1f2e')
    with pytest.raises(TriggerInputError, match='personal access token'):
        P.ProjectRead(client(key))
    assert server.calls() == []


def test_a_user_actor_token_is_accepted(server):
    server.add('billing')
    assert [p['name'] for p in P.ProjectRead(client(UAT), environments=False).run().resource] == ['billing']


# ---------------------------------------------------------------------- create by name, rename, delete

def test_created_once_then_found_by_name(server):
    first = ensure(name='billing', organization='acme-1f2e')
    assert first.changed and first.values['actions'] == ['create billing in acme-1f2e']
    assert first.resource['ref'].startswith('proj_') and first.resource['organization']['slug'] == 'acme-1f2e'
    assert first.before == {'state': 'absent'} and first.after['state'] == 'present'
    # the organisation is looked up, then addressed by its id (it starts with c)
    assert server.calls() == [('GET', '/api/v1/orgs'), ('GET', '/api/v1/orgs/%s/projects' % ACME['id']),
                              ('POST', '/api/v1/orgs/%s/projects' % ACME['id'])]
    server.rsps.calls.reset()
    second = ensure(name=' billing ', organization=ACME['id'])
    assert not second.changed and second.resource['ref'] == first.resource['ref'] and server.writes() == []
    assert len(server.projects) == 1


def test_organization_addressed_by_slug_when_its_id_is_no_cuid(server):
    ensure(name='search', organization='zeta')
    assert ('POST', '/api/v1/orgs/zeta/projects') in server.calls()


def test_check_mode_predicts_the_creation_without_writing(server):
    outcome = ensure(check_mode=True, name='billing', organization='acme-1f2e')
    assert outcome.changed and outcome.resource['ref'] is None and outcome.resource['name'] == 'billing'
    assert outcome.resource['organization']['slug'] == 'acme-1f2e' and server.writes() == [] and server.projects == {}


def test_organization_required_unless_the_token_has_one(server):
    with pytest.raises(TriggerInputError, match='organization is required.*acme-1f2e, zeta'):
        ensure(name='billing')
    server.orgs = [dict(ZETA)]
    assert ensure(name='billing').resource['organization']['slug'] == 'zeta'


def test_unknown_organization_is_an_error_and_nothing_is_created(server):
    with pytest.raises(P.ProjectNotFound, match='nowhere is not one of the organizations'):
        ensure(name='billing', organization='nowhere')
    assert server.writes() == []


def test_two_projects_with_the_name_are_refused(server):
    one, two = server.add('billing'), server.add('billing')
    with pytest.raises(TriggerInputError, match="2 projects named 'billing' .*%s, %s.*give ref" % (one, two)):
        ensure(name='billing', organization='acme-1f2e')
    with pytest.raises(TriggerInputError, match='give ref'):
        ensure(name='billing', organization='acme-1f2e', state='absent')
    assert server.writes() == []


def test_rename_by_ref_and_again_unchanged(server):
    ref = server.add('billing')
    outcome = ensure(ref=ref, name='Billing (legacy)')
    assert outcome.changed and outcome.values['actions'] == ['rename %s to Billing (legacy)' % ref]
    assert (outcome.before['name'], outcome.after['name']) == ('billing', 'Billing (legacy)')
    assert json.loads(server.rsps.calls[-1].request.body) == {'name': 'Billing (legacy)'}
    assert server.projects[ref]['name'] == 'Billing (legacy)'
    server.rsps.calls.reset()
    assert not ensure(ref=ref, name='Billing (legacy)').changed and server.writes() == []


def test_unknown_ref_fails_when_present_and_is_absent_when_absent(server):
    with pytest.raises(P.ProjectNotFound, match='no project proj_missing'):
        ensure(ref='proj_missing', name='x')
    outcome = ensure(ref='proj_missing', state='absent')
    assert not outcome.changed and outcome.resource is None and server.writes() == []


def test_ref_in_another_organization_is_refused(server):
    ref = server.add('billing', org=ZETA)
    with pytest.raises(TriggerInputError, match='belongs to organization zeta, not acme-1f2e'):
        ensure(ref=ref, name='billing', organization='acme-1f2e')


def test_delete_by_name_then_absent(server):
    ref = server.add('experiment')
    outcome = ensure(name='experiment', organization='acme-1f2e', state='absent')
    assert outcome.changed and outcome.values['actions'] == ['delete %s (experiment)' % ref]
    assert outcome.resource['ref'] == ref and outcome.after == {'state': 'absent'}
    assert server.projects[ref]['deleted']
    assert not ensure(name='experiment', organization='acme-1f2e', state='absent').changed


def test_delete_check_mode_sends_nothing(server):
    ref = server.add('experiment')
    outcome = ensure(check_mode=True, ref=ref, state='absent')
    assert outcome.changed and server.writes() == [] and not server.projects[ref]['deleted']


def test_refused_delete_says_what_and_why(server):
    ref = server.add('experiment')
    server.forbid_writes = True
    with pytest.raises(TriggerAPIError, match=r'HTTP 403: Unauthorized \(the server refused deleting a project .*manage:project'):
        ensure(key=UAT, ref=ref, state='absent')
    with pytest.raises(TriggerAPIError, match='refused renaming a project'):
        ensure(key=UAT, ref=ref, name='other')


def test_project_limit_refusal_gets_a_hint(server):
    server.create_error = (400, {'error': 'Failed to create project'})
    with pytest.raises(TriggerAPIError, match="Failed to create project .*project limit"):
        ensure(name='one-too-many', organization='acme-1f2e')


def test_refused_inputs_before_any_request(server):
    for kwargs, pattern in [(dict(organization='acme-1f2e'), 'Give name'), (dict(ref='proj_x'), 'name is required with state=present'),
                            (dict(name='', organization='a'), 'name is empty'), (dict(name='x', organization=' '), 'organization is empty'),
                            (dict(name='x', ref='demo'), 'not a project ref'), (dict(name='x', state='gone'), 'state must be')]:
        with pytest.raises(TriggerInputError, match=pattern):
            P.ProjectState(client(), False, **kwargs)
    assert server.calls() == []


# ---------------------------------------------------------------------- reads

def test_read_everything_with_environments(server):
    server.add('search', org=ZETA)
    ref = server.add('billing', paused=('prod',))
    projects = P.ProjectRead(client()).run().resource
    assert [(p['organization']['slug'], p['name']) for p in projects] == [('acme-1f2e', 'billing'), ('zeta', 'search')]
    envs = projects[0]['environments']
    assert [e['name'] for e in envs] == ['dev', 'staging', 'preview', 'prod'] and envs[3]['paused'] is True
    assert server.calls()[0] == ('GET', '/api/v1/projects') and ('GET', '/api/v1/projects/%s/environments' % ref) in server.calls()


def test_read_one_organization_one_name_without_environments(server):
    server.add('billing', org=ZETA)
    server.add('billing')
    server.add('search')
    projects = P.ProjectRead(client(), organization='acme-1f2e', name='billing', environments=False).run().resource
    assert [p['name'] for p in projects] == ['billing'] and 'environments' not in projects[0]
    assert server.calls() == [('GET', '/api/v1/orgs'), ('GET', '/api/v1/orgs/%s/projects' % ACME['id'])]


def test_read_explicit_ref_or_organization_must_exist(server):
    with pytest.raises(TriggerInputError, match='organization is empty'):
        P.ProjectRead(client(), organization=' ')
    assert server.calls() == []
    with pytest.raises(P.ProjectNotFound):
        P.ProjectRead(client(), ref='proj_missing').run()
    with pytest.raises(P.ProjectNotFound):
        P.ProjectRead(client(), organization='nowhere').run()
    ref = server.add('billing')
    assert [p['ref'] for p in P.ProjectRead(client(), ref=ref).run().resource] == [ref]
    assert P.ProjectRead(client(), ref=ref, name='other').run().resource == []
