"""Loading a spec file safely, and mapping a location in it back to a line.

The loader is PyYAML's C parser (libyaml) under a Python composer and a
constructor that builds plain data only:

- no tag constructs an object: only maps, sequences, strings, integers,
  floats, booleans and null exist (``!!python/...`` is an error; nothing runs);
- YAML 1.2 core scalars: ``yes``/``on``/``no`` stay strings, ``017`` is 17,
  ``1:30`` is a string, ``1e3`` is a float;
- duplicate keys are an error, not last-wins;
- the file size, the nesting depth, the number of values and the size of the
  alias-expanded tree are bounded before anything walks the data. libyaml's
  composer is C recursion that segfaults on ~25,000 nested brackets, so the
  event stream is measured first (depth and values, about 1.5 µs an event)
  and only a document within the bounds is composed. An alias bomb composes
  cheaply as shared references but would hang anything that walks it, so its
  expanded size is computed over shared nodes first.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

from cnncalc.errors import Loc, SpecError
from cnncalc.i18n import N_, _

try:
    from yaml._yaml import CParser as _Parser  # libyaml's parser and composer
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml.composer import Composer
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, Parser, Composer):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)


DEFAULT_MAX_BYTES = 16 * 1024 * 1024
"""Largest spec file read by default (16 MiB; a 10,000-layer chain is about 0.7 MB)."""
MAX_DEPTH = 64
"""Deepest nesting of mappings and sequences (a spec needs about 5)."""
NESTING_MESSAGE = N_("nesting deeper than {levels} levels: a spec needs only a few")
"""Marked: shown as :func:`nesting_message`."""
MAX_INT_DIGITS = 4000
"""Most digits of an integer in a spec (any size is far shorter: see ``MAX_SIZE``)."""
MAX_MERGE_DEPTH = MAX_DEPTH
"""Longest chain of merge keys (``<<: *a`` where ``a`` merges another): the
constructor and the line lookup follow merges one level per chain link."""
MAX_SPEC_BYTES_CEILING = 1 << 30
"""The most ``CNNCALC_MAX_SPEC_BYTES`` may allow (1 GiB): the other bounds stop any
spec long before that."""
MAX_NODES = 1_000_000
"""Most values the document may hold, as written and once aliases are expanded.

Bounds the load of a hostile file: the values are counted on the event stream
(about 1.5 µs each) before any is composed (about 10 µs each), so a file of
tiny values stops within about 2 s, not after all of its 16 MiB."""


class TooManyValues(SpecError):
    """A document holding more than :data:`MAX_NODES` values (told apart from the other
    errors of :func:`measure` by its class, whatever language its message is in)."""


class _Resolver(BaseResolver):
    """YAML 1.2 core schema implicit types (PyYAML implements YAML 1.1)."""


_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"),
)
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
_Resolver.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), ["<"])


class _Constructor(SafeConstructor):
    """Plain data only, and no duplicate keys."""

    yaml_constructors: ClassVar[dict[Any, Any]] = {}  # PyYAML's registry, replaced whole

    def construct_yaml_int(self, node: ScalarNode) -> int:
        text = str(self.construct_scalar(node))
        base = {"0o": 8, "0x": 16}.get(text[:2], 10)
        digits = text[2:] if base != 10 else text
        # Python refuses to convert more than 4,300 decimal digits either way, and
        # a hex or octal integer of as many bits could not be printed.
        if len(digits.lstrip("+-0")) * math.log10(base) > MAX_INT_DIGITS:
            raise ConstructorError(
                None, None,
                _("integer too large: more than {digits} digits").format(
                    digits=f"{MAX_INT_DIGITS:,}"
                ),
                node.start_mark,
            )  # fmt: skip
        return int(digits, base)

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[object, Node] = {}
        for key_node, _value in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            if not isinstance(key_node, ScalarNode):
                raise ConstructorError(
                    None, None, _("a key must be a plain value, not a list or mapping"),
                    key_node.start_mark,
                )  # fmt: skip
            key = (key_node.tag, key_node.value)
            if key in seen:
                first = seen[key].start_mark.line + 1
                raise ConstructorError(
                    None, None,
                    _("duplicate key '{key}' (first given on line {line})").format(
                        key=key_node.value, line=first
                    ),
                    key_node.start_mark,
                )  # fmt: skip
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)

    def reject_tag(self, node: Node) -> None:
        raise ConstructorError(
            None, None,
            _("the tag '{tag}' is not allowed: a spec holds plain data only").format(
                tag=_short_tag(node.tag)
            ),
            node.start_mark,
        )  # fmt: skip


for _tag, _construct in {
    "tag:yaml.org,2002:null": SafeConstructor.construct_yaml_null,
    "tag:yaml.org,2002:bool": SafeConstructor.construct_yaml_bool,
    "tag:yaml.org,2002:int": _Constructor.construct_yaml_int,
    "tag:yaml.org,2002:float": SafeConstructor.construct_yaml_float,
    "tag:yaml.org,2002:str": SafeConstructor.construct_yaml_str,
    "tag:yaml.org,2002:seq": SafeConstructor.construct_yaml_seq,
    "tag:yaml.org,2002:map": SafeConstructor.construct_yaml_map,
    None: _Constructor.reject_tag,
}.items():
    _Constructor.add_constructor(_tag, _construct)  # type: ignore[type-var]


def _short_tag(tag: str) -> str:
    prefix = "tag:yaml.org,2002:"
    return "!!" + tag[len(prefix) :] if tag.startswith(prefix) else tag


class _Loader(_Parser, _Constructor, _Resolver):
    """libyaml's parser and composer, a plain-data constructor."""

    def __init__(self, text: str) -> None:
        _Parser.__init__(self, text)
        _Constructor.__init__(self)
        _Resolver.__init__(self)


_STEP: dict[type, tuple[int, int]] = {
    ScalarEvent: (0, 1),
    SequenceStartEvent: (1, 1),
    MappingStartEvent: (1, 1),
    SequenceEndEvent: (-1, 0),
    MappingEndEvent: (-1, 0),
}


def measure(text: str) -> tuple[int, bool]:
    """``(values, has aliases)`` of the YAML in ``text``, from its events alone.

    Stops at the first event past the depth or value bound, so a hostile file
    costs at most ``MAX_NODES`` events, and nothing recursive has run yet.
    """
    parser = _Parser(text)
    depth = values = 0
    anchors: set[str] = set()
    aliases = False
    next_event: Callable[[], Any] = parser.get_event  # libyaml's events are untyped
    try:
        while (event := next_event()) is not None and type(event) is not StreamEndEvent:
            kind = type(event)
            step = _STEP.get(kind)
            if step is None:
                if kind is AliasEvent:
                    aliases = True
                    if event.anchor not in anchors:  # libyaml's composer would not name it
                        raise SpecError(
                            _("invalid YAML: found undefined alias '{alias}'").format(
                                alias=event.anchor
                            ),
                            line=event.start_mark.line + 1,
                        )
                continue
            if step[1] and event.anchor is not None:
                anchors.add(event.anchor)
            depth += step[0]
            values += step[1]
            if depth > MAX_DEPTH:
                raise SpecError(nesting_message(), line=event.start_mark.line + 1)
            if values > MAX_NODES:
                raise TooManyValues(
                    _(
                        "the document holds more than {limit} values: a spec needs far fewer "
                        "(repeat a block instead)"
                    ).format(limit=f"{MAX_NODES:,}"),
                    line=event.start_mark.line + 1,
                )
    finally:
        parser.dispose()
    return values, aliases


def nesting_message() -> str:
    """:data:`NESTING_MESSAGE` in the active language."""
    return _(NESTING_MESSAGE).format(levels=MAX_DEPTH)


def compose(text: str) -> Node | None:
    """Parse ``text`` into YAML nodes (no objects constructed); ``measure`` it first."""
    loader = _Loader(text)
    try:
        node: Node | None = loader.get_single_node()
        return node
    finally:
        loader.dispose()


def _expanded_size(root: Node) -> int:
    """How many nodes the document holds with every alias expanded, visiting each node once.

    Iterative, since chains of aliases nest deeper than the composer's depth
    bound; an alias inside the node it names (``&a [*a]``) is an error here,
    before anything is constructed from a document that never ends. Chains of
    merge keys are measured on the way: PyYAML's constructor follows them by
    recursion, as the line lookup does.
    """
    sizes: dict[int, int] = {}
    merges: dict[int, int] = {}  # how many merge links lead down from a node
    unfinished: set[int] = set()  # the nodes on the path to the current one
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, children_counted = stack.pop()
        if children_counted:
            sizes[id(node)] = 1 + sum(sizes[id(child)] for child in _children(node))
            merges[id(node)] = depth = max(
                (merges[id(c)] + 1 for c in _merged(node)),
                default=0,
            )
            if depth > MAX_MERGE_DEPTH:
                raise SpecError(
                    _("merge keys ('<<') chained deeper than {levels} levels").format(
                        levels=MAX_MERGE_DEPTH
                    ),
                    line=node.start_mark.line + 1,
                )
            unfinished.discard(id(node))
            continue
        if id(node) in sizes:
            continue
        if id(node) in unfinished:
            raise SpecError(
                _("an alias refers to a node that contains it: the document never ends"),
                line=node.start_mark.line + 1,
            )
        unfinished.add(id(node))
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node))
    return sizes[id(root)]


def _merged(node: Node) -> list[Node]:
    """The mappings that ``node`` (a mapping) merges in with ``<<`` keys."""
    if not isinstance(node, MappingNode):
        return []
    return [
        merged
        for key_node, value_node in node.value
        if key_node.tag == "tag:yaml.org,2002:merge"
        for merged in _merged_mappings(value_node)
    ]


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def max_bytes() -> int:
    """The spec size limit: ``CNNCALC_MAX_SPEC_BYTES`` if set, else 16 MiB.

    The variable must be a whole number of bytes from 1 to 1 GiB (ASCII digits):
    anything else is an error rather than a silent default.
    """
    value = os.environ.get("CNNCALC_MAX_SPEC_BYTES", "").strip()
    if not value:
        return DEFAULT_MAX_BYTES
    if (
        value.isascii()
        and value.isdigit()
        and len(value) <= 10
        and 1 <= int(value) <= MAX_SPEC_BYTES_CEILING
    ):
        return int(value)
    from cnncalc.errors import CnncalcError, show_value

    raise CnncalcError(
        _(
            "CNNCALC_MAX_SPEC_BYTES must be a whole number of bytes from 1 to {ceiling} (1 GiB), "
            "got {got}"
        ).format(ceiling=f"{MAX_SPEC_BYTES_CEILING:,}", got=show_value(value))
    )


def decode(raw: bytes, source: str) -> str:
    """UTF-8 text (a leading byte-order mark is dropped); a located error otherwise."""
    limit = max_bytes()
    if len(raw) > limit:
        raise SpecError(
            _(
                "the spec is over the {limit}-byte limit (set CNNCALC_MAX_SPEC_BYTES to raise it)"
            ).format(limit=f"{limit:,}"),
            source=source,
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise SpecError(
            _("byte {byte} is not UTF-8: save the spec as UTF-8").format(
                byte=f"0x{raw[error.start]:02x}"
            ),
            source=source,
            line=line,
        ) from None


def load_yaml(text: str, source: str) -> Any:
    """The plain data of a YAML document, loaded under the limits above."""
    loader = _Loader(text)
    try:
        _values, aliases = measure(text)
        node = loader.get_single_node()
        if node is None:
            return None
        if aliases and _expanded_size(node) > MAX_NODES:
            raise SpecError(
                _(
                    "aliases expand the document to more than {limit} values (an alias bomb?)"
                ).format(limit=f"{MAX_NODES:,}"),
                line=node.start_mark.line + 1,
            )
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        raise SpecError(
            _yaml_message(error, text), source=source, line=mark.line + 1 if mark else None
        ) from None
    except yaml.reader.ReaderError as error:  # a character YAML forbids
        code = error.character if isinstance(error.character, int) else ord(error.character)
        raise SpecError(
            _("invalid YAML: the character {character} is not allowed in YAML text").format(
                character=f"U+{code:04X}"
            ),
            source=source, line=text.count("\n", 0, error.position) + 1,
        ) from None  # fmt: skip
    except SpecError as error:
        error.source = source
        raise
    finally:
        loader.dispose()


def _yaml_message(error: yaml.MarkedYAMLError, text: str) -> str:
    problem = (error.problem or "").strip()
    if "nesting depth" in problem:
        # libyaml 0.2.6 (PyYAML 6.0.4) refuses 1,000 open brackets itself while
        # its scanner reads ahead, before the event count below sees a level:
        # the same input gets the same message whichever libyaml parses it.
        return nesting_message()
    mark = error.problem_mark
    if mark is not None and text[mark.index : mark.index + 1] == "\t":
        return _("a tab character: YAML indents with spaces only")
    if isinstance(error, ConstructorError):
        return problem  # cnncalc's own message, already in the active language
    if error.context:
        return _("invalid YAML: {problem} ({context})").format(
            problem=yaml_words(problem), context=yaml_words(error.context.strip())
        )
    return _("invalid YAML: {problem}").format(problem=yaml_words(problem))


def yaml_words(text: str) -> str:
    """libyaml's ``problem`` or ``context`` in the active language, where the catalog has it
    (:data:`YAML_WORDS`); otherwise as libyaml says it."""
    return _(text) if text in YAML_WORDS else text


YAML_WORDS = frozenset(
    (
        N_("mapping values are not allowed in this context"),
        N_("mapping keys are not allowed in this context"),
        N_("block sequence entries are not allowed in this context"),
        N_("did not find expected key"),
        N_("did not find expected ',' or ']'"),
        N_("did not find expected ',' or '}'"),
        N_("did not find expected '-' indicator"),
        N_("did not find expected node content"),
        N_("did not find expected <document start>"),
        N_("did not find expected comment or line break"),
        N_("did not find expected alphabetic or numeric character"),
        N_("did not find expected whitespace or line break"),
        N_("did not find expected hexdecimal number"),
        N_("could not find expected ':'"),
        N_("found character that cannot start any token"),
        N_("found unexpected end of stream"),
        N_("found unknown escape character"),
        N_("found unexpected ':'"),
        N_("found unexpected document indicator"),
        N_("found undefined tag handle"),
        N_("found a tab character that violates indentation"),
        N_("found a tab character where an indentation space is expected"),
        N_("found invalid Unicode character escape code"),
        N_("control characters are not allowed"),
        N_("expected a single document in the stream"),
        N_("but found another document"),
        N_("while scanning for the next token"),
        N_("while scanning a simple key"),
        N_("while scanning a plain scalar"),
        N_("while scanning a quoted scalar"),
        N_("while scanning a block scalar"),
        N_("while scanning an anchor"),
        N_("while scanning an alias"),
        N_("while scanning a tag"),
        N_("while scanning a directive"),
        N_("while parsing a block mapping"),
        N_("while parsing a block collection"),
        N_("while parsing a block node"),
        N_("while parsing a flow mapping"),
        N_("while parsing a flow sequence"),
        N_("while parsing a flow node"),
        N_("while parsing a node"),
        N_("while parsing a quoted scalar"),
        N_("while parsing a tag"),
    )
)
"""libyaml's messages for the slips a hand-written spec makes (an unclosed bracket, a
missing space after a colon, a bad indent), marked for translation; libyaml's
other messages are shown as it words them."""


class SourceMap:
    """Maps a location in a loaded spec (pydantic's ``loc``) to its line.

    Keeps the text only; the nodes are composed again when an error needs a
    line, so a large spec does not hold its node tree in memory.
    """

    def __init__(self, source: str, text: str) -> None:
        self.source = source
        self.text = text

    def line_of(self, loc: Loc) -> int | None:
        """The line of the key or item at ``loc``, or of the deepest node on its path."""
        try:
            node = compose(self.text)
        except (yaml.YAMLError, SpecError):  # pragma: no cover - it loaded before
            return None
        if node is None:
            return None
        line = node.start_mark.line + 1
        for part in loc:
            found = _child(node, part)
            if found is None:
                break
            key_node, node = found
            line = key_node.start_mark.line + 1
        return line


def _child(node: Node, part: str | int) -> tuple[Node, Node] | None:
    """``(key node, value node)`` of ``part`` in a mapping, or ``(item, item)`` in a sequence.

    Keys merged in with ``<<`` are searched after the mapping's own, in YAML's
    order, without recursion (a chain of merges may be long) and visiting each
    mapping once (aliases share them).
    """
    if isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        item: Node = node.value[part]
        return item, item
    pending = [node]
    seen: set[int] = set()
    while pending:
        mapping = pending.pop()
        if not isinstance(mapping, MappingNode) or id(mapping) in seen:
            continue
        seen.add(id(mapping))
        for key_node, value_node in reversed(mapping.value):
            if isinstance(key_node, ScalarNode) and key_node.value == str(part):
                return key_node, value_node
        pending.extend(reversed(_merged(mapping)))  # the first merged mapping first
    return None


def _merged_mappings(node: Node) -> Iterator[Node]:
    if isinstance(node, SequenceNode):
        yield from node.value
    else:
        yield node
