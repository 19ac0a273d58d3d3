"""WARC → Hugging Face dataset, per-record rights manifest and dataset card.

The export reads only WARC files (never the network) and re-derives every decision from what
they hold, so a reviewer re-running it gets the same dataset, byte for byte.
"""
