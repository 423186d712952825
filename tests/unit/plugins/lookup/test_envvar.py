# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The triggerdev.management.envvar lookup, loaded through Ansible's plugin loader, against mocked HTTP."""

import pytest
import responses
import yaml
from ansible.errors import AnsibleError

API = 'https://api.example.test'
KEY = 'tr_dev_' + 'k' * 24
PAT = 'tr_pat_' + 'p' * 40
RESOLVED_KEY = 'tr_prod_' + 'r' * 24
LIST = API + '/api/v1/projects/proj_abc/envvars/dev'
RESOLVED = API + '/api/v1/projects/proj_abc/envvars'


class FragmentLoader:
    """The one doc fragment the collection has, for Ansible's own fragment merging (utils/plugin_docs.py)."""

    @staticmethod
    def get(name):
        from ansible_collections.triggerdev.management.plugins.doc_fragments.connection import ModuleDocFragment
        if name != 'triggerdev.management.connection':
            return None
        ModuleDocFragment.ansible_name = name
        return ModuleDocFragment


def documented_options():
    """The lookup's options with its fragments merged as ansible-doc and the plugin loader merge them."""
    from ansible.utils.plugin_docs import add_fragments
    from ansible_collections.triggerdev.management.plugins.lookup import envvar
    doc = yaml.safe_load(envvar.DOCUMENTATION)
    add_fragments(doc, envvar.__file__, FragmentLoader)
    return doc['options']


@pytest.fixture(scope='module')
def lookup():
    """The lookup with its documented options registered, as the plugin loader does it."""
    from ansible import constants as C
    from ansible_collections.triggerdev.management.plugins.lookup import envvar
    name = 'triggerdev.management.envvar'
    options = documented_options()
    if not C.config.has_configuration_definition('lookup', name):
        C.config.initialize_plugin_configuration_definitions('lookup', name, options)
    plugin = envvar.LookupModule()
    plugin._load_name = name
    assert plugin.plugin_type == 'lookup'
    return plugin


def api_list(**items):
    return [{'name': n, 'value': '<redacted>' if s else v, 'isSecret': s} for n, (v, s) in sorted(items.items())]


def run(plugin, terms, **kwargs):
    return plugin.run(terms, variables={}, **kwargs)


@responses.activate
def test_plain_values_in_order_one_request(lookup):
    responses.add(responses.GET, LIST, json=api_list(A=('1', False), B=('2', False), S=('x', True)))
    assert run(lookup, ['B', 'A'], api_key=KEY, api_url=API, project_ref='proj_abc') == ['2', '1']
    assert len(responses.calls) == 1


@responses.activate
def test_secret_values_through_resolved_endpoint(lookup):
    responses.add(responses.GET, LIST, json=api_list(A=('1', False), S=('x', True)))
    responses.add(responses.GET, RESOLVED, json={'variables': {'A': '1', 'S': 'real-secret'}})
    assert run(lookup, ['S', 'A'], api_key=KEY, api_url=API, project_ref='proj_abc') == ['real-secret', '1']


@responses.activate
def test_access_token_and_environment_from_env_vars(lookup, monkeypatch):
    monkeypatch.setenv('TRIGGER_ACCESS_TOKEN', PAT)
    monkeypatch.setenv('TRIGGER_API_URL', API)
    monkeypatch.setenv('TRIGGER_PROJECT_REF', 'proj_abc')
    monkeypatch.setenv('TRIGGER_ENVIRONMENT', 'prod')
    responses.add(responses.GET, API + '/api/v1/projects/proj_abc/envvars/prod', json=api_list(S=('x', True)))
    responses.add(responses.GET, API + '/api/v1/projects/proj_abc/prod', json={'apiKey': RESOLVED_KEY})
    responses.add(responses.GET, RESOLVED, json={'variables': {'S': 'prod-secret'}})
    assert run(lookup, ['S']) == ['prod-secret']
    assert [c.request.headers['authorization'] for c in responses.calls] == ['Bearer ' + PAT] * 2 + ['Bearer ' + RESOLVED_KEY]


@responses.activate
def test_secret_key_env_wins_over_access_token(lookup, monkeypatch):
    monkeypatch.setenv('TRIGGER_ACCESS_TOKEN', PAT)
    monkeypatch.setenv('TRIGGER_SECRET_KEY', KEY)
    responses.add(responses.GET, LIST, json=api_list(A=('1', False)))
    assert run(lookup, ['A'], api_url=API, project_ref='proj_abc') == ['1']
    assert responses.calls[0].request.headers['authorization'] == 'Bearer ' + KEY


@responses.activate
def test_option_alias_and_branch_header(lookup):
    preview_key = 'tr_preview_' + 'b' * 24
    responses.add(responses.GET, API + '/api/v1/projects/proj_abc/envvars/preview', json=api_list(A=('b', False)))
    assert run(lookup, ['A'], secret_key=preview_key, api_url=API, project_ref='proj_abc', branch='feat-1') == ['b']
    assert responses.calls[0].request.headers['x-trigger-branch'] == 'feat-1'


@responses.activate
def test_missing_is_an_error_unless_default(lookup):
    responses.add(responses.GET, LIST, json=api_list(A=('1', False)))
    with pytest.raises(AnsibleError, match='do not exist in the dev environment: NOPE'):
        run(lookup, ['A', 'NOPE'], api_key=KEY, api_url=API, project_ref='proj_abc')
    assert run(lookup, ['A', 'NOPE'], api_key=KEY, api_url=API, project_ref='proj_abc', default='fallback') == ['1', 'fallback']
    assert run(lookup, ['NOPE'], api_key=KEY, api_url=API, project_ref='proj_abc', default=None) == [None]


@responses.activate
def test_errors_never_contain_the_key(lookup):
    responses.add(responses.GET, LIST, status=401, json={'error': 'Invalid or Missing API key ' + KEY})
    with pytest.raises(AnsibleError) as err:
        run(lookup, ['A'], api_key=KEY, api_url=API, project_ref='proj_abc', retries=0)
    assert KEY not in str(err.value) and 'HTTP 401' in str(err.value)


@responses.activate
def test_secret_unreadable_is_an_error(lookup):
    responses.add(responses.GET, LIST, json=api_list(S=('x', True)))
    responses.add(responses.GET, RESOLVED, status=403, json={'error': 'Unauthorized'})
    with pytest.raises(AnsibleError, match='S cannot be read'):
        run(lookup, ['S'], api_key=KEY, api_url=API, project_ref='proj_abc')


def test_refused_before_any_request(lookup):
    with responses.RequestsMock() as mock:
        with pytest.raises(AnsibleError, match='access token needs project_ref'):
            run(lookup, ['A'], api_key=PAT, api_url=API, environment='dev')
        with pytest.raises(AnsibleError, match='No Trigger.dev API key'):
            run(lookup, ['A'], api_url=API, project_ref='proj_abc')
        with pytest.raises(AnsibleError, match="contains '='"):
            run(lookup, ['A=B'], api_key=KEY, api_url=API, project_ref='proj_abc')
        assert len(mock.calls) == 0


def test_options_match_the_module_connection_spec():
    """The lookup documents the same connection options as the modules, with the same env fallbacks."""
    from ansible_collections.triggerdev.management.plugins.lookup import envvar
    from ansible_collections.triggerdev.management.plugins.module_utils._connection import OPTIONS
    doc = documented_options()
    for name, spec, env_names in OPTIONS:
        opt = doc[name]
        assert opt['type'] == spec['type'], name
        assert opt.get('aliases', []) == spec.get('aliases', []), name
        assert opt.get('choices') == spec.get('choices'), name
        # resolve() applies the environment and then the default, so the plugin docs carry no default where an
        # environment variable must win over it, and api_key is not required there
        assert opt.get('default') == (None if env_names else spec.get('default')), name
        assert not opt.get('required'), name
        for variable in env_names:
            assert 'E(%s)' % variable in ' '.join(opt['description']), (name, variable)


def test_plugin_fragment_describes_the_options_as_the_module_fragment_does():
    from ansible_collections.triggerdev.management.plugins.doc_fragments.connection import ModuleDocFragment
    modules = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options']
    plugins = documented_options()
    for name, option in yaml.safe_load(ModuleDocFragment.PLUGINS)['options'].items():
        assert plugins[name]['description'] == modules[name]['description'], name
