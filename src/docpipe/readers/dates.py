"""The date grammar of the pages docpipe reads: the forms portals print, the Western ones
of older and foreign-run sites, and the Republic of China calendar.

A pure module (no rules, no I/O): `DATE` finds a date in a line, `parse_date` turns the
first valid one into ISO 8601. The line classifier asks it whether a line states a date;
the HTML reader asks it what a `<meta>` or `<time>` element says.
"""

from __future__ import annotations

import re
from datetime import date

MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
# 2025年3月6日 / 2025-03-06 / 2019-9-5 / 2025.3.6; 7/5/2005 9:23:57 PM (month first, with a
# 12-hour clock), 06/02/2022 (day first); Saturday, September 10th, 2005; 10 Sep 2005;
# 民國107年3月13日 (the calendar of Taiwan's courts and agencies).
DATE = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})(?!\d)"
    r"\s*日?"
    r"|(?<![\d/])(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y2>(?:19|20)\d{2})(?![\d/])"
    r"(?P<clock>\s+\d{1,2}:\d{2}(?::\d{2})?\s*(?P<ampm>[AaPp]\.?[Mm]\b\.?)?)?"
    rf"|(?i:(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?\b(?P<mon>{MONTHS})[a-z]*\.?"
    r"\s+(?P<d3>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y3>(?:19|20)\d{2})(?!\d))"
    rf"|(?i:(?<!\d)(?P<d4>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<mon4>{MONTHS})[a-z]*\.?,?\s+"
    r"(?P<y4>(?:19|20)\d{2})(?!\d))"
    r"|(?:中華民國|中华民国|民國|民国)\s*(?P<roc>\d{2,3})\s*年\s*(?P<rm>\d{1,2})\s*月\s*"
    r"(?P<rd>\d{1,2})\s*日"
)
ROC_OFFSET = 1911  # 民國 year 1 is 1912


def ymd(m: re.Match[str]) -> tuple[int, int, int]:
    """Year, month, day of a `DATE` match. A numeric a/b/yyyy is month first with a
    12-hour clock (7/5/2005 9:23:57 PM) or when the second number cannot be a month,
    day first when the first cannot be, and otherwise day first when zero-padded
    (06/02/2022, the European habit) and month first when not (7/5/2005)."""
    if m["y"]:
        return int(m["y"]), int(m["m"]), int(m["d"])
    if m["roc"]:
        return int(m["roc"]) + ROC_OFFSET, int(m["rm"]), int(m["rd"])
    if m["y2"]:
        a, b = int(m["a"]), int(m["b"])
        month_first = bool(m["ampm"]) or b > 12 or (a <= 12 and not m["a"].startswith("0"))
        if a > 12:
            month_first = False
        return (int(m["y2"]), a, b) if month_first else (int(m["y2"]), b, a)
    mon, day, year = (m["mon"], m["d3"], m["y3"]) if m["mon"] else (m["mon4"], m["d4"], m["y4"])
    return int(year), MONTHS.split("|").index(mon.lower()[:3]) + 1, int(day)


def parse_date(text: str) -> str | None:
    """The first real date in `text` as `YYYY-MM-DD` (2025年2月30日 is passed over), or None."""
    for m in DATE.finditer(text):
        try:
            return date(*ymd(m)).isoformat()
        except ValueError:
            continue
    return None
