# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The finished-collection layer: AWX credential type, roles, docs and the tools that check them."""

from __future__ import annotations

import importlib.util
import os
import re

import pytest
import yaml
from jinja2 import Environment, meta

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROLES = ('envvars', 'schedules', 'preview_environment', 'run_health')
ENVIRONMENTS = ('dev', 'staging', 'prod', 'preview')


def _load_script(relpath, name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, relpath))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _yaml(relpath):
    with open(os.path.join(ROOT, relpath), encoding='utf-8') as handle:
        return yaml.safe_load(handle)


def _text(relpath):
    with open(os.path.join(ROOT, relpath), encoding='utf-8') as handle:
        return handle.read()


awx = _load_script('tests/awx/awx_emulation.py', 'awx_emulation')
check_links = _load_script('tests/packaging/check_links.py', 'check_links')
run_demo = _load_script('tests/packaging/run_demo.py', 'run_demo')

CREDENTIAL_TYPE = _yaml('extensions/awx/credential_type_trigger.yml')
# AWX refuses these names in env injectors (awx.main.fields.CredentialTypeInjectorField, ENV_BLOCKLIST).
AWX_ENV_BLOCKLIST = {'VIRTUAL_ENV', 'PATH', 'PYTHONPATH', 'JOB_ID', 'INVENTORY_ID', 'INVENTORY_SOURCE_ID',
                     'INVENTORY_UPDATE_ID', 'AD_HOC_COMMAND_ID', 'REST_API_URL', 'REST_API_TOKEN', 'MAX_EVENT_RES',
                     'CALLBACK_QUEUE', 'CALLBACK_CONNECTION', 'CACHE', 'JOB_CALLBACK_DEBUG', 'INVENTORY_HOSTVARS',
                     'AWX_HOST', 'PROJECT_REVISION', 'SUPERVISOR_CONFIG_PATH'}


def _module_env_fallbacks():
    """{option: [environment variables]} of the connection options every module takes."""
    from ansible_collections.triggerdev.management.plugins.module_utils._module import connection_argument_spec
    return {name: list(spec['fallback'][1]) for name, spec in connection_argument_spec().items() if 'fallback' in spec}


# ---------------------------------------------------------------- AWX credential type

def test_credential_type_has_the_fields_awx_needs():
    assert CREDENTIAL_TYPE['kind'] == 'cloud'   # only cloud and net are allowed for custom types
    fields = {f['id']: f for f in CREDENTIAL_TYPE['inputs']['fields']}
    assert set(fields) == {'api_url', 'api_key', 'project_ref'}
    assert fields['api_key'].get('secret') is True
    assert not any(f.get('secret') for name, f in fields.items() if name != 'api_key')
    assert fields['api_url']['default'] == 'https://api.trigger.dev'
    for field in fields.values():
        assert field['type'] == 'string' and field['label'] and field.get('help_text')


def test_credential_type_injects_only_what_the_modules_read():
    fallbacks = _module_env_fallbacks()
    injected = CREDENTIAL_TYPE['injectors']['env']
    assert list(CREDENTIAL_TYPE['injectors']) == ['env']   # no extra_vars (they land in job events), no files
    read_by_modules = {var for names in fallbacks.values() for var in names}
    assert set(injected) <= read_by_modules
    # Each injected variable feeds the connection option its input is named after.
    option_of = {var: option for option, names in fallbacks.items() for var in names}
    for var, template in injected.items():
        inputs = meta.find_undeclared_variables(Environment().parse(template))
        assert inputs == {'api_key' if option_of[var] == 'api_key' else option_of[var]}, var
    # The key goes into one variable only.
    assert sum('api_key' in t for t in injected.values()) == 1
    assert injected['TRIGGER_ACCESS_TOKEN'] == '{{ api_key }}'


def test_only_the_url_and_the_key_are_required():
    """The project ref may stay blank (one credential over several projects); AWX then injects an empty variable."""
    assert CREDENTIAL_TYPE['inputs']['required'] == ['api_url', 'api_key']
    env = awx.awx_injected_env(CREDENTIAL_TYPE, {'api_url': 'https://api.trigger.dev', 'api_key': 'tr_pat_abc12345678'})
    assert env['TRIGGER_PROJECT_REF'] == ''


def test_a_blank_injected_variable_counts_as_unset(monkeypatch):
    """What AWX injects for the blank project ref is read as no project ref by the modules, lookups and inventory."""
    env = awx.awx_injected_env(CREDENTIAL_TYPE, {'api_url': 'https://api.trigger.dev', 'api_key': 'tr_pat_abc12345678'})
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    from ansible_collections.triggerdev.management.plugins.module_utils import _connection as connection
    resolved = connection.resolve({'api_key': None, 'api_url': None, 'project_ref': None})
    assert resolved['project_ref'] is None and resolved['api_key'] == 'tr_pat_abc12345678'


def test_credential_type_env_names_are_allowed_by_awx():
    for name in CREDENTIAL_TYPE['injectors']['env']:
        assert re.match(r'^[a-zA-Z_]+[a-zA-Z0-9_]*$', name)
        assert name not in AWX_ENV_BLOCKLIST and not name.startswith('ANSIBLE_')


def test_awx_injection_renders_the_credential():
    env = awx.awx_injected_env(CREDENTIAL_TYPE, {'api_url': 'http://127.0.0.1:1', 'api_key': 'tr_pat_abc12345678',
                                                 'project_ref': 'proj_x'})
    assert env == {'TRIGGER_API_URL': 'http://127.0.0.1:1', 'TRIGGER_ACCESS_TOKEN': 'tr_pat_abc12345678',
                   'TRIGGER_PROJECT_REF': 'proj_x'}
    safe = awx.awx_safe_env(env)
    assert safe['TRIGGER_ACCESS_TOKEN'] == awx.AWX_HIDDEN_PASSWORD
    assert safe['TRIGGER_PROJECT_REF'] == 'proj_x'


def test_awx_injection_refuses_a_blank_required_input():
    with pytest.raises(ValueError, match='api_key'):
        awx.awx_injected_env(CREDENTIAL_TYPE, {'api_url': 'https://api.trigger.dev', 'api_key': '', 'project_ref': 'proj_x'})


def test_leak_search_finds_raw_and_json_escaped_secrets():
    secrets = {'token': 'tr_pat_abc"12345678', 'db': 'postgres://u:p@h/db'}
    texts = [('stdout', 'ok tr_pat_abc"12345678'), ('event 1', '{"msg": "tr_pat_abc\\"12345678"}'),
             ('event 2', '{"msg": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"}'), ('file', 'postgres://u:p@h/db')]
    assert awx.find_leaks(secrets, texts) == [('stdout', 'token'), ('event 1', 'token'), ('file', 'db')]


def test_demo_secret_values_are_read_from_the_demo_vars():
    values = awx.demo_secret_values(os.path.join(ROOT, 'playbooks', 'vars', 'demo.yml'))
    data = _yaml('playbooks/vars/demo.yml')
    assert len(values) == sum(len(v) for v in data['demo_secrets'].values()) + len(data['demo_preview_secrets'])
    assert all(len(v) >= 12 for v in values)   # long enough not to match by chance


# ---------------------------------------------------------------- docs match the shipped files

def _code_blocks(rst):
    """The bodies of the `.. code-block::` directives of an RST text, dedented."""
    blocks = []
    for match in re.finditer(r'^\.\. code-block:: \S+\n\n((?:(?:   .*)?\n)+)', rst, re.M):
        blocks.append('\n'.join(line[3:] for line in match.group(1).splitlines()).strip() + '\n')
    return blocks


def test_awx_guide_shows_the_shipped_files():
    blocks = _code_blocks(_text('docs/docsite/rst/guide_awx.rst'))
    assert _text('docs/examples/execution-environment.yml') in blocks
    credential_type = _text('extensions/awx/credential_type_trigger.yml')
    assert credential_type[credential_type.index('\nname:') + 1:] in blocks


def test_extra_docs_list_every_guide():
    listed = [entry if isinstance(entry, str) else entry['ref']
              for section in _yaml('docs/docsite/extra-docs.yml')['sections'] for entry in section['toctree']]
    for guide in ('guide_getting_started', 'guide_authentication', 'guide_envvars', 'guide_schedules', 'guide_runs',
                  'guide_preview_environments', 'guide_awx'):
        assert guide in listed


# ---------------------------------------------------------------- roles

@pytest.mark.parametrize('role', ROLES)
def test_role_argument_spec_matches_defaults(role):
    spec = _yaml('roles/%s/meta/argument_specs.yml' % role)['argument_specs']['main']
    defaults = _yaml('roles/%s/defaults/main.yml' % role) or {}
    options = spec['options']
    assert spec['short_description'] and spec['description'] and spec['author']
    for name, option in options.items():
        assert name.startswith(role + '_'), name
        assert option.get('description'), name
        if option.get('required'):
            assert name not in defaults, '%s is required, so it has no default' % name
        elif 'default' in option:
            assert defaults.get(name) == option['default'], name
        else:
            assert name in defaults and defaults[name] is None, name
    assert set(defaults) <= set(options), 'undocumented defaults: %s' % (set(defaults) - set(options))


@pytest.mark.parametrize('role', ROLES)
def test_role_readme_has_an_example_using_the_role(role):
    readme = _text('roles/%s/README.md' % role)
    examples = re.findall(r'```yaml\n(.*?)```', readme, re.S)
    assert examples
    assert any('triggerdev.management.%s' % role in example and yaml.safe_load(example) for example in examples)
    for name in _yaml('roles/%s/meta/argument_specs.yml' % role)['argument_specs']['main']['options']:
        assert '`%s`' % name in readme, '%s is not in the README' % name


def test_demo_data_uses_only_real_environments():
    data = _yaml('playbooks/vars/demo.yml')
    for key in ('demo_variables', 'demo_secrets', 'demo_schedules'):
        assert set(data[key]) <= set(ENVIRONMENTS)
    for key in ('demo_variables', 'demo_secrets'):
        names = [name for per_env in data[key].values() for name in per_env]
        assert all(re.match(r'^[A-Z][A-Z0-9_]*$', n) and not n.startswith('TRIGGER_') for n in names)
    # Plain values are strings: the module takes strings, and YAML would turn true/3000 into other types.
    assert all(isinstance(v, str) for per_env in data['demo_variables'].values() for v in per_env.values())


# ---------------------------------------------------------------- the site checker

def _site(tmp_path, pages):
    for name, html in pages.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding='utf-8')
    return str(tmp_path)


def test_link_checker_accepts_a_good_site(tmp_path):
    site = _site(tmp_path, {
        'index.html': '<a href="guide/a.html#intro">a</a><a href="https://example.com/x">x</a><img src="_static/l.png">',
        'guide/a.html': '<h1 id="intro">A</h1><a href="../index.html">up</a><a href="#intro">here</a><a href="b/">b</a>',
        'guide/b/index.html': '<p>b</p>',
        '_static/l.png': '',
    })
    errors, stats = check_links.check(site)
    assert errors == []
    assert stats['pages'] == 3 and stats['external'] == 1 and stats['fragments'] == 2


def test_link_checker_finds_broken_links(tmp_path):
    site = _site(tmp_path, {
        'index.html': ('<a href="missing.html">m</a>\n<a href="a.html#nowhere">f</a>\n<a href="/">root</a>\n'
                       '<link rel="stylesheet" href="https://cdn.example.com/x.css">\n<script src="_static/gone.js"></script>'),
        'a.html': '<h1 id="top">A</h1>',
    })
    errors, _stats = check_links.check(site)
    joined = '\n'.join(errors)
    assert len(errors) == 5
    assert 'no such file missing.html' in joined
    assert "no element with id 'nowhere'" in joined
    assert 'points outside the site' in joined
    assert 'loads a resource from outside the site' in joined
    assert 'no such file _static/gone.js' in joined


def test_demo_recap_parser():
    output = ('PLAY RECAP ****\nlocalhost                  : ok=25   changed=0    unreachable=0    failed=0    '
              'skipped=5    rescued=0    ignored=0\nother : ok=1 changed=2 unreachable=0 failed=1 skipped=0\n')
    assert run_demo.recap(output) == {'localhost': {'ok': 25, 'changed': 0, 'unreachable': 0, 'failed': 0},
                                      'other': {'ok': 1, 'changed': 2, 'unreachable': 0, 'failed': 1}}


def test_browser_check_turns_protocol_events_into_problems():
    check_browser = _load_script('tests/packaging/check_browser.py', 'check_browser')
    site = 'http://127.0.0.1:1/'
    events = [
        {'method': 'Network.requestWillBeSent', 'params': {'request': {'url': site + '_static/x.css'}}},
        {'method': 'Network.requestWillBeSent', 'params': {'request': {'url': 'data:image/png;base64,AAAA'}}},
        {'method': 'Network.requestWillBeSent', 'params': {'request': {'url': 'https://fonts.example.com/f.woff2'}}},
        {'method': 'Network.responseReceived', 'params': {'response': {'status': 404, 'url': site + 'gone.js'}}},
        {'method': 'Network.responseReceived', 'params': {'response': {'status': 200, 'url': site + 'ok.js'}}},
        {'method': 'Runtime.exceptionThrown', 'params': {'exceptionDetails': {'exception': {'description': 'TypeError: x'}}}},
        {'method': 'Runtime.consoleAPICalled', 'params': {'type': 'log', 'args': [{'value': 'fine'}]}},
        {'method': 'Runtime.consoleAPICalled', 'params': {'type': 'error', 'args': [{'value': 'broken'}]}},
        {'method': 'Network.loadingFailed', 'params': {'errorText': 'net::ERR_FAILED', 'requestId': '7'}},
        {'method': 'Network.loadingFailed', 'params': {'errorText': 'net::ERR_ABORTED', 'canceled': True}},
    ]
    problems = check_browser.problems_of(events, site)
    assert problems == [
        'request outside the site (must work offline): https://fonts.example.com/f.woff2',
        'HTTP 404 for http://127.0.0.1:1/gone.js',
        'JavaScript exception: TypeError: x',
        'console error: broken',
        'failed to load a resource: net::ERR_FAILED (request 7)',
    ]
