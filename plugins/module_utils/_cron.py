# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Cron expressions of schedules: refused locally where the server would refuse them (docs/dev/protocol.md#schedules).

This is an internal module of the collection, not a public API: it may change in any release. No Ansible imports.
"""

from ansible_collections.triggerdev.management.plugins.module_utils._errors import TriggerInputError


_MONTH_NAMES = dict((name, i + 1) for i, name in enumerate(
    ('JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC')))
_DAY_NAMES = dict((name, i) for i, name in enumerate(('SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT')))

# name, low, high, names
_CRON_FIELDS = (
    ('minute', 0, 59, {}),
    ('hour', 0, 23, {}),
    ('day of month', 1, 31, {}),
    ('month', 1, 12, _MONTH_NAMES),
    ('day of week', 0, 7, _DAY_NAMES),
)
_DOM, _DOW = 2, 4


def normalize_cron(expression):
    """The expression with runs of whitespace collapsed: what comparisons use."""
    if expression is None:
        return None
    return ' '.join(str(expression).split())


def _cron_value(text, index, expression):
    name, low, high, names = _CRON_FIELDS[index]
    upper = text.upper()
    if upper in names:
        return names[upper]
    if not text.isdigit():
        hint = ''
        if names:
            hint = ' (or a name: %s)' % ', '.join(sorted(names, key=names.get))
        raise TriggerInputError("Invalid cron expression %r: %r in the %s field is not a number from %d to %d%s."
                                % (expression, text, name, low, high, hint))
    value = int(text)
    if not low <= value <= high:
        raise TriggerInputError('Invalid cron expression %r: %d in the %s field is out of range %d-%d.'
                                % (expression, value, name, low, high))
    return value


def _cron_item(item, index, expression):
    """One comma-separated item of a field: *, N, NAME, A-B, with an optional /STEP."""
    name = _CRON_FIELDS[index][0]
    if item == '':
        raise TriggerInputError('Invalid cron expression %r: the %s field has an empty list item.' % (expression, name))
    base, sep, step = item.partition('/')
    if sep:
        if not step.isdigit() or int(step) < 1:
            raise TriggerInputError('Invalid cron expression %r: step %r in the %s field must be a whole number of at least 1.'
                                    % (expression, step, name))
    if base == '*' or (base == '?' and index in (_DOM, _DOW)):
        return
    if '-' in base:
        first, _dash, last = base.partition('-')
        if not first or not last:
            raise TriggerInputError('Invalid cron expression %r: range %r in the %s field needs a start and an end.'
                                    % (expression, base, name))
        start = _cron_value(first, index, expression)
        end = _cron_value(last, index, expression)
        if start > end:
            raise TriggerInputError('Invalid cron expression %r: range %r in the %s field goes backwards.' % (expression, base, name))
        return
    _cron_value(base, index, expression)


def validate_cron(expression):
    """Refuse a cron expression the server would refuse, naming the field. Returns the normalized form.

    Five fields (minute hour day-of-month month day-of-week; no seconds). Each comma-separated item
    is ``*``, a number in range, a range ``A-B``, optionally with a step ``/N``; months and weekdays
    also take names (JAN..DEC, SUN..SAT). Day of month also takes ``L`` (last day) and ``?``; day of
    week takes ``?``, ``NL`` (last weekday N of the month) and ``N#K`` (K-th weekday N, K 1-5).
    """
    if not isinstance(expression, str) or not expression.strip():
        raise TriggerInputError('cron is empty: give a 5-field cron expression such as "0 3 * * *".')
    fields = expression.split()
    if len(fields) != 5:
        extra = ' A seconds field is not supported.' if len(fields) == 6 else ''
        raise TriggerInputError('Invalid cron expression %r: it has %d fields, expected 5 '
                                '(minute hour day-of-month month day-of-week).%s' % (expression, len(fields), extra))
    for index, field in enumerate(fields):
        for item in field.split(','):
            upper = item.upper()
            if index == _DOM and upper == 'L':
                continue
            if index == _DOW and '#' in upper:
                day, _sep, nth = upper.partition('#')
                _cron_value(day, index, expression)
                if not nth.isdigit() or not 1 <= int(nth) <= 5:
                    raise TriggerInputError('Invalid cron expression %r: %r in the day of week field needs a week number 1-5 after #.'
                                            % (expression, item))
                continue
            if index == _DOW and len(upper) > 1 and upper.endswith('L'):
                _cron_value(item[:-1], index, expression)
                continue
            _cron_item(item, index, expression)
    return normalize_cron(expression)
