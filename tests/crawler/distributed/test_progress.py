"""The fleet part of a worker's progress line."""

from __future__ import annotations

from crawler.distributed.frontier import FleetCounts
from crawler.distributed.progress import fleet_line


def counts(meta: dict[str, str]) -> FleetCounts:
    return FleetCounts(
        queued=5,
        in_flight=2,
        pending=7,
        done=40,
        accepted=47,
        stats={},
        workers=[
            {"alive": True, "pages_per_s": 2.5},
            {"alive": True, "pages_per_s": 1.5},
            {"alive": False, "pages_per_s": 9.0},
        ],
        meta=meta,
        server_time=0.0,
    )


def test_fleet_line_with_a_budget_has_share_and_eta() -> None:
    line = fleet_line(counts({"max_pages": "100"}))
    assert (
        line
        == "fleet: 2 worker(s), 40 done of 100 (40%) ETA 15 s, queue 5+2 in flight, 4.0 pages/s"
    )


def test_fleet_line_without_a_budget() -> None:
    assert fleet_line(counts({})) == "fleet: 2 worker(s), 40 done, queue 5+2 in flight, 4.0 pages/s"
