"""``ATTRIBUTION.md``: every row's TASL attribution, under its licence, with its conditions."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from export.conditions import license_conditions


def test_every_row_is_attributed_under_its_licence(demo_release: Path) -> None:
    text = (demo_release / "ATTRIBUTION.md").read_text()
    (shard,) = (demo_release / "data").glob("*.parquet")
    rows = pq.read_table(str(shard)).to_pylist()
    sections = {part.split(" (", 1)[0]: part for part in text.split("\n## ")[1:]}
    assert sorted(sections) == sorted({r["license"] for r in rows})
    for row in rows:
        section = sections[row["license"]]
        assert row["attribution"].replace("_", "\\_") in section
        for condition in license_conditions(row["license"]):
            assert f"**{condition.name} ({condition.code})**" in section
    assert "No conditions (public domain)" in sections["CC0-1.0"]
    assert f"({len(rows)} records" not in text.split("\n## ")[0]
    assert f"The {len(rows)} records" in text
