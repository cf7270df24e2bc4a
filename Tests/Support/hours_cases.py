"""Business-hours cases decided by Python's zoneinfo, for Switchboard's cross-check.

Usage: hours_cases.py COUNT SEED

Prints {"cases": [...]}: each a zone, a random week of openings (overnight ones
included), closed dates near the instant, an instant (half of them within three
hours of a daylight-saving change), the wall clock zoneinfo reads there and whether
the company is open. The rule is Switchboard's, written again here from its docs:
an opening applies from open to close on its days, on the wall clock; close before
open runs past midnight and belongs to the day it opens; a closed date stops the
openings that open on it.
"""

import json
import random
import sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

ZONES = [
    "America/New_York", "Europe/London", "Australia/Sydney", "Asia/Kolkata",
    "America/St_Johns", "Asia/Kathmandu", "America/Los_Angeles", "Pacific/Auckland",
]
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
START = datetime(2024, 1, 1, tzinfo=timezone.utc)
END = datetime(2030, 12, 31, tzinfo=timezone.utc)


def transitions(zone):
    """The instants (UTC) where the zone's offset changes, found hour by hour."""
    found = []
    t = START
    previous = t.astimezone(zone).utcoffset()
    while t < END:
        t += timedelta(hours=1)
        offset = t.astimezone(zone).utcoffset()
        if offset != previous:
            # Narrow to the minute.
            low, high = t - timedelta(hours=1), t
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                if middle.astimezone(zone).utcoffset() == previous:
                    low = middle
                else:
                    high = middle
            found.append(high)
            previous = offset
    return found


def clock(minutes):
    return "%02d:%02d" % (minutes // 60, minutes % 60)


def random_time(rng):
    # Often the hours around a change (01:00-03:30), else anywhere on a quarter hour.
    if rng.random() < 0.3:
        return rng.choice([60, 90, 120, 150, 180, 210])
    return rng.randrange(0, 96) * 15


def random_week(rng):
    entries = []
    for _ in range(rng.randint(1, 4)):
        days = sorted(rng.sample(range(7), rng.randint(1, 7)))
        open_ = random_time(rng)
        close = random_time(rng)
        if close == open_:
            close = (open_ + 60) % 1440
        close_text = clock(close)
        if close == 0 and rng.random() < 0.5:
            close_text = "24:00"
        entries.append({"days": [DAYS[d] for d in days], "open": clock(open_), "close": close_text})
    return entries


def minutes(text):
    hours, mins = text.split(":")
    return int(hours) * 60 + int(mins)


def decide(entries, closed, local):
    weekday = local.weekday()
    minute = local.hour * 60 + local.minute
    today = local.date()
    blocked = False
    for entry in entries:
        days = [DAYS.index(d) for d in entry["days"]]
        open_ = minutes(entry["open"])
        close = minutes(entry["close"])
        if close <= open_:
            close += 1440
        opens_on = None
        if weekday in days and open_ <= minute < close:
            opens_on = today
        elif close > 1440 and minute < close - 1440 and (weekday - 1) % 7 in days:
            opens_on = today - timedelta(days=1)
        if opens_on is None:
            continue
        if opens_on.isoformat() in closed:
            blocked = True
            continue
        return True, "hours"
    return False, "closed-date" if blocked else "outside-hours"


def main():
    count, seed = int(sys.argv[1]), int(sys.argv[2])
    rng = random.Random(seed)
    changes = {name: transitions(ZoneInfo(name)) for name in ZONES}
    cases = []
    for _ in range(count):
        name = rng.choice(ZONES)
        zone = ZoneInfo(name)
        if changes[name] and rng.random() < 0.5:
            instant = rng.choice(changes[name]) + timedelta(minutes=rng.randint(-180, 180))
        else:
            instant = START + timedelta(minutes=rng.randint(0, int((END - START).total_seconds() // 60)))
        local = instant.astimezone(zone)
        entries = random_week(rng)
        closed = []
        if rng.random() < 0.4:
            closed.append((local.date() - timedelta(days=rng.choice([0, 0, 1]))).isoformat())
        is_open, rule = decide(entries, set(closed), local)
        cases.append({
            "zone": name, "hours": entries, "closedDates": closed,
            "instant": int(instant.timestamp()),
            "localDate": local.date().isoformat(), "weekday": local.weekday(),
            "minute": local.hour * 60 + local.minute,
            "offset": int(local.utcoffset().total_seconds()),
            "open": is_open, "rule": rule,
        })
    json.dump({"cases": cases}, sys.stdout)


if __name__ == "__main__":
    main()
