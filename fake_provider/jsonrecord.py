"""Build frozen record dataclasses from their JSON form, fast: re-scoring reads millions."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any, Generic, TypeVar

T = TypeVar("T")

_REQUIRED: Any = object()


class RecordReader(Generic[T]):
    """Turns a JSON dict into ``cls`` positionally; unknown keys are ignored, list-valued
    ``tuple_fields`` become tuples, and a missing required key raises ``TypeError``.

    Example::

        read_truth = RecordReader(TruthRecord, tuple_fields=("fault_ids",))
        record = read_truth({"t": 1.0, ...})
    """

    __slots__ = ("_cls", "_fields", "_tuples")

    def __init__(self, cls: type[T], tuple_fields: Iterable[str] = ()) -> None:
        self._cls = cls
        self._fields: tuple[tuple[str, Any], ...] = tuple(
            (f.name, _REQUIRED if f.default is dataclasses.MISSING else f.default)
            for f in dataclasses.fields(cls)  # type: ignore[arg-type]
        )
        names = [name for name, _ in self._fields]
        self._tuples = tuple(names.index(name) for name in tuple_fields)

    def __call__(self, data: Mapping[str, Any]) -> T:
        get = data.get
        args = [get(name, default) for name, default in self._fields]
        for i in self._tuples:
            args[i] = tuple(args[i] or ())
        if _REQUIRED in args:
            missing = [n for (n, _), a in zip(self._fields, args, strict=True) if a is _REQUIRED]
            raise TypeError(f"missing required fields: {', '.join(missing)}")
        return self._cls(*args)
