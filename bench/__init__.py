"""Throughput, memory and competitor benchmarks of the pipeline (issue 8). Run ``python -m bench.run``."""
