"""Generate harness tasks with golden answers: realistic inputs, deterministic from one rng.

Everything random comes from the ``random.Random`` passed in (Faker is reseeded from it), so
the same seed always yields the same task.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fake_provider.errors import InvalidInputError
from fake_provider.task_inputs import Draft, Inputs, decide_inputs, sentences_filling
from fake_provider.task_rag import draft_rag
from fake_provider.task_text import (
    AGENT_GOALS,
    AGENT_TOPIC_GOALS,
    CHAT_QUESTIONS,
    CHAT_TOPIC_QUESTIONS,
    CLOSINGS,
    EXTRACT_TEMPLATES,
    EXTRACT_TOPIC_TEMPLATES,
    GREETINGS,
    MONTHS_EN,
    NEUTRAL_SENTENCES,
    POLICY_SENTENCES,
    SIGNOFFS,
    SYSTEM_FORMAT,
    SYSTEM_TASK,
    TICKET_SENTENCES,
    TICKET_SUBJECTS,
    TICKET_TOPIC_SENTENCES,
    WEATHER_CITIES,
)
from fake_provider.task_tools import convert_amount
from fake_provider.task_types import (
    INPUT_SHIFTS,
    JSON_KEYS_BY_KIND,
    JSON_MODES,
    KEY_TYPES,
    LABELS,
    ORDER_STATUSES,
    TASK_KINDS,
    TOOL_SPECS,
    USD_RATES,
    WEATHER_CONDITIONS,
    InputShift,
    JsonMode,
    Task,
    TaskKind,
)

if TYPE_CHECKING:
    from faker import Faker

_FIRST_ORDER_DAY = dt.date(2023, 6, 1)
_SCHEMA_NAMES = {"extract": "order_fields", "classify": "ticket_label", "rag": "grounded_answer",
                 "agent": "agent_answer"}  # fmt: skip


def _slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in folded.lower() if c.isalnum()) or "user"


def _person(inputs: Inputs, fk: Faker) -> tuple[str, str]:
    """A realistic full name and an email address derived from it."""
    first, last = fk.first_name(), fk.last_name()
    f, surname = _slug(first), _slug(last)
    style = inputs.rng.randrange(3)
    local = (f"{f}.{surname}", f"{f[0]}{surname}", f"{f}_{surname}{inputs.rng.randrange(10, 99)}")
    return f"{first} {last}", f"{local[style]}@{fk.free_email_domain()}"


def _money(inputs: Inputs, amount: float, *, plain: bool = False) -> str:
    text = inputs.text
    if text is None:
        if plain:
            return f"{amount:,.0f}" if float(amount).is_integer() else f"{amount:,.2f}"
        style = inputs.rng.randrange(3)
        return (f"${amount:,.2f}", f"USD {amount:,.2f}", f"{amount:,.2f} USD")[style]
    digits = f"{amount:,.2f}".replace(",", "\0").replace(".", text["decimal"])
    digits = digits.replace("\0", text["thousands"])
    return digits if plain else f"{digits} USD"


def _date(inputs: Inputs, day: dt.date) -> str:
    text = inputs.text
    if text is not None:
        return text["date"].format(d=day.day, month=text["months"][day.month - 1], y=day.year)
    month = MONTHS_EN[day.month - 1]
    styles = (day.isoformat(), f"{month} {day.day}, {day.year}", f"{day.day} {month} {day.year}")
    return styles[inputs.rng.randrange(3)]


def _draft_extract(inputs: Inputs) -> Draft:
    rng, fk = inputs.rng, inputs.faker()
    name, email = _person(inputs, fk)
    prefix = "BKG" if inputs.topic else "ORD"
    order_id = f"{prefix}-{rng.randrange(100000, 1000000)}"
    amount = round(rng.uniform(12.0, 2400.0), 2)
    day = _FIRST_ORDER_DAY + dt.timedelta(days=rng.randrange(540))
    if inputs.text is not None:
        template = inputs.text["extract"]
    else:
        template = rng.choice(EXTRACT_TOPIC_TEMPLATES if inputs.topic else EXTRACT_TEMPLATES)
    slots = {
        "name": name, "email": email, "order_id": order_id, "amount": _money(inputs, amount),
        "date": _date(inputs, day), "signoff": rng.choice(SIGNOFFS), "filler": "",
        "company": fk.company() if "{company}" in template else "",
        "street": fk.street_address() if "{street}" in template else "",
        "city": fk.city() if "{city}" in template else "",
    }  # fmt: skip
    body = template.format(**slots)
    if inputs.length_factor > 1.0:
        slots["filler"] = inputs.padding(len(body))
        body = template.format(**slots)
    golden = {"customer_name": name, "email": email, "order_id": order_id,
              "amount_usd": amount, "order_date": day.isoformat()}  # fmt: skip
    return Draft(f"{inputs.header('extract')}\n\n{body}", golden)


def _draft_classify(inputs: Inputs) -> Draft:
    rng, fk = inputs.rng, inputs.faker()
    label = rng.choice(LABELS)
    name, email = _person(inputs, fk)
    text = inputs.text
    if text is not None:
        sentences = [text["tickets"][label]]
        subject, greeting, closing = text["subject"], text["greeting"], text["closing"]
    else:
        if inputs.topic:
            sentences = [rng.choice(TICKET_TOPIC_SENTENCES[label])]
            subject = "A question"
        else:
            sentences = rng.sample(TICKET_SENTENCES[label], 2)
            subject = rng.choice(TICKET_SUBJECTS[label])
        if rng.random() < 0.6:
            sentences.insert(rng.randrange(len(sentences) + 1), rng.choice(NEUTRAL_SENTENCES))
        greeting, closing = rng.choice(GREETINGS), rng.choice(CLOSINGS)
    slots = {"order_id": f"ORD-{rng.randrange(100000, 1000000)}", "email": email,
             "amount": _money(inputs, round(rng.uniform(9.0, 900.0), 2)),
             "code": f"E{rng.randrange(100, 1000)}"}  # fmt: skip
    body = " ".join(sentences).format(**slots)
    body += inputs.padding(len(body), " ")
    subject_label = text["subject_label"] if text is not None else "Subject"
    ticket = f"{subject_label}: {subject}\n\n{greeting}\n\n{body}\n\n{closing}\n{name}"
    return Draft(f"{inputs.header('classify')}\n{ticket}", label)


def _draft_chat(inputs: Inputs) -> Draft:
    rng = inputs.rng
    if inputs.text is not None:
        question = rng.choice(inputs.text["chat"])
    elif inputs.topic:
        question = rng.choice(CHAT_TOPIC_QUESTIONS)
    else:
        template = rng.choice(CHAT_QUESTIONS)
        first_name = inputs.faker().first_name() if "{first_name}" in template else ""
        question = template.format(city=rng.choice(WEATHER_CITIES), first_name=first_name)
    preamble = inputs.padding(len(question), "").strip()
    return Draft(f"{preamble}\n\n{question}" if preamble else question, None)


def _draft_agent(inputs: Inputs) -> Draft:
    rng = inputs.rng
    tool = rng.choice(("lookup_order", "get_weather", "convert_currency"))
    slots: dict[str, Any] = {}
    if tool == "lookup_order":
        digits = rng.randrange(100000, 1000000)
        slots = {"order_id": f"ORD-{digits}", "digits": digits}
        args: dict[str, Any] = {"order_id": slots["order_id"]}
        golden = rng.choice(ORDER_STATUSES)
    elif tool == "get_weather":
        slots["city"] = rng.choice(WEATHER_CITIES)
        args = {"city": slots["city"]}
        golden = rng.choice(WEATHER_CONDITIONS)
    else:
        src, dst = rng.sample(sorted(USD_RATES), 2)
        amount: float = (
            round(rng.uniform(20.0, 5000.0), 2)
            if rng.random() < 0.6
            else float(rng.randrange(10, 5000))
        )
        slots = {"amount": _money(inputs, amount, plain=True), "src": src, "dst": dst}
        args = {"amount": amount, "from": src, "to": dst}
        golden = f"{convert_amount(amount, src, dst):.2f}"
    if inputs.text is not None:
        goal = inputs.text["agent"][tool].format(**slots)
    elif inputs.topic:
        goal = AGENT_TOPIC_GOALS[tool].format(**slots)
    else:
        goal = rng.choice(AGENT_GOALS[tool]).format(**slots)
    preamble = inputs.padding(len(goal), "").strip()
    return Draft(f"{preamble} {goal}" if preamble else goal, golden, (tool, args))


def _schema_response_format(kind: str) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for key in JSON_KEYS_BY_KIND[kind]:
        spec: dict[str, Any] = {"type": [KEY_TYPES[key], "null"]}
        if key == "label":
            spec = {"type": "string", "enum": list(LABELS)}
        elif key == "order_date":
            spec["description"] = "ISO date, YYYY-MM-DD"
        properties[key] = spec
    schema = {"type": "object", "properties": properties, "required": list(properties),
              "additionalProperties": False}  # fmt: skip
    return {
        "type": "json_schema",
        "json_schema": {"name": _SCHEMA_NAMES[kind], "strict": True, "schema": schema},
    }


def default_system_prompt(kind: TaskKind, json_mode: JsonMode) -> str:
    """The "v1" system prompt of a kind: its task, then how to format the answer."""
    if kind == "chat":
        return SYSTEM_TASK["chat"]
    return f"{SYSTEM_TASK[kind]} {SYSTEM_FORMAT[kind][json_mode]}"


def _bloat(system: str, user: str, multiplier: float, rng: random.Random) -> str:
    """The system prompt with boilerplate appended until the prompt is ~``multiplier``× longer."""
    want = (multiplier - 1.0) * (len(system) + len(user))
    if want <= 0:
        return system
    lines = [f"- {s}" for s in sentences_filling(rng, POLICY_SENTENCES, want)]
    return system + "\n\nBackground policies (for reference only):\n" + "\n".join(lines)


def _validate(kind: str, json_mode: str, input_shift: str | None) -> None:
    problems = []
    if kind not in TASK_KINDS:
        problems.append(f"kind {kind!r} is not one of {', '.join(TASK_KINDS)}")
    if json_mode not in JSON_MODES:
        problems.append(f"json_mode {json_mode!r} is not one of {', '.join(JSON_MODES)}")
    if input_shift is not None and input_shift not in INPUT_SHIFTS:
        problems.append(f"input_shift {input_shift!r} is not one of {', '.join(INPUT_SHIFTS)}")
    if problems:
        raise InvalidInputError("; ".join(problems))


def generate_task(
    kind: TaskKind,
    rng: random.Random,
    *,
    system_prompt: str | None = None,
    json_mode: JsonMode = "schema",
    input_shift: InputShift | None = None,
    shift_strength: float = 0.0,
    context_chunks: int = 4,
    chunk_tokens: int = 120,
    drop_answer_chunk: bool = False,
    prompt_multiplier: float = 1.0,
) -> Task:
    """A realistic request of ``kind`` with its golden answer, all drawn from ``rng``.

    >>> task = generate_task("extract", random.Random(7), json_mode="instruction")
    >>> task.golden["order_id"]  # doctest: +SKIP
    'ORD-483920'
    """
    _validate(kind, json_mode, input_shift)
    task_id = f"{kind}-{rng.getrandbits(64):016x}"
    inputs = decide_inputs(input_shift, shift_strength, rng)
    system = default_system_prompt(kind, json_mode) if system_prompt is None else system_prompt
    if kind == "rag":
        draft = draft_rag(
            inputs,
            context_chunks=context_chunks,
            chunk_tokens=chunk_tokens,
            drop_answer_chunk=drop_answer_chunk,
            prompt_multiplier=prompt_multiplier,
            system_chars=len(system),
        )
    else:
        draft = _BUILDERS[kind](inputs)
    user = draft.user_text
    if kind != "rag":
        system = _bloat(system, user, prompt_multiplier, rng)
    # The app's parser expects JSON whenever its json_mode says so, whatever the prompt says:
    # a prompt regression that drops the JSON instruction must show up as format failures.
    expects_json = kind != "chat" and json_mode != "none"
    schema_mode = expects_json and json_mode == "schema"
    return Task(
        task_id=task_id,
        kind=kind,
        messages=({"role": "system", "content": system}, {"role": "user", "content": user}),
        response_format=_schema_response_format(kind) if schema_mode else None,
        tools=TOOL_SPECS if kind == "agent" else (),
        golden=draft.golden,
        expects_json=expects_json,
        json_keys=JSON_KEYS_BY_KIND[kind] if expects_json else (),
        expected_call=draft.expected_call,
    )


_BUILDERS: dict[str, Callable[[Inputs], Draft]] = {
    "extract": _draft_extract,
    "classify": _draft_classify,
    "chat": _draft_chat,
    "agent": _draft_agent,
}
