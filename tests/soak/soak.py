#!/usr/bin/env python3
"""Soak: a bounded run of mixed load with broker churn against a running name server.

It speaks the remoting protocol itself (JSON headers), so it needs nothing but Python 3:

* readers: route queries over the stable brokers' topics (must be SUCCESS) and the churning
  brokers' topics (SUCCESS or TOPIC_NOT_EXIST, depending on the moment), plus cluster info;
* KV writers: put, get (must read back what was put) and delete in a private namespace;
* churn: brokers that register, heartbeat, then leave in one of three ways — unregister,
  drop their connection, or fall silent until their heartbeat timeout expires them;
* a sampler: every interval, the server's RSS and CPU time (from /proc), request counts,
  errors and latency percentiles.

Errors are answers that contradict the state the soak itself created (a stable topic without
a route, a KV value that did not read back, an unexpected code, a dead connection); the run
must end with zero. Output: one JSON line per interval on stdout and a summary at the end.

    tests/soak/soak.py --addr 127.0.0.1:9876 --pid PID [--seconds 600]

`tests/soak/run.sh` builds and starts the server and runs this against it.
"""

import argparse
import json
import random
import socket
import struct
import threading
import time
import zlib

ROUTE, CLUSTER, REGISTER, UNREGISTER, HEARTBEAT = 105, 106, 103, 104, 904
KV_PUT, KV_GET, KV_DELETE = 100, 101, 102
SUCCESS, TOPIC_NOT_EXIST, QUERY_NOT_FOUND = 0, 17, 22


class Conn:
    """One connection, one request at a time (opaque checked on every answer)."""

    def __init__(self, addr):
        host, port = addr.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.opaque = 0

    def _read_exact(self, n):
        buf = bytearray()
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise ConnectionError("closed by the server")
            buf.extend(chunk)
        return bytes(buf)

    def call(self, code, ext, body=b""):
        self.opaque += 1
        header = json.dumps(
            {
                "code": code,
                "extFields": ext,
                "flag": 0,
                "language": "JAVA",
                "opaque": self.opaque,
                "serializeTypeCurrentRPC": "JSON",
                "version": 479,
            },
            separators=(",", ":"),
        ).encode()
        frame = struct.pack(">II", 4 + len(header) + len(body), len(header)) + header + body
        self.sock.sendall(frame)
        total = struct.unpack(">I", self._read_exact(4))[0]
        rest = self._read_exact(total)
        header_len = struct.unpack(">I", rest[:4])[0] & 0xFFFFFF
        answer = json.loads(rest[4 : 4 + header_len])
        if answer.get("opaque") != self.opaque:
            raise ValueError(f"opaque {answer.get('opaque')} != {self.opaque}")
        return answer, rest[4 + header_len :]

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def register_request(cluster, name, addr, topics, counter, timeout_ms):
    table = {
        t: {
            "order": False,
            "perm": 6,
            "readQueueNums": 4,
            "topicFilterType": "SINGLE_TAG",
            "topicName": t,
            "topicSysFlag": 0,
            "writeQueueNums": 4,
        }
        for t in topics
    }
    body = json.dumps(
        {
            "filterServerList": [],
            "topicConfigSerializeWrapper": {
                "dataVersion": {"counter": counter, "stateVersion": 0, "timestamp": int(time.time() * 1000)},
                "topicConfigTable": table,
            },
        },
        separators=(",", ":"),
    ).encode()
    ext = {
        "brokerAddr": addr,
        "brokerId": "0",
        "brokerName": name,
        "clusterName": cluster,
        "haServerAddr": addr,
        "compressed": "false",
        "bodyCrc32": str(zlib.crc32(body) & 0x7FFFFFFF),
        "heartbeatTimeoutMillis": str(timeout_ms),
    }
    return ext, body


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()
        self.total_requests = 0
        self.total_errors = 0
        self.error_samples = []

    def reset(self):
        self.latencies = []
        self.requests = 0
        self.errors = 0

    def ok(self, seconds):
        with self.lock:
            self.requests += 1
            if len(self.latencies) < 200_000:
                self.latencies.append(seconds)

    def error(self, what):
        with self.lock:
            self.errors += 1
            self.total_errors += 1
            if len(self.error_samples) < 20:
                self.error_samples.append(what)

    def take(self):
        with self.lock:
            snap = (self.requests, self.errors, sorted(self.latencies))
            self.total_requests += self.requests
            self.reset()
            return snap


def timed(stats, conn, code, ext, body=b""):
    start = time.perf_counter()
    answer, payload = conn.call(code, ext, body)
    stats.ok(time.perf_counter() - start)
    return answer, payload


def reader(addr, stop, stats, stable_topics, churn_topics):
    rng = random.Random()
    conn = Conn(addr)
    while not stop.is_set():
        try:
            roll = rng.random()
            if roll < 0.6:
                topic = rng.choice(stable_topics)
                answer, _ = timed(stats, conn, ROUTE, {"topic": topic})
                if answer["code"] != SUCCESS:
                    stats.error(f"stable topic {topic}: code {answer['code']}")
            elif roll < 0.95:
                topic = rng.choice(churn_topics)
                answer, _ = timed(stats, conn, ROUTE, {"topic": topic})
                if answer["code"] not in (SUCCESS, TOPIC_NOT_EXIST):
                    stats.error(f"churn topic {topic}: code {answer['code']}")
            else:
                answer, body = timed(stats, conn, CLUSTER, {})
                if answer["code"] != SUCCESS or b"stable-0" not in body:
                    stats.error(f"cluster info: code {answer['code']}")
        except (OSError, ValueError) as e:
            stats.error(f"reader connection: {e}")
            conn.close()
            time.sleep(0.5)
            conn = Conn(addr)
    conn.close()


def kv_writer(addr, stop, stats, index):
    rng = random.Random(index)
    conn = Conn(addr)
    namespace = f"soak-{index}"
    while not stop.is_set():
        try:
            key = f"k{rng.randrange(200)}"
            value = f"v{rng.randrange(1_000_000)}"
            answer, _ = timed(stats, conn, KV_PUT, {"namespace": namespace, "key": key, "value": value})
            if answer["code"] != SUCCESS:
                stats.error(f"kv put: code {answer['code']}")
                continue
            answer, _ = timed(stats, conn, KV_GET, {"namespace": namespace, "key": key})
            got = (answer.get("extFields") or {}).get("value")
            if answer["code"] != SUCCESS or got != value:
                stats.error(f"kv get {key}: code {answer['code']} value {got!r} != {value!r}")
            if rng.random() < 0.3:
                answer, _ = timed(stats, conn, KV_DELETE, {"namespace": namespace, "key": key})
                if answer["code"] != SUCCESS:
                    stats.error(f"kv delete: code {answer['code']}")
            time.sleep(0.01)
        except (OSError, ValueError) as e:
            stats.error(f"kv connection: {e}")
            conn.close()
            time.sleep(0.5)
            conn = Conn(addr)
    conn.close()


def stable_broker(addr, stop, stats, index, topics):
    """Registers once, then heartbeats and re-registers every few seconds, like a real broker."""
    name = f"stable-{index}"
    broker_addr = f"127.0.0.1:{30000 + index}"
    counter = 1
    conn = Conn(addr)
    while not stop.is_set():
        try:
            ext, body = register_request("SoakCluster", name, broker_addr, topics, counter, 30_000)
            answer, _ = timed(stats, conn, REGISTER, ext, body)
            if answer["code"] != SUCCESS:
                stats.error(f"stable register: code {answer['code']}")
            for _ in range(5):
                if stop.wait(1.0):
                    break
                answer, _ = timed(
                    stats,
                    conn,
                    HEARTBEAT,
                    {"brokerAddr": broker_addr, "brokerName": name, "clusterName": "SoakCluster"},
                )
                if answer["code"] != SUCCESS:
                    stats.error(f"stable heartbeat: code {answer['code']}")
        except (OSError, ValueError) as e:
            stats.error(f"stable broker connection: {e}")
            conn.close()
            time.sleep(0.5)
            conn = Conn(addr)
    conn.close()


def churn(addr, stop, stats, index, topics, counts):
    """One broker slot that keeps arriving and leaving in the three ways brokers leave."""
    rng = random.Random(index)
    generation = 0
    while not stop.is_set():
        generation += 1
        name = f"churn-{index}"
        broker_addr = f"127.0.0.1:{40000 + index}"
        try:
            conn = Conn(addr)
            ext, body = register_request("SoakCluster", name, broker_addr, topics, generation, 2_000)
            answer, _ = timed(stats, conn, REGISTER, ext, body)
            if answer["code"] != SUCCESS:
                stats.error(f"churn register: code {answer['code']}")
            for _ in range(rng.randrange(1, 4)):
                if stop.wait(0.5):
                    break
                timed(
                    stats,
                    conn,
                    HEARTBEAT,
                    {"brokerAddr": broker_addr, "brokerName": name, "clusterName": "SoakCluster"},
                )
            way = rng.choice(["unregister", "close", "silent"])
            counts[way] += 1
            if way == "unregister":
                answer, _ = timed(
                    stats,
                    conn,
                    UNREGISTER,
                    {"brokerAddr": broker_addr, "brokerName": name, "clusterName": "SoakCluster", "brokerId": "0"},
                )
                if answer["code"] != SUCCESS:
                    stats.error(f"churn unregister: code {answer['code']}")
                conn.close()
            elif way == "close":
                conn.close()
            else:
                # Silent: the connection stays open; the 2 s heartbeat timeout must expire it.
                stop.wait(3.5)
                conn.close()
        except (OSError, ValueError) as e:
            stats.error(f"churn connection: {e}")
        stop.wait(rng.uniform(0.1, 1.0))


def proc_sample(pid):
    with open(f"/proc/{pid}/status") as f:
        status = dict(line.split(":", 1) for line in f if ":" in line)
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime + stime
    return {
        "rss_kb": int(status["VmRSS"].split()[0]),
        "hwm_kb": int(status["VmHWM"].split()[0]),
        "cpu_s": ticks / 100.0,
    }


def percentile(sorted_values, q):
    if not sorted_values:
        return None
    return round(sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))] * 1000.0, 3)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--addr", required=True)
    parser.add_argument("--pid", type=int, required=True, help="the server's pid, for RSS and CPU")
    parser.add_argument("--seconds", type=int, default=600)
    parser.add_argument("--interval", type=int, default=30)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--kv-writers", type=int, default=2)
    parser.add_argument("--stable-brokers", type=int, default=4)
    parser.add_argument("--churn-brokers", type=int, default=16)
    parser.add_argument("--topics-per-broker", type=int, default=50)
    args = parser.parse_args()

    stop = threading.Event()
    stats = Stats()
    counts = {"unregister": 0, "close": 0, "silent": 0}
    stable_topics, churn_topics, threads = [], [], []
    for i in range(args.stable_brokers):
        topics = [f"Stable{i}_{t}" for t in range(args.topics_per_broker)]
        stable_topics += topics
        threads.append(threading.Thread(target=stable_broker, args=(args.addr, stop, stats, i, topics)))
    for i in range(args.churn_brokers):
        topics = [f"Churn{i}_{t}" for t in range(args.topics_per_broker)]
        churn_topics += topics
        threads.append(threading.Thread(target=churn, args=(args.addr, stop, stats, i, topics, counts)))
    for t in threads:
        t.start()
    time.sleep(1.0)  # the stable brokers' first registrations land before readers ask
    for _ in range(args.readers):
        threads.append(threading.Thread(target=reader, args=(args.addr, stop, stats, stable_topics, churn_topics)))
        threads[-1].start()
    for i in range(args.kv_writers):
        threads.append(threading.Thread(target=kv_writer, args=(args.addr, stop, stats, i)))
        threads[-1].start()

    began = time.monotonic()
    first = proc_sample(args.pid)
    samples = []
    last_cpu, last_at = first["cpu_s"], began
    while time.monotonic() - began < args.seconds:
        time.sleep(min(args.interval, args.seconds - (time.monotonic() - began)))
        now = time.monotonic()
        proc = proc_sample(args.pid)
        requests, errors, lat = stats.take()
        sample = {
            "t_s": round(now - began),
            "requests_per_s": round(requests / (now - last_at)),
            "errors": errors,
            "p50_ms": percentile(lat, 0.50),
            "p99_ms": percentile(lat, 0.99),
            "p999_ms": percentile(lat, 0.999),
            "rss_kb": proc["rss_kb"],
            "server_cpu_pct": round(100.0 * (proc["cpu_s"] - last_cpu) / (now - last_at), 1),
        }
        last_cpu, last_at = proc["cpu_s"], now
        samples.append(sample)
        print(json.dumps(sample), flush=True)
    stop.set()
    for t in threads:
        t.join(timeout=10)
    final = proc_sample(args.pid)
    rss = [s["rss_kb"] for s in samples]
    steady = rss[len(rss) // 2 :] or rss
    summary = {
        "seconds": args.seconds,
        "requests": stats.total_requests,
        "errors": stats.total_errors,
        "error_samples": stats.error_samples,
        "broker_departures": counts,
        "rss_kb_first_sample": rss[0] if rss else None,
        "rss_kb_last_sample": rss[-1] if rss else None,
        "rss_kb_second_half_min_max": [min(steady), max(steady)] if steady else None,
        "vm_hwm_kb": final["hwm_kb"],
        "p99_ms_first_last": [samples[0]["p99_ms"], samples[-1]["p99_ms"]] if samples else None,
    }
    print(json.dumps({"summary": summary}), flush=True)
    return 1 if stats.total_errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
