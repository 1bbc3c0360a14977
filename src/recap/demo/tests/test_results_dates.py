"""The demo's results activity lies inside its programme's period, as a real programme's does:
nothing outside it would count, and a finished programme is read as of its end."""

from __future__ import annotations

import datetime

from recap.demo.content import demo_data


def test_every_results_date_lies_inside_the_programme_period() -> None:
    programme = demo_data("programme")["programme"]
    start, end = programme["start_date"], programme["end_date"]
    results = demo_data("results")
    dates: list[datetime.date] = [t["held_on"] for t in results["trainings"]]
    dates += [step["on"] for m in results["measures"] for step in m["history"]]
    dates += [d for u in results["updates"] for d in (u["period_start"], u["period_end"])]
    outside = [d for d in dates if not start <= d <= end]
    assert not outside, f"outside {start} – {end}: {outside}"


def test_one_value_a_period_in_the_demo() -> None:
    updates = demo_data("results")["updates"]
    keys = [(u["indicator"], u["city"], u["period_start"], u["period_end"]) for u in updates]
    assert len(keys) == len(set(keys))
