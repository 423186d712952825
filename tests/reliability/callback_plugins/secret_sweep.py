# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mark where each task's output starts, so the secrets test can tell whose output a line is.

Prints ``@@sweep task=<n> action=<action>`` after the stdout callback's task header (the stdout callback
always gets an event first), and the same for handlers. Test harness only.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: secret_sweep
type: aggregate
short_description: Print a marker line at the start of every task (test harness only)
description:
  - Prints C(@@sweep task=N action=ACTION) when a task starts, after the stdout callback's header.
requirements:
  - enabled in the callbacks list
'''

from ansible.plugins.callback import CallbackBase

MARKER = '@@sweep'


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'secret_sweep'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._count = 0

    def _mark(self, task):
        self._count += 1
        self._display.display('%s task=%d action=%s' % (MARKER, self._count, task.action))

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._mark(task)

    def v2_playbook_on_handler_task_start(self, task):
        self._mark(task)
