"""A URL/host block list: drop pages from hosts or URL patterns a team has decided against.

Corpora keep such lists (adult, spam, piracy or opted-out sites: FineWeb uses the UT1
blocklist, Swallow a hand-made list of spam hosts), so the stage takes a plain text file
and ships none: the default is an empty list, and choosing one is a policy decision for the
user. One entry per line, `#` starts a comment:

    example.com            the host and all its subdomains
    *.example.net/ads/*    a shell-style pattern over the whole URL (scheme included)
    re:^https?://[^/]*\\.xxx/   a regular expression over the whole URL
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path
from urllib.parse import urlsplit

from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import BaseFilter


class UrlBlocklist:
    """Parsed block list: exact hosts (suffix match on labels) plus URL patterns."""

    def __init__(self, entries: list[str] | None = None):
        self.hosts: set[str] = set()
        patterns: list[str] = []
        for raw in entries or []:
            entry = raw.split("#", 1)[0].strip()
            if not entry:
                continue
            if entry.startswith("re:"):
                patterns.append(entry[3:])
            elif any(c in entry for c in "*?[/:"):
                patterns.append(fnmatch.translate(entry))
            else:
                self.hosts.add(entry.lower().lstrip(".").rstrip("."))
        self.n_patterns = len(patterns)
        self.pattern = re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE) if patterns else None

    @classmethod
    def from_file(cls, path: str | Path) -> UrlBlocklist:
        return cls(Path(path).read_text(encoding="utf-8").splitlines())

    def __len__(self) -> int:
        return len(self.hosts) + self.n_patterns

    def match(self, url: str | None) -> str | None:
        """The host or pattern that blocks `url`, or None."""
        if not url:
            return None
        if self.hosts:
            host = (urlsplit(url).hostname or "").lower().rstrip(".")
            labels = host.split(".")
            for i in range(len(labels)):
                suffix = ".".join(labels[i:])
                if suffix in self.hosts:
                    return suffix
        if self.pattern is not None:
            m = self.pattern.search(url)
            if m:
                return m.group(0)[:200] or "pattern"
        return None


class UrlBlocklistFilter(BaseFilter):
    """Drops pages whose URL is on the block list (`url_blocked`); an empty list keeps all."""

    name = "⛔ URL block list"

    def __init__(self, blocklist_file: str | None = None, entries: list[str] | None = None, exclusion_writer=None):
        super().__init__(exclusion_writer)
        self.blocklist = UrlBlocklist.from_file(blocklist_file) if blocklist_file else UrlBlocklist(entries)

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        hit = self.blocklist.match(doc.metadata.get("url"))
        if hit is None:
            return True
        doc.metadata["blocked_by"] = hit
        return False, "url_blocked"
