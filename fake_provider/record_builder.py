"""Fast construction of the frozen, slotted record dataclasses built on every request.

A frozen dataclass's generated ``__init__`` sets each field through ``object.__setattr__``
(about 0.2 µs a field here), and calling a class with keyword arguments packs them into a
dict first: a 24-field :class:`~fake_provider.records.TruthRecord` cost more to build than
most of the work that fills it. :func:`record_builder` makes a plain function with the
record's parameters and defaults that fills a mutable twin class with the same slots and
then gives the object the record's class. The result is an ordinary instance of the
record, frozen like any other (``dataclasses.replace``, equality and orjson all see the
record).

Example::

    new_truth = record_builder(TruthRecord)
    truth = new_truth(t=1.0, request_id="req_1", ...)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

R = TypeVar("R")


def record_builder(cls: type[R]) -> Callable[..., R]:
    """A function building ``cls`` from the same arguments as ``cls(...)``, without the
    per-field cost of a frozen dataclass's ``__init__``.

    ``cls`` must be a slotted dataclass whose fields all go through ``__init__`` with plain
    defaults and which has no ``__post_init__``; anything else raises ``TypeError``.
    """
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    names = tuple(f.name for f in fields)
    if getattr(cls, "__slots__", None) != names or hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__}: a slotted dataclass without __post_init__ is needed")
    if any(not f.init or f.default_factory is not dataclasses.MISSING for f in fields):
        raise TypeError(f"{cls.__name__}: only init fields with plain defaults are supported")
    if any(name.startswith(("_record", "_default_")) for name in names):
        raise TypeError(f"{cls.__name__}: a field name clashes with the builder's own names")
    # Same slots in the same order, so CPython allows swapping the object's class.
    twin = type(f"_{cls.__name__}Fields", (), {"__slots__": names})
    namespace: dict[str, Any] = {
        "_record_new": object.__new__,
        "_record_twin": twin,
        "_record_class": cls,
    }
    params = []
    for f in fields:
        if f.default is dataclasses.MISSING:
            params.append(f.name)
        else:
            namespace[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
    body = "".join(f"    _record.{name} = {name}\n" for name in names)
    source = (
        f"def build({', '.join(params)}):\n"
        "    _record = _record_new(_record_twin)\n"
        f"{body}"
        "    _record.__class__ = _record_class\n"
        "    return _record\n"
    )
    exec(source, namespace)
    build: Callable[..., R] = namespace["build"]
    build.__name__ = build.__qualname__ = f"new_{cls.__name__}"
    build.__doc__ = f"A new :class:`{cls.__name__}` (same arguments as the class)."
    return build
