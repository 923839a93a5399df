"""Japanese (and international) phone numbers, every common writing, validated by `phonenumbers`.

Runs on folded text (filters/pii/folding.py), so full-width digits, `－`, `ー` between
digits and `（03）` are already ASCII. The regexes only propose candidates: `03-1234-5678`,
`(03)1234-5678`, `03(1234)5678`, `0312345678`, `+81-3-1234-5678`, `+81 (0)90 1234 5678`.
Google's libphonenumber metadata then decides: a number that is not a valid number of
the Japanese numbering plan (or of its `+` country) is never masked, which is what keeps
dates (`2024-01-15`), serials (`1234-5678-9012`) and prices out.

A candidate labelled as a serial right before it (`シリアル 0312345678`, `部品番号 0120-123-456`,
`受付番号は…`) is no phone number, however valid its digits (`SERIAL_LABEL`).

Score: a valid number written in its official grouping is near-certain (0.9); a bare
run of 10-11 digits that the plan accepts is most likely a phone number too (0.55,
shop listings write them so). Valid digits grouped against the plan (`0312-3456-78`,
more like a serial) score 0.45, under the 0.5 threshold, unless a context word (電話,
TEL, FAX...) stands in the five words before, which adds presidio's 0.35.
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern, PatternRecognizer, RecognizerResult

from filters.pii.options import PHONE

# not inside a longer number or word; a dot only counts when a digit is before it (TEL.03...)
_BEFORE = r"(?<![0-9A-Za-z+\-])(?<![0-9]\.)"
# an opening bracket is a boundary itself: `TEL(0422)51-6678`
_BEFORE_BRACKET = r"(?<![0-9+\-])"
_AFTER = r"(?![0-9]|[\-.][0-9])"
_SEP = r"[\-. ]"
PATTERNS = [
    # 03-1234-5678, 090 1234 5678, 0120.123.456, 03-1234-5678
    ("domestic grouped", rf"{_BEFORE}0[0-9]{{1,4}}{_SEP}[0-9]{{1,4}}{_SEP}[0-9]{{3,4}}{_AFTER}"),
    # (03)1234-5678, (0120) 123-456
    ("domestic (area)", rf"{_BEFORE_BRACKET}\(0[0-9]{{1,4}}\) ?[0-9]{{1,4}}{_SEP}?[0-9]{{3,4}}{_AFTER}"),
    # 03(1234)5678: area, then the local exchange in brackets
    ("domestic area(local)", rf"{_BEFORE}0[0-9]{{1,4}}\([0-9]{{1,4}}\)[0-9]{{3,4}}{_AFTER}"),
    # 0312345678, 09012345678
    ("domestic bare", rf"{_BEFORE}0[0-9]{{9,10}}{_AFTER}"),
    # +81-3-1234-5678, +81 (0)3 1234 5678, +81(3)1234-5678, +44 20 7946 0958
    ("international", rf"{_BEFORE}\+[1-9][0-9]{{0,2}}[\- ]?(?:\(0\) ?)?\(?[0-9]{{1,5}}\)?[\-. ]?[0-9]{{1,4}}[\-. ]?[0-9]{{3,4}}{_AFTER}"),
]

# stems, as the light engine's tokens hold them (問い合わせ -> 問い合 + わせ)
CONTEXT = ["電話", "tel", "fax", "ファックス", "ファクス", "携帯", "連絡", "問い合", "問合", "ダイヤル", "代表",
           "phone", "call", "予約", "受付"]

TRIGGER = r"[0-9(][0-9\-(). ]{8,}[0-9]|\+[0-9]"

# a number-shaped serial is labelled as such right before it: `シリアル 0312345678`, `部品番号 0120-123-456`,
# `受付番号は …`, `会員ID …` (a word + 番号/No./コード/ID, or a serial word alone). `電話番号`,
# `お店の番号` and a bare `番号` are not in the list, so they stay phone numbers.
SERIAL_LABEL = re.compile(
    r"(?:シリアル|品番|型番|製番|ロット|JAN|ISBN|S/N|"
    r"(?:製造|部品|製品|商品|注文|伝票|会員|管理|受付|追跡|問い?合わ?せ|お客様|顧客|登録|認証|ライセンス|整理|識別|"
    r"証券|保険証?|予約|申込|申し込み|受注|発注|取引|契約|請求|領収|個体識別|ユーザー?|ログイン|アカウント)"
    r"(?:番号|No\.?|NO\.?|ナンバー|コード|ID|#))"
    r"\s*[:：]?\s*(?:は|が)?\s*[(（\[]?$",
    re.IGNORECASE,
)
_LABEL_SPAN = 24  # characters before a candidate searched for a label (same line)


def serial_label_before(text: str, start: int) -> bool:
    """True when the words right before text[start] label a serial, not a phone number."""
    before = text[max(0, start - _LABEL_SPAN):start].rsplit("\n", 1)[-1]
    return bool(SERIAL_LABEL.search(before))

SCORE_OFFICIAL = 0.9  # valid and grouped as the numbering plan writes it
SCORE_BARE = 0.55     # valid, written without separators
SCORE_LOOSE = 0.45    # valid digits grouped otherwise: needs a context word

_GROUPS = re.compile(r"[0-9]+")


def national_groups(candidate: str, formatted: str) -> tuple[list[str], list[str]]:
    """Digit groups of what was written and of the plan's format, country code and
    trunk 0 removed, so `+81-3-1234-5678` and `03-1234-5678` compare equal."""
    groups = _GROUPS.findall(candidate.replace("(0)", " "))
    if candidate.lstrip().startswith("+"):
        groups = groups[1:]
    official = _GROUPS.findall(formatted)
    strip = lambda g: ([g[0].lstrip("0")] + g[1:]) if g and g[0].lstrip("0") else g[1:]
    return strip(groups), strip(official)


def phone_score(candidate: str) -> float:
    """0 when `phonenumbers` says it is no valid number; else how sure the writing makes us."""
    import phonenumbers

    region = None if candidate.lstrip().startswith("+") else "JP"
    try:
        number = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return 0.0
    if not phonenumbers.is_valid_number(number):
        return 0.0
    written, official = national_groups(
        candidate, phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    )
    if len(written) > 1 and written == official:
        return SCORE_OFFICIAL
    if len(written) > 1 and number.country_code != 81 and "".join(written) == "".join(official):
        return SCORE_OFFICIAL  # foreign plans group freely (e.g. +44 20 7946 0958)
    return SCORE_BARE if len(written) == 1 else SCORE_LOOSE


class JapanesePhoneRecognizer(PatternRecognizer):
    """Regex candidates, scored by `phone_score` (phonenumbers validation + grouping)."""

    def __init__(self, supported_language: str = "ja"):
        super().__init__(
            supported_entity=PHONE,
            name="JapanesePhoneRecognizer",
            supported_language=supported_language,
            patterns=[Pattern(name, regex, SCORE_LOOSE) for name, regex in PATTERNS],
            context=CONTEXT,
        )

    def analyze(self, text: str, entities: list[str], nlp_artifacts=None,
                regex_flags: int | None = None) -> list[RecognizerResult]:
        results = []
        for result in super().analyze(text, entities, nlp_artifacts, regex_flags):
            if serial_label_before(text, result.start):
                continue
            score = phone_score(text[result.start:result.end])
            if score > 0:
                result.score = score
                results.append(result)
        return results


def recognizers(language: str = "ja") -> dict[str, list]:
    return {PHONE: [JapanesePhoneRecognizer(language)]}
