"""Read a conversation the way a model would: which task it is and what a perfect answer says.

This runs on the provider's per-request hot path, so it is regexes compiled once, a short
memo of system-prompt facts, and no parsing beyond small tool results.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from mypy_extensions import mypyc_attr

from fake_provider.lazy import LazyStrings
from fake_provider.record_builder import record_builder
from fake_provider.task_extract import read_classify, read_extract
from fake_provider.task_patterns import (
    CITY_RE,
    CURRENCY_RE,
    HEADER_RE,
    KEY_LIST_RE,
    KEY_NAME_RE,
    KEYS_AT_RE,
    MONEY_CODE_RE,
    PRODUCT_RE,
    PUNCTUATION,
    QUESTION_MARKERS,
    STOPWORDS,
    VALUE_RE,
    find_order_id,
    words_of,
)
from fake_provider.task_tools import answer_from_tool_result, tool_for_result
from fake_provider.task_types import TOOL_NAMES, Reading, TaskKind

_MAX_TOOL_RESULT_CHARS = 8192
_new_reading = record_builder(Reading)
_NO_TOOLS: frozenset[str] = frozenset()
ToolCall = tuple[str, dict[str, Any]]


def _text(content: Any) -> str:
    """Message content as text (string content or the text parts of a content list)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            p["text"] for p in content if isinstance(p, Mapping) and isinstance(p.get("text"), str)
        )
    return ""


def _keys_in(text: str) -> tuple[str, ...]:
    """Key names listed after "keys:"/"fields:" ("with keys: a, b and c")."""
    if text.isascii():
        # One lower-casing pass settles most messages, which name neither word in any case.
        lower = text.lower()
        if "key" not in lower and "field" not in lower:
            return ()
    if not ("key" in text or "field" in text or "Key" in text or "Field" in text
            or "KEY" in text or "FIELD" in text):  # fmt: skip
        return ()
    lower = text.lower()
    for word in ("key", "field"):
        at = lower.find(word)
        while at >= 0:
            found = KEYS_AT_RE.match(lower, at)
            if found is not None and (at == 0 or not lower[at - 1].isalnum()):
                listed = KEY_LIST_RE.match(text, found.end())
                if listed is not None:
                    names = KEY_NAME_RE.findall(listed.group(0))
                    return tuple(k for k in names if k.lower() != "and")
            at = lower.find(word, at + 1)
    return ()


def _mentions_json(text: str) -> bool:
    # Exact finds beat lower-casing a long, possibly non-ASCII message; most messages have
    # no "j" at all, which one memchr-fast find per case settles.
    if "j" not in text and "J" not in text:
        return False
    return "JSON" in text or "json" in text or "Json" in text


@functools.lru_cache(maxsize=128)
def _instruction_facts(system: str) -> tuple[bool, tuple[str, ...]]:
    """(asks for JSON, keys it names) for a system prompt; memoised as prompts repeat."""
    return "json" in system.lower(), _keys_in(system)


def _topic_words(text: str, limit: int = 4) -> tuple[str, ...]:
    """A few content words from the start of ``text`` (the fake model's prose draws on them)."""
    return _head_topic_words(text[:160], limit)


@functools.lru_cache(maxsize=1024)
def _head_topic_words(head: str, limit: int) -> tuple[str, ...]:
    # Memoised: chat prompts and RAG questions repeat across requests.
    words: list[str] = []
    for raw in head.split():
        if len(raw) > 3:
            word = raw.strip(PUNCTUATION).lower()
            if len(word) > 3 and word.isalpha() and word not in STOPWORDS and word not in words:
                words.append(word)
                if len(words) == limit:
                    break
    return tuple(words)


def _sentence_around(context: str, at: int, after: int) -> str:
    """The sentence holding ``context[at:after]``: from the last ". ", "] " or line start
    before it to the next ". " or line end after it."""
    # Each search stops at the nearer bound: a line start or "] " matters only when it comes
    # after the previous ". ", and a line end only when it comes before the next one.
    dot = context.rfind(". ", 0, at)
    low = max(dot, 0)
    start = max(dot, context.rfind("] ", low, at), context.rfind("\n", low, at)) + 1
    end = context.find(". ", after)
    end = len(context) if end < 0 else end
    newline = context.find("\n", after, end)
    return context[start : end if newline < 0 else newline]


def _may_overlap(context: str, wanted: set[str], at: int, after: int) -> bool:
    """Whether a wanted word occurs, lower-cased, between the ". " before ``at`` and the one
    after ``after``: a cheap test that holds for every sentence sharing a word with them."""
    low = context.rfind(". ", 0, at) + 1
    high = context.find(". ", after)
    window = context[low : high if high >= 0 else len(context)].lower()
    for word in wanted:  # noqa: SIM110 - a loop: any() over a generator costs more here
        if word in window:
            return True
    return False


def _best_sentence_value(context: str, name: str, wanted: set[str]) -> str | None:
    """The value in the sentence that names product ``name`` and shares most question words."""
    best: tuple[int, str] | None = None
    # Most sentences naming the product are about another attribute: a word test on the text
    # around the name skips them (for ASCII text, where lower-casing maps char to char).
    prefilter = context.isascii()
    at = context.find(name)
    while at >= 0:
        after = at + len(name)
        if (after >= len(context) or not context[after].isalnum()) and (
            not prefilter or _may_overlap(context, wanted, at, after)
        ):
            sentence = _sentence_around(context, at, after)
            overlap = len(wanted.intersection(words_of(sentence)))
            if overlap and (best is None or overlap > best[0]):
                values = VALUE_RE.findall(sentence)
                if values:
                    best = (overlap, values[-1])
        at = context.find(name, after)
    return best[1] if best else None


def _question_at(user: str) -> tuple[int, str]:
    """Position and text of the last question marker in ``user`` ((-1, "") when none)."""
    # Every marker starts with a newline, so only line starts are candidates, last first.
    at = user.rfind("\n")
    while at >= 0:
        for marker in QUESTION_MARKERS:
            if user.startswith(marker, at):
                return at, marker
        at = user.rfind("\n", 0, at)
    return -1, ""


def _read_rag(user: str) -> tuple[str | None, str]:
    """(answer value or None, question) from a context-plus-question message."""
    at, marker = _question_at(user)
    if at < 0:
        return None, ""
    end = user.find("\n", at + len(marker))
    question = user[at + len(marker) : end if end >= 0 else len(user)].strip()
    product = PRODUCT_RE.search(question)
    if product is None:
        return None, question
    name = product.group(0)
    wanted = set(words_of(question)) - STOPWORDS - set(name.lower().split())
    return _best_sentence_value(user[:at], name, wanted), question


def _needed_call(user: str, offered: frozenset[str]) -> ToolCall | None:
    """The tool call the user's goal needs, with arguments taken from the message."""
    if "lookup_order" in offered and (order_id := find_order_id(user)):
        return "lookup_order", {"order_id": order_id}
    if "convert_currency" in offered and (money := MONEY_CODE_RE.search(user)):
        src = money.group(2)
        dst = next((c for c in CURRENCY_RE.findall(user, money.end()) if c != src), None)
        dst = dst or next((c for c in CURRENCY_RE.findall(user) if c != src), None)
        try:
            amount = float(money.group(1).replace(",", ""))
        except ValueError:
            amount = None
        if dst is not None and amount is not None:
            return "convert_currency", {"amount": amount, "from": src, "to": dst}
    if "get_weather" in offered and (city := CITY_RE.search(user)):
        return "get_weather", {"city": city.group(1)}
    return None


def _tool_results(messages: Sequence[Mapping[str, Any]]) -> list[tuple[str | None, Any]]:
    """(tool name, parsed result) for each tool message, in order."""
    names: dict[Any, Any] = {}
    out: list[tuple[str | None, Any]] = []
    for msg in messages:
        role = msg.get("role")
        if role == "assistant":
            for call in msg.get("tool_calls") or ():
                if isinstance(call, Mapping) and isinstance(call.get("function"), Mapping):
                    names[call.get("id")] = call["function"].get("name")
        elif role == "tool":
            content = _text(msg.get("content"))
            try:
                result = orjson.loads(content) if len(content) <= _MAX_TOOL_RESULT_CHARS else None
            except orjson.JSONDecodeError:
                result = None
            name = names.get(msg.get("tool_call_id"))
            if isinstance(result, Mapping) and name is None:
                name = tool_for_result(result)
            out.append((name if isinstance(name, str) else None, result))
    return out


def _read_agent(
    after_user: Sequence[Mapping[str, Any]], user: str, offered: frozenset[str]
) -> tuple[str | None, ToolCall | None]:
    """(final answer, tool call still needed) for an agent conversation."""
    needed = _needed_call(user, offered)
    results = _tool_results(after_user)
    if needed is not None:
        results = [r for r in results if r[0] == needed[0]]
    if not results:
        return None, needed
    name, result = results[-1]
    if not isinstance(result, Mapping) or "error" in result:
        return None, None
    return answer_from_tool_result(name or tool_for_result(result), result), None


def _offered_tools(tools: Sequence[Mapping[str, Any]]) -> frozenset[str]:
    if not tools:
        return _NO_TOOLS
    names = set()
    for tool in tools:
        fn = tool.get("function") if isinstance(tool, Mapping) else None
        if isinstance(fn, Mapping) and isinstance(fn.get("name"), str):
            names.add(fn["name"])
    return frozenset(names)


@mypyc_attr(native_class=False)
class _TopicWords(LazyStrings):
    """:func:`_topic_words` of a text, worked out on first use: most replies (JSON, a stated
    answer) never read them."""

    __slots__ = ("_source",)

    def __init__(self, source: str) -> None:
        self._source = source
        self._items = None

    def _work_out(self) -> tuple[str, ...]:
        return _topic_words(self._source)


def read_conversation(
    messages: Sequence[Mapping[str, Any]], tools: Sequence[Mapping[str, Any]] = ()
) -> Reading:
    """What a perfect model recovers from ``messages``: task kind, answer, format, next tool call.

    ``kind`` is None for anything that is not a recognisable harness task (harness chat too).

    >>> read_conversation(task.messages, task.tools).answer  # doctest: +SKIP
    'billing'
    """
    kind, answer, wants_json, keys, tool_call, topic_source = _read(messages, tools)
    return _new_reading(kind, answer, wants_json, keys, tool_call, _topic_words(topic_source))


def read_for_reply(
    messages: Sequence[Mapping[str, Any]], tools: Sequence[Mapping[str, Any]] = ()
) -> Reading:
    """:func:`read_conversation` for the fake model's reply (hot path): the same reading, but
    ``topic_words`` is a sequence worked out only if the reply reads it."""
    kind, answer, wants_json, keys, tool_call, topic_source = _read(messages, tools)
    topics = _TopicWords(topic_source)
    return _new_reading(kind, answer, wants_json, keys, tool_call, topics)


def _read(
    messages: Sequence[Mapping[str, Any]], tools: Sequence[Mapping[str, Any]]
) -> tuple[TaskKind | None, Any, bool, tuple[str, ...], ToolCall | None, str]:
    """The reading's fields, with the text its topic words come from instead of the words."""
    system_parts: list[str] = []
    last_user = -1
    if not all(type(m) is dict for m in messages):
        messages = [m for m in messages if isinstance(m, Mapping)]
    for i, msg in enumerate(messages):
        role = msg.get("role")
        if role in ("system", "developer"):
            system_parts.append(_text(msg.get("content")))
        elif role == "user":
            last_user = i
    user = _text(messages[last_user].get("content")) if last_user >= 0 else ""
    wants_json, keys = _instruction_facts("\n".join(system_parts))
    wants_json = wants_json or _mentions_json(user)
    keys = keys or _keys_in(user)
    offered = _offered_tools(tools)
    after_user = messages[last_user + 1 :]
    kind: TaskKind | None = None
    answer: Any = None
    tool_call: ToolCall | None = None
    topic_source = user
    if offered & TOOL_NAMES or (after_user and any(m.get("role") == "tool" for m in after_user)):
        kind = "agent"
        answer, tool_call = _read_agent(after_user, user, offered & TOOL_NAMES)
    elif header := HEADER_RE.match(user):
        kind = header.lastgroup  # type: ignore[assignment]
        body = topic_source = user[header.end() :]
        if kind == "extract":
            answer = read_extract(body)
        elif kind == "classify":
            answer = read_classify(body)
        else:
            answer, topic_source = _read_rag(user)
    return kind, answer, wants_json, keys, tool_call, topic_source
