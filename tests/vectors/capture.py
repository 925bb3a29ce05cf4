#!/usr/bin/env python3
"""Records RocketMQ remoting frames between real peers and a name server.

A TCP proxy on 127.0.0.1:LISTEN that forwards every byte to UPSTREAM (a running name
server, ours or Java's) and, as frames complete in either direction, writes each one whole
(length prefix included) to OUTDIR as <seq>-<dir>-<code>.bin, dir being "req" (peer to
server) or "resp". Standard library only.

    capture.py LISTEN_PORT UPSTREAM_HOST:PORT OUTDIR [SECONDS]
"""
import json
import os
import socket
import struct
import sys
import threading
import time

lock = threading.Lock()
seq = [0]


def frame_code(frame):
    header_word = struct.unpack(">I", frame[4:8])[0]
    kind, length = header_word >> 24, header_word & 0xFFFFFF
    header = frame[8:8 + length]
    if kind == 0:
        return json.loads(header.decode("utf-8")).get("code", "x")
    return struct.unpack(">h", header[0:2])[0]


def pump(src, dst, direction, outdir):
    buf = b""
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
            buf += data
            while len(buf) >= 4:
                total = struct.unpack(">i", buf[:4])[0]
                if len(buf) < total + 4:
                    break
                frame, buf = buf[:total + 4], buf[total + 4:]
                with lock:
                    seq[0] += 1
                    name = "%04d-%s-%s.bin" % (seq[0], direction, frame_code(frame))
                with open(os.path.join(outdir, name), "wb") as f:
                    f.write(frame)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def main():
    port, upstream, outdir = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    seconds = float(sys.argv[4]) if len(sys.argv) > 4 else 600
    host, uport = upstream.rsplit(":", 1)
    os.makedirs(outdir, exist_ok=True)
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(64)
    server.settimeout(0.5)
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            peer, _ = server.accept()
        except socket.timeout:
            continue
        up = socket.create_connection((host, int(uport)))
        threading.Thread(target=pump, args=(peer, up, "req", outdir), daemon=True).start()
        threading.Thread(target=pump, args=(up, peer, "resp", outdir), daemon=True).start()


if __name__ == "__main__":
    main()
