"""IPv4 and IPv6 addresses, validated by the standard library's `ipaddress`.

Version numbers are the usual false positive (`ver. 1.0.0.1`, `バージョン2.3.4.5`): a
dotted quad directly after a version word is not masked. Dates (`2010.10.13`) have
three parts and `2010` is no octet, so they never reach validation.
"""

from __future__ import annotations

import ipaddress
import re

from presidio_analyzer import Pattern, PatternRecognizer, RecognizerResult

from filters.pii.options import IP_ADDRESS

IPV4_REGEX = r"(?<![0-9A-Za-z.\-])(?:[0-9]{1,3}\.){3}[0-9]{1,3}(?:/[0-9]{1,2})?(?![0-9]|\.[0-9])"
# candidates only; ipaddress decides (`12:30:00` is no address, `fe80::1` is)
IPV6_REGEX = r"(?<![0-9A-Za-z.])(?<![0-9A-Fa-f]:)(?=[0-9A-Fa-f:]*:[0-9A-Fa-f]*:)[0-9A-Fa-f:]{2,39}(?![0-9A-Za-z:])"
# (an IPv6 group must start a word, so C++ `std::cout` opens no window)
TRIGGER = r"[0-9]\.[0-9]{1,3}\.[0-9]|(?<![0-9A-Za-z])[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]"
_VERSION_BEFORE = re.compile(r"(?:ver(?:sion)?\.?|v|バージョン|リリース|release|build)\s*$", re.IGNORECASE)


def is_ip(text: str) -> bool:
    address = text.split("/", 1)[0]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if ip.version == 6:
        return address.count(":") >= 2 and not ip.is_unspecified
    return True


class IpAddressRecognizer(PatternRecognizer):
    def __init__(self, supported_language: str = "ja"):
        super().__init__(
            supported_entity=IP_ADDRESS,
            name="IpAddressRecognizer",
            supported_language=supported_language,
            patterns=[Pattern("IPv4", IPV4_REGEX, 0.6), Pattern("IPv6", IPV6_REGEX, 0.6)],
        )

    def validate_result(self, pattern_text: str) -> bool | None:
        return None if is_ip(pattern_text) else False

    def analyze(self, text: str, entities: list[str], nlp_artifacts=None,
                regex_flags: int | None = None) -> list[RecognizerResult]:
        return [
            r for r in super().analyze(text, entities, nlp_artifacts, regex_flags)
            if not _VERSION_BEFORE.search(text[max(0, r.start - 12):r.start])
        ]


def recognizers(language: str = "ja") -> dict[str, list]:
    return {IP_ADDRESS: [IpAddressRecognizer(language)]}
