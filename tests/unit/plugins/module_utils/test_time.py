# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils/_time.py: the duration grammars, ISO-8601 and epoch times."""

import pytest

from ansible_collections.triggerdev.management.plugins.module_utils import _time as T


@pytest.mark.parametrize('text,ms', [('30s', 30000), ('5m', 300000), ('1h30m', 5400000), ('2d', 172800000), ('1w', 604800000)])
def test_parse_duration(text, ms):
    assert T.duration_ms(text, T.PERIOD_UNITS) == ms


@pytest.mark.parametrize('text', ['', '5', 'm5', '1x', '1h 30m', '-5m', 'soon', None, 5])
def test_parse_duration_rejects(text):
    assert T.duration_ms(text, T.PERIOD_UNITS) is None


def test_parse_iso():
    assert T.parse_iso_ms('1970-01-01T00:00:01Z') == 1000
    assert T.parse_iso_ms('2024-05-01T12:00:00Z') == 1714564800000
    assert T.parse_iso_ms('2024-05-01T14:00:00+02:00') == 1714564800000
    assert T.parse_iso_ms('2024-05-01T12:00:00.250Z') == 1714564800250
    assert T.parse_iso_ms('2024-05-01') == 1714521600000
    assert T.parse_iso_ms('2024-05-01T12:00') == 1714564800000
    assert T.parse_iso_ms('2024-13-01') is None
    assert T.parse_iso_ms('yesterday') is None


@pytest.mark.parametrize('text, units, single, ms', [
    ('2hr', 'SERVER_UNITS', False, 7200000), ('1h2hr', 'SERVER_UNITS', False, None),
    ('7d', 'KEY_TTL_UNITS', True, 604800000), ('1d1h', 'KEY_TTL_UNITS', True, None), ('1w', 'KEY_TTL_UNITS', True, None),
    ('500ms', 'PERIOD_UNITS', False, 500), ('1y', 'PERIOD_UNITS', False, 31536000000), ('1d' * 60, 'PERIOD_UNITS', False, None),
])
def test_each_grammar_reads_its_own_units(text, units, single, ms):
    assert T.duration_ms(text, getattr(T, units), single=single) == ms


def test_parse_time_ms():
    assert T.parse_time_ms(1714564800) == T.parse_time_ms('1714564800') == T.parse_time_ms(1714564800000) == 1714564800000
    assert T.parse_time_ms('2024-05-01T12:00:00Z') == 1714564800000
    assert T.parse_time_ms(-1) is None and T.parse_time_ms(True) is None and T.parse_time_ms('soon') is None
