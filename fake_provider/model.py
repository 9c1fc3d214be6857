"""The fake model: reads the conversation and writes an answer the way its profile dictates.

It follows the request's content as a real model would (JSON when asked, tools when offered,
answers recovered from harness prompts) and fails the way its behaviour profile says:
format drift, wrong values, refusals, verbosity, tool loops.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import orjson
from mypy_extensions import mypyc_attr

from fake_provider.config import BehaviourProfile
from fake_provider.record_builder import record_builder
from fake_provider.request import ChatRequest
from fake_provider.schema_instance import instance_for
from fake_provider.tasks import Reading, answer_as_prose, wrong_answer
from fake_provider.tokenizer import TokenPieces, count_tokens, split_tokens

REFUSAL_TEXT = "I'm sorry, but I can't help with that request."
_REFUSAL_PIECES = tuple(split_tokens(REFUSAL_TEXT))

_FILLER = (
    "the", "system", "request", "result", "value", "data", "team", "process", "customer",
    "detail", "answer", "context", "model", "summary", "approach", "update", "option",
    "record", "question", "service", "important", "note", "overall", "further", "clear",
    "useful", "several", "however", "typically", "might", "should", "consider", "also",
    "because", "which", "example", "general", "specific", "response", "review",
)  # fmt: skip
_OPENERS = ("Sure", "Certainly", "Of course", "Absolutely", "Happy to help")


@dataclass(frozen=True, slots=True)
class Modifiers:
    """What active faults change about generation."""

    output_multiplier: float = 1.0
    loop_pattern: str | None = None


@mypyc_attr(native_class=False)
@dataclass(frozen=True, slots=True)
class Generation:
    """One completion before timing: text or tool calls, pieces as streamed, token count."""

    content: str | None
    refusal: str | None
    tool_calls: tuple[dict[str, Any], ...]
    finish_reason: str
    #: Token pieces in streaming order (content, or the tool call's arguments).
    pieces: Sequence[str]
    #: Ground truth: the model meant a wrong answer / broke the requested format.
    answer_wrong: bool = False
    format_broken: bool = False


_new_generation = record_builder(Generation)


def _prose(rng: random.Random, tokens: int, topic: Sequence[str]) -> str:
    """Deterministic filler prose of ``tokens`` words mentioning the topic words, in sentences
    of eight words or more (after the eighth, each word ends its sentence with chance 0.2;
    the last sentence is cut short where the words run out)."""
    if tokens <= 0:
        return "."
    vocab = (*_FILLER, *topic[:6]) if topic else _FILLER
    # Every prose answer runs this, so no loop per word: one byte per word picks it and one
    # more says whether it may end a sentence, both mapped through tables in C.
    picks = rng.getrandbits(8 * tokens).to_bytes(tokens, "little").translate(_PICKS[len(vocab)])
    words = list(itemgetter(*picks)(vocab)) if tokens > 1 else [vocab[picks[0]]]
    stops = rng.getrandbits(8 * tokens).to_bytes(tokens, "little").translate(_STOPS)
    start = 0
    while start < tokens:
        words[start] = words[start].capitalize()
        stop = stops.find(1, start + 7)
        start = tokens if stop < 0 else stop + 1
        words[start - 1] += "."
    return " ".join(words)


#: Byte -> index into a vocabulary of n words, for each size a prose vocabulary can have:
#: near-uniform (each word gets the floor or the ceiling of 256 / n of the byte values).
_PICKS = {n: bytes(b * n >> 8 for b in range(256)) for n in range(len(_FILLER), len(_FILLER) + 7)}
#: Byte -> 1 if a word past the eighth of its sentence ends it (51 of 256 values: 0.2).
_STOPS = bytes(int(b < 51) for b in range(256))


def _one_piece(word: str) -> bool:
    """Whether ``word`` (capitalised or not, after a space or not) is one token piece."""
    return len(word) <= 10 and word.isascii() and word.isalpha()


_FILLER_ONE_PIECE = all(map(_one_piece, _FILLER))


def _prose_tokens(text: str, words: int, topic: Sequence[str]) -> int:
    """``count_tokens`` of a text ``_prose`` wrote with ``words`` words from ``topic``:
    one piece per word and one per period when every word is one piece, else counted."""
    if _FILLER_ONE_PIECE and all(map(_one_piece, topic[:6])):
        return words + text.count(".")
    return count_tokens(text)


def _prose_length(profile: BehaviourProfile, mods: Modifiers, rng: random.Random) -> int:
    median = profile.prose_tokens_median * profile.verbosity * mods.output_multiplier
    return max(3, int(median * math.exp(rng.gauss(0.0, 0.35))))


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(p.capitalize() for p in rest) if rest else key + "_value"


def _json_target(req: ChatRequest, reading: Reading, answer: Any, rng: random.Random) -> Any:
    fmt = req.response_format or {}
    if fmt.get("type") == "json_schema":
        schema = (fmt.get("json_schema") or {}).get("schema") or {"type": "object"}
        props = schema.get("properties")
        if answer is not None and not isinstance(answer, Mapping) and isinstance(props, Mapping):
            # A scalar answer (a label, a fact) goes into the schema's first field.
            answer = {next(iter(props), "answer"): answer}
        return instance_for(schema, rng, answer)
    if isinstance(answer, Mapping):
        return dict(answer)
    if reading.json_keys:
        if answer is None:
            return {k: f"{rng.choice(_FILLER)} {rng.choice(_FILLER)}" for k in reading.json_keys}
        return {reading.json_keys[0]: answer, **{k: None for k in reading.json_keys[1:]}}
    if answer is not None:
        return {"answer": answer}
    return {"response": _prose(rng, 12, reading.topic_words)}


def _render_json(
    value: Any, profile: BehaviourProfile, mods: Modifiers, rng: random.Random
) -> tuple[str, bool]:
    """The JSON text, broken the profile's way with probability 1 - format_adherence."""
    broken = rng.random() >= profile.format_adherence
    text = orjson.dumps(value).decode()
    if broken:
        if profile.format_style == "prose_wrapped":
            pretty = orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()
            text = (
                f"{rng.choice(_OPENERS)}! Here is the JSON you asked for:\n\n```json\n{pretty}\n```"
                "\n\nLet me know if you need anything else."
            )
        elif profile.format_style == "renamed_keys" and isinstance(value, Mapping):
            text = orjson.dumps({_camel(k): v for k, v in value.items()}).decode()
        else:
            text = text[: max(1, len(text) - 1 - rng.randint(0, max(1, len(text) // 4)))]
    if mods.output_multiplier > 1.5:
        # A verbose model keeps talking after the object; long enough, it hits max_tokens.
        extra = _prose_length(BehaviourProfile("burst"), mods, rng)
        text += "\n\n" + _prose(rng, extra, ())
        broken = True
    return text, broken


def _tool_call(name: str, args: Any, rng: random.Random) -> dict[str, Any]:
    call_id = "call_" + "".join(
        rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(24)
    )
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": name, "arguments": orjson.dumps(args).decode()},
    }


def _previous_calls(req: ChatRequest) -> list[Mapping[str, Any]]:
    calls: list[Mapping[str, Any]] = []
    for msg in req.messages:
        if msg.get("role") == "assistant" and isinstance(msg.get("tool_calls"), list):
            calls.extend(c for c in msg["tool_calls"] if isinstance(c, Mapping))
    return calls


def _choose_tool_call(
    req: ChatRequest,
    reading: Reading,
    profile: BehaviourProfile,
    mods: Modifiers,
    rng: random.Random,
) -> dict[str, Any] | None:
    """The tool call this turn makes, or None when the model answers instead."""
    if not req.tools:
        return None
    tools = {t["function"]["name"]: t["function"] for t in req.tools}
    if not tools or req.tool_choice == "none" or profile.tool_policy == "never":
        return None
    looping = mods.loop_pattern or ("repeat" if profile.tool_policy == "loop" else None)
    previous = _previous_calls(req)
    if looping and previous:
        return _loop_call(tools, previous, looping, rng)
    if isinstance(req.tool_choice, Mapping):
        name = str(req.tool_choice["function"]["name"])
    elif req.messages[-1].get("role") == "tool" and not looping and req.tool_choice != "required":
        return None  # the results are in: answer
    elif reading.tool_call is not None and reading.tool_call[0] in tools:
        name = reading.tool_call[0]
    else:
        name = next(iter(tools))
    given = reading.tool_call[1] if reading.tool_call and reading.tool_call[0] == name else None
    return _tool_call(name, instance_for(tools[name].get("parameters") or {}, rng, given), rng)


def _loop_call(
    tools: Mapping[str, Mapping[str, Any]],
    previous: Sequence[Mapping[str, Any]],
    pattern: str,
    rng: random.Random,
) -> dict[str, Any]:
    """A call that keeps the loop going: the first call again, or the tools in turn."""
    if pattern == "repeat":
        fn = previous[0].get("function") or {}
        name = str(fn.get("name"))
        try:
            args = orjson.loads(str(fn.get("arguments", "{}")))
        except orjson.JSONDecodeError:
            args = {}
        if name in tools:
            return _tool_call(name, args, rng)
    names = sorted(tools)
    name = names[len(previous) % len(names)]
    return _tool_call(name, instance_for(tools[name].get("parameters") or {}, rng), rng)


def generate(
    req: ChatRequest,
    reading: Reading,
    profile: BehaviourProfile,
    mods: Modifiers,
    rng: random.Random,
) -> Generation:
    """Write the completion for ``req`` (before max_tokens and stop are applied)."""
    wants_json = bool(req.response_format) or reading.wants_json
    if rng.random() < profile.refusal_rate:
        if req.response_format and req.response_format.get("type") == "json_schema":
            return _new_generation(
                None,
                REFUSAL_TEXT,
                (),
                "stop",
                _REFUSAL_PIECES,
                answer_wrong=reading.answer is not None,
                format_broken=True,
            )
        return _new_generation(
            REFUSAL_TEXT,
            None,
            (),
            "stop",
            _REFUSAL_PIECES,
            answer_wrong=reading.answer is not None,
            format_broken=wants_json,
        )
    call = _choose_tool_call(req, reading, profile, mods, rng)
    if call is not None:
        pieces = TokenPieces(call["function"]["arguments"])
        return _new_generation(None, None, (call,), "tool_calls", pieces)
    answer = reading.answer
    wrong = False
    error_p = (1.0 - profile.accuracy) + profile.temperature_sensitivity * max(
        0.0, req.temperature - 0.7
    )
    if answer is not None and rng.random() < error_p:
        answer, wrong = wrong_answer(reading, rng), True
    if wants_json:
        text, broken = _render_json(_json_target(req, reading, answer, rng), profile, mods, rng)
        return _new_generation(text, None, (), "stop", TokenPieces(text), wrong, broken)
    length = _prose_length(profile, mods, rng)
    if answer is None:
        text = _prose(rng, length, reading.topic_words)
        pieces = TokenPieces(text, _prose_tokens(text, length, reading.topic_words))
        return _new_generation(text, None, (), "stop", pieces, wrong, False)
    text = answer_as_prose(reading, answer)
    extra = length - count_tokens(text)
    if profile.verbosity * mods.output_multiplier > 1.2 and extra > 0:
        text += " " + _prose(rng, extra, reading.topic_words)
    return _new_generation(text, None, (), "stop", TokenPieces(text), wrong, False)


def apply_limits(gen: Generation, stop: Sequence[str], max_tokens: int | None) -> Generation:
    """Cut the completion at the first stop sequence, then at ``max_tokens`` tokens."""
    content, pieces, finish = gen.content, gen.pieces, gen.finish_reason
    if content is not None and stop:
        cuts = [i for i in (content.find(s) for s in stop) if i >= 0]
        if cuts:
            content = content[: min(cuts)]
            pieces = TokenPieces(content)
    if max_tokens is not None and len(pieces) > max_tokens:
        pieces = pieces[:max_tokens]
        finish = "length"
        if content is not None:
            content = "".join(pieces)
        elif gen.tool_calls:
            call = gen.tool_calls[0]
            cut = {**call, "function": {**call["function"], "arguments": "".join(pieces)}}
            return _new_generation(
                None, gen.refusal, (cut,), finish, pieces, gen.answer_wrong, True
            )
    if content is gen.content and finish == gen.finish_reason:
        return gen
    broken = gen.format_broken or finish == "length"
    return _new_generation(
        content, gen.refusal, gen.tool_calls, finish, pieces, gen.answer_wrong, broken
    )
