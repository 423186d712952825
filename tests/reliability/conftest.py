# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""pytest set-up for the reliability suite: the shared harness (tests/bench/harness.py) on sys.path, a fresh
emulator per test, and the figures (reliability_support.REPORT) printed at the end."""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'bench'))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'utils'))
sys.path.insert(0, HERE)

import collection_path  # noqa: E402  pylint: disable=wrong-import-position

collection_path.make_importable()

import harness  # noqa: E402  pylint: disable=wrong-import-position
from reliability_support import LONG, REPORT  # noqa: E402  pylint: disable=wrong-import-position


def pytest_report_header(config):  # pylint: disable=unused-argument
    return 'reliability suite: %s form' % ('long' if LONG else 'short')


@pytest.fixture
def emu():
    """A fresh emulator for one test (subprocess on a free port, fast run pace)."""
    with harness.emulator('--run-pace', '0.05') as instance:
        yield instance


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # pylint: disable=unused-argument
    if not REPORT:
        return
    terminalreporter.section('reliability figures')
    for line in REPORT:
        terminalreporter.write_line(line)
    out = os.path.join(harness.ROOT, 'tests', 'output')
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, 'reliability.txt'), 'w', encoding='utf-8') as handle:
        handle.write('\n'.join(REPORT) + '\n')
