"""Benchmarks, run on demand (`make bench-nlu`, `make bench-answers`); each prints a table."""
