"""Benchmarks: ``python -m bench.<name>``; they start what they need on loopback ports and clean up."""
