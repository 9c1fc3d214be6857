"""Patterns and small scanners the task reader shares (compiled once, at import).

Patterns that scan long text start with a literal (Python's regex engine then skips ahead
quickly); everything else runs on short slices.
"""

from __future__ import annotations

import re
from itertools import repeat

from fake_provider.task_types import USD_RATES

#: The header that opens a harness user message, in every language inputs drift to.
HEADER_RE = re.compile(
    r"\s*(?:(?P<extract>Customer message|Kundennachricht|Message du client|Mensaje del cliente)"
    r"|(?P<classify>Support ticket|Support-Ticket|Ticket de support|Ticket de soporte)"
    r"|(?P<rag>Context|Kontext|Contexte|Contexto))\s?:",
    re.IGNORECASE,
)
QUESTION_MARKERS: tuple[str, ...] = ("\nQuestion:", "\nQuestion :", "\nFrage:", "\nPregunta:")
#: "with keys: a, b and c" / "fields: a, b" / "key: label", found in lower-cased text.
KEYS_AT_RE = re.compile(r"(?:keys?|fields?)[ \t]*:[ \t]*")
#: The key list right after "keys:" in the original text.
KEY_LIST_RE = re.compile(r"[A-Za-z_]\w*(?:\s*(?:,\s*and|,|and)\s+[A-Za-z_]\w*|,[A-Za-z_]\w*)*")
KEY_NAME_RE = re.compile(r"[A-Za-z_]\w*")
#: Characters stripped from the ends of whitespace-separated words.
PUNCTUATION = ".,;:!?()[]{}<>\"'“”‘’«»¿¡—–/*"
_ASCII_PUNCTUATION = "".join(ch for ch in PUNCTUATION if ch.isascii())


def punctuation_in(text: str) -> str:
    """The part of :data:`PUNCTUATION` that can occur in ``text``: stripping a word of
    an ASCII text by the ASCII marks alone is the same, and about twice as fast."""
    return _ASCII_PUNCTUATION if text.isascii() else PUNCTUATION


_CODES = "|".join(USD_RATES)
CURRENCY_RE = re.compile(rf"\b(?:{_CODES})\b")
#: An amount immediately followed by a currency code: "1,250.00 USD".
MONEY_CODE_RE = re.compile(rf"(\d[\d,]*(?:\.\d+)?)\s?({_CODES})\b")
_CAPITAL = r"[A-ZÀ-Þ][\w'’-]*"
#: A capitalised place name after in/to/for, allowing "Rio de Janeiro", "Frankfurt am Main".
CITY_RE = re.compile(
    rf"\b(?:in|to|for)\s+({_CAPITAL}(?:\s(?:de|da|do|del|am)\s{_CAPITAL}|\s{_CAPITAL})*)"
)
#: A product mention: family name plus a model token with a digit ("Aurora X2", "Ridge 500").
PRODUCT_RE = re.compile(r"\b[A-Z][a-z]+ [A-Z]{0,2}\d+\b")
#: A measured value with its unit ("24 months", "1.4 kg").
VALUE_RE = re.compile(
    r"\b\d+(?:\.\d+)?\s(?:months?|years?|weeks?|days?|hours?|minutes?|kg|g|km|dB|W|Wh|mAh)\b"
)

STOPWORDS = frozenset({
    "a", "an", "the", "is", "are", "was", "were", "be", "been", "am", "do", "does", "did", "of",
    "for", "on", "in", "at", "to", "by", "with", "from", "and", "or", "but", "if", "then",
    "than", "so", "as", "it", "its", "this", "that", "these", "those", "what", "which", "who",
    "whom", "whose", "when", "where", "why", "how", "can", "could", "would", "should", "will",
    "shall", "may", "might", "must", "you", "your", "yours", "me", "my", "mine", "we", "our",
    "us", "i", "he", "she", "they", "them", "their", "his", "her", "have", "has", "had", "tell",
    "please", "about", "there", "here", "any", "some", "not", "no", "just", "also", "very",
    "much", "more", "most", "into", "over", "under", "again", "out", "up", "down", "off", "get",
    "got", "let", "know", "want", "need", "like", "hi", "hello", "dear", "thanks", "thank",
    "regards", "best", "i'm", "i've", "i'd", "it's", "what's", "don't", "can't", "subject",
})  # fmt: skip


def words_of(text: str) -> list[str]:
    """Lower-cased words of ``text`` with surrounding punctuation stripped."""
    marks = punctuation_in(text)
    return list(filter(None, map(str.strip, text.lower().split(), repeat(marks))))


def find_order_id(text: str) -> str | None:
    """The first order ID ("ORD-483920") standing as a word of its own."""
    at = text.find("ORD-")
    while at >= 0:
        digits = text[at + 4 : at + 10]
        if (len(digits) == 6 and digits.isdigit() and not text[at + 10 : at + 11].isdigit()
                and (at == 0 or not text[at - 1].isalnum())):  # fmt: skip
            return text[at : at + 10]
        at = text.find("ORD-", at + 4)
    return None
