"""Per-task input conditions shared by the task builders: drift, language, Faker, padding."""

from __future__ import annotations

import functools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fake_provider.task_i18n import DRIFT_LOCALES, LOCALE_TEXT
from fake_provider.task_text import NEUTRAL_SENTENCES, USER_HEADERS
from fake_provider.task_types import InputShift

if TYPE_CHECKING:
    from faker import Faker

BASE_LOCALE = "en_US"


@functools.lru_cache(maxsize=8)
def _faker(locale: str) -> Faker:
    """One Faker per locale per process: slow to build, reseeded from the task's rng per use."""
    from faker import Faker

    return Faker(locale, use_weighting=False)


@dataclass(frozen=True, slots=True)
class Draft:
    """The part of a task a kind-specific builder writes: user text and what it should yield."""

    user_text: str
    golden: Any
    expected_call: tuple[str, dict[str, Any]] | None = None


@dataclass(frozen=True, slots=True)
class Inputs:
    """Per-task input conditions after drift is decided (``length_factor`` ≥ 1)."""

    rng: random.Random
    locale: str
    length_factor: float
    topic: bool

    @property
    def text(self) -> dict[str, Any] | None:
        """Translated banks for a drifted locale, None for English."""
        return LOCALE_TEXT.get(self.locale)

    def header(self, name: str) -> str:
        """The user-message header (``Customer message:`` …) in this task's language."""
        text = self.text
        return text["headers"][name] if text else USER_HEADERS[name]

    def faker(self) -> Faker:
        """This locale's Faker, reseeded from the task's rng."""
        fk = _faker(self.locale)
        fk.seed_instance(self.rng.getrandbits(64))
        return fk

    def padding(self, base_chars: int, separator: str = "\n\n") -> str:
        """Neutral sentences adding ``length_factor - 1`` times ``base_chars``; '' when 1."""
        want = (self.length_factor - 1.0) * base_chars
        if want <= 0:
            return ""
        text = self.text
        bank = text["neutral"] if text else NEUTRAL_SENTENCES
        return separator + " ".join(sentences_filling(self.rng, bank, want))


def sentences_filling(rng: random.Random, bank: Sequence[str], chars: float) -> list[str]:
    """Sentences from ``bank`` (each used once per pass, in shuffled order) totalling ``chars``."""
    out: list[str] = []
    size = 0
    deck: list[str] = []
    while size < chars and bank:
        if not deck:
            deck = list(bank)
            rng.shuffle(deck)
        sentence = deck.pop()
        out.append(sentence)
        size += len(sentence) + 1
    return out


def decide_inputs(shift: InputShift | None, strength: float, rng: random.Random) -> Inputs:
    """Draw this task's drift: length scales with strength; language/topic hit a share of tasks."""
    strength = min(max(float(strength), 0.0), 1.0)
    if shift == "length":
        return Inputs(rng, BASE_LOCALE, 1.0 + 4.0 * strength, False)
    if shift == "language" and rng.random() < strength:
        return Inputs(rng, rng.choice(DRIFT_LOCALES), 1.0, False)
    if shift == "topic" and rng.random() < strength:
        return Inputs(rng, BASE_LOCALE, 1.0, True)
    return Inputs(rng, BASE_LOCALE, 1.0, False)
