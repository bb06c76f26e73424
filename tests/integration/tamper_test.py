#!/usr/bin/env python3
"""A record nobody can quietly rewrite (issue 15; docs/verifiable-log.md), on the real broker
with the real processes: a district's history goes into Kafka, the projector keeps its views
and verifiable logs, the audit service signs heads (GET .../log/head, and the digests topic),
and a supervision office keeps them. `annals verify audit` then agrees with the record, and
names the exact place of each of three tamperings:

1. a record injected into a domain topic by a client that bypasses the publishing services,
   dated before a head the office kept (a rewrite of what the record said then): named with
   its event id and leaf, as back-dated;
2. an edited value in the projector's store (an event's name rewritten in the events family):
   named with its event id, its leaf and the JSON field, old and new values;
3. the log rebuilt from an edited export (every record copied to new topics, one event's
   content changed, and the views rebuilt from them): the office's kept heads no longer hold,
   named with the leaves between the last kept head that holds and the first that does not
   (the edited event among them); against the original views, the exact leaf.

Before any tampering, the office's kept heads (fetched, and read from the digests topic) verify
with the public key; inclusion proofs of random events in random kept heads, and consistency
proofs of random pairs of kept heads, verify with `annals verify`; and a rebuild from the log
reproduces every head: the kept heads hold against the log replayed from Kafka, byte for byte
of their roots.

  tamper_test.py SOURCE_DIR BIN_DIR WORK_DIR   (ANNALS_TEST_BROKERS; the tokens fixture)
"""
import datetime
import functools
import glob
import json
import os
import random
import subprocess
import sys
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from stack import arguments, free_port, get_json, run, token, wait_until as wait_for  # noqa: E402

source, bins, work, brokers, prefix = arguments("tamper")
wait_until = functools.partial(wait_for, logs=work)
tests_bins = os.path.join(os.path.dirname(bins), "tests")
DOMAIN = ("registry", "personnel", "enrollment", "finance")
key, pub = os.path.join(work, "key.pem"), os.path.join(work, "key.pub.pem")
kept_dir = os.path.join(work, "kept")
os.makedirs(kept_dir)
procs = {}


def start(name, *args):
    log = open(os.path.join(work, f"{name}.log"), "w")
    procs[name] = subprocess.Popen([str(a) for a in args], stdout=log, stderr=log)


def stop(name):
    p = procs.pop(name)
    p.terminate()
    p.wait(timeout=60)


def end_offsets(topic_prefix):
    ends = {}
    for t in DOMAIN:
        r = subprocess.run(["kcat", "-b", brokers, "-Q", "-t", f"{topic_prefix}{t}:0:-1", "-t", f"{topic_prefix}{t}:1:-1"],
                           check=True, capture_output=True, text=True, timeout=60)
        for line in r.stdout.splitlines():
            parts = line.split()
            if len(parts) >= 4 and parts[2] == "offset":
                ends[(parts[0], int(parts[1].strip("[]")))] = int(parts[3])
    return ends


def wait_projected(port):
    ends = end_offsets(prefix)

    def done():
        parts = {(p["topic"], p["partition"]): p
                 for p in get_json(port, "/v1/progress", token=token("metrics"))["partitions"]}
        return all(k in parts and parts[k]["next_offset"] >= end for k, end in ends.items())
    wait_until("the projector has applied every record", done)


def keep_head(audit_port, name):
    """The office keeps the district's signed head, once the audit service has followed the
    projector's store to its end (the same head twice, half a second apart)."""
    seen = []

    def settled():
        seen.append(get_json(audit_port, "/v1/districts/xicheng/log/head", token=token("city-reader")))
        time.sleep(0.5)
        return len(seen) > 1 and seen[-1]["text"] == seen[-2]["text"]
    wait_until("the audit service serves the district's head", settled)
    head = seen[-1]
    path = os.path.join(kept_dir, f"{name}.json")
    with open(path, "w") as f:
        json.dump(head, f)
    return head


def school_opened(name, recorded_at):
    with open(os.path.join(source, "schemas/school.opened/v1.example.json")) as f:
        event = json.load(f)
    event["id"] = str(uuid.uuid4())
    event["district"] = "xicheng"
    event["effective_date"] = "2024-09-01"
    event["recorded_at"] = recorded_at
    event["data"]["school_id"] = "xc-" + event["id"][:8]
    event["data"]["name"] = name
    return event


def produce(topic, records):
    """Records (partition, key, value) straight into `topic`, as a client with WRITE on it."""
    for partition, key_text, value in records:
        run("kcat", "-b", brokers, "-P", "-t", topic, "-p", str(partition), "-K", "\t", "-z", "none",
            input=f"{key_text}\t{value}\n", stdout=subprocess.DEVNULL)


def partition_of(topic, district):
    """The partition the district's records of `topic` are in (from the generated history)."""
    for r in kcat_read(topic):
        if r["key"] == district:
            return r["partition"]
    sys.exit(f"no record of {district} in {topic}")


def kcat_read(topic):
    r = subprocess.run(["kcat", "-b", brokers, "-C", "-t", topic, "-J", "-e", "-q"], check=True,
                       capture_output=True, text=True, timeout=120)
    return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]


def verify(*args, expect):
    r = subprocess.run([f"{bins}/annals", "verify", "audit", "--brokers", brokers, *args],
                       capture_output=True, text=True, timeout=600)
    print(r.stdout, end="")
    assert r.returncode == expect, f"annals verify audit exited {r.returncode}, not {expect}:\n{r.stdout}{r.stderr}"
    return r.stdout


def kept_heads():
    return [a for path in sorted(glob.glob(os.path.join(kept_dir, "*.json"))) for a in ("--heads", path)]


def head_sizes(head):
    """{log: size} of a head's text."""
    return {line.split()[0]: int(line.split()[1]) for line in head["text"].splitlines()[3:7]}


def verify_file(kind, *args):
    r = subprocess.run([f"{bins}/annals", "verify", kind, "--key", pub, *args], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("verified: "), (kind, args, r.stdout, r.stderr)


def check_proofs(audit_port, rng):
    reader = token("city-reader")
    digests = subprocess.run(["kcat", "-b", brokers, "-C", "-t", prefix + "digests", "-e", "-q", "-f", "%s\n"],
                             check=True, capture_output=True, text=True, timeout=60).stdout.splitlines()
    heads = [json.load(open(p)) for p in sorted(glob.glob(os.path.join(kept_dir, "*.json")))]
    heads += [json.loads(line) for line in digests if line.startswith("{")]
    heads = [h for h in heads if "district xicheng" in h["text"]]
    assert len(heads) >= 2, heads
    paths = []
    for i, h in enumerate(heads):
        paths.append(os.path.join(work, f"head-{i}.json"))
        with open(paths[-1], "w") as f:
            json.dump(h, f)
        verify_file("head", "--head", paths[-1])
    trail = get_json(audit_port, "/v1/districts/xicheng/events?limit=500", token=reader)["events"]
    proved = 0
    for e in rng.sample(trail, 20):
        i = rng.randrange(len(heads))
        whole = get_json(audit_port, f"/v1/districts/xicheng/log/inclusion?event={e['id']}", token=reader)
        size = head_sizes(heads[i])[whole["log"]]
        if whole["leaf_index"] >= size:
            continue  # not yet in that head
        proof = get_json(audit_port, f"/v1/districts/xicheng/log/inclusion?event={e['id']}&tree_size={size}",
                         token=reader)
        path = os.path.join(work, "proof.json")
        with open(path, "w") as f:
            json.dump(proof, f)
        verify_file("inclusion", "--head", paths[i], "--proof", path)
        proved += 1
    assert proved >= 5, proved
    pairs = 0
    for _ in range(10):
        i, j = sorted(rng.sample(range(len(heads)), 2), key=lambda k: sum(head_sizes(heads[k]).values()))
        first, second = head_sizes(heads[i]), head_sizes(heads[j])
        logs = ("registry", "personnel", "enrollment", "finance")
        proof = get_json(audit_port, "/v1/districts/xicheng/log/consistency?first=" +
                         ",".join(str(first[l]) for l in logs) + "&second=" + ",".join(str(second[l]) for l in logs),
                         token=reader)
        path = os.path.join(work, "consistency.json")
        with open(path, "w") as f:
            json.dump(proof, f)
        verify_file("consistency", "--older", paths[i], "--newer", paths[j], "--proof", path)
        pairs += 1
    print(f"verified: {len(heads)} kept heads, {proved} inclusion proofs of random events in random heads, "
          f"{pairs} consistency proofs of random pairs of heads")


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


run(f"{bins}/annals", "keys", "generate", "--private", key, "--public", pub, stdout=subprocess.DEVNULL)
run(f"{bins}/annals", "topics", "create", "--brokers", brokers, "--topic-prefix", prefix, "--partitions", "2")
run(f"{bins}/annals", "gen", "--kafka", "--brokers", brokers, "--topic-prefix", prefix, "--scale", "demo",
    "--districts", "1", "--years", "2", "--schools", "3", "--quiet")
ports = {"projector": free_port(), "audit": free_port()}
views = os.path.join(work, "views")
start("projector", f"{bins}/annals-projector", "--brokers", brokers, "--topic-prefix", prefix, "--store", views,
      "--group", f"projector-{prefix}", "--listen", f"127.0.0.1:{ports['projector']}")
start("audit", f"{bins}/annals-audit", "--brokers", brokers, "--topic-prefix", prefix, "--store", views,
      "--secondary", os.path.join(work, "audit"), "--listen", f"127.0.0.1:{ports['audit']}",
      "--signing-key", key, "--digest-interval", "0.5")
try:
    wait_projected(ports["projector"])
    first = keep_head(ports["audit"], "1-history")
    registry_partition = partition_of(prefix + "registry", "xicheng")
    # Two more schools, recorded now: the office keeps a head after them.
    wave = [school_opened(f"北京市西城区第{n}新建小学", now()) for n in (1, 2)]
    produce(prefix + "registry", [(registry_partition, "xicheng", json.dumps(e, ensure_ascii=False)) for e in wave])
    wait_projected(ports["projector"])
    second = keep_head(ports["audit"], "2-new-schools")
    assert second["text"] != first["text"]

    print("== proofs of random events in random kept heads, and of random pairs of heads")
    check_proofs(ports["audit"], random.Random(15))

    print("== the record as it is: everything agrees")
    out = verify("--topic-prefix", prefix, "--store", views, "--digests", "--key", pub, *kept_heads(), expect=0)
    assert "the views (" in out and "agree with the log leaf by leaf" in out, out
    assert "the Kafka log holds every kept head" in out, out

    print("== 1. a record injected into the registry topic, dated before the kept head")
    through = first["text"].split("\n")[2].split(" ")[1]
    backdated = (datetime.datetime.strptime(through[:19], "%Y-%m-%dT%H:%M:%S") - datetime.timedelta(days=30))
    forged = school_opened("北京市西城区伪造小学", backdated.strftime("%Y-%m-%dT%H:%M:%SZ"))
    produce(prefix + "registry", [(registry_partition, "xicheng", json.dumps(forged, ensure_ascii=False))])
    wait_projected(ports["projector"])
    out = verify("--topic-prefix", prefix, "--store", views, "--key", pub, *kept_heads(), expect=1)
    line = next((l for l in out.splitlines() if l.startswith("PARTS:") and forged["id"] in l), "")
    assert "back-dated" in line and "registry log, leaf" in line, out
    print("caught and named: the injected record", forged["id"])

    print("== 2. an event's name edited in the projector's store")
    stop("projector")
    target = wave[0]
    run(f"{tests_bins}/tamper_views", views, target["id"], "/data/name", json.dumps("北京市西城区改名小学"))
    out = verify("--topic-prefix", prefix, "--store", views, expect=1)
    line = next((l for l in out.splitlines() if l.startswith("PARTS:") and target["id"] in l), "")
    assert "/data/name" in line and "改名小学" in line and target["data"]["name"] in line, out
    print("caught and named: the edited value of", target["id"])
    run(f"{tests_bins}/tamper_views", views, target["id"], "/data/name", json.dumps(target["data"]["name"]))
    verify("--topic-prefix", prefix, "--store", views, expect=0)  # undone, the views agree again

    print("== 3. the log rebuilt from an edited export, and the views rebuilt from it")
    rebuilt = "rebuilt" + prefix
    run(f"{bins}/annals", "topics", "create", "--brokers", brokers, "--topic-prefix", rebuilt, "--partitions", "2")
    edited = wave[1]["id"]
    for t in DOMAIN:
        records = []
        for r in kcat_read(prefix + t):
            value = r["payload"]
            if edited in value:
                event = json.loads(value)
                event["data"]["name"] = "北京市西城区篡改小学"
                value = json.dumps(event, ensure_ascii=False)
            records.append((r["partition"], r["key"], value))
        for partition in (0, 1):  # in offset order, partition by partition
            mine = [r for r in records if r[0] == partition]
            if mine:
                run("kcat", "-b", brokers, "-P", "-t", rebuilt + t, "-p", str(partition), "-K", "\t", "-z", "none",
                    input="".join(f"{k}\t{v}\n" for _, k, v in mine), stdout=subprocess.DEVNULL)
    views2 = os.path.join(work, "views-rebuilt")
    with open(os.path.join(work, "rebuild.log"), "w") as log:
        subprocess.run([f"{bins}/annals-projector", "--brokers", brokers, "--topic-prefix", rebuilt, "--store", views2,
                        "--group", f"rebuild-{prefix}", "--listen", "127.0.0.1:0", "--exit-when-caught-up"],
                       check=True, stdout=log, stderr=log, timeout=300)
    out = verify("--topic-prefix", rebuilt, "--store", views2, "--key", pub, *kept_heads(), expect=1)
    assert "agree with the log leaf by leaf" in out, out  # rebuilt views agree with their log
    line = next((l for l in out.splitlines() if "kept head" in l and "2-new-schools" in l), "")
    assert "rewritten within leaves" in line and "1-history.json) holds" not in line, out
    assert edited in line and "a kept head of" in line, out
    older = os.path.join(kept_dir, "1-history.json")
    assert not any(f"kept head {older}:" in l for l in out.splitlines()), out  # before the rewrite: holds
    print("caught and named: the rewrite between the kept heads, the edited event", edited)
    out = verify("--topic-prefix", rebuilt, "--store", views, expect=1)
    line = next((l for l in out.splitlines() if l.startswith("PARTS:") and edited in l), "")
    assert "the same id, other content" in line, out
    print("caught and named against the original views: the exact leaf of", edited)
finally:
    for name in list(procs):
        stop(name)
print("the record verifies, and each of the three tamperings is named")
