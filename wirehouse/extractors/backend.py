"""Which extraction pool a run uses: worker processes here, or a Dask cluster.

Above both pools, so neither imports the other.
"""

from __future__ import annotations

from wirehouse.config.settings import ExtractSettings
from wirehouse.extractors.pool import BatchPool, ExtractionPool


def open_pool(settings: ExtractSettings) -> BatchPool:
    """The Dask cluster at `settings.dask_address` if set, else worker processes here.

    Connecting fails with a one-line `ConfigError` when the scheduler cannot be reached.
    """
    if settings.dask_address:
        # imported here: `distributed` takes a second to import, and most runs do not use it
        from wirehouse.extractors.dask_pool import DaskExtractionPool

        return DaskExtractionPool(settings.dask_address, settings)
    return ExtractionPool(settings)
