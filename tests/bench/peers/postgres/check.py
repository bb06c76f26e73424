#!/usr/bin/env python3
"""Does the PostgreSQL peer answer what the Annals audit service answers, on both clocks?

    python3 check.py AUDIT_URL DSN [--districts a,b] [--dates D1,D2,...] [--step-days N --from D --to D]
                     [--recorded-days 0,30,400] [--diffs D1:D2,...]

The audit service answers a reader's bearer token: ANNALS_TOKEN, or else the line named
--as (city-reader) of the credentials file --credentials (ANNALS_CREDENTIALS; `<name> <token>`
lines), as the annals command reads them.

For each district and date D, as currently known and as recorded at the end of D + N days
for each N of --recorded-days (default 0, 30, 400: the record on the day, a month and
more than a year later), compares
  /v1/districts/{d}/state?at=D[&recorded_at=T]       with peer.state_at: the same open
                                     schools, and for each school and section every figure
                                     (students, teachers, facilities, funds; integers equal,
                                     m² and yuan to 1e-6);
  /v1/districts/{d}/indicators?at=D[&recorded_at=T]  with peer.indicators_at: the same
                                     standard, and per stage the schools counted, their
                                     students, every indicator's CV (to 1e-6, or undefined on
                                     both sides) and weighted mean, the composite CV and the
                                     verdict.
For each district and pair D1:D2 of --diffs, on both clocks (current at both points; D1 as
recorded on D1 against current; D1 as recorded on D1 against D2 as recorded on D2; D1 a
month and D2 more than a year later; current against D2 as recorded on D2; and RFC 3339
times at noon), compares
  /v1/districts/{d}/diff?from=D1&to=D2[&from_recorded_at=T1][&to_recorded_at=T2]
                                     with peer.diff: the schools opened and stopped (with
                                     their closing), each changed school's record changes and
                                     every figure change, the totals, the causing events
                                     counted by type, and the first 500 of them (?limit=500; ids, order,
                                     which are corrections).
And at the edges of transaction time: for the --edges latest late records and the --edges
first retractions of each district (from the peer's events table), the state and indicators
on the event's effective date as recorded at the very microsecond it was recorded (or
retracted), and the microsecond before.
Prints each mismatch and a summary line; exits 1 on any mismatch, 0 otherwise.
"""
import argparse
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from datetime import date, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer  # noqa: E402

DEFAULT_DATES = ["2012-03-01", "2013-10-01", "2014-08-31", "2015-10-01", "2016-03-01", "2017-04-18",
                 "2017-04-19", "2018-10-01", "2019-09-01", "2020-12-31", "2021-06-30"]
DEFAULT_DIFFS = ["2012-03-01:2012-03-01", "2014-08-30:2014-09-01", "2015-09-01:2016-09-01",
                 "2018-10-01:2019-09-01"]
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

    def state(self, district, at, recorded_at=None):
        where = f"{district} state {at}" + (f" recorded {recorded_at}" if recorded_at else "")
        status, body = get(f"{self.url}/v1/districts/{district}/state?at={at}{query('recorded_at', recorded_at)}")
        if status != 200:
            self.bad(where, "audit status", status, 200)
            return
        audit = {}
        for s in body["schools"]:
            audit[s["school_id"]] = s["figures"]
        mine = {}
        for row in peer.state_at(self.conn, district, at, recorded_at):
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

    def indicators(self, district, at, recorded_at=None):
        where = f"{district} indicators {at}" + (f" recorded {recorded_at}" if recorded_at else "")
        status, body = get(f"{self.url}/v1/districts/{district}/indicators?at={at}"
                           f"{query('recorded_at', recorded_at)}")
        mine = peer.indicators_at(self.conn, district, at, recorded_at)
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


    def diff(self, district, d1, d2, t1=None, t2=None):
        where = f"{district} diff {d1}" + (f"@{t1}" if t1 else "") + f" -> {d2}" + (f"@{t2}" if t2 else "")
        status, audit = get(f"{self.url}/v1/districts/{district}/diff?from={d1}&to={d2}&limit=500"
                            f"{query('from_recorded_at', t1)}{query('to_recorded_at', t2)}")
        try:
            mine = peer.diff(self.conn, district, d1, d2, t1, t2, limit=500)
        except ValueError as e:  # a question the audit service refuses too (400)
            self.equal(where, "refused", (status, audit.get("error")), (400, audit.get("error") and str(e)))
            return
        if status != 200:
            self.bad(where, "audit status", status, 200)
            return
        self.equal(where, "schools_opened", audit["schools_opened"], mine["schools_opened"])
        self.equal(where, "schools_stopped", audit["schools_stopped"], mine["schools_stopped"])
        a = {c["school_id"]: c for c in audit["schools_changed"]}
        p = {c["school_id"]: c for c in mine["schools_changed"]}
        self.equal(where, "schools changed", sorted(a), sorted(p))
        for school in sorted(set(a) & set(p)):
            w = f"{where} {school}"
            self.equal(w, "name", a[school]["name"], p[school]["name"])
            self.equal(w, "record", sorted(a[school]["record"]), sorted(p[school]["record"]))
            self.changes(w, a[school]["figures"], p[school]["figures"])
        self.changes(f"{where} totals", audit["totals"], mine["totals"])
        self.equal(where, "events_by_type", audit["events_by_type"], mine["events_by_type"])
        self.equal(where, "events_total", audit["events_total"], mine["events_total"])
        self.equal(where, "events (id, correction), in order",
                   [(e["id"], e.get("correction", False)) for e in audit["events"]],
                   [(e["id"], e.get("correction", False)) for e in mine["events"]])

    def changes(self, where, audit, mine):
        """Figure changes, by (section, measure): before and after (m², yuan to 1e-6)."""
        a = {(c["section"], c["measure"]): c for c in audit}
        p = {(c["section"], c["measure"]): c for c in mine}
        if set(a) != set(p):
            self.bad(where, "figures that changed", sorted(a), sorted(p))
        for k in sorted(set(a) & set(p)):
            for field in ("unit", "before", "after", "change"):
                if field == "unit":
                    self.equal(where, f"{k[0]} {k[1]} unit", a[k]["unit"], p[k]["unit"])
                else:
                    self.same(where, f"{k[0]} {k[1]} {field}", a[k][field], p[k][field])

    def equal(self, where, what, audit, peer_value):
        self.compared += 1
        if audit != peer_value:
            self.bad(where, what, audit, peer_value)


EDGES_SQL = """
(SELECT effective_date, recorded_at FROM annals.events WHERE district = %(d)s AND type <> 'record.retracted'
 ORDER BY recorded_at - effective_date::timestamptz DESC, event_id LIMIT %(n)s)
UNION ALL
(SELECT effective_date, retracted_at FROM annals.events WHERE district = %(d)s AND retracted_at IS NOT NULL
 ORDER BY retracted_at, event_id LIMIT %(n)s)
"""


def edges(conn, district, n):
    """(date, recorded time) pairs at the edges of transaction time (module docstring)."""
    out = []
    for on, t in conn.execute(EDGES_SQL, {"d": district, "n": n}).fetchall():
        for ts in (t, t - timedelta(microseconds=1)):
            out.append((on.isoformat(), ts.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")))
    return out


def query(name, value):
    return f"&{name}={urllib.parse.quote(value)}" if value else ""


def later(day, days):
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


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
    ap.add_argument("--recorded-days", default="0,30,400",
                    help="also as recorded at the end of D + N days, for each N (default 0,30,400; empty: "
                         "current knowledge only)")
    ap.add_argument("--diffs", default=",".join(DEFAULT_DIFFS),
                    help="D1:D2 pairs to compare the diff of, on both clocks (default %(default)s; empty: none)")
    ap.add_argument("--edges", type=int, default=5,
                    help="late records and retractions per district whose edges to check (default 5)")
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

    offsets = [int(n) for n in args.recorded_days.split(",") if n.strip()]
    pairs = [tuple(p.split(":")) for p in args.diffs.split(",") if p.strip()]

    checker = Checker(args.audit_url, peer.connect(args.dsn))
    for district in districts:
        for at in dates:
            for recorded_at in [None] + [later(at, n) for n in offsets]:
                checker.state(district, at, recorded_at)
                checker.indicators(district, at, recorded_at)
    n_edges = 0
    for district in districts:
        for at, recorded_at in edges(checker.conn, district, args.edges):
            checker.state(district, at, recorded_at)
            checker.indicators(district, at, recorded_at)
            n_edges += 1
    clocks = 0
    for district in districts:
        for d1, d2 in pairs:
            for t1, t2 in [(None, None), (d1, None), (d1, d2), (later(d1, 30), later(d2, 400)), (None, d2),
                           (f"{d1}T12:00:00+08:00", f"{later(d2, 30)}T04:00:00Z")]:
                checker.diff(district, d1, d2, t1, t2)
                clocks += 1
    print(f"check: {len(districts)} districts x {len(dates)} dates x {1 + len(offsets)} recorded times, "
          f"{n_edges} edges of transaction time, {clocks} diffs, {checker.compared} values compared, "
          f"{checker.mismatches} mismatches")
    sys.exit(1 if checker.mismatches else 0)


if __name__ == "__main__":
    main()
