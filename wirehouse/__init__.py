"""wirehouse: feeds in, articles, duplicates and stories out, into DuckDB."""

from wirehouse.escape import show_log_arguments_visibly

# every process that runs wirehouse code (the CLI, a flow run, an extraction worker) logs so
show_log_arguments_visibly()
