"""Cron as the server sees it: validation (cron-parser 4.9 port), next fire time in a timezone, English description."""

import calendar
import datetime
import math
import re
import zoneinfo

MONTHS = {name.upper(): i for i, name in enumerate(calendar.month_abbr) if name}
DAYS = {"SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6}
DAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
MONTH_NAMES = [None] + list(calendar.month_name)[1:]


class CronError(ValueError):
    pass


# A port of cron-parser 4.9 (lib/expression.js), which the server validates with, quirks included:
# fewer than five fields are filled from the left with defaults, '/5' is a range from -59, 'L' passes.
PREDEFINED = {"@yearly": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@hourly": "0 * * * *"}
CONSTRAINTS = [(0, 59, ""), (0, 59, ""), (0, 23, ""), (1, 31, "L"), (1, 12, ""), (0, 7, "L")]  # second .. day of week
DEFAULTS = ["0", "*", "*", "*", "*", "*"]
_STANDARD = re.compile(r"^[,*\d/-]+$")
VALID_CHARS = [_STANDARD, _STANDARD, _STANDARD, re.compile(r"^[?,*\dL/-]+$"), _STANDARD, re.compile(r"^[?,*\dL#/-]+$")]
ALIASES = {4: {name.lower(): value for name, value in MONTHS.items()}, 5: {name.lower(): value for name, value in DAYS.items()}}
DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
NAN = float("nan")


def js_number(text):
    """JavaScript's Number(string) for the characters a cron field can hold."""
    if isinstance(text, (int, float)):
        return text
    text = text.strip()
    if text == "":
        return 0
    return int(text) if re.fullmatch(r"[+-]?\d+", text) else NAN


def js_str(value):
    if _nan(value):
        return "NaN"
    return str(int(value)) if isinstance(value, (int, float)) else str(value)


def _nan(value):
    return isinstance(value, float) and math.isnan(value)


def _parse_field(index, value):
    low, high, chars = CONSTRAINTS[index]
    if index in ALIASES:
        def alias(match):
            name = match.group(0).lower()
            if name not in ALIASES[index]:
                raise CronError('Validation error, cannot resolve alias "%s"' % name)
            return str(ALIASES[index][name])
        value = re.sub(r"[a-zA-Z]{3}", alias, value)
    if not VALID_CHARS[index].match(value):
        raise CronError("Invalid characters, got value: %s" % value)
    if "*" in value:
        value = value.replace("*", "%d-%d" % (low, high))
    elif "?" in value:
        value = value.replace("?", "%d-%d" % (low, high))

    def special(item):
        return isinstance(item, str) and any(char in item for char in chars)

    def parse_range(val, interval):
        atoms = val.split("-")
        if len(atoms) > 1:
            if not atoms[0]:
                if not atoms[1]:
                    raise CronError("Invalid range: %s" % val)
                return js_number(val)
            first, last = js_number(atoms[0]), js_number(atoms[1])
            if _nan(first) or _nan(last) or first < low or last > high:
                raise CronError("Constraint error, got range %s-%s expected range %d-%d" % (js_str(first), js_str(last), low, high))
            if first > last:
                raise CronError("Invalid range: %s" % val)
            step = js_number(interval)
            if _nan(step) or step <= 0:
                raise CronError("Constraint error, cannot repeat at every %s time." % js_str(step))
            stack = [0] if index == 5 and last % 7 == 0 else []
            counter = step
            for number in range(int(first), int(last) + 1):
                if number not in stack and counter % step == 0:
                    counter = 1
                    stack.append(number)
                else:
                    counter += 1
            return stack
        number = js_number(val)
        return val if _nan(number) else number

    def parse_repeat(val):
        atoms = val.split("/")
        if len(atoms) > 2:
            raise CronError("Invalid repeat: %s" % val)
        if len(atoms) > 1:
            if not _nan(js_number(atoms[0])):
                atoms = ["%s-%d" % (atoms[0], high), atoms[1]]
            return parse_range(atoms[0], atoms[-1])
        return parse_range(val, 1)

    stack = []

    def take(result):
        for item in result if isinstance(result, list) else [result]:
            if special(item):
                stack.append(item)
                continue
            number = js_number(item) if isinstance(item, str) else item
            if _nan(number) or number < low or number > high:
                raise CronError("Constraint error, got value %s expected range %d-%d" % (js_str(item), low, high))
            stack.append(int(number) % 7 if index == 5 and not isinstance(result, list) else int(number))

    atoms = value.split(",")
    if not all(atoms):
        raise CronError("Invalid list value format")
    for atom in atoms:
        take(parse_repeat(atom))
    return sorted(stack, key=lambda item: (isinstance(item, str), item if isinstance(item, int) else 0, str(item)))


def parse_fields(expression):
    """cron-parser's parseExpression: ([seconds, minutes, hours, days of month, months, days of week], nth weekday)."""
    expression = PREDEFINED.get(expression, expression)
    atoms = expression.strip().split() or [""]
    if len(atoms) > 6:
        raise CronError("Invalid cron expression")
    start = 6 - len(atoms)
    fields, nth = [], 0
    for index in range(6):
        value = atoms[index - start] if index >= start else None
        if not value:
            fields.append(_parse_field(index, DEFAULTS[index]))
            continue
        if index == 5 and "#" in value:
            parts = value.split("#")
            for char, name in ((",", ","), ("/", "/"), ("-", "-")):
                if char in value:
                    raise CronError("Constraint error, invalid dayOfWeek `#` and `%s` special characters are incompatible" % name)
            nth = js_number(parts[-1])
            if len(parts) > 2 or _nan(nth) or not 1 <= nth <= 5:
                raise CronError("Constraint error, invalid dayOfWeek occurrence number (#)")
            value = parts[0]
        fields.append(_parse_field(index, value))
    if len(fields[4]) == 1:
        days = DAYS_IN_MONTH[fields[4][0] - 1]
        if isinstance(fields[3][0], int) and fields[3][0] > days:
            raise CronError("Invalid explicit day of month definition")
        fields[3] = [day for day in fields[3] if day == "L" or isinstance(day, int) and day <= days]
    return fields, int(nth)


def check_pattern(expression):
    """The server's CronPattern (apps/webapp/app/v3/schedules.ts): CronError with its message."""
    if len(expression.split(" ")) > 5:
        raise CronError("CRON expressions with seconds are not allowed")
    if expression == "":
        raise CronError("CRON expression is required")
    parse_fields(expression)


def describable(expression):
    """False where cronstrue, which the server runs after validating, throws (fewer than five fields, so
    also the @daily-style aliases cron-parser accepts: "Expression has only 1 part")."""
    return len(expression.split()) >= 5


class Cron:
    """A parsed expression as value sets, for next fire times."""

    def __init__(self, expression):
        self.expression = expression
        fields, nth = parse_fields(expression)
        _seconds, minutes, hours, days, months, weekdays = fields
        self.minutes = set(minutes)
        self.hours = set(hours)
        self.months = set(months)
        self.last_dom = "L" in days
        self.days = {d for d in days if isinstance(d, int)}
        self.dom_star = len(days) >= 31
        self.dow_star = len(set(w % 7 for w in weekdays if isinstance(w, int))) == 7
        self.dow_special = []  # (weekday, nth) with nth = -1 for 'L'
        self.weekdays = set()
        for item in weekdays:
            if isinstance(item, str):
                self.dow_special.append((int(item[:-1] or 0) % 7, -1))
            elif nth:
                self.dow_special.append((item % 7, nth))
            else:
                self.weekdays.add(item % 7)

    def _day_matches(self, day):
        dom_ok = day.month in self.months
        if not dom_ok:
            return False
        last = calendar.monthrange(day.year, day.month)[1]
        in_dom = day.day == last if self.last_dom else day.day in self.days
        weekday = (day.weekday() + 1) % 7
        in_dow = weekday in self.weekdays
        for wanted, nth in self.dow_special:
            if weekday == wanted:
                if nth == -1 and day.day + 7 > last:
                    in_dow = True
                elif nth == (day.day - 1) // 7 + 1:
                    in_dow = True
        if self.dom_star and self.dow_star:
            return True
        if self.dom_star:
            return in_dow
        if self.dow_star:
            return in_dom
        return in_dom or in_dow

    def next_after(self, after, timezone="UTC", max_days=366 * 8):
        """Next fire time strictly after `after` (aware datetime), as an aware UTC datetime, or None."""
        zone = zoneinfo.ZoneInfo(timezone)
        local = after.astimezone(zone)
        day = local.date()
        hours = sorted(self.hours)
        minutes = sorted(self.minutes)
        for _day in range(max_days):
            if self._day_matches(day):
                for hour in hours:
                    for minute in minutes:
                        naive = datetime.datetime(day.year, day.month, day.day, hour, minute)
                        candidate = naive.replace(tzinfo=zone)
                        back = candidate.astimezone(datetime.timezone.utc).astimezone(zone).replace(tzinfo=None)
                        if back != naive:
                            continue  # does not exist (DST gap)
                        if candidate > after:
                            return candidate.astimezone(datetime.timezone.utc)
            day += datetime.timedelta(days=1)
        return None


def parse(expression):
    if not isinstance(expression, str):
        raise CronError("Expression must be a string")
    return Cron(expression)


def _clock(hour, minute):
    suffix = "AM" if hour < 12 else "PM"
    return "%02d:%02d %s" % (hour % 12 or 12, minute, suffix)


def _is_single(text):
    return text.isdigit()


def _step(text):
    if text.startswith("*/") and text[2:].isdigit():
        return int(text[2:])
    return None


def _time_part(minute, hour):
    if minute == "*" and hour == "*":
        return "Every minute"
    if _step(minute) and hour == "*":
        return "Every %d minutes" % _step(minute)
    if _is_single(minute) and hour == "*":
        return "Every hour" if int(minute) == 0 else "At %d minutes past the hour" % int(minute)
    if _is_single(minute) and _is_single(hour):
        return "At " + _clock(int(hour), int(minute))
    if _is_single(minute) and _step(hour):
        return "At %d minutes past the hour, every %d hours" % (int(minute), _step(hour))
    if _is_single(minute) and "," in hour and all(_is_single(h) for h in hour.split(",")):
        return "At " + ", ".join(_clock(int(h), int(minute)) for h in hour.split(","))
    if _is_single(minute) and "-" in hour and all(_is_single(h) for h in hour.split("-")):
        first, last = hour.split("-")
        return "At %d minutes past the hour, between %s and %s" % (int(minute), _clock(int(first), 0), _clock(int(last), 59))
    return None


def _dow_name(text):
    upper = text.upper()
    if upper in DAYS:
        return DAY_NAMES[DAYS[upper]]
    if upper.isdigit() and int(upper) <= 7:
        return DAY_NAMES[int(upper) % 7]
    return None


def describe(expression):
    """English description in the spirit of cronstrue (the common shapes; a plain fallback otherwise)."""
    parts = expression.split()
    if len(parts) != 5:
        return expression
    minute, hour, dom, month, dow = parts
    text = _time_part(minute, hour)
    if text is None:
        return "At minute %s past hour %s%s" % (minute, hour, _date_part(dom, month, dow) or "")
    return text + (_date_part(dom, month, dow) or "")


def _date_part(dom, month, dow):
    pieces = []
    if dom.upper() == "L":
        pieces.append(", on the last day of the month")
    elif _is_single(dom):
        pieces.append(", on day %d of the month" % int(dom))
    elif dom not in ("*", "?"):
        pieces.append(", on days %s of the month" % dom)
    if dow not in ("*", "?"):
        if "-" in dow and len(dow.split("-")) == 2 and all(_dow_name(d) for d in dow.split("-")):
            first, last = dow.split("-")
            pieces.append(", %s through %s" % (_dow_name(first), _dow_name(last)))
        elif all(_dow_name(d) for d in dow.split(",")):
            names = [_dow_name(d) for d in dow.split(",")]
            pieces.append(", only on " + (names[0] if len(names) == 1 else ", ".join(names[:-1]) + ", and " + names[-1]))
        else:
            pieces.append(", day of week %s" % dow)
    if month not in ("*", "?"):
        upper = month.upper()
        if upper in MONTHS:
            pieces.append(", only in " + MONTH_NAMES[MONTHS[upper]])
        elif upper.isdigit() and 1 <= int(upper) <= 12:
            pieces.append(", only in " + MONTH_NAMES[int(upper)])
        else:
            pieces.append(", month %s" % month)
    return "".join(pieces)
