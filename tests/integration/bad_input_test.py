#!/usr/bin/env python3
"""Bad input on the real stack: the four publishing services, the projector and the audit
service on free ports and a topic prefix of this run's own. A small valid record (the demo
district's narrative, and the inputs the contract says are accepted) is published and
projected; then hundreds of malformed inputs (tests/integration/bad_inputs.py) are sent over
HTTP and straight into the topics with a Kafka client (Debian's kcat). Each must get its exact
answer: status and error, or the violation's pointer, message and code, or the dead letter's
reason. Afterwards every process is the same process and answers, the logs hold nothing
malformed from the HTTP path, the views' content checksum is what it was before, every record
in the domain topics (but those this test wrote there itself) is a valid event, and no refused
input's id is in them.

Every call carries the token of the identity that would make it (ctest's `tokens` fixture,
ANNALS_TEST_CREDENTIALS; the processes read its token file, ANNALS_TOKENS): each publishing
service is posted to with its own system's source token, the audit service asked with the
city reader's, /metrics and the projector's progress with the metrics token; `annals import`
reads the same credentials (ANNALS_CREDENTIALS). /health and /ready are asked with none.

  bad_input_test.py SOURCE_DIR BIN_DIR WORK_DIR     (ANNALS_TEST_BROKERS names the broker)

It ends with the line `bad_input: N passed, M failed` and exits non-zero when M > 0.
"""
import errno
import functools
import http.client as httpclient
import json
import os
import re
import shutil
import subprocess
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "support"))
sys.path.insert(0, here)
from stack import arguments, free_port, stop_processes, token, wait_until as wait_for  # noqa: E402
import bad_inputs as B  # noqa: E402

started_at = time.time()
source, bins, work, brokers, prefix = arguments("bad")
if not shutil.which("kcat"):
    sys.exit("no kcat: install Debian's kcat (deploy/local/install-deps)")
try:
    import jsonschema  # comes with openapi-spec-validator (deploy/local/install-deps)
except ImportError:
    sys.exit("no jsonschema for python3: run deploy/local/install-deps")

SYSTEMS = B.SERVICES
TOKENS = {name: token(name) for name in SYSTEMS + ("city-reader", "metrics")}
CALLER = {**{s: s for s in SYSTEMS}, "projector": "metrics", "audit": "city-reader"}  # who asks each process
TOPICS = {s: prefix + s for s in SYSTEMS}
DEAD = prefix + "deadletter"
logs = os.path.join(work, "logs")
wait_until = functools.partial(wait_for, logs=logs, on_timeout=lambda: stop_all())
os.makedirs(logs)

# ------------------------------------------------------------------------------------------
# Outcomes

outcomes = []  # (cls, name, problems)
notes = []     # what the report should say beyond pass/fail


def record(cls, name, problems, detail=""):
    outcomes.append((cls, name, problems, detail))


def phase(what):
    print(f"[{time.time() - started_at:6.1f} s] {what}", flush=True)


# ------------------------------------------------------------------------------------------
# Processes and commands (another engineer may be rebuilding a binary: wait and retry)

def retrying(start, what, seconds=300):
    deadline = time.time() + seconds
    while True:
        try:
            return start()
        except OSError as e:
            if e.errno not in (errno.ETXTBSY, errno.ENOENT, errno.EACCES) or time.time() > deadline:
                raise
            print(f"{what}: {e}; retrying", flush=True)
            time.sleep(2)


def command(*args, check=True, timeout=300, **kwargs):
    args = [str(a) for a in args]
    r = retrying(lambda: subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, **kwargs),
                 args[0])
    if check and r.returncode != 0:
        sys.exit(f"{' '.join(args)[:300]} failed ({r.returncode}): {r.stderr[-2000:]!r}")
    return r


procs = {}


def start(name, args):
    log = open(os.path.join(logs, name + ".log"), "wb")
    procs[name] = retrying(lambda: subprocess.Popen([str(a) for a in args], stdout=log, stderr=log), name)


def stop_all():
    stop_processes(procs, timeout=30)


def start_time(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[19]


# ------------------------------------------------------------------------------------------
# HTTP

def request(port, method, path, body=None, headers=None, timeout=120, as_=None):
    """(status, Content-Type, body bytes); status 0 when there was no answer. `as_`: the
    identity whose bearer token is sent (none when None)."""
    if as_:
        headers = {"Authorization": f"Bearer {TOKENS[as_]}", **(headers or {})}
    c = httpclient.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        try:
            c.putrequest(method, path, skip_accept_encoding=True)
            for k, v in (headers or {}).items():
                c.putheader(k, v)
            if body is not None or method in ("POST", "PUT", "PATCH"):
                c.putheader("Content-Length", str(len(body or b"")))
            c.endheaders()
            if body:
                c.send(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered before reading everything (413, 414): read its answer
        r = c.getresponse()
        return r.status, r.getheader("Content-Type"), r.read()
    except (OSError, httpclient.HTTPException) as e:
        return 0, None, f"no answer: {e!r}".encode()
    finally:
        c.close()


def get_json(port, path, as_):
    status, _, raw = request(port, "GET", path, timeout=30, as_=as_)
    if status != 200:
        raise OSError(f"GET {path}: {status} {raw[:200]!r}")
    return json.loads(raw)


def post(service, body, ctype="application/json", headers=None):
    h = dict(headers or {})
    if ctype is not None:
        h["Content-Type"] = ctype
    return request(ports[service], "POST", "/v1/events", body, h, as_=service)


def describe(exp):
    k = exp["kind"]
    if k == "whole":
        what = exp["error"] or exp["error_start"] or exp["error_contains"] or ""
        return f"{exp['status']} {{error: {what!r}}}"
    if k == "rejected":
        return f"{exp['status']} rejected at {exp['pointer']!r} code {exp['code']} message ~ {exp['message'][:80]!r}"
    if k == "accepted":
        return "201 accepted" + (" duplicate" if exp["duplicate"] else "")
    if k == "batch":
        return f"{exp['status']} batch " + ", ".join(f"[{i}] {describe(s)}" for i, s in exp["results"].items())
    return f"{exp['status']} {{error ~ {exp['contains']!r}}}"


def excerpt(raw, n=300):
    text = raw[:n].decode("utf-8", "backslashreplace")
    return text + ("..." if len(raw) > n else "")


def send_post(case):
    status, ctype, raw = post(case.service, case.body, case.ctype, case.headers)
    ids = [d.get("id") if isinstance(d, dict) and B.is_uuid(d.get("id")) else None for d in case.docs] if case.docs else None
    problems = B.check(case.expect, status, raw, ctype, ids, case.max_bytes)
    record(case.cls, f"{case.service}: {case.name}", problems,
           f"expected {describe(case.expect)}; got {status} {excerpt(raw)}")
    return status, raw


def send_get(case):
    port = ports[case.target]
    status, ctype, raw = request(port, case.method, case.path, None if case.method == "GET" else b"", case.headers,
                                 as_=CALLER[case.target])
    problems = B.check(case.expect, status, raw, ctype)
    if case.forbid and case.forbid in raw:
        problems.append(f"the answer holds {case.forbid!r}")
    record(case.cls, f"{case.target}: {case.method} {case.name}", problems,
           f"expected {describe(case.expect)}; got {status} {excerpt(raw)}")
    return status, raw


# ------------------------------------------------------------------------------------------
# Kafka (kcat)

def kcat_read(topic):
    """Every record of `topic` as kcat's JSON envelope (payload bytes kept as surrogate escapes)."""
    r = command("kcat", "-b", brokers, "-C", "-t", topic, "-J", "-e", "-q", timeout=120)
    out = []
    for line in r.stdout.split(b"\n"):
        if line.strip():
            rec = json.loads(line.decode("utf-8", "surrogateescape"))
            h = rec.get("headers") or []
            rec["headers"] = dict(zip(h[0::2], h[1::2]))
            out.append(rec)
    return out


def end_offsets():
    ends = {}
    for t in TOPICS.values():
        r = command("kcat", "-b", brokers, "-Q", "-t", f"{t}:0:-1", "-t", f"{t}:1:-1", timeout=60)
        for m in re.finditer(rb"^(\S+) \[(\d+)\] offset (-?\d+)", r.stdout, re.M):
            ends[(m.group(1).decode(), int(m.group(2)))] = int(m.group(3))
    if len(ends) != 2 * len(TOPICS):
        sys.exit(f"kcat -Q did not give every partition's end: {ends}")
    return ends


def wait_projected(seconds=120):
    """Until the projector's /v1/progress has applied every domain partition to its end, lag 0."""
    ends = end_offsets()

    def done():
        parts = {(p["topic"], p["partition"]): p
                 for p in get_json(ports["projector"], "/v1/progress", "metrics")["partitions"]}
        return all(k in parts and parts[k]["next_offset"] >= end and parts[k]["lag"] == 0 for k, end in ends.items())
    wait_until("the projector has applied every record (lag 0)", done, seconds)
    return ends


def produce(case, tag):
    args = ["kcat", "-b", brokers, "-P", "-t", TOPICS[case.system], "-H", f"annals_test_case={tag}"]
    if case.value:
        path = os.path.join(work, "direct", tag)
        with open(path, "wb") as f:
            f.write(case.value)
        if case.key is not None:
            args += ["-k", case.key]
        command(*args, path)
    else:  # an empty or null value: kcat's line mode, key|value
        args += ["-K", "\u0001"] + (["-Z"] if case.value is None else [])
        command(*args, input=(case.key or "").encode() + b"\x01\n")


def metric(text, name):
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            total += float(line.rsplit(" ", 1)[1])
    return total


def projector_metrics():
    status, _, raw = request(ports["projector"], "GET", "/metrics", as_="metrics")
    text = raw.decode()
    return {n: metric(text, n) for n in ("annals_projector_dead_letters_total", "annals_projector_id_conflicts_total",
                                         "annals_projector_duplicate_events_total")}


def services_caught_up(ends):
    """Every publishing service's own views have read every domain partition to `ends` (its
    follower's annals_projector_next_offset): its idempotency then knows every id published."""
    for s in SYSTEMS:
        text = request(ports[s], "GET", "/metrics", as_="metrics")[2].decode()
        read = {}
        for m in re.finditer(r'^annals_projector_next_offset\{partition="(\d+)",topic="([^"]+)"\} (\S+)$', text, re.M):
            read[(m.group(2), int(m.group(1)))] = float(m.group(3))
        if any(read.get(k, -1) < end for k, end in ends.items()):
            return False
    return True


def checksum():
    r = command(f"{bins}/annals", "views", "checksum", "--content-only", "--store", os.path.join(work, "views"))
    return r.stdout.decode().strip()


# ------------------------------------------------------------------------------------------
# The stack

command(f"{bins}/annals", "topics", "create", "--brokers", brokers, "--topic-prefix", prefix, "--partitions", "2")
ports = {name: free_port() for name in SYSTEMS + ("projector", "audit")}
try:
    for s in SYSTEMS:
        start(s, [f"{bins}/annals-{s}", "--brokers", brokers, "--topic-prefix", prefix,
                  "--listen", f"127.0.0.1:{ports[s]}", "--store", os.path.join(work, s)])
    start("projector", [f"{bins}/annals-projector", "--brokers", brokers, "--topic-prefix", prefix,
                        "--group", prefix + "projector", "--store", os.path.join(work, "views"),
                        "--listen", f"127.0.0.1:{ports['projector']}"])
    start("audit", [f"{bins}/annals-audit", "--brokers", brokers, "--topic-prefix", prefix,
                    "--store", os.path.join(work, "views"), "--secondary", os.path.join(work, "audit"),
                    "--listen", f"127.0.0.1:{ports['audit']}"])
    for s in SYSTEMS:
        wait_until(f"annals-{s} is ready", lambda s=s: request(ports[s], "GET", "/ready")[0] == 200)
    for s in ("projector", "audit"):
        wait_until(f"annals-{s} answers", lambda s=s: request(ports[s], "GET", "/health")[0] == 200)
    phase(f"stack up: {', '.join(f'{n}:{p}' for n, p in ports.items())}, topics {prefix}*")

    examples, schemas = B.load_examples(source)

    # ---------------------------------------------------------------------- the valid record
    baseline = []
    # The demo district's hand-written narrative (deploy/local/up imports it with the pupils,
    # teachers and funds annals gen adds around it; the narrative alone is record enough here).
    with open(os.path.join(source, "deploy/local/demo/dongcheng-narrative.ndjson")) as f:
        demo = [json.loads(line) for line in f if line.strip()]
    for s in SYSTEMS:
        docs = [d for d in demo if B.service_of(d["type"], d["source"]) == s]
        status, _, raw = post(s, "\n".join(json.dumps(d, ensure_ascii=False) for d in docs).encode(), "application/x-ndjson")
        answer = json.loads(raw) if status == 200 else {}
        if answer.get("accepted") != len(docs) or any(r.get("duplicate") for r in answer["results"]):
            sys.exit(f"the demo events were not all accepted by {s}: {status} {excerpt(raw, 2000)}")
        for d, r in zip(docs, answer["results"]):
            baseline.append({"doc": d, "position": (r["topic"], r["partition"], r["offset"])})
    positions = {b["doc"]["id"]: b["position"] for b in baseline}

    # the inputs the contract accepts (each must be 201), and what later cases build on
    for case in B.positive_setup(examples):
        status, raw = send_post(case)
        if status == 201:
            positions[case.docs[0]["id"]] = tuple(json.loads(raw)[k] for k in ("topic", "partition", "offset"))
    hire = B.fresh(examples[("teacher.hired", 1)])
    hire["effective_date"] = "2016-09-01"
    hire["data"].update(teacher_id="t-cross-service", school_id="dc-shijia")
    status, _, raw = post("personnel", B.dumps(hire).encode())
    hired_at = time.time()
    record("accepted", "personnel: teacher.hired whose id the enrollment service will be sent", [] if status == 201 else [f"status {status}"],
           f"expected 201; got {status} {excerpt(raw)}")
    for doc in B.retro_setup(examples):
        status, _, raw = post(B.service_of(doc["type"], doc["source"]), B.dumps(doc).encode())
        record("accepted", f"retroactive setup: {doc['type']} {doc['effective_date']}", [] if status == 201 else [f"status {status}"],
               f"expected 201; got {status} {excerpt(raw)}")
    wait_projected()
    # the logged form of the demo's events (with recorded_at), for the records sent straight to Kafka
    logged = {}
    by_id = {b["doc"]["id"]: b["doc"] for b in baseline}
    for s in SYSTEMS:
        for rec in kcat_read(TOPICS[s]):
            doc = json.loads(rec["payload"])
            if doc["id"] in by_id and doc["type"] not in logged:
                logged[doc["type"]] = doc

    def retro_cursor():
        return get_json(ports["audit"], f"/v1/districts/{B.RETRO}/events?limit=1", "city-reader")["next"]
    wait_until("the audit service answers for the retroactive district", lambda: retro_cursor() is not None, 60)
    wait_until("the audit service answers for dongcheng",
               lambda: get_json(ports["audit"], "/v1/districts/dongcheng/state?at=2019-09-01", "city-reader")["schools"],
               60)
    other_cursor = retro_cursor()

    pids = {name: (p.pid, start_time(p.pid)) for name, p in procs.items()}
    before = checksum()
    phase(f"valid record published and projected ({len(baseline)} demo events); pids {{{', '.join(f'{n}: {p[0]}' for n, p in pids.items())}}}; "
          f"content checksum {before}")

    # ---------------------------------------------------------------------- refused over HTTP
    refused_ids, reused_ids = set(), set()
    time.sleep(max(0.0, 2.0 - (time.time() - hired_at)))  # the other services have read the hire
    ends = end_offsets()
    wait_until("every publishing service has read every topic to its end", lambda: services_caught_up(ends), 60)
    posts = (B.media_type_cases(examples) + B.not_json_cases(examples) +
             B.nesting_cases(examples, json.dumps(baseline[0]["doc"], ensure_ascii=False)) + B.size_cases(examples) +
             B.many_keys_cases(examples) + B.id_cases(examples) + B.contract_cases(examples, schemas) +
             B.amount_cases(examples) + B.wrong_service_cases(examples) +
             B.duplicate_and_reuse_cases(baseline, hire) + B.domain_cases(examples, baseline))
    for case in posts:
        status, _ = send_post(case)
        if status != 201 and status != 200:
            refused_ids.update(case.refused_ids)
        elif case.expect["kind"] == "batch":
            refused_ids.update(case.refused_ids)  # the refused lines' own ids
        reused_ids.update(case.reused_ids)
    phase(f"{len(posts)} POST /v1/events inputs sent")

    # `annals import` of a file with a line whose id is nested 100,000 levels deep, twice
    deep = os.path.join(work, "deep-id.ndjson")
    with open(deep, "w") as f:
        f.write(json.dumps(baseline[0]["doc"], ensure_ascii=False) + "\n")
        f.write('{"id":' + "[" * 100000 + "]" * 100000 + ',"type":"school.opened","district":"dongcheng"}\n')
    urls = []
    for s in SYSTEMS:
        urls += [f"--{s}", f"http://127.0.0.1:{ports[s]}"]
    runs = []
    for attempt in range(2):
        r = command(f"{bins}/annals", "import", deep, *urls, check=False)
        runs.append(r)
        out = (r.stdout + r.stderr).decode("utf-8", "backslashreplace")
        notes.append(f"annals import (run {attempt + 1}) of a line whose id is nested 100,000 deep: exit {r.returncode}; "
                     + " | ".join(line.strip() for line in out.splitlines() if line.strip())[:400])
        problems = []
        if r.returncode < 0 or r.returncode not in (0, 1):
            problems.append(f"exit status {r.returncode} (a crash or a failure)")
        if attempt == 0:
            if r.returncode != 1 or "1 already published, 1 rejected" not in out:
                problems.append(f"expected exit 1 with '1 already published, 1 rejected': {out[-300:]!r}")
            rejects = open(deep + ".rejects.ndjson", "rb").read() if os.path.exists(deep + ".rejects.ndjson") else b""
            lines = [json.loads(x) for x in rejects.splitlines() if x.strip()]
            if len(lines) != 1 or lines[0].get("line") != 2 or B.TOO_DEEP not in json.dumps(lines[0]):
                problems.append(f"rejects file: {rejects[:300]!r}")
        elif r.returncode != 0 or "resuming" not in out:
            problems.append(f"expected the resumed run to exit 0 after 'resuming': {out[-300:]!r}")
        record("import", f"annals import of an id nested 100,000 deep, run {attempt + 1}", problems,
               f"exit {r.returncode}: {out[-300:]!r}")

    # ---------------------------------------------------------------------- refused by the audit service
    gets = B.audit_cases(other_cursor)
    raw_chars, largest = [], (0, "")
    unsafe = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
    for case in gets:
        status, raw = send_get(case)
        text = raw.decode("utf-8", "replace")
        if unsafe.search(text):
            raw_chars.append(case.name)
        if status < 500 and len(raw) > largest[0]:
            largest = (len(raw), case.name)
    notes.append(f"largest refusal answer: {largest[0]} bytes ({largest[1][:60]}); answers quoting raw control or "
                 f"bidirectional characters: {len(raw_chars)} {raw_chars[:4]}")
    for case in gets:
        if case.cls == "audit.huge":
            for cls, name, problems, detail in outcomes[::-1]:
                if name.endswith(case.name):
                    notes.append(f"audit {case.name}: {detail.split('; got ')[1][:80]}")
                    break
    phase(f"{len(gets)} GET inputs sent")

    # ---------------------------------------------------------------------- straight into the topics
    os.makedirs(os.path.join(work, "direct"))
    directs = B.direct_cases(prefix, logged, positions, examples)
    metrics_before = projector_metrics()
    tags = {}
    for i, case in enumerate(directs):
        tag = f"d{i}"
        tags[tag] = case
        produce(case, tag)
    wait_projected()
    metrics_after = projector_metrics()
    where = {}  # tag -> (topic, partition, offset)
    domain_records = []
    for s in SYSTEMS:
        for rec in kcat_read(TOPICS[s]):
            domain_records.append(rec)
            tag = rec["headers"].get("annals_test_case")
            if tag:
                where[tag] = (rec["topic"], rec["partition"], rec["offset"])
    letters = {}
    for rec in kcat_read(DEAD):
        h = rec["headers"]
        key = (h.get("annals_source_topic"), int(h.get("annals_source_partition", -1)), int(h.get("annals_source_offset", -1)))
        letters.setdefault(key, []).append(h.get("annals_reason", ""))
    direct_positions = set()
    for tag, case in tags.items():
        pos = where.get(tag)
        problems = []
        got = letters.get(pos, []) if pos else []
        if pos is None:
            problems.append("the record is not in the topic")
        else:
            direct_positions.add(pos)
        if case.reason is None:
            if got:
                problems.append(f"a dead letter: {got[0][:200]!r}")
        elif len(got) != 1:
            problems.append(f"{len(got)} dead letters, expected 1")
        else:
            reason = got[0]
            ok = reason.startswith(case.reason) if case.match == "prefix" else case.reason in reason
            if not ok:
                problems.append(f"reason {reason[:300]!r}")
            if case.max_reason_bytes and len(reason.encode("utf-8", "surrogateescape")) > case.max_reason_bytes:
                problems.append(f"a reason of {len(reason.encode('utf-8', 'surrogateescape'))} bytes")
        record(case.cls, f"kafka {TOPICS[case.system]}: {case.name}", problems,
               f"expected {'no dead letter' if case.reason is None else ('reason ' + case.match + ' ' + repr(case.reason[:200]))}; "
               f"got {[g[:200] for g in got]!r} at {pos}")
    stray = [(k, v) for k, v in letters.items() if k not in direct_positions]
    record("after", "every dead letter is of a record written straight into a topic",
           [f"{len(stray)} other dead letters"] if stray else [], f"{stray[:5]!r}")
    expected = {"annals_projector_dead_letters_total": sum(1 for c in directs if c.reason is not None),
                "annals_projector_id_conflicts_total": sum(1 for c in directs if c.conflict),
                "annals_projector_duplicate_events_total": sum(1 for c in directs if c.reason is None)}
    for name, n in expected.items():
        delta = metrics_after[name] - metrics_before[name]
        record("after", f"projector {name} went up by {n}", [] if delta == n else [f"went up by {delta:g}"],
               f"before {metrics_before[name]:g}, after {metrics_after[name]:g}")
    phase(f"{len(directs)} records produced straight into the topics; {len(letters)} dead letters")

    after = checksum()
    record("after", "content checksum unchanged by refused input", [] if after == before else [f"{before} -> {after}"])

    # ---------------------------------------------------------------------- RETROACTIVE STRUCTURAL RULES
    # Being implemented: each must be 422 with a violation at the pointer; the codes are
    # reported, not asserted. Sent after the checksum above so that one still accepted does
    # not hide the rest of the run's results.
    retro = B.retro_cases(examples)
    retro_accepted = []
    for case in retro:
        status, raw = send_post(case)
        codes = []
        try:
            codes = sorted({v["code"] for v in json.loads(raw).get("violations", [])})
        except (ValueError, AttributeError):
            pass
        notes.append(f"retroactive: {case.name}: {status} codes {codes}")
        if status in (200, 201):
            retro_accepted.append(case.docs[0]["id"])
        else:
            refused_ids.update(case.refused_ids)
    wait_projected()
    final = checksum()
    if retro_accepted:
        notes.append(f"the content checksum changed ({after} -> {final}) because {len(retro_accepted)} retroactive "
                     "inputs were accepted")
    else:
        record("after", "content checksum unchanged by the refused retroactive inputs",
               [] if final == before else [f"{before} -> {final}"])

    # ---------------------------------------------------------------------- the stack afterwards
    for name, p in procs.items():
        problems = []
        if p.poll() is not None:
            problems.append(f"exited with {p.returncode}")
        elif (p.pid, start_time(p.pid)) != pids[name]:
            problems.append("another process")
        status = request(ports[name], "GET", "/health")[0]
        if status != 200:
            problems.append(f"/health answered {status}")
        record("after", f"annals-{name} is the same process (pid {pids[name][0]}) and answers /health", problems)

    # every record in the domain topics, but this test's own, is a valid event; no refused id is there
    counts = {}
    invalid = []
    for rec in [r for s in SYSTEMS for r in kcat_read(TOPICS[s])]:
        if rec["headers"].get("annals_test_case"):
            continue
        where_ = f"{rec['topic']}/{rec['partition']}@{rec['offset']}"
        try:
            doc = json.loads(rec["payload"])
            problems = []
            schema = schemas.get((doc.get("type"), doc.get("schema_version")))
            if schema is None:
                problems.append(f"no schema for {doc.get('type')!r} v{doc.get('schema_version')!r}")
            else:
                problems += [e.message[:120] for e in jsonschema.Draft7Validator(schema).iter_errors(doc)]
            if not B.is_uuid(doc.get("id")) or not isinstance(doc.get("recorded_at"), str):
                problems.append("no UUID id or no recorded_at")
            if rec["key"] != doc.get("district"):
                problems.append(f"key {rec['key']!r} is not the district")
            if doc.get("type") != "record.retracted" and prefix + B.service_of(doc["type"]) != rec["topic"]:
                problems.append("on another system's topic")
            if rec["headers"].get("ce_id") != doc.get("id") or rec["headers"].get("ce_type") != doc.get("type"):
                problems.append("CloudEvents headers do not match")
            counts[doc.get("id")] = counts.get(doc.get("id"), 0) + 1
        except (ValueError, TypeError, KeyError) as e:
            problems = [f"not an event: {e}"]
        if problems:
            invalid.append(f"{where_}: {problems}")
    record("after", f"every record of the domain topics but this test's own is a valid event ({sum(counts.values())})",
           invalid[:10], "")
    present = sorted(i for i in refused_ids if i in counts)
    record("after", f"no id of a refused HTTP input is in the domain topics ({len(refused_ids)} ids)",
           [f"{len(present)} are: {present[:5]}"] if present else [])
    twice = sorted(i for i in reused_ids if counts.get(i) != 1)
    record("after", f"ids reused by refused inputs are in the topics once, as first published ({len(reused_ids)} ids)",
           [f"{[(i, counts.get(i)) for i in twice[:5]]}"] if twice else [])

    # the logs: nothing malformed from the HTTP path
    malformed = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
    http_markers = ["pwned", "kindergarten", "another-registry", "同一请求中的另一事件", "k" + "0" * 59 + "1", "X-Big",
                    "etc/passwd", "gnehcgnod"]
    for name in procs:
        raw = open(os.path.join(logs, name + ".log"), "rb").read()
        problems, kafka_lines = [], []
        text = raw.decode("utf-8", "surrogateescape")
        for n, line in enumerate(text.split("\n"), 1):
            bad = any("\udc80" <= c <= "\udcff" for c in line) or malformed.search(line)
            if bad:
                if name == "projector" and line.startswith("annals-projector: dead letter "):
                    kafka_lines.append(line)  # a record written straight into a topic, not the HTTP path
                else:
                    problems.append(f"line {n}: {line[:120]!r}")
            for m in http_markers:
                if m in line:
                    problems.append(f"line {n} quotes HTTP input {m!r}: {line[:120]!r}")
        if kafka_lines:
            notes.append(f"the projector's log has {len(kafka_lines)} dead-letter lines with raw control characters or "
                         f"invalid UTF-8 from records written straight into the topics, e.g. {kafka_lines[0][:160]!r}")
        record("after", f"annals-{name}'s log holds nothing malformed from the HTTP path ({len(raw)} bytes)", problems[:5])
finally:
    stop_all()

# ------------------------------------------------------------------------------------------
# The report

by_class = {}
for cls, name, problems, detail in outcomes:
    n = by_class.setdefault(cls, [0, 0])
    n[0 if not problems else 1] += 1
print("\ninputs and checks by class:")
for cls in sorted(by_class):
    ok, bad = by_class[cls]
    print(f"  {cls:24} {ok + bad:5}" + (f"  ({bad} failed)" if bad else ""))
print("\nchecks after the inputs:")
for cls, name, problems, detail in outcomes:
    if cls == "after":
        print(f"  {'ok  ' if not problems else 'FAIL'} {name}")
if notes:
    print("\nobserved:")
    for n in notes:
        print("  " + n)
failed = [(cls, name, problems, detail) for cls, name, problems, detail in outcomes if problems]
if failed:
    print("\nfailed:")
    for cls, name, problems, detail in failed:
        print(f"  [{cls}] {name}\n      {'; '.join(problems)[:600]}\n      {detail[:600]}")
print(f"\nrun time {time.time() - started_at:.1f} s")
print(f"bad_input: {len(outcomes) - len(failed)} passed, {len(failed)} failed")
sys.exit(1 if failed else 0)
