#!/usr/bin/env python3
"""The ETL's two clocks on hand-made events (no database): what a row's transaction-time
period is in the cases README.md names (a supersession, a late record, a retraction, a
rotation's end, a merger whose absorbed school's census comes late), and that the fast path
(drive) gives the rows of the re-derivation at every recorded time (drive_slow).

    python3 -m unittest tests/bench/peers/postgres/test_load.py
    python3 tests/bench/peers/postgres/load.py FILE.ndjson --verify-fast-path   # the same, on a whole file
"""
import os
import sys
import unittest
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import load  # noqa: E402

INF = load.INFINITY
NEVER = load.NEVER


class Feed:
    """Events in file order, each recorded on a given day."""

    def __init__(self):
        self.events = []

    def add(self, typ, on, recorded, **data):
        e = load.Event(len(self.events), {"id": f"e{len(self.events)}", "type": typ, "district": "d",
                                          "effective_date": on, "recorded_at": recorded + "T12:00:00Z",
                                          "schema_version": 2, "data": data})
        self.events.append(e)
        return e

    def retract(self, target, recorded):
        return self.add("record.retracted", target.on, recorded, event_id=target.id)

    def rows(self, table=None):
        """{(table, key, state, valid_from, valid_to, sys_from, sys_to)}, checking that both
        paths agree; sys times as days."""
        _, events, retracted_at = load.the_record(self.events)
        fast, slow = Counter(), Counter()
        load.derive(events, retracted_at, lambda row, a, b: fast.update([row + (a, b)]))
        load.derive(events, retracted_at, lambda row, a, b: slow.update([row + (a, b)]), driver=load.drive_slow)
        assert fast == slow, (fast - slow, slow - fast)
        assert max(fast.values(), default=1) == 1
        day = {e.rec: e.recorded[:10] for e in self.events}
        day[NEVER] = INF
        return {r[:5] + (day[r[5]], day[r[6]]) for r in fast if table is None or r[0] == table}


def enrol(f, on, recorded, grade=1, school="s1", student="p1"):
    return f.add("student.enrolled", on, recorded, student_id=student, school_id=school, stage="primary",
                 grade=grade, admission="nearby", migrant=False, disability="none", boarding=False)


def state(grade, school="s1"):
    return (school, "junior" if grade >= 7 else "primary", grade, "nearby", False, "none", False, 0)


class TwoClocks(unittest.TestCase):
    def test_a_supersession_closes_the_open_version_and_opens_its_bounded_one(self):
        f = Feed()
        enrol(f, "2015-09-01", "2015-09-02")
        f.add("student.promoted", "2016-09-01", "2016-09-03", student_id="p1", grade=2)
        self.assertEqual(f.rows(), {
            ("enrolments", "p1", state(1), "2015-09-01", INF, "2015-09-02", "2016-09-03"),
            ("enrolments", "p1", state(1), "2015-09-01", "2016-09-01", "2016-09-03", INF),
            ("enrolments", "p1", state(2), "2016-09-01", INF, "2016-09-03", INF),
        })

    def test_a_late_record_splits_history_from_when_it_was_recorded(self):
        f = Feed()
        enrol(f, "2015-09-01", "2015-09-02")
        f.add("student.promoted", "2016-09-01", "2016-09-03", student_id="p1", grade=2)
        # A transfer on 2016-03-01, recorded only in 2017: what the record said before stands.
        f.add("student.transferred", "2016-03-01", "2017-01-10", student_id="p1", from_school_id="s1",
              to_school_id="s2")
        self.assertEqual(f.rows(), {
            ("enrolments", "p1", state(1), "2015-09-01", INF, "2015-09-02", "2016-09-03"),
            ("enrolments", "p1", state(1), "2015-09-01", "2016-09-01", "2016-09-03", "2017-01-10"),
            ("enrolments", "p1", state(2), "2016-09-01", INF, "2016-09-03", "2017-01-10"),
            ("enrolments", "p1", state(1), "2015-09-01", "2016-03-01", "2017-01-10", INF),
            ("enrolments", "p1", state(1, "s2"), "2016-03-01", "2016-09-01", "2017-01-10", INF),
            ("enrolments", "p1", state(2, "s2"), "2016-09-01", INF, "2017-01-10", INF),
        })

    def test_a_retraction_ends_what_its_target_made_and_restores_what_it_undid(self):
        f = Feed()
        enrol(f, "2015-09-01", "2015-09-02")
        w = f.add("student.withdrew", "2016-01-15", "2016-01-16", student_id="p1")
        f.retract(w, "2016-02-01")
        self.assertEqual(f.rows(), {
            ("enrolments", "p1", state(1), "2015-09-01", INF, "2015-09-02", "2016-01-16"),
            ("enrolments", "p1", state(1), "2015-09-01", "2016-01-15", "2016-01-16", "2016-02-01"),
            ("enrolments", "p1", state(1), "2015-09-01", INF, "2016-02-01", INF),
        })

    def test_a_retraction_recorded_before_its_target_means_it_never_counted(self):
        f = Feed()
        enrol(f, "2015-09-01", "2015-09-02")
        w = f.add("student.withdrew", "2016-01-15", "2016-03-01", student_id="p1")
        f.retract(w, "2016-02-01")
        self.assertEqual(f.rows(), {("enrolments", "p1", state(1), "2015-09-01", INF, "2015-09-02", INF)})

    def test_a_rotation_ends_as_recorded_with_the_transfer_not_with_the_next_event(self):
        f = Feed()
        f.add("teacher.hired", "2015-01-01", "2015-01-02", teacher_id="t1", school_id="s1", stage="primary",
              subject="math", qualification="bachelor", title="junior")
        f.add("teacher.transferred", "2015-09-01", "2015-08-20", teacher_id="t1", from_school_id="s1",
              to_school_id="s2", kind="rotation", end_date="2016-07-31")
        f.add("teacher.title_changed", "2017-01-01", "2017-01-05", teacher_id="t1", title="intermediate")

        def a(school, title="junior"):
            return (school, "primary", "math", "bachelor", title, True, "s1")
        self.assertEqual(f.rows("teacher_assignments"), {
            ("teacher_assignments", "t1", a("s1"), "2015-01-01", INF, "2015-01-02", "2015-08-20"),
            ("teacher_assignments", "t1", a("s1"), "2015-01-01", "2015-09-01", "2015-08-20", INF),
            ("teacher_assignments", "t1", a("s2"), "2015-09-01", "2016-07-31", "2015-08-20", INF),
            # the return is known from the transfer on: its bounded version too keeps that sys_from
            ("teacher_assignments", "t1", a("s1"), "2016-07-31", INF, "2015-08-20", "2017-01-05"),
            ("teacher_assignments", "t1", a("s1"), "2016-07-31", "2017-01-01", "2017-01-05", INF),
            ("teacher_assignments", "t1", a("s1", "intermediate"), "2017-01-01", INF, "2017-01-05", INF),
        })

    def test_a_late_census_of_an_absorbed_school_moves_the_survivors_facilities_when_recorded(self):
        f = Feed()
        for s in ("s1", "s2"):
            f.add("school.opened", "2010-09-01", "2010-09-01", school_id=s, name=s, stages=["primary"],
                  kind="regular", ownership="public", location="urban", boarding=False)
        census = dict(sports_area_m2=10, equipment_value_fen=0, multimedia_classrooms=0, computers=0, books=0)
        f.add("school.facilities_surveyed", "2014-01-01", "2014-01-02", school_id="s1", floor_area_m2=100, **census)
        f.add("school.merged", "2014-08-31", "2014-08-31", surviving_id="s1", absorbed_ids=["s2"])
        f.add("school.facilities_surveyed", "2014-01-01", "2015-03-01", school_id="s2", floor_area_m2=50, **census)

        def fac(floor, sports):
            return (floor * 100, sports * 100, 0, 0, 0, 0, 0, 0)
        rows = {r for r in f.rows("school_facilities") if r[1][0] == "s1"}
        self.assertEqual(rows, {
            ("school_facilities", ("s1", "whole"), fac(100, 10), "2014-01-01", INF, "2014-01-02", "2015-03-01"),
            ("school_facilities", ("s1", "whole"), fac(100, 10), "2014-01-01", "2014-08-31", "2015-03-01", INF),
            ("school_facilities", ("s1", "whole"), fac(150, 20), "2014-08-31", INF, "2015-03-01", INF),
        })

    def test_a_retracted_rename_leaves_the_schools_name_as_it_was(self):
        f = Feed()
        f.add("school.opened", "2010-09-01", "2010-09-01", school_id="s1", name="A", stages=["primary"],
              kind="regular", ownership="public", location="urban", boarding=False)
        r = f.add("school.renamed", "2012-09-01", "2012-09-02", school_id="s1", name="B")
        f.retract(r, "2013-01-01")
        names = {(row[2][0], row[3], row[4], row[5], row[6]) for row in f.rows("school_versions")}
        self.assertEqual(names, {
            ("A", "2010-09-01", INF, "2010-09-01", "2012-09-02"),
            ("A", "2010-09-01", "2012-09-01", "2012-09-02", "2013-01-01"),
            ("B", "2012-09-01", INF, "2012-09-02", "2013-01-01"),
            ("A", "2010-09-01", INF, "2013-01-01", INF),
        })


if __name__ == "__main__":
    unittest.main()
