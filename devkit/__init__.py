"""Development tools shared by tests/ and bench/: the simulated newsroom, free ports, a
throwaway PostgreSQL. Installed by the repository's editable install, never in the wheel."""
