"""Parsing and validation of API request bodies into frozen request records.

Everything a client can send wrong becomes an :class:`ApiError` 400 naming the ``param``,
exactly as OpenAI answers; nothing here raises anything else on any JSON input.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from mypy_extensions import mypyc_attr

from fake_provider.errors import ApiError
from fake_provider.record_builder import record_builder

_ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
_TOOL_CHOICES = frozenset({"none", "auto", "required"})
_FORMAT_TYPES = frozenset({"text", "json_object", "json_schema"})


@mypyc_attr(native_class=False)
@dataclass(frozen=True, slots=True)
class ChatRequest:
    """A validated ``POST /v1/chat/completions`` body."""

    model: str
    messages: tuple[Mapping[str, Any], ...]
    #: The text of every message, in order (content parts joined, tool calls as JSON).
    texts: tuple[str, ...]
    stream: bool = False
    include_usage: bool = False
    max_tokens: int | None = None
    temperature: float = 1.0
    stop: tuple[str, ...] = ()
    seed: int | None = None
    tools: tuple[Mapping[str, Any], ...] = ()
    tool_choice: str | Mapping[str, Any] = "auto"
    response_format: Mapping[str, Any] | None = None
    user: str | None = None


@dataclass(frozen=True, slots=True)
class EmbeddingRequest:
    """A validated ``POST /v1/embeddings`` body."""

    model: str
    inputs: tuple[str, ...]
    encoding_format: str = "float"
    dimensions: int | None = None


_new_chat_request = record_builder(ChatRequest)


def _bad(message: str, param: str | None, code: str | None = None) -> ApiError:
    return ApiError(400, message, "invalid_request_error", param, code)


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """Decode a request body that must be a JSON object."""
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise _bad(f"We could not parse the JSON body of your request. ({exc.msg})", None) from None
    if not isinstance(body, dict):
        raise _bad("The request body must be a JSON object.", None)
    return body


def _int(body: Mapping[str, Any], name: str, low: int, high: int) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(f"Invalid type for '{name}': expected an integer.", name, "invalid_type")
    if not low <= value <= high:
        raise _bad(f"Invalid '{name}': {value} is not in [{low}, {high}].", name, "invalid_value")
    return value


def _number(body: Mapping[str, Any], name: str, low: float, high: float) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad(f"Invalid type for '{name}': expected a number.", name, "invalid_type")
    if not low <= value <= high:
        raise _bad(f"Invalid '{name}': {value} is not in [{low}, {high}].", name, "invalid_value")
    return float(value)


def _message_text(msg: Mapping[str, Any], i: int) -> str:
    content = msg.get("content")
    if isinstance(content, str):
        text = content
    elif content is None:
        text = ""
    elif isinstance(content, list):
        parts = []
        for j, part in enumerate(content):
            if not isinstance(part, dict) or not isinstance(part.get("type"), str):
                raise _bad(
                    "Each content part must be an object with a 'type'.",
                    f"messages[{i}].content[{j}]",
                    "invalid_type",
                )
            if part["type"] == "text":
                if not isinstance(part.get("text"), str):
                    raise _bad(
                        "A text content part needs a string 'text'.",
                        f"messages[{i}].content[{j}].text",
                        "invalid_type",
                    )
                parts.append(part["text"])
        text = "\n".join(parts)
    else:
        raise _bad(
            "Invalid type for message content: expected a string, an array of parts or null.",
            f"messages[{i}].content",
            "invalid_type",
        )
    calls = msg.get("tool_calls")
    if calls is not None:
        if not isinstance(calls, list):
            raise _bad(
                "'tool_calls' must be an array.", f"messages[{i}].tool_calls", "invalid_type"
            )
        text += orjson.dumps(calls).decode()
    return text


def _messages(body: Mapping[str, Any]) -> tuple[tuple[Mapping[str, Any], ...], tuple[str, ...]]:
    messages = body.get("messages")
    if messages is None:
        raise _bad(
            "Missing required parameter: 'messages'.", "messages", "missing_required_parameter"
        )
    if not isinstance(messages, list):
        raise _bad("Invalid type for 'messages': expected an array.", "messages", "invalid_type")
    if not messages:
        raise _bad("'messages' must contain at least one message.", "messages", "empty_array")
    texts = []
    for i, msg in enumerate(messages):
        if not isinstance(msg, dict):
            raise _bad("Each message must be an object.", f"messages[{i}]", "invalid_type")
        role = msg.get("role")
        if role not in _ROLES:
            raise _bad(
                f"Invalid value for 'role': {role!r}. Supported values are: "
                "'system', 'developer', 'user', 'assistant', 'tool' and 'function'.",
                f"messages[{i}].role",
                "invalid_value",
            )
        if role == "tool" and not isinstance(msg.get("tool_call_id"), str):
            raise _bad(
                "Messages with role 'tool' need a 'tool_call_id'.",
                f"messages[{i}].tool_call_id",
                "missing_required_parameter",
            )
        texts.append(_message_text(msg, i))
    return tuple(messages), tuple(texts)


def _stop(body: Mapping[str, Any]) -> tuple[str, ...]:
    stop = body.get("stop")
    if stop is None:
        return ()
    if isinstance(stop, str):
        return (stop,) if stop else ()
    if isinstance(stop, list) and len(stop) <= 4 and all(isinstance(s, str) for s in stop):
        return tuple(s for s in stop if s)
    raise _bad("'stop' must be a string or an array of at most 4 strings.", "stop", "invalid_type")


def _tools(body: Mapping[str, Any]) -> tuple[Mapping[str, Any], ...]:
    tools = body.get("tools")
    if tools is None:
        return ()
    if not isinstance(tools, list):
        raise _bad("Invalid type for 'tools': expected an array.", "tools", "invalid_type")
    for i, tool in enumerate(tools):
        fn = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(tool, dict) or tool.get("type") != "function" or not isinstance(fn, dict):
            raise _bad(
                "Each tool must be {'type': 'function', 'function': {...}}.",
                f"tools[{i}]",
                "invalid_type",
            )
        if not isinstance(fn.get("name"), str) or not fn["name"]:
            raise _bad(
                "A function tool needs a 'name'.",
                f"tools[{i}].function.name",
                "missing_required_parameter",
            )
        params = fn.get("parameters")
        if params is not None and not isinstance(params, dict):
            raise _bad(
                "'parameters' must be a JSON Schema object.",
                f"tools[{i}].function.parameters",
                "invalid_type",
            )
    return tuple(tools)


def _tool_choice(body: Mapping[str, Any], tools: tuple[Mapping[str, Any], ...]) -> Any:
    choice = body.get("tool_choice")
    if choice is None:
        return "auto" if tools else "none"
    if isinstance(choice, str):
        if choice not in _TOOL_CHOICES:
            raise _bad(
                f"Invalid value for 'tool_choice': {choice!r}.", "tool_choice", "invalid_value"
            )
        if choice == "required" and not tools:
            raise _bad("'tool_choice' is 'required' but no tools were given.", "tool_choice")
        return choice
    fn = choice.get("function") if isinstance(choice, dict) else None
    if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
        raise _bad(
            "Invalid 'tool_choice': expected 'none', 'auto', 'required' or "
            "{'type': 'function', 'function': {'name': ...}}.",
            "tool_choice",
            "invalid_type",
        )
    names = {t["function"]["name"] for t in tools}
    if fn["name"] not in names:
        raise _bad(
            f"Tool choice '{fn['name']}' is not among the given tools.",
            "tool_choice",
            "invalid_value",
        )
    return choice


def _response_format(body: Mapping[str, Any]) -> Mapping[str, Any] | None:
    fmt = body.get("response_format")
    if fmt is None:
        return None
    if not isinstance(fmt, dict) or fmt.get("type") not in _FORMAT_TYPES:
        raise _bad(
            "Invalid 'response_format': 'type' must be 'text', 'json_object' or 'json_schema'.",
            "response_format.type",
            "invalid_value",
        )
    if fmt["type"] == "json_schema":
        spec = fmt.get("json_schema")
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
            raise _bad(
                "'response_format.json_schema' needs a 'name'.",
                "response_format.json_schema.name",
                "missing_required_parameter",
            )
        if spec.get("schema") is not None and not isinstance(spec["schema"], dict):
            raise _bad(
                "'response_format.json_schema.schema' must be an object.",
                "response_format.json_schema.schema",
                "invalid_type",
            )
    return None if fmt["type"] == "text" else fmt


def parse_chat_request(body: Mapping[str, Any]) -> ChatRequest:
    """Validate a chat completions body; raises :class:`ApiError` 400 naming the param."""
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise _bad("Missing required parameter: 'model'.", "model", "missing_required_parameter")
    messages, texts = _messages(body)
    stream = body.get("stream", False)
    if stream is not None and not isinstance(stream, bool):
        raise _bad("Invalid type for 'stream': expected a boolean.", "stream", "invalid_type")
    options = body.get("stream_options")
    if options is not None and (not isinstance(options, dict) or not stream):
        raise _bad("'stream_options' is only allowed when 'stream' is true.", "stream_options")
    max_tokens = _int(body, "max_completion_tokens", 1, 1_000_000)
    if max_tokens is None:
        max_tokens = _int(body, "max_tokens", 1, 1_000_000)
    temperature = _number(body, "temperature", 0.0, 2.0)
    _number(body, "top_p", 0.0, 1.0)
    n = _int(body, "n", 1, 128)
    if n is not None and n != 1:
        raise _bad(
            "The fake provider serves one choice per request ('n' must be 1).", "n", "invalid_value"
        )
    seed = body.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise _bad("Invalid type for 'seed': expected an integer.", "seed", "invalid_type")
    user = body.get("user")
    if user is not None and not isinstance(user, str):
        raise _bad("Invalid type for 'user': expected a string.", "user", "invalid_type")
    tools = _tools(body)
    return _new_chat_request(
        model=model,
        messages=messages,
        texts=texts,
        stream=bool(stream),
        include_usage=bool(options and options.get("include_usage")),
        max_tokens=max_tokens,
        temperature=1.0 if temperature is None else temperature,
        stop=_stop(body),
        seed=seed,
        tools=tools,
        tool_choice=_tool_choice(body, tools),
        response_format=_response_format(body),
        user=user,
    )


def parse_embedding_request(body: Mapping[str, Any]) -> EmbeddingRequest:
    """Validate an embeddings body; raises :class:`ApiError` 400 naming the param."""
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise _bad("Missing required parameter: 'model'.", "model", "missing_required_parameter")
    raw = body.get("input")
    if isinstance(raw, str):
        inputs: tuple[str, ...] = (raw,)
    elif isinstance(raw, list) and raw and all(isinstance(x, str) for x in raw):
        inputs = tuple(raw)
    elif (
        isinstance(raw, list)
        and raw
        and all(isinstance(x, int) and not isinstance(x, bool) for x in raw)
    ):
        inputs = (" ".join(map(str, raw)),)
    elif (
        isinstance(raw, list)
        and raw
        and all(isinstance(x, list) and all(isinstance(y, int) for y in x) for x in raw)
    ):
        inputs = tuple(" ".join(map(str, x)) for x in raw)
    else:
        raise _bad(
            "'input' must be a non-empty string, array of strings or array of token arrays.",
            "input",
            "invalid_type",
        )
    if len(inputs) > 2048:
        raise _bad("'input' holds more than 2048 items.", "input", "invalid_value")
    fmt = body.get("encoding_format", "float")
    if fmt not in ("float", "base64"):
        raise _bad(
            "'encoding_format' must be 'float' or 'base64'.", "encoding_format", "invalid_value"
        )
    return EmbeddingRequest(
        model=model,
        inputs=inputs,
        encoding_format=fmt,
        dimensions=_int(body, "dimensions", 1, 4096),
    )
