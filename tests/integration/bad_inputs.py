"""The table of bad inputs for tests/integration/bad_input_test.py, and how an answer is checked.

Three kinds of input:

  Post   POST /v1/events to one publishing service: a body, a Content-Type, and the exact
         answer (status, error text, or the violation's pointer, message and code);
  Get    a GET to the audit service (or another process) that must be refused with a 4xx
         JSON error, never a 5xx;
  Direct a record produced straight into a domain topic with a Kafka client, and the reason
         its dead letter must carry (or None: not a dead letter, a duplicate).

The contract cases are generated from the published JSON Schemas (schemas/<type>/v<N>.schema.json):
each field of each example event gets each bad value of its kind. Nothing here talks to a
process; the driver sends the inputs and calls check().
"""
import copy
import glob
import json
import os
import re
import uuid
from dataclasses import dataclass, field
from typing import Optional

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
ID_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
SERVICES = ("registry", "personnel", "enrollment", "finance")

# Messages of the contract (events/json_codec.cpp, events/bounds.h).
IDENT = "must be an identifier: 1-64 of A-Z a-z 0-9 . _ : - starting with a letter or digit"
UUIDM = "must be a UUID (8-4-4-4-12 hexadecimal digits)"
STRING = "must be a string"
WINDOW = "must be between 1900-01-01 and 2099-12-31"
CALENDAR = "must be a real calendar date YYYY-MM-DD"
DATE_STRING = "must be a date string YYYY-MM-DD"
RFC3339 = "must be an RFC 3339 timestamp such as 2019-09-01T08:00:00Z"
RFC3339_STRING = "must be an RFC 3339 timestamp string"
INTEGER = "must be an integer"
TOO_LARGE = "is too large"
AREA_RANGE = "must be between 0 and 10000000 m²"
AREA_DECIMALS = "must have at most two decimal places"
AREA_TYPE = "must be a number of square metres"
BOOL = "must be true or false"
ONE_OF = "must be one of"
NOT_NULL = "must not be null; leave the field out instead"
REQUIRED = "is required"
UNKNOWN_FIELD = "is not a field of this type"
CONTROL = "must not contain control or bidirectional-override characters ({})"
NOT_OBJECT = "an event must be a JSON object"
MEDIA = "Content-Type must be application/json or application/x-ndjson"
TOO_DEEP = "nested deeper than 16"
TOO_MANY = "a request holds at most 100000 events"
EMPTY_BATCH = "the batch is empty"
NOT_JSON = "not valid JSON"

# Free text: the characters the contract forbids, each as sent and as the message names it.
FORBIDDEN = [("\u0000", "U+0000"), ("\u001b[31m", "U+001B"), ("\t", "U+0009"), ("\n", "U+000A"),
             ("\u007f", "U+007F"), ("\u0085", "U+0085"), ("\u202e", "U+202E"), ("\u2066", "U+2066"),
             ("\u061c", "U+061C"), ("\u200f", "U+200F")]

EFFECTIVE_DATES = [("0000-01-01", WINDOW), ("0001-01-01", WINDOW), ("1899-12-31", WINDOW),
                   ("9999-12-31", WINDOW), ("2100-01-01", WINDOW), ("2019-02-29", CALENDAR),
                   ("2019-13-01", CALENDAR), ("2019-1-1", CALENDAR), (20190101, DATE_STRING),
                   ("2019-02-30", CALENDAR), ("2019-09-01T00:00:00Z", CALENDAR), ("", CALENDAR),
                   ("\uff12\uff10\uff11\uff19-01-01", CALENDAR)]
TIMESTAMPS = [("9999-12-31T00:00:00Z", WINDOW), ("1899-12-31T23:59:59Z", WINDOW),
              ("2099-12-31T23:00:00-05:00", WINDOW), ("2019-09-01", RFC3339),
              ("2019-09-01T25:00:00Z", RFC3339), ("2019-09-01 08:00:00Z", RFC3339),
              ("2019-09-01T08:00:00", RFC3339), (1567324800, RFC3339_STRING)]


class Raw:
    """A JSON token written as is (1e400, 1.0, NaN): json.dumps cannot write these."""
    def __init__(self, text):
        self.text = text


def dumps(doc):
    """JSON text of `doc`, with Raw tokens in place."""
    raws = []

    def walk(v):
        if isinstance(v, Raw):
            raws.append(v.text)
            return f"\u0001raw{len(raws) - 1}\u0001"
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        return v
    text = json.dumps(walk(doc), ensure_ascii=False)
    for i, r in enumerate(raws):
        text = text.replace(f'"\\u0001raw{i}\\u0001"', r)
    return text


def is_uuid(v):
    return isinstance(v, str) and bool(UUID_RE.match(v))


# The district's own reports that its enrolment office makes (events/enrollment.h).
ENROLLMENT_DISTRICT_TYPES = ("district.disabled_children_counted", "district.senior_high_quota_allocated")


def service_of(event_type, source=""):
    if event_type in ENROLLMENT_DISTRICT_TYPES:
        return "enrollment"
    head = event_type.split(".")[0]
    if head in ("district", "school", "cluster"):
        return "registry"
    if head == "teacher":
        return "personnel"
    if head == "student":
        return "enrollment"
    if head in ("funding", "budget"):
        return "finance"
    for s in SERVICES:  # record.retracted: the system its source names
        if s in source:
            return s
    return "registry"


# ---------------------------------------------------------------------------------------------
# Expectations and how an answer is checked.

def whole(status, error=None, error_start=None, error_contains=None, not_json=False):
    """An error about the whole request: {"error": ...} (and violations[0] at "" for 400)."""
    return {"kind": "whole", "status": status, "error": error, "error_start": error_start,
            "error_contains": error_contains, "not_json": not_json}


def rejected(pointer, message="", code="invalid", status=422, only=True, exact=False, **extra):
    """One event refused: {"status": "rejected", "id", "violations": [...]} with a violation at
    `pointer` whose message contains `message` (equals it when exact) and has `code`; `only`:
    every violation is at that pointer."""
    return dict({"kind": "rejected", "status": status, "pointer": pointer, "message": message,
                 "code": code, "only": only, "exact": exact}, **extra)


def accepted(duplicate=False):
    return {"kind": "accepted", "status": 201, "duplicate": duplicate}


def batch(results, status=200, counts=None):
    """A batch answer: per index an expectation (rejected(...) or accepted(...)) of that result."""
    return {"kind": "batch", "status": status, "results": results, "counts": counts}


def http_error(status, contains):
    """A refused GET: exactly `status` (or one of a tuple), a JSON {"error"} containing `contains`."""
    return {"kind": "get", "status": status, "contains": contains}


def _violation_problems(body, exp, doc_id):
    problems = []
    if body.get("status") != "rejected":
        problems.append(f"status field {body.get('status')!r}, expected 'rejected'")
    if "id" in exp:
        doc_id = [exp["id"]]
    if "id" not in body:
        problems.append("no id in the answer")
    elif doc_id is not None and body["id"] != doc_id[0]:
        problems.append(f"id echoed {body['id']!r}, expected {doc_id[0]!r}")
    vs = body.get("violations")
    if not isinstance(vs, list) or not vs:
        return problems + ["no violations"]
    for v in vs:
        if set(v) != {"pointer", "message", "code"}:
            problems.append(f"violation keys {sorted(v)}")
    hits = [v for v in vs if v.get("pointer") == exp["pointer"] and (exp["code"] is None or v.get("code") == exp["code"]) and
            ((v.get("message") == exp["message"]) if exp["exact"] else (exp["message"] in v.get("message", "")))]
    if not hits:
        problems.append(f"no violation at {exp['pointer']!r} code {exp['code']!r} message "
                        f"{'==' if exp['exact'] else '~'} {exp['message']!r}")
    if exp["only"] and any(v.get("pointer") != exp["pointer"] for v in vs):
        problems.append("violations elsewhere too: " + ", ".join(sorted({v.get('pointer', '?') for v in vs})))
    if "violations_count" in exp and len(vs) != exp["violations_count"]:
        problems.append(f"{len(vs)} violations listed, expected {exp['violations_count']}")
    if "omitted" in exp and body.get("violations_omitted") != exp["omitted"]:
        problems.append(f"violations_omitted {body.get('violations_omitted')!r}, expected {exp['omitted']}")
    if "message_max" in exp and any(len(v.get("message", "")) > exp["message_max"] for v in vs):
        problems.append(f"a message is longer than {exp['message_max']} characters")
    if "pointer_max" in exp and any(len(v.get("pointer", "")) > exp["pointer_max"] for v in vs):
        problems.append(f"a pointer is longer than {exp['pointer_max']} characters")
    return problems


def _result_problems(body, exp, doc_id):
    if exp["kind"] == "accepted":
        problems = []
        if body.get("status") != "accepted":
            problems.append(f"status field {body.get('status')!r}, expected 'accepted'")
        if bool(body.get("duplicate")) != exp["duplicate"]:
            problems.append(f"duplicate {body.get('duplicate')!r}, expected {exp['duplicate']}")
        return problems
    return _violation_problems(body, exp, doc_id)


def check(exp, status, raw, content_type, doc_ids=None, max_bytes=None):
    """Problems (a list of strings, empty when the answer is as expected) of one answer."""
    problems = []
    want = exp["status"]
    if isinstance(want, tuple) and status not in want or not isinstance(want, tuple) and status != want:
        problems.append(f"status {status}, expected {want}")
    if status >= 500:
        problems.append("a 5xx answer")
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return problems + [f"answer is not JSON: {raw[:200]!r}"]
    if not (content_type or "").startswith("application/json"):
        problems.append(f"Content-Type {content_type!r}")
    if max_bytes and len(raw) > max_bytes:
        problems.append(f"answer of {len(raw)} bytes, expected under {max_bytes}")
    if problems and problems[0].startswith("status"):
        return problems
    kind = exp["kind"]
    if kind in ("whole", "get"):
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, str):
            return problems + ["no error text"]
        if kind == "get":
            if exp["contains"] not in error:
                problems.append(f"error {error[:200]!r} does not contain {exp['contains']!r}")
            return problems
        if exp["error"] is not None and error != exp["error"]:
            problems.append(f"error {error[:200]!r}, expected {exp['error']!r}")
        if exp["error_start"] is not None and not error.startswith(exp["error_start"]):
            problems.append(f"error {error[:200]!r} does not start with {exp['error_start']!r}")
        if exp["error_contains"] is not None and exp["error_contains"] not in error:
            problems.append(f"error {error[:200]!r} does not contain {exp['error_contains']!r}")
        if exp["not_json"] or status == 400:
            vs = body.get("violations")
            if not isinstance(vs, list) or not vs or vs[0].get("pointer") != "":
                problems.append(f"violations[0].pointer is not \"\": {vs!r:.200}")
            elif exp["not_json"] and not vs[0].get("message", "").startswith(NOT_JSON):
                problems.append(f"violations[0].message {vs[0].get('message')!r:.200} does not start with {NOT_JSON!r}")
        return problems
    if kind == "batch":
        results = body.get("results")
        if not isinstance(results, list):
            return problems + ["no results"]
        for index, sub in exp["results"].items():
            if index >= len(results):
                problems.append(f"no result {index}")
                continue
            r = results[index]
            if r.get("index") != index:
                problems.append(f"result {index} has index {r.get('index')!r}")
            ids = None if doc_ids is None else [doc_ids[index]]
            problems += [f"result {index}: {p}" for p in _result_problems(r, sub, ids)]
        if exp["counts"]:
            for k, n in exp["counts"].items():
                if body.get(k) != n:
                    problems.append(f"{k} {body.get(k)!r}, expected {n}")
        return problems
    ids = None if doc_ids is None else doc_ids[:1]
    return problems + _result_problems(body, exp, ids)


# ---------------------------------------------------------------------------------------------
# The inputs.

@dataclass
class Post:
    cls: str
    name: str
    service: str
    body: bytes
    expect: dict
    ctype: Optional[str] = "application/json"
    headers: dict = field(default_factory=dict)
    docs: list = field(default_factory=list)  # the documents sent (for the echoed id and the topic check)
    refused_ids: list = field(default_factory=list)  # fresh ids that must never reach a topic
    reused_ids: list = field(default_factory=list)   # ids of accepted events this input reused
    max_bytes: Optional[int] = None


@dataclass
class Get:
    cls: str
    name: str
    path: str
    expect: dict
    target: str = "audit"
    method: str = "GET"
    headers: dict = field(default_factory=dict)
    forbid: Optional[bytes] = None  # bytes the answer must not hold (a file's content)


@dataclass
class Direct:
    cls: str
    name: str
    system: str
    key: Optional[str]
    value: Optional[bytes]
    reason: Optional[str]          # None: not a dead letter (a duplicate)
    match: str = "prefix"          # prefix | contains
    conflict: bool = False
    max_reason_bytes: Optional[int] = None


def load_examples(source):
    """{(type, version): example} and {(type, version): schema} from schemas/."""
    examples, schemas = {}, {}
    for path in sorted(glob.glob(os.path.join(source, "schemas", "*", "v*.example.json"))):
        with open(path) as f:
            ex = json.load(f)
        with open(path.replace(".example.json", ".schema.json")) as f:
            schema = json.load(f)
        examples[(ex["type"], ex["schema_version"])] = ex
        schemas[(ex["type"], ex["schema_version"])] = schema
    return examples, schemas


def fresh(doc):
    d = copy.deepcopy(doc)
    d["id"] = str(uuid.uuid4())
    return d


def set_at(doc, path, value):
    target = doc
    for p in path[:-1]:
        target = target[p]
    target[path[-1]] = value


def delete_at(doc, path):
    target = doc
    for p in path[:-1]:
        target = target[p]
    del target[path[-1]]


def pointer(path):
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def event_post(cls, name, doc, expect, service=None, ctype="application/json", headers=None):
    """A POST of one event document; its fresh id (if a UUID) must never reach a topic."""
    service = service or service_of(doc.get("type", "") if isinstance(doc.get("type"), str) else "",
                                    doc.get("source", "") if isinstance(doc.get("source"), str) else "")
    body = dumps(doc).encode()
    ids = [doc["id"]] if is_uuid(doc.get("id")) else []
    return Post(cls, name, service, body, expect, ctype, headers or {}, docs=[doc], refused_ids=ids)


def kind_of(prop):
    if "const" in prop:
        return "const"
    t = prop.get("type")
    if t == "string":
        if "enum" in prop:
            return "enum"
        if prop.get("format") == "date":
            return "date"
        if prop.get("format") == "date-time":
            return "timestamp"
        pattern = prop.get("pattern", "")
        if pattern.startswith("^[0-9a-fA-F]{8}"):
            return "uuid"
        if pattern == ID_PATTERN:
            return "identifier"
        return "text"
    return t  # integer, number, boolean, array, object


NULL_MESSAGE = {"uuid": STRING, "identifier": STRING, "text": STRING, "enum": ONE_OF, "integer": INTEGER,
                "number": AREA_TYPE, "boolean": BOOL, "date": DATE_STRING, "timestamp": RFC3339_STRING,
                "array": "must be an array", "object": "must be an object"}


def bad_values(kind, prop, full):
    """(value, message, sub-path) triples for a field of `kind`; `full`: every value, else a few."""
    if kind == "uuid":
        values = [("not-a-uuid", UUIDM), ("6F1C2A3E0B7D4C1E9A513D2F7E8A9B04", UUIDM),
                  ("6f1c2a3e-0b7d-4c1e-9a51-3d2f7e8a9bzz", UUIDM), ("", UUIDM), (42, STRING),
                  ("{6f1c2a3e-0b7d-4c1e-9a51-3d2f7e8a9b04}", UUIDM)]
        return [(v, m, []) for v, m in (values if full else values[:2] + values[4:5])]
    if kind == "identifier":
        values = [("dong cheng", IDENT), ("-lead", IDENT), ("a" * 65, IDENT), ("", IDENT), ("东城", IDENT),
                  ("a/b", IDENT), ("x\u001b[31m", IDENT), (7, STRING), ([], STRING)]
        return [(v, m, []) for v, m in (values if full else values[:1] + values[2:3] + values[7:8])]
    if kind == "text":
        values = [("", "must not be empty"), ("字" * 201, "must be at most 200 characters"),
                  ("a" * 201, "must be at most 200 characters"), (5, STRING)]
        values += [("北京" + ch + "小学", CONTROL.format(code)) for ch, code in FORBIDDEN]
        return [(v, m, []) for v, m in values]
    if kind == "enum":
        values = [("PRIMARY", ONE_OF), ("", ONE_OF), (1, ONE_OF), ("x" * 300, ONE_OF)]
        return [(v, m, []) for v, m in (values if full else values[:1] + values[2:3])]
    if kind == "date":
        values = EFFECTIVE_DATES if full else [("2100-01-01", WINDOW), ("2019-02-30", CALENDAR), (20190101, DATE_STRING)]
        return [(v, m, []) for v, m in values]
    if kind == "timestamp":
        return [(v, m, []) for v, m in (TIMESTAMPS if full else TIMESTAMPS[:1] + TIMESTAMPS[3:4])]
    if kind == "integer":
        lo, hi = prop.get("minimum"), prop.get("maximum")
        values = []
        if lo is not None:
            values.append((lo - 1, f"must be at least {lo}"))
        if hi is not None:
            values.append((hi + 1, f"must be at most {hi}"))
        values += [(1.5, INTEGER), ("1", INTEGER), (9223372036854775808, TOO_LARGE)]
        if full:
            values += [(True, INTEGER), (Raw("1e300"), INTEGER), (-9223372036854775809, INTEGER)]
        return [(v, m, []) for v, m in values]
    if kind == "number":  # an area in m²
        values = [(-0.01, AREA_RANGE), (10000000.01, AREA_RANGE), (3200.255, AREA_DECIMALS), ("1", AREA_TYPE)]
        if full:
            values += [(-1, AREA_RANGE), (Raw("1e300"), AREA_RANGE), (0.001, AREA_DECIMALS), (True, AREA_TYPE)]
        return [(v, m, []) for v, m in values]
    if kind == "boolean":
        return [("true", BOOL, []), (1, BOOL, [])]
    if kind == "array":
        items = prop.get("items", {})
        ik = kind_of(items)
        out = [("x", "must be an array", [])]
        if prop.get("minItems"):
            out.append(([], "must have at least one item", []))
        if ik == "enum":
            first = items["enum"][0]
            out += [([first, first], "must not repeat an item", []), (["kindergarten"], ONE_OF, [0]),
                    ([first] * 1001, "must have at most 1000 items", [])]
        elif ik == "identifier":
            out += [(["dc-a", "dc-a"], "must not repeat an item", []), (["bad id"], IDENT, [0]),
                    ([7], STRING, [0])]
        elif ik == "object":
            out += [([1], "must be an object", [0])]
        return out
    if kind == "object":
        return [([], "must be an object", []), ("x", "must be an object", [])]
    return []


def field_cases(cls, example, schema, path, prop, required, full, service):
    """The cases of one field: each bad value, null, and (when required) its absence."""
    cases = []
    kind = kind_of(prop)
    where = f"{example['type']} v{example['schema_version']} {pointer(path)}"
    for value, message, sub in bad_values(kind, prop, full):
        doc = fresh(example)
        set_at(doc, path, value)
        shown = value if not isinstance(value, (str, list)) or len(repr(value)) < 40 else repr(value)[:37] + "..."
        cases.append(event_post(cls, f"{where} = {shown!r}", doc,
                                rejected(pointer(path + sub), message), service=service))
    doc = fresh(example)
    set_at(doc, path, None)
    cases.append(event_post(cls, f"{where} = null", doc,
                            rejected(pointer(path), NULL_MESSAGE[kind] if required else NOT_NULL), service=service))
    if required:
        doc = fresh(example)
        try:
            delete_at(doc, path)
        except KeyError:
            pass
        cases.append(event_post(cls, f"{where} missing", doc, rejected(pointer(path), REQUIRED), service=service))
    return cases


def contract_cases(examples, schemas):
    """Each field of each example x each bad value of its kind (classes contract.*)."""
    cases = []
    representative = {"district.registered", "teacher.hired", "student.enrolled", "funding.allocated"}
    for key in sorted(examples):
        ex, schema = examples[key], schemas[key]
        service = service_of(ex["type"], ex["source"])
        full_envelope = ex["type"] in representative
        props, required = schema["properties"], set(schema.get("required", []))
        for name in ("id", "district", "effective_date", "source", "correlation_id", "source_recorded_at"):
            prop = props[name]
            kind = kind_of(prop)
            cls = {"id": "contract.id", "effective_date": "dates", "source_recorded_at": "dates"}.get(name, "contract.envelope")
            if kind == "text":
                cls = "free_text"
            if not full_envelope and kind == "text":
                # the forbidden characters on every example's source; the rest on the representatives
                for ch, code in FORBIDDEN[:3]:
                    doc = fresh(ex)
                    doc[name] = "beijing" + ch + "registry"
                    cases.append(event_post(cls, f"{ex['type']} /{name} with {code}", doc,
                                            rejected("/" + name, CONTROL.format(code)), service=service))
                continue
            cases += field_cases(cls, ex, schema, [name], prop, name in required, full_envelope, service)
        # type, schema_version, data, recorded_at and unknown fields
        cases += envelope_cases(ex, service, full_envelope)
        data = props["data"]
        for name, prop in data["properties"].items():
            kind = kind_of(prop)
            cls = {"text": "free_text", "integer": "numbers", "number": "numbers", "date": "dates"}.get(kind, "contract.data")
            cases += field_cases(cls, ex, schema, ["data", name], prop, name in data.get("required", []), True, service)
            if kind == "array" and kind_of(prop["items"]) == "object":
                item = prop["items"]
                for sub, sp in item["properties"].items():
                    k2 = kind_of(sp)
                    c2 = {"text": "free_text", "integer": "numbers", "number": "numbers"}.get(k2, "contract.data")
                    cases += field_cases(c2, ex, schema, ["data", name, 0, sub], sp, sub in item.get("required", []),
                                         False, service)
        doc = fresh(ex)
        doc["data"]["not_a_field"] = 1
        cases.append(event_post("contract.data", f"{ex['type']} v{ex['schema_version']} extra data field", doc,
                                rejected("/data/not_a_field", UNKNOWN_FIELD), service=service))
    return cases


def envelope_cases(ex, service, full):
    cases = []
    t = f"{ex['type']} v{ex['schema_version']}"
    # schema_version
    versions = [(Raw("2.0"), "unsupported version of " + ex["type"]), (Raw("7.0"), "unsupported version"),
                (7, "unsupported version"), (0, "must be at least 1"), (-1, "must be at least 1"),
                ("1", INTEGER), (1.5, INTEGER), (True, INTEGER), (None, INTEGER),
                (9223372036854775808, TOO_LARGE), (Raw("1e2"), "unsupported version")]
    if not full:
        versions = [(7, "unsupported version"), ("1", INTEGER)]
    for v, m in versions:
        doc = fresh(ex)
        doc["schema_version"] = v
        shown = v.text if isinstance(v, Raw) else repr(v)
        # a version that is not read leaves the default, 1: a v2 document then breaks v1's data too
        cases.append(event_post("schema_version", f"{t} schema_version {shown}", doc,
                                rejected("/schema_version", m, only=ex["schema_version"] == 1), service=service))
    if full:  # a number no double holds is not JSON the parser can read: the whole body is refused
        doc = fresh(ex)
        doc["schema_version"] = Raw("1e400")
        cases.append(event_post("schema_version", f"{t} schema_version 1e400", doc,
                                whole(400, error_contains="number overflow"), service=service))
    if ex["type"] == "teacher.transferred" and ex["schema_version"] == 2:
        doc = fresh(ex)
        doc["schema_version"] = 3
        cases.append(event_post("schema_version", f"{t} schema_version 3", doc,
                                rejected("/schema_version", "unsupported version of teacher.transferred; supported: 1, 2",
                                         exact=True), service=service))
    doc = fresh(ex)
    del doc["schema_version"]
    # absent, it is taken as 1: a v2 document then breaks v1's data as well
    cases.append(event_post("schema_version", f"{t} schema_version missing", doc,
                            rejected("/schema_version", REQUIRED, only=ex["schema_version"] == 1), service=service))
    # type
    types = [("school.exploded", "unknown event type 'school.exploded'"),
             ("x" * 1000, "unknown event type '" + "x" * 64 + "...'"),
             ("\u001b[31mred\u202e", "unknown event type '\\u001B[31mred\\u202E'"),
             ("", "unknown event type ''"), ("School.Opened", "unknown event type 'School.Opened'"),
             (42, STRING), (None, STRING)]
    if not full:
        types = types[:2]
    for v, m in types:
        doc = fresh(ex)
        doc["type"] = v
        shown = repr(v)[:30]
        cases.append(event_post("unknown_type", f"{t} type {shown}", doc,
                                rejected("/type", m, exact=True, message_max=200), service=service))
    doc = fresh(ex)
    del doc["type"]
    cases.append(event_post("unknown_type", f"{t} type missing", doc, rejected("/type", REQUIRED), service=service))
    # data
    for v, m in [([], "must be an object"), (None, "must be an object"), ("x", "must be an object")][: 3 if full else 1]:
        doc = fresh(ex)
        doc["data"] = v
        cases.append(event_post("contract.data", f"{t} data = {v!r}", doc, rejected("/data", m), service=service))
    doc = fresh(ex)
    del doc["data"]
    cases.append(event_post("contract.data", f"{t} data missing", doc, rejected("/data", REQUIRED), service=service))
    # recorded_at sent by the producer
    doc = fresh(ex)
    doc["recorded_at"] = "2019-09-01T08:00:00Z"
    cases.append(event_post("contract.envelope", f"{t} recorded_at sent", doc,
                            rejected("/recorded_at", "is set by the platform"), service=service))
    # unknown top-level fields, and keys that need escaping in a pointer
    extras = [("extra", "/extra"), ("a/b", "/a~1b"), ("a~b", "/a~0b"), ("\u001b[31m", "/\\u001B[31m"),
              ("k" * 1000, "/" + "k" * 64 + "...")]
    for k, p in extras[: 5 if full else 1]:
        doc = fresh(ex)
        doc[k] = 1
        cases.append(event_post("contract.envelope", f"{t} extra key {k[:20]!r}", doc,
                                rejected(p, UNKNOWN_FIELD, pointer_max=80), service=service))
    return cases


def wrong_service_cases(examples):
    cases = []
    for key in sorted(examples):
        ex = examples[key]
        owner = service_of(ex["type"], ex["source"])
        if ex["type"] == "record.retracted":
            continue
        for s in SERVICES:
            if s == owner:
                continue
            doc = fresh(ex)
            cases.append(event_post("wrong_service", f"{ex['type']} v{ex['schema_version']} to {s}", doc,
                                    rejected("/type", f"belongs to the {owner} service, not the {s} service",
                                             code="wrong_service", exact=True), service=s))
    return cases


def amount_cases(examples):
    """The money bounds the issue names, each value on funding.allocated."""
    ex = examples[("funding.allocated", 1)]
    out = []
    for v, m in [(0, "must be at least 1"), (-1, "must be at least 1"),
                 (1000000000001, "must be at most 1000000000000"),
                 (9223372036854775807, "must be at most 1000000000000"), (9223372036854775808, TOO_LARGE),
                 (Raw("1e300"), INTEGER), (1.5, INTEGER), ("186000000", INTEGER), (Raw("-0.5"), INTEGER),
                 (Raw("1E13"), "must be at most 1000000000000")]:
        doc = fresh(ex)
        doc["data"]["amount_fen"] = v
        shown = v.text if isinstance(v, Raw) else repr(v)
        out.append(event_post("numbers", f"funding.allocated amount_fen {shown}", doc,
                              rejected("/data/amount_fen", m)))
    return out


def media_type_cases(examples):
    """Content-Types other than application/json and application/x-ndjson: 415 on every service,
    with an otherwise valid event whose id must then never reach the topic."""
    kinds = ["text/plain", "application/x-www-form-urlencoded", None, "application/xml", "text/json",
             "application/jsonx", "application/ndjson", "application/vnd.api+json", "*/*",
             "application/json-seq", "text/plain; charset=application/json", "application/x-ndjson-x"]
    samples = {"registry": ("school.renamed", 1), "personnel": ("teacher.title_changed", 1),
               "enrollment": ("student.promoted", 1), "finance": ("budget.appropriated", 1)}
    out = []
    for service, key in samples.items():
        for ct in kinds:
            doc = fresh(examples[key])
            p = event_post("content_type", f"{service} Content-Type {ct!r}", doc, whole(415, error=MEDIA),
                           service=service, ctype=ct)
            out.append(p)
        # a browser's form post: well formed multipart, and multipart whose body is the bare event
        doc = fresh(examples[key])
        form = (b"--XyZ\r\nContent-Disposition: form-data; name=\"event\"\r\n\r\n" + dumps(doc).encode() +
                b"\r\n--XyZ--\r\n")
        out.append(Post("content_type", f"{service} multipart/form-data form", service, form,
                        whole(415, error=MEDIA), "multipart/form-data; boundary=XyZ", docs=[doc],
                        refused_ids=[doc["id"]]))
        doc = fresh(examples[key])
        # httplib reads a multipart body itself, before any route: one that is not a form is
        # refused there, as a request that cannot be read (services/http/server.cpp)
        out.append(event_post("content_type", f"{service} multipart/form-data (body not a form)", doc,
                              whole(400, error_start="the request could not be read"), service=service,
                              ctype="multipart/form-data"))
    return out


def not_json_cases(examples):
    ex = examples[("school.renamed", 1)]
    good = dumps(fresh(ex)).encode()
    bodies = [
        ("truncated", good[: len(good) // 2]),
        ("trailing garbage", good + b" x"),
        ("two documents", good + good),
        ("invalid UTF-8 in a string", b'{"id":"\xff\xfe"}'),
        ("invalid UTF-8 outside strings", b"\xff" + good),
        ("overlong UTF-8", b'{"id":"\xc0\xaf"}'),
        ("CESU-8 surrogate", b'{"id":"\xed\xa0\x80"}'),
        ("lone high surrogate escape", b'{"id":"\\ud800"}'),
        ("lone low surrogate escape", b'{"id":"\\udc00"}'),
        ("NaN", b'{"schema_version":NaN}'),
        ("Infinity", b'{"schema_version":Infinity}'),
        ("single quotes", b"{'id':'x'}"),
        ("line comment", b'{"id":"x"} // c'),
        ("block comment", b'/* c */ {"id":"x"}'),
        ("unquoted key", b'{id:"x"}'),
        ("trailing comma", b'{"id":"x",}'),
        ("UTF-16 BOM", b"\xff\xfe{\x00}\x00"),
        ("empty body", b""),
        ("whitespace only", b" \n\t "),
        ("raw control character in a string", b'{"id":"a\x01b"}'),
        ("leading zeros", b'{"schema_version":01}'),
        ("hex number", b'{"schema_version":0x1}'),
        ("unterminated string", b'{"id":"abc'),
        ("NUL byte", b'{"id"\x00:"x"}'),
    ]
    out = []
    for name, body in bodies:
        out.append(Post("not_json", name, "registry", body, whole(400, error_start=NOT_JSON, not_json=True)))
    for name, body in [("JSON null", b"null"), ("JSON true", b"true"), ("JSON number", b"42"), ("JSON string", b'"x"')]:
        out.append(Post("not_json", name + " (not an object)", "registry", body,
                        rejected("", NOT_OBJECT, exact=True, id=None)))
    return out


def nesting_cases(examples, duplicate_line):
    """Depth bounds: 16 is the most; a batch's own array adds one."""
    ex = examples[("school.renamed", 1)]
    out = []

    def nested(n, o="[", c="]"):
        return o * n + c * n

    for name, tail, p in [("a field of 17 nested arrays", nested(17), None),
                          ("a field of 16 nested objects", '{"a":' * 15 + "{}" + "}" * 15, None)]:
        doc = fresh(ex)
        body = dumps(doc)[:-1] + ',"x":' + tail + "}"  # a top-level field: object + 17 arrays = 18
        out.append(Post("nesting", name, "registry", body.encode(), whole(400, error_contains=TOO_DEEP),
                        docs=[doc], refused_ids=[doc["id"]]))
    doc = fresh(ex)
    doc["data"]["x"] = json.loads(nested(14))  # 1 + 1 + 14 = 16: parsed, then refused by the contract
    out.append(event_post("nesting", "depth exactly 16 (parsed; an unknown field)", doc,
                          rejected("/data/x", UNKNOWN_FIELD)))
    doc = fresh(ex)
    doc["data"]["x"] = json.loads(nested(15))  # 17
    out.append(event_post("nesting", "depth 17 in data", doc, whole(400, error_contains=TOO_DEEP)))
    deep = [("500,000 nested arrays", nested(500000).encode()),
            ("500,000 nested objects", ('{"a":' * 500000 + "1" + "}" * 500000).encode()),
            ("500,000 unclosed arrays", b"[" * 500000),
            ("id nested 100,000 levels", ('{"id":' + nested(100000) + "}").encode()),
            ("500,000 nested, in a string's escape context", ('["\\"' + "[" * 10 + '",' + nested(500000) + "]").encode())]
    for name, body in deep:
        out.append(Post("nesting", name, "registry", body, whole(400, error_contains=TOO_DEEP)))
    # a batch array: each element may nest 16; one at 17 refuses the whole request
    doc = fresh(ex)
    doc["data"]["x"] = json.loads(nested(15))
    out.append(Post("nesting", "array batch with an element nested 17", "registry", ("[" + dumps(doc) + "]").encode(),
                    whole(400, error_contains=TOO_DEEP), docs=[doc], refused_ids=[doc["id"]]))
    # NDJSON: only the deep line is refused
    doc = fresh(ex)
    doc["data"]["x"] = json.loads(nested(15))
    body = duplicate_line + "\n" + dumps(doc) + "\n" + duplicate_line + "\n"
    out.append(Post("nesting", "NDJSON with one line nested 17", "registry", body.encode(),
                    batch({0: accepted(duplicate=True), 1: rejected("", TOO_DEEP, status=400, id=None),
                           2: accepted(duplicate=True)}, counts={"accepted": 2, "rejected": 1, "unavailable": 0}),
                    "application/x-ndjson", refused_ids=[doc["id"]]))
    body = duplicate_line + "\n" + nested(500000) + "\n"
    out.append(Post("nesting", "NDJSON with a line nested 500,000", "registry", body.encode(),
                    batch({0: accepted(duplicate=True), 1: rejected("", TOO_DEEP, status=400)}),
                    "application/x-ndjson"))
    return out


def size_cases(examples):
    ex = examples[("school.renamed", 1)]
    out = [
        Post("too_many", "array of 100,001 {}", "registry", ("[" + ",".join(["{}"] * 100001) + "]").encode(),
             whole(413, error=TOO_MANY)),
        Post("too_many", "NDJSON of 100,001 lines", "registry", "\n".join(["{}"] * 100001).encode(),
             whole(413, error=TOO_MANY), "application/x-ndjson"),
        Post("too_many", "NDJSON of 100,001 lines and blank lines", "registry",
             "\n\n".join(["{}"] * 100001).encode(), whole(413, error=TOO_MANY), "application/x-ndjson"),
        Post("too_many", "array of 100,001 nulls", "registry", ("[" + ",".join(["null"] * 100001) + "]").encode(),
             whole(413, error=TOO_MANY)),
    ]
    doc = fresh(ex)
    body = dumps(doc).encode()
    out.append(Post("too_many", "one event padded past 64 MiB", "registry", body + b" " * (64 << 20), whole(413),
                    docs=[doc], refused_ids=[doc["id"]]))
    out.append(Post("too_many", "NDJSON past 64 MiB", "registry", (body + b"\n") * (64 * 1024 * 1024 // len(body) + 2),
                    whole(413), "application/x-ndjson", docs=[doc], refused_ids=[doc["id"]]))
    for name, body, ct in [("[]", b"[]", "application/json"), ("[ ] with spaces", b" [ \n ] ", "application/json"),
                           ("NDJSON empty body", b"", "application/x-ndjson"),
                           ("NDJSON blank lines only", b"\n\n  \n\t\r\n", "application/x-ndjson")]:
        out.append(Post("empty_batch", name, "registry", body, whole(400, error=EMPTY_BATCH), ct))
    return out


def many_keys_cases(examples):
    """100,000 unknown keys of 60 characters: 50 violations listed, the rest counted, a small answer."""
    out = []
    for key, where in [(("school.renamed", 1), "data"), (("student.graduated", 1), "envelope")]:
        doc = fresh(examples[key])
        target = doc["data"] if where == "data" else doc
        for i in range(100000):
            target["k%059d" % i] = 1
        prefix = "/data/k" if where == "data" else "/k"
        exp = rejected(prefix + "0" * 59, UNKNOWN_FIELD, only=False, violations_count=50, omitted=99950)
        p = event_post("many_keys", f"100,000 unknown keys in {where}", doc, exp)
        p.max_bytes = 20000
        out.append(p)
    doc = fresh(examples[("school.opened", 1)])
    doc["data"]["stages"] = ["primary", "junior"] * 1000
    out.append(event_post("many_keys", "stages of 2,000 items", doc,
                          rejected("/data/stages", "must have at most 1000 items")))
    return out


def id_cases(examples):
    """An id is echoed only when it is a UUID."""
    out = []
    ex = examples[("school.renamed", 1)]
    for v in ["not-a-uuid", "\u001b]0;pwned\u0007", "x" * 100000, 42, None, ["6f1c2a3e-0b7d-4c1e-9a51-3d2f7e8a9b04"]]:
        doc = fresh(ex)
        doc["id"] = v
        msg = UUIDM if isinstance(v, str) else STRING
        p = event_post("contract.id", f"id {repr(v)[:30]}", doc, rejected("/id", msg, id=None, message_max=200))
        p.max_bytes = 2000
        out.append(p)
    return out


def duplicate_and_reuse_cases(baseline, cross_hire):
    """Idempotency: the very same event again is 201 duplicate; another event under a used id is
    409 id_reused, in the same service and across services."""
    out = []
    by_type = {}
    for b in baseline:
        by_type.setdefault(b["doc"]["type"], b)
    for t in ("school.opened", "teacher.hired", "student.enrolled", "funding.allocated", "record.retracted"):
        b = by_type[t]
        s = service_of(t, b["doc"]["source"])
        out.append(Post("duplicate", f"{t} sent again", s, dumps(b["doc"]).encode(), accepted(duplicate=True),
                        docs=[b["doc"]]))
        # the same event, keys in another order and pretty-printed: still the same event
        again = dict(reversed(list(b["doc"].items())))
        out.append(Post("duplicate", f"{t} sent again reordered", s, json.dumps(again, indent=2).encode(),
                        accepted(duplicate=True), docs=[again]))
    b = by_type["school.opened"]
    again = copy.deepcopy(b["doc"])
    again["schema_version"] = Raw("1.0")
    out.append(Post("duplicate", "school.opened sent again with schema_version 1.0", "registry", dumps(again).encode(),
                    accepted(duplicate=True), docs=[again]))
    out.append(Post("duplicate", "school.opened sent again behind a UTF-8 BOM", "registry",
                    b"\xef\xbb\xbf" + dumps(b["doc"]).encode(), accepted(duplicate=True), docs=[b["doc"]]))
    # another event under a used id, in its own service
    reuse = [("school.opened", lambda d: d["data"].update(name="另一所学校"), "registry"),
             ("teacher.hired", lambda d: d["data"].update(full_time=not d["data"]["full_time"]), "personnel"),
             ("student.enrolled", lambda d: d["data"].update(grade=2), "enrollment"),
             ("funding.allocated", lambda d: d["data"].update(amount_fen=1), "finance"),
             ("school.opened", lambda d: d.update(effective_date="1940-09-01"), "registry"),
             ("school.opened", lambda d: d.update(source="another-registry"), "registry")]
    for t, change, s in reuse:
        b = by_type[t]
        doc = copy.deepcopy(b["doc"])
        change(doc)
        p = Post("id_reused", f"{t} id with other content ({s})", s, dumps(doc).encode(),
                 rejected("/id", "was already used for a different event", code="id_reused", status=409),
                 docs=[doc], reused_ids=[doc["id"]])
        out.append(p)
    # across services: a registry event's id in the finance service, a finance event's in the registry
    cross = [(by_type["school.opened"], "finance", "funding.allocated"),
             (by_type["funding.allocated"], "registry", "school.opened"),
             (by_type["student.enrolled"], "personnel", "teacher.hired")]
    for b, s, t in cross:
        template = by_type[t]["doc"]
        doc = copy.deepcopy(template)
        doc["id"] = b["doc"]["id"]
        doc["effective_date"] = "2020-01-01"
        out.append(Post("id_reused", f"{b['doc']['type']}'s id reused by {t} in {s}", s, dumps(doc).encode(),
                        rejected("/id", "was already used for a different event", code="id_reused", status=409),
                        docs=[doc], reused_ids=[doc["id"]]))
    # the case: teacher.hired through personnel, then student.enrolled under its id
    doc = copy.deepcopy(by_type["student.enrolled"]["doc"])
    doc["id"] = cross_hire["id"]
    doc["data"]["student_id"] = "s-cross-service"
    out.append(Post("id_reused", "teacher.hired id then student.enrolled (enrollment)", "enrollment", dumps(doc).encode(),
                    rejected("/id", "was already used for a different event", code="id_reused", status=409),
                    docs=[doc], reused_ids=[doc["id"]]))
    # in one request: a duplicate, then another event under the same id
    b = by_type["school.opened"]
    other = copy.deepcopy(b["doc"])
    other["data"]["name"] = "同一请求中的另一事件"
    body = dumps(b["doc"]) + "\n" + dumps(other) + "\n"
    out.append(Post("id_reused", "NDJSON: an event and another under its id", "registry", body.encode(),
                    batch({0: accepted(duplicate=True),
                           1: rejected("/id", "", code="id_reused", status=409)},
                          counts={"accepted": 1, "rejected": 1, "unavailable": 0}),
                    "application/x-ndjson", docs=[b["doc"], other], reused_ids=[b["doc"]["id"]]))
    # two new events under one fresh id in one request: both refused would be wrong; the second is
    # refused and the first would publish, so the first is invalid here (nothing reaches the topic)
    first = fresh(by_type["school.opened"]["doc"])
    first["data"]["school_id"] = "bad id"
    second = copy.deepcopy(first)
    second["data"]["school_id"] = "dc-shijia"
    body = "[" + dumps(first) + "," + dumps(second) + "]"
    out.append(Post("id_reused", "array: an invalid event, then one under its id", "registry", body.encode(),
                    batch({0: rejected("/data/school_id", IDENT), 1: rejected("/data/school_id", "", code="school_exists")},
                          counts={"accepted": 0, "rejected": 2, "unavailable": 0}),
                    docs=[first, second], refused_ids=[first["id"]]))
    return out


def domain_cases(examples, baseline):
    """The domain rules (services/publisher/rules.cpp), each on the demo district's record."""
    by_type = {}
    for b in baseline:
        by_type.setdefault(b["doc"]["type"], []).append(b)
    retraction = by_type["record.retracted"][0]["doc"]
    hire = by_type["teacher.hired"][0]["doc"]
    funding = by_type["funding.allocated"][0]["doc"]

    def ev(key, date, **data):
        doc = fresh(examples[key])
        doc["effective_date"] = date
        for k, v in data.items():
            if v is None:
                doc["data"].pop(k, None)
            else:
                doc["data"][k] = v
        return doc

    cases = [
        ("school_not_open", "/data/school_id", ev(("school.closed", 1), "2020-01-01", school_id="dc-nowhere"), "closing an unknown school"),
        ("school_not_open", "/data/school_id", ev(("school.closed", 1), "2018-01-01", school_id="dc-dongsi7"), "closing a closed school"),
        ("school_not_open", "/data/school_id", ev(("school.closed", 1), "2015-01-01", school_id="dc-xizongbu"), "closing an absorbed school"),
        ("school_not_open", "/data/school_id", ev(("school.closed", 1), "1930-01-01", school_id="dc-shijia"), "closing a school before it opened"),
        ("school_not_open", "/data/school_id", ev(("school.renamed", 1), "2020-01-01", school_id="dc-nowhere"), "renaming an unknown school"),
        ("school_not_open", "/data/school_id", ev(("school.facilities_surveyed", 1), "2020-01-01", school_id="dc-nowhere"), "surveying an unknown school"),
        ("school_not_open", "/data/surviving_id", ev(("school.merged", 1), "2020-01-01", absorbed_ids=["dc-fuxue"], surviving_id="dc-nowhere"), "merging into an unknown school"),
        ("school_not_open", "/data/absorbed_ids/0", ev(("school.merged", 1), "2016-01-01", absorbed_ids=["dc-xizongbu"], surviving_id="dc-fuxue"), "merging a school absorbed earlier"),
        ("school_exists", "/data/school_id", ev(("school.opened", 1), "2020-01-01", school_id="dc-shijia"), "opening an open school"),
        ("school_exists", "/data/new_schools/0/school_id", ev(("school.split", 1), "2020-01-01", source_id="dc-fuxue",
                                                                new_schools=[dict(examples[("school.split", 1)]["data"]["new_schools"][0], school_id="dc-shijia")]),
         "splitting into an existing id"),
        ("merger_into_itself", "/data/absorbed_ids/0", ev(("school.merged", 1), "2020-01-01", absorbed_ids=["dc-fuxue"], surviving_id="dc-fuxue"), "a school absorbing itself"),
        ("stage_not_served", "/data/stage", ev(("school.facilities_surveyed", 1), "2020-01-01", school_id="dc-shijia", stage="junior"), "surveying a section the school lacks"),
        ("stage_not_served", "/data/stage", ev(("school.equipment_purchased", 1), "2020-01-01", school_id="dc-55", stage="primary"), "equipping a section the school lacks"),
        ("cluster_exists", "/data/cluster_id", ev(("cluster.created", 1), "2020-01-01", cluster_id="dc-xq-hepingli"), "creating an existing cluster"),
        ("cluster_not_active", "/data/cluster_id", ev(("cluster.dissolved", 1), "2020-01-01", cluster_id="dc-nowhere"), "dissolving an unknown cluster"),
        ("cluster_not_active", "/data/cluster_id", ev(("school.joined_cluster", 1), "2020-01-01", school_id="dc-fuxue", cluster_id="dc-nowhere"), "joining an unknown cluster"),
        ("not_a_member", "/data/school_id", ev(("school.left_cluster", 1), "2020-01-01", school_id="dc-fuxue", cluster_id="dc-xq-hepingli"), "leaving a cluster one is not in"),
        ("teacher_not_employed", "/data/teacher_id", ev(("teacher.left", 1), "2020-01-01", teacher_id="t-nobody"), "an unknown teacher leaving"),
        ("teacher_not_employed", "/data/teacher_id", ev(("teacher.title_changed", 1), "2020-01-01", teacher_id="t-nobody"), "an unknown teacher's title"),
        ("teacher_not_employed", "/data/teacher_id", ev(("teacher.left", 1), "2011-01-01", teacher_id="t-dc-0000"), "a teacher leaving before the hire"),
        ("teacher_already_hired", "/data/teacher_id", ev(("teacher.hired", 1), "2016-01-01", teacher_id="t-dc-0000"), "hiring a teacher twice"),
        ("stage_not_served", "/data/stage", ev(("teacher.hired", 1), "2016-01-01", teacher_id="t-new-junior", school_id="dc-shijia", stage="junior"), "hiring for a section the school lacks"),
        ("school_not_open", "/data/school_id", ev(("teacher.hired", 1), "2016-01-01", teacher_id="t-new-nowhere", school_id="dc-nowhere"), "hiring at an unknown school"),
        ("teacher_not_at_school", "/data/from_school_id", ev(("teacher.transferred", 2), "2016-01-01", teacher_id="t-dc-0000", from_school_id="dc-fuxue", to_school_id="dc-hepingli4", kind="permanent", end_date=None), "a transfer from the wrong school"),
        ("rotation_without_end", "/data/end_date", ev(("teacher.transferred", 2), "2016-01-01", teacher_id="t-dc-0000", from_school_id="dc-shijia", to_school_id="dc-fuxue", kind="rotation", end_date=None), "a rotation without an end"),
        ("permanent_with_end", "/data/end_date", ev(("teacher.transferred", 2), "2016-01-01", teacher_id="t-dc-0000", from_school_id="dc-shijia", to_school_id="dc-fuxue", kind="permanent", end_date="2017-01-01"), "a permanent transfer with an end"),
        ("rotation_ends_before_start", "/data/end_date", ev(("teacher.transferred", 2), "2016-01-01", teacher_id="t-dc-0000", from_school_id="dc-shijia", to_school_id="dc-fuxue", kind="rotation", end_date="2015-01-01"), "a rotation ending before it starts"),
        ("honour_not_held", "/data/honour", ev(("teacher.honour_revoked", 1), "2016-01-01", teacher_id="t-dc-0000"), "revoking an honour not held"),
        ("student_not_enrolled", "/data/student_id", ev(("student.graduated", 1), "2020-01-01", student_id="s-nobody"), "an unknown student graduating"),
        ("student_not_enrolled", "/data/student_id", ev(("student.withdrew", 1), "2020-01-01", student_id="s-nobody"), "an unknown student withdrawing"),
        ("student_not_enrolled", "/data/student_id", ev(("student.flags_changed", 1), "2014-01-01", student_id="s-dc-00000"), "a student's flags before enrolment"),
        ("student_already_enrolled", "/data/student_id", ev(("student.enrolled", 1), "2016-01-01", student_id="s-dc-00000"), "enrolling a student twice"),
        ("stage_not_served", "/data/stage", ev(("student.enrolled", 1), "2016-01-01", student_id="s-new-1", school_id="dc-shijia", stage="junior", grade=7), "enrolling into a section the school lacks"),
        ("grade_not_in_stage", "/data/grade", ev(("student.enrolled", 1), "2016-01-01", student_id="s-new-2", school_id="dc-shijia", stage="primary", grade=7), "grade 7 in primary"),
        ("school_not_open", "/data/school_id", ev(("student.enrolled", 1), "2017-09-01", student_id="s-new-3", school_id="dc-dongsi7"), "enrolling at a closed school"),
        ("student_not_at_school", "/data/from_school_id", ev(("student.transferred", 1), "2016-01-01", student_id="s-dc-00000", from_school_id="dc-fuxue", to_school_id="dc-hepingli4", grade=None), "a transfer from the wrong school"),
        ("grade_not_in_stage", "/data/grade", ev(("student.promoted", 1), "2017-01-01", student_id="s-dc-00000", grade=1), "a promotion down"),
        ("school_unknown", "/data/school_id", ev(("funding.allocated", 1), "2016-03-01", school_id="dc-nowhere"), "funding an unknown school"),
        ("retraction_target_unknown", "/data/event_id", ev(("record.retracted", 1), "2016-03-01", event_id=str(uuid.uuid4())), "retracting an unknown event"),
        ("retraction_of_retraction", "/data/event_id", ev(("record.retracted", 1), "2016-03-01", event_id=retraction["id"]), "retracting a retraction"),
    ]
    out = []
    for code, ptr, doc, what in cases:
        # the message names the entity the rule is about, or says what is wrong
        named = {"rotation_without_end": "needs its end date", "permanent_with_end": "has no end date",
                 "rotation_ends_before_start": "not after it starts", "merger_into_itself": "cannot absorb itself",
                 "retraction_of_retraction": "cannot be retracted", "retraction_target_unknown": "no event ",
                 "honour_not_held": "does not hold that honour", "grade_not_in_stage": "grade ",
                 "stage_not_served": " section on "}.get(code)
        if named is None:
            value = doc
            for part in ptr.strip("/").split("/"):
                value = value[int(part)] if isinstance(value, list) else value[part]
            named = f"'{value}'"
        out.append(event_post("domain_rules", f"{code}: {what}", doc, rejected(ptr, named, code=code, only=False)))
    # retracting another service's event (a personnel event through the registry)
    doc = fresh(examples[("record.retracted", 1)])
    doc["source"] = "beijing-registry"
    doc["data"]["event_id"] = hire["id"]
    out.append(event_post("domain_rules", "retraction_target_unknown: a personnel event through the registry", doc,
                          rejected("/data/event_id", "published by the personnel service", code="retraction_target_unknown"),
                          service="registry"))
    # retracting another district's event
    doc = fresh(examples[("record.retracted", 1)])
    doc["district"] = "xicheng"
    doc["data"]["event_id"] = funding["id"]
    out.append(event_post("domain_rules", "retraction_other_district: a dongcheng event from xicheng", doc,
                          rejected("/data/event_id", "", code="retraction_other_district")))
    return out


RETRO = "retro-district"


def retro_setup(examples):
    """Accepted events that the retroactive structural rules are checked against (their own
    district): A is absorbed into B on 2020-09-01, C into E on 2021-09-01, D has a student from
    2015 and a teacher from 2016."""
    def ev(key, date, **data):
        doc = fresh(examples[key])
        doc["district"] = RETRO
        doc["effective_date"] = date
        doc["data"].update(data)
        return doc
    school = examples[("school.opened", 1)]["data"]
    out = [ev(("district.registered", 1), "1990-01-01", name="回溯区", city="北京市")]
    for s in "abcde":
        out.append(ev(("school.opened", 1), "1990-09-01", **dict(school, school_id=f"retro-{s}", name=f"回溯学校{s}")))
    out.append(ev(("school.merged", 1), "2020-09-01", absorbed_ids=["retro-a"], surviving_id="retro-b"))
    out.append(ev(("school.merged", 1), "2021-09-01", absorbed_ids=["retro-c"], surviving_id="retro-e"))
    out.append(ev(("student.enrolled", 1), "2015-09-01", student_id="s-retro-1", school_id="retro-d"))
    out.append(ev(("teacher.hired", 1), "2016-09-01", teacher_id="t-retro-1", school_id="retro-d"))
    return out


def retro_cases(examples):
    """Retroactive structural rules: each is refused (422, breaks_later_events) at the pointer of
    what it changes."""
    def ev(key, date, **data):
        doc = fresh(examples[key])
        doc["district"] = RETRO
        doc["effective_date"] = date
        doc["data"].update(data)
        for k in [k for k, v in doc["data"].items() if v is None]:
            del doc["data"][k]
        return doc
    cases = [
        ("a merger dated in the past that makes a cycle (B into A before A goes into B)", "/data/absorbed_ids",
         ev(("school.merged", 1), "2019-09-01", absorbed_ids=["retro-b"], surviving_id="retro-a")),
        ("merging a school that a later merger absorbs (A into C before A goes into B)", "/data/absorbed_ids",
         ev(("school.merged", 1), "2019-09-01", absorbed_ids=["retro-a"], surviving_id="retro-c")),
        # Not covered yet (docs/contract.md): a later event of another system, such as a pupil
        # enrolled at the school after the closing date, is checked only when it arrives.
        ("closing the survivor of a later merger", "/data/school_id",
         ev(("school.closed", 1), "2019-01-01", school_id="retro-b")),
        ("closing a school that a later merger absorbs", "/data/school_id",
         ev(("school.closed", 1), "2019-01-01", school_id="retro-a")),
        ("closing a school before its later merger (E absorbs C in 2021)", "/data/school_id",
         ev(("school.closed", 1), "2019-01-01", school_id="retro-e", reason=None)),
    ]
    return [event_post("retroactive", what, doc, rejected(ptr, "would make the later event", code="breaks_later_events",
                                                      only=False)) for what, ptr, doc in cases]


def positive_setup(examples):
    """Inputs that must be accepted (201), sent before the checksum is taken: the media types and
    bounds the issue says are accepted, each on the demo district's record."""
    out = []

    def ev(key, date, **data):
        doc = fresh(examples[key])
        doc["effective_date"] = date
        doc["data"].update(data)
        return doc
    for ct in ["application/json; charset=utf-8", "Application/JSON", "application/json ; charset=UTF-8"]:
        doc = ev(("school.renamed", 1), "2020-01-01", school_id="dc-huiwen1", name="回民实验小学 " + ct[:16])
        out.append(event_post("accepted", f"Content-Type {ct!r}", doc, accepted()), )
        out[-1].ctype = ct
    doc = ev(("school.renamed", 1), "2020-02-01", school_id="dc-huiwen1", name="回民实验小学（二）")
    doc["schema_version"] = Raw("1.0")
    out.append(event_post("accepted", "schema_version 1.0", doc, accepted()))
    doc = ev(("funding.allocated", 1), "2020-03-01", school_id="dc-shijia", amount_fen=1000000000000, fiscal_year=2099)
    out.append(event_post("accepted", "amount_fen 1000000000000 (the maximum)", doc, accepted()))
    doc = ev(("funding.allocated", 1), "2099-12-31", school_id="dc-shijia", amount_fen=1, fiscal_year=1900)
    out.append(event_post("accepted", "amount_fen 1, fiscal_year 1900, effective 2099-12-31", doc, accepted()))
    doc = ev(("budget.appropriated", 1), "1900-01-01", fiscal_year=1900, education_appropriation_fen=100000000000000,
             recurring_revenue_fen=0)
    out.append(event_post("accepted", "budget at its maximum, effective 1900-01-01", doc, accepted()))
    doc = ev(("school.equipment_purchased", 1), "2020-03-01", school_id="dc-jingshan", stage="junior",
             equipment_value_fen=100000000000, multimedia_classrooms=10000, computers=1000000, books=100000000)
    out.append(event_post("accepted", "equipment at every maximum", doc, accepted()))
    doc = ev(("school.construction_completed", 1), "2020-03-01", school_id="dc-55", floor_area_m2=10000000,
             sports_area_m2=0.07)
    out.append(event_post("accepted", "areas 10000000 and 0.07 m²", doc, accepted()))
    doc = ev(("school.renamed", 1), "2020-04-01", school_id="dc-fuxue", name="字" * 200)
    doc["source_recorded_at"] = "2020-04-01T08:00:00+08:00"
    doc["correlation_id"] = "c" * 200
    out.append(event_post("accepted", "free text of 200 characters, source_recorded_at with an offset", doc, accepted()))
    school = dict(examples[("school.opened", 1)]["data"], school_id="s" * 64, name="标识符六十四字符学校")
    doc = ev(("school.opened", 1), "2020-09-01", **school)
    out.append(event_post("accepted", "an identifier of 64 characters", doc, accepted()))
    ndjson = ev(("school.renamed", 1), "2020-05-01", school_id="dc-hepingli4", name="和平里第四小学（NDJSON）")
    p = event_post("accepted", "NDJSON with charset", ndjson, batch({0: accepted()}))
    p.body = b"\n" + p.body + b"\r\n\n"
    p.ctype = "application/x-ndjson; charset=utf-8"
    out.append(p)
    return out


def audit_cases(other_district_cursor):
    """GETs the audit service must refuse with the exact 4xx JSON error."""
    D = "/v1/districts/dongcheng"
    out = []
    at_routes = [D + "/state", D + "/schools", D + "/indicators", D + "/indicators.csv", D + "/indicators.xlsx",
                 "/v1/schools/dc-shijia/timeline", "/v1/teachers/t-dc-0000/timeline", "/v1/clusters/dc-xq-hepingli"]
    bad_dates = ["2019-02-30", "abc", "", "9" * 5000, "2019-1-1", "20190101", "2019-02-29", "0000-00-00",
                 "2019-01-01%00", "%ff%fe", "2019-09-01T00:00:00Z", "%E2%80%AE2019-01-01"]
    for r in at_routes:
        for d in bad_dates:
            out.append(Get("audit.dates", f"{r} at={d[:20]}", f"{r}?at={d}",
                           http_error(400, "query parameter 'at' must be a date YYYY-MM-DD, got '")))
    bad_recorded = ["2019-13-01T00:00:00Z", "yesterday", "2019-09-01T08:00:00", "", "2019-09-01T25:00:00Z", "%00",
                    "2019-09-01T08:00:00.Z", "2019-09-01T08:00:00+8:00"]
    recorded_routes = [D + "/state", D + "/indicators", D + "/indicators/series?from=2015-01-01&to=2016-01-01&",
                       D + "/events", D + "/rotations?from=2015-01-01&to=2015-12-31&", D + "/admissions?year=2019&",
                       "/v1/schools/dc-shijia/timeline", "/v1/teachers/t-dc-0000/timeline"]
    for r in recorded_routes:
        for t in bad_recorded:
            sep = "" if r.endswith("&") else "?"
            out.append(Get("audit.dates", f"{r} recorded_at={t}", f"{r}{sep}recorded_at={t}",
                           http_error(400, "query parameter 'recorded_at' must be an RFC 3339 timestamp or a date")))
    for name in ("from_recorded_at", "to_recorded_at"):
        out.append(Get("audit.dates", f"diff {name}=garbage", f"{D}/diff?from=2015-01-01&to=2016-01-01&{name}=garbage",
                       http_error(400, f"query parameter '{name}' must be an RFC 3339 timestamp")))
    for r in (D + "/indicators/series", D + "/diff", D + "/rotations"):
        out.append(Get("audit.period", f"{r} from > to", f"{r}?from=2019-01-02&to=2019-01-01",
                       http_error(400, "'to' (2019-01-01) is before 'from' (2019-01-02)")))
        for p, v in [("from", "x"), ("to", "2019-02-30"), ("from", ""), ("to", "2019-1-1")]:
            other = "to=2019-01-01" if p == "from" else "from=2018-01-01"
            out.append(Get("audit.period", f"{r} {p}={v}", f"{r}?{other}&{p}={v}",
                           http_error(400, f"query parameter '{p}' must be a date YYYY-MM-DD")))
    for v in ["x", "2019-13-01"]:
        for p in ("from", "to"):
            out.append(Get("audit.period", f"events {p}={v}", f"{D}/events?{p}={v}",
                           http_error(400, f"query parameter '{p}' must be a date YYYY-MM-DD")))
    for v in ["0", "-1", "1001", "abc", "99999999999999999999", "", "%201", "1e3", "+5", "0x10", "1.5", "%EF%BC%91"]:
        for route in ("events?", "diff?from=2015-01-01&to=2016-01-01&"):
            out.append(Get("audit.limit", f"{route.split('?')[0]} limit={v}", f"{D}/{route}limit={v}",
                           http_error(400, "query parameter 'limit' must be a number from 1 to 1000")))
    cursors = ["zz", "abc", "deadbeef", "", "%00%00", "0" * 4000, "gg" * 20, "../../", other_district_cursor]
    for v in cursors:
        out.append(Get("audit.cursor", f"after={v[:24]}", f"{D}/events?after={v}",
                       http_error(400, "query parameter 'after' is not a cursor of this district's trail")))
    for v in ["week", "", "YEAR", "month%20", "day", "%00"]:
        out.append(Get("audit.params", f"step={v}", f"{D}/indicators/series?from=2015-01-01&to=2016-01-01&step={v}",
                       http_error(400, "query parameter 'step' must be year or month")))
    for v in ["pdf", "JSON", "csv%00", "xlsx%20", "html", "../csv"]:
        out.append(Get("audit.params", f"format={v}", f"{D}/indicators?at=2019-09-01&format={v}",
                       http_error(400, "query parameter 'format' must be json, csv or xlsx")))
    for v in ["abc", "99999", "1899", "2201", "", "2019.5", "2019abc", "99999999999999999999", "-2019"]:
        out.append(Get("audit.params", f"year={v}", f"{D}/admissions?year={v}",
                       http_error(400, "query parameter 'year' must be a year such as 2019")))
    out.append(Get("audit.params", "admissions without year", f"{D}/admissions",
                   http_error(400, "query parameter 'year' must be a year such as 2019")))
    for r in ["state", "schools", "indicators", "indicators.csv", "indicators.xlsx",
              "indicators/series?from=2015-01-01&to=2016-01-01", "diff?from=2015-01-01&to=2016-01-01",
              "events", "rotations?from=2015-01-01&to=2016-01-01", "admissions?year=2019"]:
        for d in ("nowhere", "dong%00cheng", "%E2%80%AEgnehcgnod", "x" * 2000):
            shown = d[:20]
            out.append(Get("audit.not_found", f"{r.split('?')[0]} of {shown}", f"/v1/districts/{d}/{r}",
                           http_error(404, "no district '")))
    out.append(Get("audit.not_found", "an unknown standard", f"{D}/indicators?standard=nope",
                   http_error(404, "no standard 'nope'")))
    for kind, path in [("school", "/v1/schools/dc-nowhere/timeline"), ("teacher", "/v1/teachers/t-nobody/timeline"),
                       ("cluster", "/v1/clusters/dc-nowhere"), ("school", "/v1/schools/dc-shijia/timeline?district=nowhere"),
                       ("school", "/v1/schools/%00/timeline")]:
        out.append(Get("audit.not_found", path, path, http_error(404, f"no {kind} '")))
    for path in ["/v1/nothing", "/v1/districts/dongcheng", "/v1/districts/dongcheng/nothing", "/v2/districts",
                 "/v1/districts/dongcheng/state/extra", "/health/x", "/v1/events", "/metrics/../etc/passwd",
                 "/v1/districts/dongcheng/indicators.pdf"]:
        out.append(Get("audit.routes", path, path, http_error(404, "no such resource")))
    for path in ["/ui/../../etc/passwd", "/ui/..%2f..%2fetc%2fpasswd", "/%2e%2e/%2e%2e/etc/passwd",
                 "/ui/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/ui/....//....//etc/passwd", "/ui/app.js%00.png",
                 "/ui/%2fetc%2fpasswd", "/ui/..", "/ui/.%00./etc/passwd", "/..%5c..%5cetc%5cpasswd"]:
        out.append(Get("audit.traversal", path, path, http_error(404, ""), forbid=b"root:"))
    out.append(Get("audit.traversal", "/ui/no-such-file.js", "/ui/no-such-file.js", http_error(404, "no file 'no-such-file.js'")))
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        out.append(Get("audit.routes", f"{method} /v1/districts", "/v1/districts", http_error(404, "no such resource"),
                       method=method))
    out.append(Get("audit.huge", "a 10 MB query string", f"{D}/state?at=" + "a" * (10 << 20), http_error((400, 414), "")))
    out.append(Get("audit.huge", "a 10 MB header", f"{D}/state", http_error((400, 414, 431), ""), headers={"X-Big": "a" * (10 << 20)}))
    out.append(Get("audit.huge", "1,000 query parameters", f"{D}/state?" + "&".join(f"p{i}=1" for i in range(1000)) + "&at=x",
                   http_error(400, "query parameter 'at'")))
    # the other processes: unknown routes and methods
    for target in ("registry", "personnel", "enrollment", "finance", "projector"):
        for method, path in [("GET", "/v1/events"), ("PUT", "/v1/events"), ("GET", "/v1/nothing"), ("DELETE", "/health")]:
            out.append(Get("routes", f"{target} {method} {path}", path, http_error(404, "no such resource"),
                           target=target, method=method))
    return out


def direct_cases(prefix, logged, positions, examples):
    """Records produced straight into the domain topics. `logged` maps a baseline type to one
    logged document of it (with recorded_at); `positions` its id -> (topic, partition, offset)."""
    out = []
    reg = logged["school.opened"]
    hire = logged["teacher.hired"]
    retraction = logged["record.retracted"]
    funding = logged["funding.allocated"]
    nj = "invalid event: (document): not valid JSON"

    def b(doc):
        return dumps(doc).encode()

    def valid(key, **changes):
        doc = fresh(examples[key])
        doc["recorded_at"] = "2021-01-01T00:00:00Z"
        doc.update(changes)
        return doc
    for name, value in [("garbage", b"this is not json"), ("truncated", b(reg)[:40]), ("trailing garbage", b(reg) + b"}"),
                        ("invalid UTF-8", b'{"id":"\xff\xfe\xfd"}'), ("lone surrogate escape", b'{"id":"\\ud800"}'),
                        ("empty value", b""), ("null value (tombstone)", None), ("NaN", b'{"schema_version":NaN}'),
                        ("terminal escape outside a string", b"\x1b[2J\x1b[31mred")]:
        out.append(Direct("kafka.not_json", name, "registry", "dongcheng", value, nj))
    out.append(Direct("kafka.not_json", "a JSON array", "registry", "dongcheng", b"[" + b(reg) + b"]",
                      "invalid event: (document): an event must be a JSON object"))
    out.append(Direct("kafka.nesting", "nested 100,000 levels", "registry", "dongcheng",
                      b"[" * 100000 + b"]" * 100000, "nested deeper than 16", match="contains"))
    out.append(Direct("kafka.nesting", "id nested 100,000 levels", "registry", "dongcheng",
                      b'{"id":' + b"{\"a\":" * 100000 + b"1" + b"}" * 100000 + b"}", "nested deeper than 16", match="contains"))
    doc = fresh(examples[("school.renamed", 1)])
    out.append(Direct("kafka.no_recorded_at", "schema-valid without recorded_at", "registry", "dongcheng", b(doc),
                      "invalid event: /recorded_at: is required in a logged event"))
    doc = valid(("school.renamed", 1))
    out.append(Direct("kafka.key", "key xicheng", "registry", "xicheng", b(doc),
                      "record key 'xicheng' is not the event's district 'dongcheng'"))
    doc = valid(("school.renamed", 1))
    out.append(Direct("kafka.key", "no key", "registry", None, b(doc), "record key '' is not the event's district 'dongcheng'"))
    doc = valid(("school.renamed", 1))
    out.append(Direct("kafka.key", "key with a terminal escape", "registry", "dong\x1b[31mcheng", b(doc),
                      "record key '"))
    for key, system in [(("teacher.hired", 1), "registry"), (("school.opened", 1), "finance"),
                        (("student.enrolled", 1), "personnel"), (("funding.allocated", 1), "enrollment")]:
        doc = valid(key)
        out.append(Direct("kafka.wrong_topic", f"{key[0]} on {system}", system, "dongcheng", b(doc),
                          f"event type {key[0]} does not belong on {prefix}{system}"))
    # another event under an applied id: a conflict naming the first record's position
    for original, system, change in [(reg, "registry", lambda d: d["data"].update(name="冲突的名字")),
                                     (hire, "enrollment", None)]:
        if change:
            doc = copy.deepcopy(original)
            change(doc)
        else:
            doc = valid(("student.enrolled", 1), id=original["id"])
        topic, partition, offset = positions[original["id"]]
        out.append(Direct("kafka.conflict", f"{doc['type']} under the id of {original['type']}", system, "dongcheng", b(doc),
                          f"conflict: id {original['id']} was first used by a different event at {topic}/{partition}@{offset}; "
                          f"this record is at {prefix}{system}/", conflict=True))
    # the same event again, stamped anew: a duplicate, not a dead letter
    doc = copy.deepcopy(reg)
    doc["recorded_at"] = "2030-01-01T00:00:00.123456Z"
    out.append(Direct("kafka.duplicate", "the same event with another recorded_at", "registry", "dongcheng", b(doc), None))
    out.append(Direct("kafka.duplicate", "the same record again", "registry", "dongcheng", b(reg), None))
    doc = valid(("record.retracted", 1))
    doc["data"]["event_id"] = doc["id"]
    out.append(Direct("kafka.retraction", "a retraction of itself", "finance", "dongcheng", b(doc),
                      "an event cannot retract itself"))
    doc = valid(("record.retracted", 1))
    doc["data"]["event_id"] = retraction["id"]
    out.append(Direct("kafka.retraction", "a retraction of a retraction", "finance", "dongcheng", b(doc),
                      "retracting a retraction is not supported"))
    doc = valid(("record.retracted", 1), district="xicheng")
    doc["data"]["event_id"] = funding["id"]
    out.append(Direct("kafka.retraction", "a retraction from another district", "finance", "xicheng", b(doc),
                      "the retracted event belongs to district 'dongcheng', not 'xicheng'"))
    for ptr, key, setter, code in [
            ("/data/name", ("school.renamed", 1), lambda d: d["data"].update(name="史家\u001b[31m小学"), "U+001B"),
            ("/data/reason", ("school.closed", 1), lambda d: d["data"].update(reason="原因\u202eevil"), "U+202E"),
            ("/source", ("school.renamed", 1), lambda d: d.update(source="beijing\u0000registry"), "U+0000"),
            ("/data/city", ("district.registered", 1), lambda d: d["data"].update(city="北京\u0085市"), "U+0085"),
            ("/data/funding_source", ("funding.allocated", 1), lambda d: d["data"].update(funding_source="区级\u2066财政"), "U+2066")]:
        doc = valid(key)
        setter(doc)
        system = service_of(doc["type"], doc["source"] if "\u0000" not in doc["source"] else "registry")
        out.append(Direct("kafka.free_text", f"{ptr} with {code}", system, "dongcheng", b(doc),
                          f"invalid event: {ptr}: " + CONTROL.format(code)))
    for v, m in [(0, "must be at least 1"), (9223372036854775808, TOO_LARGE), (1000000000001, "must be at most 1000000000000"),
                 (1.5, INTEGER)]:
        doc = valid(("funding.allocated", 1))
        doc["data"]["amount_fen"] = v
        out.append(Direct("kafka.numbers", f"amount_fen {v}", "finance", "dongcheng", b(doc),
                          f"invalid event: /data/amount_fen: {m}"))
    doc = valid(("school.equipment_purchased", 1))
    doc["data"]["books"] = 100000001
    out.append(Direct("kafka.numbers", "books 100000001", "registry", "dongcheng", b(doc),
                      "invalid event: /data/books: must be at most 100000000"))
    doc = valid(("school.construction_completed", 1))
    doc["data"]["floor_area_m2"] = 1.005
    out.append(Direct("kafka.numbers", "floor_area_m2 1.005", "registry", "dongcheng", b(doc),
                      "invalid event: /data/floor_area_m2: " + AREA_DECIMALS))
    for ptr, v, m in [("/effective_date", "9999-12-31", WINDOW), ("/effective_date", "1899-12-31", WINDOW),
                      ("/effective_date", "2019-02-29", CALENDAR), ("/recorded_at", "9999-12-31T00:00:00Z", WINDOW),
                      ("/recorded_at", "yesterday", RFC3339), ("/source_recorded_at", "1800-01-01T00:00:00Z", WINDOW)]:
        doc = valid(("school.renamed", 1))
        doc[ptr[1:]] = v
        out.append(Direct("kafka.dates", f"{ptr} {v}", "registry", "dongcheng", b(doc), f"invalid event: {ptr}: {m}"))
    doc = valid(("school.renamed", 1), type="school.exploded")
    out.append(Direct("kafka.contract", "an unknown type", "registry", "dongcheng", b(doc),
                      "invalid event: /type: unknown event type 'school.exploded'"))
    doc = valid(("school.renamed", 1), schema_version=7)
    out.append(Direct("kafka.contract", "schema_version 7", "registry", "dongcheng", b(doc),
                      "invalid event: /schema_version: unsupported version of school.renamed"))
    doc = valid(("school.renamed", 1), id="not-a-uuid")
    out.append(Direct("kafka.contract", "an id that is not a UUID", "registry", "dongcheng", b(doc),
                      "invalid event: /id: " + UUIDM))
    doc = valid(("school.renamed", 1))
    for i in range(10000):
        doc["data"]["k%059d" % i] = 1
    out.append(Direct("kafka.contract", "10,000 unknown keys (a long reason, cut)", "registry", "dongcheng", b(doc),
                      "invalid event: /data/k" + "0" * 59 + ": " + UNKNOWN_FIELD, max_reason_bytes=1003))
    return out
