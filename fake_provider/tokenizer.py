"""A deterministic approximate tokenizer: no vocabulary to download, close to GPT counts.

Text splits into pieces the way byte-pair tokenizers pre-split it: a word of up to ten
ASCII letters with its leading space, up to three digits, one other character, or a run
of white space. English prose comes out near 3–4 characters a token, as with real models.

Counting runs on every prompt and answer, so :func:`count_tokens` gets the same number as
``len(split_tokens(text))`` without making the pieces: it maps the text's bytes to
character-class bits, reads them as one integer, and finds run boundaries with a few
shifts, masks and bit counts over the whole text at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from mypy_extensions import mypyc_attr

from fake_provider.lazy import LazyStrings

_PIECE = re.compile(r" ?[A-Za-z]{1,10}| ?\d{1,3}| ?[^\sA-Za-z\d]|\s+")

#: Tokens a chat message costs beyond its content (role and separators), as OpenAI counts.
MESSAGE_OVERHEAD_TOKENS = 4
#: Tokens that prime every reply.
REPLY_PRIMING_TOKENS = 3


def split_tokens(text: str) -> list[str]:
    """Split ``text`` into token pieces; ``"".join(split_tokens(t)) == t`` always holds."""
    return _PIECE.findall(text)


def _byte_class(byte: int) -> str:
    """The class ``_PIECE`` gives a UTF-8 byte: letter, digit, space, other white space,
    other character (a lead byte stands for its whole character) or continuation byte."""
    if byte >= 0xC0:
        return "other"
    if byte >= 0x80:
        return "continuation"
    ch = chr(byte)
    if re.fullmatch(r"[A-Za-z]", ch):
        return "letter"
    if re.fullmatch(r"\d", ch):
        return "digit"
    if ch == " ":
        return "space"
    return "white" if re.fullmatch(r"\s", ch) else "other"


def _table(marks: dict[str, bytes], default: bytes) -> bytes:
    return b"".join(marks.get(_byte_class(b), default) for b in range(256))


# Class bits of each byte of the text's translation, so one big integer holds them all and
# a shift by 8 lines every byte up with its neighbour. Lanes: letter, digit, space, white
# space (spaces too: both start and continue one white-space run), other character, and any
# character that is not white space; continuation bytes get no bit.
_LETTER, _DIGIT, _SPACE, _WHITE, _OTHER, _CHAR = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
_CLASS_BITS = _table(
    {
        "letter": bytes((_LETTER | _CHAR,)),
        "digit": bytes((_DIGIT | _CHAR,)),
        "space": bytes((_SPACE | _WHITE,)),
        "white": bytes((_WHITE,)),
        "other": bytes((_OTHER | _CHAR,)),
    },
    b"\x00",
)
_LONG_WORD = bytes((_LETTER | _CHAR,)) * 11  # a letter run needing two 10-letter pieces
_LONG_NUMBER = bytes((_DIGIT | _CHAR,)) * 4  # a digit run needing two 3-digit pieces
_ASCII = bytes(range(0x80))
#: Lane masks for texts up to this many bytes (longer ones build their own).
_LANE_BYTES = 1 << 16


def _lane(bits: int, size: int) -> int:
    """``bits`` repeated in each of ``size`` bytes, as an integer."""
    return int.from_bytes(bytes((bits,)) * size, "little")


_RUNS_LANES = _lane(_LETTER | _DIGIT | _WHITE, _LANE_BYTES)
_OTHER_LANES = _lane(_OTHER, _LANE_BYTES)
_SPACE_LANES = _lane(_SPACE, _LANE_BYTES)


def _special_char_in(raw: bytes) -> bool:
    """Whether a non-ASCII character of the UTF-8 ``raw`` is a digit or white space to
    ``_PIECE``; only the non-ASCII characters are decoded and looked at."""
    rest = raw.translate(None, _ASCII).decode()
    return any(ch.isdecimal() or ch.isspace() for ch in set(rest))


def _run_starts(marks: bytes) -> int:
    """Pieces of a text with class bits ``marks``, counting each letter and digit run once:
    a piece starts at each letter, digit or white-space run and at each other character,
    except that a lone space joins the piece after it."""
    classes = int.from_bytes(marks, "little")
    runs, others, spaces = _RUNS_LANES, _OTHER_LANES, _SPACE_LANES
    if len(marks) > _LANE_BYTES:
        size = len(marks)
        runs, others, spaces = (_lane(b, size) for b in (_LETTER | _DIGIT | _WHITE, _OTHER, _SPACE))
    # Where a run starts: the byte has the class bit and the byte before does not.
    starts = classes ^ (classes & (classes << 8))
    pieces = (starts & runs) | (classes & others)
    # A space that starts a white-space run (its white bit, shifted onto the space bit) with
    # a character after it (the next byte's character bit, shifted onto the space bit).
    joined = (starts >> 1) & classes & (classes >> 11) & spaces
    return pieces.bit_count() - joined.bit_count()


def _extra_pieces(marks: bytes, run: bytes, size: int) -> int:
    """Pieces beyond one per run, in the runs of ``marks`` that start with ``run`` (more
    than ``size`` bytes of one class); a run rarely goes on for more than a few bytes."""
    extra = 0
    mark, limit = run[0], len(marks)
    at = marks.find(run)
    while at >= 0:
        end = at + len(run)
        while end < limit and marks[end] == mark:
            end += 1
        extra += (end - at - 1) // size
        at = marks.find(run, end)
    return extra


def count_tokens(text: str) -> int:
    """``len(split_tokens(text))``, computed without building the pieces.

    A piece starts at each letter run (plus one per further 10 letters), each digit run
    (plus one per further 3 digits), each other character, and each white-space run except
    a lone space that joins the piece after it.
    """
    if not text:
        return 0
    raw = text.encode()
    if not text.isascii() and _special_char_in(raw):
        return len(_PIECE.findall(text))
    marks = raw.translate(_CLASS_BITS)
    return (
        _run_starts(marks)
        + _extra_pieces(marks, _LONG_WORD, 10)
        + _extra_pieces(marks, _LONG_NUMBER, 3)
    )


@mypyc_attr(native_class=False)
class TokenPieces(LazyStrings):
    """The token pieces of ``text``, split on first read: ``len()`` alone only counts them.

    Most answers are sent whole and need just their token count; splitting is for streams
    and ``max_tokens`` cuts.

    Example::

        pieces = TokenPieces("Hello world")
        len(pieces)  # 2, without splitting
        pieces[1]  # " world"
    """

    __slots__ = ("_count", "text")

    def __init__(self, text: str, count: int = -1) -> None:
        """``count``, when known (>= 0), must be ``count_tokens(text)``."""
        self.text = text
        self._count = count
        self._items = None

    def __len__(self) -> int:
        if self._count < 0:
            pieces = self._items
            self._count = count_tokens(self.text) if pieces is None else len(pieces)
        return self._count

    def _work_out(self) -> tuple[str, ...]:
        return tuple(split_tokens(self.text))


@mypyc_attr(native_class=False)
class TokenCounter:
    """Counts tokens with a bounded memo, since system prompts and tool specs repeat.

    Example::

        counter = TokenCounter()
        counter.count("Hello world")  # 2
    """

    __slots__ = ("_capacity", "_memo")

    def __init__(self, capacity: int = 4096) -> None:
        self._memo: dict[str, int] = {}
        self._capacity = capacity

    def count(self, text: str) -> int:
        """Number of tokens in ``text``."""
        n = self._memo.get(text)
        if n is None:
            n = count_tokens(text)
            if len(self._memo) >= self._capacity:
                self._memo.clear()
            self._memo[text] = n
        return n

    def count_messages(self, contents: Iterable[str]) -> int:
        """Prompt tokens of a conversation whose message texts are ``contents``."""
        total = REPLY_PRIMING_TOKENS
        memo = self._memo
        for text in contents:
            n = memo.get(text)
            total += MESSAGE_OVERHEAD_TOKENS + (n if n is not None else self.count(text))
        return total
