#!/usr/bin/env python3
"""A municipal system that speaks Kafka (services/publisher/inbound_consumer.h), played by
Debian's kcat: it writes events to the registry's inbound topic, keyed by district, and reads
their outcomes from the outcomes topic. The registry service consumes them in Kafka
transactions; it is killed (SIGKILL) while it works through them and started again.

Afterwards, reading with isolation.level=read_committed:
- every inbound record has exactly one outcome (keyed by its event id, or by its inbound
  position when it has none), with the answer POST /v1/events would give: accepted with its
  position, rejected with the violation's pointer and code, a repeated id a duplicate;
- the domain topic holds every accepted event exactly once, at the position its outcome names,
  stamped with recorded_at, and nothing else;
- the projector has read every partition to its end (lag 0, the transaction markers included),
  and the audit service shows every accepted school and no refused one;
- the service restarted after the kill is ready (its views read the topics to their ends,
  markers included) and still publishes over HTTP.

  inbound_kafka_test.py SOURCE_DIR BIN_DIR WORK_DIR    (ANNALS_TEST_BROKERS names the broker)
"""
import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from stack import Checks, arguments, free_port, get_json, ready, run, stop_processes, token, wait_until as wait_for  # noqa: E402

source, bins, work, brokers, prefix = arguments("inbound")
if not shutil.which("kcat"):
    sys.exit("no kcat: install Debian's kcat (deploy/local/install-deps)")
inbound, outcomes, domain = prefix + "inbound.registry", prefix + "outcomes.registry", prefix + "registry"
DISTRICT = "inbound-district"
wait_until = functools.partial(wait_for, logs=work, on_timeout=lambda: stop_all())
check = Checks()


def kcat_read(topic):
    """Every committed record of `topic`: (partition, offset, key, value)."""
    r = subprocess.run(["kcat", "-b", brokers, "-C", "-t", topic, "-e", "-q", "-X", "isolation.level=read_committed",
                        "-f", "%p\t%o\t%k\t%s\n"], stdout=subprocess.PIPE, check=True, timeout=120)
    out = []
    for line in r.stdout.decode("utf-8", "surrogateescape").split("\n"):
        if line:
            p, o, k, v = line.split("\t", 3)
            out.append((int(p), int(o), k, v))
    return out


def school(n, **over):
    doc = {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{prefix}{n}")), "type": "school.opened", "schema_version": 1,
           "district": DISTRICT, "effective_date": "2015-09-01", "source": "beijing-registry",
           "data": {"school_id": f"in-{n}", "name": f"第{n}小学", "stages": ["primary"], "kind": "regular",
                    "ownership": "public", "location": "urban", "boarding": False, "township": "朝阳门街道"}}
    doc.update(over)
    return doc


# What the municipal system writes: 6,000 new schools, then a repeat of one of them, an event
# without its data's school_id, an event of another system, a school id used twice (the second
# refused by the rules), and a record that is not JSON.
N = 6000
records = [(DISTRICT, json.dumps(school(n), ensure_ascii=False)) for n in range(N)]
repeat = school(7)
no_school_id = school(N)
del no_school_id["data"]["school_id"]
with open(os.path.join(source, "schemas/teacher.hired/v1.example.json")) as f:
    personnel = {**json.load(f), "id": school(N + 1)["id"], "district": DISTRICT}
reused = school(N + 2, data={**school(3)["data"]})
records += [(DISTRICT, json.dumps(repeat)), (DISTRICT, json.dumps(no_school_id)), (DISTRICT, json.dumps(personnel)),
            (DISTRICT, json.dumps(reused, ensure_ascii=False)), (DISTRICT, "{not json")]
refused_ids = {no_school_id["id"], personnel["id"], reused["id"]}

run(f"{bins}/annals", "topics", "create", "--brokers", brokers, "--topic-prefix", prefix, "--partitions", "2")
ports = {"registry": free_port(), "projector": free_port(), "audit": free_port()}
log = open(os.path.join(work, "processes.log"), "w")
common = ["--brokers", brokers, "--topic-prefix", prefix]
registry_cmd = [f"{bins}/annals-registry", *common, "--listen", f"127.0.0.1:{ports['registry']}",
                "--store", f"{work}/registry", "--inbound-identity", "registry"]
procs = {
    "registry": subprocess.Popen(registry_cmd, stdout=log, stderr=log),
    "projector": subprocess.Popen([f"{bins}/annals-projector", *common, "--group", prefix + "p", "--store",
                                   f"{work}/views", "--listen", f"127.0.0.1:{ports['projector']}"],
                                  stdout=log, stderr=log),
    "audit": subprocess.Popen([f"{bins}/annals-audit", *common, "--store", f"{work}/views", "--secondary",
                               f"{work}/audit", "--listen", f"127.0.0.1:{ports['audit']}"], stdout=log, stderr=log),
}


def stop_all():
    stop_processes(procs)


answered_before_kill = None
try:
    wait_until("the registry service is ready", lambda: ready(ports["registry"]))
    # kcat as the producer: key and value separated by a tab, one record a line. The first
    # thousand, answered; then the rest, and the service is killed while it works through them.
    def produce(part):
        payload = "".join(f"{k}\t{v}\n" for k, v in part).encode()
        subprocess.run(["kcat", "-b", brokers, "-P", "-t", inbound, "-K", "\t", "-z", "lz4"], input=payload,
                       check=True, timeout=120)
    produce(records[:1000])
    wait_until("the first thousand outcomes", lambda: len(kcat_read(outcomes)) >= 1000, seconds=120)
    produce(records[1000:])
    time.sleep(0.5)
    procs["registry"].send_signal(signal.SIGKILL)
    procs["registry"].wait()
    answered_before_kill = len(kcat_read(outcomes))
    print(f"inbound: killed the registry service after {answered_before_kill} of {len(records)} outcomes", flush=True)
    procs["registry"] = subprocess.Popen(registry_cmd, stdout=log, stderr=log)
    wait_until("every inbound record has an outcome", lambda: len(kcat_read(outcomes)) >= len(records), seconds=180)
    wait_until("the restarted registry service is ready (its views at the topics' ends)",
               lambda: ready(ports["registry"]), seconds=60)

    got = kcat_read(outcomes)
    check(len(got) == len(records), f"{len(got)} outcomes for {len(records)} inbound records")
    by_position = {}
    for p, o, key, value in got:
        out = json.loads(value)
        pos = (out["inbound"]["partition"], out["inbound"]["offset"])
        check(pos not in by_position, f"two outcomes for inbound record {pos}")
        by_position[pos] = (key, out)
    inbound_records = kcat_read(inbound)
    check(len(inbound_records) == len(records), f"the inbound topic holds {len(inbound_records)} records")
    accepted = {}  # id -> (partition, offset)
    for p, o, key, value in inbound_records:
        key_out, out = by_position.get((p, o), (None, None))
        if out is None:
            check(False, f"no outcome for inbound record {p}/{o}")
            continue
        if value == "{not json":
            check(out["http_status"] == 400 and key_out == f"{inbound}/{p}/{o}",
                  f"the record that is not JSON: {out} keyed {key_out}")
            continue
        doc = json.loads(value)
        check(key_out == doc["id"], f"outcome of {doc['id']} keyed {key_out}")
        if doc["id"] in refused_ids:
            pointer = {no_school_id["id"]: "/data/school_id", personnel["id"]: "/type",
                       reused["id"]: "/data/school_id"}[doc["id"]]
            check(out["http_status"] == 422 and out["status"] == "rejected"
                  and pointer in [v["pointer"] for v in out["violations"]], f"refusal of {doc['id']}: {out}")
        elif out.get("duplicate"):
            check(doc["id"] == repeat["id"] and out["http_status"] == 201, f"unexpected duplicate {out}")
            check(accepted.get(doc["id"]) == (out["partition"], out["offset"]), f"the repeat's position {out}")
        else:
            check(out["http_status"] == 201 and out["status"] == "accepted" and out["topic"] == domain,
                  f"acceptance of {doc['id']}: {out}")
            check(doc["id"] not in accepted, f"{doc['id']} accepted twice")
            accepted[doc["id"]] = (out["partition"], out["offset"])
    check(len(accepted) == N, f"{len(accepted)} accepted, {N} expected")

    published = kcat_read(domain)
    ids = [json.loads(v)["id"] for _, _, _, v in published]
    check(len(ids) == len(set(ids)), f"the domain topic repeats {len(ids) - len(set(ids))} ids")
    check(set(ids) == set(accepted), "the domain topic holds exactly the accepted events")
    for p, o, key, value in published:
        doc = json.loads(value)
        check(accepted.get(doc["id"]) == (p, o), f"{doc['id']} at {p}/{o}, its outcome says {accepted.get(doc['id'])}")
        check(key == DISTRICT and "recorded_at" in doc, f"{doc['id']}: key {key!r}, stamped {'recorded_at' in doc}")

    # The views: the projector reads every partition to its end, the markers included.
    ends = {}
    r = subprocess.run(["kcat", "-b", brokers, "-Q", "-t", f"{domain}:0:-1", "-t", f"{domain}:1:-1"],
                       stdout=subprocess.PIPE, text=True, check=True, timeout=60)
    for line in r.stdout.splitlines():
        parts = line.split()
        ends[int(parts[1].strip("[]"))] = int(parts[-1])

    def projected():
        progress = get_json(ports["projector"], "/v1/progress", token=token("metrics"))["partitions"]
        mine = {p["partition"]: p for p in progress if p["topic"] == domain}
        return all(p in mine and mine[p]["next_offset"] >= end and mine[p]["lag"] == 0 for p, end in ends.items())
    wait_until(f"the projector has read {domain} to its ends {ends} (lag 0)", projected, seconds=120)
    state = get_json(ports["audit"], f"/v1/districts/{DISTRICT}/state?at=2016-01-01", token=token("city-reader"))
    shown = {s["school_id"] for s in state["schools"]}
    check(shown == {f"in-{n}" for n in range(N)}, f"the audit shows {len(shown)} schools, {N} expected")

    # The HTTP path of the restarted service still publishes (it reads its topic to its end).
    body = json.dumps(school(N + 3), ensure_ascii=False).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{ports['registry']}/v1/events", data=body, method="POST",
                                 headers={"Content-Type": "application/json",
                                          "Authorization": f"Bearer {token('registry')}"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        check(resp.status == 201, f"POST after the inbound transactions: {resp.status}")
finally:
    stop_all()

check.exit(f"inbound: {len(records)} records, killed once after {answered_before_kill} outcomes")
