# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils/_case.py: camelCase API names to snake_case."""

from ansible_collections.triggerdev.management.plugins.module_utils import _case as C


def test_camel_to_snake():
    assert C.camel_to_snake('taskIdentifier') == 'task_identifier'
    assert C.camel_to_snake('idempotencyKeyTTL') == 'idempotency_key_ttl'
    assert C.camel_to_snake('isTest') == 'is_test'
    assert C.camel_to_snake('costInCents') == 'cost_in_cents'
    assert C.camel_to_snake('id') == 'id'


def test_snake_keys_is_recursive_but_keeps_user_data():
    run = {'taskIdentifier': 't', 'relatedRuns': {'parentRun': {'createdAt': 'x'}}, 'attempts': [{'startedAt': 1}],
           'payload': {'userId': 1}, 'output': {'rowsCopied': 2}, 'metadata': {'deployId': 3},
           'error': {'stackTrace': 's'}}
    out = C.snake_keys(run)
    assert out['task_identifier'] == 't'
    assert out['related_runs'] == {'parent_run': {'created_at': 'x'}}
    assert out['attempts'] == [{'started_at': 1}]
    assert out['payload'] == {'userId': 1}
    assert out['output'] == {'rowsCopied': 2}
    assert out['metadata'] == {'deployId': 3}
    assert out['error'] == {'stack_trace': 's'}
