"""Fail when any two modules of c2c_api import each other, directly or through others.

import-linter's contracts (pyproject.toml, [tool.importlinter]) check layers and forbidden
imports, and `acyclic_siblings` checks cycles between the siblings of the packages it is given;
this check covers the rest: a cycle between any modules of the package, at module level (an
import inside a function counts; `if TYPE_CHECKING:` imports do not, as in import-linter).
It prints each strongly connected component (Tarjan) and exits 1 if there is one.

    .venv/bin/python scripts/check_import_cycles.py   # run by `make lint`
"""

from __future__ import annotations

import sys

import grimp

PACKAGE = "c2c_api"


def import_cycles(package: str = PACKAGE) -> list[list[str]]:
    """The strongly connected components of more than one module, each sorted."""
    graph = grimp.build_graph(package, exclude_type_checking_imports=True, cache_dir=None)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        # Iterative Tarjan: (module, position in its edge list).
        work = [(root, 0)]
        while work:
            module, i = work.pop()
            if i == 0:
                index[module] = low[module] = len(index)
                stack.append(module)
                on_stack.add(module)
            targets = edges[module]
            if i < len(targets):
                work.append((module, i + 1))
                target = targets[i]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[module] = min(low[module], index[target])
                continue
            if low[module] == index[module]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == module:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[module])
    return sorted(found)


def main() -> int:
    cycles = import_cycles()
    for component in cycles:
        print("import cycle: " + " <-> ".join(component), file=sys.stderr)
    if cycles:
        print(f"{len(cycles)} import cycle(s) in {PACKAGE}", file=sys.stderr)
        return 1
    print(f"no import cycle in {PACKAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
