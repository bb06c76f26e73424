#!/usr/bin/env python3
"""An upgrade without downtime (deploy/local/upgrade) on the stack under supervisord
(deploy/local/supervise, on free ports and a topic prefix of this run's own): with two years
of a generated district in the record, two clients ask the audit service questions without
pause while the upgrade rebuilds a new store beside the serving one, points VAR/views at it,
and retires the old one. Not one question fails; the audit service says it serves the new
store; the old store is gone; the answers after are the answers before; an event published
after the switch reaches the new store and the audit service's answers.

  upgrade_test.py SOURCE_DIR BIN_DIR WORK_DIR   (ANNALS_TEST_BROKERS names the broker)
"""
import functools
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from stack import arguments, free_port, get_json, run, token, wait_until as wait_for  # noqa: E402

source, bins, work, brokers, prefix = arguments("upg")
var = os.path.join(work, "var")
names = ["projector", "audit", "registry", "personnel", "enrollment", "finance"]
ports = {name: free_port() for name in names}
options = ["--var", var, "--bins", bins, "--brokers", brokers, "--topic-prefix", prefix, "--group", prefix + "projector",
           "--tokens", os.environ["ANNALS_TOKENS"]]
for name, port in ports.items():
    options += ["--port", f"{name}={port}"]
supervise = [os.path.join(source, "deploy/local/supervise"), *options]
wait_until = functools.partial(wait_for, logs=f"{var}/log")
reader = token("city-reader")


def lag_zero():
    parts = get_json(ports["projector"], "/v1/progress", token=token("metrics"))["partitions"]
    return parts and all(p["lag"] == 0 for p in parts)


def ask(path):
    return get_json(ports["audit"], path, token=reader)


run(f"{bins}/annals", "topics", "create", "--brokers", brokers, "--topic-prefix", prefix, "--partitions", "2")
run(f"{bins}/annals", "gen", "--scale", "demo", "--districts", "1", "--first-district", "1", "--years", "2", "--kafka",
    "--brokers", brokers, "--topic-prefix", prefix, "--quiet")
run(*supervise, "start")
failures = []
try:
    wait_until("the projector has read the record", lag_zero, seconds=300)
    district = ask("/v1/districts")["districts"][0]["id"]
    question = f"/v1/districts/{district}/state?at=2013-06-01"
    wait_until("the audit service shows the district", lambda: ask(question)["schools"], seconds=120)
    before = ask(question)["schools"]

    stop = threading.Event()
    answered = [0, 0]

    def client(k):
        conn = http.client.HTTPConnection("127.0.0.1", ports["audit"], timeout=30)
        while not stop.is_set():
            # Under the 2012 standard (in force from 2012-01-20), within the record's two years.
            day = f"{random.choice([2012, 2013])}-{random.randint(3, 12):02d}-{random.randint(1, 28):02d}"
            route = random.choice(["state", "indicators"])
            try:
                conn.request("GET", f"/v1/districts/{district}/{route}?at={day}",
                             headers={"Authorization": f"Bearer {reader}"})
                r = conn.getresponse()
                body = r.read()
                if r.status != 200:
                    failures.append(f"{route} {day}: {r.status} {body[:200]!r}")
                answered[k] += 1
            except (OSError, http.client.HTTPException) as e:
                failures.append(f"{route} {day}: {e!r}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", ports["audit"], timeout=30)
    clients = [threading.Thread(target=client, args=(k,)) for k in range(2)]
    for c in clients:
        c.start()
    time.sleep(1)
    upgrade = subprocess.run([os.path.join(source, "deploy/local/upgrade"), *options], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, timeout=900)
    print(upgrade.stdout, flush=True)
    time.sleep(1)
    stop.set()
    for c in clients:
        c.join()
    print(f"upgrade: {sum(answered)} questions answered during the upgrade, {len(failures)} failed", flush=True)
    assert upgrade.returncode == 0, f"deploy/local/upgrade exited {upgrade.returncode}"
    assert not failures, failures[:5]
    assert sum(answered) > 20, answered

    views = os.path.join(var, "views")
    assert os.path.islink(views), "VAR/views is not a link to the new store"
    target = os.path.realpath(views)
    with open(os.path.join(var, "log/audit.log")) as f:
        assert f"now serving the store {target}" in f.read(), "the audit service does not say it serves the new store"
    stores = sorted(d for d in os.listdir(var) if d.startswith("views"))
    assert stores == ["views", os.path.basename(target)], f"the old store is not retired: {stores}"
    assert ask(question)["schools"] == before, "the answer after the upgrade differs from the one before"

    # The stack goes on: an event published now reaches the new store and the answers.
    event = {"id": "2b0f8c1e-6d3a-4e5f-9a7b-1c2d3e4f5a6b", "type": "school.opened", "schema_version": 1,
             "district": district, "effective_date": "2013-03-01", "source": "beijing-registry",
             "data": {"school_id": "after-upgrade", "name": "升级后小学", "stages": ["primary"], "kind": "regular",
                      "ownership": "public", "location": "urban", "boarding": False, "township": "东华门街道"}}
    req = urllib.request.Request(f"http://127.0.0.1:{ports['registry']}/v1/events", method="POST",
                                 data=json.dumps(event, ensure_ascii=False).encode(),
                                 headers={"Content-Type": "application/json",
                                          "Authorization": f"Bearer {token('registry')}"})
    wait_until("the registry service is ready", lambda: urllib.request.urlopen(
        f"http://127.0.0.1:{ports['registry']}/ready", timeout=5).status == 200)
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.status == 201, r.status
    wait_until("the new school is in the audit's answer", lambda: any(
        s["school_id"] == "after-upgrade" for s in ask(question)["schools"]), seconds=120)
finally:
    subprocess.run(supervise + ["stop"])
print("upgrade: passed")
