"""The date grammar (readers/dates.py): the forms portals print, the Western ones of
older and foreign-run sites, and the Republic of China calendar."""

from __future__ import annotations

import pytest

from docpipe.readers.dates import DATE, parse_date, ymd


@pytest.mark.parametrize(("text", "iso"), [
    ("2025年3月6日", "2025-03-06"),
    ("发布时间：2025-03-06 10:20", "2025-03-06"),
    ("2019-9-5", "2019-09-05"),
    ("2025.3.6", "2025-03-06"),
    ("2025 年 03 月 06 日", "2025-03-06"),
    ("2025/3/6", "2025-03-06"),
])
def test_the_forms_chinese_portals_print(text, iso):
    assert parse_date(text) == iso


@pytest.mark.parametrize(("text", "iso"), [
    ("民國107年3月13日", "2018-03-13"),
    ("中華民國 99 年 1 月 2 日", "2010-01-02"),
    ("中华民国113年12月31日", "2024-12-31"),
    ("民国38年10月1日", "1949-10-01"),
])
def test_republic_of_china_years_count_from_1912(text, iso):
    assert parse_date(text) == iso


@pytest.mark.parametrize(("text", "iso"), [
    ("7/5/2005", "2005-07-05"),  # not zero-padded: month first (the American habit)
    ("06/02/2022", "2022-02-06"),  # zero-padded: day first (the European habit)
    ("7/5/2005 9:23:57 PM", "2005-07-05"),  # a 12-hour clock: month first
    ("06/02/2022 10:00 AM", "2022-06-02"),  # ... even when zero-padded
    ("13/5/2005", "2005-05-13"),  # the first number cannot be a month: day first
    ("5/13/2005", "2005-05-13"),  # the second cannot be: month first
    ("05/13/2005", "2005-05-13"),
])
def test_numeric_day_month_year_order(text, iso):
    assert parse_date(text) == iso


@pytest.mark.parametrize(("text", "iso"), [
    ("Saturday, September 10th, 2005", "2005-09-10"),
    ("September 10, 2005", "2005-09-10"),
    ("Dec. 3, 2019", "2019-12-03"),
    ("10 Sep 2005", "2005-09-10"),
    ("1st March 2020", "2020-03-01"),
    ("posted on MAY 2 2011", "2011-05-02"),
])
def test_english_month_names(text, iso):
    assert parse_date(text) == iso


def test_an_impossible_date_is_passed_over_for_the_next():
    assert parse_date("2025年2月30日 至 2025年3月1日") == "2025-03-01"
    assert parse_date("2025-13-01") is None


@pytest.mark.parametrize("text", [
    "", "没有日期的一行", "2025", "12025-03-06", "1/2/3", "3/4/1850", "Sep 2005",
    "第2025-3条",
])
def test_no_date(text):
    assert parse_date(text) is None


def test_a_match_gives_year_month_day():
    assert ymd(DATE.search("截至民國107年3月13日止")) == (2018, 3, 13)
    assert ymd(DATE.search("on 3/4/2021, we")) == (2021, 3, 4)
    assert DATE.search("电话 010-2025-3-6") is not None  # a date-shaped number still matches
