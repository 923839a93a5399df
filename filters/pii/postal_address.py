"""Postal codes (〒123-4567) and street addresses (prefecture + municipality + block numbers).

A Japanese street address reads from large to small: 都道府県, one to three 市区町村/郡
units, a town (町字, kanji/kana, `丸の内`, `つつじが丘`), then block numbers in any of the
common writings (`1丁目3-17`, `8番21号`, `三丁目`, `2242`, `北1条西2丁目`). Only a run that
ends in block numbers is masked: a prefecture or a city alone (`東京都千代田区に本社を置く`)
is public geography, not a person's address. Runs on folded text, so `１丁目３－１７`
and `22ー3` arrive as ASCII.

Postal codes: after 〒 or 郵便番号 they are certain; a bare `123-4567` is weak (0.3) and
needs a context word (郵便, 住所, 所在地...) or an address right after it.
"""

from __future__ import annotations

from presidio_analyzer import Pattern, PatternRecognizer

from filters.pii.options import ADDRESS, POSTAL_CODE

PREFECTURES = [
    "北海道", "東京都", "京都府", "大阪府", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県", "群馬県",
    "埼玉県", "千葉県", "神奈川県", "新潟県", "富山県", "石川県", "福井県", "山梨県", "長野県", "岐阜県", "静岡県", "愛知県", "三重県",
    "滋賀県", "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県", "香川県", "愛媛県", "高知県",
    "福岡県", "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県",
]
_PREF = "(?:" + "|".join(PREFECTURES) + ")"

_KANJI = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヵヶ"  # CJK, extension A, compatibility
_KATA = "ァ-ヺー"
_PARTICLES = "はをにでとへもやかのがよ"
# hiragana that can belong to a city name (さいたま, つくば): every hiragana but particles
_HIRA_CITY = "".join(ch for ch in map(chr, range(0x3041, 0x3097)) if ch not in _PARTICLES)
_CITY = rf"[{_KANJI}{_KATA}{_HIRA_CITY}]{{1,7}}?[市区町村郡]"
# without a prefecture in front, the first city may not contain 都道府県, so that
# `本社東京都港区` starts at 東京都 and not at 本社
_CITY_STRICT = (
    rf"(?:(?:京都|府中|宇都宮|都城|都留)市|(?:(?![都道府県])[{_KANJI}{_KATA}{_HIRA_CITY}]){{1,6}}?[市区郡])"
)
# town (町字): kanji, katakana, any hiragana (もえぎ野, みなとみらい, つつじが丘), but not
# starting with a particle (`港区では3人`, `大阪市の20代`) nor ending in one before the number
_TOWN = rf"(?:(?![はをにでへやのが])[{_KANJI}{_KATA}\u3041-\u3096]{{1,12}}(?<![{_PARTICLES}]))?"
_UNIT = "(?:丁目|丁|番地の?|番町?|号|条|地割|線)"
_KANJI_NUM = "[一二三四五六七八九十百千〇]{1,4}"
# a block number: digits (a unit optional: `坂東屋町276`), or kanji numerals with a unit
# (`三丁目`, `三番三号`; a bare kanji numeral is part of a name: `愛知郡千種町`)
_NUM = rf"(?:[0-9]{{1,5}}{_UNIT}?|{_KANJI_NUM}{_UNIT})"
_NEXT = rf"(?:\s?[\-の]?\s?[東西南北]?{_NUM})"
# ordinals and road numbers are not block numbers: `第1工区`, `国道3号`
_NOT_ORDINAL = r"(?<!第|国道|県道|都道|府道|道道|市道|町道|村道)"
_BLOCK = rf"{_NOT_ORDINAL}{_NUM}{_NEXT}{{0,4}}"
# without a prefecture, a lone bare number is too weak (`関東地区57箇所`, `さいたま市民展2010`):
# it needs a unit (`6丁目`, `3番`) or a second number (`6-21-6`)
_BLOCK_STRICT = rf"{_NOT_ORDINAL}(?:(?:[0-9]{{1,5}}|{_KANJI_NUM}){_UNIT}|[0-9]{{1,5}}(?=\s?[\-の]\s?[0-9])){_NEXT}{{0,4}}"
# a block number is not a count or a date: `新宿区3年`, `港区2番目`
_NOT_A_COUNT = r"(?![0-9]|年|月|日|時|分|人|名|歳|才|代|回|位|万|億|円|%|目|件|個|台|本|枚|次|期|度|巻|話|系|社|校|割|倍|点|階建|つ|箇所|か所|ヶ所)"

ADDRESS_PATTERNS = [
    ("prefecture city town block", rf"{_PREF} ?(?:{_CITY} ?){{1,3}}{_TOWN} ?{_BLOCK}{_NOT_A_COUNT}", 0.85),
    ("city town block", rf"{_CITY_STRICT} ?(?:{_CITY} ?){{0,2}}{_TOWN} ?{_BLOCK_STRICT}{_NOT_A_COUNT}", 0.6),
]
ADDRESS_TRIGGER = r"[市区町村郡][^\n]{0,16}?(?:[0-9]|[一二三四五六七八九十]+(?:丁|番|号))"

_POSTAL = r"[0-9]{3}-?[0-9]{4}(?![0-9]|[\-.][0-9])"
_POSTAL_BEFORE = r"(?<![0-9A-Za-z+.\-])"
POSTAL_PATTERNS = [
    ("after 〒", rf"(?<=〒\s{{0,2}}){_POSTAL}", 1.0),
    ("after 郵便番号", rf"(?<=郵便番号[\s:]{{0,3}}(?:は)?\s?){_POSTAL}", 0.95),
    ("before an address", rf"{_POSTAL_BEFORE}[0-9]{{3}}-[0-9]{{4}}(?=\s{{0,2}}{_PREF})", 0.85),
    ("bare", rf"{_POSTAL_BEFORE}[0-9]{{3}}-[0-9]{{4}}(?![0-9]|[\-.][0-9])", 0.3),
]
POSTAL_CONTEXT = ["郵便", "〒", "住所", "所在地", "zip", "postal", "送付先", "届け先"]
POSTAL_TRIGGER = r"〒|[0-9]{3}-[0-9]{4}|郵便番号"


class PostalCodeRecognizer(PatternRecognizer):
    def __init__(self, supported_language: str = "ja"):
        super().__init__(
            supported_entity=POSTAL_CODE,
            name="PostalCodeRecognizer",
            supported_language=supported_language,
            patterns=[Pattern(name, regex, score) for name, regex, score in POSTAL_PATTERNS],
            context=POSTAL_CONTEXT,
        )


class JapaneseAddressRecognizer(PatternRecognizer):
    def __init__(self, supported_language: str = "ja"):
        super().__init__(
            supported_entity=ADDRESS,
            name="JapaneseAddressRecognizer",
            supported_language=supported_language,
            patterns=[Pattern(name, regex, score) for name, regex, score in ADDRESS_PATTERNS],
        )


def recognizers(language: str = "ja") -> dict[str, list]:
    return {
        POSTAL_CODE: [PostalCodeRecognizer(language)],
        ADDRESS: [JapaneseAddressRecognizer(language)],
    }
