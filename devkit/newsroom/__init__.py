"""The simulated newsroom: invented outlets on loopback with feeds, pages and ground truth.

Two sources of content behind one server (`http.py`), one feed renderer (`feeds.py`) and one
model (`model.py`): the curated stories (`stories/*.toml`, served by `Newsroom`: `make demo`
ingests them without internet, integration tests assert against `Newsroom.truth`) and the
seeded generator for scale (`generated.py`, served by `generated_server.py` for the benchmarks).
"""

from devkit.newsroom.model import TruthArticle
from devkit.newsroom.server import Newsroom

__all__ = ["Newsroom", "TruthArticle"]
