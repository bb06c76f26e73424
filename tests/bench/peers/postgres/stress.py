#!/usr/bin/env python3
"""A stressed variant of an `annals gen` NDJSON file, for the two clocks (README.md, "Correctness").

    python3 stress.py IN.ndjson OUT.ndjson [--seed 11]

Moves 8 % of the records up to about four years later in recorded time and 4 % up to 200
days earlier, and adds a retraction after 2 % of the events (recorded from 20 days before to
about two years after its target, so that some come before the event they retract). Writes
OUT.ndjson (for load.py) and OUT.ndjson.<system> (registry, personnel, enrollment, finance:
`district<TAB>event` lines, a retraction on its target's topic) for Kafka's console producer,
so that the audit service reads the same records:

    java -cp "$HOME/.cache/annals/kafka-3.9.1/lib/*" kafka.tools.ConsoleProducer \\
        --bootstrap-server 127.0.0.1:19092 --topic PREFIX.registry \\
        --property parse.key=true --property key.separator=$'\\t' < OUT.ndjson.registry
"""
import argparse
import json
import random
import uuid
from datetime import datetime, timedelta, timezone

TOPICS = {"teacher.": "personnel", "student.": "enrollment", "funding.": "finance", "budget.": "finance"}


def topic_of(typ):
    return next((t for prefix, t in TOPICS.items() if typ.startswith(prefix)), "registry")


def parse(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def rfc3339(t):
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    out = []
    with open(args.src, encoding="utf-8") as f:
        for line in f:
            ev = json.loads(line)
            if ev["type"] != "record.retracted":
                r = rng.random()
                if r < 0.08:
                    ev["recorded_at"] = rfc3339(parse(ev["recorded_at"]) + timedelta(
                        days=rng.randrange(1, 1500), microseconds=rng.randrange(10 ** 6)))
                elif r < 0.12:
                    ev["recorded_at"] = rfc3339(parse(ev["recorded_at"]) - timedelta(
                        days=rng.randrange(1, 200), microseconds=rng.randrange(10 ** 6)))
            out.append(ev)
            if ev["type"] != "record.retracted" and rng.random() < 0.02:
                t = parse(ev["recorded_at"]) + timedelta(days=rng.randrange(-20, 700), seconds=rng.randrange(86400))
                out.append({"data": {"event_id": ev["id"], "reason": "stress"}, "district": ev["district"],
                            "effective_date": ev["effective_date"], "id": str(uuid.UUID(int=rng.getrandbits(128))),
                            "recorded_at": rfc3339(t), "schema_version": 1, "source": ev["source"],
                            "type": "record.retracted"})
    files, topic = {}, {}
    with open(args.dst, "w", encoding="utf-8") as f:
        for ev in out:
            text = json.dumps(ev, ensure_ascii=False, separators=(",", ":"))
            f.write(text + "\n")
            if ev["type"] == "record.retracted":
                name = topic.get(ev["data"]["event_id"], "registry")
            else:
                name = topic[ev["id"]] = topic_of(ev["type"])
            if name not in files:
                files[name] = open(f"{args.dst}.{name}", "w", encoding="utf-8")
            files[name].write(ev["district"] + "\t" + text + "\n")
    for f in files.values():
        f.close()
    print(json.dumps({"records": len(out), "retractions": sum(e["type"] == "record.retracted" for e in out)}))


if __name__ == "__main__":
    main()
