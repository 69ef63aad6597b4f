#!/usr/bin/env python3
"""What the mail door holds in memory under hostile MTA traffic.

  bench/mail_memory.py BUILD [MAX_HELD_MB]

Starts `BUILD/steward milter` on a unix socket in a temporary directory
with the bundled pack and --max-held-mb MAX_HELD_MB (default 128), then
measures the door's resident memory (VmRSS, and its peak VmHWM) from /proc:

  1. rounds of 20 connections, each sending a 10 MiB message that never
     ends, closed after half a second; then 2 s and 12 s of quiet;
  2. one message with 24 header fields To: of 50,000 addresses (23.7 MB);
  3. one message with 1,040 recipients of 2 KiB (2 MiB of addresses), and
     one with 10,000 ordinary ones.

Prints one line per step. Nothing here is timed against a target: it is
the record behind docs/performance.md and docs/mail.md.
"""
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def packet(command, data=b""):
    return struct.pack(">I", len(data) + 1) + command + data


def strings(*parts):
    return b"".join(p.encode() + b"\0" for p in parts)


def memory(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(("VmRSS", "VmHWM")):
                out[line.split(":")[0]] = int(line.split()[1]) // 1024
    return out


class Mta:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.connect(path)
        self.s.sendall(packet(b"O", struct.pack(">III", 6, 0x1FF, 0x1FFFFF)))
        self.read()

    def read(self):
        def exactly(n):
            b = b""
            while len(b) < n:
                x = self.s.recv(n - len(b))
                if not x:
                    return None
                b += x
            return b

        head = exactly(4)
        if head is None:
            return None
        return exactly(struct.unpack(">I", head)[0])

    def answer(self):
        while True:
            r = self.read()
            if r is None or r[:1] in b"acdrty":
                return r

    def close(self):
        self.s.close()


def envelope(recipients):
    out = packet(b"C", strings("client.example.org") + b"4\x00\x19" +
                 strings("10.0.0.7"))
    out += packet(b"M", strings("<teacher@example-usd.org>"))
    for r in recipients:
        out += packet(b"R", strings("<%s>" % r))
    return out


def main():
    build = sys.argv[1]
    budget = int(sys.argv[2]) if len(sys.argv) > 2 else 128
    work = tempfile.mkdtemp(prefix="steward-mail-memory-")
    sock = os.path.join(work, "door.sock")
    door = subprocess.Popen(
        [os.path.join(build, "steward"), "milter", "--data",
         os.path.join(work, "data"), "--listen", "unix:" + sock,
         "--socket-mode", "0600", "--policy", os.path.join(SRC, "policy"),
         "--cache", os.path.join(work, "cache"), "--max-held-mb", str(budget),
         "--quiet"],
        stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "log"), "w"))
    try:
        for _ in range(300):
            if os.path.exists(sock):
                break
            time.sleep(0.1)
        print("budget %d MiB; at start %s" % (budget, memory(door.pid)))
        chunk = packet(b"B", b"x" * 65000)
        for r in range(6):
            mtas = []
            for _ in range(20):
                m = Mta(sock)
                try:
                    m.s.sendall(envelope(["b@gmail.com"]) + packet(b"N") +
                                chunk * 160)
                except OSError:
                    pass  # closed for the budget
                mtas.append(m)
            time.sleep(0.5)
            print("round %d of 20 unfinished 10 MiB messages: %s" %
                  (r, memory(door.pid)))
            for m in mtas:
                m.close()
            time.sleep(0.5)
        time.sleep(2)
        print("2 s later: %s" % memory(door.pid))
        time.sleep(10)
        print("12 s later: %s" % memory(door.pid))

        addrs = ", ".join("u%d@example.com" % i for i in range(50000))
        m = Mta(sock)
        start = time.time()
        m.s.sendall(envelope(["parent@gmail.com"]) +
                    b"".join(packet(b"L", strings("To", addrs))
                             for _ in range(24)) +
                    packet(b"N") + packet(b"B", b"Hello.\r\n") + packet(b"E"))
        a = m.answer()
        print("24 To: fields of 50,000 addresses: answer %r in %.2f s; %s" %
              (a[:1], time.time() - start, memory(door.pid)))
        m.close()
        for count, length in ((1040, 2000), (10000, 30)):
            m = Mta(sock)
            start = time.time()
            rcpts = ["r%d%s@gmai1.com" % (i, "x" * length) for i in range(count)]
            m.s.sendall(envelope(rcpts) + packet(b"L", strings("Subject", "x")) +
                        packet(b"N") + packet(b"B", b"Hello.\r\n") + packet(b"E"))
            a = m.answer()
            print("%d recipients of %d bytes: answer %r in %.2f s; %s" %
                  (count, length + 14, a[:1], time.time() - start,
                   memory(door.pid)))
            m.close()
    finally:
        door.terminate()
        door.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
