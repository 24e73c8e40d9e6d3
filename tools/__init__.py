"""Operator command-line tools: they call this project's deployed functions with the operator's own AWS
credentials (``python -m tools.<tool> --help``)."""
