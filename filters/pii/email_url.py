"""E-mail addresses (plain and the Japanese anti-spam spellings) and URLs carrying credentials.

Japanese pages run addresses straight into the sentence (`info@example.co.jpまで`) and
often hide the `@` as `★`/`☆` or `(at)` with a note "★を@に変えてください"; presidio's
English EmailRecognizer expects word boundaries and a literal `@`. The domain is
checked against the public-suffix list bundled in `tldextract` (offline snapshot, no
fetch), so `icon@2x.png` is not an address.
"""

from __future__ import annotations

from presidio_analyzer import Pattern, PatternRecognizer

from filters.pii.options import EMAIL, URL_CREDENTIALS

_LOCAL = r"[A-Za-z0-9_](?:[A-Za-z0-9._%+\-]{0,63})"
_AT = r"(?:@|\s?[\[(]at[\])]\s?|[★☆])"
_DOMAIN = r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}"
EMAIL_REGEX = rf"(?<![A-Za-z0-9._%+\-]){_LOCAL}{_AT}{_DOMAIN}(?![A-Za-z0-9\-]|\.[A-Za-z0-9])"

# userinfo with a password, plus the host it unlocks: `postgres://app:s3cret@db.internal:5432`
URL_CREDENTIALS_REGEX = (
    r"(?<=[A-Za-z][A-Za-z0-9+.\-]{1,15}://)[^\s/:@\"'<>]{1,64}:[^\s/@\"'<>]{1,128}@[A-Za-z0-9.\-]+(?::\d{1,5})?"
)

# cheap pre-check: no window is analysed for these entities without one of these
# (an `@` between address characters: a Python decorator or an @mention opens no window)
TRIGGER = r"[A-Za-z0-9_.%+\-][@★☆][A-Za-z0-9]|[A-Za-z0-9_]\s?[\[(]at[\])]"  # matched case-insensitively


class _Suffixes:
    """The public-suffix list, loaded once per process from tldextract's bundled snapshot."""

    _extract = None

    @classmethod
    def known(cls, domain: str) -> bool:
        if cls._extract is None:
            import tldextract

            cls._extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
        parts = cls._extract(domain)
        return bool(parts.suffix) and bool(parts.domain)


class JapaneseEmailRecognizer(PatternRecognizer):
    """E-mail addresses, including `★`/`(at)` spellings; domain must end in a real suffix."""

    def __init__(self, supported_language: str = "ja"):
        super().__init__(
            supported_entity=EMAIL,
            name="JapaneseEmailRecognizer",
            supported_language=supported_language,
            patterns=[Pattern("email (@, ★, (at))", EMAIL_REGEX, 0.6)],
        )

    def validate_result(self, pattern_text: str) -> bool | None:
        domain = pattern_text.rsplit("@", 1)[-1] if "@" in pattern_text else pattern_text
        for sep in ("]", ")", "★", "☆"):
            domain = domain.rsplit(sep, 1)[-1]
        return _Suffixes.known(domain.strip())


class UrlCredentialsRecognizer(PatternRecognizer):
    """`scheme://user:password@host`: the userinfo and the host it opens (the path stays)."""

    def __init__(self, supported_language: str = "ja"):
        super().__init__(
            supported_entity=URL_CREDENTIALS,
            name="UrlCredentialsRecognizer",
            supported_language=supported_language,
            patterns=[Pattern("userinfo with password", URL_CREDENTIALS_REGEX, 0.9)],
        )


def recognizers(language: str = "ja") -> dict[str, list]:
    """Entity type -> recognizers of this family."""
    return {EMAIL: [JapaneseEmailRecognizer(language)], URL_CREDENTIALS: [UrlCredentialsRecognizer(language)]}
