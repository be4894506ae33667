"""Benchmarks of the whole pipeline and of its costly parts (`make bench`, `bench-memory`,
`bench-scaleout`): run each as `python -m bench.NAME`; results go to bench/results/."""
