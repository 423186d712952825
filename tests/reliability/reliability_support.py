# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared by the reliability tests: the long/short switch and the figures printed at the end of the run.

RELIABILITY_LONG=1 (``make reliability``) selects the long form: 50 runs per state module under
faults, more random sets end to end, more hypothesis examples, every integration target swept for
secrets. The default is the short form that ``make test`` runs (``make reliability-short``).
"""

import os

LONG = os.environ.get('RELIABILITY_LONG', '') not in ('', '0', 'false', 'no')
REPORT = []


def report(line):
    """Add a line to the figures printed at the end of the run (and kept in tests/output/reliability.txt)."""
    REPORT.append(line)
