"""Testing a swarm on a dataset: rows of inputs (dataset.py), checks on what each run produced
(checks.py, judge.py), a runner that runs the mission once per row (runner.py), and the
report, alone or side by side (report.py). No database and no UI: the CLI and the studio store
and show what these return.
"""
