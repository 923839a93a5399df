"""The URL/host block list: hosts with subdomains, shell patterns, regexes; empty keeps all."""

from __future__ import annotations

from datatrove.data import Document

from filters.web.url_blocklist import UrlBlocklist, UrlBlocklistFilter


def page(url: str | None) -> Document:
    return Document(text="<p>本文</p>", id="web/x", metadata={"url": url})


def test_host_entry_blocks_the_host_and_its_subdomains_only():
    blocklist = UrlBlocklist(["spam.example.jp  # known spam farm"])
    assert blocklist.match("http://spam.example.jp/a") == "spam.example.jp"
    assert blocklist.match("https://www.SPAM.example.jp./b") == "spam.example.jp"
    assert blocklist.match("https://notspam.example.jp/") is None


def test_shell_pattern_and_regex_match_the_whole_url():
    blocklist = UrlBlocklist(["*://*.example.net/ads/*", r"re:^https?://[^/]*\.xxx/"])
    assert blocklist.match("https://www.example.net/ads/1.html")
    assert blocklist.match("http://site.xxx/page")
    assert blocklist.match("https://www.example.net/news/1.html") is None
    assert len(blocklist) == 2


def test_filter_drops_blocked_urls_with_reason_and_keeps_others(tmp_path):
    listing = tmp_path / "blocked.txt"
    listing.write_text("# hosts\nbad.example.jp\n\n", encoding="utf-8")
    step = UrlBlocklistFilter(str(listing))
    blocked = page("https://bad.example.jp/x")
    assert step.filter(blocked) == (False, "url_blocked") and blocked.metadata["blocked_by"] == "bad.example.jp"
    assert step.filter(page("https://good.example.jp/")) is True


def test_empty_default_list_keeps_everything_including_pages_without_url():
    step = UrlBlocklistFilter()
    assert step.filter(page("https://anything.example/")) is True and step.filter(page(None)) is True
