#!/usr/bin/env python3
"""Does the PostgreSQL peer answer what the Annals audit service answers?

    python3 check.py AUDIT_URL DSN [--districts a,b] [--dates D1,D2,...] [--step-days N --from D --to D]

The audit service answers a reader's bearer token: ANNALS_TOKEN, or else the line named
--as (city-reader) of the credentials file --credentials (ANNALS_CREDENTIALS; `<name> <token>`
lines), as the annals command reads them.

For each district and date, compares
  /v1/districts/{d}/state?at=D       with peer.state_at: the same open schools, and for each
                                     school and section every figure (students, teachers,
                                     facilities, funds; integers equal, m² and yuan to 1e-6);
  /v1/districts/{d}/indicators?at=D  with peer.indicators_at: the same standard, and per stage
                                     the schools counted, their students, every indicator's
                                     CV (to 1e-6, or undefined on both sides), the composite
                                     CV and the verdict.
Prints each mismatch and a summary line; exits 1 on any mismatch, 0 otherwise.
"""
import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from datetime import date, timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer  # noqa: E402

DEFAULT_DATES = ["2012-03-01", "2013-10-01", "2014-08-31", "2015-10-01", "2016-03-01", "2017-04-18",
                 "2017-04-19", "2018-10-01", "2019-09-01", "2020-12-31", "2021-06-30"]
TOLERANCE = 1e-6
HEADERS = {}  # the bearer token's, set by main()


def get(url):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=HEADERS), timeout=60) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    return abs(float(a) - float(b)) <= TOLERANCE


class Checker:
    def __init__(self, url, conn):
        self.url, self.conn = url.rstrip("/"), conn
        self.mismatches = 0
        self.compared = 0

    def bad(self, where, what, audit, peer_value):
        self.mismatches += 1
        print(f"MISMATCH {where}: {what}: audit {audit!r}, peer {peer_value!r}")

    def same(self, where, what, audit, peer_value):
        self.compared += 1
        if not close(audit, peer_value):
            self.bad(where, what, audit, peer_value)

    def state(self, district, at):
        where = f"{district} state {at}"
        status, body = get(f"{self.url}/v1/districts/{district}/state?at={at}")
        if status != 200:
            self.bad(where, "audit status", status, 200)
            return
        audit = {}
        for s in body["schools"]:
            audit[s["school_id"]] = s["figures"]
        mine = {}
        for row in peer.state_at(self.conn, district, at):
            figures = {k: v for k, v in row.items()
                       if k not in ("school", "name", "kind", "stages", "stage", "full_time_teachers") and v}
            sections = mine.setdefault(row["school"], {})
            if figures:
                sections[row["stage"]] = figures
        if set(audit) != set(mine):
            self.bad(where, "open schools", sorted(audit), sorted(mine))
        for school in sorted(set(audit) & set(mine)):
            a, p = audit[school], mine[school]
            for section in sorted(set(a) | set(p)):
                fa, fp = a.get(section, {}), p.get(section, {})
                for measure in sorted(set(fa) | set(fp)):
                    self.same(f"{where} {school} {section}", measure, fa.get(measure, 0), fp.get(measure, 0))

    def indicators(self, district, at):
        where = f"{district} indicators {at}"
        status, body = get(f"{self.url}/v1/districts/{district}/indicators?at={at}")
        mine = peer.indicators_at(self.conn, district, at)
        if status == 404 and "no standard" in body.get("error", ""):
            if mine["standard"] is not None:
                self.bad(where, "standard", None, mine["standard"])
            return
        if status != 200:
            self.bad(where, "audit status", status, 200)
            return
        if body["standard"]["id"] != mine["standard"]:
            self.bad(where, "standard", body["standard"]["id"], mine["standard"])
            return
        for stage in body["stages"]:
            name = stage["stage"]
            s = mine["summary"].get(name, {})
            w = f"{where} {name}"
            self.same(w, "schools_counted", stage["schools_counted"], s.get("schools_counted"))
            self.same(w, "students", stage["students"], s.get("students"))
            self.same(w, "composite_cv", stage["composite_cv"], s.get("composite_cv"))
            self.same(w, "passes", stage["passes"], s.get("passes"))
            for ind in stage["indicators"]:
                self.same(w, ind["id"] + " cv", ind["cv"], mine["stages"].get(name, {}).get(ind["id"]))
                self.same(w, ind["id"] + " mean", ind["district_value"], s.get("means", {}).get(ind["id"]))


def authorization(args):
    """The Authorization header of the reader's token (none when there is no credential)."""
    token = os.environ.get("ANNALS_TOKEN", "").strip()
    if not token and args.credentials:
        with open(args.credentials) as f:
            lines = [line.split() for line in f if not line.lstrip().startswith("#")]
        token = next((fields[1] for fields in lines if len(fields) >= 2 and fields[0] == args.name), "")
        if not token:
            sys.exit(f"check.py: no line named {args.name!r} in {args.credentials}")
    return {"Authorization": f"Bearer {token}"} if token else {}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("audit_url")
    ap.add_argument("dsn")
    ap.add_argument("--districts", help="comma-separated (default: every district the audit service knows)")
    ap.add_argument("--dates", help="comma-separated YYYY-MM-DD (default: %s)" % ",".join(DEFAULT_DATES))
    ap.add_argument("--step-days", type=int, help="also every N days from --from to --to")
    ap.add_argument("--from", dest="start", default="2011-09-01")
    ap.add_argument("--to", dest="end", default="2022-08-31")
    ap.add_argument("--credentials", default=os.environ.get("ANNALS_CREDENTIALS"),
                    help="a credentials file, `<name> <token>` lines (default ANNALS_CREDENTIALS); "
                         "ANNALS_TOKEN, when set, is used instead")
    ap.add_argument("--as", dest="name", default="city-reader", help="the line of --credentials to use")
    args = ap.parse_args()
    HEADERS.update(authorization(args))

    if args.districts:
        districts = args.districts.split(",")
    else:
        status, body = get(args.audit_url.rstrip("/") + "/v1/districts")
        if status != 200:
            sys.exit(f"check.py: {args.audit_url}/v1/districts answered {status}")
        districts = [d["id"] for d in body["districts"]]
    dates = args.dates.split(",") if args.dates else list(DEFAULT_DATES)
    if args.step_days:
        d, end = date.fromisoformat(args.start), date.fromisoformat(args.end)
        while d <= end:
            dates.append(d.isoformat())
            d += timedelta(days=args.step_days)
    dates = sorted(set(dates))

    checker = Checker(args.audit_url, peer.connect(args.dsn))
    for district in districts:
        for at in dates:
            checker.state(district, at)
            checker.indicators(district, at)
    print(f"check: {len(districts)} districts x {len(dates)} dates, {checker.compared} values compared, "
          f"{checker.mismatches} mismatches")
    sys.exit(1 if checker.mismatches else 0)


if __name__ == "__main__":
    main()
