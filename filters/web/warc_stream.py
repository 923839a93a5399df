"""Reading a WARC from a URL without keeping it on disk (`jacorpus fetch --stream`).

`jacorpus fetch --stream` writes source manifests whose web paths are URLs. Besides
reading forward, the WARC reader needs two things from its input: the first bytes (to
tell a WARC from anything else) and, after a corrupt gzip member, the bytes since the
last good record (to find the next member). A local file simply seeks. A remote file is
read forward once, and `RewindableStream` keeps the last `window` bytes it read, so the
reader can step back that far; nothing is written to disk.

- `http://`, `https://`: one streamed GET (requests, with connect and read timeouts), so
  a server that ignores Range requests is read as well as one that honours them. If the
  connection drops, reading resumes at the same byte with `Range: bytes=N-` when the
  server answers 206; otherwise the file ends there with `RemoteReadError`: the records
  already read are kept and the file is counted as unreadable, never a crash.
- any other URL (`s3://`, `gs://`, ...): `corpus.readers.path_list.open_input` (fsspec; `s3fs`
  for S3), read forward in the same way.
"""

from __future__ import annotations

import io
import time

# bytes asked of the network per read: large enough that one GET streams efficiently
_CHUNK = 1 << 20


class RemoteReadError(RuntimeError):
    """A remote WARC that could not be read on (HTTP error, connection lost for good).

    Not an OSError on purpose: the WARC reader takes OSError from the parser for a corrupt
    block and resynchronises, while a lost stream has nothing left to resynchronise on."""


def is_url(path: str) -> bool:
    return "://" in path and not path.startswith("file://")


class HttpStream(io.RawIOBase):
    """The body of one HTTP(S) GET, read forward; resumes with a Range request after a drop."""

    def __init__(self, url: str, connect_timeout_s: float = 10.0, read_timeout_s: float = 60.0,
                 resumes: int = 3, backoff_s: float = 1.0):
        super().__init__()
        self.url = url
        self.timeout = (connect_timeout_s, read_timeout_s)  # a stalled server fails the read, never hangs the task
        self.resumes_left = resumes
        self.backoff_s = backoff_s
        self.position = 0
        self.response = None
        self._connect()

    def _connect(self) -> None:
        import requests

        # identity: the bytes as stored, so a .warc.gz arrives as its gzip members
        headers = {"Accept-Encoding": "identity"}
        if self.position:
            headers["Range"] = f"bytes={self.position}-"
        try:
            response = requests.get(self.url, stream=True, timeout=self.timeout, headers=headers)
        except requests.RequestException as err:
            raise RemoteReadError(f"cannot reach {self.url}: {err}") from err
        if response.status_code >= 400:
            response.close()
            raise RemoteReadError(f"{self.url}: HTTP {response.status_code}")
        if self.position and response.status_code != 206:
            response.close()
            raise RemoteReadError(
                f"{self.url}: connection lost at byte {self.position} and the server does not resume (no Range support)"
            )
        self.response = response

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        import requests
        import urllib3

        while True:
            try:
                data = self.response.raw.read(None if size is None or size < 0 else size, decode_content=False)
                self.position += len(data)
                return data
            except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as err:
                self.response.close()
                if self.resumes_left <= 0:
                    raise RemoteReadError(f"{self.url}: reading stopped at byte {self.position}: {err}") from err
                self.resumes_left -= 1
                time.sleep(self.backoff_s)
                self.backoff_s *= 2
                self._connect()

    def close(self) -> None:
        if self.response is not None:
            self.response.close()
        super().close()


class RewindableStream(io.RawIOBase):
    """A forward-only stream that can seek back at least `window` bytes behind its position.

    `tell()` is the offset in the underlying stream, so record positions reported by
    FastWARC are file offsets, as for a local file; `earliest` is the first offset still
    held. Seeking forward reads and discards."""

    def __init__(self, raw, window: int):
        super().__init__()
        self.raw = raw
        self.window = window
        self.buffer = bytearray()
        self.earliest = 0  # offset of buffer[0]
        self.position = 0
        self.eof = False

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_CUR:
            offset += self.position
        elif whence != io.SEEK_SET:
            raise io.UnsupportedOperation("a streamed WARC cannot seek from its end")
        if offset < self.earliest:
            raise io.UnsupportedOperation(f"offset {offset} is before the kept window (from {self.earliest})")
        self.position = offset
        return offset

    def _fill(self, end: int) -> None:
        """Buffer the stream up to offset `end` (or its end); keep `window` to `2 * window`
        bytes behind the position (trimmed once per `window` bytes read: amortised memmove)."""
        while self.earliest + len(self.buffer) < end and not self.eof:
            chunk = self.raw.read(max(_CHUNK, end - self.earliest - len(self.buffer)))
            if not chunk:
                self.eof = True
            self.buffer += chunk
        behind = self.position - self.earliest
        if behind > 2 * self.window:
            drop = behind - self.window
            del self.buffer[:drop]
            self.earliest += drop

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            parts = []
            while chunk := self.read(_CHUNK):
                parts.append(chunk)
            return b"".join(parts)
        self._fill(self.position + size)
        start = self.position - self.earliest
        with memoryview(self.buffer) as view:
            data = bytes(view[start:start + size])
        self.position += len(data)
        return data

    def close(self) -> None:
        self.raw.close()
        super().close()


def open_stream(path: str, window: int) -> RewindableStream:
    """A remote WARC as a `RewindableStream` (see the module docstring for the schemes)."""
    if path.startswith(("http://", "https://")):
        raw = HttpStream(path)
    else:
        from corpus.readers.path_list import open_input

        raw = open_input(path)
    return RewindableStream(raw, window)
