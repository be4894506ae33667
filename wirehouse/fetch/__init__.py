"""fetch stage: the one polite, bounded, SSRF-safe HTTP fetcher (`Fetcher`)."""

from wirehouse.fetch.client import Fetcher

__all__ = ["Fetcher"]
