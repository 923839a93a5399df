"""Postal codes (〒123-4567) and street addresses (prefecture + municipality + town + lot number).

A Japanese street address reads from large to small: 都道府県, one to three 市区町村/郡
units, a town (町字: `丸の内`, `つつじが丘`, `大字長倉`), an area number (`二丁目`,
`北1条西2丁目`), then the lot and building numbers (番地/番/号: `14番7号`, `3-17`,
`2140番地57`), then perhaps a building and room (`パークハイツ用賀203号室`, `5F`).

What is masked, and why (docs/pii.md, "What personal information means here"):

- Only an address down to the lot: a town or a 丁目 alone (`東京都墨田区横網一丁目`,
  `新宿区新宿二丁目`) names an area of hundreds of households, not a home. A town whose
  name holds 番 (`徳島市一番町`, `千代田区四番町`) is a town, not a lot number.
- The span starts at the prefecture, or at the first municipality when none is written,
  and never before it: a municipality name may begin with hiragana (`さいたま市`) only
  where a hiragana run begins, and a town holds at most one hiragana run, so
  `江東区長の小松崎軍次が辰巳…` or `自宅がある相模原市…` cannot be read as one address.
- It ends after the lot number, or after a building and floor/room that follow it.
- Not a facility's or an organisation's address: `address_evidence.address_owner` reads
  the words around the span (駅, 学校, 本社, 所在... against 自宅, 住む, 届け先...).

Runs on folded text, so `１丁目３－１７` and `22ー3` arrive as ASCII.

Postal codes: after 〒 or 郵便番号 they are certain; a bare `123-4567` is weak (0.3) and
needs a context word (郵便, 住所, 所在地...) or an address right after it.
"""

from __future__ import annotations

from presidio_analyzer import Pattern, PatternRecognizer, RecognizerResult

from filters.pii.address_evidence import address_owner
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
_TK = _KANJI + _KATA
_HIRA = "\u3041-\u3096"
_PARTICLES = "はをにでとへもやかのがよ"
# hiragana that can belong to a city name (さいたま, つくば): every hiragana but particles
_HIRA_CITY = "".join(ch for ch in map(chr, range(0x3041, 0x3097)) if ch not in _PARTICLES)
# a name begins with kanji/katakana, or with hiragana where a hiragana run begins
# (`埼玉県さいたま市`), never inside one (`自宅がある相模原市` starts at 相模原市)
_NAME_START = rf"(?:[{_TK}]|(?<![{_HIRA}])[{_HIRA_CITY}])"
_CITY = rf"{_NAME_START}[{_TK}{_HIRA_CITY}]{{0,6}}?[市区町村郡]"
# without a prefecture in front, the first city may not contain 都道府県, so that
# `本社東京都港区` starts at 東京都 and not at 本社
_CITY_STRICT = (
    rf"(?:(?:京都|府中|宇都宮|都城|都留)市|(?![都道府県]){_NAME_START}(?:(?![都道府県])[{_TK}{_HIRA_CITY}]){{0,5}}?[市区郡])"
)
# town (町字): kanji/katakana with at most one hiragana run: inside (丸の内, 星の宮, 長津田みなみ台),
# first (つつじが丘, みなとみらい) or a short one last (勝どき); a run never starts with a particle
# unless it sits between kanji, so `港区では3人`, `区内にある1…` and `江東区長の小松崎軍次が辰巳` are no towns
_TOWN = (
    rf"(?:[{_TK}]{{1,12}}(?:[{_HIRA}]{{1,6}}[{_TK}]{{1,8}}|(?![{_PARTICLES}])[{_HIRA}]{{1,3}})?"
    rf"|(?![{_PARTICLES}])[{_HIRA}]{{2,6}}(?:[{_TK}]{{1,8}})?)"
)
_KANJI_NUM = "[一二三四五六七八九十百千〇]{1,4}"
_NUMK = rf"(?:[0-9]{{1,3}}|{_KANJI_NUM})"
# an area of a town, not a lot: 二丁目, 4丁, 北1条西2丁目 (the 北 is the town's), 24条西6丁目
_CHOME = rf"(?:{_NUMK}条[東西南北]?)?{_NUMK}丁目?"
# a lot or building number's unit; 番町 is a town (一番町), 番目 an ordinal, 号線 a road, 号室 a room
_LOT_UNIT = r"(?:番地(?:の(?=[0-9一二三四五六七八九十]))?|番(?![町目])|号(?![線室])|地割)"
_LOT_NUM = rf"(?:[0-9]{{1,5}}{_LOT_UNIT}?|{_KANJI_NUM}{_LOT_UNIT})"
_LOT_NEXT = rf"(?:(?:\s?[\-の]\s?)?{_LOT_NUM})"
# the first lot number shows itself by a unit (`14番`) or a second number (`1523-4`); after a
# prefecture a bare number is one too (`坂東屋町276`, `山吹町7`: geolonia parses such numbers as 番地)
_LOT_FIRST = rf"(?:[0-9]{{1,5}}{_LOT_UNIT}|{_KANJI_NUM}{_LOT_UNIT}|[0-9]{{1,5}}(?=\s?[\-の]\s?[0-9]))"
_AFTER_CHOME = rf"{_CHOME}\s?[\-の]?\s?{_LOT_NUM}{_LOT_NEXT}{{0,4}}"
# ordinals and road numbers are not lot numbers: `第1工区`, `国道3号`
_NOT_ORDINAL = r"(?<!第|国道|県道|都道|府道|道道|市道|町道|村道)"
_BLOCK = rf"{_NOT_ORDINAL}(?:{_AFTER_CHOME}|(?:{_LOT_FIRST}|[0-9]{{1,5}}(?![0-9丁条])){_LOT_NEXT}{{0,4}})"
_BLOCK_STRICT = rf"{_NOT_ORDINAL}(?:{_AFTER_CHOME}|{_LOT_FIRST}{_LOT_NEXT}{{0,4}})"
# a lot number is not a count or a date: `新宿区3年`, `港区2番目`
_NOT_A_COUNT = r"(?![0-9]|年|月|日|時|分|人|名|歳|才|代|回|位|万|億|円|%|目|件|個|台|本|枚|次|期|度|巻|話|系|社|校|割|倍|点|階建|つ|箇所|か所|ヶ所)"
# building and floor/room after the lot: `山崎ビル401号室`, `メゾン日吉301`, `ハイツ富塚2F`, ` 5階`
_BUILDING_WORD = r"(?:ビルディング|ビル|マンション|ハイツ|コーポ|アパート|レジデンス|タワー|ハウス|プラザ|ヒルズ|パレス|メゾン|コート|荘|寮|棟|館)"
_BUILDING_CHAR = rf"[{_TK}A-Za-z0-9・]"
_FLOOR_ROOM = r"(?:B?[0-9]{1,2}(?:F|階)(?!建)|[0-9]{1,4}号室)"
_BUILDING = (
    rf"(?:\s?{_BUILDING_CHAR}{{0,16}}?{_BUILDING_WORD}{_BUILDING_CHAR}{{0,10}}(?:\s?{_FLOOR_ROOM})?"
    rf"|\s?{_FLOOR_ROOM})"
)

ADDRESS_PATTERNS = [
    ("prefecture city town lot",
     rf"{_PREF} ?(?:{_CITY} ?){{1,3}}(?:{_TOWN})? ?{_BLOCK}{_NOT_A_COUNT}(?:{_BUILDING})?", 0.85),
    ("city town lot",
     rf"{_CITY_STRICT} ?(?:{_CITY} ?){{0,2}}(?:{_TOWN})? ?{_BLOCK_STRICT}{_NOT_A_COUNT}(?:{_BUILDING})?", 0.6),
]
SCORE_PERSON = 0.9  # a person word next to the address: as sure as an address can be
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
    """Street addresses down to the lot number, unless the words around them say they are a
    facility's or an organisation's (`address_evidence`); a person word lifts the score."""

    def __init__(self, supported_language: str = "ja"):
        super().__init__(
            supported_entity=ADDRESS,
            name="JapaneseAddressRecognizer",
            supported_language=supported_language,
            patterns=[Pattern(name, regex, score) for name, regex, score in ADDRESS_PATTERNS],
        )

    def analyze(self, text: str, entities: list[str], nlp_artifacts=None,
                regex_flags: int | None = None) -> list[RecognizerResult]:
        results = []
        for result in super().analyze(text, entities, nlp_artifacts, regex_flags):
            owner = address_owner(text, result.start, result.end)
            if owner == "facility":
                continue
            if owner == "person":
                result.score = max(result.score, SCORE_PERSON)
            results.append(result)
        return results


def recognizers(language: str = "ja") -> dict[str, list]:
    return {
        POSTAL_CODE: [PostalCodeRecognizer(language)],
        ADDRESS: [JapaneseAddressRecognizer(language)],
    }
