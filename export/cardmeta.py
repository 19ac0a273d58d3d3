"""The card's YAML front matter, as the Hugging Face Hub reads it.

Hub licence ids (https://huggingface.co/docs/hub/repositories-licenses) for the SPDX ids
present, ``size_categories``, tags and ``configs``
(https://huggingface.co/docs/hub/datasets-cards), rendered by
``huggingface_hub.DatasetCardData`` itself so the Hub and ``datasets`` read exactly the keys
they expect.
"""

from __future__ import annotations

from typing import Any

from huggingface_hub import DatasetCardData

from export.cardinfo import CardInfo
from export.conditions import license_conditions

#: The Hub's licence identifiers (huggingface/hub-docs, ``docs/hub/repositories-licenses.md``).
HUB_LICENSE_IDS = frozenset(
    {
        "apache-2.0",
        "mit",
        "openrail",
        "bigscience-openrail-m",
        "creativeml-openrail-m",
        "bigscience-bloom-rail-1.0",
        "bigcode-openrail-m",
        "afl-3.0",
        "artistic-2.0",
        "bsl-1.0",
        "bsd",
        "bsd-2-clause",
        "bsd-3-clause",
        "bsd-3-clause-clear",
        "c-uda",
        "cc",
        "cc0-1.0",
        "cc-by-2.0",
        "cc-by-2.5",
        "cc-by-3.0",
        "cc-by-4.0",
        "cc-by-sa-3.0",
        "cc-by-sa-4.0",
        "cc-by-nc-2.0",
        "cc-by-nc-3.0",
        "cc-by-nc-4.0",
        "cc-by-nd-4.0",
        "cc-by-nc-nd-3.0",
        "cc-by-nc-nd-4.0",
        "cc-by-nc-sa-2.0",
        "cc-by-nc-sa-3.0",
        "cc-by-nc-sa-4.0",
        "cdla-sharing-1.0",
        "cdla-permissive-1.0",
        "cdla-permissive-2.0",
        "wtfpl",
        "ecl-2.0",
        "epl-1.0",
        "epl-2.0",
        "etalab-2.0",
        "eupl-1.1",
        "agpl-3.0",
        "gfdl",
        "gpl",
        "gpl-2.0",
        "gpl-3.0",
        "lgpl",
        "lgpl-2.1",
        "lgpl-3.0",
        "isc",
        "lppl-1.3c",
        "ms-pl",
        "mpl-2.0",
        "odc-by",
        "odbl",
        "openrail++",
        "osl-3.0",
        "postgresql",
        "ofl-1.1",
        "ncsa",
        "unlicense",
        "zlib",
        "pddl",
        "lgpl-lr",
        "deepfloyd-if-license",
        "llama2",
        "gemma",
        "unknown",
        "other",
    }
)

#: SPDX ids whose Hub id is a family name rather than the lowercased id.
_HUB_FAMILIES = {"odc-by-1.0": "odc-by", "odbl-1.0": "odbl", "pddl-1.0": "pddl"}

LICENSE_NAME_OTHER = "clearcrawl-per-record-licenses"
LICENSE_LINK_OTHER = "LICENSES.md"

SIZE_BUCKETS = (
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
    (100_000_000, "10M<n<100M"),
    (1_000_000_000, "100M<n<1B"),
    (10_000_000_000, "1B<n<10B"),
    (100_000_000_000, "10B<n<100B"),
    (1_000_000_000_000, "100B<n<1T"),
)


def hub_license_id(spdx: str) -> str:
    """Return the Hub id for an SPDX id, or ``other`` when the Hub has none (CC ports, PDM…)."""
    low = spdx.lower()
    if low.startswith("gfdl"):
        return "gfdl"
    low = _HUB_FAMILIES.get(low, low)
    return low if low in HUB_LICENSE_IDS else "other"


def hub_license_ids(spdx_ids: list[str]) -> list[str]:
    """Sorted Hub ids for the SPDX ids present, ``other`` last."""
    out = {hub_license_id(s) for s in spdx_ids}
    return sorted(out, key=lambda x: (x == "other", x))


def size_category(n: int) -> str:
    """Return the Hub's ``size_categories`` bucket for ``n`` rows."""
    for bound, label in SIZE_BUCKETS:
        if n < bound:
            return label
    return "n>1T"


#: Conditions an open licence may carry (https://opendefinition.org/od/2.1/en/ §2.2: attribution
#: and share-alike are allowed; NonCommercial and NoDerivatives are not).
_OPEN_CONDITIONS = frozenset({"BY", "SA"})


def card_tags(spdx_ids: list[str]) -> list[str]:
    """Tag the card ``openly-licensed`` only when every licence present is open."""
    open_only = all(
        {c.code for c in license_conditions(spdx)} <= _OPEN_CONDITIONS for spdx in spdx_ids
    )
    return ["clearcrawl", "web", *(["openly-licensed"] if open_only else []), "rights-manifest"]


def card_metadata(info: CardInfo) -> DatasetCardData:
    """Build the YAML front matter, as ``huggingface_hub`` models it."""
    hub = hub_license_ids(sorted(info.license_counts)) or ["unknown"]
    extra: dict[str, Any] = {}
    if "other" in hub:
        extra["license_name"] = LICENSE_NAME_OTHER
        extra["license_link"] = LICENSE_LINK_OTHER
    languages = sorted(info.languages)
    return DatasetCardData(
        pretty_name=info.pretty_name,
        license=hub,
        language=languages or None,
        size_categories=[size_category(info.rows)],
        task_categories=["text-generation"],
        tags=card_tags(sorted(info.license_counts)),
        configs=[
            {
                "config_name": "default",
                "default": True,
                "data_files": [{"split": "train", "path": "data/train-*.parquet"}],
            },
            {
                "config_name": "rights_manifest",
                "data_files": [{"split": "train", "path": "manifest/rights-*.parquet"}],
            },
        ],
        dataset_info=info.dataset_info or None,
        **extra,
    )
