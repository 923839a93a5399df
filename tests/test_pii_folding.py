"""Width folding keeps offsets: one ASCII regex serves every writing."""

from __future__ import annotations

from filters.pii.folding import fold


def test_full_width_digits_and_dashes_become_ascii_with_the_same_length():
    text = "電話：０３－１２３４－５６７８（代表）＠"
    folded = fold(text)
    assert folded == "電話:03-1234-5678(代表)@"
    assert len(folded) == len(text)


def test_long_vowel_mark_is_a_dash_only_between_digits():
    assert fold("コーヒー 03ー1234ー5678 ２２ー３") == "コーヒー 03-1234-5678 22-3"


def test_dash_variants_fold_to_hyphen():
    assert fold("1‐2−3―4–5") == "1-2-3-4-5"
