"""TOML tables into settings dataclasses: one unknown-key check, one type check, one error.

A table's keys are the fields of a frozen dataclass (or a named subset of them); each value must
have its field's type (an integer is a number, a list a tuple, a string a path), and a key that
is no field fails with an error naming the table and the key, and the close match if there is
one. The dataclass writes every default; this module knows none.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from collections.abc import Collection
from pathlib import Path
from typing import Any, Union


class SettingsError(ValueError):
    """docmill.toml or a command-line option holds what docmill cannot use; the message says
    where and what would do."""


class _Mismatch(Exception):
    pass


def table(data: dict[str, Any], name: str, where: str) -> dict[str, Any]:
    """`data[name]`, which must be a table (missing: empty)."""
    found = data.get(name, {})
    if not isinstance(found, dict):
        raise SettingsError(f"{where} must be a table, not {found!r}")
    return found


def known(keys: Collection[str], allowed: Collection[str], where: str) -> None:
    """Refuse the first key that is not allowed, suggesting the allowed key it is closest to."""
    for key in sorted(set(keys) - set(allowed)):
        close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise SettingsError(
            f"unknown setting {key!r} in {where}{hint} (known: {', '.join(sorted(allowed))})"
        )


def fields_of(
    cls: type[Any], data: dict[str, Any], where: str, only: Collection[str] | None = None
) -> dict[str, Any]:
    """The keyword arguments of `cls` that `data` (one table) gives, checked and converted.
    `only` limits the keys a file may set to those fields; the others are not settings."""
    hints = _hints(cls)
    allowed = set(hints) if only is None else set(only)
    known(data, allowed, where)
    return {key: convert(hints[key], value, f"{where} {key}") for key, value in data.items()}


def convert(hint: Any, value: Any, what: str) -> Any:
    """`value` as the type `hint` names, or a SettingsError saying what `what` must be."""
    try:
        return _convert(hint, value)
    except _Mismatch:
        raise SettingsError(f"{what} must be {_describe(hint)}, not {value!r}") from None


def _hints(cls: type[Any]) -> dict[str, Any]:
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in typing.get_type_hints(cls).items() if k in names}


def _convert(hint: Any, value: Any) -> Any:
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        for arm in typing.get_args(hint):
            try:
                return _convert(arm, value)
            except _Mismatch:
                continue
        raise _Mismatch
    if hint is Any:
        return value
    if hint is bool and isinstance(value, bool):
        return value
    if hint is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if hint is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if hint is str and isinstance(value, str):
        return value
    if hint is Path and isinstance(value, str) and value:
        return Path(value)
    if origin is tuple and isinstance(value, list | tuple):
        (item, *_) = typing.get_args(hint)
        return tuple(_convert(item, element) for element in value)
    if origin is dict and isinstance(value, dict):
        return dict(value)
    raise _Mismatch


def _describe(hint: Any) -> str:
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        arms = [arm for arm in typing.get_args(hint) if arm is not type(None)]
        return " or ".join(_describe(arm) for arm in arms)
    if origin is tuple:
        return f"a list of {_describe(typing.get_args(hint)[0]).split(' ', 1)[1]}s"
    words = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}
    return words.get(hint, "a folder" if hint is Path else "a table")
