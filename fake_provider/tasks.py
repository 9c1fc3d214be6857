"""Harness tasks with golden answers: generate them, read them as the fake model, grade replies.

Three sides of one contract. Locust users call :func:`generate_task` and, on the reply,
:func:`grade` (and :func:`execute_tool` for agent tool calls); the fake model calls
:func:`read_conversation` on every request and writes its reply from the :class:`Reading`
(:func:`wrong_answer`, :func:`answer_as_prose`). The reader sees only the messages, as a real
model would, and recovers the golden answer of every undrifted task.

Example::

    import random
    from fake_provider.tasks import generate_task, grade, read_conversation

    task = generate_task("classify", random.Random(7), json_mode="instruction")
    reading = read_conversation(task.messages, task.tools)
    assert reading.answer == task.golden
    grade(task, '{"label": "%s"}' % reading.answer)   # Grade(format_ok=True, correct=True)

The implementation is split by side: ``task_generation`` (+ ``task_rag``, ``task_inputs``,
``task_text``, ``task_i18n``), ``task_reading`` (+ ``task_extract``, ``task_patterns``),
``task_answers``, ``task_grading`` and ``task_tools``; shared records live in ``task_types``.
"""

from __future__ import annotations

from fake_provider.task_answers import answer_as_prose, wrong_answer
from fake_provider.task_generation import default_system_prompt, generate_task
from fake_provider.task_grading import grade
from fake_provider.task_reading import read_conversation
from fake_provider.task_tools import execute_tool
from fake_provider.task_types import (
    EXTRACT_KEYS,
    JSON_MODES,
    LABELS,
    TASK_KINDS,
    TOOL_SPECS,
    Grade,
    JsonMode,
    Reading,
    Task,
    TaskKind,
)

__all__ = [
    "EXTRACT_KEYS",
    "JSON_MODES",
    "LABELS",
    "TASK_KINDS",
    "TOOL_SPECS",
    "Grade",
    "JsonMode",
    "Reading",
    "Task",
    "TaskKind",
    "answer_as_prose",
    "default_system_prompt",
    "execute_tool",
    "generate_task",
    "grade",
    "read_conversation",
    "wrong_answer",
]
