# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write a small Sphinx (intersphinx) inventory for the ansible-core documentation labels that the
pages antsibull-docs generates refer to, so the docs site builds offline and those references
still link to docs.ansible.com.

    python3 docs/sphinx/ansible_inventory.py OUTPUT.inv

Add a label here when `make docs` reports it as undefined and it belongs to docs.ansible.com.
"""

import sys
import zlib

# label -> (page relative to https://docs.ansible.com/projects/ansible/devel/, title)
LABELS = {
    'ansible_configuration_settings': ('reference_appendices/config.html#ansible-configuration-settings',
                                       'Ansible Configuration Settings'),
    'common_return_values': ('reference_appendices/common_return_values.html#common-return-values',
                             'Return Values'),
    'module_defaults': ('playbook_guide/playbooks_module_defaults.html#module-defaults',
                        'Module defaults'),
    'module_defaults_groups': ('playbook_guide/playbooks_module_defaults.html#module-defaults-groups',
                               'Module defaults groups'),
    'playbooks_lookups': ('playbook_guide/playbooks_lookups.html#playbooks-lookups', 'Lookups'),
    'lookup_plugins': ('plugins/lookup.html#lookup-plugins', 'Lookup plugins'),
    'playbooks_reuse_roles': ('playbook_guide/playbooks_reuse_roles.html#playbooks-reuse-roles', 'Roles'),
    'role_argument_spec': ('playbook_guide/playbooks_reuse_roles.html#role-argument-validation',
                           'Role argument validation'),
    'check_mode_dry': ('playbook_guide/playbooks_checkmode.html#check-mode-dry', 'Validating tasks: check mode and diff mode'),
    'playbooks_vault': ('vault_guide/index.html#vault-guide-index', 'Protecting sensitive data with Ansible vault'),
    'collections_installing': ('collections_guide/collections_installing.html#collections-installing',
                               'Installing collections'),
    'action_plugins': ('plugins/action.html#action-plugins', 'Action plugins'),
}

# Environment variables of ansible-core's configuration that generated pages refer to (the inventory plugin's cache
# options come from ansible-core's inventory_cache fragment).
ENVVARS = ('ANSIBLE_CACHE_PLUGIN', 'ANSIBLE_CACHE_PLUGIN_CONNECTION', 'ANSIBLE_CACHE_PLUGIN_PREFIX', 'ANSIBLE_CACHE_PLUGIN_TIMEOUT',
           'ANSIBLE_INVENTORY_CACHE', 'ANSIBLE_INVENTORY_CACHE_PLUGIN', 'ANSIBLE_INVENTORY_CACHE_CONNECTION',
           'ANSIBLE_INVENTORY_CACHE_PLUGIN_PREFIX', 'ANSIBLE_INVENTORY_CACHE_TIMEOUT')


def render(labels):
    lines = ['%s std:label -1 %s %s\n' % (name, uri, title) for name, (uri, title) in sorted(labels.items())]
    lines.extend('%s std:envvar -1 reference_appendices/config.html#envvar-%s -\n' % (name, name) for name in ENVVARS)
    header = ('# Sphinx inventory version 2\n'
              '# Project: Ansible\n'
              '# Version: devel\n'
              '# The remainder of this file is compressed using zlib.\n')
    return header.encode('utf-8') + zlib.compress(''.join(lines).encode('utf-8'))


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    with open(argv[1], 'wb') as handle:
        handle.write(render(LABELS))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
