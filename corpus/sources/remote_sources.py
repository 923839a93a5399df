"""Remote sources named in a manifest, expanded into files to fetch.

Users name what they want — a Common Crawl crawl id, a Wikipedia dump date, git
repositories at a commit, files by URL — and `jacorpus fetch` turns that into verified
local files (or, with `--stream`, into URLs that ingest reads directly).
"""

from __future__ import annotations

import gzip
import random
import re
import subprocess
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from corpus.config import Strict
from corpus.sources.download import DownloadError, Policy, Target, fetch_all, fetch_one
from corpus.sources.safe_names import is_plain_name, plain_name_problem, url_file_name

# Remote git URLs we hand to `git fetch`: a network transport with a host that cannot read as
# an option. Local paths, `ext::` (runs a command) and other transports are refused; file://
# only when the operator asks (`jacorpus fetch --allow-file-urls`).
_GIT_NETWORK_URL = re.compile(r"(?:https|ssh|git)://(?:[^\s/@]+@)?[A-Za-z0-9\[][^\s]*"
                              r"|[A-Za-z0-9_][\w.-]*@[A-Za-z0-9][\w.-]*:[^\s-][^\s]*")
_FILE_URL = re.compile(r"file:///[^\s]+")
_COMMIT = re.compile(r"[0-9a-fA-F]{40}")
# protocols git may use for a manifest's URL; everything else (ext::, fd::, ...) is off
_GIT_PROTOCOLS = ("https", "ssh", "git")


def git_url_problem(url: str, allow_file_urls: bool = False) -> str | None:
    """Why `url` may not be fetched with git, or None."""
    if _GIT_NETWORK_URL.fullmatch(url):
        return None
    if _FILE_URL.fullmatch(url):
        return None if allow_file_urls else f"{url}: file:// URLs are fetched only with --allow-file-urls"
    return f"{url!r} is not a git URL jacorpus fetches (https://, ssh://, git:// or user@host:path)"


def is_local_url(url: str) -> bool:
    """A URL that reads this machine's files (file://, or a bare path fsspec would open)."""
    return url.startswith("file://") or "://" not in url


class CommonCrawl(Strict):
    crawl: str = Field(description="crawl id, e.g. CC-MAIN-2024-10")
    count: int | None = Field(None, ge=1, description="the first N WARC files of warc.paths.gz")
    index_range: tuple[int, int] | None = Field(None, description="[start, end) indices into warc.paths.gz")
    sample: int | None = Field(None, ge=1, description="N WARC files sampled uniformly (seeded)")
    seed: int = 0
    base_url: str = Field("https://data.commoncrawl.org/", description="or s3://commoncrawl/ on AWS")

    @field_validator("crawl")
    @classmethod
    def crawl_is_a_plain_name(cls, value: str) -> str:
        if problem := plain_name_problem(value):
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def one_selection(self) -> "CommonCrawl":
        if sum(x is not None for x in (self.count, self.index_range, self.sample)) != 1:
            raise ValueError("choose exactly one of count, index_range, sample")
        return self


class Wikipedia(Strict):
    wiki: str = Field("jawiki", pattern=r"^[a-z0-9_]+$", description="dump database name, e.g. jawiki")
    date: str = Field(pattern=r"^([0-9]{8}|latest)$", description="dump date, e.g. 20240301")
    files: list[str] = Field(default_factory=lambda: ["{wiki}-{date}-pages-articles-multistream.xml.bz2",
                                                      "{wiki}-{date}-pages-articles-multistream-index.txt.bz2"])
    checksums: str | None = Field("{wiki}-{date}-sha1sums.txt", description="published sha1 list; null to skip")
    base_url: str = "https://dumps.wikimedia.org/"

    def fill(self, pattern: str) -> str:
        """`{wiki}` and `{date}` filled in (plain replacement: no format-string attribute access)."""
        return pattern.replace("{wiki}", self.wiki).replace("{date}", self.date)

    @model_validator(mode="after")
    def file_names_are_plain(self) -> "Wikipedia":
        for pattern in [*self.files, *([self.checksums] if self.checksums else [])]:
            if problem := plain_name_problem(self.fill(pattern)):
                raise ValueError(f"files: {problem}")
        return self


class GitRepo(Strict):
    url: str = Field(description="https://, ssh://, git:// or user@host:path; file:// only with --allow-file-urls")
    commit: str = Field(description="full commit hash: the tree is pinned, not a moving branch")

    @field_validator("url")
    @classmethod
    def url_is_a_network_git_url(cls, value: str) -> str:
        if (problem := git_url_problem(value, allow_file_urls=True)):
            raise ValueError(problem)
        return value

    @field_validator("commit")
    @classmethod
    def commit_is_a_full_hash(cls, value: str) -> str:
        if not _COMMIT.fullmatch(value):
            raise ValueError("commit must be a full commit hash of 40 hex characters")
        return value.lower()


class RemoteFile(Strict):
    url: str
    sha256: str | None = None
    size: int | None = None

    @field_validator("url")
    @classmethod
    def url_names_a_plain_file(cls, value: str) -> str:
        if problem := plain_name_problem(url_file_name(value)):
            raise ValueError(f"the URL's file name {problem}")
        return value


class Remote(Strict):
    commoncrawl: CommonCrawl | None = None
    wikipedia: Wikipedia | None = None
    git: list[GitRepo] = Field(default_factory=list)
    files: list[RemoteFile] = Field(default_factory=list, description="any file by URL (e.g. HF parquet shards)")
    mode: Literal["download", "stream"] = "download"

    def local_urls(self) -> list[str]:
        """URLs that read this machine's own files: fetched only when the operator asks."""
        return [g.url for g in self.git if g.url.startswith("file://")] + [f.url for f in self.files if is_local_url(f.url)]


def _join(base: str, path: str) -> str:
    return base.rstrip("/") + "/" + path.lstrip("/")


def _file_in(dest: Path, url_or_name: str) -> Path:
    """`dest/<last segment>`, refusing a segment that is not a plain file name (a listing or a
    checksum file from a server is not trusted to name paths)."""
    name = url_file_name(url_or_name) if "://" in url_or_name else url_or_name
    if not is_plain_name(name):
        raise DownloadError(f"{url_or_name}: {plain_name_problem(name)}")
    return dest / name


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
    base = _join(spec.base_url, f"{spec.wiki}/{spec.date}/")
    sums: dict[str, str] = {}
    if spec.checksums:
        name = spec.fill(spec.checksums)
        listing = fetch_one(Target(base + name, _file_in(dest, name)), policy)
        for line in Path(listing.path).read_text().splitlines():
            parts = line.split()
            if len(parts) == 2:
                sums[parts[1]] = parts[0]
    targets = []
    for pattern in spec.files:
        name = spec.fill(pattern)
        if spec.checksums and name not in sums:
            raise DownloadError(f"{base + name}: not listed in the published checksums {spec.fill(spec.checksums)}")
        targets.append(Target(base + name, _file_in(dest, name), checksums={"sha1": sums[name]} if name in sums else {}))
    return targets


def _git(*args: str, allow_file_urls: bool) -> list[str]:
    """`git` with only the transports a manifest may use switched on (no ext::, no fd::)."""
    allowed = [*_GIT_PROTOCOLS, *(["file"] if allow_file_urls else [])]
    config = ["-c", "protocol.allow=never", *(x for p in allowed for x in ("-c", f"protocol.{p}.allow=always"))]
    return ["git", *config, *args]


def clone_at_commit(repo: GitRepo, dest: Path, timeout_s: int = 600, allow_file_urls: bool = False) -> Path:
    """A shallow-as-possible checkout pinned to one commit; verified by rev-parse.

    The URL and commit come from a manifest: both are checked again here (the model may be
    built without validation), git sees them after `--`, so neither can read as an option,
    and only the https/ssh/git transports (file with `allow_file_urls`) are enabled.
    """
    if problem := git_url_problem(repo.url, allow_file_urls):
        raise DownloadError(f"git: {problem}")
    if not _COMMIT.fullmatch(repo.commit or ""):
        raise DownloadError(f"git: {repo.url}: commit {repo.commit!r} is not a full 40 hex character hash")
    name = url_file_name(repo.url.rstrip("/")).removesuffix(".git")
    target = dest / f"{name if is_plain_name(name) else 'repo'}@{repo.commit[:12]}"
    if (target / ".git").is_dir():
        head = subprocess.run(["git", "-C", str(target), "rev-parse", "HEAD"], capture_output=True, text=True)
        if head.stdout.strip() == repo.commit:
            return target
    env = {"GIT_TERMINAL_PROMPT": "0", "PATH": "/usr/bin:/bin:/usr/local/bin", "GIT_CONFIG_NOSYSTEM": "1"}
    try:
        subprocess.run(["git", "init", "-q", "--", str(target)], check=True, capture_output=True, env=env)
        subprocess.run(_git("-C", str(target), "fetch", "-q", "--depth", "1", "--", repo.url, repo.commit,
                            allow_file_urls=allow_file_urls),
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


def acquire(name: str, remote: Remote, out_dir: Path, policy: Policy,
            allow_file_urls: bool = False) -> tuple[list[str], list[dict]]:
    """Fetch (or, in stream mode, list) a source's files. Returns the paths/URLs to ingest and records.

    Everything lands in `out_dir/<name>/<plain file name>`: a name that would climb out is an error.
    """
    if not is_plain_name(name):
        raise DownloadError(f"source name {plain_name_problem(name)}")
    if not allow_file_urls and (local := remote.local_urls()):
        raise DownloadError(f"{local[0]}: local files are fetched only with --allow-file-urls")
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
            targets.extend(Target(u, _file_in(dest, u)) for u in urls)
    if remote.wikipedia:
        targets.extend(wikipedia_targets(remote.wikipedia, dest, policy))
    targets.extend(Target(f.url, _file_in(dest, f.url), size=f.size,
                          checksums={"sha256": f.sha256} if f.sha256 else {}) for f in remote.files)
    for fetched in fetch_all(targets, policy):
        paths.append(fetched.path)
        records.append({k: v for k, v in fetched.__dict__.items()})
    for repo in remote.git:
        checkout = clone_at_commit(repo, dest, allow_file_urls=allow_file_urls)
        paths.append(str(checkout))
        records.append({"url": repo.url, "commit": repo.commit, "path": str(checkout)})
    return paths, records
