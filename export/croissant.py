"""``croissant.json``: the release described in MLCommons Croissant 1.0, with its RAI fields.

Croissant (https://docs.mlcommons.org/croissant/docs/croissant-spec.html) is the JSON-LD
vocabulary dataset hubs and loaders read (Hugging Face, Kaggle, OpenML, ``mlcroissant``,
TFDS). This file declares:

- the files: one ``cr:FileObject`` per Parquet shard with its ``sha256`` (spec §"FileObject"),
  and one ``cr:FileSet`` per config over the same shards (``includes`` glob), from which
  records are read;
- the two configs as ``cr:RecordSet``: ``default`` (the rows, fields from
  :data:`export.dataset.ROW_COLUMNS`, the one column definition) and ``rights_manifest``
  (fields from :data:`export.dataset.MANIFEST_COLUMNS`, nested sections as JSON text), both
  keyed on ``id``;
- the licence as a record-level attribute: every row's ``license`` field is declared
  ``equivalentProperty: schema.org/license`` (its values are SPDX ids; the dataset-level
  ``license`` lists the licence URLs present);
- the Responsible-AI extension (http://mlcommons.org/croissant/RAI/1.0) fields clearcrawl can
  state from the release: data collection (crawler, tokens, protocols, policy), collection type
  and time frame, raw data (the WARC files with their sha256), preprocessing (extraction,
  dedupe), personal and sensitive information (not screened: said so), use cases and
  limitations. Nothing is claimed that the release does not record.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from export.checksums import file_sha256
from export.dataset import MANIFEST_COLUMNS, MANIFEST_JSON_COLUMNS, ROW_COLUMNS
from export.folder import data_shards, manifest_shards
from export.summary import PROTOCOLS

CROISSANT_FILE = "croissant.json"
PARQUET = "application/x-parquet"

#: The JSON-LD context of Croissant 1.0 (the spec's, as its example datasets write it).
CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}

#: Croissant data types of the Arrow types ``ROW_COLUMNS`` uses.
_DATA_TYPES = {"string": "sc:Text", "large_string": "sc:Text"}

#: What each row column holds (the card's column list says the same).
ROW_DESCRIPTIONS = {
    "id": "sha1 hex of URL and payload digest; joins the row to its rights_manifest entry",
    "url": "the URL the page was fetched from",
    "text": "the page's main text, extracted from the archived HTML",
    "license": "SPDX id of the licence covering this record's text (record-level licence)",
    "license_url": "URL of that licence",
    "attribution": "TASL attribution line (title, author, source, licence) owed for this record",
    "crawl_date": "WARC-Date of the capture (UTC)",
    "warc_file": "WARC file holding the capture",
    "warc_record_id": "WARC-Record-ID of the capture",
    "payload_digest": "WARC-Payload-Digest of the capture",
}


def _files(folder: Path, paths: list[Path], set_id: str, glob: str, what: str) -> list[Any]:
    objects: list[dict[str, Any]] = [
        {
            "@type": "cr:FileObject",
            "@id": p.relative_to(folder).as_posix(),
            "name": p.relative_to(folder).as_posix(),
            "description": f"{what}, shard {i + 1} of {len(paths)}",
            "contentUrl": p.relative_to(folder).as_posix(),
            "encodingFormat": PARQUET,
            "contentSize": f"{p.stat().st_size} B",
            "sha256": file_sha256(p),
        }
        for i, p in enumerate(paths)
    ]
    return [
        *objects,
        {
            "@type": "cr:FileSet",
            "@id": set_id,
            "name": set_id,
            "description": f"{what}: every shard",
            "encodingFormat": PARQUET,
            "includes": glob,
        },
    ]


def _field(record_set: str, set_id: str, column: str, data_type: str, desc: str) -> Any:
    field: dict[str, Any] = {
        "@type": "cr:Field",
        "@id": f"{record_set}/{column}",
        "name": column,
        "description": desc,
        "dataType": data_type,
        "source": {"fileSet": {"@id": set_id}, "extract": {"column": column}},
    }
    if record_set == "default" and column == "license":
        field["equivalentProperty"] = "sc:license"
    return field


def _row_fields(markdown: bool) -> list[Any]:
    columns = dict(ROW_COLUMNS)
    if markdown:
        columns["markdown"] = "large_string"
    return [
        _field(
            "default",
            "data-files",
            name,
            _DATA_TYPES.get(arrow, "sc:Date"),
            ROW_DESCRIPTIONS.get(name, name.replace("_", " ")),
        )
        for name, arrow in columns.items()
    ]


def _manifest_fields() -> list[Any]:
    return [
        _field(
            "rights_manifest",
            "manifest-files",
            name,
            "sc:Text",
            f"manifest.{name}"
            + (" (a JSON object or array, as text)" if name in MANIFEST_JSON_COLUMNS else ""),
        )
        for name in MANIFEST_COLUMNS
    ]


def build_croissant(folder: Path, info: dict[str, Any], summary: dict[str, Any]) -> dict[str, Any]:
    """Build the Croissant document of the release in ``folder`` (``info``: ``export-info.json``)."""
    policy = info.get("policy") or {}
    counts = info.get("counts") or {}
    period = summary.get("crawl_period") or {}
    tokens = [str(t) for t in info.get("tokens") or []]
    license_urls = sorted(
        {str(u) for u in (info.get("license_urls") or {}).values()} | _row_license_urls(folder)
    )
    sources = info.get("sources") or []
    name = str(info.get("pretty_name") or folder.name)
    return {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": [
            "http://mlcommons.org/croissant/1.0",
            "http://mlcommons.org/croissant/RAI/1.0",
        ],
        "name": name,
        "description": (
            f"Web text collected by clearcrawl with the rights cleared: {counts.get('exported', 0)} "
            f"records, each admitted by the rights policy {policy.get('label')} "
            f"({policy.get('digest')}); every row has a rights-manifest entry joined on id."
        ),
        "url": "README.md",
        "license": license_urls or ["LICENSES.md"],
        "version": str(info.get("clearcrawl_version") or ""),
        "creator": {
            "@type": "sc:Organization",
            "name": "clearcrawl " + str(info.get("clearcrawl_version") or ""),
        },
        "keywords": ["web text", "rights manifest", "clearcrawl"],
        "isLiveDataset": False,
        # the latest capture: the release records no wall-clock time (reproducible bytes)
        "datePublished": period.get("end") or "",
        "citeAs": f"{name}, clearcrawl {info.get('clearcrawl_version') or ''}, README.md",
        "rai:dataCollection": (
            f"Crawled with clearcrawl (product token {tokens[0] if tokens else '?'}; honoured "
            f"tokens {', '.join(tokens)}), honouring: " + "; ".join(PROTOCOLS) + ". Every "
            "exchange was archived as WARC 1.1 and the dataset re-derived from the archive "
            f"under the rights policy {policy.get('label')} ({policy.get('digest')}): "
            + json.dumps(policy.get("content"), sort_keys=True, separators=(",", ":"))
        ),
        "rai:dataCollectionType": ["Web Scraping"],
        "rai:dataCollectionTimeFrame": [t for t in (period.get("start"), period.get("end")) if t],
        "rai:dataCollectionRawData": (
            "WARC files: "
            + "; ".join(f"{s.get('file')} (sha256 {s.get('sha256')})" for s in sources)
        ),
        "rai:dataPreprocessingProtocol": [
            (
                f"Main text extracted with {info.get('extractor') or 'trafilatura'} (comments "
                "excluded); pages under the policy's minimum text length excluded."
            ),
            (
                "Exact duplicates (same normalised text) kept once; the kept row's manifest "
                "entry lists the others."
            ),
            (
                "Only pages whose licence (on the policy's allowlist) covers the main text, "
                "without opt-out or paywall, are exported; every exclusion is in "
                "excluded.jsonl.gz."
            ),
        ],
        "rai:dataUseCases": (
            "Training and evaluating language models on openly licensed web text, with the "
            "attribution each licence asks for (ATTRIBUTION.md, the attribution column)."
        ),
        "rai:personalSensitiveInformation": (
            "Not screened: pages are public web pages, and author names appear in the "
            "attribution column as the licences require; clearcrawl does not detect or remove "
            "other personal data in the text."
        ),
        "rai:dataLimitations": (
            "Only pages whose licence clearcrawl could detect and the policy admits: the "
            "dataset over-represents sites that state a Creative Commons licence in machine-"
            "readable form. The licence is as stated by the publisher; clearcrawl cannot "
            "verify that the publisher holds the rights."
        ),
        "rai:dataReleaseMaintenancePlan": (
            "A release is fixed: re-running the export on the same WARC files gives the same "
            "bytes; clearcrawl verify checks the files against their sha256."
        ),
        "distribution": [
            *_files(folder, data_shards(folder), "data-files", "data/train-*.parquet", "the rows"),
            *_files(
                folder,
                manifest_shards(folder),
                "manifest-files",
                "manifest/rights-*.parquet",
                "the rights manifest",
            ),
        ],
        "recordSet": [
            {
                "@type": "cr:RecordSet",
                "@id": "default",
                "name": "default",
                "description": "The rows: text and its licence, attribution and WARC pointer.",
                "key": {"@id": "default/id"},
                "field": _row_fields(bool(info.get("markdown"))),
            },
            {
                "@type": "cr:RecordSet",
                "@id": "rights_manifest",
                "name": "rights_manifest",
                "description": (
                    "One rights entry per row (joined on id): licence finding with scope and "
                    "evidence, opt-out signals checked, robots.txt and policy files relied on, "
                    "paywall finding, the policy rule, and the WARC pointer."
                ),
                "key": {"@id": "rights_manifest/id"},
                "field": _manifest_fields(),
            },
        ],
    }


def _row_license_urls(folder: Path) -> set[str]:
    from export.folder import iter_parquet

    return {
        str(row["license_url"])
        for row in iter_parquet(data_shards(folder), columns=["license_url"])
        if row.get("license_url")
    }


def croissant_text(document: dict[str, Any]) -> str:
    """Return the file's bytes: two-space indent, keys in the order built (deterministic)."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
