"""An import of our own code inside a function body hides a cycle from import-linter and from the reader: the
module graph must be acyclic at module level (docs/ARCHITECTURE.md). `apps.py` is exempt: Django calls
`ready()` once the registry is loaded, which is where it must import signals and models."""

import ast

from tests.architecture.layering import app_files, apps, relative


def _nested_own_imports(path) -> list[str]:
    tree = ast.parse(path.read_text())
    found = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in apps():
                found.append(f"{relative(path)}:{node.lineno}: from {node.module} import …")
            elif isinstance(node, ast.Import):
                found += [
                    f"{relative(path)}:{node.lineno}: import {alias.name}"
                    for alias in node.names
                    if alias.name.split(".")[0] in apps()
                ]
    return found


def _found(app: str) -> list[str]:
    return [
        line
        for path in app_files(app, ".py")
        if path.name != "apps.py" and "migrations" not in path.parts
        for line in _nested_own_imports(path)
    ]


def test_no_app_imports_its_own_code_inside_a_function():
    assert [line for app in apps() for line in _found(app)] == []
