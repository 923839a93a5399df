"""Payment card numbers: issuer prefix + length + Luhn, in the groupings people write.

Presidio's CreditCardRecognizer checks Luhn but takes any 12-19 digit run; here the
issuer ranges (ISO/IEC 7812 IINs as published by the schemes: Visa 4, Mastercard 51-55
and 2221-2720, Amex 34/37, JCB 3528-3589, Diners 300-305/36/38/39, Discover 6011/644-649/65,
UnionPay 62) and each scheme's lengths must agree too, which removes most random serials
that happen to pass Luhn (one in ten would). Context words (カード番号...) lift the score to 1.
"""

from __future__ import annotations

from presidio_analyzer import Pattern, PatternRecognizer

from filters.pii.options import CREDIT_CARD

_BEFORE = r"(?<![0-9A-Za-z+.\-])"
_AFTER = r"(?![0-9]|[\-.][0-9])"
PATTERNS = [
    ("4-4-4-4(-3)", rf"{_BEFORE}[0-9]{{4}}(?P<s>[\- ])[0-9]{{4}}(?P=s)[0-9]{{4}}(?P=s)[0-9]{{1,4}}(?:(?P=s)[0-9]{{3}})?{_AFTER}"),
    ("4-6-5 / 4-6-4", rf"{_BEFORE}[0-9]{{4}}(?P<s>[\- ])[0-9]{{6}}(?P=s)[0-9]{{4,5}}{_AFTER}"),
    ("bare", rf"{_BEFORE}[0-9]{{13,19}}{_AFTER}"),
]
CONTEXT = ["カード", "card", "クレジット", "visa", "master", "jcb", "amex", "有効期限", "決済"]
TRIGGER = r"[0-9]{4}[\- ]?[0-9]{4,6}[\- ]?[0-9]{4}"
SCORE_VALID = 0.8

# (prefix range low, high, allowed lengths)
_ISSUERS = [
    (4, 4, (16, 19)),  # Visa (13-digit cards are long withdrawn; 13 digits starting 49 are JAN codes)
    (51, 55, (16,)), (2221, 2720, (16,)),        # Mastercard
    (34, 34, (15,)), (37, 37, (15,)),            # American Express
    (3528, 3589, (16, 17, 18, 19)),              # JCB
    (300, 305, (14, 16, 17, 18, 19)), (36, 36, (14, 16, 17, 18, 19)),
    (38, 39, (16, 17, 18, 19)),                  # Diners Club
    (6011, 6011, (16, 17, 18, 19)), (644, 649, (16, 17, 18, 19)), (65, 65, (16, 17, 18, 19)),  # Discover
    (62, 62, (16, 17, 18, 19)),                  # UnionPay
]


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def issuer_ok(digits: str) -> bool:
    for low, high, lengths in _ISSUERS:
        width = len(str(low))
        if low <= int(digits[:width]) <= high and len(digits) in lengths:
            return True
    return False


def is_card_number(text: str) -> bool:
    digits = "".join(c for c in text if c.isdigit())
    return 13 <= len(digits) <= 19 and issuer_ok(digits) and luhn_ok(digits)


class JapaneseCreditCardRecognizer(PatternRecognizer):
    def __init__(self, supported_language: str = "ja"):
        super().__init__(
            supported_entity=CREDIT_CARD,
            name="JapaneseCreditCardRecognizer",
            supported_language=supported_language,
            patterns=[Pattern(name, regex, SCORE_VALID) for name, regex in PATTERNS],
            context=CONTEXT,
        )

    def validate_result(self, pattern_text: str) -> bool | None:
        return None if is_card_number(pattern_text) else False


def recognizers(language: str = "ja") -> dict[str, list]:
    return {CREDIT_CARD: [JapaneseCreditCardRecognizer(language)]}
