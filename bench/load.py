"""A bounded load run on the local runtime (sim.load): which Connect quota binds, and how sign-ins fare there.

    python -m bench.load [--rate 20] [--seconds 10]
"""

from __future__ import annotations

import argparse
import logging


def main() -> None:
    """Run and write the ``load`` section of bench/results.json."""
    from bench.results import update_section
    from sim.load import run_load

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=20.0, help="sign-ins per simulated second")
    parser.add_argument("--seconds", type=float, default=10.0, help="simulated seconds")
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)
    report = run_load(rate_per_second=args.rate, seconds=args.seconds).as_dict()
    update_section("load", report)
    print(f"{report['sign_ins_started']} sign-ins: {report['calls_placed']} calls placed, "
          f"{report['connect_requests_throttled']} Connect requests throttled, "
          f"{report['connect_requests_over_concurrency']} over the concurrent-call quota, "
          f"{report['calls_retried']} retried, {report['sign_ins_with_no_call']} got no call")


if __name__ == "__main__":
    main()
