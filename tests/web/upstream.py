#!/usr/bin/env python3
"""A small origin server for the web door's test, on loopback.

POST and PUT: reads the body (Content-Length or chunked), answers JSON with
its SHA-256 and length, and appends "METHOD PATH SHA256 BYTES" to LOG.
GET /download/N: N bytes of a fixed clean text. Usage: upstream.py PORT LOG
"""
import hashlib
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG = sys.argv[2]
LINE = b"The quick brown fox jumps over the lazy dog; homework is due Friday.\n"


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

    def upload(self):
        digest, n = read_body(self.rfile, self.headers)
        with open(LOG, "a") as f:
            f.write(f"{self.command} {self.path} {digest} {n}\n")
        out = json.dumps({"sha256": digest, "bytes": n}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_POST = upload
    do_PUT = upload

    def do_GET(self):
        parts = self.path.split("/")
        size = int(parts[2]) if len(parts) > 2 and parts[1] == "download" else 0
        body = (LINE * (size // len(LINE) + 1))[:size]
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
