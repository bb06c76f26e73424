#!/usr/bin/env python3
"""The secured broker (deploy/local/broker in sasl mode: SASL_SSL with SCRAM-SHA-512, the
StandardAuthorizer denying what no ACL allows, the project's principals and ACLs) refuses
whom it must, each with Kafka's precise error, and the stack works end to end on it, every
process with its own principal's --kafka-config:

- refused, producing and consuming: a client without credentials (plaintext, and TLS without
  SASL), a wrong password, an unknown user (SASL authentication failed); valid principals
  without the ACL (Topic or Group authorization failed): a publishing service writing another
  service's topic, the dead-letter topic or the access topic, the audit service and the
  projector writing a domain topic, the importer reading one, a publishing service in a
  consumer group not its own; creating topics as anyone but admin; a municipal system's own
  client (registry-producer) writing a domain topic, another system's inbound topic or its
  outcomes topic, or reading a domain topic, another system's outcomes or its inbound topic
- allowed: admin creates the topics; the registry service publishes an event posted over
  HTTP (an idempotent producer with WRITE on its topic only), and one that registry-producer
  wrote to annals.inbound.registry (a transaction with the outcome registry-producer reads
  from annals.outcomes.registry); the importer writes a generated
  district (annals gen --kafka); the projector reads every domain topic in its group and writes
  a dead letter for a record it cannot apply; the audit service answers the published event,
  records a read of personal records on the access topic and lists it back, and publishes the
  districts' signed tree heads to the digests topic, which a supervision office (principal
  office) reads and `annals verify head` checks with the public key; only the audit service
  may write that topic

  secured_kafka_test.py SOURCE_DIR BIN_DIR WORK_DIR
      (ANNALS_TEST_SECURED_BROKERS: the broker; ANNALS_TEST_KAFKA_CLIENTS: its clients/ dir)
"""
import functools
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from stack import arguments, free_port, run, wait_until as wait_for  # noqa: E402

source, bins, work, _, _ = arguments("secured")
wait_until = functools.partial(wait_for, logs=work)
brokers = os.environ.get("ANNALS_TEST_SECURED_BROKERS", "127.0.0.1:19392")
clients = os.environ["ANNALS_TEST_KAFKA_CLIENTS"]
prefix = "annals."  # the topics the broker's ACLs name
if not shutil.which("kcat"):
    sys.exit("no kcat: install Debian's kcat (deploy/local/install-deps)")


def client(principal):
    return os.path.join(clients, f"{principal}.properties")


def properties(principal):
    with open(client(principal)) as f:
        return dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line and not line.startswith("#"))


TLS = {"security.protocol": "SSL", "ssl.ca.location": properties("admin")["ssl.ca.location"]}
SCRAM = dict(TLS, **{"security.protocol": "SASL_SSL", "sasl.mechanisms": "SCRAM-SHA-512"})
SASL_FAILED = ("SASL authentication error: Authentication failed during authentication due to invalid "
               "credentials with SASL mechanism SCRAM-SHA-512")
TOPIC_DENIED = "Topic authorization failed"
GROUP_DENIED = "Group authorization failed"


def kcat(who, *args, data=None):
    """kcat as `who`: a principal's client file, or a dict of properties (never a real
    password). (exit status, what it printed)."""
    config = ["-F", client(who)] if isinstance(who, str) else \
        ["-b", brokers] + [a for k, v in who.items() for a in ("-X", f"{k}={v}")]
    r = subprocess.run(["timeout", "60", "kcat", *config, *args], input=data, text=True,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return r.returncode, r.stdout


def produce(who, topic, value="refused?"):
    return kcat(who, "-P", "-t", topic, "-K", "|", "-X", "enable.idempotence=true", data=f"test|{value}\n")


def consume(who, topic, group=None):
    if group:
        return kcat(who, "-X", "auto.offset.reset=earliest", "-G", group, topic, "-e", "-f", "%s\n")
    return kcat(who, "-C", "-t", topic, "-e", "-f", "%s\n")


def expect(outcome, said, what):
    status, out = outcome
    assert said in out, f"{what}: expected {said!r}, kcat said (exit {status}):\n{out}"
    print(f"refused as expected: {what}: {said}")


def expect_ok(outcome, what):
    status, out = outcome
    assert status == 0 and "ERROR" not in out and "failed" not in out, f"{what}: exit {status}:\n{out}"
    print(f"allowed: {what}")


def create_topics():
    r = subprocess.run([f"{bins}/annals", "topics", "create", "--kafka-config", client("registry")],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert r.returncode == 1 and "Authorization failed" in r.stdout, r.stdout
    print("refused as expected: registry creating topics: Authorization failed")
    # --brokers names no broker: the principal's file has the last word (bootstrap.servers).
    run(f"{bins}/annals", "topics", "create", "--brokers", "127.0.0.1:1", "--kafka-config", client("admin"),
        "--partitions", "2")
    print("allowed: admin created the topics")


def check_refusals():
    no_credentials = {"security.protocol": "PLAINTEXT"}
    for who, said, what in [
            (no_credentials, "Disconnected while requesting ApiVersion", "no credentials, plaintext"),
            (TLS, "broker might require SASL authentication", "no credentials, TLS"),
            (dict(SCRAM, **{"sasl.username": "registry", "sasl.password": "not-its-password"}),
             SASL_FAILED, "registry with a wrong password"),
            (dict(SCRAM, **{"sasl.username": "mallory", "sasl.password": "anything"}),
             SASL_FAILED, "an unknown user")]:
        expect(produce(who, prefix + "registry"), said, f"{what} producing")
        expect(consume(who, prefix + "registry"), said, f"{what} consuming")
    for who, topic in [("registry", "personnel"), ("registry", "deadletter"), ("registry", "access"),
                       ("personnel", "registry"), ("importer", "deadletter"), ("importer", "access"),
                       ("audit", "personnel"), ("projector", "registry"), ("registry", "digests"),
                       ("projector", "digests")]:
        expect(produce(who, prefix + topic), f"Delivery failed for message: Broker: {TOPIC_DENIED}",
               f"{who} producing to {prefix}{topic}")
    # The office may write nothing: its idempotent producer cannot even get a producer id.
    for topic in ("digests", "registry"):
        expect(produce("office", prefix + topic), "Broker: Cluster authorization failed",
               f"office producing to {prefix}{topic}")
    for who, topic in [("importer", "registry"), ("registry", "deadletter"), ("projector", "access"),
                       ("office", "access")]:
        expect(consume(who, prefix + topic), TOPIC_DENIED, f"{who} consuming {prefix}{topic}")
    expect(consume("registry", prefix + "registry", group="annals-projector"), GROUP_DENIED,
           "registry consuming in the projector's group")
    expect(consume("personnel", prefix + "personnel", group="annals-registry-service-0"), GROUP_DENIED,
           "personnel consuming in the registry service's group")
    # A municipal system's own Kafka client writes its inbound topic only: never a domain topic
    # (it cannot forge recorded_at), nor another system's inbound topic or its own outcomes.
    for topic in ("registry", "inbound.personnel", "outcomes.registry"):
        expect(produce("registry-producer", prefix + topic), f"Delivery failed for message: Broker: {TOPIC_DENIED}",
               f"registry-producer producing to {prefix}{topic}")
    for topic in ("registry", "outcomes.personnel", "inbound.registry"):
        expect(consume("registry-producer", prefix + topic), TOPIC_DENIED, f"registry-producer consuming {prefix}{topic}")


def http(port, path, token, body=None):
    """(status, JSON answer) of a request with a bearer token."""
    headers = {"Authorization": f"Bearer {token}"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers,
                                     data=None if body is None else json.dumps(body).encode(),
                                     method="GET" if body is None else "POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")
    except (OSError, ValueError):
        return 0, None


tokens_file = os.path.join(work, "tokens")


def add_token(name, role, *grant):
    return run(f"{bins}/annals", "tokens", "add", "--file", tokens_file, "--name", name, "--role", role,
               *grant, stdout=subprocess.PIPE).stdout.strip()


def start(name, principal, *args):
    log = open(os.path.join(work, f"{name}.log"), "w")
    return subprocess.Popen([f"{bins}/annals-{name}", "--brokers", "127.0.0.1:1", "--kafka-config", client(principal),
                             "--tokens", tokens_file, *args], stdout=log, stderr=log)


def check_digests():
    """The office reads the heads the audit service published and checks each with the key."""
    def heads():
        status, out = consume("office", prefix + "digests")
        kept = [json.loads(line) for line in out.splitlines() if line.startswith("{")] if status == 0 else []
        return [h for h in kept if "through 2" in h.get("text", "")]
    wait_until("the audit service publishes a signed head of dongcheng to the digests topic",
               lambda: any("district dongcheng" in h["text"] for h in heads()), 60)
    for i, head in enumerate(heads()):
        path = os.path.join(work, f"kept-head-{i}.json")
        with open(path, "w") as f:
            json.dump(head, f)
        out = run(f"{bins}/annals", "verify", "head", "--key", f"{work}/key.pub.pem", "--head", path,
                  stdout=subprocess.PIPE).stdout
        assert out.startswith("verified: "), out
    print(f"allowed: the office read {len(heads())} signed heads from annals.digests; each verifies")


def check_stack():
    run(f"{bins}/annals", "keys", "generate", "--private", f"{work}/key.pem", "--public", f"{work}/key.pub.pem",
        stdout=subprocess.DEVNULL)
    tokens = {"registry": add_token("registry", "source", "--system", "registry", "--source", "beijing-registry",
                                    "--all-districts"),
              "reader": add_token("city-reader", "reader", "--all-districts"),
              "auditor": add_token("auditor", "auditor", "--all-districts")}
    ports = {name: free_port() for name in ("projector", "registry", "audit")}
    procs = [start("projector", "projector", "--store", f"{work}/views", "--listen", f"127.0.0.1:{ports['projector']}"),
             start("registry", "registry", "--store", f"{work}/registry", "--listen", f"127.0.0.1:{ports['registry']}",
                   "--inbound-identity", "registry"),
             start("audit", "audit", "--store", f"{work}/views", "--secondary", f"{work}/audit",
                   "--listen", f"127.0.0.1:{ports['audit']}", "--signing-key", f"{work}/key.pem",
                   "--digest-interval", "0.5")]
    try:
        wait_until("the registry service is ready", lambda: http(ports["registry"], "/ready", "")[0] == 200)
        with open(os.path.join(source, "schemas/school.opened/v1.example.json")) as f:
            event = json.load(f)
        event["id"], event["effective_date"] = str(uuid.uuid4()), "2020-09-01"
        status, answer = http(ports["registry"], "/v1/events", tokens["registry"], event)
        assert status == 201, (status, answer)
        print("allowed: the registry service published an event posted over HTTP")

        # The same through Kafka: the municipal system's client writes to its inbound topic and
        # reads the outcome; the service consumes, publishes and answers in one transaction.
        event2 = dict(event, id=str(uuid.uuid4()), data=dict(event["data"], school_id="dc-via-kafka"))
        expect_ok(kcat("registry-producer", "-P", "-t", prefix + "inbound.registry", "-K", "\t",
                       data=f"dongcheng\t{json.dumps(event2, ensure_ascii=False)}\n"),
                  "registry-producer producing to annals.inbound.registry")

        def answered():
            status, out = kcat("registry-producer", "-C", "-t", prefix + "outcomes.registry", "-e", "-f", "%k %s\n",
                               "-X", "isolation.level=read_committed")
            return status == 0 and any(line.startswith(event2["id"]) and '"accepted"' in line
                                       for line in out.splitlines())
        wait_until("the registry-producer reads its event's outcome: accepted", answered, 60)
        print("allowed: the registry service consumed annals.inbound.registry and answered on annals.outcomes.registry")

        run(f"{bins}/annals", "gen", "--kafka", "--brokers", "127.0.0.1:1", "--kafka-config", client("importer"),
            "--scale", "demo", "--districts", "1", "--years", "1", "--schools", "2", "--quiet")
        print("allowed: the importer wrote a generated district into the domain topics")
        expect_ok(produce("importer", prefix + "finance", "not an event"), "importer producing to annals.finance")

        def projected():
            status, answer = http(ports["audit"], "/v1/districts", tokens["reader"])
            ids = {d.get("id", d.get("district")) for d in (answer or {}).get("districts", [])}
            return status == 200 and {"dongcheng", "xicheng"} <= ids
        wait_until("the audit service answers both districts", projected)
        status, state = http(ports["audit"], "/v1/districts/dongcheng/state?at=2020-09-02", tokens["reader"])
        assert status == 200 and event["data"]["school_id"] in json.dumps(state), (status, state)
        assert "dc-via-kafka" in json.dumps(state), "the school published through Kafka is not in the views"
        print("allowed: the projector read the topics; the audit service answers the published school")

        # The districts can be answered before the projector reaches the finance partition
        # that holds the bad record: wait for its dead letter.
        def dead_lettered():
            status, dead = consume("admin", prefix + "deadletter")
            return status == 0 and "not an event" in dead
        wait_until("the projector dead-letters the record it cannot apply", dead_lettered, 60)
        print("allowed: the projector wrote the record it could not apply to annals.deadletter")

        status, trail = http(ports["audit"], "/v1/districts/dongcheng/events", tokens["reader"])
        assert status == 200, (status, trail)
        status, log = http(ports["audit"], "/v1/access-log?name=city-reader", tokens["auditor"])
        assert status == 200 and any(r["request"] == "/v1/districts/dongcheng/events"
                                     for r in log["records"]), (status, log)
        print("allowed: the audit service wrote its access log to annals.access and read it back")
        check_digests()
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=60)
    for name in ("projector", "registry", "audit"):
        with open(os.path.join(work, f"{name}.log")) as f:
            text = f.read()
        for principal in ("admin", "projector", "registry", "audit", "importer", "registry-producer"):
            assert properties(principal)["sasl.password"] not in text, f"{name}.log shows a password"


create_topics()
check_refusals()
check_stack()
print("the secured broker refuses whom it must and the stack works on it")
