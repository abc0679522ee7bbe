"""Seasonal volume baseline for the crisis detector: expected posts per hour of the week.

Counts posts per local clock hour. Expected volume of an hour = the hour-of-day level (EWMA over
days of that hour's count, so a dinner peak is expected volume) × a day-of-week factor (EWMA of that
weekday's daily total against the mean day, 1 until the weekday has been seen); once an hour of the
week has itself been seen, its own EWMA over weeks is blended in half-and-half. O(1) per post
(plus one step per elapsed hour); state is a few lists of floats.
"""

from __future__ import annotations

import datetime as dt

DAY_ALPHA = 0.3  # weight of the newest day in an hour-of-day cell (≈ 3-day memory)
WEEK_ALPHA = 0.5  # weight of the newest week in an hour-of-week cell


def _ewma(old: float, n: int, x: float, alpha: float) -> float:
    """Running mean for the first observations, then an EWMA (no bias towards the zero start)."""
    a = max(alpha, 1.0 / (n + 1))
    return old + a * (x - old)


class SeasonalVolume:
    def __init__(self):
        self.hod = [0.0] * 24
        self.hod_n = [0] * 24
        self.how = [0.0] * 168
        self.how_n = [0] * 168
        self.day = [0.0] * 7  # daily totals per weekday
        self.day_n = [0] * 7
        self.hour: int | None = None  # current local hour since the epoch
        self.count = 0.0  # posts so far in the current hour
        self.day_total = 0.0
        self.offset = 0  # the stream's UTC offset in hours (hours of day are local)

    @staticmethod
    def _slot(hour: int) -> tuple[int, int, int]:
        """(hour of day, weekday 0 = Monday, hour of week) of a local epoch hour."""
        day = hour // 24
        wd = (day + 3) % 7  # 1970-01-01 was a Thursday
        return hour % 24, wd, wd * 24 + hour % 24

    def _close_hour(self) -> None:
        assert self.hour is not None  # called only by add(), after the first post has set the hour
        h, wd, w = self._slot(self.hour)
        self.hod[h] = _ewma(self.hod[h], self.hod_n[h], self.count, DAY_ALPHA)
        self.hod_n[h] += 1
        self.how[w] = _ewma(self.how[w], self.how_n[w], self.count, WEEK_ALPHA)
        self.how_n[w] += 1
        self.day_total += self.count
        if h == 23:
            self.day[wd] = _ewma(self.day[wd], self.day_n[wd], self.day_total, WEEK_ALPHA)
            self.day_n[wd] += 1
            self.day_total = 0.0
        self.count = 0.0

    def add(self, t: dt.datetime, n: float = 1.0) -> None:
        off = t.utcoffset()
        self.offset = int(off.total_seconds() // 3600) if off else 0
        hour = int(t.timestamp() // 3600) + self.offset
        if self.hour is None:
            self.hour = hour
        if hour > self.hour:
            for _ in range(min(hour - self.hour, 24 * 14)):  # empty hours count as zeros
                self._close_hour()
                self.hour += 1
            self.hour = hour
        self.count += n

    def expected_hour(self, t: dt.datetime) -> float:
        """Expected posts in the clock hour containing ``t`` (0 before anything was learned)."""
        hour = int(t.timestamp() // 3600) + self.offset
        h, wd, w = self._slot(hour)
        if not self.hod_n[h]:
            return 0.0
        seen = [self.day[d] for d in range(7) if self.day_n[d]]
        factor = self.day[wd] / (sum(seen) / len(seen)) if self.day_n[wd] and len(seen) >= 2 and sum(seen) > 0 else 1.0
        base = self.hod[h] * factor
        return 0.5 * base + 0.5 * self.how[w] if self.how_n[w] else base

    def to_dict(self) -> dict:
        return dict(vars(self))

    @classmethod
    def from_dict(cls, d: dict) -> "SeasonalVolume":
        self = cls()
        for k, v in d.items():
            setattr(self, k, v)
        return self
