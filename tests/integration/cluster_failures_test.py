#!/usr/bin/env python3
"""Broker failures on the replicated cluster (deploy/cluster/cluster: three KRaft nodes, topics
with replication factor 3 and min.insync.replicas=2, every producer acks=all).

A synthetic district (annals gen) streams through the four publishing services (annals
import) into the cluster while the projector follows. On the way:
  1. a node is killed (SIGKILL) once a sixth of the stream is in;
  2. during that outage the projector is killed (SIGKILL) and started again;
  3. the node is started again (it rejoins and catches up);
  4. once half the stream is in, the node leading the busiest partition is killed, and
     started again a little later;
  5. after the stream, the whole cluster is stopped and started (a full restart), and one
     more event is published and projected.
Then: the import acknowledged every event it did not get a refusal for; the domain topics
hold every acknowledged event exactly once and no other; the projector has read them to
their ends; and its views' checksum equals that of a clean rebuild from the same topics by a
projector that never saw a failure.

  cluster_failures_test.py SOURCE_DIR BIN_DIR WORK_DIR   (the deploy/cluster/cluster
  environment names the cluster: ANNALS_CLUSTER_PORT and ANNALS_CLUSTER_DIR; ANNALS_SOAK_YEARS
  the years of history streamed, 3 by default)
"""
import functools
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from stack import Checks, arguments, free_port, get_json, ready, run, stop_processes, token, wait_until as wait_for  # noqa: E402

source, bins, work, _, prefix = arguments("cluster")
cluster = os.path.join(source, "deploy/cluster/cluster")
brokers = subprocess.run([cluster, "brokers"], stdout=subprocess.PIPE, text=True, check=True).stdout.strip()
SYSTEMS = ("registry", "personnel", "enrollment", "finance")
TOPICS = [prefix + s for s in SYSTEMS]
logs = os.path.join(work, "logs")
os.makedirs(logs)
wait_until = functools.partial(wait_for, logs=logs, on_timeout=lambda: stop_all())
started = time.time()
kills = {"node": 0, "leader": 0, "projector": 0, "full restart": 0}
procs = {}


def phase(what):
    running = "import" in procs and procs["import"].poll() is None
    print(f"[{time.time() - started:6.1f} s] {what}{' (the import running)' if running else ''}", flush=True)


# The stream: a synthetic district, its recorded_at the source's claim (the services stamp
# their own).
ndjson = os.path.join(work, "district.ndjson")
# Three years in ctest; a soak outside it sets ANNALS_SOAK_YEARS (10: about 40,000 events).
years = os.environ.get("ANNALS_SOAK_YEARS", "3")
run(f"{bins}/annals", "gen", "--scale", "demo", "--districts", "1", "--first-district", "3", "--years", years,
    "--out", os.path.join(work, "generated.ndjson"), "--quiet")
ids = []
with open(os.path.join(work, "generated.ndjson")) as f, open(ndjson, "w") as out:
    for line in f:
        doc = json.loads(line)
        if "recorded_at" in doc:
            doc["source_recorded_at"] = doc.pop("recorded_at")
        ids.append(doc["id"])
        out.write(json.dumps(doc, ensure_ascii=False) + "\n")
phase(f"{len(ids)} events to publish")

run(f"{bins}/annals", "topics", "create", "--brokers", brokers, "--topic-prefix", prefix, "--partitions", "4",
    "--replication-factor", "3")
ports = {name: free_port() for name in SYSTEMS + ("projector",)}
common = ["--brokers", brokers, "--topic-prefix", prefix]


def start(name):
    if name == "projector":
        cmd = [f"{bins}/annals-projector", *common, "--group", prefix + "p", "--store", f"{work}/views",
               "--listen", f"127.0.0.1:{ports[name]}"]
    else:
        cmd = [f"{bins}/annals-{name}", *common, "--store", f"{work}/{name}", "--listen", f"127.0.0.1:{ports[name]}"]
    procs[name] = subprocess.Popen(cmd, stdout=open(f"{logs}/{name}.log", "a"), stderr=subprocess.STDOUT)


def stop_all():
    stop_processes(procs)


def progress():
    return get_json(ports["projector"], "/v1/progress", token=token("metrics"))["partitions"]


def applied():
    return sum(p["next_offset"] for p in progress() if p["topic"] in TOPICS)


def node(action, n):
    run(cluster, action, str(n))


def leader_of_busiest():
    """The node leading the partition with the most records."""
    busiest = max((p for p in progress() if p["topic"] in TOPICS), key=lambda p: p["high_watermark"])
    r = subprocess.run(["kcat", "-b", brokers, "-L", "-J", "-t", busiest["topic"]], stdout=subprocess.PIPE,
                       text=True, check=True, timeout=60)
    meta = json.loads(r.stdout)
    for p in meta["topics"][0]["partitions"]:
        if p["partition"] == busiest["partition"]:
            return p["leader"], busiest
    sys.exit(f"no leader for {busiest}")


check = Checks()


try:
    for name in SYSTEMS + ("projector",):
        start(name)
    for s in SYSTEMS:
        wait_until(f"{s} is ready", functools.partial(ready, ports[s]))
    services = [f"--{s}=http://127.0.0.1:{ports[s]}" for s in SYSTEMS]
    importer = subprocess.Popen([f"{bins}/annals", "import", "--batch", "200", "--quiet", *services, ndjson],
                                stdout=open(f"{logs}/import.log", "w"), stderr=subprocess.STDOUT)
    procs["import"] = importer

    wait_until("a sixth of the stream is projected", lambda: applied() >= len(ids) // 6, seconds=300)
    node("kill", 2)
    kills["node"] += 1
    phase("node 2 killed")
    time.sleep(3)
    procs["projector"].send_signal(signal.SIGKILL)
    procs["projector"].wait()
    kills["projector"] += 1
    start("projector")
    phase("projector killed and started again while node 2 is down")
    time.sleep(5)
    node("start-node", 2)
    phase("node 2 started again")

    wait_until("half the stream is projected", lambda: applied() >= len(ids) // 2, seconds=300)
    leader, busiest = leader_of_busiest()
    node("kill", leader)
    kills["leader"] += 1
    phase(f"node {leader} killed: the leader of {busiest['topic']}/{busiest['partition']}")
    time.sleep(8)
    node("start-node", leader)
    phase(f"node {leader} started again")

    importer.wait(timeout=900)
    check(importer.returncode in (0, 1), f"annals import exited {importer.returncode}")
    rejected = set()
    rejects = ndjson.replace(".ndjson", ".rejects.ndjson")
    if os.path.exists(rejects):
        with open(rejects) as f:
            rejected = {json.loads(line).get("id") for line in f if line.strip()}
    acknowledged = set(ids) - rejected
    phase(f"import done: {len(acknowledged)} acknowledged, {len(rejected)} refused by the rules")

    # The full restart: every node stopped, then started; the stack carries on.
    run(cluster, "stop")
    run(cluster, "start")
    kills["full restart"] += 1
    phase("the whole cluster restarted")
    extra = {"id": "7d9a1c2e-3b4f-4a5c-8d6e-0f1a2b3c4d5e", "type": "school.opened", "schema_version": 1,
             "district": json.loads(open(ndjson).readline())["district"], "effective_date": "2030-09-01",
             "source": "beijing-registry",
             "data": {"school_id": "after-restart", "name": "重启后小学", "stages": ["primary"], "kind": "regular",
                      "ownership": "public", "location": "urban", "boarding": False, "township": "东华门街道"}}

    def published():
        req = urllib.request.Request(f"http://127.0.0.1:{ports['registry']}/v1/events",
                                     data=json.dumps(extra, ensure_ascii=False).encode(), method="POST",
                                     headers={"Content-Type": "application/json",
                                              "Authorization": f"Bearer {token('registry')}"})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status == 201
        except urllib.error.HTTPError as e:
            if e.code != 503:
                sys.exit(f"POST after the full restart: {e.code} {e.read()[:300]}")
            return False
    wait_until("an event is accepted after the full restart", published, seconds=180)
    acknowledged.add(extra["id"])

    # The log: every acknowledged event exactly once, nothing else.
    in_log = []
    for t in TOPICS:
        r = subprocess.run(["kcat", "-b", brokers, "-C", "-t", t, "-e", "-q", "-f", "%s\n"], stdout=subprocess.PIPE,
                           text=True, check=True, timeout=120)
        in_log += [json.loads(line)["id"] for line in r.stdout.splitlines() if line]
    check(len(in_log) == len(set(in_log)), f"the topics repeat {len(in_log) - len(set(in_log))} events")
    check(set(in_log) == acknowledged,
          f"{len(acknowledged - set(in_log))} acknowledged events missing, {len(set(in_log) - acknowledged)} extra")

    def caught_up():
        parts = [p for p in progress() if p["topic"] in TOPICS]
        return parts and all(p["lag"] == 0 for p in parts) and applied() > 0
    wait_until("the projector has read every partition to its end", caught_up, seconds=300)
    procs["projector"].send_signal(signal.SIGTERM)
    procs["projector"].wait(timeout=60)

    # A clean rebuild from the same topics, by a projector that saw no failure.
    run(f"{bins}/annals-projector", *common, "--group", prefix + "clean", "--store", f"{work}/clean",
        "--listen", "127.0.0.1:0", "--exit-when-caught-up", stdout=open(f"{logs}/clean.log", "w"))
    sums = [subprocess.run([f"{bins}/annals", "views", "checksum", "--store", f"{work}/{s}"], stdout=subprocess.PIPE,
                           text=True, check=True).stdout.strip() for s in ("views", "clean")]
    check(sums[0] == sums[1], f"the views after the failures {sums[0]} differ from a clean rebuild's {sums[1]}")
finally:
    stop_all()

check.exit(f"[{time.time() - started:6.1f} s] kills: {kills}")
