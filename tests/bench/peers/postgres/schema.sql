-- The conventional design, bitemporal: history tables with one row per version of a thing on
-- two clocks. Valid time: valid_from (inclusive) .. valid_to (exclusive, 'infinity' while
-- current), when it was true. Transaction time: sys_from (inclusive) .. sys_to (exclusive,
-- 'infinity' while the record still says so), when the record said it. An ETL (load.py)
-- derives the rows from the event feed; a late record or a retraction closes the rows it
-- changes (sys_to) and adds the corrected ones, so the tables answer "what was true on D"
-- as currently known (sys_to = 'infinity') and as recorded at any T (sys_from <= T < sys_to).
-- The events themselves are kept too (events), to name the causes of a change. See README.md.
--
-- load.py runs the part above the "@indexes" marker in the same transaction as the COPY
-- (with wal_level=minimal the tables' data then skips the WAL and is synced at commit),
-- then the part below it (the indexes), then ANALYZE.

DROP SCHEMA IF EXISTS annals CASCADE;
CREATE SCHEMA annals;
SET search_path = annals;

-- Ordered enums: `qualification >= 'associate'` and `level >= 'district'` compare by rank.
CREATE TYPE stage AS ENUM ('primary', 'junior');
CREATE TYPE section AS ENUM ('primary', 'junior', 'whole');  -- facilities may be for the whole school
CREATE TYPE school_kind AS ENUM ('regular', 'teaching_point', 'special_education');
CREATE TYPE qualification AS ENUM ('secondary', 'associate', 'bachelor', 'master', 'doctor');
CREATE TYPE title AS ENUM ('none', 'junior', 'intermediate', 'senior');
CREATE TYPE honour_level AS ENUM ('school', 'district', 'city', 'province', 'national');

-- The school registry: one row per version of a school (opened, renamed, stages changed,
-- closed, absorbed by a merger). A closed or absorbed school keeps a row (is_open false,
-- merged_into set) so that figures recorded under its id can be found a holder.
CREATE TABLE school_versions (
  district      text        NOT NULL,
  school_id     text        NOT NULL,
  name          text        NOT NULL,
  stages        stage[]     NOT NULL,
  kind          school_kind NOT NULL,
  ownership     text        NOT NULL,
  location      text        NOT NULL,
  boarding      boolean     NOT NULL,
  township      text,
  opened_on     date        NOT NULL,
  closed_on     date,                   -- closed, split or absorbed on (NULL while open)
  is_open       boolean     NOT NULL,
  closed_reason text,
  merged_into   text,
  split_from    text,
  valid_from    date        NOT NULL,
  valid_to      date        NOT NULL,
  sys_from      timestamptz NOT NULL,
  sys_to        timestamptz NOT NULL,
  CHECK (valid_from < valid_to),
  CHECK (sys_from < sys_to)
);

-- A student's enrolment: one row per (school, stage, grade, flags) the student holds,
-- from enrolment, promotion, transfer or flag change until the next one or the exit.
CREATE TABLE enrolments (
  district      text     NOT NULL,
  student_id    text     NOT NULL,
  school_id     text     NOT NULL,
  stage         stage    NOT NULL,
  grade         smallint NOT NULL,
  admission     text     NOT NULL,
  migrant       boolean  NOT NULL,
  disability    text     NOT NULL,
  boarding      boolean  NOT NULL,
  hardship_tier smallint NOT NULL,
  valid_from    date     NOT NULL,
  valid_to      date     NOT NULL,
  sys_from      timestamptz NOT NULL,
  sys_to        timestamptz NOT NULL,
  CHECK (valid_from < valid_to),
  CHECK (sys_from < sys_to)
);

-- A teacher's assignment while employed: where and what they teach, with their
-- qualification and title; a new row on every transfer, rotation (and its end),
-- qualification or title change; closed when the teacher leaves.
CREATE TABLE teacher_assignments (
  district      text          NOT NULL,
  teacher_id    text          NOT NULL,
  school_id     text          NOT NULL,
  stage         stage         NOT NULL,
  subject       text          NOT NULL,
  qualification qualification NOT NULL,
  title         title         NOT NULL,
  full_time     boolean       NOT NULL,
  post_school   text,
  valid_from    date          NOT NULL,
  valid_to      date          NOT NULL,
  sys_from      timestamptz NOT NULL,
  sys_to        timestamptz NOT NULL,
  CHECK (valid_from < valid_to),
  CHECK (sys_from < sys_to)
);

-- Honours (backbone teacher, subject leader, special grade) by level, from award to revocation.
CREATE TABLE teacher_honours (
  district   text         NOT NULL,
  teacher_id text         NOT NULL,
  honour     text         NOT NULL,
  level      honour_level NOT NULL,
  valid_from date         NOT NULL,
  valid_to   date         NOT NULL,
  sys_from   timestamptz  NOT NULL,
  sys_to     timestamptz  NOT NULL,
  CHECK (valid_from < valid_to),
  CHECK (sys_from < sys_to)
);

-- A school's facilities per section, as absolute levels: the ETL folds the censuses
-- (absolute), the construction and equipment purchases (increments) and the facilities an
-- absorbed school brings to the survivor of a merger into one row per level.
CREATE TABLE school_facilities (
  district              text    NOT NULL,
  school_id             text    NOT NULL,
  section               section NOT NULL,
  floor_area_centi_m2   bigint  NOT NULL,
  sports_area_centi_m2  bigint  NOT NULL,
  equipment_value_fen   bigint  NOT NULL,
  multimedia_classrooms bigint  NOT NULL,
  computers             bigint  NOT NULL,
  books                 bigint  NOT NULL,
  classes               bigint  NOT NULL,  -- the stage's classes, all grades (school.classes_counted)
  largest_class         bigint  NOT NULL,  -- its largest class, of any grade (0: not counted)
  valid_from            date    NOT NULL,
  valid_to              date    NOT NULL,
  sys_from              timestamptz NOT NULL,
  sys_to                timestamptz NOT NULL,
  CHECK (valid_from < valid_to),
  CHECK (sys_from < sys_to)
);

-- Allocations to a school: each counts for its whole fiscal year, from its recorded_at until
-- its retraction (transaction time).
CREATE TABLE school_funds (
  district       text   NOT NULL,
  school_id      text   NOT NULL,
  category       text   NOT NULL,
  fiscal_year    int    NOT NULL,
  amount_fen     bigint NOT NULL,
  funding_source text   NOT NULL,
  valid_from     date   NOT NULL,
  valid_to       date   NOT NULL,
  sys_from       timestamptz NOT NULL,
  sys_to         timestamptz NOT NULL,
  CHECK (valid_from < valid_to),
  CHECK (sys_from < sys_to)
);

-- The record itself: every event Annals keeps in its log (duplicates and the retractions it
-- refuses are not), retracted ones too, so that a diff can count the events that caused a
-- change, on either clock. Apply order: effective_date, recorded_at, log_topic, log_position.
CREATE TABLE events (
  district       text        NOT NULL,
  event_id       text        NOT NULL,
  type           text        NOT NULL,
  effective_date date        NOT NULL,
  recorded_at    timestamptz NOT NULL,
  retracted_at   timestamptz,            -- recorded_at of the first retraction that voids it
  log_topic      smallint    NOT NULL,   -- the system (topic) whose log holds it
  log_position   bigint      NOT NULL    -- its place in the feed (the NDJSON line)
);

-- The supervision standards as data (loaded from services/audit/standards/*.json).
CREATE TABLE standards (
  id                       text PRIMARY KEY,
  title                    text NOT NULL,
  reference                text NOT NULL,
  effective_from           date NOT NULL,
  districts                text[] NOT NULL,          -- empty: every district
  by_default               boolean NOT NULL,         -- false: applied only when asked for
  composite_cv             boolean NOT NULL,         -- district rule: mean of the CVs, else each CV
  max_cv_primary           double precision,
  max_cv_junior            double precision,
  excluded_kinds           school_kind[] NOT NULL,
  teaching_points_under    int NOT NULL
);

CREATE TABLE standard_indicators (
  standard_id    text NOT NULL REFERENCES standards(id),
  ord            int  NOT NULL,
  indicator_id   text NOT NULL,
  name           text NOT NULL,
  measure        text NOT NULL,                      -- a column of the per-school figures
  per_students   double precision NOT NULL,          -- 1: per student; 100: per 100 students
  minimum_primary double precision,
  minimum_junior  double precision,
  PRIMARY KEY (standard_id, ord)
);

-- @indexes
-- Every question is "rows of district X valid on date D" (valid_from <= D AND valid_to > D),
-- as currently known (sys_to = 'infinity') or as recorded at T (sys_from <= T AND sys_to > T).
-- Current knowledge: a partial btree on (district, valid_from, valid_to) WHERE sys_to =
-- 'infinity', the valid-time peer's index over the same rows: one range scan of the district's
-- rows that began by D, valid_to checked in the index; rows share few distinct (valid_from,
-- valid_to) pairs, so btree deduplication keeps it small (4.7 MB for 580k enrolment rows).
-- As recorded at T: the current rows recorded by T (the same partial index, sys_from checked
-- in the row) UNION ALL the superseded rows (sys_to <> 'infinity') whose transaction time holds
-- T, by a partial btree on (district, valid_from, valid_to, sys_from, sys_to) that checks both
-- clocks in the index. README.md compares it with one btree over all rows, one without the
-- sys columns and GiST on (district, daterange, tstzrange) (load.py --indexes gist).
CREATE INDEX enrolments_current ON annals.enrolments (district, valid_from, valid_to) WHERE sys_to = 'infinity';
CREATE INDEX teacher_assignments_current ON annals.teacher_assignments (district, valid_from, valid_to) WHERE sys_to = 'infinity';
CREATE INDEX teacher_honours_current ON annals.teacher_honours (district, valid_from, valid_to) WHERE sys_to = 'infinity';
CREATE INDEX school_versions_current ON annals.school_versions (district, valid_from, valid_to) WHERE sys_to = 'infinity';
CREATE INDEX school_facilities_current ON annals.school_facilities (district, valid_from, valid_to) WHERE sys_to = 'infinity';
CREATE INDEX school_funds_current ON annals.school_funds (district, valid_from, valid_to) WHERE sys_to = 'infinity';
CREATE INDEX enrolments_recorded ON annals.enrolments (district, valid_from, valid_to, sys_from, sys_to) WHERE sys_to <> 'infinity';
CREATE INDEX teacher_assignments_recorded ON annals.teacher_assignments (district, valid_from, valid_to, sys_from, sys_to) WHERE sys_to <> 'infinity';
CREATE INDEX teacher_honours_recorded ON annals.teacher_honours (district, valid_from, valid_to, sys_from, sys_to) WHERE sys_to <> 'infinity';
CREATE INDEX school_versions_recorded ON annals.school_versions (district, valid_from, valid_to, sys_from, sys_to) WHERE sys_to <> 'infinity';
CREATE INDEX school_facilities_recorded ON annals.school_facilities (district, valid_from, valid_to, sys_from, sys_to) WHERE sys_to <> 'infinity';
CREATE INDEX school_funds_recorded ON annals.school_funds (district, valid_from, valid_to, sys_from, sys_to) WHERE sys_to <> 'infinity';
-- The causing events of a diff: those effective in (D1, D2] recorded by T2 (the first), and
-- the corrections, effective by D1 and recorded in (T1, T2] (the second, or the first when
-- fewer events are effective by D1 than recorded after T1); type included: index-only counts.
-- @events
CREATE INDEX events_effective ON annals.events (district, effective_date, recorded_at) INCLUDE (type);
CREATE INDEX events_recorded ON annals.events (district, recorded_at, effective_date) INCLUDE (type);
-- No per-entity indexes (a student's or teacher's own history): no question here asks for one,
-- and each would add to the load time.
