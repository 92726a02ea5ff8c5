"""Tested version ranges (docpipe/versions.py): read from docpipe's metadata, checked by
`docpipe doctor`."""

from __future__ import annotations

from docpipe.versions import PINNED, in_range, installed_versions, outside_tested
from docpipe.versions import tested_ranges as ranges_of  # not collected as a test


def test_every_pinned_library_has_a_closed_range():
    ranges = ranges_of()
    assert set(ranges) == set(PINNED)
    for name, spec in ranges.items():
        assert ">=" in spec and "<" in spec.replace("<=", ""), (name, spec)


def test_installed_versions_are_inside():
    ranges = ranges_of()
    assert outside_tested(ranges, installed_versions(ranges)) == []


def test_outside_versions_are_named():
    ranges = ranges_of(["weasyprint<71,>=70", "pydyf<0.14,>=0.13", "jieba>=0.42.1,<0.43",
                            "pytest>=8; extra == 'dev'"])
    assert ranges == {"weasyprint": "<71,>=70", "pydyf": "<0.14,>=0.13",
                      "jieba": ">=0.42.1,<0.43"}
    lines = outside_tested(ranges, {"weasyprint": "71.0", "pydyf": "0.13.2", "jieba": None})
    assert lines == ["weasyprint 71.0 is outside the tested range <71,>=70",
                     "jieba is not installed (tested: >=0.42.1,<0.43)"]


def test_in_range():
    assert in_range("70.0", ">=70,<71")
    assert not in_range("69.0", ">=70,<71")
    assert not in_range("71.0b1", ">=70,<71")
    assert in_range("0.42.1", ">=0.42.1,<0.43")
    assert not in_range("0.42", ">=0.42.1,<0.43")
    assert in_range("1.2.0", ">=1.2,<1.3")
    assert not in_range("1.3.0", ">=1.2,<1.3")
