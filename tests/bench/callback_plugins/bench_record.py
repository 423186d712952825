# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Record every task of a playbook run (timings and results) as JSON, for the bench and reliability harness.

Enabled by tests/bench/harness.py through ANSIBLE_CALLBACK_PLUGINS / ANSIBLE_CALLBACKS_ENABLED; writes
to the file named by BENCH_RECORD_FILE when the playbook ends. A task's ``start`` is when the strategy
starts it and its ``end`` when its last host result arrives (time.perf_counter of this process), so
``end - start`` is the wall time of that task alone, without the ansible-playbook start-up.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: bench_record
type: aggregate
short_description: Record task timings and results to a JSON file (test harness only)
description:
  - Writes one entry per task (name, action, check mode, start/end time, per-host results) to C(BENCH_RECORD_FILE).
requirements:
  - enabled in the callbacks list
'''

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'bench_record'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._tasks = []
        self._by_uuid = {}
        self._path = os.environ.get('BENCH_RECORD_FILE')

    def _task_start(self, task):
        entry = {
            'name': task.get_name(),
            'action': task.action,
            'check_mode': bool(task.check_mode) if task.check_mode is not None else None,
            'start': time.perf_counter(),
            'end': None,
            'results': {},
        }
        self._tasks.append(entry)
        self._by_uuid[task._uuid] = entry

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._task_start(task)

    def v2_playbook_on_handler_task_start(self, task):
        self._task_start(task)

    def _result(self, result, status):
        entry = self._by_uuid.get(result._task._uuid)
        if entry is None:
            return
        entry['end'] = time.perf_counter()
        data = dict(result._result)
        data['_status'] = status
        entry['results'][result._host.get_name()] = data

    def v2_runner_on_ok(self, result):
        self._result(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._result(result, 'failed')

    def v2_runner_on_skipped(self, result):
        self._result(result, 'skipped')

    def v2_runner_on_unreachable(self, result):
        self._result(result, 'unreachable')

    def v2_playbook_on_stats(self, stats):
        if not self._path:
            return
        with open(self._path, 'w') as handle:
            json.dump({'tasks': self._tasks}, handle, default=str)
