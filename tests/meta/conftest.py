# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of the collection as a package (metadata, docs, packaging): the collection importable for pytest."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'utils'))
import collection_path  # noqa: E402  pylint: disable=wrong-import-position

collection_path.make_importable()
