"""Reading a rule file: YAML 1.2, checked against a schema derived from its rules dataclass.

Every file is checked when loaded: a typo in a rule file fails the run with the file and the
field named, never silently changes what is extracted.

Two steps per file. First the YAML is checked against a schema (a pydantic model, strict,
unknown keys forbidden) that is *derived from the rules dataclass the file fills*: each
dataclass field is a key of the same name, and its type gives the key's YAML type
(`tuple[str, ...]` and `frozenset[str]` are lists of strings, `re.Pattern` a string, `bool` a
real boolean, `dict[str, int]` a mapping to integers). Keys the loader turns into something else
are declared beside the dataclass (`schema(..., extra=..., skip=...)`). So adding a rule is one
local edit: a field on the dataclass (and the line of its loader that reads it); the schema
follows. For example `phrases: Summit` fails with

    rules/meetings.yaml: types.summit.phrases: Input should be a valid list (got 'Summit')

instead of becoming the letters S, u, m, m, i, t. YAML is read with YAML 1.2 booleans: only
`true` and `false` are booleans, so `on` in a list of words is the word "on".

Then the loader checks what a type cannot say (known ids, regular expressions, the spaCy model
package importable) and builds the dataclasses. Vocabularies (document kinds, section kinds,
meeting types and levels) are declared once, in the rule files, and `Vocabulary` hands them to
the table validators (validate.py).
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, create_model
from pydantic import ValidationError as SchemaError


class RulesError(ValueError):
    """A rule file is missing, malformed or inconsistent."""


# --- schemas derived from the dataclasses ------------------------------------------------------


class _RuleFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


def _yaml_type(annotation: Any) -> Any:
    """The YAML type of a dataclass field's type: containers become lists and mappings of the
    YAML types of their items, compiled patterns become their source text, a nested rules
    dataclass becomes its own derived schema."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (tuple, frozenset, set, list):
        return list[_yaml_type(args[0])]  # type: ignore[misc]
    if origin is dict:
        return dict[str, _yaml_type(args[1])]  # type: ignore[misc]
    if origin in (typing.Union, types.UnionType):
        return typing.Union[tuple(_yaml_type(a) for a in args)]  # noqa: UP007
    if annotation is re.Pattern or origin is re.Pattern:
        return str
    if dataclasses.is_dataclass(annotation):
        return schema(annotation)  # type: ignore[arg-type]
    return annotation


def schema(
    source: type | tuple[type, ...] | None,
    *,
    skip: Iterable[str] = (),
    rename: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
    required: Iterable[str] = (),
) -> type[BaseModel]:
    """A strict pydantic model of a rule file (or of one entry of it): every field of the
    dataclass `source` (of each, when a file fills several side by side) but those in `skip` is a
    key of the same name (or its `rename`), of the field's YAML type; `extra` adds keys the loader
    turns into other fields. Keys are optional unless `required`."""
    rename = rename or {}
    required = set(required)
    sources = source if isinstance(source, tuple) else () if source is None else (source,)
    fields: dict[str, Any] = {}
    for dataclass_ in sources:
        hints = typing.get_type_hints(dataclass_)
        for f in dataclasses.fields(dataclass_):
            if f.name not in skip:
                fields[rename.get(f.name, f.name)] = _yaml_type(hints[f.name])
    fields.update(extra or {})
    definitions: dict[str, Any] = {
        # An optional key may be left out, not left empty: `phrases:` with nothing after it is an error.
        key: (kind, ...) if key in required else (kind, None)
        for key, kind in fields.items()
    }
    name = f"{sources[0].__name__ if sources else 'Rules'}File"
    return create_model(name, __base__=_RuleFile, **definitions)


VERSION = {"version": int}


class _Yaml12Loader(yaml.SafeLoader):
    """YAML with the booleans of YAML 1.2: `true` and `false` only ("on", "yes" and "no" are words)."""


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _describe(error: Any) -> str:
    where = ".".join(str(part) for part in error["loc"]) or "(top level)"
    value = error.get("input")
    got = "" if error["type"] == "missing" else f" (got {value!r:.60})"
    return f"{where}: {error['msg']}{got}"


def read_yaml(path: Path, file_schema: type[BaseModel] | None = None) -> dict[str, Any]:
    """The file's mapping, checked against its schema: a RulesError names the file and every
    field that breaks it."""
    if not path.is_file():
        raise RulesError(f"{path}: rule file missing")
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Yaml12Loader)  # a SafeLoader
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise RulesError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise RulesError(f"{path}: expected a mapping at the top level")
    if file_schema is not None:
        try:
            file_schema.model_validate(data)
        except SchemaError as exc:
            # pydantic reports each member of a union ("a string or {phrase: ...}"): one line per field.
            lines = dict.fromkeys(_describe(e) for e in exc.errors())
            raise RulesError(f"{path}: " + f"\n  {path}: ".join(lines)) from None
    return data


def str_list(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise RulesError(f"{where}: expected a list of strings")
    return tuple(str(v) for v in value)


def compile_patterns(patterns: Any, where: str, flags: int = 0) -> tuple[re.Pattern[str], ...]:
    compiled = []
    for pattern in str_list(patterns, where):
        try:
            compiled.append(re.compile(pattern, re.IGNORECASE | flags))
        except re.error as exc:
            raise RulesError(f"{where}: bad regular expression {pattern!r}: {exc}") from exc
    return tuple(compiled)


def int_map(value: Any, where: str) -> dict[str, int]:
    if not isinstance(value, dict) or not all(isinstance(v, int) for v in value.values()):
        raise RulesError(f"{where}: expected a mapping of words to integers")
    return {str(k).casefold(): int(v) for k, v in value.items()}


def alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
