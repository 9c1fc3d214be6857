"""The fake model's filler prose: its shape, its draws and the token-count shortcut."""

from __future__ import annotations

import random
import statistics

from hypothesis import given
from hypothesis import strategies as st

from fake_provider.model import _FILLER, _prose, _prose_tokens
from fake_provider.tokenizer import count_tokens


def _sentences(text: str) -> list[list[str]]:
    assert text.endswith(".")
    return [s.split(" ") for s in text[:-1].split(". ")]


def test_prose_has_the_asked_words_in_capitalised_sentences_of_eight_or_more() -> None:
    topic = ("billing", "refund")
    vocab = {w.lower() for w in (*_FILLER, *topic)}
    for words in (1, 2, 7, 8, 9, 12, 60, 300):
        text = _prose(random.Random(words), words, topic)
        sentences = _sentences(text)
        assert sum(map(len, sentences)) == words
        assert all(len(s) >= 8 for s in sentences[:-1])
        assert all(s[0][0].isupper() for s in sentences)
        assert {w.lower() for s in sentences for w in s} <= vocab


def test_prose_of_no_words_is_a_full_stop() -> None:
    assert _prose(random.Random(1), 0, ()) == "."


def test_prose_follows_its_seed() -> None:
    assert _prose(random.Random(7), 80, ("tea",)) == _prose(random.Random(7), 80, ("tea",))
    assert _prose(random.Random(7), 80, ("tea",)) != _prose(random.Random(8), 80, ("tea",))


def test_prose_sentences_run_about_twelve_words_and_use_every_word() -> None:
    lengths: list[int] = []
    seen: set[str] = set()
    for seed in range(200):
        sentences = _sentences(_prose(random.Random(seed), 200, ("refund",)))
        lengths += [len(s) for s in sentences[:-1]]  # the last one is cut short
        seen.update(w.lower() for s in sentences for w in s)
    # Eight words, then each word ends the sentence with chance 51/256: 8 + 4.02 on average.
    assert 11.5 < statistics.fmean(lengths) < 12.5
    assert seen == {w.lower() for w in (*_FILLER, "refund")}


@given(
    seed=st.integers(0, 2**32),
    words=st.integers(0, 400),
    topic=st.lists(st.from_regex(r"[a-z]{1,14}", fullmatch=True), max_size=8),
)
def test_prose_token_shortcut_equals_the_tokenizer(seed: int, words: int, topic: list[str]) -> None:
    text = _prose(random.Random(seed), words, topic)
    assert _prose_tokens(text, words, topic) == count_tokens(text)
