"""Imported by the extraction pool's forkserver: imports the extractor and warms it up.

Workers are forked from the forkserver, so they start with trafilatura imported and its lazy
tables (dateparser locales, justext stop lists, public suffixes) already built (a few seconds
per process otherwise). Importing this module anywhere else only costs that warm-up once.
"""

from __future__ import annotations

from wirehouse.extractors.batch import extract_batch
from wirehouse.extractors.page import warm_up

warm_up()

__all__ = ["extract_batch"]
