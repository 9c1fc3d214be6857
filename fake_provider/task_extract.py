"""Read documents like a model: order fields out of customer messages, categories of tickets.

Hot path: Python's regex engine pays per character scanned unless a pattern starts with a
literal, so fields are located with ``str.find`` or a literal-first pattern on an anchor
(``@``, ``$``, ``ORD-``, a year, a line start) and only the few characters around it are matched.
"""

from __future__ import annotations

import datetime as dt
import re
from itertools import compress, repeat
from typing import Any

from fake_provider.task_patterns import find_order_id, punctuation_in
from fake_provider.task_types import LABELS

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip
_MONTH_ALT = "|".join(_MONTHS)
#: Years anchor date search: a literal prefix lets the regex engine skip ahead quickly.
_YEAR_RE = re.compile(r"20\d\d")
_BEFORE_YEAR_RE = re.compile(
    rf"(?:({_MONTH_ALT}) (\d{{1,2}}),?|(?<!\d)(\d{{1,2}}) ({_MONTH_ALT})) $"
)
_EMAIL_LOCAL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-")
_EMAIL_DOMAIN_RE = re.compile(r"@[\w-]+(?:\.[\w-]+)+")
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?"
_NUMBER_AFTER_RE = re.compile(rf"[ \t]?({_NUMBER})(?!\d)")
_NUMBER_BEFORE_RE = re.compile(rf"(?<![\d,.])({_NUMBER})[ \t]?$")
_NAME_LABEL_RE = re.compile(
    r"\n(?:Bill to|Customer name|Customer|Name|Kunde|Client|Cliente):[ \t]*([^\n<]*)"
)
_NAME_INTROS = ("my name is ", "My name is ", "ich heiße ", "Ich heiße ", "je m'appelle ",
                "Je m'appelle ", "me llamo ", "Me llamo ")  # fmt: skip
_SIGNOFFS = frozenset((
    "Thanks", "Thank you", "Many thanks", "Best", "Best regards", "Kind regards", "Warm regards",
    "Regards", "Cheers", "Sincerely", "Best wishes", "Viele Grüße", "Mit freundlichen Grüßen",
    "Cordialement", "Bien à vous", "Un saludo", "Saludos", "Atentamente",
))  # fmt: skip

# Ticket lexicon: words and two-word phrases that signal each category.
_LEXICON: dict[str, str] = {
    "billing": "charged charge charges invoice invoices refund refunds refunded payment payments "
    "billed bill billing vat overcharged receipt receipts checkout statement|credit card|"
    "bank statement",
    "technical": "crash crashes crashed error errors bug bugs load loading sync api browser "
    "cache upload app apps release firmware reboot reboots|software update|blank page|"
    "export button|settings screen|stopped working",
    "shipping": "package packages parcel parcels tracking courier delivered delivery shipment "
    "shipments ship shipped shipping carrier carrier's arrived box missing",
    "account": "password passwords login locked profile username two-factor 2fa user workspace"
    "|sign in|log in|email address|reset link",
    "cancellation": "cancel cancels cancelled canceled cancelling cancellation terminate "
    "membership renewal unsubscribe continue|close my|end my|switching providers|roll over|"
    "no longer",
}  # fmt: skip
_UNIGRAMS: dict[str, str] = {}
_BIGRAMS: dict[str, str] = {}
for _label, _spec in _LEXICON.items():
    _words, *_phrases = _spec.split("|")
    _UNIGRAMS.update(dict.fromkeys(_words.split(), _label))
    _BIGRAMS.update(dict.fromkeys(_phrases, _label))
_BIGRAM_FIRST_WORDS = frozenset(phrase.split(" ")[0] for phrase in _BIGRAMS)
_FALLBACK_LABEL = "technical"


def _date_ending_at_year(text: str, at: int, end: int) -> dt.date | None:
    """The date whose year occupies ``text[at:end]``: ISO after it, or a month name before."""
    year = int(text[at:end])
    tail = text[end : end + 7]
    iso = tail[:1] == "-" and tail[3:4] == "-" and tail[1:3].isdigit() and tail[4:6].isdigit()
    if iso and not tail[6:7].isdigit():
        return dt.date(year, int(tail[1:3]), int(tail[4:6]))
    found = _BEFORE_YEAR_RE.search(text, max(0, at - 16), at)
    if found is None:
        return None
    month, day = (found.group(1), found.group(2)) if found.group(1) else found.group(4, 3)
    return dt.date(year, _MONTHS.index(month) + 1, int(day))


def _read_date(text: str) -> str | None:
    """The first date written as 2024-03-05, March 5, 2024 or 5 March 2024, in ISO form."""
    found = _YEAR_RE.search(text)
    while found is not None:
        at, end = found.span()
        if (at == 0 or not text[at - 1].isalnum()) and not text[end : end + 1].isalnum():
            try:
                day = _date_ending_at_year(text, at, end)
            except ValueError:
                return None
            if day is not None:
                return day.isoformat()
        found = _YEAR_RE.search(text, at + 1)
    return None


def _read_amount(text: str) -> float | None:
    dollar = text.find("$")
    if dollar >= 0 and (found := _NUMBER_AFTER_RE.match(text, dollar + 1)):
        return float(found.group(1).replace(",", ""))
    code = text.find("USD")
    while code >= 0:
        if found := _NUMBER_AFTER_RE.match(text, code + 3):
            return float(found.group(1).replace(",", ""))
        if found := _NUMBER_BEFORE_RE.search(text[max(0, code - 16) : code]):
            return float(found.group(1).replace(",", ""))
        code = text.find("USD", code + 3)
    return None


def _read_email(text: str) -> str | None:
    at = text.find("@")
    while at > 0:
        start = at
        while start > 0 and text[start - 1] in _EMAIL_LOCAL_CHARS:
            start -= 1
        domain = _EMAIL_DOMAIN_RE.match(text, at)
        if domain is not None and start < at:
            return text[start : domain.end()]
        at = text.find("@", at + 1)
    return None


def _read_name(text: str) -> str | None:
    """From a labelled line, a self-introduction, or the line under a sign-off."""
    labelled = _NAME_LABEL_RE.search(text)
    if labelled is not None and labelled.group(1).strip():
        return labelled.group(1).strip()
    for intro in _NAME_INTROS:
        at = text.find(intro)
        if at >= 0:
            rest = text[at + len(intro) : at + len(intro) + 80]
            cut = min((i for i in map(rest.find, ".,!?\n") if i >= 0), default=len(rest))
            if rest[:cut].strip():
                return rest[:cut].strip()
    # Sign-offs close a message: look at the last few lines only.
    lines = text[-400:].split("\n")
    for i in range(len(lines) - 2, -1, -1):
        if lines[i].strip().rstrip(",!.") in _SIGNOFFS and lines[i + 1].strip():
            return lines[i + 1].strip()
    return None


def read_extract(text: str) -> dict[str, Any]:
    """The order fields a customer message states (None where one cannot be found)."""
    return {
        "customer_name": _read_name(text),
        "email": _read_email(text),
        "order_id": find_order_id(text),
        "amount_usd": _read_amount(text),
        "order_date": _read_date(text),
    }


def read_classify(text: str) -> str:
    """The ticket category whose wording the ticket uses most (ties: the earlier label)."""
    # Word by word in C (map/filter/compress) rather than a Python loop: this runs per request.
    marks = punctuation_in(text)
    words = list(map(str.strip, text.lower().split(), repeat(marks)))
    votes = list(filter(None, map(_UNIGRAMS.get, words)))
    # Only pairs whose first word opens a phrase are joined and looked up.
    opens = map(_BIGRAM_FIRST_WORDS.__contains__, words)
    for at in compress(range(len(words) - 1), opens):
        label = _BIGRAMS.get(words[at] + " " + words[at + 1])
        if label is not None:
            votes.append(label)
    best = max(LABELS, key=votes.count)
    return best if best in votes else _FALLBACK_LABEL
