#!/usr/bin/env python3
"""Query latency of the PostgreSQL peer: state_at and indicators_at over many dates.

    python3 latency.py DSN [--districts a,b] [--dates N] [--rounds R] [--seed S]

Asks each question for every district at N dates drawn (seeded) between 2012-09-01 and
2021-08-31, R rounds, on one connection (prepared statements, warm cache after the first
round, which is not counted when R > 1). Prints JSON: per question p50, p90, max, in ms.
"""
import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dsn")
    ap.add_argument("--districts")
    ap.add_argument("--dates", type=int, default=25)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seed", type=int, default=2012)
    args = ap.parse_args()

    conn = peer.connect(args.dsn)
    districts = (args.districts.split(",") if args.districts else
                 [r[0] for r in conn.execute("SELECT DISTINCT district FROM annals.school_versions ORDER BY 1")])
    rng = random.Random(args.seed)
    first, span = date(2012, 9, 1), (date(2021, 8, 31) - date(2012, 9, 1)).days
    dates = [(first + timedelta(days=rng.randrange(span))).isoformat() for _ in range(args.dates)]
    out = {"districts": districts, "dates": len(dates), "rounds": args.rounds}
    for name, fn in (("state_at", peer.state_at), ("indicators_at", peer.indicators_at)):
        samples = []
        for r in range(args.rounds):
            for d in districts:
                for at in dates:
                    t = time.perf_counter()
                    fn(conn, d, at)
                    if r > 0 or args.rounds == 1:
                        samples.append((time.perf_counter() - t) * 1000)
        samples.sort()
        out[name] = {"n": len(samples), "p50_ms": round(statistics.median(samples), 2),
                     "p90_ms": round(samples[int(len(samples) * 0.9) - 1], 2), "max_ms": round(samples[-1], 2)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
