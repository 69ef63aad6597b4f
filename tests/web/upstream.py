#!/usr/bin/env python3
"""A small origin server for the web door's test, on loopback.

POST and PUT: reads the body (Content-Length or chunked), answers JSON with
its SHA-256 and length, and appends "METHOD PATH SHA256 BYTES" to LOG.
GET /download/N: N bytes of a fixed clean text. GET /program.exe: a small
Windows program (an MZ/PE head and clean bytes).

Resumable uploads, Google style: a POST with "X-Goog-Upload-Protocol:
resumable" and "X-Goog-Upload-Command: start" opens a session and answers
its address in X-Goog-Upload-URL; each POST or PUT to that address with
"X-Goog-Upload-Command: upload" (or "upload, finalize") and
X-Goog-Upload-Offset, or with "Content-Range: bytes A-B/TOTAL", is one
chunk: answered like any upload (its own SHA-256), with the session's
bytes so far in X-Goog-Upload-Size-Received and X-Goog-Upload-Status
"active" or "final". A chunk whose offset is not what the session has
received is still taken (a chunk refused on the way leaves a gap) and
logged with "gap". The log line of a chunk ends with its offset.

Usage: upstream.py PORT LOG [--tls CERT KEY]  (--tls: HTTPS, a PEM chain
and its key)
"""
import hashlib
import itertools
import json
import socket
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG = sys.argv[2]
LINE = b"The quick brown fox jumps over the lazy dog; homework is due Friday.\n"
SESSIONS = {}  # session id -> bytes received
NEXT_ID = itertools.count(1)
LOCK = threading.Lock()


def program():
    """A Windows program's head (DOS stub, PE signature, COFF header for
    x86-64, an optional header's magic) and clean filler."""
    dos = bytearray(64)
    dos[0:2] = b"MZ"
    dos[0x3C:0x40] = (64).to_bytes(4, "little")  # e_lfanew
    coff = (b"PE\0\0" + (0x8664).to_bytes(2, "little") + (1).to_bytes(2, "little")
            + bytes(12) + (240).to_bytes(2, "little") + (0x22).to_bytes(2, "little"))
    opt = (0x20B).to_bytes(2, "little") + bytes(238)
    body = bytes(dos) + coff + opt
    return body + LINE * ((8192 - len(body)) // len(LINE))


PROGRAM = program()


def read_body(rfile, headers):
    h = hashlib.sha256()
    n = 0
    if headers.get("Transfer-Encoding", "").lower() == "chunked":
        while True:
            size = int(rfile.readline().split(b";")[0].strip(), 16)
            if size == 0:
                while rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                break
            left = size
            while left:
                b = rfile.read(min(left, 1 << 20))
                if not b:
                    raise IOError("short chunk")
                h.update(b)
                n += len(b)
                left -= len(b)
            rfile.readline()
    else:
        left = int(headers.get("Content-Length", "0"))
        while left:
            b = rfile.read(min(left, 1 << 20))
            if not b:
                raise IOError("short body")
            h.update(b)
            n += len(b)
            left -= len(b)
    return h.hexdigest(), n


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        # Head and body go in two writes: without TCP_NODELAY the body waits
        # for Squid's delayed ACK (40 ms), which showed as slow RESPMODs.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def answer(self, status, obj, extra=()):
        out = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(out)

    def upload(self):
        digest, n = read_body(self.rfile, self.headers)
        command = self.headers.get("X-Goog-Upload-Command", "").lower()
        crange = self.headers.get("Content-Range", "")
        if (self.headers.get("X-Goog-Upload-Protocol", "").lower() == "resumable"
                and command == "start"):
            with LOCK:
                sid = str(next(NEXT_ID))
                SESSIONS[sid] = 0
            host = self.headers.get("Host", "localhost")
            scheme = "https" if TLS else "http"
            url = f"{scheme}://{host}/resumable/{sid}"
            with open(LOG, "a") as f:
                f.write(f"{self.command} {self.path} {digest} {n} start\n")
            return self.answer(200, {"session": sid}, [
                ("X-Goog-Upload-URL", url), ("X-Goog-Upload-Status", "active")])
        sid = self.path.split("?")[0].rsplit("/", 1)[-1]
        if self.path.startswith("/resumable/") and sid in SESSIONS:
            if crange.startswith("bytes ") and "-" in crange:
                offset = int(crange[6:].split("-")[0])
                final = crange.split("/")[-1] == str(int(crange.split("-")[1].split("/")[0]) + 1)
            else:
                offset = int(self.headers.get("X-Goog-Upload-Offset", "-1"))
                final = "finalize" in command
            with LOCK:
                gap = offset != SESSIONS[sid]
                SESSIONS[sid] = offset + n
                received = SESSIONS[sid]
            with open(LOG, "a") as f:
                f.write(f"{self.command} {self.path} {digest} {n} "
                        f"{'gap ' if gap else ''}offset={offset}\n")
            status = "final" if final else "active"
            return self.answer(200, {"sha256": digest, "bytes": n, "offset": offset,
                                     "received": received, "gap": gap}, [
                ("X-Goog-Upload-Status", status),
                ("X-Goog-Upload-Size-Received", str(received))])
        with open(LOG, "a") as f:
            f.write(f"{self.command} {self.path} {digest} {n}\n")
        self.answer(200, {"sha256": digest, "bytes": n})

    do_POST = upload
    do_PUT = upload

    def do_GET(self):
        parts = self.path.split("/")
        if self.path == "/program.exe":
            body, ctype = PROGRAM, "application/octet-stream"
        else:
            size = int(parts[2]) if len(parts) > 2 and parts[1] == "download" else 0
            body, ctype = (LINE * (size // len(LINE) + 1))[:size], "text/plain"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


TLS = len(sys.argv) > 3 and sys.argv[3] == "--tls"
server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
if TLS:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[4], sys.argv[5])
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
server.serve_forever()
