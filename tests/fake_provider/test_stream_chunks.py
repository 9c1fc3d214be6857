"""Streamed chunks: built on demand, in OpenAI's order, adding up to the whole answer."""

from __future__ import annotations

import orjson
import pytest

from fake_provider.model import Generation
from fake_provider.stream_chunks import StreamChunks, chunk_offsets
from fake_provider.tokenizer import split_tokens

_HEAD = {"id": "chatcmpl-1", "created": 1, "model": "gpt-4o-mini", "system_fingerprint": "fp"}


def _text(content: str, finish: str = "stop") -> Generation:
    return Generation(content, None, (), finish, tuple(split_tokens(content)))


def test_text_stream_is_role_pieces_finish_then_usage() -> None:
    gen = _text("Hello there, world.")
    usage = {"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8}
    chunks = StreamChunks(_HEAD, gen, usage)
    items = list(chunks)
    assert len(chunks) == len(items) == len(gen.pieces) + 3
    assert items[0]["choices"][0]["delta"] == {"role": "assistant", "content": "", "refusal": None}
    text = "".join(c["choices"][0]["delta"]["content"] for c in items[1:-2])
    assert text == gen.content
    assert items[-2]["choices"][0] == {
        "index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"
    }  # fmt: skip
    assert items[-1]["choices"] == [] and items[-1]["usage"] == usage
    assert all(c["object"] == "chat.completion.chunk" and c["usage"] is None for c in items[:-1])


def test_tool_call_stream_announces_the_call_then_streams_arguments() -> None:
    arguments = '{"order_id":"ORD-123456"}'
    function = {"name": "lookup_order", "arguments": arguments}
    call = {"id": "call_1", "type": "function", "function": function}
    gen = Generation(None, None, (call,), "tool_calls", tuple(split_tokens(arguments)))
    items = list(StreamChunks(_HEAD, gen, None))
    first = items[0]["choices"][0]["delta"]["tool_calls"][0]
    assert first["id"] == "call_1" and first["function"] == {
        "name": "lookup_order",
        "arguments": "",
    }
    args = "".join(
        c["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"] for c in items[1:-1]
    )
    assert args == arguments
    assert items[-1]["choices"][0]["finish_reason"] == "tool_calls"


def test_chunks_index_like_a_sequence() -> None:
    chunks = StreamChunks(_HEAD, _text("a b c"), None)
    assert chunks[-1] == list(chunks)[-1]
    assert list(chunks[1:3]) == list(chunks)[1:3]
    with pytest.raises(IndexError):
        chunks[len(chunks)]


@pytest.mark.parametrize("usage", [None, {"prompt_tokens": 1}])
@pytest.mark.parametrize(
    "gen",
    [
        _text('Quotes " and \\ backslashes, ünïcode, \u2028 and \x00 survive.'),
        Generation(None, "I can't help with that.", (), "stop", ("I can't", " help")),
        Generation(
            None,
            None,
            ({"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}},),
            "tool_calls",
            ("{", '"a": "\\"', "}"),
        ),
    ],
    ids=["text", "refusal", "tool_call"],
)
def test_encoded_chunks_equal_the_chunks_encoded_whole(
    gen: Generation, usage: dict[str, int] | None
) -> None:
    chunks = StreamChunks(_HEAD, gen, usage)
    assert [chunks.encoded(i) for i in range(len(chunks))] == [orjson.dumps(c) for c in chunks]


def test_offsets_put_role_and_first_piece_at_ttft() -> None:
    assert chunk_offsets(0.2, [0.02, 0.02], 5) == pytest.approx((0.2, 0.2, 0.22, 0.24, 0.24))
