"""The shared export fixture (:mod:`tests.support.exportsite`): its one real crawl of
``tests/sites/export-mixed`` archives every outcome the export tests rely on."""

from __future__ import annotations

import pytest

from tests.support.exportsite import DUPLICATES, EXPECTED, mixed_crawl, page_name


def test_fixture_crawl_archives_every_outcome(tmp_path_factory: pytest.TempPathFactory) -> None:
    from tests.support.helpers import read_decisions

    crawl_dir = mixed_crawl(tmp_path_factory)
    decisions = {page_name(d["url"]): d for d in read_decisions(crawl_dir)}
    for page in [*EXPECTED, *DUPLICATES]:
        assert page in decisions, f"the crawl never considered {page}"
    assert decisions["secret.html"]["outcome"] == "not-fetched"
    assert decisions["noai.html"]["fetch"]["body_stored"] is False
