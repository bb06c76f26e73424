"""PostgreSQL peer: the audit questions answered in SQL over bitemporal history tables.

    import peer
    conn = peer.connect("host=127.0.0.1 port=15432 user=postgres dbname=annals")
    peer.state_at(conn, "xicheng", "2016-03-01")                    # [{school, stage, students, ...}, ...]
    peer.state_at(conn, "xicheng", "2016-03-01", "2016-01-31")      # as the record stood then
    peer.indicators_at(conn, "xicheng", "2018-10-01")               # {standard, stages: {primary: {id: cv}}}
    peer.diff(conn, "xicheng", "2014-08-30", "2014-09-01")          # what changed, and the events that caused it
    peer.diff(conn, "xicheng", "2012-03-01", "2012-03-01", "2012-01-01", None)  # what was learned since T
    peer.series(conn, "xicheng", ["2013-10-01", "2014-10-01"])     # indicators_at at each date

A recorded time (recorded_at, t1, t2) is None for current knowledge (the rows with
sys_to = 'infinity', which the partial indexes hold), an RFC 3339 timestamp, or a date
YYYY-MM-DD meaning the end of that day in Beijing, as the audit service reads
`?recorded_at=`: the rows with sys_from <= T < sys_to.

Each question is one SQL statement (a diff: four); the computation (the rows valid on the
date as recorded at the time, the holder of each school after mergers, the figures per
school and stage, the indicator values and their student-weighted coefficients of
variation, the changes between two points and the events that caused them) runs in
PostgreSQL. Python only turns the result rows into dicts. Driver: psycopg 3.
"""
import os
from datetime import datetime, timezone

import psycopg

# How the rows "valid on the date, as recorded at the time" are asked for; it must match the
# indexes the tables have (schema.sql). Current knowledge: sys_to = 'infinity' (a literal, so
# that the partial indexes WHERE sys_to = 'infinity' serve it) and valid_from <= date AND
# valid_to > date. As recorded at a time T, the rows with sys_from <= T < sys_to, asked for as
#   split:  (default) the current rows recorded by T, UNION ALL the superseded rows whose
#           transaction time holds T: each part served by its partial index
#   single: one predicate over the whole table (the btree on (district, valid_from, valid_to,
#           sys_from, sys_to) of README.md's comparison)
#   range:  daterange(valid_from, valid_to, '[)') @> date AND tstzrange(sys_from, sys_to, '[)')
#           @> T (GiST, load.py --indexes gist)
# ANNALS_PG_PREDICATE=single|range is only for comparing the index designs (README.md).
PREDICATE = os.environ.get("ANNALS_PG_PREDICATE", "split")


def _on(alias, at):
    return (f"{alias}.district = %(district)s AND {alias}.valid_from <= %({at})s::date "
            f"AND {alias}.valid_to > %({at})s::date")


def source(table, alias, at="at", t=None):
    """(the FROM item, the WHERE condition) of `table`'s rows (as `alias`) of the district
    valid on %(at)s as recorded at %(t)s (None: current knowledge)."""
    if t is None:
        return f"annals.{table} {alias}", f"{alias}.sys_to = 'infinity' AND {_on(alias, at)}"
    if PREDICATE == "range":
        return (f"annals.{table} {alias}",
                f"{alias}.district = %(district)s AND daterange({alias}.valid_from, {alias}.valid_to, '[)') "
                f"@> %({at})s::date AND tstzrange({alias}.sys_from, {alias}.sys_to, '[)') @> %({t})s::timestamptz")
    if PREDICATE == "single":
        return (f"annals.{table} {alias}",
                f"{_on(alias, at)} AND {alias}.sys_from <= %({t})s::timestamptz "
                f"AND {alias}.sys_to > %({t})s::timestamptz")
    return (f"(SELECT * FROM annals.{table} c WHERE c.sys_to = 'infinity' AND {_on('c', at)} "
            f"AND c.sys_from <= %({t})s::timestamptz\n"
            f"      UNION ALL\n"
            f"      SELECT * FROM annals.{table} h WHERE h.sys_to <> 'infinity' AND {_on('h', at)} "
            f"AND h.sys_from <= %({t})s::timestamptz AND h.sys_to > %({t})s::timestamptz) {alias}", "true")


def rows_of(table, alias, at="at", t=None):
    """`FROM ... WHERE ...` of those rows (source)."""
    src, cond = source(table, alias, at, t)
    return f"FROM {src} WHERE {cond}"


# The figures a school has on a date, as the audit service names them (services/history/figures.h).
STUDENT_MEASURES = ["students", "migrant_students", "disabled_students", "boarding_students", "entry_admissions"]
TEACHER_MEASURES = ["teachers", "qualified_teachers", "backbone_teachers", "pe_music_art_teachers",
                    "senior_title_teachers"]
FACILITY_MEASURES = ["floor_area", "sports_area", "equipment_value", "multimedia_classrooms", "computers", "books"]
CLASS_MEASURES = ["classes", "largest_class"]  # a stage's classes, its largest class (of any grade)
FUND_MEASURES = ["operating_funds", "earmarked_funds", "construction_funds", "training_funds", "subsidy_funds"]
MEASURES = STUDENT_MEASURES + TEACHER_MEASURES + FACILITY_MEASURES + CLASS_MEASURES + FUND_MEASURES


def _total(m, n):
    """SQL accumulating `n` of measure `m` over rows: the largest class is the largest (series.h: accumulate)."""
    return f"max({n})" if m == "largest_class" else f"sum({n})"
FUND_CATEGORY = {"operating_funds": "per_student_operating", "earmarked_funds": "earmarked",
                 "construction_funds": "construction", "training_funds": "training",
                 "subsidy_funds": "student_subsidy"}
# Kept in centi-m² and fen; read in m² and yuan (the value / 100).
UNIT = {"floor_area": "m2", "sports_area": "m2", "equipment_value": "yuan", **{m: "yuan" for m in FUND_MEASURES}}


def _branch(source, section, exprs, tail=""):
    cols = ",\n           ".join(f"{exprs.get(m, '0')}::bigint AS {m}" for m in MEASURES)
    return f"    SELECT x.school_id, {section} AS section,\n           {cols}\n    {source}{tail}"


def _figures_cte(at="at", t=None, x=""):
    """CTEs reg (the registry on the date), holders (each school id -> the open school that
    holds it, following mergers) and figures (per holder and section), on %(at)s as
    recorded at %(t)s (None: current knowledge); `x` suffixes the CTE names (a diff has two)."""
    def v(table):
        return rows_of(table, "x", at, t)

    assignments = source("teacher_assignments", "x", at, t)
    students = _branch(
        v("enrolments"), "x.stage::text",
        {"students": "count(*)", "migrant_students": "count(*) FILTER (WHERE x.migrant)",
         "disabled_students": "count(*) FILTER (WHERE x.disability <> 'none')",
         "boarding_students": "count(*) FILTER (WHERE x.boarding)",
         "entry_admissions": "count(*) FILTER (WHERE x.grade IN (1, 7))"},
        " GROUP BY 1, 2")
    teachers = _branch(
        f"FROM {assignments[0]} LEFT JOIN backbone{x} b ON b.teacher_id = x.teacher_id\n"
        f"    WHERE {assignments[1]} AND x.full_time", "x.stage::text",
        {"teachers": "count(*)",
         "qualified_teachers": "count(*) FILTER (WHERE x.qualification >= CASE x.stage WHEN 'primary' "
                               "THEN 'associate'::annals.qualification ELSE 'bachelor'::annals.qualification END)",
         "backbone_teachers": "count(*) FILTER (WHERE b.teacher_id IS NOT NULL)",
         "pe_music_art_teachers": "count(*) FILTER (WHERE x.subject IN ('pe', 'music', 'fine_art'))",
         "senior_title_teachers": "count(*) FILTER (WHERE x.title >= 'intermediate')"},
        " GROUP BY 1, 2")
    facilities = _branch(
        v("school_facilities"), "x.section::text",
        {"floor_area": "x.floor_area_centi_m2", "sports_area": "x.sports_area_centi_m2",
         "equipment_value": "x.equipment_value_fen", "multimedia_classrooms": "x.multimedia_classrooms",
         "computers": "x.computers", "books": "x.books", "classes": "x.classes",
         "largest_class": "x.largest_class"})
    funds = _branch(
        v("school_funds"), "'whole'",
        {m: f"sum(x.amount_fen) FILTER (WHERE x.category = '{c}')" for m, c in FUND_CATEGORY.items()},
        " GROUP BY 1")
    sums = ",\n         ".join(f"{_total(m, 'r.' + m)}::bigint AS {m}" for m in MEASURES)
    return f"""
reg{x} AS (
  SELECT x.school_id, x.name, x.stages, x.kind, x.is_open, x.merged_into, x.opened_on, x.closed_on,
         x.closed_reason
  {v("school_versions")}
),
chain{x} (school_id, holder, depth) AS (
  SELECT school_id, school_id, 0 FROM reg{x}
  UNION ALL
  SELECT c.school_id, r.merged_into, c.depth + 1
  FROM chain{x} c JOIN reg{x} r ON r.school_id = c.holder
  WHERE r.merged_into IS NOT NULL AND c.depth < 64
),
holders{x} AS (
  SELECT h.school_id, h.holder
  FROM (SELECT DISTINCT ON (school_id) school_id, holder FROM chain{x} ORDER BY school_id, depth DESC) h
  JOIN reg{x} r ON r.school_id = h.holder AND r.is_open
),
backbone{x} AS (
  SELECT DISTINCT x.teacher_id
  {v("teacher_honours")} AND x.level >= 'district'
),
raw{x} AS (
{students}
    UNION ALL
{teachers}
    UNION ALL
{facilities}
    UNION ALL
{funds}
),
figures{x} AS (
  SELECT h.holder AS school_id, r.section,
         {sums}
  FROM raw{x} r JOIN holders{x} h ON h.school_id = r.school_id
  GROUP BY 1, 2
)"""


def _state_sql(t=None):
    return f"""
WITH RECURSIVE {_figures_cte("at", t)}
SELECT r.school_id, r.name, r.kind::text, r.stages::text[], s.section,
       {", ".join(f"coalesce(f.{m}, 0)" for m in MEASURES)}
FROM reg r
CROSS JOIN LATERAL (
  SELECT unnest(r.stages)::text AS section
  UNION
  SELECT f.section FROM figures f WHERE f.school_id = r.school_id
) s
LEFT JOIN figures f ON f.school_id = r.school_id AND f.section = s.section
WHERE r.is_open
ORDER BY r.school_id, s.section
"""


def _value_of(prefix, measures):
    return "CASE i.measure " + " ".join(f"WHEN '{m}' THEN {prefix}{m}" for m in measures) + " END"


INDICATOR_MEASURES = [m for m in MEASURES if m not in ("students",)]

def _indicators_sql(t=None):
    return f"""
WITH RECURSIVE {_figures_cte("at", t)},
std AS (
  SELECT * FROM annals.standards s
  WHERE s.by_default AND s.effective_from <= %(at)s::date
    AND (cardinality(s.districts) = 0 OR %(district)s = ANY (s.districts))
  ORDER BY s.effective_from DESC, cardinality(s.districts) DESC
  LIMIT 1
),
school_stage AS (
  SELECT r.school_id, r.kind, st.stage,
         coalesce(sec.students, 0) AS students,
         coalesce((SELECT sum(a.students) FROM figures a
                   WHERE a.school_id = r.school_id AND a.section IN ('primary', 'junior')), 0) AS all_students,
         {", ".join(f"coalesce(sec.{m}, 0) AS {m}" for m in INDICATOR_MEASURES)},
         {", ".join(f"coalesce(w.{m}, 0) AS whole_{m}" for m in FACILITY_MEASURES)}
  FROM reg r
  CROSS JOIN (VALUES ('primary'), ('junior')) st (stage)
  LEFT JOIN figures sec ON sec.school_id = r.school_id AND sec.section = st.stage
  LEFT JOIN figures w ON w.school_id = r.school_id AND w.section = 'whole'
  WHERE r.is_open
),
counted AS (  -- the standard's exclusions: kinds outside it, small teaching points, no pupils
  SELECT ss.* FROM school_stage ss, std
  WHERE ss.students > 0
    AND NOT (ss.kind = ANY (std.excluded_kinds))
    AND NOT (ss.kind = 'teaching_point' AND ss.all_students < std.teaching_points_under)
),
vals AS (  -- each school's value: its section's figure plus its pupil share of the whole school's
  SELECT c.stage, c.school_id, c.students::float8 AS p, i.ord,
         ({_value_of("c.", INDICATOR_MEASURES)}::float8
          + CASE WHEN i.measure IN ({", ".join(f"'{m}'" for m in FACILITY_MEASURES)})
                 THEN (c.students::float8 / c.all_students::float8) * ({_value_of("c.whole_", FACILITY_MEASURES)})::float8
                 ELSE 0 END)
         * CASE WHEN i.measure IN ('floor_area', 'sports_area', 'equipment_value') THEN 0.01 ELSE 1 END::float8
         * i.per_students / c.students::float8 AS x
  FROM counted c JOIN annals.standard_indicators i ON i.standard_id = (SELECT id FROM std)
),
means AS (
  SELECT stage, ord, sum(p) AS big_p, sum(p * x) / sum(p) AS mean, count(*) AS schools
  FROM vals GROUP BY stage, ord
),
cvs AS (  -- student-weighted: X = sum p x / P, S = sqrt(sum p (x - X)^2 / P), CV = S / X
  SELECT v.stage, v.ord,
         CASE WHEN m.big_p > 0 AND m.mean <> 0 THEN sqrt(sum(v.p * (v.x - m.mean) ^ 2) / m.big_p) / m.mean END AS cv,
         m.mean, m.big_p
  FROM vals v JOIN means m ON m.stage = v.stage AND m.ord = v.ord
  GROUP BY v.stage, v.ord, m.big_p, m.mean
),
per_indicator AS (
  SELECT std.id, st.stage, i.ord, i.indicator_id, cvs.cv, coalesce(cvs.mean, 0) AS mean,
         (SELECT count(*) FROM counted c WHERE c.stage = st.stage) AS schools_counted,
         (SELECT coalesce(sum(c.students), 0)::bigint FROM counted c WHERE c.stage = st.stage) AS students,
         std.composite_cv AS composite_rule,
         CASE st.stage WHEN 'primary' THEN std.max_cv_primary ELSE std.max_cv_junior END AS max_cv
  FROM std
  CROSS JOIN (VALUES ('primary'), ('junior')) st (stage)
  JOIN annals.standard_indicators i ON i.standard_id = std.id
  LEFT JOIN cvs ON cvs.stage = st.stage AND cvs.ord = i.ord
),
judged AS (  -- the district rule: the mean of the CVs, or each CV, at most max_cv
  SELECT r.*,
         CASE WHEN count(r.cv) OVER w = count(*) OVER w THEN avg(r.cv) OVER w END AS composite_cv,
         bool_and(coalesce(r.cv <= r.max_cv, false)) OVER w AS each_passes
  FROM per_indicator r
  WINDOW w AS (PARTITION BY r.stage)
)
SELECT id, stage, ord, indicator_id, cv, mean, schools_counted, students, composite_rule, max_cv, composite_cv,
       CASE WHEN schools_counted = 0 THEN NULL
            WHEN composite_rule THEN coalesce(composite_cv <= max_cv, false)
            ELSE each_passes END AS passes
FROM judged
ORDER BY stage DESC, ord
"""


# Current knowledge (sys_to = 'infinity': the partial indexes) and as recorded at %(t)s.
STATE_SQL, STATE_SQL_RECORDED = _state_sql(), _state_sql("t")
INDICATORS_SQL, INDICATORS_SQL_RECORDED = _indicators_sql(), _indicators_sql("t")


# ---------------------------------------------------------------- diff

def _unpivot(x):
    """figures{x} as (school_id, section, measure, n), the non-zero figures only."""
    values = ", ".join(f"('{m}', f.{m})" for m in MEASURES)
    return f"""SELECT f.school_id, f.section, m.measure, m.n
  FROM figures{x} f CROSS JOIN LATERAL (VALUES {values}) m (measure, n) WHERE m.n <> 0"""


_total_n = "(CASE WHEN measure = 'largest_class' THEN max(n) ELSE sum(n) END)::bigint AS n"


def _diff_figures_sql(t1, t2):
    """Per school open at both points and per (section, measure), the figures that differ;
    then the district's totals (every open school's) that differ (district_diff.cpp)."""
    return f"""
WITH RECURSIVE {_figures_cte("at1", t1, "_a")},
{_figures_cte("at2", t2, "_b")},
fa AS ({_unpivot("_a")}),
fb AS ({_unpivot("_b")}),
both_open AS (
  SELECT a.school_id, b.name FROM reg_a a JOIN reg_b b ON b.school_id = a.school_id AND b.is_open WHERE a.is_open
),
schools AS (
  SELECT coalesce(a.school_id, b.school_id) AS school_id, coalesce(a.section, b.section) AS section,
         coalesce(a.measure, b.measure) AS measure, coalesce(a.n, 0) AS before, coalesce(b.n, 0) AS after
  FROM fa a FULL JOIN fb b ON b.school_id = a.school_id AND b.section = a.section AND b.measure = a.measure
  WHERE coalesce(a.n, 0) <> coalesce(b.n, 0)
),
totals AS (
  SELECT coalesce(a.section, b.section) AS section, coalesce(a.measure, b.measure) AS measure,
         coalesce(a.n, 0) AS before, coalesce(b.n, 0) AS after
  FROM (SELECT section, measure, {_total_n} FROM fa GROUP BY 1, 2) a
  FULL JOIN (SELECT section, measure, {_total_n} FROM fb GROUP BY 1, 2) b
    ON b.section = a.section AND b.measure = a.measure
  WHERE coalesce(a.n, 0) <> coalesce(b.n, 0)
)
SELECT s.school_id, o.name, s.section, s.measure, s.before, s.after
FROM schools s JOIN both_open o ON o.school_id = s.school_id
UNION ALL
SELECT NULL, NULL, t.section, t.measure, t.before, t.after FROM totals t
ORDER BY 1 NULLS LAST, 3, 4
"""


def _diff_schools_sql(t1, t2):
    """Schools opened (open at the end, not at the start), stopped (the other way round, as
    the end knows them), and the record changes of those open at both: renamed, stages
    changed, absorbed a school after the first date."""
    def reg(x, at, t):
        return f"""reg{x} AS (
  SELECT x.school_id, x.name, x.stages, x.is_open, x.merged_into, x.opened_on, x.closed_on, x.closed_reason
  {rows_of("school_versions", "x", at, t)}
)"""
    return f"""
WITH {reg("_a", "at1", t1)},
{reg("_b", "at2", t2)}
SELECT 'opened' AS what, b.school_id, b.name, b.opened_on, NULL::date, NULL, NULL, NULL::text[], NULL::text[]
FROM reg_b b LEFT JOIN reg_a a ON a.school_id = b.school_id
WHERE b.is_open AND NOT coalesce(a.is_open, false)
UNION ALL
SELECT 'stopped', a.school_id, coalesce(b.name, a.name), NULL, b.closed_on, b.merged_into, b.closed_reason, NULL, NULL
FROM reg_a a LEFT JOIN reg_b b ON b.school_id = a.school_id
WHERE a.is_open AND NOT coalesce(b.is_open, false)
UNION ALL
SELECT 'changed', b.school_id, b.name, NULL, NULL, a.name, NULL, a.stages::text[], b.stages::text[]
FROM reg_a a JOIN reg_b b ON b.school_id = a.school_id
WHERE a.is_open AND b.is_open AND (a.name <> b.name OR a.stages <> b.stages)
UNION ALL
SELECT 'absorbed', s.school_id, s.name, NULL, x.closed_on, x.school_id, x.name, NULL, NULL
FROM reg_a a JOIN reg_b s ON s.school_id = a.school_id
JOIN reg_b x ON x.merged_into = s.school_id AND x.closed_on > %(at1)s::date
WHERE a.is_open AND s.is_open
ORDER BY 1, 2, 5, 6
"""


# The causing events (district_diff.cpp): effective after the first date up to the second,
# and the corrections (effective on or before the first date, recorded after the first
# recorded time); recorded by the second recorded time, retracted or not, as the audit
# trail keeps them. A recorded time of None is 'infinity'.
CAUSES = """
  SELECT e.event_id, e.type, e.effective_date, e.recorded_at, e.log_topic, e.log_position, false AS correction
  FROM annals.events e
  WHERE e.district = %(district)s AND e.effective_date > %(at1)s::date AND e.effective_date <= %(at2)s::date
    AND e.recorded_at <= %(t2)s::timestamptz
  UNION ALL
  SELECT e.event_id, e.type, e.effective_date, e.recorded_at, e.log_topic, e.log_position, true
  FROM annals.events e
  WHERE e.district = %(district)s AND e.recorded_at > %(t1)s::timestamptz AND e.recorded_at <= %(t2)s::timestamptz
    AND e.effective_date <= least(%(at1)s::date, %(at2)s::date)
"""
DIFF_EVENT_COUNTS_SQL = f"SELECT type, count(*) FROM ({CAUSES}) c GROUP BY type ORDER BY type"
DIFF_EVENTS_SQL = f"""SELECT event_id, type, effective_date, recorded_at, correction FROM ({CAUSES}) c
ORDER BY effective_date, recorded_at, log_topic, log_position LIMIT %(limit)s"""
DIFF_EVENT_LIMIT = 100  # as the audit service lists them by default (?limit=, routes/diff.h)

_DIFF_SQL = {}  # (t1 given, t2 given) -> (figures, schools)


def _diff_sql(t1, t2):
    k = (t1 is not None, t2 is not None)
    if k not in _DIFF_SQL:
        a, b = ("t1" if k[0] else None), ("t2" if k[1] else None)
        _DIFF_SQL[k] = (_diff_figures_sql(a, b), _diff_schools_sql(a, b))
    return _DIFF_SQL[k]


# ---------------------------------------------------------------- the questions

def connect(dsn):
    conn = psycopg.connect(dsn, autocommit=True)
    conn.execute("SET search_path = annals, public")
    return conn


def recorded_time(recorded_at):
    """The instant `?recorded_at=` means: None (current knowledge) stays None; a date is the
    end of that day in Beijing; anything else is an RFC 3339 timestamp, given to PostgreSQL."""
    if recorded_at is None:
        return None
    text = str(recorded_at)
    if len(text) == 10:
        return text + " 23:59:59.999999+08:00"
    return text


def _params(district, at, recorded_at=None):
    return {"district": district, "at": str(at), "t": recorded_time(recorded_at)}


def _natural(measure, n):
    return n / 100 if measure in UNIT else n


def state_at(conn, district, at, recorded_at=None):
    """Every school open in `district` on `at` (as recorded at `recorded_at`; None: current
    knowledge), one dict per school and section (primary, junior; whole for facilities and
    funds recorded for the whole school), with the figures in natural units (m², yuan) as
    the audit service's /state shows them."""
    sql = STATE_SQL if recorded_at is None else STATE_SQL_RECORDED
    out = []
    for row in conn.execute(sql, _params(district, at, recorded_at), prepare=True):
        school, name, kind, stages, section = row[:5]
        d = {"school": school, "name": name, "kind": kind, "stages": list(stages), "stage": section}
        for m, n in zip(MEASURES, row[5:]):
            d[m + ("_" + UNIT[m] if m in UNIT else "")] = _natural(m, n)
        d["full_time_teachers"] = d["teachers"]
        out.append(d)
    return out


def indicators_at(conn, district, at, recorded_at=None):
    """The standard in force on `at` and, per stage, the student-weighted CV of each of its
    indicators (None where undefined: no pupils counted, or a zero mean), from the figures
    as recorded at `recorded_at` (None: current knowledge)."""
    sql = INDICATORS_SQL if recorded_at is None else INDICATORS_SQL_RECORDED
    rows = conn.execute(sql, _params(district, at, recorded_at), prepare=True).fetchall()
    if not rows:
        return {"standard": None, "stages": {}, "summary": {}}
    stages, summary = {}, {}
    for std_id, stage, _, ind, cv, mean, schools, students, composite_rule, max_cv, composite, passes in rows:
        stages.setdefault(stage, {})[ind] = cv
        s = summary.setdefault(stage, {"schools_counted": schools, "students": students, "max_cv": max_cv,
                                       "cv_rule": "composite_cv" if composite_rule else "each_cv",
                                       "composite_cv": composite, "passes": passes, "means": {}})
        s["means"][ind] = mean
    return {"standard": rows[0][0], "stages": stages, "summary": summary}


def series(conn, district, dates, recorded_at=None):
    """indicators_at at each date (as recorded at one time): [{"at": date, **indicators}]."""
    return [dict(indicators_at(conn, district, at, recorded_at), at=str(at)) for at in dates]


def _change(section, measure, before, after):
    return {"section": section, "measure": measure, "unit": UNIT.get(measure, "count"),
            "before": _natural(measure, before), "after": _natural(measure, after),
            "change": _natural(measure, after - before)}


def _utc(recorded_at):
    """A recorded time as the audit service writes it (UTC, six fractional digits)."""
    t = recorded_time(recorded_at)
    if t is None:
        return None
    if isinstance(t, datetime):
        ts = t
    else:
        ts = datetime.fromisoformat(t.replace(" ", "T").replace("Z", "+00:00").replace("z", "+00:00"))
    return ts.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def diff(conn, district, d1, d2, t1=None, t2=None, limit=DIFF_EVENT_LIMIT):
    """What changed in `district` between `d1` as recorded at `t1` and `d2` as recorded at
    `t2` (None: current knowledge), as /v1/districts/{d}/diff?from=&to=&from_recorded_at=
    &to_recorded_at= answers it: schools opened and stopped, the record and figure changes of
    the schools open at both points, the district's totals, and the causing events (the first
    `limit` in apply order, and every one counted by type). Raises ValueError when `d2` is before
    `d1`, which the audit service refuses (400)."""
    if str(d2) < str(d1):
        raise ValueError(f"'to' ({d2}) is before 'from' ({d1})")
    p = {"district": district, "at1": str(d1), "at2": str(d2), "t1": recorded_time(t1), "t2": recorded_time(t2),
         "limit": limit}
    figures_sql, schools_sql = _diff_sql(t1, t2)
    opened, stopped, changed, totals = [], [], {}, []

    def school(sid, name):
        return changed.setdefault(sid, {"school_id": sid, "name": name, "record": [], "figures": []})

    records = {}
    for what, sid, name, opened_on, closed_on, other, reason, stages_a, stages_b in conn.execute(
            schools_sql, p, prepare=True):
        if what == "opened":
            opened.append({"school_id": sid, "name": name, "opened_on": str(opened_on)})
        elif what == "stopped":
            s = {"school_id": sid, "name": name}
            if closed_on is not None:
                s["closed_on"] = str(closed_on)
            if other is not None:
                s["merged_into"] = other
            if reason is not None:
                s["reason"] = reason
            stopped.append(s)
        elif what == "changed":
            r = records.setdefault(sid, [name, [], [], []])
            if other != name:
                r[1].append("renamed from " + other)
            if stages_a != stages_b:
                r[2].append("stages " + ", ".join(stages_a) + " -> " + ", ".join(stages_b))
        else:
            records.setdefault(sid, [name, [], [], []])[3].append(f"absorbed {reason} ({other}) on {closed_on}")
    for sid, name, section, measure, before, after in conn.execute(figures_sql, p, prepare=True):
        if sid is None:
            totals.append(_change(section, measure, before, after))
        else:
            school(sid, name)["figures"].append(_change(section, measure, before, after))
    for sid, (name, renamed, stages, absorbed) in records.items():
        school(sid, name)["record"] = renamed + stages + absorbed
    p["t1"], p["t2"] = p["t1"] or "infinity", p["t2"] or "infinity"
    by_type = dict(conn.execute(DIFF_EVENT_COUNTS_SQL, p, prepare=True).fetchall())
    events = []
    for event_id, typ, on, recorded, correction in conn.execute(DIFF_EVENTS_SQL, p, prepare=True):
        e = {"id": event_id, "type": typ, "effective_date": str(on), "recorded_at": _utc(recorded)}
        if correction:
            e["correction"] = True
        events.append(e)
    total = sum(by_type.values())
    return {
        "district": district,
        "from": {"at": str(d1), "recorded_at": _utc(t1)},
        "to": {"at": str(d2), "recorded_at": _utc(t2)},
        "schools_opened": opened,
        "schools_stopped": stopped,
        "schools_changed": [changed[k] for k in sorted(changed)],
        "totals": totals,
        "events": events,
        "events_by_type": by_type,
        "events_total": total,
        "events_truncated": len(events) < total,
    }
