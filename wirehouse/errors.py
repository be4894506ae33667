"""The one exception root of wirehouse, and what each subclass means for a retry.

WirehouseError
├── ConfigError            bad settings or feed list: fix the file, retrying will not help
├── WarehouseError         the warehouse cannot be opened or written
│   └── WarehouseBusy      another process holds it: retrying later helps
└── DiscoveryError         a site's address gives no feed (`feeds add`): not http(s), not
                           reachable, or no feed found

A failed fetch is no exception: it is a value (`records.Fetched.error`), stored and counted.
"""

from __future__ import annotations


class WirehouseError(Exception):
    """Root of every error wirehouse raises on purpose; its message is one line for a user."""


class ConfigError(WirehouseError):
    """Settings or a feed list that cannot be used as given."""


class WarehouseError(WirehouseError):
    """The warehouse cannot be opened, migrated or written."""


class WarehouseBusy(WarehouseError):
    """Another process is writing to the warehouse right now."""


class DiscoveryError(WirehouseError):
    """A site's address cannot be used, its page cannot be fetched, or it has no feed."""
