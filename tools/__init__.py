"""Developer scripts that are not part of the wirehouse package (`make docs`)."""
