# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
name: trigger
short_description: Trigger.dev project environments as inventory hosts
version_added: 0.1.0
author:
  - triggerdev.management contributors (@triggerdev-ansible)
description:
  - One host per environment of every project the token reaches (dev, staging, preview, prod), and optionally one per
    active preview branch, so a play can act on many projects at once - for example sync environment variables into every
    production environment, with AWX running the hosts in parallel (forks).
  - Hosts are API targets, not machines. Run plays against them with C(connection=local) (or set C(ansible_connection)
    with O(compose)) and without fact gathering; every module of the collection then takes its project and environment
    from the host variables (see the example).
  - "Host variables: C(trigger_api_url), C(trigger_organization) (slug), C(trigger_organization_id),
    C(trigger_organization_title), C(trigger_project_ref), C(trigger_project_name), C(trigger_project_id),
    C(trigger_default_region), C(trigger_environment) (V(dev), V(staging), V(preview), V(prod)),
    C(trigger_environment_type), C(trigger_environment_id), C(trigger_branch) (null except for a preview branch host) and
    C(trigger_paused). No host variable holds a credential."
  - "Groups: C(trigger_org_<organization slug>), C(trigger_project_<project ref>), C(trigger_dev), C(trigger_staging),
    C(trigger_preview), C(trigger_prod), and C(trigger_preview_branches) for the preview branch hosts (which are not in
    C(trigger_preview)). Characters other than letters, digits and C(_) become C(_)."
  - "Host names: C(<project ref>-<environment>), C(<project ref>-preview-<branch>) for a branch (characters other than
    letters, digits, C(_), C(.) and C(-) become C(_)); set O(hostname) for others."
  - "Requests per refresh: one for the projects list (one more with O(organizations)), one per project for its
    environments, and with O(preview_branches) one more per project that has preview branching. Turn on O(cache) to keep
    the result between runs."
  - The token comes from the same options and environment variables as the modules - O(api_key) or E(TRIGGER_ACCESS_TOKEN)
    (E(TRIGGER_SECRET_KEY) first, if set), O(api_url) or E(TRIGGER_API_URL) - so the collection's AWX credential type
    works for an inventory source as it does for job templates. It must be a personal access token (V(tr_pat_...)) or a
    user-actor token (V(tr_uat_...)); O(preview_branches) needs a personal access token.
  - The inventory file name must end with C(trigger.yml) or C(trigger.yaml).
extends_documentation_fragment:
  - triggerdev.management.connection.plugins
  - triggerdev.management.connection
  - constructed
  - inventory_cache
options:
  plugin:
    description: The name of this plugin; set it to make the file an inventory source of this plugin.
    required: true
    type: str
    choices: [triggerdev.management.trigger]
  organizations:
    description:
      - Only the projects of these organizations, by slug or id. An organization the token does not reach is an error.
    type: list
    elements: str
    default: []
  projects:
    description:
      - Only these projects, by ref or name. A project the token does not reach is an error.
    type: list
    elements: str
    default: []
  environments:
    description:
      - Only these environments. The development environment listed is the token owner's own (each member has one).
    type: list
    elements: str
    choices: [dev, staging, preview, prod]
    default: [dev, staging, preview, prod]
  preview_branches:
    description:
      - Also one host per active preview branch (with C(trigger_environment=preview) and C(trigger_branch) set).
      - Needs a personal access token.
    type: bool
    default: false
  filters:
    description:
      - Rules on the host variables, in order; the first rule whose condition is true decides whether the host is kept
        (C(include)) or dropped (C(exclude)). A host no rule matches is kept.
      - Each rule has exactly one of C(include) and C(exclude), a Jinja2 conditional such as
        V(trigger_project_name is match('billing')) or V(trigger_paused).
      - An error in a condition drops the host, or fails the inventory with O(strict=true).
    type: list
    elements: dict
    default: []
  hostname:
    description:
      - A Jinja2 expression over the host variables that gives each host its name, for example
        V(trigger_project_name ~ '_' ~ trigger_environment). Characters other than letters, digits, C(_), C(.) and C(-)
        become C(_). Two hosts with one name are an error.
      - Without it, C(<project ref>-<environment>) (C(<project ref>-preview-<branch>) for a branch).
    type: str
notes:
  - The connection options O(project_ref), O(environment) and O(branch) are not used (an AWX credential of the collection's type
    sets E(TRIGGER_PROJECT_REF); the inventory still covers every project the token reaches). Narrow it with O(projects) and
    O(environments).
  - The cache holds the host variables only, never a credential; its key is the inventory file's path.
seealso:
  - module: triggerdev.management.trigger_project_info
  - ref: ansible_collections.triggerdev.management.docsite.guide_many_projects
    description: Many projects with AWX.
'''

EXAMPLES = r'''
# prod.trigger.yml - every production environment, grouped by organization
plugin: triggerdev.management.trigger
environments: [prod]

---
# all.trigger.yml - everything, branches too, cached for an hour, with a few more groups and variables
plugin: triggerdev.management.trigger
api_url: https://trigger.example.com
preview_branches: true
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/trigger-inventory
cache_timeout: 3600
filters:
  - exclude: trigger_project_name is match('sandbox')
  - include: true
compose:
  ansible_connection: "'local'"
keyed_groups:
  - key: trigger_default_region
    prefix: region
groups:
  paused: trigger_paused

# A play for such an inventory: the modules get project and environment from each host
# - hosts: trigger_prod
#   gather_facts: false
#   connection: local
#   module_defaults:
#     group/triggerdev.management.all:
#       api_url: "{{ trigger_api_url }}"
#       project_ref: "{{ trigger_project_ref }}"
#       environment: "{{ trigger_environment }}"
#   tasks:
#     - triggerdev.management.trigger_envvar:
#         name: LOG_LEVEL
#         value: info
'''

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.triggerdev.management.plugins.module_utils._client import TriggerClient
from ansible_collections.triggerdev.management.plugins.module_utils._connection import NAMES, resolve
from ansible_collections.triggerdev.management.plugins.module_utils._credentials import scrub
from ansible_collections.triggerdev.management.plugins.module_utils._errors import TriggerError
from ansible_collections.triggerdev.management.plugins.module_utils._inventory import (
    default_hostname,
    environment_records,
    groups_of,
    safe_name,
)

FILE_SUFFIXES = ('trigger.yml', 'trigger.yaml')


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):

    NAME = 'triggerdev.management.trigger'

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith(FILE_SUFFIXES)

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        cache_key = self.get_cache_key(path)
        use_cache = self.get_option('cache') and cache
        update_cache = self.get_option('cache') and not cache
        records = None
        if use_cache:
            try:
                records = self._cache[cache_key]
            except KeyError:
                update_cache = True
        if records is None:
            records = self._fetch()
        if update_cache:
            self._cache[cache_key] = records
        self._populate(records)

    def _fetch(self):
        options = resolve(dict((name, self.get_option(name)) for name in NAMES))
        options.update(project_ref=None, environment=None, branch=None)
        try:
            client = TriggerClient(**options)
            return environment_records(client, organizations=self.get_option('organizations'), projects=self.get_option('projects'),
                                       environments=self.get_option('environments'), branches=self.get_option('preview_branches'))
        except TriggerError as exc:
            raise AnsibleError('triggerdev.management.trigger: %s' % scrub(str(exc), [options['api_key']]))

    def _keep(self, record):
        """What the first matching rule of ``filters`` says (kept when none matches)."""
        for rule in self.get_option('filters'):
            if not isinstance(rule, dict) or len(rule) != 1 or list(rule)[0] not in ('include', 'exclude'):
                raise AnsibleParserError('triggerdev.management.trigger: each filters rule has exactly one of include and exclude, '
                                         'got %r.' % (rule,))
            verdict, condition = list(rule.items())[0]
            self.templar.available_variables = record
            try:
                matched = self.templar.evaluate_conditional(condition)
            except Exception as exc:  # pylint: disable=broad-exception-caught
                if self.get_option('strict'):
                    raise AnsibleParserError('triggerdev.management.trigger: the filter %r failed for %s: %s'
                                             % (condition, default_hostname(record), exc))
                return False
            if matched:
                return verdict == 'include'
        return True

    def _hostname(self, record):
        expression = self.get_option('hostname')
        if not expression:
            return default_hostname(record)
        try:
            return safe_name(self._compose(expression, record))
        except Exception as exc:  # pylint: disable=broad-exception-caught
            raise AnsibleParserError('triggerdev.management.trigger: hostname %r failed for %s: %s'
                                     % (expression, default_hostname(record), exc))

    def _populate(self, records):
        strict = self.get_option('strict')
        seen = {}
        for record in records:
            if not self._keep(record):
                continue
            host = self._hostname(record)
            if host in seen:
                raise AnsibleParserError('triggerdev.management.trigger: hosts %s and %s would both be named %s; change hostname.'
                                         % (default_hostname(seen[host]), default_hostname(record), host))
            seen[host] = record
            for group in groups_of(record):
                self.inventory.add_group(group)
                self.inventory.add_host(host, group=group)
            for name, value in record.items():
                self.inventory.set_variable(host, name, value)
            self._set_composite_vars(self.get_option('compose'), record, host, strict=strict)
            self._add_host_to_composed_groups(self.get_option('groups'), record, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option('keyed_groups'), record, host, strict=strict)
