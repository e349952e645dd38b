"""Reading YAML from files others may have written: safe types, bounded size, plain keys.

`load_yaml` composes the node graph first and refuses, before building any Python object:

- documents whose expansion (aliases counted as copies, as the consumer will see them) has
  more than `MAX_NODES` nodes, so a kilobyte "billion laughs" alias bomb costs microseconds;
- nesting deeper than `MAX_DEPTH`;
- complex mapping keys (``? [a, b]``): every key must be a scalar;
- numbers longer than `MAX_NUMBER_CHARS` characters.

Errors are `InputError`s naming the file (or field) and the line.
"""

from __future__ import annotations

from typing import Any

import yaml

from mscsim._errors import InputError

MAX_NODES = 1_000_000
MAX_DEPTH = 64
#: Longer integers cost quadratic time to convert (and YAML 1.1 base-60 ``1:2:3`` more).
MAX_NUMBER_CHARS = 100
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _line(node: yaml.Node) -> str:
    mark = node.start_mark
    return f"line {mark.line + 1}" if mark is not None else "?"


def check_nodes(root: yaml.Node, where: str) -> None:
    """Raise `InputError` if `root` expands past the bounds or has a non-scalar key."""
    size: dict[int, int] = {}
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        if id(node) in size and not done:
            continue
        children: list[yaml.Node]
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
            if not done:
                for key, _ in node.value:
                    if not isinstance(key, yaml.ScalarNode):
                        raise InputError(where, "plain (scalar) mapping keys", got=_line(key))
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        else:
            if node.tag in _NUMBER_TAGS and len(node.value) > MAX_NUMBER_CHARS:
                raise InputError(
                    where, f"numbers of at most {MAX_NUMBER_CHARS} characters", got=_line(node)
                )
            size[id(node)] = 1
            continue
        if done:
            total = 1 + sum(size[id(c)] for c in children)
            if total > MAX_NODES:
                raise InputError(
                    where, f"at most {MAX_NODES} values once aliases are expanded", got=_line(node)
                )
            size[id(node)] = total
            continue
        if depth > MAX_DEPTH:
            raise InputError(where, f"nesting at most {MAX_DEPTH} levels deep", got=_line(node))
        size[id(node)] = 0  # in progress: a recursive alias expands forever
        stack.append((node, depth, True))
        for child in children:
            if size.get(id(child)) == 0:
                raise InputError(where, "no recursive aliases", got=_line(child))
            if id(child) not in size:
                stack.append((child, depth + 1, False))


def load_yaml(text: str, where: str, loader: type[yaml.SafeLoader] = SafeLoader) -> Any:
    """Parse one YAML document with a safe `loader` after `check_nodes` (None if empty).

    Raises
    ------
    InputError
        Malformed YAML (with its line), or a document `check_nodes` refuses.
    """
    parser = loader(text)
    try:
        node = parser.get_single_node()
        if node is None:
            return None
        check_nodes(node, where)
        return parser.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InputError(where, f"malformed YAML: {problem}{at}") from None
    except RecursionError:
        raise InputError(where, f"nesting at most {MAX_DEPTH} levels deep") from None
    finally:
        parser.dispose()
