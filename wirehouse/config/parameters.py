"""What one ingest run is asked to do, as one value: the CLI, `serve`, the deployment and the
flow itself pass it around instead of re-declaring its five fields.

The `ingest` flow still takes the fields as its own parameters (`as_flow_parameters`): Prefect
stores and shows a flow run's parameters, so they stay plain JSON values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wirehouse.config.feedlist import resolve_sources
from wirehouse.config.settings import Settings, load_settings
from wirehouse.config.shards import Shard, parse_shard, select_shard
from wirehouse.records import FeedSource


@dataclass(frozen=True, slots=True)
class IngestParameters:
    """The feeds of a run (URLs, or a feed-list file, or the settings' list), the warehouse
    location, and the shard (`"I/N"`) of the feeds this run takes."""

    feeds: tuple[str, ...] = ()
    feeds_file: str | None = None
    db: str | None = None
    data_path: str | None = None
    shard: str | None = None

    def settings(self) -> Settings:
        """The settings, with the location these parameters name."""
        return load_settings(db=self.db, data_path=self.data_path)

    def parsed_shard(self) -> Shard | None:
        return parse_shard(self.shard) if self.shard else None

    def sources(self, settings: Settings) -> list[FeedSource]:
        """The feeds of the run: URLs win over a feed-list file; then this shard's only."""
        sources = resolve_sources(settings, feeds=self.feeds, feeds_file=self.feeds_file)
        shard = self.parsed_shard()
        return select_shard(sources, shard) if shard else sources

    def as_flow_parameters(self) -> dict[str, Any]:
        """The `ingest` flow's keyword arguments (JSON values)."""
        return {
            "feeds": list(self.feeds) or None,
            "feeds_file": self.feeds_file,
            "db": self.db,
            "data_path": self.data_path,
            "shard": self.shard,
        }
