"""Build retrieval-augmented questions: product docs in chunks, one holding the answer sentence.

Distractor chunks talk about the same product family (other models, other attributes), so a
reader has to match the exact product and attribute; no distractor ever states the asked pair.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from fake_provider.task_inputs import Draft, Inputs
from fake_provider.task_text import RAG_ATTRIBUTES, RAG_FAMILIES, RAG_FILLER

_CHARS_PER_TOKEN = 4

_VALUES: dict[str, Callable[[random.Random], str]] = {
    "warranty": lambda r: f"{r.choice((12, 18, 24, 36, 48, 60))} months",
    "battery": lambda r: f"{r.randint(2, 14)} hours",
    "weight": lambda r: f"{r.randint(110, 480) / 10:.1f} kg",
    "charging": lambda r: f"{r.randrange(30, 301, 15)} minutes",
    "load": lambda r: f"{r.randrange(90, 251, 5)} kg",
    "range": lambda r: f"{r.randrange(10, 151, 5)} km",
    "noise": lambda r: f"{r.randint(38, 78)} dB",
}


class _Facts:
    """Fact sentences about every (model, attribute) pair except the asked one, reshuffled."""

    def __init__(
        self,
        rng: random.Random,
        family: str,
        values: dict[tuple[str, str], str],
        skip: tuple[str, str],
    ) -> None:
        self._rng = rng
        self._family = family
        self._values = values
        self._pairs = [pair for pair in values if pair != skip]
        self._queue: list[tuple[str, str]] = []

    def next(self) -> str:
        if not self._queue:
            self._queue = self._pairs[:]
            self._rng.shuffle(self._queue)
        model, attr = self._queue.pop()
        template = self._rng.choice(RAG_ATTRIBUTES[attr][0])
        return template.format(p=f"{self._family} {model}", v=self._values[model, attr])


def _chunk(
    rng: random.Random, facts: _Facts, family: str, kind: str, chars: float, answer: str | None
) -> str:
    sentences = [answer] if answer else []
    size = len(answer) if answer else 0
    while size < chars:
        if rng.random() < 0.55:
            sentence = facts.next()
        else:
            sentence = rng.choice(RAG_FILLER).format(family=family, kind=kind)
        sentences.append(sentence)
        size += len(sentence) + 1
    rng.shuffle(sentences)
    return " ".join(sentences)


def draft_rag(
    inputs: Inputs,
    *,
    context_chunks: int,
    chunk_tokens: int,
    drop_answer_chunk: bool,
    prompt_multiplier: float,
    system_chars: int,
) -> Draft:
    """A question about one product attribute plus retrieved chunks; golden = the value."""
    rng = inputs.rng
    family, kind, models = rng.choice(RAG_FAMILIES)
    values = {(m, a): _VALUES[a](rng) for m in models for a in RAG_ATTRIBUTES}
    model, attr = rng.choice(models), rng.choice(tuple(RAG_ATTRIBUTES))
    product = f"{family} {model}"
    answers, questions, paraphrase = RAG_ATTRIBUTES[attr]
    text = inputs.text
    if text is not None:
        question = text["rag_question"].format(attr=text["attrs"][attr], p=product)
    elif inputs.topic:
        question = paraphrase.format(p=product)
    else:
        question = rng.choice(questions).format(p=product)
    answer_sentence = rng.choice(answers).format(p=product, v=values[model, attr])
    facts = _Facts(rng, family, values, (model, attr))
    chunk_chars = max(chunk_tokens, 10) * _CHARS_PER_TOKEN * inputs.length_factor
    count = max(int(context_chunks), 1)
    if prompt_multiplier > 1.0:
        # Over-eager retrieval: extra distractor chunks until the prompt is ~multiplier× longer.
        base = count * chunk_chars + system_chars + len(question)
        count += math.ceil((prompt_multiplier - 1.0) * base / chunk_chars)
    answer_at = rng.randrange(min(count, max(int(context_chunks), 1)))
    chunks = [
        _chunk(
            rng,
            facts,
            family,
            kind,
            chunk_chars,
            answer_sentence if i == answer_at and not drop_answer_chunk else None,
        )
        for i in range(count)
    ]
    context = "\n\n".join(f"[{i}] {chunk}" for i, chunk in enumerate(chunks, start=1))
    user = f"{inputs.header('context')}\n{context}\n\n{inputs.header('question')} {question}"
    return Draft(user, values[model, attr])
