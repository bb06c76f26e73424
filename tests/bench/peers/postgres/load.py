#!/usr/bin/env python3
"""The ETL a municipal IT team would write: Annals events (NDJSON) -> valid-time history tables.

    python3 load.py FILE.ndjson DSN [--schema schema.sql] [--standards DIR]

Reads every event, drops duplicates (same id) and retracted events (record.retracted),
orders each district's events as Annals applies them (effective date, then recorded_at,
then log position), replays each student, teacher and school and writes one row per
version with valid_from/valid_to, closing a row when a later event supersedes it. Then,
in one transaction: (re)creates the schema, COPYs the rows, creates the indexes; then
ANALYZE. Prints {"events": N, "rows": R, "seconds": S, ...} on stdout.

The rules are those of services/history (contributions.cpp, people.cpp,
registry_state.cpp); see README.md for what this design leaves out.
"""
import argparse
import gc
import glob
import io
import json
import os
import sys
import time
from datetime import date, datetime, timezone

import psycopg

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
INFINITY = "infinity"

SYSTEM = {  # event type -> the system (topic) that owns it; the topic orders ties in Annals' log
    "district.registered": 0, "school.opened": 0, "school.closed": 0, "school.merged": 0,
    "school.split": 0, "school.stages_changed": 0, "school.renamed": 0,
    "school.facilities_surveyed": 0, "school.construction_completed": 0,
    "school.equipment_purchased": 0, "cluster.created": 0, "cluster.dissolved": 0,
    "school.joined_cluster": 0, "school.left_cluster": 0,
    "teacher.hired": 1, "teacher.transferred": 1, "teacher.qualification_changed": 1,
    "teacher.title_changed": 1, "teacher.honour_awarded": 1, "teacher.honour_revoked": 1,
    "teacher.left": 1,
    "student.enrolled": 2, "student.transferred": 2, "student.promoted": 2,
    "student.graduated": 2, "student.withdrew": 2, "student.flags_changed": 2,
    "funding.allocated": 3, "budget.appropriated": 3,
    "record.retracted": 4,
}
FACILITY_EVENTS = ("school.facilities_surveyed", "school.construction_completed", "school.equipment_purchased")
QUALIFICATION = ["secondary", "associate", "bachelor", "master", "doctor"]


class Event:
    __slots__ = ("key", "id", "type", "district", "on", "data")

    def __init__(self, line_no, raw):
        self.id = raw["id"]
        self.type = raw["type"]
        self.district = raw["district"]
        self.on = raw["effective_date"]  # YYYY-MM-DD sorts as a date
        self.data = raw["data"]
        if self.type == "teacher.transferred" and raw.get("schema_version", 1) == 1:
            # v1 -> v2 upcast, as events/personnel.h: a permanent transfer whose post moves.
            self.data = dict(self.data, kind="permanent", post_moves=True)
        rec = datetime.fromisoformat(raw["recorded_at"].replace("Z", "+00:00"))
        micros = (rec - datetime(1970, 1, 1, tzinfo=timezone.utc)) // _MICRO
        # Annals applies events by effective date, then recorded_at, then log position
        # (topic, partition, offset); a district's events share one partition per topic and
        # the file is in publication order, so (topic, line) stands for the position.
        self.key = (self.on, micros, SYSTEM.get(self.type, 4), line_no)


_MICRO = datetime.resolution  # timedelta(microseconds=1)


class Versions:
    """Rows of one table: each key holds one state from a date until it changes."""

    def __init__(self):
        self.open = {}  # key -> (state, since)
        self.rows = []  # (key, state, valid_from, valid_to)

    def at(self, key, on, state):
        """From `on`, `key` is in `state` (None: no row)."""
        cur = self.open.get(key)
        if cur is not None:
            if cur[0] == state:
                return
            if cur[1] < on:  # a version superseded on the day it began leaves no row
                self.rows.append((key, cur[0], cur[1], on))
            del self.open[key]
        if state is not None:
            self.open[key] = (state, on)

    def finish(self):
        for key, (state, since) in self.open.items():
            self.rows.append((key, state, since, INFINITY))
        self.open.clear()
        return self.rows


def read_districts(path):
    """Yields (events read, live events in Annals' order) district by district, so that memory
    holds one district at a time (a Beijing-scale file does not fit at once). The file must
    hold each district's events together, as `annals gen` writes them; a retraction only
    ever applies within its own district."""
    done = set()
    current, group = None, []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f):
            if not line.strip():
                continue
            e = Event(n, json.loads(line))
            if e.district != current:
                if current is not None:
                    yield live_events(group)
                    done.add(current)
                if e.district in done:
                    sys.exit(f"load.py: line {n + 1}: district '{e.district}' appears again after another district; "
                             "group each district's events together (annals gen writes them so)")
                current, group = e.district, []
            group.append(e)
    if group:
        yield live_events(group)


def live_events(group):
    events, seen, retractions = [], set(), []
    for e in group:
        if e.id in seen:  # the id is the idempotency key: a record published twice counts once
            continue
        seen.add(e.id)
        events.append(e)
        if e.type == "record.retracted":
            retractions.append(e)
    by_id = {e.id: e for e in events}
    retracted = set()
    for r in retractions:
        target_id = r.data["event_id"]
        if target_id == r.id:
            continue
        target = by_id.get(target_id)
        # Annals refuses to retract a retraction, and a retraction from another district is void.
        if target is None or target.type == "record.retracted" or target.district != r.district:
            continue
        retracted.add(target_id)
    live = [e for e in events if e.type != "record.retracted" and e.id not in retracted]
    live.sort(key=lambda e: (e.district, e.key))
    return len(events), live


# ---------------------------------------------------------------- registry (school_versions)

def registry(district, events, rows):
    """RegistryState::apply over the district's registry events, in apply order."""
    schools = {}
    versions = Versions()

    def resolve(sid):
        for _ in range(64):
            s = schools.get(sid)
            if s is None or s["merged_into"] is None:
                break
            sid = s["merged_into"]
        return sid

    def open_school(sid):
        s = schools.get(resolve(sid))
        return s if s is not None and s["closed_on"] is None else None

    def new_school(p, on):
        return {"school_id": p["school_id"], "name": p["name"], "stages": tuple(p["stages"]), "kind": p["kind"],
                "ownership": p["ownership"], "location": p["location"], "boarding": p["boarding"],
                "township": None, "opened_on": on, "closed_on": None, "closed_reason": None,
                "merged_into": None, "split_from": None}

    def snapshot(s):
        return (s["name"], s["stages"], s["kind"], s["ownership"], s["location"], s["boarding"], s["township"],
                s["opened_on"], s["closed_on"] is None, s["closed_reason"], s["merged_into"], s["split_from"])

    for e in events:
        t, d, on = e.type, e.data, e.on
        if SYSTEM.get(t) != 0 or t in FACILITY_EVENTS:
            continue
        touched = []
        if t == "school.opened":
            ex = schools.get(d["school_id"])
            if ex is not None and ex["closed_on"] is None and ex["name"]:
                continue
            s = new_school(d, on)
            s["township"] = d.get("township")
            schools[d["school_id"]] = s
            touched.append(s)
        elif t == "school.closed":
            s = schools.get(d["school_id"])
            if s is not None and s["closed_on"] is None:
                s["closed_on"], s["closed_reason"] = on, d.get("reason")
                touched.append(s)
        elif t == "school.merged":
            survivor = open_school(d["surviving_id"])
            if survivor is None:
                continue
            for a in d["absorbed_ids"]:
                s = schools.get(a)
                if s is None or s["closed_on"] is not None or a == survivor["school_id"]:
                    continue
                s["closed_on"], s["closed_reason"] = on, "merged into " + survivor["school_id"]
                s["merged_into"] = survivor["school_id"]
                touched.append(s)
        elif t == "school.split":
            source = open_school(d["source_id"])
            if source is None:
                continue
            if d.get("source_closes"):
                source["closed_on"], source["closed_reason"] = on, "split"
                touched.append(source)
            for n in d["new_schools"]:
                if n["school_id"] in schools:
                    continue
                s = new_school(n, on)
                s["split_from"] = source["school_id"]
                schools[n["school_id"]] = s
                touched.append(s)
        elif t == "school.stages_changed":
            s = open_school(d["school_id"])
            if s is not None:
                s["stages"] = tuple(d["stages"])
                touched.append(s)
        elif t == "school.renamed":
            s = schools.get(d["school_id"])
            if s is not None and s["closed_on"] is None:
                s["name"] = d["name"]
                touched.append(s)
        for s in touched:
            versions.at(s["school_id"], on, snapshot(s))
    for sid, st, vf, vt in versions.finish():
        (name, stages, kind, ownership, location, boarding, township, opened_on, is_open, reason, merged_into,
         split_from) = st
        rows["school_versions"].append((district, sid, name, "{" + ",".join(stages) + "}", kind, ownership, location,
                                        boarding, township, opened_on, is_open, reason, merged_into, split_from,
                                        vf, vt))


# ---------------------------------------------------------------- entity timelines

def timelines(events):
    """Each student's, teacher's and school's events in apply order (events/entities.cpp, and
    views::timeline_entities: a teacher's or student's event is not in a school's timeline)."""
    students, teachers, schools = {}, {}, {}
    for e in events:
        t, d = e.type, e.data
        if t.startswith("student."):
            students.setdefault(d["student_id"], []).append(e)
        elif t.startswith("teacher."):
            teachers.setdefault(d["teacher_id"], []).append(e)
        else:
            ids = []
            if t == "school.merged":
                ids = list(d["absorbed_ids"]) + [d["surviving_id"]]
            elif t == "school.split":
                ids = [d["source_id"]] + [n["school_id"] for n in d["new_schools"]]
            elif t == "funding.allocated":
                ids = [d["school_id"]] if d.get("school_id") else []
            elif "school_id" in d:
                ids = [d["school_id"]]
            for sid in dict.fromkeys(ids):
                schools.setdefault(sid, []).append(e)
    return students, teachers, schools


def students_rows(district, students, rows):
    out = rows["enrolments"]
    for sid, timeline in students.items():
        v = Versions()
        s = {"enrolled": False}
        for e in timeline:
            t, d = e.type, e.data
            if t == "student.enrolled":
                s = {"enrolled": True, "school": d["school_id"], "stage": d["stage"], "grade": d["grade"],
                     "admission": d["admission"], "migrant": d["migrant"], "disability": d["disability"],
                     "boarding": d["boarding"], "hardship": d.get("hardship_tier", 0)}
            elif t == "student.transferred":
                s["school"] = d["to_school_id"]
                if d.get("grade") is not None:
                    s["grade"] = d["grade"]
                s["stage"] = "junior" if s.get("grade", 0) >= 7 else "primary"
            elif t == "student.promoted":
                s["grade"] = d["grade"]
                s["stage"] = "junior" if d["grade"] >= 7 else "primary"
            elif t in ("student.graduated", "student.withdrew"):
                s["enrolled"] = False
            elif t == "student.flags_changed":
                for k, f in (("migrant", "migrant"), ("disability", "disability"), ("boarding", "boarding"),
                             ("hardship", "hardship_tier")):
                    if d.get(f) is not None:
                        s[k] = d[f]
            state = None
            if s["enrolled"]:
                state = (s["school"], s["stage"], s["grade"], s["admission"], s["migrant"], s["disability"],
                         s["boarding"], s["hardship"])
            v.at(sid, e.on, state)
        for key, st, vf, vt in v.finish():
            out.append((district, key) + st + (vf, vt))


def teachers_rows(district, teachers, rows):
    assignments, honours = rows["teacher_assignments"], rows["teacher_honours"]
    for tid, timeline in teachers.items():
        v, h = Versions(), Versions()
        t = {"employed": False, "returns": None, "honours": set()}

        def state():
            if not t["employed"]:
                return None  # part-time teachers keep a row (full_time false); the queries skip them
            return (t["school"], t["stage"], t["subject"], t["qualification"], t["title"], t["full_time"], t["post"])

        def settle(until):
            r = t["returns"]
            if r is None or r[0] > until:
                return
            t["school"], t["returns"] = r[1], None
            v.at(tid, r[0], state())  # a rotation or support teaching ends by itself

        for e in timeline:
            typ, d, on = e.type, e.data, e.on
            settle(on)
            if typ == "teacher.hired":
                t.update(employed=True, school=d["school_id"], stage=d["stage"], subject=d["subject"],
                         qualification=d["qualification"], title=d["title"], full_time=d.get("full_time", True),
                         post=d["school_id"] if d.get("holds_post", True) else None)
            elif typ == "teacher.transferred":
                if d.get("kind", "permanent") != "permanent" and d.get("end_date"):
                    t["returns"] = (d["end_date"], t.get("school"))
                else:
                    t["returns"] = None
                t["school"] = d["to_school_id"]
                if d.get("to_stage"):
                    t["stage"] = d["to_stage"]
                if d.get("post_moves"):
                    t["post"] = d["to_school_id"]
            elif typ == "teacher.qualification_changed":
                t["qualification"] = d["qualification"]
            elif typ == "teacher.title_changed":
                t["title"] = d["title"]
            elif typ == "teacher.honour_awarded":
                h.at((d["honour"], d["level"]), on, True)
            elif typ == "teacher.honour_revoked":
                h.at((d["honour"], d["level"]), on, None)
            elif typ == "teacher.left":
                t["employed"], t["returns"] = False, None
            v.at(tid, on, state())
        if t["returns"] is not None:
            settle(t["returns"][0])
        for key, st, vf, vt in v.finish():
            assignments.append((district, key) + st + (vf, vt))
        for (honour, level), _, vf, vt in h.finish():
            honours.append((district, tid, honour, level, vf, vt))


def centi(x):
    return int(round(float(x) * 100))


def schools_rows(district, schools, rows):
    """Facilities as absolute levels per section (contributions.cpp fold_facilities), and funds."""
    facilities, funds = rows["school_facilities"], rows["school_funds"]

    def section(d):
        return d.get("stage") or "whole"

    def fold(school, timeline, versions, stop_at=None, path=None):
        path = path if path is not None else [school]
        by_section, standing = {}, False
        for e in timeline:
            if e.id == stop_at:
                break
            t, d, on = e.type, e.data, e.on
            if t == "school.opened":
                if d["school_id"] == school:
                    standing = True
            elif t == "school.split":
                if d["source_id"] == school and d.get("source_closes"):
                    standing = False
                elif d["source_id"] != school:
                    standing = True
            elif t == "school.closed":
                standing = False
            elif t == "school.facilities_surveyed":
                by_section[section(d)] = [centi(d["floor_area_m2"]), centi(d["sports_area_m2"]),
                                          d["equipment_value_fen"], d["multimedia_classrooms"], d["computers"],
                                          d["books"]]
            elif t == "school.construction_completed":
                f = by_section.setdefault(section(d), [0] * 6)
                f[0] += centi(d["floor_area_m2"])
                f[1] += centi(d["sports_area_m2"])
            elif t == "school.equipment_purchased":
                f = by_section.setdefault(section(d), [0] * 6)
                f[2] += d["equipment_value_fen"]
                f[3] += d["multimedia_classrooms"]
                f[4] += d["computers"]
                f[5] += d["books"]
            elif t == "school.merged":
                if d["surviving_id"] == school:
                    if d.get("facilities_move") is not False:
                        for a in d["absorbed_ids"]:
                            if a == school or len(path) > 8 or a in path:
                                continue
                            # The absorbed school's facilities just before the merger move here.
                            path.append(a)
                            before = [x for x in schools.get(a, []) if x.on <= on]
                            absorbed = fold(a, before, None, stop_at=e.id, path=path)[0]
                            path.pop()
                            for sec, vals in absorbed.items():
                                f = by_section.setdefault(sec, [0] * 6)
                                for i in range(6):
                                    f[i] += vals[i]
                else:
                    standing = False
            elif t == "funding.allocated" and versions is not None:
                fy = int(d["fiscal_year"])
                funds.append((district, school, d["category"], fy, d["amount_fen"], d.get("funding_source", ""),
                              "%04d-01-01" % fy, "%04d-01-01" % (fy + 1)))
            if versions is not None:
                for sec in ("primary", "junior", "whole"):
                    vals = by_section.get(sec)
                    ok = standing and vals is not None and any(vals)
                    versions.at((school, sec), on, tuple(vals) if ok else None)
        return by_section, standing

    for sid, timeline in schools.items():
        v = Versions()
        fold(sid, timeline, v)
        for (school, sec), vals, vf, vt in v.finish():
            facilities.append((district, school, sec) + vals + (vf, vt))


# ---------------------------------------------------------------- standards

def standards_rows(directory, rows):
    for path in sorted(glob.glob(os.path.join(directory, "*.json"))):
        s = json.load(open(path, encoding="utf-8"))
        rule, excl = s["district_rule"], s.get("exclusions", {})
        rows["standards"].append((s["id"], s.get("title", s["id"]), s.get("reference", ""), s["effective_from"],
                                  "{" + ",".join(s.get("districts", [])) + "}", s.get("by_default", True),
                                  rule["kind"] == "composite_cv",
                                  rule["max_cv"].get("primary"), rule["max_cv"].get("junior"),
                                  "{" + ",".join(excl.get("kinds", [])) + "}",
                                  excl.get("teaching_points_under_students", 0)))
        for i, ind in enumerate(s["indicators"]):
            m = ind.get("minimum", {})
            rows["standard_indicators"].append((s["id"], i, ind["id"], ind.get("name", ind["id"]), ind["measure"],
                                                float(ind.get("per_students", 1)), m.get("primary"), m.get("junior")))


# ---------------------------------------------------------------- COPY

TABLES = ["standards", "standard_indicators", "school_versions", "enrolments", "teacher_assignments",
          "teacher_honours", "school_facilities", "school_funds"]


def _text(v):
    if v is None:
        return "\\N"
    if v is True:
        return "t"
    if v is False:
        return "f"
    s = str(v)
    if "\\" in s or "\t" in s or "\n" in s or "\r" in s:
        s = s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return s


def copy_rows(cur, table, rows):
    buf = io.StringIO()
    n = 0
    with cur.copy(f"COPY annals.{table} FROM STDIN WITH (FREEZE)") as copy:
        for r in rows:
            buf.write("\t".join(map(_text, r)))
            buf.write("\n")
            n += 1
            if n % 50000 == 0:
                copy.write(buf.getvalue())
                buf = io.StringIO()
        copy.write(buf.getvalue())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file")
    ap.add_argument("dsn")
    ap.add_argument("--schema", default=os.path.join(HERE, "schema.sql"))
    ap.add_argument("--standards", default=os.path.join(REPO, "services", "audit", "standards"))
    ap.add_argument("--indexes", choices=["btree", "gist"], default="btree",
                    help="btree: schema.sql's; gist: GiST on (district, daterange) instead, for comparison "
                         "(query it with ANNALS_PG_PREDICATE=range)")
    args = ap.parse_args()

    t0 = time.monotonic()
    gc.disable()  # many small objects that live to the end of a district: the cyclic GC would only rescan them
    schema = open(args.schema, encoding="utf-8").read()
    tables_sql, indexes_sql = schema.split("-- @indexes", 1)
    if args.indexes == "gist":
        tables_sql = "CREATE EXTENSION IF NOT EXISTS btree_gist;\n" + tables_sql
        indexes_sql = "".join(
            f"CREATE INDEX {t}_valid ON annals.{t} USING gist (district, daterange(valid_from, valid_to, '[)'));\n"
            for t in TABLES if t not in ("standards", "standard_indicators"))
    n_events = 0
    counts = {t: 0 for t in TABLES}
    phases = {"read_and_derive": 0.0, "copy": 0.0}
    with psycopg.connect(args.dsn, autocommit=False) as conn:
        with conn.cursor() as cur:
            # One transaction: tables created, filled and indexed in it skip the WAL with
            # wal_level=minimal (see server.py) and are synced at commit; FREEZE spares the
            # later hint-bit rewrite.
            cur.execute(tables_sql)

            def copy_all(rows):
                t = time.monotonic()
                for table in TABLES:
                    copy_rows(cur, table, rows[table])
                    counts[table] += len(rows[table])
                phases["copy"] += time.monotonic() - t

            rows = {t: [] for t in TABLES}
            standards_rows(args.standards, rows)
            copy_all(rows)
            t = time.monotonic()
            for read, events in read_districts(args.file):  # one district at a time
                n_events += read
                rows = {t: [] for t in TABLES}
                if events:
                    district = events[0].district
                    registry(district, events, rows)
                    students, teachers, schools = timelines(events)
                    students_rows(district, students, rows)
                    teachers_rows(district, teachers, rows)
                    schools_rows(district, schools, rows)
                del events
                phases["read_and_derive"] += time.monotonic() - t
                copy_all(rows)
                del rows
                t = time.monotonic()
            t_copy = time.monotonic()
            cur.execute(indexes_sql)
        conn.commit()
        t_index = time.monotonic()
        conn.autocommit = True
        conn.execute("ANALYZE")
    t_end = time.monotonic()
    print(json.dumps({
        "events": n_events, "rows": sum(counts.values()), "seconds": round(t_end - t0, 3),
        "phases": {"read_and_derive": round(phases["read_and_derive"], 3), "copy": round(phases["copy"], 3),
                   "index": round(t_index - t_copy, 3), "analyze": round(t_end - t_index, 3)},
        "rows_by_table": counts,
    }))


if __name__ == "__main__":
    main()
