"""The third-party conformance harness: how much of the real world's bots and flows the local runtime handles.

``python -m tests.third_party report`` loads every bot and runs every flow in ``tests/fixtures/third_party``
and prints the outcomes; ``test_conformance.py`` keeps the runtime from doing worse than ``baseline.json``.
"""
