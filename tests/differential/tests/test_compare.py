# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The differential's comparison itself: what counts as a difference, and what a known difference may hide."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import run  # noqa: E402  pylint: disable=wrong-import-position
from corpus import CASES, unordered_key  # noqa: E402  pylint: disable=wrong-import-position

KNOWN = run.load_known()


def _listing(*pairs):
    return [{'name': name, 'value': value, 'isSecret': False} for name, value in pairs]


def test_an_unordered_list_in_another_order_is_only_an_order_difference():
    answers = [(200, _listing(('A', '1'), ('S', '2'))), (200, _listing(('S', '2'), ('A', '1')))]
    sorted_answers, order = run.unordered(answers, 'name')
    assert order == [('body[] order', ['A', 'S'], ['S', 'A'])]
    assert sorted_answers[0] == sorted_answers[1]
    assert run.is_known(KNOWN, 'envvars/crud', 7, 'body[] order') and run.is_known(KNOWN, 'auth/env_var_list', 2, 'body[] order')


def test_an_unordered_list_still_compares_its_items():
    answers = [(200, _listing(('A', '1'), ('S', '2'))), (200, _listing(('S', '2'), ('A', 'changed')))]
    sorted_answers, _order = run.unordered(answers, 'name')
    diffs = run.differences(*[{'body': run.shape(body, _Plain())} for _status, body in sorted_answers])
    assert diffs == [('body[0].value', '1', 'changed')]
    assert not run.is_known(KNOWN, 'envvars/crud', 7, diffs[0][0])


def test_lists_in_the_same_order_and_ordered_lists_are_left_as_they_are():
    same = [(200, _listing(('A', '1'))), (200, _listing(('A', '1')))]
    assert run.unordered(same, 'name') == (same, [])
    other = [(200, _listing(('A', '1'), ('B', '2'))), (200, _listing(('B', '2'), ('A', '1')))]
    assert run.unordered(other, None) == (other, [])
    errors = [(404, {'error': 'Not found'}), (404, {'error': 'Not found'})]
    assert run.unordered(errors, 'name') == (errors, [])


def test_every_env_var_list_of_the_corpus_is_marked_unordered():
    for case in CASES:
        for step in case['steps']:
            path = step['path']
            if step['method'] == 'GET' and path.count('/') == 6 and '/envvars/' in path and 'proj_demo' in path:
                assert unordered_key(step) == 'name', (case['name'], path)


def test_every_organisation_and_project_list_a_personal_token_reads_is_marked_unordered():
    """The server reads these lists without orderBy (heap order): a list of more than one item must be compared sorted."""
    lists = {'/api/v1/orgs': 'slug', '/api/v1/projects': 'externalRef', '/api/v1/orgs/demo-org/projects': 'externalRef'}
    for case in CASES:
        for step in case['steps']:
            if step['method'] == 'GET' and step['path'] in lists and step['auth'].startswith('pat'):
                assert unordered_key(step) == lists[step['path']], (case['name'], step['path'], step['auth'])


class _Plain:
    """A backend that normalises nothing."""

    @staticmethod
    def normalise_text(text):
        return text
