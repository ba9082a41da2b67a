"""Tests of tncc.progress: silent off a terminal, one self-erasing line on one."""

from __future__ import annotations

import io

import pytest

from tncc.progress import Progress, track


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_quiet_when_stream_is_not_a_terminal() -> None:
    out = io.StringIO()  # isatty() is False
    clock = FakeClock()
    with Progress(total=10, description="work", stream=out, clock=clock) as bar:
        for _ in range(10):
            clock.now += 5.0
            bar.update(1)
    assert not bar.enabled
    assert out.getvalue() == ""


def test_draws_on_a_terminal_and_erases_on_exit() -> None:
    out = Tty()
    clock = FakeClock()
    with Progress(total=4, description="sweep", stream=out, clock=clock) as bar:
        assert bar.enabled
        clock.now = 2.0
        bar.update(1)
        drawn = out.getvalue()
        assert drawn.startswith("\r")
        assert "sweep" in drawn and "1/4" in drawn and "25%" in drawn
    text = out.getvalue()
    # The final write blanks the line and returns the cursor to column 0.
    last = text.rsplit("\r", 2)
    assert last[-1] == "" and last[-2].strip() == ""


def test_nothing_drawn_before_the_delay() -> None:
    out = Tty()
    clock = FakeClock()
    with Progress(total=3, stream=out, clock=clock, delay=1.0) as bar:
        clock.now = 0.5
        bar.update(3)
    assert out.getvalue() == ""


def test_redraws_are_rate_limited() -> None:
    out = Tty()
    clock = FakeClock()
    bar = Progress(total=1000, stream=out, clock=clock, delay=0.0, min_interval=1.0)
    for _ in range(1000):
        clock.now += 0.01  # 10 s in total: at most ~11 redraws
        bar.update(1)
    draws = out.getvalue().count("\r")
    assert 5 <= draws <= 12
    bar.close()
    bar.close()  # idempotent


def test_line_contents() -> None:
    clock = FakeClock()
    bar = Progress(total=8, description="search", enabled=False, clock=clock)
    clock.now = 4.0
    bar.update(2)
    line = bar.line()
    assert line.startswith("search [")
    assert "2/8" in line and "25%" in line and "eta 12.0s" in line
    unknown = Progress(total=None, description="emulate", enabled=False, clock=clock)
    unknown.update(7)
    assert unknown.line().startswith("emulate 7 ")
    bar.set_description("other")
    assert bar.line().startswith("other [")


def test_shorter_line_covers_the_longer_one() -> None:
    out = Tty()
    clock = FakeClock()
    bar = Progress(total=None, description="a long description", stream=out, clock=clock, delay=0.0, min_interval=0.0)
    bar.update(1)
    first = len(out.getvalue())
    bar.set_description("x")
    second = out.getvalue()[first:]
    assert len(second) >= first  # padded with spaces over the old text


def test_track_counts_every_item() -> None:
    out = Tty()
    seen = list(track(range(5), description="t", stream=out, enabled=True, delay=0.0, min_interval=0.0))
    assert seen == [0, 1, 2, 3, 4]
    assert "5/5" in out.getvalue()


def test_negative_total_is_rejected() -> None:
    with pytest.raises(ValueError):
        Progress(total=-1)


def test_broken_stream_disables_instead_of_failing() -> None:
    class Broken(Tty):
        def write(self, s: str) -> int:
            raise OSError("gone")

    bar = Progress(total=2, stream=Broken(), delay=0.0, min_interval=0.0)
    bar.update(1)
    assert not bar.enabled
    bar.close()


def test_live_ticker_redraws_without_updates() -> None:
    import threading

    drawn = threading.Event()

    class Watch(Tty):
        def write(self, s: str) -> int:
            if s.startswith("\r") and s.strip():
                drawn.set()
            return super().write(s)

    out = Watch()
    with Progress(total=None, description="emulate", stream=out, delay=0.0, min_interval=0.05, live=True) as bar:
        assert drawn.wait(5.0), "the ticker never drew"
        assert bar._ticker is not None
    assert bar._ticker is None  # joined on exit
    assert out.getvalue().endswith("\r")


def test_live_is_inert_off_a_terminal() -> None:
    with Progress(total=3, stream=io.StringIO(), live=True) as bar:
        assert bar._ticker is None
