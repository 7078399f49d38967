"""YAML loaded with the line of every mapping key and sequence item, for file:line findings."""
from __future__ import annotations

from pathlib import Path

import yaml

from trading_harness.errors import StackConfigError

Key = tuple
MERGE = "tag:yaml.org,2002:merge"


class LinedYaml:
    """The plain Python document plus `line(*path)`: the 1-based line of that key or item."""

    def __init__(self, path: Path):
        self.path = path
        self.lines: dict[Key, int] = {}
        self._loader = yaml.SafeLoader("")  # builds the scalars: the YAML 1.1 types compose itself reads
        try:
            node = yaml.compose(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except yaml.YAMLError as exc:
            raise StackConfigError(f"{path} is not valid YAML: {exc}") from None
        self.doc = self._value(node, ()) if node is not None else {}
        self._loader.dispose()

    def _value(self, node, path: Key):
        if isinstance(node, yaml.MappingNode):
            result, merges = {}, []
            for key_node, value_node in node.value:
                if key_node.tag == MERGE:  # `<<: *anchor` (or a list of them): keys written here win
                    merges += value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                    continue
                key = self._value(key_node, path)
                self.lines[(*path, key)] = key_node.start_mark.line + 1
                result[key] = self._value(value_node, (*path, key))
            for source in merges:
                for key_node, value_node in source.value:
                    key = self._value(key_node, path)
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

    def line(self, *path) -> int | None:
        """The line of the deepest key of `path` that exists."""
        while path:
            if tuple(path) in self.lines:
                return self.lines[tuple(path)]
            path = path[:-1]
        return None

