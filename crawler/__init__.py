"""clearcrawl: the Scrapy project (settings, middlewares, extensions, CLI)."""

__version__ = "0.1.0"
