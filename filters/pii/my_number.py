"""My Number (個人番号): 12 digits whose last digit is a check digit, masked only in context.

A random 12-digit run (an order number, a serial) passes the check digit one time in
ten, so the check alone cannot carry the decision. As presidio intends for weak
patterns, a valid number scores 0.3 (under the 0.5 threshold) and only a context word
in the five words before it (マイナンバー, 個人番号, 通知カード...) lifts it over, by presidio's
context enhancer (+0.35). A number failing the check digit is never masked.
"""

from __future__ import annotations

from presidio_analyzer import Pattern, PatternRecognizer

from filters.pii.options import MY_NUMBER

# 1234 5678 9012, 1234-5678-9012, 123456789012 (one separator kind, or none)
MY_NUMBER_REGEX = (
    r"(?<![0-9A-Za-z+.\-])[0-9]{4}(?P<sep>[\- ]?)[0-9]{4}(?P=sep)[0-9]{4}(?![0-9]|[\-.][0-9])"
)
CONTEXT = ["マイナンバー", "個人番号", "通知カード", "mynumber"]  # stems of script-run tokens (engine.py)
TRIGGER = r"[0-9]{4}[\- ]?[0-9]{4}[\- ]?[0-9]{4}"
SCORE_VALID = 0.3  # check digit right; context lifts it to 0.65


def check_digit(first_eleven: str) -> int:
    """Check digit of a My Number (総務省令第八十五号 第五条): weights n+1 for the six
    lowest digits, n-5 for the five above, remainder mod 11, 0 when it is 0 or 1."""
    total = 0
    for n, digit in enumerate(reversed(first_eleven), start=1):
        total += int(digit) * (n + 1 if n <= 6 else n - 5)
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


def is_valid_my_number(text: str) -> bool:
    digits = "".join(c for c in text if c.isdigit())
    return len(digits) == 12 and check_digit(digits[:11]) == int(digits[11])


class MyNumberRecognizer(PatternRecognizer):
    """12 digits + valid check digit + a context word."""

    def __init__(self, supported_language: str = "ja"):
        super().__init__(
            supported_entity=MY_NUMBER,
            name="MyNumberRecognizer",
            supported_language=supported_language,
            patterns=[Pattern("12 digits", MY_NUMBER_REGEX, SCORE_VALID)],
            context=CONTEXT,
        )

    def validate_result(self, pattern_text: str) -> bool | None:
        # None keeps the weak pattern score (a True would jump to 1.0 without context)
        return None if is_valid_my_number(pattern_text) else False


def recognizers(language: str = "ja") -> dict[str, list]:
    return {MY_NUMBER: [MyNumberRecognizer(language)]}
