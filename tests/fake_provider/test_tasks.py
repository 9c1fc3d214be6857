"""Harness tasks: the reader recovers every golden answer, the grader judges replies fairly."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fake_provider.errors import InvalidInputError
from fake_provider.tasks import (
    LABELS,
    TASK_KINDS,
    Grade,
    Reading,
    Task,
    answer_as_prose,
    default_system_prompt,
    execute_tool,
    generate_task,
    grade,
    read_conversation,
    wrong_answer,
)

SEEDS = range(300)
JSON_MODES = ("schema", "instruction", "none")
GRADED_KINDS = ("extract", "classify", "rag", "agent")


def _task(kind: str, seed: int, **kwargs: Any) -> Task:
    kwargs.setdefault("json_mode", JSON_MODES[seed % 3])
    return generate_task(kind, random.Random(seed), **kwargs)  # type: ignore[arg-type]


def _reading(task: Task) -> Reading:
    return read_conversation(task.messages, task.tools)


def _call_message(name: str, args: Mapping[str, Any]) -> dict[str, Any]:
    call = {"id": "call_1", "type": "function",
            "function": {"name": name, "arguments": orjson.dumps(args).decode()}}  # fmt: skip
    return {"role": "assistant", "content": None, "tool_calls": [call]}


def _after_tool(task: Task, name: str, args: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The conversation once the agent called ``name`` and the client ran the tool."""
    result = execute_tool(task, name, orjson.dumps(args).decode())
    tool_msg = {"role": "tool", "tool_call_id": "call_1", "content": result}
    return [*task.messages, _call_message(name, args), tool_msg]


def _render(task: Task, reading: Reading, answer: Any) -> str:
    """A reply stating ``answer`` in the format the task asked for."""
    if not task.expects_json:
        return answer_as_prose(reading, answer)
    value = answer if isinstance(answer, Mapping) else {task.json_keys[0]: answer}
    return orjson.dumps(value).decode()


def _final_reading(task: Task) -> tuple[list[dict[str, Any]], Reading]:
    assert task.expected_call is not None
    messages = _after_tool(task, *task.expected_call)
    return messages, read_conversation(messages, task.tools)


def _schema_valid(args: Mapping[str, Any], schema: Mapping[str, Any]) -> bool:
    if set(args) != set(schema["required"]):
        return False
    for key, spec in schema["properties"].items():
        value = args[key]
        if spec["type"] == "string":
            if not isinstance(value, str):
                return False
            if "pattern" in spec and not re.search(spec["pattern"], value):
                return False
            if "enum" in spec and value not in spec["enum"]:
                return False
        elif spec["type"] == "number" and (isinstance(value, bool) or
                                           not isinstance(value, int | float)):  # fmt: skip
            return False
    return True


@pytest.mark.parametrize("kind", ["extract", "classify", "rag"])
def test_reader_recovers_golden_answer_of_every_undrifted_task(kind: str) -> None:
    for seed in SEEDS:
        task = _task(kind, seed)
        reading = _reading(task)
        assert reading.kind == kind
        assert reading.answer == task.golden, (seed, task.messages[1]["content"])


def test_classify_tasks_cover_every_label() -> None:
    assert {_task("classify", seed).golden for seed in SEEDS} == set(LABELS)


def test_agent_reader_calls_the_needed_tool_with_schema_valid_arguments() -> None:
    schemas = {t["function"]["name"]: t["function"]["parameters"]
               for t in _task("agent", 0).tools}  # fmt: skip
    for seed in SEEDS:
        task = _task("agent", seed)
        reading = _reading(task)
        assert reading.kind == "agent"
        assert reading.answer is None
        assert reading.tool_call == task.expected_call, seed
        name, args = reading.tool_call
        assert _schema_valid(args, schemas[name]), (seed, args)


def test_agent_round_trip_gives_final_answer_matching_golden() -> None:
    for seed in SEEDS:
        task = _task("agent", seed)
        name, args = _reading(task).tool_call or ("", {})
        mid = grade(task, None, [_call_message(name, args)["tool_calls"][0]])
        assert mid.format_ok and mid.correct is None
        messages = _after_tool(task, name, args)
        final = read_conversation(messages, task.tools)
        assert final.tool_call is None
        assert final.answer == task.golden, seed
        assert grade(task, _render(task, final, final.answer)) == Grade(True, True)


def test_agent_tool_call_to_an_unknown_tool_grades_format_failure() -> None:
    task = _task("agent", 1)
    call = _call_message("delete_everything", {})["tool_calls"][0]
    assert not grade(task, None, [call]).format_ok


@pytest.mark.parametrize("json_mode", JSON_MODES)
@pytest.mark.parametrize("kind", GRADED_KINDS)
def test_golden_answer_in_requested_format_grades_ok_and_correct(kind: str, json_mode: str) -> None:
    for seed in range(100):
        task = _task(kind, seed, json_mode=json_mode)
        reading = _final_reading(task)[1] if kind == "agent" else _reading(task)
        result = grade(task, _render(task, reading, task.golden))
        assert result.format_ok and result.correct is True, seed


@pytest.mark.parametrize("json_mode", JSON_MODES)
@pytest.mark.parametrize("kind", GRADED_KINDS)
def test_wrong_answer_is_same_shape_and_grades_incorrect(kind: str, json_mode: str) -> None:
    rng = random.Random(5)
    for seed in range(100):
        task = _task(kind, seed, json_mode=json_mode)
        reading = _final_reading(task)[1] if kind == "agent" else _reading(task)
        wrong = wrong_answer(reading, rng)
        assert type(wrong) is type(task.golden)
        assert wrong != task.golden
        result = grade(task, _render(task, reading, wrong))
        assert result.format_ok and result.correct is False, (seed, wrong, task.golden)


@pytest.mark.parametrize("kind", ["extract", "classify", "rag"])
def test_prose_wrapped_json_fails_format_but_keeps_its_values(kind: str) -> None:
    for seed in range(50):
        task = _task(kind, seed, json_mode="instruction")
        body = _render(task, _reading(task), task.golden)
        wrapped = f"Sure! Here is the JSON you asked for:\n\n```json\n{body}\n```\n\nAnything else?"
        assert grade(task, wrapped) == Grade(False, True)
        assert grade(task, f"```json\n{body}\n```") == Grade(False, True)
        assert grade(task, body) == Grade(True, True)


def test_renamed_keys_fail_format_and_missing_content_fails_both() -> None:
    task = _task("extract", 3, json_mode="schema")
    renamed = {"customerName" if k == "customer_name" else k: v for k, v in task.golden.items()}
    assert grade(task, orjson.dumps(renamed).decode()).format_ok is False
    assert grade(task, "") == Grade(False, False)
    assert grade(task, None) == Grade(False, False)


def test_json_answer_with_wrong_value_type_fails_format() -> None:
    task = _task("extract", 4, json_mode="instruction")
    as_text = {**task.golden, "amount_usd": str(task.golden["amount_usd"])}
    assert grade(task, orjson.dumps(as_text).decode()).format_ok is False


def test_numbers_match_within_half_a_percent() -> None:
    task = _task("extract", 6, json_mode="instruction")
    amount = task.golden["amount_usd"]
    close = {**task.golden, "amount_usd": amount * 1.004}
    far = {**task.golden, "amount_usd": amount * 1.02}
    assert grade(task, orjson.dumps(close).decode()) == Grade(True, True)
    assert grade(task, orjson.dumps(far).decode()) == Grade(True, False)


def test_dropped_answer_chunk_leaves_the_reader_without_an_answer() -> None:
    for seed in SEEDS:
        task = _task("rag", seed, drop_answer_chunk=True)
        reading = _reading(task)
        assert reading.kind == "rag"
        assert reading.answer is None, seed
        reply = _render(task, reading, None) if not task.expects_json else '{"answer": null}'
        assert grade(task, reply).correct is False


def test_rag_context_has_requested_chunks_of_roughly_requested_size() -> None:
    task = generate_task("rag", random.Random(2), context_chunks=6, chunk_tokens=80)
    chunks = re.findall(r"^\[\d+\] (.*)$", task.messages[1]["content"], re.MULTILINE)
    assert len(chunks) == 6
    assert all(320 <= len(c) <= 320 + 200 for c in chunks)


@pytest.mark.parametrize("kind", TASK_KINDS)
def test_same_seed_gives_identical_task(kind: str) -> None:
    for shift in (None, "length", "language", "topic"):
        options: dict[str, Any] = {"input_shift": shift, "shift_strength": 0.7,
                                   "prompt_multiplier": 1.5}  # fmt: skip
        assert _task(kind, 11, **options) == _task(kind, 11, **options)
    assert _task(kind, 11) != _task(kind, 12)


def test_system_prompt_without_json_makes_reader_want_prose() -> None:
    prompt = "You extract order details from customer messages. Answer in plain sentences."
    task = _task("extract", 8, json_mode="instruction", system_prompt=prompt)
    reading = _reading(task)
    assert reading.wants_json is False and reading.json_keys == ()
    assert reading.answer == task.golden
    assert task.expects_json is True  # the app still parses JSON: prose now breaks it


def test_default_prompts_state_json_and_keys_only_when_asked() -> None:
    for kind in GRADED_KINDS:
        task = _task(kind, 9, json_mode="instruction")
        reading = _reading(task)
        assert reading.wants_json and reading.json_keys == task.json_keys
        assert "json" not in default_system_prompt(kind, "none").lower()  # type: ignore[arg-type]
        assert _reading(_task(kind, 9, json_mode="none")).wants_json is False


def test_schema_response_format_is_strict_and_closed() -> None:
    for kind in GRADED_KINDS:
        fmt = _task(kind, 1, json_mode="schema").response_format
        assert fmt is not None and fmt["type"] == "json_schema"
        spec = fmt["json_schema"]
        assert spec["strict"] is True and spec["name"]
        schema = spec["schema"]
        assert schema["additionalProperties"] is False
        assert set(schema["required"]) == set(schema["properties"])
    assert _task("chat", 1, json_mode="schema").response_format is None


def test_chat_tasks_have_no_golden_answer_and_grade_none() -> None:
    for seed in range(50):
        task = _task("chat", seed)
        reading = _reading(task)
        assert task.golden is None and reading.kind is None and reading.topic_words
        assert grade(task, answer_as_prose(reading, "Pack layers.")) == Grade(True, None)


@pytest.mark.parametrize("multiplier", [2.0, 4.0])
@pytest.mark.parametrize("kind", TASK_KINDS)
def test_prompt_multiplier_bloats_prompt_without_changing_the_answer(
    kind: str, multiplier: float
) -> None:
    def size(task: Task) -> int:
        return sum(len(m["content"]) for m in task.messages)

    base, bloated = _task(kind, 21), _task(kind, 21, prompt_multiplier=multiplier)
    assert 0.8 * multiplier <= size(bloated) / size(base) <= 1.6 * multiplier
    if kind != "agent":
        assert _reading(bloated).answer == bloated.golden
    else:
        assert _reading(bloated).tool_call == bloated.expected_call


def test_length_shift_multiplies_document_length_and_keeps_answers() -> None:
    for kind in ("extract", "classify", "rag"):
        base = _task(kind, 5)
        long = _task(kind, 5, input_shift="length", shift_strength=1.0)
        assert len(long.messages[1]["content"]) > 3 * len(base.messages[1]["content"])
        assert _reading(long).answer == long.golden


def test_language_shift_renders_inputs_in_another_language() -> None:
    headers = ("Kundennachricht:", "Message du client :", "Mensaje del cliente:")
    texts = [_task("extract", s, input_shift="language", shift_strength=1.0).messages[1]["content"]
             for s in range(30)]  # fmt: skip
    assert all(t.startswith(headers) for t in texts)
    assert {t.split(":")[0] for t in texts} == {h.split(":")[0] for h in headers}


@pytest.mark.parametrize("shift", ["length", "language", "topic"])
@pytest.mark.parametrize("kind", TASK_KINDS)
def test_drifted_inputs_never_crash_the_reader(kind: str, shift: str) -> None:
    rng = random.Random(0)
    for seed in range(120):
        task = _task(kind, seed, input_shift=shift, shift_strength=rng.random())
        reading = _reading(task)
        if reading.tool_call is not None:
            messages = _after_tool(task, *reading.tool_call)
            reading = read_conversation(messages, task.tools)
        prose = answer_as_prose(reading, reading.answer)
        assert prose
        assert grade(task, prose).format_ok is not None
        if reading.answer is not None:
            wrong_answer(reading, rng)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(TASK_KINDS),
    seed=st.integers(0, 2**32),
    shift=st.sampled_from([None, "length", "language", "topic"]),
    strength=st.floats(0.0, 1.0),
    chunks=st.integers(1, 8),
    multiplier=st.floats(1.0, 3.0),
    drop=st.booleans(),
)
def test_any_generated_task_reads_and_grades_without_error(
    kind: str, seed: int, shift: str | None, strength: float, chunks: int, multiplier: float,
    drop: bool,
) -> None:  # fmt: skip
    task = generate_task(kind, random.Random(seed), input_shift=shift,  # type: ignore[arg-type]
                         shift_strength=strength, context_chunks=chunks, chunk_tokens=60,
                         drop_answer_chunk=drop, prompt_multiplier=multiplier)  # fmt: skip
    reading = _reading(task)
    grade(task, answer_as_prose(reading, reading.answer))


@settings(max_examples=150, deadline=None)
@given(user=st.text(max_size=400), tool=st.text(max_size=200), system=st.text(max_size=200))
def test_reader_survives_arbitrary_conversations(user: str, tool: str, system: str) -> None:
    tools = _task("agent", 0).tools
    for head in ("", "Customer message:\n", "Support ticket:\n", "Context:\n[1] ", "Question: "):
        messages = [{"role": "system", "content": system}, {"role": "user", "content": head + user}]
        read_conversation(messages)
        read_conversation([*messages, {"role": "tool", "content": tool}], tools)


def test_reader_handles_content_parts_and_missing_roles() -> None:
    assert read_conversation([]).kind is None
    parts = [{"type": "text", "text": "Please answer in JSON with keys: city, temp."}]
    reading = read_conversation([{"role": "user", "content": parts}, {"content": None}])
    assert reading.wants_json and reading.json_keys == ("city", "temp")


def test_execute_tool_answers_errors_as_json_and_never_raises() -> None:
    task = _task("agent", 2)
    for name, arguments in [("nope", "{}"), ("lookup_order", "not json"), ("lookup_order", "[]"),
                            ("lookup_order", '{"order_id": 5}'), ("get_weather", '{"city": ""}'),
                            ("convert_currency", '{"amount": "x", "from": "USD", "to": "EUR"}'),
                            ("convert_currency", '{"amount": 5, "from": "USD", "to": "XXX"}'),
                            ("lookup_order", '{"order_id": "ORD-000000"}')]:  # fmt: skip
        assert "error" in orjson.loads(execute_tool(task, name, arguments))
    extract = _task("extract", 2)
    assert "error" in orjson.loads(execute_tool(extract, "lookup_order", "{}"))


def test_execute_tool_is_deterministic_and_consistent_with_golden() -> None:
    for seed in range(60):
        task = _task("agent", seed)
        assert task.expected_call is not None
        name, args = task.expected_call
        first = execute_tool(task, name, orjson.dumps(args).decode())
        assert first == execute_tool(task, name, orjson.dumps(args).decode())
        assert str(task.golden) in first or f"{float(task.golden)}" in first


def test_answer_as_prose_states_the_answer_or_admits_not_knowing() -> None:
    task = _task("classify", 3, json_mode="none")
    reading = _reading(task)
    assert answer_as_prose(reading, reading.answer) == f"The ticket is about {task.golden}."
    rag = _reading(_task("rag", 3, drop_answer_chunk=True))
    assert "don't know" in answer_as_prose(rag, None)


def test_unknown_kind_or_mode_is_rejected() -> None:
    with pytest.raises(InvalidInputError, match="kind 'poetry'"):
        generate_task("poetry", random.Random(0))  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="json_mode"):
        generate_task("extract", random.Random(0), json_mode="yaml")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("instruction", "keys"),
    [
        ("Return only a JSON object with keys: a, b, c.", ("a", "b", "c")),
        ("Give JSON with fields: name, total and currency", ("name", "total", "currency")),
        ("Reply with JSON, key: label", ("label",)),
        ("Answer in a sentence.", ()),
    ],
)
def test_reader_parses_the_json_keys_an_instruction_names(
    instruction: str, keys: tuple[str, ...]
) -> None:
    reading = read_conversation([{"role": "system", "content": instruction},
                                 {"role": "user", "content": "Hello"}])  # fmt: skip
    assert reading.json_keys == keys
    assert reading.wants_json is bool(keys)


def test_agent_with_a_failed_tool_call_has_no_answer_and_no_further_call() -> None:
    task = next(t for t in (_task("agent", s, json_mode="none") for s in SEEDS)
                if t.expected_call and t.expected_call[0] == "lookup_order")  # fmt: skip
    messages = _after_tool(task, "lookup_order", {"order_id": "ORD-000001"})
    reading = read_conversation(messages, task.tools)
    assert reading.answer is None and reading.tool_call is None
    assert grade(task, answer_as_prose(reading, None)) == Grade(True, False)
