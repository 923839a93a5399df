"""Downloads that survive the network: resume, retry, verify, rename when whole.

Common Crawl and Wikimedia serve multi-GB files over HTTP; a dropped connection at 90%
must cost 10%, a 503 must cost a wait, and a corrupted file must never be mistaken for a
good one. Each file is fetched into `<dest>.part` with HTTP range requests, verified
(size, then checksum when one is published), and renamed to `<dest>` only then. A
verified file already present is skipped while it is provably the file that was verified:
same size, mtime and ctime as recorded in its `.verified.json` (ctime cannot be set back by
`touch`), recorded at least a clock tick after the file's last change; otherwise, or with
`verify`, it is hashed again and fetched again when its bytes changed. `s3://` and other fsspec URLs are copied with
fsspec (the `s3fs` package for S3).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests

CHUNK = 1 << 16


class DownloadError(RuntimeError):
    """A file that could not be fetched whole and verified; the message names the URL."""


@dataclass
class Target:
    url: str
    dest: Path
    size: int | None = None
    checksums: dict[str, str] = field(default_factory=dict)  # algorithm -> hex digest (sha256, sha1, md5)


@dataclass
class Fetched:
    url: str
    path: str
    bytes: int
    sha256: str
    seconds: float
    skipped: bool = False
    attempts: int = 1


@dataclass
class Policy:
    retries: int = 5
    backoff_s: float = 1.0               # doubles each retry
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 60.0
    concurrency: int = 4
    bandwidth_bytes_per_s: float | None = None  # shared by all concurrent downloads
    verify: bool = False                 # rehash files already verified, whatever their size and times say


class RateLimiter:
    """A token bucket shared by threads, so `bandwidth_bytes_per_s` caps the total."""

    def __init__(self, rate: float | None):
        self.rate = rate
        self.lock = threading.Lock()
        self.allowance = rate or 0.0
        self.last = time.monotonic()

    def take(self, n: int) -> None:
        if not self.rate:
            return
        with self.lock:
            now = time.monotonic()
            self.allowance = min(self.rate, self.allowance + (now - self.last) * self.rate)
            self.last = now
            self.allowance -= n
            wait = -self.allowance / self.rate if self.allowance < 0 else 0.0
        if wait > 0:
            time.sleep(wait)


def _digests(path: Path, algorithms: set[str]) -> dict[str, str]:
    hashers = {a: hashlib.new(a) for a in algorithms | {"sha256"}}
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            for h in hashers.values():
                h.update(block)
    return {a: h.hexdigest() for a, h in hashers.items()}


def _verify(target: Target, path: Path) -> str:
    """Returns the sha256; raises DownloadError on a size or checksum mismatch."""
    size = path.stat().st_size
    if target.size is not None and size != target.size:
        raise DownloadError(f"{target.url}: size mismatch: expected {target.size} bytes, got {size}")
    digests = _digests(path, set(target.checksums))
    for algorithm, expected in target.checksums.items():
        if digests[algorithm].lower() != expected.lower():
            raise DownloadError(f"{target.url}: {algorithm} mismatch: expected {expected}, got {digests[algorithm]}")
    return digests["sha256"]


def _sidecar(dest: Path) -> Path:
    return dest.with_name(dest.name + ".verified.json")


# A file changed within one tick of the kernel's coarse clock after it was verified keeps
# its recorded mtime: such a record is "racy" (git's word) and only a hash can tell.
RACY_NS = 1_000_000_000


def _write_sidecar(target: Target, sha256: str) -> None:
    stat = target.dest.stat()
    _sidecar(target.dest).write_text(json.dumps({
        "url": target.url, "bytes": stat.st_size, "sha256": sha256, "checksums": target.checksums,
        "mtime_ns": stat.st_mtime_ns, "ctime_ns": stat.st_ctime_ns, "checked_ns": time.time_ns()}))


def _already_verified(target: Target, verify: bool = False) -> Fetched | None:
    """The record of a verified file, when the file on disk is still that file."""
    side = _sidecar(target.dest)
    if not (target.dest.is_file() and side.is_file()):
        return None
    try:
        record = json.loads(side.read_text())
    except ValueError:
        return None
    stat = target.dest.stat()
    if record.get("bytes") != stat.st_size or (target.size is not None and stat.st_size != target.size):
        return None
    if any(record.get("checksums", {}).get(a, "").lower() != v.lower() for a, v in target.checksums.items()):
        return None
    unchanged = (record.get("mtime_ns") == stat.st_mtime_ns and record.get("ctime_ns") == stat.st_ctime_ns
                 and record.get("checked_ns", 0) - stat.st_mtime_ns > RACY_NS)
    if verify or not unchanged:
        digests = _digests(target.dest, set(target.checksums))
        if digests["sha256"] != record.get("sha256") or any(
                digests[a].lower() != v.lower() for a, v in target.checksums.items()):
            return None  # other bytes than the ones verified: fetch again
        _write_sidecar(target, digests["sha256"])
    return Fetched(url=target.url, path=str(target.dest), bytes=record["bytes"], sha256=record["sha256"],
                   seconds=0.0, skipped=True, attempts=0)


def _http_attempt(target: Target, part: Path, policy: Policy, limiter: RateLimiter, session: requests.Session) -> None:
    """One request: continue `part` from its current size when the server honours ranges."""
    have = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={have}-"} if have else {}
    with session.get(target.url, headers=headers, stream=True,
                     timeout=(policy.connect_timeout_s, policy.read_timeout_s)) as response:
        if response.status_code == 416 and have:  # we already have everything
            return
        if response.status_code >= 500 or response.status_code == 429:
            raise ConnectionError(f"HTTP {response.status_code}")
        if response.status_code >= 400:
            raise DownloadError(f"{target.url}: HTTP {response.status_code}")
        if have and response.status_code == 206:
            mode = "ab"
        else:  # 200: the server ignored the range (or we start fresh): write from the beginning
            mode, have = "wb", 0
        total = response.headers.get("Content-Range", "").rpartition("/")[2]
        if target.size is None and total.isdigit():
            target.size = int(total)
        elif target.size is None and response.status_code == 200 and response.headers.get("Content-Length", "").isdigit():
            target.size = int(response.headers["Content-Length"])
        with open(part, mode) as f:
            for block in response.iter_content(CHUNK):
                limiter.take(len(block))
                f.write(block)
    if target.size is not None and part.stat().st_size < target.size:
        raise ConnectionError(f"connection closed at {part.stat().st_size}/{target.size} bytes")


def _fsspec_copy(target: Target, part: Path, policy: Policy, limiter: RateLimiter) -> None:
    import fsspec

    with fsspec.open(target.url, "rb") as src, open(part, "wb") as dst:
        while block := src.read(CHUNK):
            limiter.take(len(block))
            dst.write(block)


def fetch_one(target: Target, policy: Policy | None = None, limiter: RateLimiter | None = None,
              session: requests.Session | None = None) -> Fetched:
    policy = policy or Policy()
    limiter = limiter or RateLimiter(policy.bandwidth_bytes_per_s)
    done = _already_verified(target, policy.verify)
    if done:
        return done
    target.dest.parent.mkdir(parents=True, exist_ok=True)
    part = target.dest.with_name(target.dest.name + ".part")
    started = time.monotonic()
    is_http = target.url.startswith(("http://", "https://"))
    session = session or requests.Session()
    for attempt in range(1, policy.retries + 2):
        try:
            if is_http:
                _http_attempt(target, part, policy, limiter, session)
            else:
                _fsspec_copy(target, part, policy, limiter)
            break
        except DownloadError:
            raise
        except (ConnectionError, requests.RequestException, OSError) as err:
            if attempt > policy.retries:
                raise DownloadError(f"{target.url}: failed after {attempt} attempts: {err}") from None
            time.sleep(policy.backoff_s * 2 ** (attempt - 1))
    try:
        sha256 = _verify(target, part)
    except DownloadError:
        part.unlink(missing_ok=True)  # a corrupt file is never kept, not even as .part
        raise
    part.replace(target.dest)
    size = target.dest.stat().st_size
    _write_sidecar(target, sha256)
    return Fetched(url=target.url, path=str(target.dest), bytes=size, sha256=sha256,
                   seconds=round(time.monotonic() - started, 3), attempts=attempt)


def fetch_all(targets: list[Target], policy: Policy | None = None) -> list[Fetched]:
    """Fetch concurrently; every failure is collected and raised together, after the others finish."""
    policy = policy or Policy()
    limiter = RateLimiter(policy.bandwidth_bytes_per_s)
    results: list[Fetched] = []
    errors: list[str] = []
    with ThreadPoolExecutor(max_workers=max(1, policy.concurrency)) as pool:
        futures = [pool.submit(fetch_one, t, policy, limiter) for t in targets]
        for future in futures:
            try:
                results.append(future.result())
            except DownloadError as err:
                errors.append(str(err))
    if errors:
        raise DownloadError("; ".join(errors))
    return results
