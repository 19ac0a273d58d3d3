"""AI/TDM opt-outs: the page's own signals and the origin's opt-out files.

Public surface: :func:`detect_optout` reads a fetched page (``X-Robots-Tag``, robots meta,
TDMRep header and meta, ``Content-Usage`` and ``Content-Signal`` headers) and combines it with
what was known before fetching; :func:`tdmrep_from_fetch` and :func:`aitxt_from_fetch` turn
one fetch of ``/.well-known/tdmrep.json`` or ``/ai.txt`` into a policy. Internals beside it:

- :mod:`filters.optout.page` — per-page channels and their combination;
- :mod:`filters.optout.tdmrep` — W3C TDMRep's file, with its compiled rule index
  (:mod:`filters.optout.tdmrep_index`) and the header and meta layers with the processing
  priority (:mod:`filters.optout.tdmrep_page`);
- :mod:`filters.optout.aitxt` — Spawning's ai.txt, read like robots.txt.

The IETF aipref vocabulary (RFC 9651 dictionaries) is :mod:`filters.aipref`, shared with
robots.txt's ``Content-Usage`` lines; robots.txt's own AI-use lines live in
:mod:`filters.robots`.
"""

from filters.optout.aitxt import PATH as AITXT_PATH
from filters.optout.aitxt import AiTxtPolicy, aitxt_from_fetch
from filters.optout.page import detect_optout, nofollow
from filters.optout.tdmrep import WELL_KNOWN_PATH as TDMREP_PATH
from filters.optout.tdmrep import TdmrepPolicy, tdmrep_from_fetch

__all__ = [
    "AITXT_PATH",
    "TDMREP_PATH",
    "AiTxtPolicy",
    "TdmrepPolicy",
    "aitxt_from_fetch",
    "detect_optout",
    "nofollow",
    "tdmrep_from_fetch",
]
