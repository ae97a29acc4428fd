"""The benchmark suite: one module a row in benchmarks/rows/, run by ``python -m benchmarks.suite``."""
