"""What a reuser of a Wikipedia article must carry: its URL, licence and where that comes from.

Wikipedia text is licensed CC BY-SA 4.0 (since the Terms of Use update of 2023-06-29;
earlier revisions were published under CC BY-SA 3.0, which allows adaptations under
later versions) and, for most text, also GFDL 1.3 (unversioned, no invariant sections).
Attribution is satisfied by a link to the article, whose history lists the authors
(https://foundation.wikimedia.org/wiki/Policy:Terms_of_Use section 7;
https://ja.wikipedia.org/wiki/Wikipedia:著作権).
"""

from __future__ import annotations

DEFAULT_ARTICLE_PREFIX = "https://ja.wikipedia.org/wiki/"
DEFAULT_LICENCE = "CC-BY-SA-4.0"
ALSO_LICENSED = "GFDL-1.3-or-later"
TERMS_URL = "https://foundation.wikimedia.org/wiki/Policy:Terms_of_Use"
CC_BY_SA_4_SINCE = "2023-06-29"


_URL_ESCAPES = str.maketrans({" ": "_", "%": "%25", "?": "%3F", "#": "%23", '"': "%22", "<": "%3C", ">": "%3E"})


def article_url(title: str, prefix: str = DEFAULT_ARTICLE_PREFIX) -> str:
    """`https://ja.wikipedia.org/wiki/アンパサンド`: spaces become `_` as MediaWiki writes
    them and the characters that would end or break a URL path are escaped; Japanese stays
    readable (browsers and MediaWiki accept IRIs)."""
    return prefix + title.translate(_URL_ESCAPES)


def licence_for(timestamp: str | None, licence: str = DEFAULT_LICENCE, by_revision_date: bool = False) -> str:
    """The licence id of a revision: `licence`, or with `by_revision_date` CC-BY-SA-3.0 for
    revisions saved before the 2023-06-29 switch to 4.0."""
    if by_revision_date and timestamp and timestamp[:10] < CC_BY_SA_4_SINCE:
        return "CC-BY-SA-3.0"
    return licence


def licence_evidence(url: str) -> str:
    """One line that says why the licence holds and where attribution points."""
    return (f"Wikipedia Terms of Use ({TERMS_URL}): text under CC BY-SA and, for most text, "
            f"also {ALSO_LICENSED}; attribution: {url} (authors: {url}?action=history)")
