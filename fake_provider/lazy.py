"""A tuple of strings worked out on first read, for answers that usually never read it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import overload


class LazyStrings(Sequence[str]):
    """Strings from :meth:`_work_out`, called on the first read and kept.

    Subclasses set ``self._items = None`` in ``__init__`` and define ``_work_out``.
    """

    __slots__ = ("_items",)

    _items: tuple[str, ...] | None

    def _work_out(self) -> tuple[str, ...]:
        raise NotImplementedError

    def _get(self) -> tuple[str, ...]:
        items = self._items
        if items is None:
            items = self._items = self._work_out()
        return items

    def __len__(self) -> int:
        return len(self._get())

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[str, ...]: ...

    def __getitem__(self, index: int | slice) -> str | tuple[str, ...]:
        return self._get()[index]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())
