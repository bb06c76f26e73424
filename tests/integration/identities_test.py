#!/usr/bin/env python3
"""Who may write and who may read, on the real broker with the real processes (issue 13;
docs/security.md): every route refuses a request without a valid credential (401) and an
identity of the wrong role (403); a source publishes only its system's events, for its
districts, under its own `source`, and retracts only what it published; a reader sees only
its districts, a forbidden district answering exactly as one that does not exist; reads of
personal records are in the access log, listed to auditors only; a revoked token is refused
without a restart; and no process ever writes a token's secret to its log.

  identities_test.py SOURCE_DIR BIN_DIR WORK_DIR     (ANNALS_TEST_BROKERS names the broker)
"""
import copy
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from stack import arguments, free_port, run  # noqa: E402

source, bins, work, brokers, prefix = arguments("ident")
tokens_file = os.path.join(work, "tokens")
failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAIL:", what)


def add_token(name, role, *args):
    out = subprocess.run([f"{bins}/annals", "tokens", "add", "--file", tokens_file, "--name", name, "--role", role, *args],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


def call(port, path, token=None, method="GET", body=None, content_type="application/json"):
    """(status, JSON body or text) of one request."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                 data=None if body is None else json.dumps(body).encode())
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if body is not None:
        req.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            status, raw = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    except (urllib.error.URLError, ConnectionError):
        return 0, None  # not listening (yet)
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode("utf-8", "replace")


tok = {
    "registry": add_token("registry", "source", "--system", "registry", "--source", "beijing-registry",
                          "--district", "dongcheng", "--district", "xicheng"),
    "registry-other": add_token("registry-other", "source", "--system", "registry", "--source", "other-registry",
                                "--district", "dongcheng"),
    "personnel": add_token("personnel", "source", "--system", "personnel", "--source", "beijing-personnel",
                           "--all-districts"),
    "dongcheng-reader": add_token("dongcheng-reader", "reader", "--district", "dongcheng"),
    "city-reader": add_token("city-reader", "reader", "--all-districts"),
    "auditor": add_token("auditor", "auditor", "--all-districts"),
    "xicheng-auditor": add_token("xicheng-auditor", "auditor", "--district", "xicheng"),
    "metrics": add_token("metrics", "metrics", "--all-districts"),
    "revoked": add_token("to-revoke", "reader", "--all-districts"),
}
listing = subprocess.run([f"{bins}/annals", "tokens", "list", "--file", tokens_file, "--json"],
                         check=True, capture_output=True, text=True).stdout


def secret(token):
    """The secret part of annals_<id>_<secret>: base64url, which may itself hold '_'."""
    return token.split("_", 2)[2]


check(all(secret(t) not in listing for t in tok.values()), "tokens list shows no secret")
check(all(secret(t) not in open(tokens_file).read() for t in tok.values()), "the token file holds no secret")

run(f"{bins}/annals", "topics", "create", "--brokers", brokers, "--topic-prefix", prefix, "--partitions", "2")
ports = {name: free_port() for name in ("registry", "personnel", "projector", "audit")}
log = open(os.path.join(work, "processes.log"), "w")
common = ["--brokers", brokers, "--topic-prefix", prefix, "--tokens", tokens_file]
procs = [subprocess.Popen([f"{bins}/annals-{s}", *common, "--store", f"{work}/{s}", "--listen", f"127.0.0.1:{ports[s]}"],
                          stdout=log, stderr=log) for s in ("registry", "personnel")]
procs.append(subprocess.Popen([f"{bins}/annals-projector", *common, "--group", prefix + "p", "--store", f"{work}/views",
                               "--listen", f"127.0.0.1:{ports['projector']}"], stdout=log, stderr=log))
procs.append(subprocess.Popen([f"{bins}/annals-audit", *common, "--store", f"{work}/views", "--secondary",
                               f"{work}/audit", "--listen", f"127.0.0.1:{ports['audit']}"], stdout=log, stderr=log))


def wait_ready():
    deadline = time.time() + 120
    for name, path in (("registry", "/ready"), ("personnel", "/ready"), ("projector", "/health"), ("audit", "/health")):
        while call(ports[name], path)[0] != 200:
            if time.time() > deadline:
                sys.exit(f"{name} did not answer {path}; see {work}/processes.log")
            time.sleep(0.2)


def example(event_type, district, **changes):
    with open(os.path.join(source, "schemas", event_type, "v1.example.json"), encoding="utf-8") as f:
        doc = json.load(f)
    doc.update({"id": str(uuid.uuid4()), "district": district}, **changes)
    return doc


def publish(system, doc, token):
    return call(ports[system], "/v1/events", token, "POST", doc)


try:
    wait_ready()
    # 1. Nothing answers without a credential, but /health and /ready.
    audit_paths = ["/v1/districts", "/v1/districts/dongcheng/state", "/v1/districts/dongcheng/indicators",
                   "/v1/districts/dongcheng/indicators.csv", "/v1/districts/dongcheng/indicators.xlsx",
                   "/v1/districts/dongcheng/indicators/series", "/v1/districts/dongcheng/events",
                   "/v1/districts/dongcheng/rotations", "/v1/districts/dongcheng/admissions?year=2020",
                   "/v1/districts/dongcheng/diff", "/v1/schools/dc-shijia/timeline", "/v1/teachers/t/timeline",
                   "/v1/clusters/c", "/v1/standards", "/v1/whoami", "/v1/access-log", "/metrics"]
    for path in audit_paths:
        status, body = call(ports["audit"], path)
        check(status == 401 and body.get("code") == "unauthenticated", f"audit {path} without a token: {status}")
        status, body = call(ports["audit"], path, "annals_0123456789abcdef_" + "A" * 43)
        check(status == 401 and body.get("error") == "the token is not valid (unknown or revoked)",
              f"audit {path} with an unknown token: {status} {body}")
    for name in ("registry", "personnel", "projector"):
        for path in ("/v1/events", "/v1/schemas", "/v1/progress", "/metrics"):
            status, _ = call(ports[name], path, None, "POST" if path == "/v1/events" else "GET",
                             {} if path == "/v1/events" else None)
            check(status == 401, f"{name} {path} without a token: {status}")
        check(call(ports[name], "/metrics", tok["city-reader"])[0] == 403, f"{name} /metrics as a reader")
        check(call(ports[name], "/metrics", tok["metrics"])[0] == 200, f"{name} /metrics as metrics")

    # 2. Sources: their system, their districts, their source; their own retractions.
    school = example("school.opened", "dongcheng")
    status, body = publish("personnel", school, tok["personnel"])
    check(status == 422 and body["violations"][0]["code"] == "wrong_service", f"a registry event at personnel: {status}")
    status, body = publish("registry", school, tok["personnel"])
    check(status == 403 and body.get("code") == "forbidden", f"the personnel identity at registry: {status} {body}")
    status, body = publish("registry", example("school.opened", "chaoyang"), tok["registry"])
    check(status == 403 and body["violations"][0]["code"] == "district_not_granted", f"a foreign district: {status} {body}")
    status, body = publish("registry", example("school.opened", "dongcheng", source="beijing-finance"), tok["registry"])
    check(status == 403 and body["violations"][0]["code"] == "source_not_yours", f"a forged source: {status} {body}")
    check(publish("registry", school, tok["registry"])[0] == 201, "the registry publishes its school")
    xicheng = example("school.opened", "xicheng", data=dict(example("school.opened", "x")["data"], school_id="xc-1"))
    check(publish("registry", xicheng, tok["registry"])[0] == 201, "the registry publishes a xicheng school")
    retraction = example("record.retracted", "dongcheng", source="other-registry",
                         data={"event_id": school["id"], "reason": "not ours"})
    status, body = publish("registry", retraction, tok["registry-other"])
    check(status == 403 and body["violations"][0]["code"] == "retraction_other_source",
          f"a retraction of another source's event: {status} {body}")
    # A batch: each event its own verdict.
    status, body = publish("registry", [example("school.opened", "chaoyang"), copy.deepcopy(school)], tok["registry"])
    check(status == 200 and [r["status"] for r in body["results"]] == ["rejected", "accepted"], f"a batch: {body}")

    # 3. Readers: only their districts; a forbidden one answers as one that does not exist.
    deadline = time.time() + 60
    while call(ports["audit"], "/v1/districts", tok["city-reader"])[1].get("districts", []).__len__() < 2:
        check(time.time() < deadline, "the projector projects both districts")
        if time.time() > deadline:
            break
        time.sleep(0.3)
    status, body = call(ports["audit"], "/v1/districts", tok["dongcheng-reader"])
    check(status == 200 and [d["id"] for d in body["districts"]] == ["dongcheng"], f"the reader's list: {body}")
    for route in ("state", "indicators", "indicators.csv", "events", "diff", "rotations", "indicators/series"):
        forbidden = call(ports["audit"], f"/v1/districts/xicheng/{route}", tok["dongcheng-reader"])
        unknown = call(ports["audit"], f"/v1/districts/nowhere/{route}", tok["dongcheng-reader"])
        check(forbidden[0] == unknown[0] == 404, f"{route}: forbidden {forbidden[0]}, unknown {unknown[0]}")
        check(json.dumps(forbidden[1]).replace("xicheng", "X") == json.dumps(unknown[1]).replace("nowhere", "X"),
              f"{route}: the forbidden and the unknown district answer alike: {forbidden[1]} / {unknown[1]}")
    check(call(ports["audit"], "/v1/schools/xc-1/timeline", tok["dongcheng-reader"])[0] == 404, "a forbidden school")
    check(call(ports["audit"], "/v1/schools/xc-1/timeline", tok["city-reader"])[0] == 200, "the city reads it")
    check(call(ports["audit"], "/v1/districts/dongcheng/state", tok["registry"])[0] == 403, "a source cannot read")

    # 4. The access log: personal reads, who and what, for auditors only.
    check(call(ports["audit"], "/v1/districts/dongcheng/events", tok["dongcheng-reader"])[0] == 200, "the reader reads")
    check(call(ports["audit"], "/v1/districts/dongcheng/state", tok["dongcheng-reader"])[0] == 200, "not personal")
    status, body = call(ports["audit"], "/v1/access-log", tok["auditor"])
    check(status == 200, f"the auditor lists the access log: {status} {body}")
    reads = [r for r in body.get("records", []) if r["name"] == "dongcheng-reader"]
    check([r["endpoint"] for r in reads] == ["events"] and reads[0]["district"] == "dongcheng"
          and reads[0]["request"] == "/v1/districts/dongcheng/events", f"the reader's reads: {reads}")
    city = [r for r in body.get("records", []) if r["name"] == "city-reader"]
    check([r["endpoint"] for r in city] == ["school_timeline"] and city[0]["district"] == "xicheng",
          f"the city reader's timeline read: {city}")
    status, body = call(ports["audit"], "/v1/access-log", tok["xicheng-auditor"])
    check(status == 200 and {r["district"] for r in body["records"]} == {"xicheng"}, f"a district's auditor: {body}")
    check(call(ports["audit"], "/v1/access-log", tok["city-reader"])[0] == 403, "a reader cannot list the access log")
    status, body = call(ports["audit"], "/v1/whoami", tok["dongcheng-reader"])
    check(body == {"id": tok["dongcheng-reader"].split("_")[1], "name": "dongcheng-reader", "role": "reader",
                   "districts": ["dongcheng"]}, f"whoami: {body}")

    # 5. Revocation holds without a restart.
    check(call(ports["audit"], "/v1/districts", tok["revoked"])[0] == 200, "before revocation")
    run(f"{bins}/annals", "tokens", "revoke", "--file", tokens_file, "to-revoke")
    deadline = time.time() + 10
    while call(ports["audit"], "/v1/districts", tok["revoked"])[0] != 401 and time.time() < deadline:
        time.sleep(0.1)
    check(call(ports["audit"], "/v1/districts", tok["revoked"])[0] == 401, "a revoked token is refused")
    check(call(ports["registry"], "/v1/schemas", tok["revoked"])[0] == 401, "by every process")
finally:
    for p in procs:
        p.terminate()
    for p in procs:
        p.wait(timeout=30)
    log.close()

logged = open(os.path.join(work, "processes.log"), encoding="utf-8", errors="replace").read()
check(all(secret(t) not in logged for t in tok.values()), "no process logs a secret")
if failures:
    sys.exit(f"{len(failures)} failures; logs in {work}")
print("identities: 401, 403, scoped reads, source grants, the access log and revocation all hold")
