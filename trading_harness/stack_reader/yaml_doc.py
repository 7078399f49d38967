"""YAML of a stack folder: bounded, with the line of every mapping key and sequence item.

Bounds: the file's size (bounded.YAML_LIMIT), the nesting depth, and the number of nodes once
aliases are expanded (an alias bomb is refused before anything is expanded).
"""
from __future__ import annotations

from pathlib import Path

import yaml

from trading_harness.errors import StackConfigError
from trading_harness.stack_reader.bounded import YAML_LIMIT, read_text

Key = tuple
MERGE = "tag:yaml.org,2002:merge"
DEPTH_LIMIT = 64           # nesting of mappings and sequences
NODE_LIMIT = 200_000       # nodes of the document once every alias is expanded


class _DepthLimit(Exception):
    def __init__(self, line: int):
        self.line = line


class _BoundedLoader(yaml.SafeLoader):
    """The pure-Python composer (its recursion is Python's, so it can be bounded) with a depth limit."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > DEPTH_LIMIT:
                raise _DepthLimit(self.peek_event().start_mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def compose(path: Path, text: str | None = None):
    """The node graph of a one-document YAML file (aliases shared, not expanded), or one line naming the limit."""
    text = read_text(path, YAML_LIMIT) if text is None else text
    loader = _BoundedLoader(text)
    try:
        node = loader.get_single_node()
    except _DepthLimit as exc:
        raise StackConfigError(f"{path}:{exc.line}: nested deeper than {DEPTH_LIMIT} levels, the limit for a "
                               "stack file; flatten it") from None
    except yaml.YAMLError as exc:
        raise StackConfigError(f"{path} is not valid YAML: {' '.join(str(exc).split())}") from None
    finally:
        loader.dispose()
    if node is not None:
        size = expanded_size(node)
        if size > NODE_LIMIT:
            raise StackConfigError(f"{path}: its aliases expand to more than {NODE_LIMIT} nodes, the limit for a "
                                   "stack file (an alias bomb?); write the values out or use fewer aliases")
    return node


def expanded_size(node, memo: dict | None = None) -> int:
    """Nodes the document has once aliases are expanded; computed on the shared graph, so cheap for a bomb."""
    memo = {} if memo is None else memo
    key = id(node)
    if key in memo:
        return memo[key]
    memo[key] = NODE_LIMIT + 1  # a node inside itself (a recursive alias) never ends
    if isinstance(node, yaml.MappingNode):
        size = 1 + sum(expanded_size(k, memo) + expanded_size(v, memo) for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        size = 1 + sum(expanded_size(item, memo) for item in node.value)
    else:
        size = 1
    memo[key] = min(size, NODE_LIMIT + 1)
    return memo[key]


def load(path: Path | str):
    """The plain Python document of a YAML stack file ({} when empty)."""
    return LinedYaml(Path(path)).doc


class LinedYaml:
    """The plain Python document plus `line(*path)`: the 1-based line of that key or item."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.lines: dict[Key, int] = {}
        self._loader = yaml.SafeLoader("")  # builds the scalars: the YAML 1.1 types compose itself reads
        node = compose(self.path)
        try:
            self.doc = self._value(node, ()) if node is not None else {}
        except (yaml.YAMLError, ValueError, TypeError) as exc:
            raise StackConfigError(f"{self.path} is not valid YAML: {' '.join(str(exc).split())}") from None
        finally:
            self._loader.dispose()

    def _value(self, node, path: Key):
        if isinstance(node, yaml.MappingNode):
            result, merges = {}, []
            for key_node, value_node in node.value:
                if key_node.tag == MERGE:  # `<<: *anchor` (or a list of them): keys written here win
                    merges += value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                    continue
                key = self._key(key_node, path)
                self.lines[(*path, key)] = key_node.start_mark.line + 1
                result[key] = self._value(value_node, (*path, key))
            for source in merges:
                if not isinstance(source, yaml.MappingNode):
                    raise StackConfigError(f"{self.path}:{source.start_mark.line + 1}: `<<:` merges a mapping only")
                for key_node, value_node in source.value:
                    key = self._key(key_node, path)
                    if key not in result:
                        self.lines[(*path, key)] = key_node.start_mark.line + 1  # where the anchor defines it
                        result[key] = self._value(value_node, (*path, key))
            return result
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                self.lines[(*path, index)] = item.start_mark.line + 1
                items.append(self._value(item, (*path, index)))
            return items
        return self._loader.construct_object(node, deep=True)

    def _key(self, node, path: Key):
        key = self._value(node, path)
        if isinstance(key, (dict, list)):
            raise StackConfigError(f"{self.path}:{node.start_mark.line + 1}: a mapping key must be a scalar")
        return key

    def line(self, *path) -> int | None:
        """The line of the deepest key of `path` that exists."""
        while path:
            if tuple(path) in self.lines:
                return self.lines[tuple(path)]
            path = path[:-1]
        return None
