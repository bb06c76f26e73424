"""BENCHMARKS.md and its plots, from the harness's results (tests/bench/harness.py)."""
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def rate(x):
    return f"{x:,.0f}"


def ms(x):
    return f"{x:.1f}"


def years_text(key):
    n = int(key[1:])
    return f"{n} year" + ("" if n == 1 else "s")


def save(fig, args, rel, name, alt):
    """Writes the figure as PNG beside the others; returns its Markdown image line."""
    fig.tight_layout()
    fig.savefig(f"{args.plots}/{name}.png", dpi=110)
    plt.close(fig)
    return f"![{alt}]({rel}/{name}.png)\n"


def write(R, args):
    os.makedirs(args.plots, exist_ok=True)
    rel = os.path.relpath(args.plots, os.path.dirname(os.path.abspath(args.out)))
    I, Q, D, M = R["ingest"], R["queries"], R["datasets"], R["machine"]
    main = D["main"]
    consume = I["limits"]["consume"]["events_per_second"]
    rocks = I["limits"]["rocksdb"]["events_per_second"]
    lines = []
    w = lines.append

    w("# Benchmarks\n")
    w("Written by the harness, not by hand: every figure below comes from one run of the command below on the "
      "machine below, all comparisons side by side in that run. Rerun it to check them; the peers' designs and "
      "tuning are in [tests/bench/peers/](tests/bench/peers/).\n")
    w(f"- **Command:** `{R['command'].strip()}` ({R['elapsed_seconds'] / 60:.1f} minutes in all, broker and PostgreSQL included)")
    w(f"- **Machine:** {M['cores']} cores ({M['cpu']}), {M['memory_gib']} GiB, Linux {M['kernel']}; the Kafka broker "
      f"(3.9.1, one node), PostgreSQL and every process measured share these cores. {M.get('java', '')}; {M.get('postgres', '')}")
    w(f"- **Code:** commit `{M['commit']}`, {M['date']}")
    w(f"- **Data:** `annals gen --scale {R['scale']}` (deterministic): {main['events']:,} events "
      f"({main['bytes'] / 1e6:.0f} MB of JSON) over {main['years']} years; topics of {args.partitions} partitions.\n")
    w("| dataset | `annals gen` flags | events | JSON |")
    w("|---|---|---|---|")
    for ds in D.values():
        w(f"| {ds['name']} | `{' '.join(ds['flags'])}` | {ds['events']:,} | {ds['bytes'] / 1e6:.0f} MB |")
    w("")

    # 1 and 2 ------------------------------------------------------------------------------
    w("## 1–2. Ingest, against the raw limits and Kafka Streams\n")
    w("Events per second over the `main` dataset. *Publish to projected* runs the projector while `annals gen` "
      "publishes, and ends when the projector's stored offsets cover every record. *Rebuild* is a fresh projector "
      "reading the whole log (`annals-projector --exit-when-caught-up`). The raw limits read the same topics with the "
      "projector's consumer settings and loop (`build/tests/ingest_limits`): *consume* keeps nothing; *consume + "
      "RocksDB write* writes each record and the offsets, in the same batches of 5,000, to a plain RocksDB store.\n")
    rows = [("raw limit: librdkafka consume, nothing kept", I["limits"]["consume"]),
            ("raw limit: consume + RocksDB batch write", I["limits"]["rocksdb"]),
            ("**Annals**: rebuild from the log", I["rebuild"]),
            ("**Annals**: publish to projected (live)", I["live"])]
    for g, r in I.get("streams", {}).items():
        rows.append((f"Kafka Streams peer, {g}", r))
    w("| path | events/s | seconds | share of raw consume | share of raw RocksDB write | peak RSS |")
    w("|---|---|---|---|---|---|")
    for name, r in rows:
        rss = f"{r['rss_peak_mb']:.0f} MB" if "rss_peak_mb" in r else "–"
        w(f"| {name} | {rate(r['events_per_second'])} | {r['seconds']:.1f} | {r['events_per_second'] / consume:.1%} | "
          f"{r['events_per_second'] / rocks:.1%} | {rss} |")
    w("")
    ann = I["rebuild"]["events_per_second"]
    for g, r in I.get("streams", {}).items():
        ratio = ann / r["events_per_second"]
        if ratio >= 1:
            w(f"- Annals rebuilds at **{ratio:.2f}×** the rate of the Kafka Streams peer ({g}).")
        else:
            w(f"- **The Kafka Streams peer ({g}) is faster**: Annals rebuilds at {ratio:.2f}× its rate. "
              "Note what the peer leaves out (its README).")
    w(f"- Publishing alone (`annals gen --kafka`, during the live run, sharing the cores with the projector) took "
      f"{I['live']['publish_seconds']:.1f} s of the live run's {I['live']['seconds']:.1f} s.")
    w(f"- Views on disk after the rebuild: {I['rebuild']['store_bytes'] / 1e6:.0f} MB, against "
      f"{I['limits']['rocksdb']['store_bytes'] / 1e6:.0f} MB for the raw records alone.\n")
    fig, ax = plt.subplots(figsize=(8, 3.2))
    names = [n.replace("**", "") for n, _ in rows]
    ax.barh(names[::-1], [r["events_per_second"] for _, r in rows][::-1],
            color=["#7a9cc6" if "Annals" not in n else "#c0392b" for n in names[::-1]])
    ax.set_xscale("log")
    ax.set_xlabel("events per second (log scale)")
    ax.set_title(f"Ingest, {main['events']:,} events, {M['cores']} cores")
    w(save(fig, args, rel, "ingest", "ingest"))

    # 3 -----------------------------------------------------------------------------------
    w("## 3. History questions, against PostgreSQL\n")
    w("`state?at=` and `indicators?at=` for a random district at a random date of the history, asked by one Python "
      "client of both systems in turn (Annals over HTTP with keep-alive, PostgreSQL over one psycopg connection), "
      f"{Q['y10']['queries']} points per question. PostgreSQL answers from valid_from/valid_to history tables "
      "(peers/postgres/README.md); before timing, `peers/postgres/check.py` compares its answers with the audit "
      "service's at several dates (per-school pupils, each CV to 1e-6).\n")
    w("| history | question | Annals p50 / p99 ms | PostgreSQL p50 / p99 ms | PostgreSQL ÷ Annals (p50) | answers equal |")
    w("|---|---|---|---|---|---|")
    for key in ("y1", "y3", "y10"):
        q = Q[key]
        for question in ("state", "indicators"):
            a, p = q[f"annals_{question}"], q[f"postgres_{question}"]
            w(f"| {years_text(key)} | {question} | {ms(a['p50'])} / {ms(a['p99'])} | {ms(p['p50'])} / {ms(p['p99'])} | "
              f"{p['p50'] / a['p50']:.1f}× | {'yes' if q['agreed'] else '**no**'} |")
    w("")
    for key in ("y1", "y3", "y10"):
        for question in ("state", "indicators"):
            a, p = Q[key][f"annals_{question}"], Q[key][f"postgres_{question}"]
            if p["p50"] < a["p50"]:
                w(f"- **PostgreSQL is faster** on `{question}` with {years_text(key)} of history: "
                  f"{ms(p['p50'])} ms against {ms(a['p50'])} ms at p50.")
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), sharey=False)
    for ax, question in zip(axes, ("state", "indicators")):
        xs = [1, 3, 10]
        for system, colour in (("annals", "#c0392b"), ("postgres", "#336791")):
            ax.plot(xs, [Q[f"y{x}"][f"{system}_{question}"]["p50"] for x in xs], "o-", color=colour,
                    label=f"{'Annals' if system == 'annals' else 'PostgreSQL'} p50")
            ax.plot(xs, [Q[f"y{x}"][f"{system}_{question}"]["p99"] for x in xs], "o--", color=colour, alpha=0.6,
                    label=f"{'Annals' if system == 'annals' else 'PostgreSQL'} p99")
        ax.set_title(f"{question}?at=")
        ax.set_xlabel("years of history")
        ax.set_ylabel("ms")
        ax.set_xticks(xs)
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=7)
    w("\n" + save(fig, args, rel, "queries", "history questions"))
    w("**Concurrent clients, with and without a heavy one.** Eight keep-alive clients ask `state` or `indicators` at "
      "random dates as fast as they are answered, alone, then beside a ninth that loops `indicators/series` over the "
      "whole history as recorded at a time. Every question reads the store instance that was serving when it began, "
      "and the store is followed by swapping instances (services/audit/followed_store.h), so no question waits for "
      "another or for the catch-up. Target: beside the heavy client, at least 0.8× the throughput and at most 2× the "
      "p99.\n")
    w("| history | clients | alone: answers/s, p50 / p99 ms | beside a heavy client: answers/s, p50 / p99 ms | "
      "throughput ratio | p99 ratio | heavy answers (p50 ms) |")
    w("|---|---|---|---|---|---|---|")
    for key in ("y1", "y3", "y10"):
        c = Q[key].get("concurrency")
        if not c:
            continue
        a, h = c["alone"], c["with_heavy"]
        w(f"| {years_text(key)} | {c['clients']} | {a['answers_per_second']:.0f}, {ms(a['p50'])} / {ms(a['p99'])} | "
          f"{h['answers_per_second']:.0f}, {ms(h['p50'])} / {ms(h['p99'])} | {c['throughput_ratio']:.2f} | "
          f"{c['p99_ratio']:.2f} | {h['heavy_answers']} ({ms(h['heavy_p50']) if h['heavy_p50'] else '-'}) |")
    w("")

    # 4 -----------------------------------------------------------------------------------
    w("## 4. Growth\n")
    w("**Query latency with 1, 3 and 10 years of history** is the table and plot above (the `y1`, `y3` and `main` "
      "datasets: the same districts and schools, more years).\n")
    w("**Ingest at 1x and 10x the data** (rebuild from the log): `x1` has a tenth of the schools of each district, "
      "the 10x row is the `main` rebuild above.\n")
    w("| data | events | events/s | seconds | peak RSS | views on disk |")
    w("|---|---|---|---|---|---|")
    for label in ("1x", "10x"):
        r = I[label]
        w(f"| {label} ({'x1' if label == '1x' else 'main'}) | {r['events']:,} | {rate(r['events_per_second'])} | {r['seconds']:.1f} | {r['rss_peak_mb']:.0f} MB | "
          f"{r['store_bytes'] / 1e6:.0f} MB |")
    w(f"\nWith {I['10x']['events'] / I['1x']['events']:.1f}× the events the rate is {I['10x']['events_per_second'] / I['1x']['events_per_second']:.2f}× the 1x rate, "
      f"and peak memory {I['10x']['rss_peak_mb'] / max(1, I['1x']['rss_peak_mb']):.2f}× the 1x peak.\n")
    w("**Projector memory (RSS) across each run**, sampled every 0.25 s from /proc:\n")
    fig, ax = plt.subplots(figsize=(8, 3.4))
    for label, samples in R["rss"].items():
        if samples:
            ax.plot([t for t, _ in samples], [mb for _, mb in samples], label=label)
    ax.set_xlabel("seconds into the run")
    ax.set_ylabel("RSS (MB)")
    ax.legend(fontsize=7)
    w(save(fig, args, rel, "memory", "memory"))

    # 5 -----------------------------------------------------------------------------------
    w("## 5. Rebuilding every view from the full history\n")
    rb = I["rebuild"]
    w(f"A fresh projector over the whole `main` log: **{rb['seconds']:.1f} s** for {rb['events']:,} events "
      f"({rate(rb['events_per_second'])} events/s), {rb['store_bytes'] / 1e6:.0f} MB of views, peak RSS "
      f"{rb['rss_peak_mb']:.0f} MB. The conventional design's equivalent, the ETL into PostgreSQL's history "
      f"tables with indexes built after loading (`peers/postgres/load.py`, from the NDJSON file, not from Kafka), took "
      f"**{Q['y10']['load']['seconds']:.1f} s**.\n")
    pg_load = Q["y10"]["load"]["seconds"]
    if pg_load < rb["seconds"]:
        w(f"- **PostgreSQL's load is faster**: {rb['seconds'] / pg_load:.1f}× less time than the rebuild. It is a batch job "
          "over a file that rebuilds every table at once (current knowledge only; no log positions, timelines or "
          "as-recorded clock; every load starts over); the rebuild re-applies every event through the same code "
          "as live ingest, exactly once, with offsets in the same write.")
    for g, r in I.get("streams", {}).items():
        w(f"- The Kafka Streams peer ({g}) builds the same views from the log in {r['seconds']:.1f} s "
          f"({r['seconds'] / rb['seconds']:.2f}× the rebuild's time), {r.get('store_bytes', 0) / 1e6:.0f} MB of local "
          f"state plus its changelog topics, peak RSS {r['rss_peak_mb']:.0f} MB.")
    w("")
    if R["notes"]:
        w("## Notes from the run\n")
        for n in R["notes"]:
            w(n + "\n")
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")
