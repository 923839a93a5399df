"""Bank account numbers, found by the words that always stand before them.

A Japanese account number is 7 digits (全銀協 format) and means nothing alone; on a
page it follows its type or label: `普通 1234567`, `(普)1234567`, `口座番号：1234567`,
`当座預金 0123456`, and for Japan Post Bank `記号 12345 番号 12345678`. The label is
part of the pattern (a variable-length lookbehind, which the `regex` module presidio
uses supports), so only the digits are masked and the label stays readable.
"""

from __future__ import annotations

from presidio_analyzer import Pattern, PatternRecognizer

from filters.pii.options import BANK_ACCOUNT

_AFTER = r"(?![0-9]|[\-.][0-9])"
_GAP = r"[\s:\-]{0,3}(?:は|が)?[\s:]{0,2}"
PATTERNS = [
    # 口座番号：1234567 / 口座No. 1234567 (6-8 digits: some banks print 6 or 8)
    ("labelled", rf"(?<=(?:口座番号|口座No\.?|口座|account no\.?){_GAP})[0-9]{{6,8}}{_AFTER}", 0.85),
    # 普通 1234567 / 当座預金 1234567 / 普通口座 1234567
    ("type", rf"(?<=(?:普通|当座|貯蓄)(?:預金)?(?:口座)?(?:番号)?{_GAP})[0-9]{{7}}{_AFTER}", 0.85),
    # (普)1234567 / (当)1234567 - folded brackets
    ("type abbreviated", rf"(?<=\((?:普通?|当座?|貯)\)\s?)[0-9]{{7}}{_AFTER}", 0.85),
    # ゆうちょ銀行: 記号 12345 番号 12345678 / 記号番号 12345-12345678
    ("japan post", rf"(?<=記号(?:番号)?{_GAP})[0-9]{{5}}[\s\-]{{0,2}}(?:番号{_GAP})?[0-9]{{8}}{_AFTER}", 0.85),
]
TRIGGER = r"(?:口座|普通|当座|貯蓄|\((?:普|当|貯)|記号)[^0-9\n]{0,12}[0-9]{5}"


class BankAccountRecognizer(PatternRecognizer):
    def __init__(self, supported_language: str = "ja"):
        super().__init__(
            supported_entity=BANK_ACCOUNT,
            name="BankAccountRecognizer",
            supported_language=supported_language,
            patterns=[Pattern(name, regex, score) for name, regex, score in PATTERNS],
        )


def recognizers(language: str = "ja") -> dict[str, list]:
    return {BANK_ACCOUNT: [BankAccountRecognizer(language)]}
