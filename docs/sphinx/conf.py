# Sphinx configuration of the triggerdev.management docs site (make docs).
# Started from `antsibull-docs sphinx-init --use-current triggerdev.management` (antsibull-docs 2.28);
# changed so that the site builds offline: the only intersphinx inventory is a local one written by
# docs/sphinx/ansible_inventory.py, which maps the few ansible-core documentation labels the
# generated pages refer to onto their pages on docs.ansible.com.

import os

project = 'triggerdev.management'
copyright = 'triggerdev.management contributors'

title = 'triggerdev.management: Ansible collection for Trigger.dev'
html_short_title = 'triggerdev.management'
html_title = title

extensions = ['sphinx.ext.intersphinx', 'sphinx_antsibull_ext']

pygments_style = 'ansible'
highlight_language = 'YAML+Jinja'

html_theme = 'sphinx_ansible_theme'
html_show_sphinx = False
html_theme_options = {
    'collapse_navigation': False,
    'display_version': False,
    'show_rtd_ethical_ads': False,
    'topbar_links': {
        'Trigger.dev docs': 'https://trigger.dev/docs',
        'Source': 'https://github.com/triggerdev-ansible/triggerdev.management',
        'Ansible docs': 'https://docs.ansible.com/',
    },
}
# _templates/extrabody.html: the header links to this site's root, not to "/".
templates_path = ['_templates']
# _static/search_summary_fix.js: see the comment in it.
html_static_path = ['_static']
html_js_files = ['search_summary_fix.js']
display_version = False

html_use_smartypants = True
html_use_modindex = False
html_use_index = False
html_copy_source = False

_INVENTORY = os.environ.get(
    'TRIGGER_DOCS_ANSIBLE_INVENTORY',
    os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'build', 'ansible_devel.inv'))
intersphinx_mapping = {
    'ansible_devel': ('https://docs.ansible.com/projects/ansible/devel/', _INVENTORY),
}
# The inventory is a local file: nothing is fetched while building.
intersphinx_timeout = 1

default_role = 'any'

nitpicky = True
