"""The benchmark commands (`python -m tests.benchmarks.<name>`): each prints a table with its
baseline measured in the same run. They sit beside the tests, outside the production packages,
because nothing in the studio imports them; docs/benchmarks.md says how to run each."""
