"""Settings and feed lists: the one home for defaults and what the operator asked for."""

from wirehouse.config.settings import (
    DedupSettings,
    ExtractSettings,
    HttpSettings,
    Settings,
    load_settings,
)

__all__ = ["DedupSettings", "ExtractSettings", "HttpSettings", "Settings", "load_settings"]
