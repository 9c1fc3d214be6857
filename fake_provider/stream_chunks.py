"""The SSE chunks of a streamed answer and when each goes out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, overload

import orjson

from fake_provider.model import Generation


class StreamChunks(Sequence[Mapping[str, Any]]):
    """The SSE chunk objects of one stream: role, one per token piece, finish, usage if asked.

    Each chunk is built only when it is read: the HTTP renderer encodes them all once, when
    the stream starts, through :meth:`encoded`, which splices each token piece into one frame
    instead of building its dict; virtual time reads the dicts directly.
    """

    __slots__ = ("_base", "_call", "_field", "_finish", "_frame", "_pieces", "_usage")

    def __init__(
        self, head: Mapping[str, Any], gen: Generation, usage: Mapping[str, Any] | None
    ) -> None:
        base = {**head, "object": "chat.completion.chunk"}
        if usage is not None:
            base["usage"] = None
        self._base = base
        self._call = gen.tool_calls[0] if gen.tool_calls else None
        self._field = "refusal" if gen.refusal is not None else "content"
        self._pieces = gen.pieces
        self._finish = gen.finish_reason
        self._usage = usage
        self._frame: tuple[bytes, bytes] | None = None

    def __len__(self) -> int:
        return len(self._pieces) + (2 if self._usage is None else 3)

    @overload
    def __getitem__(self, index: int) -> Mapping[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Mapping[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(len(self))))
        size = len(self)
        if index < 0:
            index += size
        if not 0 <= index < size:
            raise IndexError(index)
        pieces = len(self._pieces)
        if index == 0:
            return self._chunk(self._first_delta())
        if index <= pieces:
            piece = self._pieces[index - 1]
            if self._call is not None:
                return self._chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
            return self._chunk({self._field: piece})
        if index == pieces + 1:
            return self._chunk({}, self._finish)
        return {**self._base, "choices": [], "usage": self._usage}

    def encoded(self, index: int) -> bytes:
        """``orjson.dumps(self[index])``, byte for byte; a token piece's chunk is spliced into
        a frame encoded once per stream instead of built and encoded whole."""
        if not 1 <= index <= len(self._pieces):
            return orjson.dumps(self[index])
        frame = self._frame
        if frame is None:
            frame = self._frame = self._piece_frame()
        return frame[0] + orjson.dumps(self._pieces[index - 1]) + frame[1]

    def _piece_frame(self) -> tuple[bytes, bytes]:
        """The bytes before and after a piece's JSON string in its chunk."""
        marker = "\x00piece\x00"
        if self._call is not None:
            delta: dict[str, Any] = {
                "tool_calls": [{"index": 0, "function": {"arguments": marker}}]
            }
        else:
            delta = {self._field: marker}
        whole = orjson.dumps(self._chunk(delta))
        before, _, after = whole.partition(orjson.dumps(marker))
        return before, after

    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        out = self._base.copy()
        out["choices"] = [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]
        return out

    def _first_delta(self) -> dict[str, Any]:
        call = self._call
        if call is None:
            return {"role": "assistant", "content": "", "refusal": None}
        tool = {
            "index": 0,
            "id": call["id"],
            "type": "function",
            "function": {"name": call["function"]["name"], "arguments": ""},
        }
        return {"role": "assistant", "content": None, "tool_calls": [tool]}


def chunk_offsets(ttft: float, gaps: Sequence[float], n_chunks: int) -> tuple[float, ...]:
    """When each chunk goes out: role and first piece at TTFT, then one gap per piece."""
    out = [ttft, ttft]
    t = ttft
    for gap in gaps:
        t += gap
        out.append(t)
    while len(out) < n_chunks:
        out.append(t)
    return tuple(out[:n_chunks])
