#!/usr/bin/env python3
"""Turns bench/compare.sh's raw JSON lines into a markdown report, PNG plots and the results
section of docs/benchmarks.md (between the `results:begin` / `results:end` markers).

    python bench/report.py bench/results/latest
"""

import json
import pathlib
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
PLOTS = ROOT / "docs" / "bench"
SERVERS = ["ours", "java", "rocketmq-rust", "null"]
NAMES = {
    "ours": "ours",
    "java": "Java 5.5.0",
    "rocketmq-rust": "rocketmq-rust 1.0.0",
    "null": "null server",
}


def rows(out, name):
    path = out / name
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def median(values):
    return statistics.median(values) if values else None


def fmt(v, digits=0):
    if v is None:
        return "—"
    if digits and v != 0 and abs(v) < 0.01:
        return f"{v:.2g}"
    return f"{v:,.{digits}f}"


def ratio(a, b):
    return None if a is None or b in (None, 0) else a / b


# A null server less than this much faster than a server does not show that server's limit.
CLEARLY_ABOVE = 1.10


def throughput_section(all_data, lines):
    data = [r for r in all_data if r.get("inflight", 4) == 4]
    conns = sorted({r["connections"] for r in data})
    lines += [
        "### Route queries, closed loop (100 topics on 2 brokers, 4 in flight per connection)",
        "",
        "Median over rounds; requests/s, and p99 latency in µs.",
        "",
        "| connections | " + " | ".join(NAMES[s] for s in SERVERS) + " |",
        "|---|" + "---|" * len(SERVERS),
    ]
    table = {}
    cpu = {}
    gen_cpu = {}
    for c in conns:
        cells = []
        for s in SERVERS:
            rs = [r for r in data if r["label"] == s and r["connections"] == c]
            q = median([r["qps"] for r in rs])
            p99 = median([r["latency_us"]["p99"] for r in rs])
            table[(s, c)] = q
            cpu[(s, c)] = median([r["server_cpu_ms_per_1k"] for r in rs if r.get("server_cpu_ms_per_1k")])
            gen_cpu[(s, c)] = median([r["client_cpu_ms_per_1k"] for r in rs if r.get("client_cpu_ms_per_1k")])
            cells.append(f"{fmt(q)} (p99 {fmt(p99)})" if q is not None else "—")
        lines.append(f"| {c} | " + " | ".join(cells) + " |")
    lines += ["", *ceiling_notes(table, conns, "connection(s)"), ""]
    lines += [
        "Server CPU per 1,000 route queries, ms (user + system time of the server process over the",
        "measured window ÷ answers), and the load generator's own, measured the same way:",
        "",
        "| connections | " + " | ".join(NAMES[s] for s in SERVERS) + " | generator (against the null server) |",
        "|---|" + "---|" * (len(SERVERS) + 1),
    ]
    for c in conns:
        lines.append(
            f"| {c} | " + " | ".join(fmt(cpu[(s, c)], 2) for s in SERVERS) + f" | {fmt(gen_cpu[('null', c)], 2)} |"
        )
    lines.append("")
    plt.figure(figsize=(6, 4))
    for s in SERVERS:
        xs = [c for c in conns if table.get((s, c))]
        plt.plot(xs, [table[(s, c)] for c in xs], marker="o", label=NAMES[s])
    plt.xscale("log", base=2)
    plt.xlabel("connections (4 requests in flight each)")
    plt.ylabel("route queries / s")
    plt.title("Throughput vs connections")
    plt.grid(True, alpha=0.3)
    plt.legend()
    plt.tight_layout()
    plt.savefig(PLOTS / "throughput_vs_connections.png", dpi=110)
    plt.close()
    lines += ["![throughput vs connections](bench/throughput_vs_connections.png)", ""]
    deep_section([r for r in all_data if r.get("inflight", 4) != 4], lines)
    return table, cpu


def ceiling_notes(table, points, unit):
    """Says where the null server is not clearly above a server: there the load generator and
    the loopback, not the server, bound what was measured."""
    notes = []
    for c in points:
        null = table.get(("null", c))
        for s in SERVERS[:-1]:
            q = table.get((s, c))
            if null is None or q is None or null >= CLEARLY_ABOVE * q:
                continue
            notes.append(
                f"* At {c} {unit}, the null server ({fmt(null)}/s) is not clearly above {NAMES[s]} ({fmt(q)}/s):"
                " this point shows what the load generator and loopback allow, not that server's limit."
            )
    return notes or ["The null server is clearly (≥ 10 %) above every server at every point."]


def deep_section(data, lines):
    if not data:
        return
    points = sorted({(r["connections"], r["inflight"]) for r in data})
    lines += [
        "### Deep pipelines: route queries, closed loop",
        "",
        "Many requests per system call on both sides, so the generator's share of the work drops and",
        "the null server's ceiling rises. Median requests/s, p99 µs, server CPU ms per 1,000.",
        "",
        "| connections × in flight | " + " | ".join(NAMES[s] for s in SERVERS) + " | generator CPU per 1k (against null) |",
        "|---|" + "---|" * (len(SERVERS) + 1),
    ]
    table = {}
    for c, k in points:
        cells = []
        for s in SERVERS:
            rs = [r for r in data if r["label"] == s and (r["connections"], r["inflight"]) == (c, k)]
            q = median([r["qps"] for r in rs])
            table[(s, f"{c}×{k}")] = q
            p99 = median([r["latency_us"]["p99"] for r in rs])
            cpu = median([r["server_cpu_ms_per_1k"] for r in rs if r.get("server_cpu_ms_per_1k")])
            cells.append(f"{fmt(q)} (p99 {fmt(p99)}, {fmt(cpu, 2)} ms)" if q is not None else "—")
        gen = median([r["client_cpu_ms_per_1k"] for r in data if r["label"] == "null" and r.get("client_cpu_ms_per_1k")])
        lines.append(f"| {c} × {k} | " + " | ".join(cells) + f" | {fmt(gen, 2)} ms |")
    lines += ["", *ceiling_notes(table, [f"{c}×{k}" for c, k in points], "(connections × in flight)"), ""]


def latency_section(data, lines, whose, plot):
    if not data:
        return {}
    rate = data[0]["offered_rate"]
    lines += [
        f"### Latency at half {whose} peak: open loop, {rate:,} requests/s offered over 16 connections",
        "",
        "Latency is measured from when each request was due (no coordinated omission); a pacer thread hands each request out at its due time. µs; each column the median over the rounds, whose p99s are listed. The CDF is the round with the lowest p99.",
        "",
        "| server | achieved req/s | p50 | p99 | p99.9 | max | p99 by round | errors |",
        "|---|---|---|---|---|---|---|---|",
    ]
    p99s = {}
    plt.figure(figsize=(6, 4))
    for s in SERVERS:
        rs = [r for r in data if r["label"] == s]
        if not rs:
            continue
        answered = [r for r in rs if r["requests"] > 0]
        if not answered:
            lines.append(
                f"| {NAMES[s]} | 0 | no answers: it closed or stalled the connections under this load | | | | | |"
            )
            continue
        rs = answered
        best = min(rs, key=lambda r: r["latency_us"]["p99"])
        # Every column is the median over the rounds, so a row never mixes rounds.
        col = {k: median([r["latency_us"][k] for r in rs]) for k in ("p50", "p99", "p999", "max")}
        p99s[s] = col["p99"]
        rounds = " / ".join(fmt(r["latency_us"]["p99"]) for r in rs)
        lines.append(
            f"| {NAMES[s]} | {fmt(median([r['qps'] for r in rs]))} | {fmt(col['p50'])} | {fmt(p99s[s])} | {fmt(col['p999'])} | {fmt(col['max'])} | {rounds} | {sum(r['errors'] for r in rs)} |"
        )
        qs = [q for q, _ in best["cdf_us"]]
        vs = [max(v, 1) for _, v in best["cdf_us"]]
        plt.plot(vs, qs, marker=".", label=NAMES[s])
    plt.xscale("log")
    plt.xlabel("latency (µs)")
    plt.ylabel("fraction of requests")
    plt.title(f"Latency CDF at {rate:,} req/s offered")
    plt.grid(True, alpha=0.3)
    plt.legend()
    plt.tight_layout()
    plt.savefig(PLOTS / plot, dpi=110)
    plt.close()
    lines += ["", f"![latency CDF]({'bench/' + plot})", ""]
    return p99s


def simple_section(title, data, lines):
    if not data:
        return
    lines += [
        title,
        "",
        "| server | req/s | p50 µs | p99 µs | server CPU ms per 1k | errors | codes |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in SERVERS:
        for r in [r for r in data if r["label"] == s]:
            lines.append(
                f"| {NAMES[s]} | {fmt(r['qps'])} | {r['latency_us']['p50']} | {r['latency_us']['p99']} |"
                f" {fmt(r.get('server_cpu_ms_per_1k'), 1)} | {r['errors']} | {r['codes']} |"
            )
    lines.append("")


FORMS = {
    "json": "JSON",
    "compressed": "zlib (5.x compressed)",
    "json-big-frame": "JSON, frame limit 64 MiB",
}


def scale_section(data, lines):
    lines += [
        "### Scale: a fresh server per point, B brokers each registering the same T topics",
        "",
        "RSS after registration and 3 s of route queries (4 connections); RSS growth over the idle",
        "server per 1,000 (topic, broker) pairs; the first broker's registration round trip; route",
        "queries at that size. Register bodies are plain JSON unless the form says otherwise; the",
        "100,000-topic JSON body (~18 MB) is over the 16 MiB default frame limit, so that point raises",
        "it (ours: `frameMaxLength`; Java: `-Dcom.rocketmq.remoting.frameMaxLength`; rocketmq-rust has",
        "no such setting).",
        "",
        "| brokers × topics | body | server | RSS MB | peak RSS MB | KB per 1k pairs | 1st registration ms | route req/s | route p99 µs |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    rss = {}
    for r in data:
        key = (r["brokers"], r["topics"])
        form = FORMS.get(r.get("note") or "json", r.get("note"))
        if r.get("failed"):
            lines.append(
                f"| {key[0]} × {key[1]:,} | {form} | {NAMES[r['label']]} | failed: the run ended with an error (see the compare.sh log) | | | | | |"
            )
            continue
        after = r.get("server_after") or {}
        idle = r.get("server_idle") or {}
        if (r.get("note") or "json") == "json":
            rss[(r["label"],) + key] = after.get("rss_kb", 0) / 1024
        pairs = key[0] * key[1] / 1000
        grown = (after.get("rss_kb", 0) - idle["rss_kb"]) / pairs if idle.get("rss_kb") and pairs else None
        reg = r["populate_registration_ms"][0] if r["populate_registration_ms"] else None
        lines.append(
            f"| {key[0]} × {key[1]:,} | {form} | {NAMES[r['label']]} | {fmt(after.get('rss_kb', 0) / 1024, 1)} |"
            f" {fmt(after.get('peak_rss_kb', 0) / 1024, 1)} | {fmt(grown, 1)} | {fmt(reg, 1)} | {fmt(r['qps'])} | {r['latency_us']['p99']} |"
        )
    lines.append("")
    for axis, fixed, name, xlabel in [
        (1, 2, "rss_vs_topics.png", "topics (2 brokers)"),
        (0, 1000, "rss_vs_brokers.png", "brokers (1,000 topics each)"),
    ]:
        plt.figure(figsize=(6, 4))
        for s in ["ours", "java", "rocketmq-rust"]:
            pts = sorted(
                (k[1 + axis], v)
                for k, v in rss.items()
                if k[0] == s and k[2 - axis] == fixed
            )
            if pts:
                plt.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=NAMES[s])
        plt.xscale("log")
        plt.yscale("log")
        plt.xlabel(xlabel)
        plt.ylabel("RSS (MB)")
        plt.title("Server RSS vs " + xlabel.split(" ")[0])
        plt.grid(True, alpha=0.3)
        plt.legend()
        plt.tight_layout()
        plt.savefig(PLOTS / name, dpi=110)
        plt.close()
        lines += [f"![{name}](bench/{name})", ""]
    return rss


def cold_section(data, lines):
    lines += [
        "### Cold start: exec to the first answer",
        "",
        "| server | what | runs, ms |",
        "|---|---|---|",
    ]
    by = {}
    for r in data:
        by.setdefault((r["label"], r["kind"]), []).append(r["answered_ms"])
    for (label, kind), values in by.items():
        what = "first SUCCESS route (warm restart from a snapshot)" if kind == "first_route" else "first answer"
        lines.append(f"| {NAMES.get(label, label)} | {what} | {', '.join(fmt(v, 1) for v in values)} |")
    lines.append("")
    return {k: median([v for v in vs if v is not None]) for k, vs in by.items()}


def main():
    out = pathlib.Path(sys.argv[1])
    PLOTS.mkdir(parents=True, exist_ok=True)
    machine = json.loads((out / "machine.json").read_text())
    lines = [
        f"Run of {machine['date']} on {machine['cpu']}, {machine['cores']} cores, {machine['mem_gb']} GiB,"
        f" Linux {machine['kernel']}, {machine['java']}{' (quick mode)' if machine['quick'] else ''}."
        f" Java name server JVM options: `{machine['java_opts']}`. Load generator: namesrv-bench on the same machine, "
        + (
            "**pinned**: every server on core 0 (`taskset -c 0`), the generator on core 1."
            if machine.get("pinned")
            else "servers and generator sharing every core."
        ),
        "",
    ]
    if machine.get("netns_addresses") is not None:
        lines += [
            "Run inside a network namespace of its own; its addresses (`ip -o addr`): "
            + "; ".join(f"`{' '.join(a.split()[1:4])}`" for a in machine["netns_addresses"])
            + ". Load average at the start: "
            + " ".join(machine.get("load_average", []))
            + ".",
            "",
        ]
    tp, tp_cpu = throughput_section(rows(out, "throughput.jsonl"), lines)
    p99 = latency_section(rows(out, "latency.jsonl"), lines, "our", "latency_cdf.png")
    p99_java = latency_section(rows(out, "latency_java.jsonl"), lines, "Java's", "latency_cdf_java_half.png")
    simple_section("### Mixed profile (90 % route, 5 % cluster info, 4 % heartbeat, 1 % registration; 10 brokers × 1,000 topics)", rows(out, "mixed.jsonl"), lines)
    storms = rows(out, "register.jsonl")
    simple_section(
        "### Registration storm, unchanged data version (100 brokers × 1,000 topics re-registering, 16 connections, 1 in flight)",
        [r for r in storms if r.get("versions", "unchanged") == "unchanged"],
        lines,
    )
    simple_section(
        "### Registration storm, every registration a new data version with the same topics, as after a broker's role change (100 brokers × 1,000 topics, 16 connections, 1 in flight)",
        [r for r in storms if r.get("versions") == "changing"],
        lines,
    )
    simple_section(
        "### Registration storm, every registration a new data version and one topic's queue count changed, as after an `updateTopic` (100 brokers × 1,000 topics, 16 connections, 1 in flight)",
        [r for r in storms if r.get("versions") == "one-topic"],
        lines,
    )
    storm_qps = {
        (r["label"], r.get("versions", "unchanged")): r["qps"] for r in storms if r.get("qps")
    }
    rss = scale_section(rows(out, "scale.jsonl"), lines)
    cold = cold_section(rows(out, "coldstart.jsonl"), lines)

    def tgt(name, value, goal, ok):
        # `ok` is None for a figure shown beside the targets with no goal of its own.
        if value is None:
            status = "—"
        elif ok is None:
            status = "reported"
        else:
            status = "met" if ok(value) else "**missed**"
        return f"| {name} | {fmt(value, 2) if value is not None else 'not measured'} | {goal} | {status} |"

    c16 = max((c for (_, c) in tp), default=None) if tp else None
    c16 = 16 if (("ours", 16) in tp) else c16
    big = (100, 10000)
    lines += [
        "### Targets",
        "",
        "| target | measured | goal | |",
        "|---|---|---|---|",
        tgt("route q/s at 16 connections, ours ÷ Java", ratio(tp.get(("ours", c16)), tp.get(("java", c16))), "≥ 5", lambda v: v >= 5),
        tgt("server CPU per 1k route queries at 16 connections, ours ÷ Java", ratio(tp_cpu.get(("ours", c16)), tp_cpu.get(("java", c16))), "≤ 0.167", lambda v: v <= 1 / 6),
        tgt("route q/s at 16 connections, ours ÷ rocketmq-rust", ratio(tp.get(("ours", c16)), tp.get(("rocketmq-rust", c16))), "≥ 1.5", lambda v: v >= 1.5),
        tgt("route q/s at 16 connections, ours ÷ null server", ratio(tp.get(("ours", c16)), tp.get(("null", c16))), "≥ 0.8", lambda v: v >= 0.8),
        tgt("p99 at half our peak, ours ÷ Java", ratio(p99.get("ours"), p99.get("java")), "≤ 0.33", lambda v: v <= 1 / 3),
        tgt("p99 at half Java's peak, ours ÷ Java", ratio(p99_java.get("ours"), p99_java.get("java")), "≤ 0.33", lambda v: v <= 1 / 3),
        tgt("storm, unchanged version, ours ÷ Java", ratio(storm_qps.get(("ours", "unchanged")), storm_qps.get(("java", "unchanged"))), "≥ 2", lambda v: v >= 2),
        tgt("storm, unchanged version, ours ÷ rocketmq-rust", ratio(storm_qps.get(("ours", "unchanged")), storm_qps.get(("rocketmq-rust", "unchanged"))), "≥ 10", lambda v: v >= 10),
        tgt("storm, new version, same topics, ours ÷ Java", ratio(storm_qps.get(("ours", "changing")), storm_qps.get(("java", "changing"))), "≥ 2", lambda v: v >= 2),
        tgt("storm, new version, one topic changed, ours ÷ Java", ratio(storm_qps.get(("ours", "one-topic")), storm_qps.get(("java", "one-topic"))), "none set", None),
        tgt("RSS at 100 brokers × 10k topics, ours ÷ Java", ratio(rss.get(("ours",) + big), rss.get(("java",) + big)), "≤ 0.2", lambda v: v <= 0.2),
        tgt("RSS at 100 brokers × 10k topics, ours ÷ rocketmq-rust", ratio(rss.get(("ours",) + big), rss.get(("rocketmq-rust",) + big)), "≤ 0.5", lambda v: v <= 0.5),
        tgt("cold start to first answer, ours (ms)", cold.get(("ours", "first_answer")), "< 50", lambda v: v < 50),
        "",
    ]
    report = "\n".join(lines)
    (out / "report.md").write_text(report + "\n")
    doc = ROOT / "docs" / "benchmarks.md"
    text = doc.read_text()
    begin, end = "<!-- results:begin -->", "<!-- results:end -->"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        doc.write_text(head + begin + "\n" + report + "\n" + end + tail)
    print(report)


if __name__ == "__main__":
    main()
