"""A file server on 127.0.0.1 that misbehaves on purpose, for download and streaming tests.

Faults per file name: `drop` (close the connection halfway through the first GET),
`503` (answer the first two GETs with 503), `norange` (ignore Range: always 200 with the
whole file), `corrupt` (flip one byte). Nothing here listens beyond loopback.
"""

from __future__ import annotations

import http.server
import socket
import threading
from pathlib import Path


class LoopbackServer:
    def __init__(self, root: Path):
        self.root = root
        self.faults: dict[str, set[str]] = {}
        self.requests: list[tuple[str, str, str | None]] = []  # (method, name, Range header)
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _serve(self, with_body: bool):
                name = self.path.lstrip("/")
                server.requests.append((self.command, name, self.headers.get("Range")))
                gets = server.gets(name)
                faults = server.faults.get(name, set())
                file = server.root / name
                if not file.is_file():
                    self.send_error(404)
                    return
                if with_body and "503" in faults and gets <= 2:
                    self.send_error(503)
                    return
                body = file.read_bytes()
                if "corrupt" in faults:
                    body = body[:10] + bytes([body[10] ^ 0xFF]) + body[11:]
                start = 0
                ranged = self.headers.get("Range")
                if ranged and "norange" not in faults:
                    start = int(ranged.split("=")[1].split("-")[0])
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                else:
                    self.send_response(200)
                self.send_header("Accept-Ranges", "none" if "norange" in faults else "bytes")
                self.send_header("Content-Length", str(len(body) - start))
                self.end_headers()
                if not with_body:
                    return
                payload = body[start:]
                if "drop" in faults and gets == 1:
                    self.wfile.write(payload[: len(payload) // 2])
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.wfile.write(payload)

            def do_HEAD(self):
                self._serve(with_body=False)

            def do_GET(self):
                self._serve(with_body=True)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def gets(self, name: str) -> int:
        return sum(1 for method, n, _ in self.requests if method == "GET" and n == name)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
