"""Benchmarks and the loopback fakes they share with the tests."""
