#!/usr/bin/env python3
"""The six processes under supervisord (deploy/local/supervise, as deploy/local/up runs them,
on free ports and a topic prefix of this run's own): the registry service dies of SIGSEGV
and the audit service of SIGKILL; supervisord starts both again under new pids, they answer
(/ready, /health, an event published and then seen by the audit service), supervisord's
log names both deaths, and once supervisord is shut down no process of the stack is left.
The processes read the token file of ctest's `tokens` fixture (ANNALS_TOKENS, given to
supervise as --tokens); the event is posted with the registry's token, the audit asked with
the city reader's (ANNALS_TEST_CREDENTIALS).

  supervised_restart_test.py SOURCE_DIR BIN_DIR WORK_DIR   (ANNALS_TEST_BROKERS names the broker)
"""
import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from stack import arguments, bearer, free_port, get_json, run, token, wait_until as wait_for  # noqa: E402

source, bins, work, brokers, prefix = arguments("sup")
if not shutil.which("supervisord"):
    sys.exit("no supervisord: install Debian's supervisor (deploy/local/install-deps)")
if not os.environ.get("ANNALS_TOKENS"):
    sys.exit("ANNALS_TOKENS is not set: run the test through ctest (its `tokens` fixture)")
var = os.path.join(work, "var")
wait_until = functools.partial(wait_for, logs=f"{var}/log", on_timeout=lambda: print(f"status {status()}"))
names = ["projector", "audit", "registry", "personnel", "enrollment", "finance"]
ports = {name: free_port() for name in names}
supervise = [os.path.join(source, "deploy/local/supervise"), "--var", var, "--bins", bins,
             "--brokers", brokers, "--topic-prefix", prefix, "--group", prefix + "projector",
             "--tokens", os.environ["ANNALS_TOKENS"]]
for name, port in ports.items():
    supervise += ["--port", f"{name}={port}"]


def probe(name):
    return "/health" if name in ("projector", "audit") else "/ready"


def answers(name):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{ports[name]}{probe(name)}", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def status():
    """{name: (state, pid)} from supervisorctl status."""
    out = subprocess.run(supervise + ["status"], stdout=subprocess.PIPE, text=True).stdout
    states = {}
    for line in out.splitlines():
        fields = line.split()
        pid = int(fields[3].rstrip(",")) if len(fields) > 3 and fields[2] == "pid" else 0
        states[fields[0]] = (fields[1], pid)
    return states


def running_and_answering(pids_not=None):
    """Every process RUNNING (alive past startsecs) and answering; a process named in pids_not
    must have another pid than that one."""
    states = status()
    for name in names:
        state, pid = states.get(name, ("ABSENT", 0))
        if state != "RUNNING" or not answers(name):
            return False
        if pids_not and name in pids_not and pid == pids_not[name]:
            return False
    return True


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def stack_processes():
    """Pids of processes whose command line names this run's var directory."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    if var.encode() in f.read():
                        found.append(int(entry))
            except OSError:
                pass
    return found


run(f"{bins}/annals", "topics", "create", "--brokers", brokers, "--topic-prefix", prefix,
    "--partitions", "1")
run(*supervise, "start")
supervisord_pid = int(open(os.path.join(var, "run/supervisord.pid")).read())
try:
    wait_until("every process is RUNNING and answers", running_and_answering)
    before = {name: pid for name, (_, pid) in status().items()}
    for name in ("registry", "audit"):
        with open(f"/proc/{before[name]}/cmdline", "rb") as f:
            assert f"annals-{name}".encode() in f.read(), (name, before[name])
    print(f"supervised: {before}")

    os.kill(before["registry"], signal.SIGSEGV)
    os.kill(before["audit"], signal.SIGKILL)
    dead = {name: before[name] for name in ("registry", "audit")}
    wait_until("registry and audit are back under new pids",
               lambda: running_and_answering(pids_not=dead))
    after = {name: pid for name, (_, pid) in status().items()}
    assert not any(alive(pid) for pid in dead.values()), dead
    for name in names:
        if name not in dead:
            assert after[name] == before[name], (name, before[name], after[name])
    print(f"restarted: registry {dead['registry']} -> {after['registry']}, "
          f"audit {dead['audit']} -> {after['audit']}")

    # The restarted registry service publishes; the restarted audit service sees the event.
    with open(os.path.join(source, "schemas/school.opened/v1.example.json")) as f:
        event = json.load(f)
    event["id"], event["effective_date"] = str(uuid.uuid4()), "2020-09-01"
    request = urllib.request.Request(f"http://127.0.0.1:{ports['registry']}/v1/events",
                                     data=json.dumps(event).encode(), method="POST",
                                     headers={"Content-Type": "application/json", **bearer(token("registry"))})
    with urllib.request.urlopen(request, timeout=30) as r:
        assert r.status == 201, r.status

    def audit_sees_district():
        try:
            return event["district"] in json.dumps(get_json(ports["audit"], "/v1/districts", token=token("city-reader")))
        except (OSError, ValueError):
            return False
    wait_until("the restarted audit service lists the published district", audit_sees_district, 60)

    with open(os.path.join(var, "log/supervisord.log")) as f:
        log = f.read()
    for line in ("exited: registry (terminated by SIGSEGV", "exited: audit (terminated by SIGKILL"):
        assert line in log, f"supervisord.log does not say {line!r}"
    for name in dead:
        assert f"spawned: '{name}' with pid {after[name]}" in log, name
    print("supervisord logged both deaths and both restarts")
finally:
    subprocess.run(supervise + ["stop"])
    deadline = time.time() + 60
    while (alive(supervisord_pid) or stack_processes()) and time.time() < deadline:
        time.sleep(0.25)
left = stack_processes() + ([supervisord_pid] if alive(supervisord_pid) else [])
if left:
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    sys.exit(f"processes left after supervisord shut down: {left}")
print("supervisord shut down; no process of the stack left")
