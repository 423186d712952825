# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Scenarios of the release and incident modules for the short benchmark: a declared state that is already true.

Each runs one playbook against a prepared emulator and returns the measurement of scenarios._measure (the journal as
'METHOD path status' lines, and the module's result).
"""

from __future__ import annotations

from harness import connection, play
from scenarios import ScenarioError, _measure  # pylint: disable=protected-access

PROD = 'prod'
CURRENT_VERSION = '20240101.1'   # the fixture's current deployment in staging and prod


def _task(name, module, args, loop=None):
    task = {'name': name, 'triggerdev.management.' + module: args, 'register': 'measured'}
    if loop is not None:
        task['loop'] = loop
    return task


def _unchanged(measured):
    result = measured['result']
    items = result.get('results') or [result]
    if any(item.get('changed') or item.get('failed') for item in items):
        raise ScenarioError('a declared state that already holds was changed or failed: %s' % items)
    return measured


def queues_module(emu, paused=False):
    """trigger_queue over every task queue of prod, each already ``paused`` as declared."""
    emu.reset()
    tasks = emu.project()['tasks']
    if paused:
        for task_id in tasks:
            emu.api('POST', '/api/v1/queues/%s/pause' % task_id, emu.key(PROD), json_body={'type': 'task', 'action': 'pause'})
    args = dict(connection(emu, PROD), name='{{ item }}', paused=paused)
    return _unchanged(_measure(emu, play([_task('trigger_queue', 'trigger_queue', args, loop=tasks)]), None, ['trigger_queue']))


def queue_list(emu):
    emu.reset()
    return _measure(emu, play([_task('trigger_queue_info', 'trigger_queue_info', connection(emu, PROD))]), None, ['trigger_queue_info'])


def promote_current(emu, token=None):
    """trigger_deployment of the version that is already current."""
    emu.reset()
    args = dict(connection(emu, PROD, token=token), version=CURRENT_VERSION)
    return _unchanged(_measure(emu, play([_task('trigger_deployment', 'trigger_deployment', args)]), None, ['trigger_deployment']))


def environment_resumed(emu):
    """trigger_environment paused=false on an environment that is not paused (a personal access token)."""
    emu.reset()
    args = dict(connection(emu, PROD, token=emu.pat), paused=False)
    return _unchanged(_measure(emu, play([_task('trigger_environment', 'trigger_environment', args)]), None, ['trigger_environment']))
