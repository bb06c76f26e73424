#!/usr/bin/env python3
"""A full restart of the single-node stack's broker (deploy/local/broker, a broker of this
test's own): the registry and enrollment services and the projector run on while it is
stopped and started again.

Before: a school and its pupils are published and projected. While the broker is down:
publishing answers 503 with Retry-After (never 201, never a refusal of the event), /ready
says 503, the audit-facing views stay as they were. After it is back: the same requests
are sent again and each event is published exactly once (201, or 201 "duplicate" when the
first attempt had reached the log after all); the projector resumes from its stored offsets
and its views' checksum equals a clean rebuild's from the same topics.

  broker_restart_test.py SOURCE_DIR BIN_DIR WORK_DIR   (ANNALS_TEST_RESTART_PORT: the broker's port)
"""
import functools
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from stack import Checks, arguments, free_port, get_json, ready, run, stop_processes, token, wait_until as wait_for  # noqa: E402

source, bins, work, _, prefix = arguments("restart")
port = os.environ.get("ANNALS_TEST_RESTART_PORT", "19700")
brokers = f"127.0.0.1:{port}"
broker_env = dict(os.environ, ANNALS_KAFKA_PORT=port, ANNALS_KAFKA_DIR=os.path.join(work, "broker"),
                  ANNALS_KAFKA_SECURITY="plaintext")
broker = os.path.join(source, "deploy/local/broker")
logs = os.path.join(work, "logs")
os.makedirs(logs)
procs = {}
wait_until = functools.partial(wait_for, logs=logs, on_timeout=lambda: stop_processes(procs))
DISTRICT = "restart-district"


def event(n, kind):
    base = {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{prefix}{kind}{n}")), "schema_version": 1,
            "district": DISTRICT, "effective_date": "2015-09-01"}
    if kind == "school":
        return {**base, "type": "school.opened", "source": "beijing-registry",
                "data": {"school_id": f"s-{n}", "name": f"第{n}小学", "stages": ["primary"], "kind": "regular",
                         "ownership": "public", "location": "urban", "boarding": False, "township": "东华门街道"}}
    return {**base, "type": "student.enrolled", "source": "beijing-enrollment", "effective_date": "2015-09-02",
            "data": {"student_id": f"p-{n}", "school_id": "s-0", "stage": "primary", "grade": 1,
                     "admission": "nearby", "migrant": False, "disability": "none", "boarding": False,
                     "hardship_tier": 0}}


def post(service, events):
    """(status, body) of POST /v1/events with `events` (a batch)."""
    req = urllib.request.Request(f"http://127.0.0.1:{ports[service]}/v1/events", method="POST",
                                 data=json.dumps(events, ensure_ascii=False).encode(),
                                 headers={"Content-Type": "application/json",
                                          "Authorization": f"Bearer {token(service)}"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.load(r), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}"), dict(e.headers)


run(broker, "fresh", env=broker_env)
check = Checks()


try:
    run(f"{bins}/annals", "topics", "create", "--brokers", brokers, "--topic-prefix", prefix, "--partitions", "2")
    ports = {"registry": free_port(), "enrollment": free_port(), "projector": free_port()}
    common = ["--brokers", brokers, "--topic-prefix", prefix, "--delivery-timeout-ms", "5000"]
    for s in ("registry", "enrollment"):
        procs[s] = subprocess.Popen([f"{bins}/annals-{s}", *common, "--store", f"{work}/{s}", "--listen",
                                     f"127.0.0.1:{ports[s]}"], stdout=open(f"{logs}/{s}.log", "w"),
                                    stderr=subprocess.STDOUT)
    procs["projector"] = subprocess.Popen(
        [f"{bins}/annals-projector", "--brokers", brokers, "--topic-prefix", prefix, "--group", prefix + "p",
         "--store", f"{work}/views", "--listen", f"127.0.0.1:{ports['projector']}"],
        stdout=open(f"{logs}/projector.log", "w"), stderr=subprocess.STDOUT)
    for s in ("registry", "enrollment"):
        wait_until(f"{s} is ready", functools.partial(ready, ports[s]))

    status, body, _ = post("registry", [event(n, "school") for n in range(3)])
    check(status == 200 and body["accepted"] == 3, f"the schools before the restart: {status} {body}")
    status, body, _ = post("enrollment", [event(n, "pupil") for n in range(50)])
    check(status == 200 and body["accepted"] == 50, f"the pupils before the restart: {status} {body}")

    def lag_zero():
        parts = get_json(ports["projector"], "/v1/progress", token=token("metrics"))["partitions"]
        return parts and all(p["lag"] == 0 for p in parts) and sum(p["next_offset"] for p in parts) >= 53
    wait_until("the projector has applied the first events", lag_zero)

    run(broker, "stop", env=broker_env)
    during = [event(n, "pupil") for n in range(50, 80)]
    status, body, headers = post("enrollment", during)
    check(status == 503 and body["unavailable"] == len(during) and "Retry-After" in headers,
          f"publishing while the broker is down: {status} {body.get('accepted')}/{body.get('unavailable')}")
    check(not ready(ports["enrollment"]), "/ready says ready while the broker is down")

    run(broker, "start", env=broker_env)
    wait_until("the enrollment service is ready again", functools.partial(ready, ports["enrollment"]), seconds=180)
    status, body, _ = post("enrollment", during)
    check(status == 200 and body["accepted"] == len(during) and body["rejected"] == 0,
          f"the same events after the restart: {status} {body.get('accepted')} {body.get('rejected')}")
    status, body, _ = post("enrollment", during)
    check(all(r.get("duplicate") for r in body.get("results", [])), "a third sending is not all duplicates")

    def all_projected():
        parts = get_json(ports["projector"], "/v1/progress", token=token("metrics"))["partitions"]
        return parts and all(p["lag"] == 0 for p in parts) and sum(p["next_offset"] for p in parts) >= 83
    wait_until("the projector has applied every event after the restart", all_projected, seconds=180)

    r = subprocess.run(["kcat", "-b", brokers, "-C", "-t", prefix + "enrollment", "-e", "-q", "-f", "%s\n"],
                       stdout=subprocess.PIPE, text=True, check=True, timeout=60)
    ids = [json.loads(line)["id"] for line in r.stdout.splitlines() if line]
    check(len(ids) == len(set(ids)) == 80, f"the enrollment topic holds {len(ids)} records, {len(set(ids))} ids")

    procs["projector"].terminate()
    procs["projector"].wait(timeout=60)
    run(f"{bins}/annals-projector", "--brokers", brokers, "--topic-prefix", prefix, "--group", prefix + "clean",
        "--store", f"{work}/clean", "--listen", "127.0.0.1:0", "--exit-when-caught-up",
        stdout=open(f"{logs}/clean.log", "w"))
    sums = [subprocess.run([f"{bins}/annals", "views", "checksum", "--store", f"{work}/{s}"], stdout=subprocess.PIPE,
                           text=True, check=True).stdout.strip() for s in ("views", "clean")]
    check(sums[0] == sums[1], f"the views after the restart {sums[0]} differ from a clean rebuild's {sums[1]}")
finally:
    stop_processes(procs)
    subprocess.run([broker, "wipe"], env=broker_env)
check.exit("broker_restart")
