"""A small 5-field cron parser: validation, next fire time in a timezone, English description."""

import calendar
import datetime
import zoneinfo

MONTHS = {name.upper(): i for i, name in enumerate(calendar.month_abbr) if name}
DAYS = {"SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6}
DAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
MONTH_NAMES = [None] + list(calendar.month_name)[1:]
# name, low, high, aliases
FIELDS = [("minute", 0, 59, {}), ("hour", 0, 23, {}), ("day of month", 1, 31, {}), ("month", 1, 12, MONTHS), ("day of week", 0, 7, DAYS)]


class CronError(ValueError):
    pass


class Cron:
    """A parsed expression: value sets plus the special day-of-month/day-of-week forms."""

    def __init__(self, expression):
        self.expression = expression
        parts = expression.split()
        if len(parts) != 5:
            raise CronError("Expected 5 fields (minute hour day-of-month month day-of-week), got %d" % len(parts))
        self.raw = parts
        self.minutes = self._field(parts[0], 0)
        self.hours = self._field(parts[1], 1)
        self.last_dom = False
        self.dom_star = parts[2] in ("*", "?")
        self.dow_star = parts[4] in ("*", "?")
        if parts[2].upper() == "L":
            self.last_dom = True
            self.days = set()
        else:
            self.days = self._field(parts[2], 2)
        self.months = self._field(parts[3], 3)
        self.dow_special = []  # (weekday, nth) with nth = -1 for 'L'
        self.weekdays = set()
        for item in parts[4].split(","):
            upper = item.upper()
            if "#" in upper:
                day, _sep, nth = upper.partition("#")
                weekday = self._value(day, 4)
                if not nth.isdigit() or not 1 <= int(nth) <= 5:
                    raise CronError("Invalid nth weekday '%s'" % item)
                self.dow_special.append((weekday % 7, int(nth)))
            elif upper.endswith("L") and len(upper) > 1:
                self.dow_special.append((self._value(upper[:-1], 4) % 7, -1))
            else:
                self.weekdays |= {d % 7 for d in self._field(item, 4)}

    @staticmethod
    def _value(text, index):
        name, low, high, aliases = FIELDS[index]
        upper = text.upper()
        if upper in aliases:
            return aliases[upper]
        if not upper.isdigit():
            raise CronError("Invalid characters, got value: %s" % text)
        value = int(upper)
        if not low <= value <= high:
            raise CronError("Constraint error, got value %d expected range %d-%d (%s)" % (value, low, high, name))
        return value

    def _field(self, text, index):
        _name, low, high, _aliases = FIELDS[index]
        values = set()
        for item in text.split(","):
            if not item:
                raise CronError("Invalid empty list item in '%s'" % text)
            base, _sep, step_text = item.partition("/")
            step = 1
            if _sep:
                if not step_text.isdigit() or int(step_text) == 0:
                    raise CronError("Invalid step '%s'" % item)
                step = int(step_text)
            if base in ("*", "?"):
                start, end = low, high
            elif "-" in base:
                first, _dash, last = base.partition("-")
                start, end = self._value(first, index), self._value(last, index)
                if start > end:
                    raise CronError("Invalid range '%s'" % base)
            else:
                start = self._value(base, index)
                end = high if _sep else start
            values.update(range(start, end + 1, step))
        return values

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
    return Cron(expression.strip())


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
