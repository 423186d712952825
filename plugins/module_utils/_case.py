# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""camelCase API names to the snake_case names modules return, in one place.

This is an internal module of the collection, not a public API: it may change in any release. No Ansible imports.
"""

import re

# User data inside an API object: its keys are the user's and stay as they are.
USER_DATA_KEYS = ('payload', 'output', 'metadata')


_SNAKE = {}  # name -> snake_case: an API object has a few dozen distinct keys, converted once each (10,000 runs list fast)
_ACRONYM = re.compile(r'([A-Z]+)([A-Z][a-z])')
_WORD = re.compile(r'([a-z0-9])([A-Z])')


def camel_to_snake(name):
    """taskIdentifier -> task_identifier, idempotencyKeyTTL -> idempotency_key_ttl, isTest -> is_test."""
    snake = _SNAKE.get(name)
    if snake is None:
        snake = _SNAKE[name] = _WORD.sub(r'\1_\2', _ACRONYM.sub(r'\1_\2', name)).replace('-', '_').lower()
    return snake


def snake_keys(value, keep=USER_DATA_KEYS):
    """The keys of an API object converted to snake_case, recursively, except inside user data (``keep``)."""
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            new_key = camel_to_snake(key) if isinstance(key, str) else key
            result[new_key] = item if key in keep else snake_keys(item, keep)
        return result
    if isinstance(value, list):
        return [snake_keys(item, keep) for item in value]
    return value
