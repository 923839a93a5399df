"""Golden decisions: the quality chain must decide and measure exactly as it did before its speed-ups.

The speed-ups (exact packed n-gram keys, lookup tables over the code points, a keyword
prefilter, array-based NFKC runs, ...) are meant to change no result at all. This test
pins, for a small sample written here (no shared data), every document's decision (kept,
or family and reason), its text after clean-up, and every figure exactly (floats compared
by their repr), with `record_all_figures` on and off.

`tests/quality_golden.json` was written with the implementation before the speed-ups
(commit cefe0d2) by `python tests/test_quality_golden.py --write`. When a rule is changed
on purpose, rewrite it the same way and say so in the commit. Rewritten once on purpose
when misfiring rules were fixed: `long_line` (one 200+ character line among prose) is now
kept, since one long sentence no longer decides (`max_long_sentence_frac`), and `mojibake`
is now excluded as `max_decoding_damage_frac` (it was `min_hiragana_fraction`), and the
short-line and BBS rules became a character share and a density (decisions below); every
other decision and text is unchanged, and the figures gained the new rules' values.
Rewritten again when the script mix and the maximum sentence length moved to the prose
and the prose share became a rule: `english` (Japanese prose above 400 English words) is
now excluded as `min_japanese_fraction` (the page is mostly not Japanese; its prose
sentences have hiragana), `no_kuten` as `min_prose_frac` (it was
`max_avg_sentence_length`); the figures `hiragana_fraction` and `avg_sentence_length` (the
latter still measured for the minimum) gave way to or gained `prose_hiragana_fraction`,
`prose_avg_sentence_length` and `prose_frac`.
Rewritten again when duplicate n-grams moved to the prose and the repeated lines
(`dup_ngram_over: prose`): no decision or text changed; the figures `dup_{8,9,10}gram_frac`
gave way to `prose_dup_{8,9,10}gram_frac`, which differ from the old values only for
`english` (its English lines end without 。, so only its Japanese sentences are measured)
and `mojibake`; the top n-gram figures, now computed in a pass of their own, are the same.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from pathlib import Path

import pytest
from datatrove.data import Document

GOLDEN = Path(__file__).with_name("quality_golden.json")

# plain prose written for this test, no two sentences alike
SENTENCES = [
    "駅前の商店街には、昔ながらの八百屋や豆腐屋が今も並んでいる。",
    "朝早くから店を開ける人が多く、通勤途中に野菜を買っていく会社員の姿もよく見かける。",
    "週末になると近所の公園で小さな朝市が開かれ、農家の人たちが自分で育てた野菜を売っている。",
    "私は毎朝六時に起きて、犬の散歩をしてから朝ご飯を作ることにしている。",
    "図書館の二階には静かな自習室があり、試験前になると学生で満席になる。",
    "昨日は一日中雨が降っていたので、家で本を読みながらのんびり過ごした。",
    "この町の名物は、川でとれた魚を甘辛く煮た佃煮で、お土産としても人気がある。",
    "新しい駅ができてから、周りには背の高いマンションが次々と建てられた。",
    "祖母は若いころ小学校の先生をしていて、今でも教え子から手紙が届くそうだ。",
    "夏休みの宿題を最後の三日間で片付けるのが、子どものころの私の習慣だった。",
    "山の上の神社までは長い石段が続いていて、登りきると町全体が見渡せる。",
    "料理教室では、季節の野菜を使った簡単な家庭料理を毎月ひとつずつ教えている。",
    "会議の資料は前日までに共有しておくと、当日の話し合いがずっと早く進む。",
    "電車の窓から見える田んぼは、春には水が張られて空を映す鏡のようになる。",
    "古い時計を修理に出したら、部品を取り寄せるのに一か月かかると言われた。",
    "友人が勧めてくれた映画は、思っていたよりもずっと静かで優しい話だった。",
    "雪の多い地方では、冬の間に使う薪を秋のうちにたくさん用意しておく。",
    "商店街の福引きで三等が当たり、地元のお米を五キロもらうことができた。",
    "港の近くの食堂は、漁から戻った人たちのために朝の五時から営業している。",
    "弟は自転車で日本一周をするのが夢で、毎週末に長い距離を走って練習している。",
    "庭のあじさいは、土の性質によって青くなったり赤くなったりすると聞いた。",
    "引っ越しの荷物を片付けていたら、昔の日記が段ボールの底から出てきた。",
    "地域の清掃活動には、毎回三十人ほどの住民が集まって川沿いのごみを拾う。",
    "博物館の特別展では、江戸時代の町の暮らしを再現した模型が人気を集めている。",
    "母の作るカレーは、りんごとはちみつが入っていて少し甘い味がする。",
    "夜空がよく晴れた日には、ベランダから天の川がうっすらと見えることもある。",
    "新人の研修では、電話の取り方や名刺の渡し方から丁寧に教わった。",
    "隣の家の猫は人懐っこく、塀の上からこちらをじっと見ていることが多い。",
    "旅先で乗ったローカル線は一時間に一本しかなく、駅の待合室で本を読んで過ごした。",
    "毎年秋に開かれる町の祭りでは、子どもたちが太鼓をたたきながら通りを練り歩く。",
    "健康のために、エレベーターを使わずに階段を上るように心がけている。",
    "高校の同窓会で久しぶりに会った友人は、今では二人の子どもの父親になっていた。",
    "台風が近づいていたため、その日の授業はすべて午前中で打ち切りになった。",
    "近所のパン屋では、焼きたての食パンが午後三時に店頭に並ぶ。",
    "畑で育てたトマトは、店で買うものよりも皮が厚く、味が濃いように感じる。",
    "市役所の窓口は月曜日の朝がいちばん混むので、なるべく午後に行くようにしている。",
    "古本屋の店主は、客が探している本の題名を聞くとすぐに棚の場所を教えてくれる。",
    "冬の朝は布団から出るのがつらいが、温かいお茶を一杯飲むと目が覚める。",
    "川沿いの桜並木は、満開の時期になると夜にも明かりがともされる。",
    "初めて作ったぎょうざは形がばらばらだったが、家族はおいしいと言って食べてくれた。",
]
MENU = ["ホーム", "会社概要", "お問い合わせ", "サイトマップ", "採用情報", "よくある質問", "ニュース", "ブログ",
        "アクセス", "店舗一覧", "イベント", "求人", "ログイン", "利用規約", "個人情報", "English"]
ADS = ["送料無料", "ポイント10倍", "今すぐ購入", "在庫あり", "期間限定", "クーポン", "(税込)", "タイムセール"]
BBS = ["2021年3月4日 投稿", "コメント(2)", "12話", "(月)", "レビュー", "質問", "2020/1/2", "-"]


def sample() -> dict[str, str]:
    """About forty pages: clean ones of several sizes, and each kind of defect the rules look for."""
    rng = random.Random(20240601)

    def page(lines: int, per_line: int = 2) -> str:
        """Distinct sentences, `per_line` to a line (at most len(SENTENCES) in all)."""
        chosen = rng.sample(SENTENCES, lines * per_line)
        return "\n".join("".join(chosen[i : i + per_line]) for i in range(0, len(chosen), per_line))

    docs: dict[str, str] = {}
    for i, (lines, per_line) in enumerate([(12, 1), (8, 2), (6, 3), (20, 2), (13, 3), (40, 1)]):
        docs[f"clean_{i}"] = page(lines, per_line)
    base = page(8)
    docs["repeated_paragraph"] = base + ("\n" + base.split("\n")[0]) * 5
    docs["repeated_block"] = page(6, 3) + "\n" + ("\n".join(base.split("\n")[:3]) + "\n") * 2
    docs["repeated_sentence"] = page(12, 1).replace("。", "。" + SENTENCES[0], 5)
    docs["katakana_list"] = page(2) + "\n" + "\n".join(
        "".join(chr(rng.randrange(0x30A1, 0x30F6)) for _ in range(rng.randrange(4, 9))) for _ in range(120))
    docs["teasers"] = "\n".join(s[: rng.randrange(10, 25)] + rng.choice(["…", "...", "・・・", "続きを読む", "もっと見る>"])
                                for s in rng.sample(SENTENCES, 30))
    docs["no_kuten"] = base.replace("。", "、")
    docs["fragments"] = "。".join(s[i : i + 6] for s in SENTENCES for i in (0, 8, 16))
    docs["long_line"] = "、".join(s.rstrip("。") for s in rng.sample(SENTENCES, 8)) + "。\n" + page(6)
    docs["char_run"] = page(12).replace("\n", "\n" + "　" * 230 + "\n", 1)
    docs["menu"] = page(8) + "\n" + "\n".join(MENU)
    docs["menu_twice"] = page(8) + "\n" + "\n".join(MENU[:8] * 2)
    docs["ads"] = "\n".join(ADS[i % len(ADS)] + "。" + s for i, s in enumerate(rng.sample(SENTENCES, 20)))
    docs["bbs"] = "\n".join(BBS[i % len(BBS)] + " " + s for i, s in enumerate(rng.sample(SENTENCES, 20)))
    docs["violence"] = "\n".join(line.replace("。", "、死ねとか殺してやるとか言った。", 1) for line in page(12).split("\n"))
    docs["violence_few"] = page(10) + "\n" + "お前を殺す、と書き込んだ。死ね。"
    docs["adult"] = page(10) + "\n" + "アダルト動画と無修正の画像を集めたサイトの広告が出てきた。"
    docs["full_width"] = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "}" else c
                                 for c in page(12) + "\nABC 123 (test) ＃タグ　全角スペース")
    docs["half_width_kana"] = page(12) + "\nｶﾞｷﾞｸﾞｹﾞｺﾞ ﾃｽﾄ ﾃﾞｰﾀ"
    docs["combining"] = page(12).replace("が", "か\u3099").replace("ぱ", "は\u309a") + "\ne\u0301 ﬁ ① ㍿"
    docs["supplementary"] = page(12) + "\n😀 𝐀𝐁𝐂 𠮷野家 \U0002F800"
    docs["punctuation"] = page(12).replace("。", "．", 8).replace("、", "，", 8) + "\n3．5と1，000"
    docs["footer"] = page(12) + "\n\nCopyright 2024 Example Inc. All rights reserved.\nページの先頭へ\n"
    docs["mojibake"] = page(12).encode("utf-8").decode("shift_jis", "replace")
    docs["english"] = page(4) + "\n" + " ".join(rng.choice(["the", "data", "quality", "of", "text", "filters"])
                                                   for _ in range(400))
    docs["tiny"] = SENTENCES[0]
    docs["blank_lines"] = page(12).replace("\n", "\n\n\n  \n")
    docs["crlf"] = page(12).replace("\n", "\r\n")
    docs["numbers"] = page(12) + "\n" + "\n".join(f"{y}年{m}月{d}日 {y}.{m}.{d} 第{d}話" for y, m, d in
                                                   ((2020 + i, 1 + i, 10 + i) for i in range(8)))
    docs["other_digits"] = page(12) + "\n٢٠٢٤-٣-٤ ४४४४/1/2 ２０２４年１月２日話"
    docs["empty"] = ""
    docs["whitespace"] = " \n\t\u3000\n"
    return docs


def run(record_all_figures: bool) -> dict[str, dict]:
    from filters.quality.chain import quality_steps
    from filters.quality.cleanup import TextCleanup
    from filters.quality.options import CleanupOptions, QualityOptions

    options = QualityOptions()
    options.record_all_figures = record_all_figures
    steps = [TextCleanup(CleanupOptions()), *quality_steps(options)]
    docs = [Document(text=t, id=k, metadata={"source": "web", "url": "https://example.jp/a"}) for k, t in sample().items()]
    reasons: dict[str, list[str]] = {}

    class Excluded:  # stands in for a parquet writer: remembers who dropped what, and why
        def __init__(self, family: str):
            self.family = family

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def write(self, doc, rank=0):
            reasons[doc.id] = [self.family, doc.metadata["filter_reason"]]

    for step in steps:
        if hasattr(step, "family") and hasattr(step, "exclusion_writer"):
            step.exclusion_writer = Excluded(step.family)
    data = iter(docs)
    for step in steps:
        data = step.run(data)
    kept = {doc.id for doc in data}
    return {
        doc.id: {
            "decision": "kept" if doc.id in kept else reasons[doc.id],
            "text_sha1": hashlib.sha1(doc.text.encode("utf-8", "surrogatepass")).hexdigest(),
            "figures": {name: repr(value) for name, value in sorted(doc.metadata.get("figures", {}).items())},
        }
        for doc in docs
    }


def golden_of(all_figures: dict[str, dict], first_rule: dict[str, dict]) -> dict[str, dict]:
    """What the golden file holds: everything for the all-figures run (figure values in the
    order of `figure_names`, the same names for every document); for the first-rule run the
    decisions and which figures were measured (their values are the same numbers)."""
    names = sorted({name for v in all_figures.values() for name in v["figures"]})
    return {
        "figure_names": {"all": names},
        "all_figures": {k: {"decision": v["decision"], "text_sha1": v["text_sha1"],
                            "values": [v["figures"].get(name) for name in names]} for k, v in all_figures.items()},
        "first_rule": {k: {"decision": v["decision"], "text_sha1": v["text_sha1"], "measured": sorted(v["figures"])}
                       for k, v in first_rule.items()},
    }


def dumps(golden: dict[str, dict]) -> str:
    """JSON with one document per line, so that a deliberate change shows as a readable diff."""
    sections = []
    for section, docs in golden.items():
        lines = ",\n".join(f"  {json.dumps(k, ensure_ascii=False)}: {json.dumps(v, ensure_ascii=False, sort_keys=True)}"
                           for k, v in sorted(docs.items()))
        sections.append(f" {json.dumps(section)}: {{\n{lines}\n }}")
    return "{\n" + ",\n".join(sections) + "\n}\n"


@pytest.fixture(scope="module")
def golden() -> dict:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_the_sample_exercises_every_family(golden):
    decided = {tuple(v["decision"]) for v in golden["all_figures"].values() if v["decision"] != "kept"}
    assert {family for family, _ in decided} >= {"char_ratios", "sentences", "repetition", "ng_expressions", "hojichar"}
    assert sum(v["decision"] == "kept" for v in golden["all_figures"].values()) >= 8


def test_decisions_texts_and_figures_are_unchanged(golden):
    now = golden_of(run(record_all_figures=True), run(record_all_figures=False))
    assert now["figure_names"] == golden["figure_names"]
    for mode in ("all_figures", "first_rule"):
        assert now[mode].keys() == golden[mode].keys()
        for doc_id, expected in golden[mode].items():
            assert now[mode][doc_id] == expected, (mode, doc_id)


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    GOLDEN.write_text(dumps(golden_of(run(True), run(False))), encoding="utf-8")
    print(f"wrote {GOLDEN}")
