# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The trigger_api_key action plugin: a result holding a key is marked no_log, any other is left as it is."""

from unittest.mock import MagicMock

import pytest

from ansible_collections.triggerdev.management.plugins.action.trigger_api_key import ActionModule


@pytest.mark.parametrize('module_result, censored', [
    ({'changed': True, 'api_key': 'tr_prod_' + 'n' * 24, 'rotation': {}}, True),
    ({'changed': True, 'api_key': None, 'rotation': {}}, False),          # check mode
    ({'failed': True, 'msg': 'HTTP 404: Project not found'}, False),     # a refusal stays readable
])
def test_no_log_only_when_the_result_holds_a_key(module_result, censored):
    task = MagicMock(async_val=0, check_mode=False, args={})
    action = ActionModule(task, MagicMock(), MagicMock(), loader=None, templar=None, shared_loader_obj=None)
    action._execute_module = MagicMock(return_value=dict(module_result))   # pylint: disable=protected-access
    action._remove_tmp_path = MagicMock()                                 # pylint: disable=protected-access
    result = action.run(task_vars={})
    assert result.get('_ansible_no_log', False) is censored
    assert dict((k, v) for k, v in result.items() if k != '_ansible_no_log') == module_result   # the registered value keeps the key
    assert action._execute_module.call_args.kwargs['module_name'] == 'triggerdev.management.trigger_api_key'   # pylint: disable=protected-access
