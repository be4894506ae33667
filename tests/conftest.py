"""Session-wide test setup: Prefect runs against one temporary server for the whole session."""

from __future__ import annotations

import os

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
