"""The tokenizer: pieces rebuild the text, and the fast count agrees with the pieces."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fake_provider.tasks import generate_task
from fake_provider.tokenizer import TokenCounter, count_tokens, split_tokens

_ALPHABET = "ab Z0 9\n\t  ,.\x1c\x0bxyzABC-_'\"é—٣\u00a0\u3000ü日本\u2009’“12345abcdefghijklmn"


@given(st.text(alphabet=_ALPHABET, max_size=80))
def test_count_tokens_equals_the_number_of_pieces(text: str) -> None:
    assert "".join(split_tokens(text)) == text
    assert count_tokens(text) == len(split_tokens(text))


@given(st.text(max_size=60))
def test_count_tokens_agrees_on_any_unicode(text: str) -> None:
    assert count_tokens(text) == len(split_tokens(text))


@pytest.mark.parametrize("char", ["a", "7", " ", "\n", ".", "é", "٣", "\u00a0"])
@pytest.mark.parametrize("length", [1, 2, 3, 4, 9, 10, 11, 20, 21, 31])
def test_count_tokens_splits_long_runs_like_the_pieces(char: str, length: int) -> None:
    for edge in ("", "x", " ", "1", "é"):
        text = edge + char * length + edge
        assert count_tokens(text) == len(split_tokens(text)), repr(text)


def test_count_tokens_agrees_on_harness_prompts() -> None:
    rng = random.Random(3)
    for i in range(200):
        shift = (None, "language", "length", "topic")[i % 4]
        kind = ("extract", "classify", "chat", "rag", "agent")[i % 5]
        task = generate_task(kind, rng, input_shift=shift, shift_strength=1.0)
        for message in task.messages:
            text = message.get("content") or ""
            assert count_tokens(text) == len(split_tokens(text))


def test_token_counter_counts_messages_with_overheads() -> None:
    counter = TokenCounter(capacity=2)
    texts = ("Hello world", "Be brief.", "Hello world")
    assert counter.count_messages(texts) == 3 + 4 * 3 + 2 + 3 + 2
    assert counter.count("Hello world") == 2
