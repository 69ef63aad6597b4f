#!/usr/bin/env python3
"""The web door alone, without Squid: one upload of ordinary prose sent to
`steward icap` as Squid sends a large one (REQMOD, no preview, 64 KiB
chunks), read back to its last chunk; prints MB/s (10^6 bytes) per run.

  steward icap --dry-run --listen 127.0.0.1:PORT --quiet &
  bench/icap_upload.py PORT [MB] [RUNS] [PID] [FILE]

With FILE (e.g. the benchmark's prose, `bench/prose.py web DIR` makes
DIR/clean-50m) the upload is that file's first MB megabytes instead of
one sentence repeated.

With PID (the door's process id) each run also prints the CPU seconds
(user + system) and the page faults the door spent on it, from
/proc/PID/stat: figures that vary less than the rate on a shared machine.

What it shows beside `make bench-web`: how fast the door reads an upload to
its end (past max_inspect_bytes, in windows) when nothing else shares the
machine's cores, so the end-to-end figure through Squid can be read as
door time plus Squid's legs.
"""
import os
import socket
import sys
import threading
import time

port = int(sys.argv[1])
size = int(sys.argv[2]) * 1000 * 1000 if len(sys.argv) > 2 else 50_000_000
runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
pid = int(sys.argv[4]) if len(sys.argv) > 4 else 0
source = sys.argv[5] if len(sys.argv) > 5 else ""
tick = os.sysconf("SC_CLK_TCK")


def usage():
    """(CPU seconds, minor page faults) of the door so far."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # After the name: state is field 3, minflt 10, utime 14, stime 15.
    return (int(fields[11]) + int(fields[12])) / tick, int(fields[7])

if source:
    with open(source, "rb") as f:
        body = f.read(size)
    size = len(body)
else:
    line = b"Field trip permission slips are due on Monday; bring a lunch.\n"
    body = (line * (size // len(line) + 1))[:size]
http = (b"POST http://files.example.net/big HTTP/1.1\r\n"
        b"Host: files.example.net\r\nContent-Type: text/plain\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body))
head = (b"REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: 127.0.0.1\r\n"
        b"X-Authenticated-User: ateacher\r\n"
        b"Encapsulated: req-hdr=0, req-body=%d\r\n\r\n" % len(http))

for _ in range(runs):
    s = socket.create_connection(("127.0.0.1", port))
    got = [0]

    def read():
        tail = b""
        while True:
            d = s.recv(1 << 20)
            if not d:
                break
            got[0] += len(d)
            tail = (tail + d)[-7:]
            if tail == b"\r\n0\r\n\r\n":
                break

    reader = threading.Thread(target=read)
    before = usage() if pid else None
    t0 = time.time()
    reader.start()
    s.sendall(head + http)
    for off in range(0, len(body), 65536):
        c = body[off:off + 65536]
        s.sendall(b"%x\r\n" % len(c) + c + b"\r\n")
    s.sendall(b"0\r\n\r\n")
    reader.join()
    secs = time.time() - t0
    s.close()
    cost = ""
    if pid:
        after = usage()
        cost = ", door: %.2f CPU s, %d page faults" % (
            after[0] - before[0], after[1] - before[1])
    print("%d MB in %.2f s: %.1f MB/s, %d bytes back%s" %
          (size // 1000000, secs, size / 1e6 / secs, got[0], cost))
