"""Benchmarks (run by hand, never in CI's timed tests); see docs/performance.md."""
