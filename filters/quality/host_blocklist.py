"""Host block list (Swallow filters pages by host name): drop pages of listed hosts and their subdomains.

Decided on the URL, not the text, so it runs first and costs one set lookup per
label of the host name.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from datatrove.data import Document

from filters.quality.analysis import TextAnalysis
from filters.quality.keywords import read_list
from filters.quality.options import LISTS_DIR, HostBlocklistOptions
from filters.quality.rules import Check, QualityRuleFilter, _figures_of


def host_of(url: str | None) -> str:
    if not url:
        return ""
    try:
        host = urlsplit(url if "//" in url else "//" + url).hostname or ""
    except ValueError:
        return ""
    return host.lower().rstrip(".")


class HostBlocklistFilter(QualityRuleFilter):
    name = "⛔ host block list"
    family = "host_blocklist"

    def __init__(self, options: HostBlocklistOptions | None = None, sources=("web",), exclusion_writer=None):
        super().__init__(options or HostBlocklistOptions(), sources, exclusion_writer)

    def build_checks(self, o: HostBlocklistOptions) -> list[Check]:
        path = o.path or LISTS_DIR / "hosts.txt"
        self.blocked = {h.lower().rstrip(".") for h in [*read_list(path), *o.hosts]}
        # the figure is 1.0 for a blocked host: the report shows how many pages each block removed
        return [Check("blocked_host", "blocked_host", _never_measured, 0.5, "above")]

    def is_blocked(self, url: str | None) -> bool:
        labels = host_of(url).split(".")
        return any(".".join(labels[i:]) in self.blocked for i in range(len(labels)) if labels[i:] != [""])

    def measure(self, doc: Document) -> None:
        _figures_of(doc)["blocked_host"] = float(self.is_blocked(doc.metadata.get("url")))

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        if not self.applies_to(doc):
            return True
        self.measure(doc)
        return (False, "blocked_host") if doc.metadata["figures"]["blocked_host"] else True


def _never_measured(_: TextAnalysis) -> float:  # pragma: no cover - the host rule reads the URL, not the text
    raise RuntimeError("the host block list is measured from the URL")
