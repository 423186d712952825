# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""pytest set-up for the short benchmark (``make bench-short``): the harness on sys.path, one emulator."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture(scope='module')
def emu():
    with harness.emulator('--rate-limit', '1000000/1000000', '--run-pace', '0.05') as instance:
        yield instance
