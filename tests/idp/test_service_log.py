"""The service log's lines: time, level, logger, message; the time right to the second."""

from __future__ import annotations

import logging
import time

from idp.service_log import FORMAT, _Formatter


def _record(created: float, message: str) -> logging.LogRecord:
    record = logging.LogRecord("idp.audit", logging.INFO, __file__, 1, message, None, None)
    record.created = created
    return record


def test_each_line_carries_the_time_of_its_own_second() -> None:
    formatter = _Formatter(FORMAT, datefmt="%Y-%m-%dT%H:%M:%S%z")
    plain = logging.Formatter(FORMAT, datefmt="%Y-%m-%dT%H:%M:%S%z")
    start = float(int(time.time()))
    for created in (start, start + 0.4, start + 0.999, start + 1.0, start + 61.5, start + 2.2):
        record = _record(created, "push_challenge_created info realm=jasmin")
        assert formatter.format(record) == plain.format(record)
    line = formatter.format(_record(start, "x"))
    assert line.endswith(" INFO idp.audit: x")
