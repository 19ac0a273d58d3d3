"""The ``clearcrawl`` command line (``clearcrawl = crawler.cli:main``)."""

from crawler.cli.crawl import main

__all__ = ["main"]
