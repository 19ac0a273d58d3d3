"""``python -m crawler`` runs the ``clearcrawl`` command."""

import sys

from crawler.cli import main

sys.exit(main())
