"""PostgreSQL peer: the two audit questions answered in SQL over valid-time history tables.

    import peer
    conn = peer.connect("host=127.0.0.1 port=15432 user=postgres dbname=annals")
    peer.state_at(conn, "xicheng", "2016-03-01")       # [{school, stage, students, ...}, ...]
    peer.indicators_at(conn, "xicheng", "2018-10-01")  # {standard, stages: {primary: {id: cv}}}

Each question is one SQL statement; the computation (the rows valid on the date, the
holder of each school after mergers, the figures per school and stage, the indicator
values and their student-weighted coefficients of variation) runs in PostgreSQL. Python
only turns the result rows into dicts. Driver: psycopg 3.
"""
import os

import psycopg

# How a row "valid on the date" is asked for; it must match the indexes the tables have.
#   columns: valid_from <= date AND valid_to > date          (btree, schema.sql)
#   range:   daterange(valid_from, valid_to, '[)') @> date   (GiST, load.py --indexes gist)
# ANNALS_PG_PREDICATE=range is only for comparing the two index designs (README.md).
PREDICATE = os.environ.get("ANNALS_PG_PREDICATE", "columns")


def valid(alias):
    if PREDICATE == "range":
        return f"{alias}.district = %(district)s AND daterange({alias}.valid_from, {alias}.valid_to, '[)') @> %(at)s::date"
    return f"{alias}.district = %(district)s AND {alias}.valid_from <= %(at)s::date AND {alias}.valid_to > %(at)s::date"


# The figures a school has on a date, as the audit service names them (services/history/figures.h).
STUDENT_MEASURES = ["students", "migrant_students", "disabled_students", "boarding_students"]
TEACHER_MEASURES = ["teachers", "qualified_teachers", "backbone_teachers", "pe_music_art_teachers",
                    "senior_title_teachers"]
FACILITY_MEASURES = ["floor_area", "sports_area", "equipment_value", "multimedia_classrooms", "computers", "books"]
FUND_MEASURES = ["operating_funds", "earmarked_funds", "construction_funds", "training_funds", "subsidy_funds"]
MEASURES = STUDENT_MEASURES + TEACHER_MEASURES + FACILITY_MEASURES + FUND_MEASURES
FUND_CATEGORY = {"operating_funds": "per_student_operating", "earmarked_funds": "earmarked",
                 "construction_funds": "construction", "training_funds": "training",
                 "subsidy_funds": "student_subsidy"}
# Kept in centi-m² and fen; read in m² and yuan (the value / 100).
UNIT = {"floor_area": "m2", "sports_area": "m2", "equipment_value": "yuan", **{m: "yuan" for m in FUND_MEASURES}}


def _branch(source, section, exprs, tail=""):
    cols = ",\n           ".join(f"{exprs.get(m, '0')}::bigint AS {m}" for m in MEASURES)
    return f"    SELECT x.school_id, {section} AS section,\n           {cols}\n    {source}{tail}"


def _figures_cte():
    """CTEs reg (the registry on the date), holders (each school id -> the open school that
    holds it, following mergers) and figures (per holder and section)."""
    students = _branch(
        f"FROM annals.enrolments x WHERE {valid('x')}", "x.stage::text",
        {"students": "count(*)", "migrant_students": "count(*) FILTER (WHERE x.migrant)",
         "disabled_students": "count(*) FILTER (WHERE x.disability <> 'none')",
         "boarding_students": "count(*) FILTER (WHERE x.boarding)"},
        " GROUP BY 1, 2")
    teachers = _branch(
        f"FROM annals.teacher_assignments x LEFT JOIN backbone b ON b.teacher_id = x.teacher_id\n"
        f"    WHERE {valid('x')} AND x.full_time", "x.stage::text",
        {"teachers": "count(*)",
         "qualified_teachers": "count(*) FILTER (WHERE x.qualification >= CASE x.stage WHEN 'primary' "
                               "THEN 'associate'::annals.qualification ELSE 'bachelor'::annals.qualification END)",
         "backbone_teachers": "count(*) FILTER (WHERE b.teacher_id IS NOT NULL)",
         "pe_music_art_teachers": "count(*) FILTER (WHERE x.subject IN ('pe', 'music', 'fine_art'))",
         "senior_title_teachers": "count(*) FILTER (WHERE x.title >= 'intermediate')"},
        " GROUP BY 1, 2")
    facilities = _branch(
        f"FROM annals.school_facilities x WHERE {valid('x')}", "x.section::text",
        {"floor_area": "x.floor_area_centi_m2", "sports_area": "x.sports_area_centi_m2",
         "equipment_value": "x.equipment_value_fen", "multimedia_classrooms": "x.multimedia_classrooms",
         "computers": "x.computers", "books": "x.books"})
    funds = _branch(
        f"FROM annals.school_funds x WHERE {valid('x')}", "'whole'",
        {m: f"sum(x.amount_fen) FILTER (WHERE x.category = '{c}')" for m, c in FUND_CATEGORY.items()},
        " GROUP BY 1")
    sums = ",\n         ".join(f"sum(r.{m})::bigint AS {m}" for m in MEASURES)
    return f"""
reg AS (
  SELECT x.school_id, x.name, x.stages, x.kind, x.is_open, x.merged_into
  FROM annals.school_versions x WHERE {valid('x')}
),
chain (school_id, holder, depth) AS (
  SELECT school_id, school_id, 0 FROM reg
  UNION ALL
  SELECT c.school_id, r.merged_into, c.depth + 1
  FROM chain c JOIN reg r ON r.school_id = c.holder
  WHERE r.merged_into IS NOT NULL AND c.depth < 64
),
holders AS (
  SELECT h.school_id, h.holder
  FROM (SELECT DISTINCT ON (school_id) school_id, holder FROM chain ORDER BY school_id, depth DESC) h
  JOIN reg r ON r.school_id = h.holder AND r.is_open
),
backbone AS (
  SELECT DISTINCT x.teacher_id FROM annals.teacher_honours x
  WHERE {valid('x')} AND x.level >= 'district'
),
raw AS (
{students}
    UNION ALL
{teachers}
    UNION ALL
{facilities}
    UNION ALL
{funds}
),
figures AS (
  SELECT h.holder AS school_id, r.section,
         {sums}
  FROM raw r JOIN holders h ON h.school_id = r.school_id
  GROUP BY 1, 2
)"""


STATE_SQL = f"""
WITH RECURSIVE {_figures_cte()}
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

INDICATORS_SQL = f"""
WITH RECURSIVE {_figures_cte()},
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


def connect(dsn):
    conn = psycopg.connect(dsn, autocommit=True)
    conn.execute("SET search_path = annals, public")
    return conn


def _params(district, at):
    return {"district": district, "at": str(at)}


def state_at(conn, district, at):
    """Every school open in `district` on `at`, one dict per school and section (primary,
    junior; whole for facilities and funds recorded for the whole school), with the
    figures in natural units (m², yuan) as the audit service's /state shows them."""
    out = []
    for row in conn.execute(STATE_SQL, _params(district, at), prepare=True):
        school, name, kind, stages, section = row[:5]
        d = {"school": school, "name": name, "kind": kind, "stages": list(stages), "stage": section}
        for m, n in zip(MEASURES, row[5:]):
            d[m + ("_" + UNIT[m] if m in UNIT else "")] = n / 100 if m in UNIT else n
        d["full_time_teachers"] = d["teachers"]
        out.append(d)
    return out


def indicators_at(conn, district, at):
    """The standard in force on `at` and, per stage, the student-weighted CV of each of its
    indicators (None where undefined: no pupils counted, or a zero mean)."""
    rows = conn.execute(INDICATORS_SQL, _params(district, at), prepare=True).fetchall()
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
