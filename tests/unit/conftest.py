# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The unit tests' one harness: the collection importable for a plain pytest run (tests/utils/collection_path.py),
and ``call_main``, which runs a module's main() in-process (exit_json/fail_json raise instead of exiting).
"""

import os
import sys

import pytest
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'utils'))
import collection_path  # noqa: E402  pylint: disable=wrong-import-position

collection_path.make_importable()

TRIGGER_ENVIRONMENT_VARIABLES = ('TRIGGER_SECRET_KEY', 'TRIGGER_ACCESS_TOKEN', 'TRIGGER_API_URL', 'TRIGGER_PROJECT_REF',
                                 'TRIGGER_ENVIRONMENT', 'TRIGGER_PREVIEW_BRANCH')


class ModuleExit(Exception):
    """exit_json or fail_json was called: ``result`` is what the module returned, ``failed`` which one."""

    def __init__(self, result, failed):
        super().__init__(result)
        self.result = result
        self.failed = failed


class ModuleExited(ModuleExit):
    """exit_json was called."""


class ModuleFailed(ModuleExit):
    """fail_json was called."""


class ModuleExits:
    """What ``module_exits`` gives a test: the exception classes a patched exit_json / fail_json raise."""

    exit = ModuleExit
    exited = ModuleExited
    failed = ModuleFailed


@pytest.fixture(autouse=True)
def no_trigger_environment(monkeypatch):
    """No TRIGGER_* variable of the machine reaches a test."""
    for name in TRIGGER_ENVIRONMENT_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def module_exits(monkeypatch):
    """exit_json and fail_json raise ModuleExited / ModuleFailed (with the result) instead of exiting."""
    def exit_json(self, **kwargs):  # pylint: disable=unused-argument
        kwargs.setdefault('changed', False)
        raise ModuleExited(kwargs, False)

    def fail_json(self, msg, **kwargs):  # pylint: disable=unused-argument
        kwargs.update(failed=True, msg=msg)
        raise ModuleFailed(kwargs, True)

    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', exit_json)
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', fail_json)
    return ModuleExits


@pytest.fixture
def call_main(module_exits):
    """call_main(module, args, fail=False, check=False, diff=False): run ``module.main()`` with ``args``.

    Returns the result, asserting the module failed (``fail=True``) or not; ``fail=None`` returns the ModuleExit."""
    def call(module, args, fail=False, check=False, diff=False):
        args = dict(args)
        if check:
            args['_ansible_check_mode'] = True
        if diff:
            args['_ansible_diff'] = True
        with patch_module_args(args):
            with pytest.raises(module_exits.exit) as info:
                module.main()
        if fail is None:
            return info.value
        assert info.value.failed == fail, info.value.result
        return info.value.result
    return call
