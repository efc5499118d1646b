"""The pieces of scripts/bench.py (see its docstring): one job per module."""
