# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The triggerdev.management.trigger inventory plugin with its documented options, against mocked HTTP."""

import pytest
import responses
import yaml
from ansible.errors import AnsibleError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader

from ansible_collections.triggerdev.management.tests.unit.plugins.fake_projects import API, PAT, PROD_KEY, ZETA, FakeProjects

NAME = 'triggerdev.management.trigger'


class FragmentLoader:
    """The collection's connection fragment and Ansible's own fragments, for Ansible's fragment merging."""

    @staticmethod
    def get(name):
        from ansible.plugins.loader import fragment_loader
        from ansible_collections.triggerdev.management.plugins.doc_fragments.connection import ModuleDocFragment
        if name == 'triggerdev.management.connection':
            ModuleDocFragment.ansible_name = name
            return ModuleDocFragment
        return fragment_loader.get(name)


@pytest.fixture(scope='module')
def plugin_class():
    """The plugin class with its documented options registered, as the plugin loader does it."""
    from ansible import constants as C
    from ansible.utils.plugin_docs import add_fragments
    from ansible_collections.triggerdev.management.plugins.inventory import trigger
    doc = yaml.safe_load(trigger.DOCUMENTATION)
    add_fragments(doc, trigger.__file__, FragmentLoader)
    if not C.config.has_configuration_definition('inventory', NAME):
        C.config.initialize_plugin_configuration_definitions('inventory', NAME, doc['options'])
    return trigger.InventoryModule


@pytest.fixture
def server():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield FakeProjects(rsps)


@pytest.fixture
def parse(plugin_class, tmp_path, monkeypatch):
    """parse(config, cache=True): the inventory the plugin builds from ``config`` (a dict written to a *.trigger.yml)."""
    monkeypatch.setenv('TRIGGER_ACCESS_TOKEN', PAT)

    def run(config, cache=True):
        path = tmp_path / 'projects.trigger.yml'
        path.write_text(yaml.safe_dump(dict({'plugin': NAME, 'api_url': API, 'retries': 0}, **config)))
        plugin = plugin_class()
        plugin._load_name = NAME   # pylint: disable=protected-access
        assert plugin.verify_file(str(path))
        inventory = InventoryData()
        plugin.parse(inventory, DataLoader(), str(path), cache=cache)
        if getattr(plugin, '_cache', None):
            plugin.update_cache_if_changed()   # what the inventory manager does after a parse
        return inventory
    return run


def hosts_of(inventory, group):
    return sorted(h.name for h in inventory.groups[group].get_hosts())


def test_hosts_groups_and_variables(server, parse):
    ref = server.add('billing')
    other = server.add('search', org=ZETA)
    inventory = parse({})
    assert sorted(inventory.hosts) == sorted('%s-%s' % (r, e) for r in (ref, other) for e in ('dev', 'staging', 'preview', 'prod'))
    assert hosts_of(inventory, 'trigger_prod') == ['%s-prod' % ref, '%s-prod' % other]
    assert hosts_of(inventory, 'trigger_org_zeta') == ['%s-%s' % (other, e) for e in ('dev', 'preview', 'prod', 'staging')]
    assert hosts_of(inventory, 'trigger_project_%s' % ref) == ['%s-%s' % (ref, e) for e in ('dev', 'preview', 'prod', 'staging')]
    host_vars = inventory.get_host('%s-prod' % ref).get_vars()
    assert host_vars['trigger_project_ref'] == ref and host_vars['trigger_environment'] == 'prod' and host_vars['trigger_api_url'] == API
    assert host_vars['trigger_organization'] == 'acme-1f2e' and host_vars['trigger_paused'] is False
    assert PAT not in repr(dict((h, inventory.get_host(h).get_vars()) for h in inventory.hosts))


def test_compose_keyed_groups_groups_filters_and_hostname(server, parse):
    server.add('billing', paused=('prod',))
    server.add('sandbox')
    inventory = parse({
        'environments': ['prod', 'staging'],
        'filters': [{'exclude': "trigger_project_name is match('sand')"}, {'include': 'true'}],
        'hostname': "trigger_project_name ~ '/' ~ trigger_environment",
        'compose': {'ansible_connection': "'local'", 'label': 'trigger_project_name | upper'},
        'keyed_groups': [{'key': 'trigger_default_region', 'prefix': 'region'}],
        'groups': {'paused': 'trigger_paused'},
    })
    assert sorted(inventory.hosts) == ['billing_prod', 'billing_staging']
    assert hosts_of(inventory, 'paused') == ['billing_prod']
    assert hosts_of(inventory, 'region_us_east_1') == ['billing_prod', 'billing_staging']
    host_vars = inventory.get_host('billing_prod').get_vars()
    assert host_vars['ansible_connection'] == 'local' and host_vars['label'] == 'BILLING'


def test_a_filter_rule_needs_include_or_exclude(server, parse):
    server.add('billing')
    with pytest.raises(AnsibleError, match='exactly one of include and exclude'):
        parse({'filters': [{'keep': 'true'}]})


def test_a_failing_filter_drops_the_host_unless_strict(server, parse):
    server.add('billing')
    assert not parse({'filters': [{'include': 'no_such_variable.x'}]}).hosts
    with pytest.raises(AnsibleError, match='the filter .* failed'):
        parse({'filters': [{'include': 'no_such_variable.x'}], 'strict': True})


def test_duplicate_host_names_are_an_error(server, parse):
    server.add('billing')
    with pytest.raises(AnsibleError, match='would both be named billing'):
        parse({'hostname': 'trigger_project_name'})


def test_cache_serves_the_second_parse_without_requests(server, parse, tmp_path):
    ref = server.add('billing')
    config = {'cache': True, 'cache_plugin': 'jsonfile', 'cache_connection': str(tmp_path / 'cache'), 'environments': ['prod']}
    assert sorted(parse(config, cache=False).hosts) == ['%s-prod' % ref]   # --flush-cache: fetched, then stored
    count = len(server.calls())
    assert sorted(parse(config).hosts) == ['%s-prod' % ref] and len(server.calls()) == count
    cached = ''.join(p.read_text() for p in (tmp_path / 'cache').iterdir())
    assert ref in cached and PAT not in cached


def test_errors_name_the_plugin_and_never_the_token(server, parse, monkeypatch):
    monkeypatch.setenv('TRIGGER_ACCESS_TOKEN', PROD_KEY)
    with pytest.raises(AnsibleError, match='triggerdev.management.trigger: .*personal access token') as err:
        parse({})
    assert PROD_KEY not in str(err.value) and server.calls() == []


def test_only_files_named_for_the_plugin(plugin_class, tmp_path):
    other = tmp_path / 'hosts.yml'
    other.write_text('plugin: %s\n' % NAME)
    assert not plugin_class().verify_file(str(other))
