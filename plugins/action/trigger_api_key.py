# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Runs trigger_api_key and marks its result no_log when it holds a key.

A module cannot do this itself: Ansible drops ``_ansible_*`` keys from a module's return (with a warning that prints
them), and a value the module masks is masked in the registered result too, so the next task could not use it. Marked
here, the result is censored in every display and callback (AWX and ansible-runner job events included) while the
registered variable keeps the key. A result without a key (check mode, a refusal) is shown as usual.
"""

from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):

    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp  # no longer used by Ansible
        result.update(self._execute_module(module_name='triggerdev.management.trigger_api_key', task_vars=task_vars))
        self._remove_tmp_path(self._connection._shell.tmpdir)
        if result.get('api_key'):
            result['_ansible_no_log'] = True
        return result
