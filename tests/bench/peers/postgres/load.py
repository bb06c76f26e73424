#!/usr/bin/env python3
"""The ETL a municipal IT team would write: Annals events (NDJSON) -> bitemporal history tables.

    python3 load.py FILE.ndjson DSN [--schema schema.sql] [--standards DIR] [--indexes btree|gist]
    python3 load.py FILE.ndjson --verify-fast-path       # no database: the ETL's two paths agree

Reads every event and drops duplicates (same id). Each row of a history table is a version
of something (a student's enrolment, a teacher's assignment or honour, a school's registry
record or facilities, an allocation) on two clocks: valid time (valid_from inclusive,
valid_to exclusive: when it was true) and transaction time (sys_from inclusive, sys_to
exclusive: while the record said so; 'infinity' while it still does).

At recorded time T the record is the events recorded by T and not retracted by a
record.retracted recorded by T (services/views/format.h, ViewEntry::visible_at). The rows
the record gives at T are the valid-time derivation (the rules of services/history:
contributions.cpp, people.cpp, registry_state.cpp) of the events visible at T, in Annals'
apply order (effective date, recorded_at, log position). A row's sys_from is the first
recorded time at which the derivation produced it, its sys_to the one at which it stopped.
Per entity (a student, a teacher, a school's facilities, the district's registry) the ETL
replays its events once in recorded order while they arrive in apply order (the fast path)
and re-derives the entity from scratch at a recorded time that does not (a late record, a
retraction); README.md says why the two agree, and --verify-fast-path checks it against a
re-derivation at every recorded time.

Then, in one transaction: (re)creates the schema, COPYs the rows and the events, creates
the indexes; then VACUUM (FREEZE, ANALYZE) and a CHECKPOINT, so that the tables are ready for
questions and nothing of the load is left for autovacuum or the checkpointer to do while the
questions are timed (both share the two cores with the audit service). Prints {"events": N,
"rows": R, "seconds": S, ...} on stdout; the "analyze" phase is that settling.
"""
import argparse
import gc
import glob
import io
import json
import os
import sys
import time
from collections import Counter
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
INFINITY = "infinity"
NEVER = 1 << 62  # a recorded time (µs) after every real one: "not retracted", "still what the record says"

SYSTEM = {  # event type -> the system (topic) that owns it; the topic orders ties in Annals' log
    "district.registered": 0, "school.opened": 0, "school.closed": 0, "school.merged": 0,
    "school.split": 0, "school.stages_changed": 0, "school.renamed": 0,
    "school.facilities_surveyed": 0, "school.construction_completed": 0,
    "school.equipment_purchased": 0, "cluster.created": 0, "cluster.dissolved": 0,
    "school.joined_cluster": 0, "school.left_cluster": 0, "school.classes_counted": 0,
    "teacher.hired": 1, "teacher.transferred": 1, "teacher.qualification_changed": 1,
    "teacher.title_changed": 1, "teacher.honour_awarded": 1, "teacher.honour_revoked": 1,
    "teacher.left": 1,
    "student.enrolled": 2, "student.transferred": 2, "student.promoted": 2,
    "student.graduated": 2, "student.withdrew": 2, "student.flags_changed": 2,
    "district.disabled_children_counted": 2, "district.senior_high_quota_allocated": 2,
    "funding.allocated": 3, "budget.appropriated": 3,
    "record.retracted": 4,
}
FACILITY_EVENTS = ("school.facilities_surveyed", "school.construction_completed", "school.equipment_purchased")
# The registry events that change a school's record (school_versions); clusters and the
# district's own registration do not.
REGISTRY_ROW_EVENTS = ("school.opened", "school.closed", "school.merged", "school.split", "school.stages_changed",
                       "school.renamed")
QUALIFICATION = ["secondary", "associate", "bachelor", "master", "doctor"]
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICRO = datetime.resolution  # timedelta(microseconds=1)


class Event:
    __slots__ = ("key", "id", "type", "district", "on", "data", "rec", "recorded", "line")

    def __init__(self, line_no, raw):
        self.id = raw["id"]
        self.type = raw["type"]
        self.district = raw["district"]
        self.on = raw["effective_date"]  # YYYY-MM-DD sorts as a date
        self.data = raw["data"]
        if self.type == "teacher.transferred" and raw.get("schema_version", 1) == 1:
            # v1 -> v2 upcast, as events/personnel.h: a permanent transfer whose post moves.
            self.data = dict(self.data, kind="permanent", post_moves=True)
        self.recorded = raw["recorded_at"]
        rec = datetime.fromisoformat(self.recorded.replace("Z", "+00:00"))
        self.rec = (rec - _EPOCH) // _MICRO  # the recorded time, µs since 1970 (Annals' Timestamp)
        self.line = line_no
        # Annals applies events by effective date, then recorded_at, then log position
        # (topic, partition, offset); a district's events share one partition per topic and
        # the file is in publication order, so (topic, line) stands for the position.
        self.key = (self.on, self.rec, SYSTEM.get(self.type, 4), line_no)


class Versions:
    """Rows of one table: each key holds one state from a date until it changes. `rows` (the
    closed versions) only grows; `open` holds each key's current version."""

    def __init__(self, table, dirty):
        self.table = table
        self.open = {}  # key -> (state, since)
        self.rows = []  # (table, key, state, valid_from, valid_to)
        self.dirty = dirty  # the (table, key) touched since the driver last looked

    def at(self, key, on, state):
        """From `on`, `key` is in `state` (None: no row)."""
        self.dirty.add((self.table, key))
        cur = self.open.get(key)
        if cur is not None:
            if cur[0] == state:
                return
            if cur[1] < on:  # a version superseded on the day it began leaves no row
                self.rows.append((self.table, key, cur[0], cur[1], on))
            del self.open[key]
        if state is not None:
            self.open[key] = (state, on)

    def tail(self, key):
        cur = self.open.get(key)
        return [(self.table, key, cur[0], cur[1], INFINITY)] if cur is not None else []


class Fold:
    """One entity's valid-time derivation: events are fed in apply order; its rows are the
    closed versions plus what finish() would add (tail)."""

    def __init__(self, *tables):
        self.dirty = set()
        self.versions = [Versions(t, self.dirty) for t in tables]
        self.by_table = {v.table: v for v in self.versions}

    def tail(self, tk):
        """The rows `tk` = (table, key) would end with if no other event came."""
        return self.by_table[tk[0]].tail(tk[1])

    def keys(self):
        return [(v.table, k) for v in self.versions for k in v.open]

    def finish(self):
        """Every row, the open versions closed at infinity (the rows of the valid-time ETL)."""
        out = []
        for v in self.versions:
            out.extend(v.rows)
            out.extend((v.table, k, st, since, INFINITY) for k, (st, since) in v.open.items())
        return out


# ---------------------------------------------------------------- reading

def read_districts(path):
    """Yields each district's events (deduplicated, in file order) one district at a time, so
    that memory holds one district (a Beijing-scale file does not fit at once). The file must
    hold each district's events together, as `annals gen` writes them; a retraction only ever
    applies within its own district."""
    done = set()
    current, group, seen = None, [], set()
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f):
            if not line.strip():
                continue
            e = Event(n, json.loads(line))
            if e.district != current:
                if current is not None:
                    yield group
                    done.add(current)
                if e.district in done:
                    sys.exit(f"load.py: line {n + 1}: district '{e.district}' appears again after another district; "
                             "group each district's events together (annals gen writes them so)")
                current, group, seen = e.district, [], set()
            if e.id in seen:  # the id is the idempotency key: a record published twice counts once
                continue
            seen.add(e.id)
            group.append(e)
    if group:
        yield group


def the_record(group):
    """(the events Annals keeps in its log, the other events in apply order, each retracted
    event's retraction time). A retraction's time is its recorded_at; the first one wins.
    Annals refuses (dead-letters) a retraction of itself, of a retraction, or of another
    district's event: it is not in the log and retracts nothing. One of an unknown id is kept
    and retracts nothing."""
    by_id = {e.id: e for e in group}
    kept, retracted_at = [], {}
    for e in group:
        if e.type == "record.retracted":
            target = by_id.get(e.data["event_id"])
            if e.data["event_id"] == e.id:
                continue
            if target is not None:
                if target.type == "record.retracted" or target.district != e.district:
                    continue
                if e.rec < retracted_at.get(target.id, NEVER):
                    retracted_at[target.id] = e.rec
        kept.append(e)
    events = [e for e in group if e.type != "record.retracted"]
    events.sort(key=lambda e: e.key)
    return kept, events, retracted_at


# ---------------------------------------------------------------- the two clocks

def drive(make, events, retracted_at, emit):
    """The bitemporal rows of one entity. `make()` gives a fresh Fold; `events` are every
    event that can matter to it, in apply order; `emit(row, sys_from, sys_to)` receives each
    row with its transaction-time period (µs; NEVER: still current). Returns how many
    recorded times needed a re-derivation.

    At each recorded time T at which the entity's record changes (an event recorded, or
    retracted): when the events recorded at T all come after every event already fed, in
    apply order, and nothing is retracted at T (the fast path), they are fed to the running
    fold: the closed versions are then final (later events are on or after their end), so
    only the touched keys' open versions (tail) are compared with what they were. Otherwise
    (a late record, a retraction) the entity is re-derived from its events visible at T and
    every row compared. A row present before and after keeps its sys_from; one that went
    away gets sys_to = T; a new one sys_from = T."""
    ever = [e for e in events if retracted_at.get(e.id, NEVER) > e.rec]  # visible at some time
    if not ever:
        return 0
    schedule = {}  # recorded time -> (events recorded then, events retracted then)
    for e in ever:
        s = schedule.get(e.rec)
        if s is None:
            s = schedule[e.rec] = ([], [])
        s[0].append(e)
        r = retracted_at.get(e.id)
        if r is not None:
            schedule.setdefault(r, ([], []))[1].append(e)
    fold = make()
    marks = [0] * len(fold.versions)
    last = None  # the key of the last event fed
    closed = {}  # row -> sys_from: the fold's closed versions
    tails = {}  # (table, key) -> {row: sys_from}: its open versions, as finish() would close them
    rebuilds = 0

    def retail(tk, old, t):
        """The fold's open versions of `tk` become its tail; a row it had already keeps its
        sys_from (taken out of `old`), a new one starts at `t`."""
        new = {row: old.pop(row, t) for row in fold.tail(tk)}
        if new:
            tails[tk] = new

    for t in sorted(schedule):
        adds, removes = schedule[t]
        if not removes and adds and (last is None or adds[0].key > last):
            fold.dirty.clear()
            for e in adds:
                fold.feed(e, t)
            last = adds[-1].key
            new_closed = {}
            for i, v in enumerate(fold.versions):
                for row in v.rows[marks[i]:]:
                    new_closed.setdefault((row[0], row[1]), []).append(row)
                marks[i] = len(v.rows)
            for tk in fold.dirty:
                old = tails.pop(tk, None) or {}
                for row in new_closed.get(tk, ()):
                    closed[row] = old.pop(row, t)
                retail(tk, old, t)
                for row, since in old.items():
                    emit(row, since, t)
            continue
        rebuilds += 1
        fold = make()
        last = None
        for e in ever:
            if e.rec <= t and retracted_at.get(e.id, NEVER) > t:
                fold.feed(e, t)
                last = e.key
        marks = [len(v.rows) for v in fold.versions]
        old = closed
        for d in tails.values():
            old.update(d)
        closed, tails = {}, {}
        for v in fold.versions:
            for row in v.rows:
                closed[row] = old.pop(row, t)
        for tk in fold.keys():
            retail(tk, old, t)
        for row, since in old.items():
            emit(row, since, t)
    for row, since in closed.items():
        emit(row, since, NEVER)
    for d in tails.values():
        for row, since in d.items():
            emit(row, since, NEVER)
    return rebuilds


def drive_slow(make, events, retracted_at, emit):
    """The reference for drive(): at every recorded time T of the entity's events and of their
    retractions, a fresh fold of the events visible at T (finish() itself, not tail()), its
    rows compared with the previous time's as multisets. Quadratic: for --verify-fast-path."""
    ever = [e for e in events if retracted_at.get(e.id, NEVER) > e.rec]
    times = sorted({e.rec for e in ever} | {retracted_at[e.id] for e in ever if e.id in retracted_at})
    live = {}  # row -> [sys_from, ...]: the instances the record holds
    prev = Counter()
    for t in times:
        fold = make()
        for e in ever:
            if e.rec <= t and retracted_at.get(e.id, NEVER) > t:
                fold.feed(e, t)
        now = Counter(fold.finish())
        for row in set(prev) | set(now):
            n = now[row] - prev[row]
            for _ in range(n):
                live.setdefault(row, []).append(t)
            for _ in range(-n):
                emit(row, live[row].pop(), t)
        prev = now
    for row, starts in live.items():
        for since in starts:
            emit(row, since, NEVER)


# ---------------------------------------------------------------- registry (school_versions)

class RegistryFold(Fold):
    """RegistryState::apply over the district's registry events (registry_state.cpp)."""

    def __init__(self):
        super().__init__("school_versions")
        self.v = self.versions[0]
        self.schools = {}

    def resolve(self, sid):
        for _ in range(64):
            s = self.schools.get(sid)
            if s is None or s["merged_into"] is None:
                break
            sid = s["merged_into"]
        return sid

    def open_school(self, sid):
        s = self.schools.get(self.resolve(sid))
        return s if s is not None and s["closed_on"] is None else None

    @staticmethod
    def new_school(p, on):
        return {"school_id": p["school_id"], "name": p["name"], "stages": tuple(p["stages"]), "kind": p["kind"],
                "ownership": p["ownership"], "location": p["location"], "boarding": p["boarding"],
                "township": None, "opened_on": on, "closed_on": None, "closed_reason": None,
                "merged_into": None, "split_from": None}

    @staticmethod
    def snapshot(s):
        return (s["name"], s["stages"], s["kind"], s["ownership"], s["location"], s["boarding"], s["township"],
                s["opened_on"], s["closed_on"], s["closed_on"] is None, s["closed_reason"], s["merged_into"],
                s["split_from"])

    def feed(self, e, asof):
        t, d, on, schools = e.type, e.data, e.on, self.schools
        touched = []
        if t == "school.opened":
            ex = schools.get(d["school_id"])
            if ex is not None and ex["closed_on"] is None and ex["name"]:
                return
            s = self.new_school(d, on)
            s["township"] = d.get("township")
            schools[d["school_id"]] = s
            touched.append(s)
        elif t == "school.closed":
            s = schools.get(d["school_id"])
            if s is not None and s["closed_on"] is None:
                s["closed_on"], s["closed_reason"] = on, d.get("reason")
                touched.append(s)
        elif t == "school.merged":
            survivor = self.open_school(d["surviving_id"])
            if survivor is None:
                return
            for a in d["absorbed_ids"]:
                s = schools.get(a)
                if s is None or s["closed_on"] is not None or a == survivor["school_id"]:
                    continue
                s["closed_on"], s["closed_reason"] = on, "merged into " + survivor["school_id"]
                s["merged_into"] = survivor["school_id"]
                touched.append(s)
        elif t == "school.split":
            source = self.open_school(d["source_id"])
            if source is None:
                return
            if d.get("source_closes"):
                source["closed_on"], source["closed_reason"] = on, "split"
                touched.append(source)
            for n in d["new_schools"]:
                if n["school_id"] in schools:
                    continue
                s = self.new_school(n, on)
                s["split_from"] = source["school_id"]
                schools[n["school_id"]] = s
                touched.append(s)
        elif t == "school.stages_changed":
            s = self.open_school(d["school_id"])
            if s is not None:
                s["stages"] = tuple(d["stages"])
                touched.append(s)
        elif t == "school.renamed":
            s = schools.get(d["school_id"])
            if s is not None and s["closed_on"] is None:
                s["name"] = d["name"]
                touched.append(s)
        for s in touched:
            self.v.at(s["school_id"], on, self.snapshot(s))


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


class StudentFold(Fold):
    def __init__(self, sid):
        super().__init__("enrolments")
        self.v = self.versions[0]
        self.sid = sid
        self.s = {"enrolled": False}

    def feed(self, e, asof):
        t, d = e.type, e.data
        s = self.s
        if t == "student.enrolled":
            s = self.s = {"enrolled": True, "school": d["school_id"], "stage": d["stage"], "grade": d["grade"],
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
        self.v.at(self.sid, e.on, state)


class TeacherFold(Fold):
    """people.cpp: a rotation or support teaching ends by itself on its end date (settle)."""

    def __init__(self, tid):
        super().__init__("teacher_assignments", "teacher_honours")
        self.v, self.h = self.versions
        self.tid = tid
        self.t = {"employed": False, "returns": None}

    def state(self, returned=False):
        t = self.t
        if not t["employed"]:
            return None  # part-time teachers keep a row (full_time false); the queries skip them
        return (t["returns"][1] if returned else t["school"], t["stage"], t["subject"], t["qualification"],
                t["title"], t["full_time"], t["post"])

    def settle(self, until):
        r = self.t["returns"]
        if r is None or r[0] > until:
            return
        self.t["school"], self.t["returns"] = r[1], None
        self.v.at(self.tid, r[0], self.state())  # a rotation or support teaching ends by itself

    def feed(self, e, asof):
        typ, d, on, t, tid = e.type, e.data, e.on, self.t, self.tid
        self.settle(on)
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
            self.h.at((tid, d["honour"], d["level"]), on, True)
        elif typ == "teacher.honour_revoked":
            self.h.at((tid, d["honour"], d["level"]), on, None)
        elif typ == "teacher.left":
            t["employed"], t["returns"] = False, None
        self.v.at(tid, on, self.state())

    def tail(self, tk):
        r = self.t["returns"]
        if tk[0] != "teacher_assignments" or r is None:
            return super().tail(tk)
        # The pending return, as finish() would settle it: Versions.at(tid, end date, back).
        table, tid = tk
        back = self.state(returned=True)
        cur = self.v.open.get(tid)
        if cur is None:
            return [(table, tid, back, r[0], INFINITY)] if back is not None else []
        if cur[0] == back:
            return [(table, tid, cur[0], cur[1], INFINITY)]
        out = [(table, tid, cur[0], cur[1], r[0])] if cur[1] < r[0] else []
        if back is not None:
            out.append((table, tid, back, r[0], INFINITY))
        return out

    def finish(self):
        if self.t["returns"] is not None:
            self.settle(self.t["returns"][0])
        return super().finish()


# ---------------------------------------------------------------- facilities and funds

def centi(x):
    return int(round(float(x) * 100))


def section(d):
    return d.get("stage") or "whole"


class FacilitiesFold(Fold):
    """A school's facilities as absolute levels per section (contributions.cpp
    fold_facilities): censuses, construction and purchases, and at a merger the absorbed
    schools' facilities as they stood just before it, as recorded at the same time."""

    def __init__(self, school, schools, retracted_at, own=None, path=None, track=True):
        super().__init__(*(["school_facilities"] if track else []))
        self.v = self.versions[0] if track else None
        self.school, self.schools, self.retracted_at = school, schools, retracted_at
        self.own = own  # the ids of the school's own timeline (the driver also feeds absorbed schools' events)
        self.path = path if path is not None else [school]
        self.by_section, self.standing = {}, False

    def feed(self, e, asof):
        if self.own is not None and e.id not in self.own:
            return  # an absorbed school's event: read at the merger
        t, d, on, school, by_section = e.type, e.data, e.on, self.school, self.by_section
        if t == "school.opened":
            if d["school_id"] == school:
                self.standing = True
        elif t == "school.split":
            if d["source_id"] == school and d.get("source_closes"):
                self.standing = False
            elif d["source_id"] != school:
                self.standing = True
        elif t == "school.closed":
            self.standing = False
        elif t == "school.facilities_surveyed":
            f = by_section.setdefault(section(d), [0] * 8)  # a survey replaces all but the classes
            f[:6] = [centi(d["floor_area_m2"]), centi(d["sports_area_m2"]), d["equipment_value_fen"],
                     d["multimedia_classrooms"], d["computers"], d["books"]]
        elif t == "school.classes_counted":
            # A count replaces the stage's classes: their sum and the largest class over grades.
            f = by_section.setdefault(section(d), [0] * 8)
            f[6] = sum(g["classes"] for g in d["grades"])
            f[7] = max(g.get("largest_class") or 0 for g in d["grades"])
        elif t == "school.construction_completed":
            f = by_section.setdefault(section(d), [0] * 8)
            f[0] += centi(d["floor_area_m2"])
            f[1] += centi(d["sports_area_m2"])
        elif t == "school.equipment_purchased":
            f = by_section.setdefault(section(d), [0] * 8)
            f[2] += d["equipment_value_fen"]
            f[3] += d["multimedia_classrooms"]
            f[4] += d["computers"]
            f[5] += d["books"]
        elif t == "school.merged":
            if d["surviving_id"] == school:
                if d.get("facilities_move") is not False:
                    path = self.path
                    for a in d["absorbed_ids"]:
                        if a == school or len(path) > 8 or a in path:
                            continue
                        # The absorbed school's facilities just before the merger move here:
                        # its timeline up to the merger's date, stopping at the merger, as
                        # recorded at the same time.
                        path.append(a)
                        absorbed = FacilitiesFold(a, self.schools, self.retracted_at, path=path, track=False)
                        for x in self.schools.get(a, ()):
                            if x.on > on or x.id == e.id:
                                break
                            if x.rec <= asof and self.retracted_at.get(x.id, NEVER) > asof:
                                absorbed.feed(x, asof)
                        path.pop()
                        for sec, vals in absorbed.by_section.items():
                            f = by_section.setdefault(sec, [0] * 8)
                            for i in range(7):
                                f[i] += vals[i]
                            f[7] = max(f[7], vals[7])  # the largest class of the two
            else:
                self.standing = False
        if self.v is not None:
            for sec in ("primary", "junior", "whole"):
                vals = by_section.get(sec)
                ok = self.standing and vals is not None and any(vals)
                self.v.at((school, sec), on, tuple(vals) if ok else None)


def facility_events(school, schools):
    """The events that can change `school`'s facilities: its own timeline, and those of the
    schools it absorbed (with facilities) that come before the merger in apply order, and
    theirs in turn. More than needed is harmless: a recorded time that changes nothing
    changes no row."""
    out = {e.id: e for e in schools.get(school, ())}
    stack, seen = [(school, None)], set()
    while stack:
        sid, before = stack.pop()
        for e in schools.get(sid, ()):
            if before is not None and e.key >= before:
                break
            out[e.id] = e
            d = e.data
            if e.type == "school.merged" and d["surviving_id"] == sid and d.get("facilities_move") is not False:
                for a in d["absorbed_ids"]:
                    if a != sid and (a, e.key) not in seen and len(seen) < 10000:
                        seen.add((a, e.key))
                        stack.append((a, e.key))
    return sorted(out.values(), key=lambda e: e.key)


# ---------------------------------------------------------------- a district

def derive(events, retracted_at, emit, driver=drive, stats=None):
    """Every bitemporal row of one district's `events` (apply order, retracted ones too).
    Funds rows (school_funds) are returned, not emitted: an allocation counts from its
    recorded_at until its retraction, whatever else is recorded."""
    stats = stats if stats is not None else Counter()

    def run(make, evs):
        stats["entities"] += 1
        n = driver(make, evs, retracted_at, emit)
        if n:
            stats["entities_rederived"] += 1
            stats["rederivations"] += n

    run(RegistryFold, [e for e in events if e.type in REGISTRY_ROW_EVENTS])
    students, teachers, schools = timelines(events)
    for sid, timeline in students.items():
        run(lambda: StudentFold(sid), timeline)
    for tid, timeline in teachers.items():
        run(lambda: TeacherFold(tid), timeline)
    funds = []
    for sid, timeline in schools.items():
        own = {e.id for e in timeline}
        run(lambda: FacilitiesFold(sid, schools, retracted_at, own=own), facility_events(sid, schools))
        for e in timeline:
            if e.type == "funding.allocated":
                end = retracted_at.get(e.id, NEVER)
                if end > e.rec:
                    funds.append((sid, e, end))
    return funds


def table_row(district, row, sys_from, sys_to):
    """A derived row as the table's columns (schema.sql order)."""
    table, key, st, vf, vt = row
    if table in ("enrolments", "teacher_assignments"):
        return (district, key) + st + (vf, vt, sys_from, sys_to)
    if table == "teacher_honours":
        return (district,) + key + (vf, vt, sys_from, sys_to)
    if table == "school_facilities":
        return (district,) + key + st + (vf, vt, sys_from, sys_to)
    (name, stages, kind, ownership, location, boarding, township, opened_on, closed_on, is_open, reason, merged_into,
     split_from) = st
    return (district, key, name, "{" + ",".join(stages) + "}", kind, ownership, location, boarding, township,
            opened_on, closed_on, is_open, reason, merged_into, split_from, vf, vt, sys_from, sys_to)


def district_rows(group):
    """The rows of every table for one district's events (file order, deduplicated)."""
    kept, events, retracted_at = the_record(group)
    district = group[0].district
    text = {e.rec: e.recorded for e in group}  # a recorded time as the record wrote it
    text[NEVER] = INFINITY
    rows = {t: [] for t in TABLES}
    stats = Counter()

    def emit(row, sys_from, sys_to):
        rows[row[0]].append(table_row(district, row, text[sys_from], text[sys_to]))

    for sid, e, end in derive(events, retracted_at, emit, stats=stats):
        d = e.data
        fy = int(d["fiscal_year"])
        rows["school_funds"].append((district, sid, d["category"], fy, d["amount_fen"], d.get("funding_source", ""),
                                     "%04d-01-01" % fy, "%04d-01-01" % (fy + 1), e.recorded, text[end]))
    for e in kept:
        r = retracted_at.get(e.id)
        rows["events"].append((district, e.id, e.type, e.on, e.recorded, None if r is None else text[r],
                               SYSTEM.get(e.type, 4), e.line))
    return rows, stats


def verify(path):
    """--verify-fast-path: every entity's rows by drive() and by drive_slow() are the same."""
    report = Counter()
    for group in read_districts(path):
        _, events, retracted_at = the_record(group)
        fast, slow = Counter(), Counter()
        stats = Counter()
        derive(events, retracted_at, lambda row, a, b: fast.update([(row, a, b)]), stats=stats)
        derive(events, retracted_at, lambda row, a, b: slow.update([(row, a, b)]), driver=drive_slow)
        report["districts"] += 1
        report["events"] += len(events)
        report["late_records"] += sum(1 for e in events if e.rec > _end_of_day(e.on))
        report["retracted"] += len(retracted_at)
        for k, n in stats.items():
            report[k] += n
        report["rows"] += sum(fast.values())
        report["rows_superseded"] += sum(n for (row, a, b), n in fast.items() if b != NEVER)
        only_fast, only_slow = fast - slow, slow - fast
        report["mismatches"] += sum(only_fast.values()) + sum(only_slow.values())
        for what, rows in (("fast only", only_fast), ("slow only", only_slow)):
            for row in list(rows)[:5]:
                print(f"verify {group[0].district}: {what}: {row}", file=sys.stderr)
    print(json.dumps(dict(report)))
    return 1 if report["mismatches"] else 0


def _end_of_day(on):
    """The last µs of the Beijing day `on` (a record later than that is a late record)."""
    d = datetime.fromisoformat(on + "T23:59:59.999999+08:00")
    return (d - _EPOCH) // _MICRO


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

HISTORY_TABLES = ["school_versions", "enrolments", "teacher_assignments", "teacher_honours", "school_facilities",
                  "school_funds"]
TABLES = ["standards", "standard_indicators"] + HISTORY_TABLES + ["events"]


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
    ap.add_argument("dsn", nargs="?")
    ap.add_argument("--schema", default=os.path.join(HERE, "schema.sql"))
    ap.add_argument("--standards", default=os.path.join(REPO, "services", "audit", "standards"))
    ap.add_argument("--indexes", choices=["btree", "gist"], default="btree",
                    help="btree: schema.sql's; gist: GiST on (district, daterange, tstzrange) instead of the "
                         "as-recorded btrees, for comparison (query it with ANNALS_PG_PREDICATE=range)")
    ap.add_argument("--verify-fast-path", action="store_true",
                    help="load nothing: derive every entity of FILE both ways (replay, and re-derivation at every "
                         "recorded time) and exit 1 unless they give the same rows")
    args = ap.parse_args()
    if args.verify_fast_path:
        sys.exit(verify(args.file))
    if not args.dsn:
        ap.error("DSN is required (unless --verify-fast-path)")
    import psycopg  # here: --verify-fast-path and test_load.py need no driver

    t0 = time.monotonic()
    gc.disable()  # many small objects that live to the end of a district: the cyclic GC would only rescan them
    schema = open(args.schema, encoding="utf-8").read()
    tables_sql, indexes_sql = schema.split("-- @indexes", 1)
    if args.indexes == "gist":  # the as-recorded btrees replaced by GiST (README.md, "Indexes")
        tables_sql = "CREATE EXTENSION IF NOT EXISTS btree_gist;\n" + tables_sql
        indexes_sql = "".join(line + "\n" for line in indexes_sql.splitlines()
                              if not any(f"{t}_recorded ON" in line for t in HISTORY_TABLES))
        indexes_sql += "".join(
            f"CREATE INDEX {t}_recorded ON annals.{t} USING gist "
            f"(district, daterange(valid_from, valid_to, '[)'), tstzrange(sys_from, sys_to, '[)'));\n"
            for t in HISTORY_TABLES)
    n_events = 0
    counts = {t: 0 for t in TABLES}
    stats = Counter()
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
                    copy_rows(cur, table, rows.get(table, ()))
                    counts[table] += len(rows.get(table, ()))
                phases["copy"] += time.monotonic() - t

            rows = {t: [] for t in TABLES}
            standards_rows(args.standards, rows)
            copy_all(rows)
            t = time.monotonic()
            for group in read_districts(args.file):  # one district at a time
                n_events += len(group)
                rows, s = district_rows(group)
                stats.update(s)
                del group
                phases["read_and_derive"] += time.monotonic() - t
                copy_all(rows)
                del rows
                t = time.monotonic()
            t_copy = time.monotonic()
            cur.execute(indexes_sql)
        conn.commit()
        t_index = time.monotonic()
        conn.autocommit = True
        conn.execute("VACUUM (FREEZE, ANALYZE)")
        conn.execute("CHECKPOINT")
        current = {t: conn.execute(f"SELECT count(*) FROM annals.{t} WHERE sys_to = 'infinity'").fetchone()[0]
                   for t in HISTORY_TABLES}
    t_end = time.monotonic()
    print(json.dumps({
        "events": n_events, "rows": sum(counts.values()), "seconds": round(t_end - t0, 3),
        "phases": {"read_and_derive": round(phases["read_and_derive"], 3), "copy": round(phases["copy"], 3),
                   "index": round(t_index - t_copy, 3), "analyze": round(t_end - t_index, 3)},
        "rows_by_table": counts, "current_rows_by_table": current,
        "entities": stats["entities"], "entities_rederived": stats["entities_rederived"],
        "rederivations": stats["rederivations"],
    }))


if __name__ == "__main__":
    main()
