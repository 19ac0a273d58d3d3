"""Scrapy commands clearcrawl overrides (``COMMANDS_MODULE`` in :mod:`crawler.settings`)."""
