#!/usr/bin/env python3
"""Holds N connections open with half-sent request heads (slowloris), for benchmarks.

    hack/lib/slowloris.py HOST PORT N

Each connection sends a request line and one header, then one more header line every 2 s;
a connection the server closes is opened again. Prints "open K" once all are connected,
then runs until killed.
"""
import socket
import sys
import time

host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])


def opened():
    s = socket.create_connection((host, port))
    s.sendall(b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\n")
    return s


conns = [opened() for _ in range(count)]
print(f"open {len(conns)}", flush=True)
n = 0
while True:
    time.sleep(2)
    n += 1
    for i, s in enumerate(conns):
        try:
            s.sendall(f"X-Slow-{n}: a\r\n".encode())
        except OSError:
            try:
                conns[i] = opened()
            except OSError:
                pass
