# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""pytest set-up for the reliability suite: the shared harness (tests/bench/harness.py) on sys.path.

RELIABILITY_LONG=1 (``make reliability``) selects the long form: 50 runs per state module under
faults, more random sets end to end, more hypothesis examples. The default is the short form that
``make test`` runs (``make reliability-short``).
"""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'bench'))

import harness  # noqa: E402  pylint: disable=wrong-import-position

LONG = os.environ.get('RELIABILITY_LONG', '') not in ('', '0', 'false', 'no')


def pytest_report_header(config):  # pylint: disable=unused-argument
    return 'reliability suite: %s form' % ('long' if LONG else 'short')


@pytest.fixture
def emu():
    """A fresh emulator for one test (subprocess on a free port, fast run pace)."""
    with harness.emulator('--run-pace', '0.05') as instance:
        yield instance


REPORT = []


def report(line):
    """Add a line to the figures printed at the end of the run (and kept in tests/output/reliability.txt)."""
    REPORT.append(line)


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
