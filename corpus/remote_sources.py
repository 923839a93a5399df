"""Remote sources named in a manifest, expanded into files to fetch.

Users name what they want — a Common Crawl crawl id, a Wikipedia dump date, git
repositories at a commit, files by URL — and `jacorpus fetch` turns that into verified
local files (or, with `--stream`, into URLs that ingest reads directly).
"""

from __future__ import annotations

import gzip
import random
import subprocess
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from corpus.config import Strict
from corpus.download import DownloadError, Policy, Target, fetch_all, fetch_one


class CommonCrawl(Strict):
    crawl: str = Field(description="crawl id, e.g. CC-MAIN-2024-10")
    count: int | None = Field(None, ge=1, description="the first N WARC files of warc.paths.gz")
    index_range: tuple[int, int] | None = Field(None, description="[start, end) indices into warc.paths.gz")
    sample: int | None = Field(None, ge=1, description="N WARC files sampled uniformly (seeded)")
    seed: int = 0
    base_url: str = Field("https://data.commoncrawl.org/", description="or s3://commoncrawl/ on AWS")

    @model_validator(mode="after")
    def one_selection(self) -> "CommonCrawl":
        if sum(x is not None for x in (self.count, self.index_range, self.sample)) != 1:
            raise ValueError("choose exactly one of count, index_range, sample")
        return self


class Wikipedia(Strict):
    wiki: str = "jawiki"
    date: str = Field(description="dump date, e.g. 20240301")
    files: list[str] = Field(default_factory=lambda: ["{wiki}-{date}-pages-articles-multistream.xml.bz2",
                                                      "{wiki}-{date}-pages-articles-multistream-index.txt.bz2"])
    checksums: str | None = Field("{wiki}-{date}-sha1sums.txt", description="published sha1 list; null to skip")
    base_url: str = "https://dumps.wikimedia.org/"


class GitRepo(Strict):
    url: str
    commit: str = Field(description="full commit hash: the tree is pinned, not a moving branch")


class RemoteFile(Strict):
    url: str
    sha256: str | None = None
    size: int | None = None


class Remote(Strict):
    commoncrawl: CommonCrawl | None = None
    wikipedia: Wikipedia | None = None
    git: list[GitRepo] = Field(default_factory=list)
    files: list[RemoteFile] = Field(default_factory=list, description="any file by URL (e.g. HF parquet shards)")
    mode: Literal["download", "stream"] = "download"


def _join(base: str, path: str) -> str:
    return base.rstrip("/") + "/" + path.lstrip("/")


def commoncrawl_urls(spec: CommonCrawl, work: Path, policy: Policy) -> list[str]:
    listing = fetch_one(Target(_join(spec.base_url, f"crawl-data/{spec.crawl}/warc.paths.gz"),
                               work / "warc.paths.gz"), policy)
    with gzip.open(listing.path, "rt") as f:
        paths = [line.strip() for line in f if line.strip()]
    if spec.count is not None:
        chosen = paths[: spec.count]
    elif spec.index_range is not None:
        chosen = paths[spec.index_range[0]: spec.index_range[1]]
    else:
        chosen = sorted(random.Random(spec.seed).sample(paths, min(spec.sample, len(paths))))
    return [_join(spec.base_url, p) for p in chosen]


def wikipedia_targets(spec: Wikipedia, dest: Path, policy: Policy) -> list[Target]:
    fill = {"wiki": spec.wiki, "date": spec.date}
    base = _join(spec.base_url, f"{spec.wiki}/{spec.date}/")
    sums: dict[str, str] = {}
    if spec.checksums:
        name = spec.checksums.format(**fill)
        listing = fetch_one(Target(base + name, dest / name), policy)
        for line in Path(listing.path).read_text().splitlines():
            parts = line.split()
            if len(parts) == 2:
                sums[parts[1]] = parts[0]
    targets = []
    for pattern in spec.files:
        name = pattern.format(**fill)
        if spec.checksums and name not in sums:
            raise DownloadError(f"{base + name}: not listed in the published checksums {spec.checksums.format(**fill)}")
        targets.append(Target(base + name, dest / name, checksums={"sha1": sums[name]} if name in sums else {}))
    return targets


def clone_at_commit(repo: GitRepo, dest: Path, timeout_s: int = 600) -> Path:
    """A shallow-as-possible checkout pinned to one commit; verified by rev-parse."""
    name = repo.url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")
    target = dest / f"{name}@{repo.commit[:12]}"
    if (target / ".git").is_dir():
        head = subprocess.run(["git", "-C", str(target), "rev-parse", "HEAD"], capture_output=True, text=True)
        if head.stdout.strip() == repo.commit:
            return target
    env = {"GIT_TERMINAL_PROMPT": "0", "PATH": "/usr/bin:/bin:/usr/local/bin"}
    try:
        subprocess.run(["git", "init", "-q", str(target)], check=True, capture_output=True, env=env)
        subprocess.run(["git", "-C", str(target), "fetch", "-q", "--depth", "1", repo.url, repo.commit],
                       check=True, capture_output=True, timeout=timeout_s, env=env)
        subprocess.run(["git", "-C", str(target), "checkout", "-q", "FETCH_HEAD"], check=True, capture_output=True, env=env)
    except subprocess.CalledProcessError as err:
        raise DownloadError(f"{repo.url}@{repo.commit}: git failed: {err.stderr.decode(errors='replace').strip()}") from None
    except subprocess.TimeoutExpired:
        raise DownloadError(f"{repo.url}: git timed out after {timeout_s}s") from None
    head = subprocess.run(["git", "-C", str(target), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    if head != repo.commit:
        raise DownloadError(f"{repo.url}: checked out {head}, expected {repo.commit}")
    return target


def acquire(name: str, remote: Remote, out_dir: Path, policy: Policy) -> tuple[list[str], list[dict]]:
    """Fetch (or, in stream mode, list) a source's files. Returns the paths/URLs to ingest and records."""
    dest = out_dir / name
    records: list[dict] = []
    paths: list[str] = []
    targets: list[Target] = []
    if remote.commoncrawl:
        urls = commoncrawl_urls(remote.commoncrawl, dest, policy)
        if remote.mode == "stream":
            paths.extend(urls)
            records.extend({"url": u, "streamed": True} for u in urls)
        else:
            targets.extend(Target(u, dest / u.rsplit("/", 1)[-1]) for u in urls)
    if remote.wikipedia:
        targets.extend(wikipedia_targets(remote.wikipedia, dest, policy))
    targets.extend(Target(f.url, dest / f.url.rsplit("/", 1)[-1], size=f.size,
                          checksums={"sha256": f.sha256} if f.sha256 else {}) for f in remote.files)
    for fetched in fetch_all(targets, policy):
        paths.append(fetched.path)
        records.append({k: v for k, v in fetched.__dict__.items()})
    for repo in remote.git:
        checkout = clone_at_commit(repo, dest)
        paths.append(str(checkout))
        records.append({"url": repo.url, "commit": repo.commit, "path": str(checkout)})
    return paths, records
