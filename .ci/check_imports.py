"""The module map as a check: every import inside xai_lit/ (at the top of a module or inside a function) points down
the layers below, never up, and no two modules import each other, directly or around a loop. Test helpers live in
the private `xai_lit._testing`, which the runtime never imports.

    python .ci/check_imports.py            # exit 1 and a list of the offending imports when the map is broken
"""
import ast, sys
from pathlib import Path

LAYERS = [  # lowest first; a module may import its own layer (without a cycle) and the layers below
    ['core', 'precision'],
    ['cam', 'perturb', 'sise', 'data', 'models', 'losses', 'metrics'],
    ['callback.core', 'callback.supcon', 'callback.excon', 'callback.edda'],
    ['train'],
    ['distributed', 'resume'],
    ['viz', 'interpret', 'cli', 'all'],
]
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}
TESTING = '_testing'


def module_name(path: Path, package: Path) -> str:
    return '.'.join(path.relative_to(package).with_suffix('').parts)


def imported_modules(path: Path, name: str) -> dict[str, int]:
    "xai_lit modules that `path` imports, anywhere in the file, with the first line of each."
    out = {}
    package_parts = name.split('.')[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'))):
        targets = []
        if isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from .x import y, from ..x import y
                base = package_parts[:len(package_parts) - node.level + 1]
                target = '.'.join(base + ([node.module] if node.module else []))
                targets = [target] if node.module else ['.'.join(base + [a.name]) for a in node.names]
            elif node.module and (node.module == 'xai_lit' or node.module.startswith('xai_lit.')):
                target = node.module[len('xai_lit.'):] if node.module != 'xai_lit' else ''
                targets = [target] if target else [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            targets = [a.name[len('xai_lit.'):] for a in node.names if a.name.startswith('xai_lit.')]
        for t in targets:
            if t: out.setdefault(t, node.lineno)
    return out


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    "One import loop of `graph`, as the list of its modules, or None."
    state, stack = {}, []
    def visit(n):
        state[n] = 'open'; stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 'open': return stack[stack.index(m):] + [m]
            if m not in state and (loop := visit(m)): return loop
        state[n] = 'done'; stack.pop()
    for n in sorted(graph):
        if n not in state and (loop := visit(n)): return loop
    return None


def main(package=Path(__file__).resolve().parents[1] / 'xai_lit') -> int:
    problems, graph = [], {}
    for path in sorted(package.rglob('*.py')):
        name = module_name(path, package)
        if name.endswith('__init__') or name == '_modidx': continue
        deps = imported_modules(path, name)
        graph[name] = set(deps)
        if name == TESTING: continue
        if name not in RANK: problems.append(f'{path}: {name} is not on the module map (LAYERS in .ci/check_imports.py)'); continue
        for dep, line in deps.items():
            if dep == TESTING: problems.append(f'{path}:{line}: the runtime imports the test helpers ({TESTING})')
            elif dep not in RANK: problems.append(f'{path}:{line}: {name} imports {dep}, which is not on the module map')
            elif RANK[dep] > RANK[name] and name != 'all':
                problems.append(f'{path}:{line}: {name} (layer {RANK[name]}) imports {dep} (layer {RANK[dep]}), an upward arrow')
    if loop := find_cycle({n: {d for d in deps if d in graph} for n, deps in graph.items()}):
        problems.append('an import loop: ' + ' -> '.join(loop))
    for p in problems: print(p)
    print(f'{len(graph)} modules, {sum(map(len, graph.values()))} imports: '
          + ('the module map holds' if not problems else f'{len(problems)} problems'))
    return 1 if problems else 0


if __name__ == '__main__': sys.exit(main())
