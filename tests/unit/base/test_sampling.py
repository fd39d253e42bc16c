"""--imgsafe-sample and --imgsafe-rotate: stratified, seeded, rotating samples that cover the corpus."""

from __future__ import annotations

import argparse
import datetime as dt
import random
from collections import Counter

import pytest

from pytest_imgsafe.base.row import Row
from pytest_imgsafe.base.sampling import SampleSize, draw_sample, night_of, parse_days, parse_sample, quotas
from pytest_imgsafe.report.sample import describe, estimated_rates, stratum

SCENARIOS = {"benign": 0.04, "celebrity": 0.55, "copyrighted_ip": 0.3, "violence": 0.8, "minors": 0.97}
TARGETS = ("gpt-image-2", "imagen")


def synthetic_corpus(
    seed: int = 11, cases: int = 1200
) -> tuple[dict[tuple[str, str], str], dict[tuple[str, str], bool]]:
    """(key -> stratum, key -> blocked): uneven strata, each with its own block rate per target."""
    rng = random.Random(seed)
    strata, blocked = {}, {}
    names = list(SCENARIOS)
    for i in range(cases):
        scenario = names[min(len(names) - 1, int(rng.paretovariate(1.2)) - 1)]  # a few large, some small
        for target in TARGETS:
            key = (f"case-{i:05d}", target)
            strata[key] = stratum(scenario, target)
            rate = SCENARIOS[scenario] * (0.7 if target == "imagen" else 1.0)
            blocked[key] = rng.random() < rate
    return strata, blocked


def rows_of(keys, strata, blocked):  # type: ignore[no-untyped-def]
    return [
        Row(
            case=k[0],
            target=k[1],
            expected="",
            status="ok",
            mode="live",
            scenario=strata[k].split(" x ")[0],
            actual="block:input" if blocked[k] else "pass",
        )
        for k in keys
    ]


def test_five_percent_rotated_over_twenty_nights_covers_every_case_and_brackets_the_full_rates() -> None:
    strata, blocked = synthetic_corpus()
    full = {(r["scenario"], r["target"]): r for r in estimated_rates(rows_of(strata, strata, blocked), {})}
    first = night_of(dt.date(2026, 3, 1))  # a fake calendar: 20 nights in a row
    seen: Counter[tuple[str, str]] = Counter()
    bracketed = checked = 0
    for night in range(first, first + 20):
        draw = draw_sample(strata, parse_sample("5%"), night, rotate=20)
        assert len(draw.chosen) <= SampleSize(percent=5).of(len(strata)) + len(set(strata.values()))
        assert {strata[k] for k in draw.chosen} == set(strata.values())  # every stratum, every night
        seen.update(draw.chosen)
        for r in estimated_rates(rows_of(draw.chosen, strata, blocked), describe(draw, None, night, 20)):
            whole = full[(r["scenario"], r["target"])]
            assert r["corpus_items"] == whole["items"]
            checked += 1
            bracketed += r["low"] <= whole["rate"] <= r["high"]
    assert set(seen) == set(strata)  # every case within the 20 nights
    assert bracketed / checked >= 0.95, (bracketed, checked)


def test_the_same_seed_draws_the_same_sample_and_another_seed_another() -> None:
    strata, _ = synthetic_corpus(cases=300)
    size = parse_sample("40")
    assert draw_sample(strata, size, 7).chosen == draw_sample(dict(reversed(strata.items())), size, 7).chosen
    assert draw_sample(strata, size, 7).chosen != draw_sample(strata, size, 8).chosen


def test_a_sample_is_stratified_with_every_stratum_in_proportion() -> None:
    strata, _ = synthetic_corpus(cases=300)
    draw = draw_sample(strata, parse_sample("10%"), 3)
    sizes = Counter(strata.values())
    assert len(draw.drawn) == 60
    for name, (n, k) in draw.strata.items():
        assert n == sizes[name] and k >= 1 and abs(k - n * 0.1) <= 1


def test_recent_news_is_always_in_and_reported_apart() -> None:
    strata, _ = synthetic_corpus(cases=100)
    news = [("case-00001", "imagen"), ("case-00002", "gpt-image-2")]
    draw = draw_sample(strata, parse_sample("2"), 5, always=news)
    assert set(news) <= draw.chosen and draw.forced == set(news) - draw.drawn
    assert describe(draw, parse_sample("2"), 5, None)["always_in_keys"] == sorted([list(k) for k in draw.forced])


def test_a_size_that_cannot_cover_the_corpus_in_time_says_what_would() -> None:
    strata, _ = synthetic_corpus(cases=100)  # 200 items
    with pytest.raises(ValueError) as err:
        draw_sample(strata, parse_sample("5%"), 1, rotate=7)
    assert str(err.value) == (
        "--imgsafe-sample 5% is 10 of 200 items a night: 7 nights cover at most 70; "
        "give --imgsafe-sample 15% or more, or --imgsafe-rotate 20"
    )


def test_rotate_alone_runs_one_slice_a_night() -> None:
    strata, _ = synthetic_corpus(cases=100)
    nights = [draw_sample(strata, None, n, rotate=4).drawn for n in range(4)]
    assert set().union(*nights) == set(strata) and all(45 <= len(n) <= 60 for n in nights)


def test_quotas_follow_the_strata_sizes_with_one_at_least() -> None:
    assert quotas({"a": 90, "b": 9, "c": 1}, 10) == {"a": 8, "b": 1, "c": 1}
    assert sum(quotas({"a": 50, "b": 30, "c": 20}, 7).values()) == 7


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("five", "'five' is not a sample size: give a number of items (500) or a percentage of the corpus (5%)"),
        ("0", "'0' is not a sample size: give 1 item or more"),
        ("120%", "'120%' is not a share of the corpus: give more than 0% and at most 100%"),
    ],
)
def test_a_bad_sample_size_is_refused_with_the_forms_to_give(text: str, says: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError) as err:
        parse_sample(text)
    assert says in str(err.value)


def test_rotate_takes_a_number_of_nights() -> None:
    assert parse_days("7") == 7
    with pytest.raises(argparse.ArgumentTypeError, match="'0' is not a number of nights"):
        parse_days("0")
    assert parse_days("366") == 366
    for huge in ("367", "99999999999999999999"):  # a slice per night: 1e20 of them ran the machine out of memory
        with pytest.raises(argparse.ArgumentTypeError, match="at most 366 nights"):
            parse_days(huge)
