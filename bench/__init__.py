"""`make bench`: the pipeline's wall time, stages, memory and throughput against a hand-written DuckDB baseline."""
