# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Collection-wide rules: every module is in the action group and documents the shared options."""

from __future__ import annotations

import os

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULES_DIR = os.path.join(ROOT, 'plugins', 'modules')
MODULES = sorted(f[:-3] for f in os.listdir(MODULES_DIR) if f.endswith('.py') and not f.startswith('_')) if os.path.isdir(MODULES_DIR) else []


def _runtime():
    with open(os.path.join(ROOT, 'meta', 'runtime.yml'), encoding='utf-8') as handle:
        return yaml.safe_load(handle)


def _documentation(module):
    import ast
    with open(os.path.join(MODULES_DIR, module + '.py'), encoding='utf-8') as handle:
        tree = ast.parse(handle.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, 'id', None) == 'DOCUMENTATION' for t in node.targets):
            return yaml.safe_load(node.value.value)
    raise AssertionError('%s has no DOCUMENTATION' % module)


def test_action_group_lists_exactly_the_modules():
    group = _runtime()['action_groups']['all']
    assert sorted(group) == MODULES


def test_requires_ansible():
    assert _runtime()['requires_ansible'] == '>=2.19.0'


@pytest.mark.parametrize('module', MODULES)
def test_module_documents_shared_fragments(module):
    fragments = _documentation(module).get('extends_documentation_fragment') or []
    assert 'triggerdev.management.connection' in fragments
    assert 'triggerdev.management.attributes' in fragments
