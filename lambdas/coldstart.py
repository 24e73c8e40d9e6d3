"""Import a handler without the cyclic garbage collector running over it: import it first, call ``loaded()`` last.

A cold start allocates tens of thousands of long-lived objects (boto3's models, Powertools, our modules) and
almost no garbage (about 400 unreachable objects after importing a whole handler). With the collector on,
every few hundred allocations start a collection, and the full ones walk every object loaded so far (about
16 ms each for a handler's 37,000 objects). Measured from the shipped assets, pausing it took Create from
1.35x to 1.21x the import time of boto3 and Verify from 1.30x to 1.21x. Importing this module pauses the
collector; ``loaded()`` moves everything the import built into the permanent generation (``gc.freeze``: it
lives as long as the container, and later collections during invocations no longer walk it) and turns the
collector back on.

Import order matters once more: a handler that calls AWS imports boto3 (``lambdas.common.core.aws``) before
Powertools. Measured, urllib3's dozen URL regular expressions (compiled when botocore imports it) take about
19 ms to compile when boto3 comes first and about 56 ms when Powertools is already loaded (Verify: 1.21x ->
1.08x boto3); why Powertools slows ``re`` compilation down is not yet understood.

A handler module imports this first (``from lambdas import coldstart`` sorts before every other
project import) and calls ``coldstart.loaded()`` as its last statement; the shipped-imports test checks that
each handler leaves the collector on.
"""

from __future__ import annotations

import gc

gc.disable()


def loaded() -> None:
    """The handler module has finished importing: freeze what it built and collect again from here on."""
    gc.freeze()
    gc.enable()
