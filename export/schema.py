"""JSON Schema generated from dataclass type hints.

The published schema then cannot drift from the types the exporter actually serialises (the
idea of itemadapter's ``get_json_schema``).

Supported annotations: ``str``, ``int``, ``float``, ``bool``, ``None``, unions (``X | None``),
``list[T]``, ``tuple[T, ...]``, ``dict[str, T]``, ``Literal[...]``, nested dataclasses, and
``Annotated[T, "description"]`` for field descriptions. Every field is *required* (present,
possibly ``null``) and no other property is allowed: a reviewer's tool can rely on the shape.

Output is deterministic (sorted keys, ``$defs`` by class name), so the committed
``export/manifest.schema.json`` can be compared byte for byte with a fresh generation.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from typing import Any

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def _describe(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        inner, *extras = typing.get_args(tp)
        out = _describe(inner, defs)
        docs = [e for e in extras if isinstance(e, str)]
        if docs:
            out = {**out, "description": " ".join(docs)}
        return out
    if tp is type(None):
        return {"type": "null"}
    if tp is str:
        return {"type": "string"}
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        return {"type": "integer"}
    if tp is float:
        return {"type": "number"}
    if tp is Any:
        return {}
    if origin is typing.Literal:
        values = list(typing.get_args(tp))
        return {"enum": values}
    if origin in (typing.Union, types.UnionType):
        options = [_describe(a, defs) for a in typing.get_args(tp)]
        return {"anyOf": options}
    if origin in (list, tuple):
        args = [a for a in typing.get_args(tp) if a is not Ellipsis]
        return {"type": "array", "items": _describe(args[0], defs) if args else {}}
    if origin is dict:
        _, value = typing.get_args(tp)
        return {"type": "object", "additionalProperties": _describe(value, defs)}
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        name = tp.__name__
        if name not in defs:
            defs[name] = {}  # placeholder: breaks recursion
            defs[name] = _object_schema(tp, defs)
        return {"$ref": f"#/$defs/{name}"}
    raise TypeError(f"cannot describe {tp!r} in JSON Schema")


def _object_schema(cls: type, defs: dict[str, Any]) -> dict[str, Any]:
    hints = typing.get_type_hints(cls, include_extras=True)
    props: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        props[f.name] = _describe(hints[f.name], defs)
    out: dict[str, Any] = {
        "type": "object",
        "properties": props,
        "required": [f.name for f in dataclasses.fields(cls)],
        "additionalProperties": False,
    }
    doc = (cls.__doc__ or "").strip()
    if doc:
        out["description"] = " ".join(doc.split())
    return out


def json_schema(cls: type, *, schema_id: str, title: str) -> dict[str, Any]:
    """Generate the JSON Schema (draft 2020-12) of ``cls`` instances serialised by :func:`to_json`."""
    defs: dict[str, Any] = {}
    root = _object_schema(cls, defs)
    return {
        "$schema": DRAFT,
        "$id": schema_id,
        "title": title,
        **root,
        "$defs": dict(sorted(defs.items())),
    }


def dump_schema(schema: dict[str, Any]) -> str:
    """Canonical text of a schema (what is committed and shipped)."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


_FIELDS: dict[type, tuple[str, ...]] = {}
#: Types returned as they are, told by one lookup of the exact type (subclasses such as a
#: ``StrEnum`` reason take the ``isinstance`` test below, with the same result).
_PLAIN = frozenset({str, int, float, bool, type(None)})


def to_json(value: Any) -> Any:
    """Dataclasses → dicts (field order), tuples → lists; everything else as is.

    Runs once per manifest entry (over a hundred values each), so field names are cached per
    class and the common types are told apart by their exact type first.
    """
    cls = type(value)
    if cls in _PLAIN:
        return value
    names = _FIELDS.get(cls)
    if names is None:
        if isinstance(value, str | int | float | bool | None):
            return value
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(value))
    plain = _PLAIN
    if names is not None:
        # a plain leaf is taken as it is here, without a call (most values of an entry are)
        return {n: v if type(v := getattr(value, n)) in plain else to_json(v) for n in names}
    if isinstance(value, list | tuple):
        return [v if type(v) in plain else to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): v if type(v) in plain else to_json(v) for k, v in value.items()}
    return value
