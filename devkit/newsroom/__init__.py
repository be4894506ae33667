"""The bundled demo newsroom: invented outlets on loopback with feeds, pages and ground truth.

`make demo` ingests it without internet; integration tests assert against `Newsroom.truth`.
"""

from devkit.newsroom.model import TruthArticle
from devkit.newsroom.server import Newsroom

__all__ = ["Newsroom", "TruthArticle"]
