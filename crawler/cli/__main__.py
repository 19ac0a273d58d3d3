"""``python -m crawler.cli`` runs the ``clearcrawl`` command (as ``python -m crawler`` does)."""

import sys

from crawler.cli import main

sys.exit(main())
