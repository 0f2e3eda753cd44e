"""The layers of docs/ARCHITECTURE.md, read from the import-linter contract in pyproject.toml, so that the
contract stays their one definition and these checks cannot drift from it."""

import ast
import tomllib
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@cache
def contract_config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


@cache
def layers() -> tuple[tuple[str, int, bool], ...]:
    """(app, height, independent of its siblings) per app, the bottom layer at height 0."""
    contract = next(c for c in contract_config()["contracts"] if c["id"] == "layers")
    found = []
    for height, layer in enumerate(reversed(contract["layers"])):
        independent = "|" in layer
        for app in layer.replace("|", ":").split(":"):
            found.append((app.strip(), height, independent))
    return tuple(found)


def apps() -> list[str]:
    return [app for app, _, _ in layers()]


def may_use(user: str, used: str) -> bool:
    """Whether app `user` may import, or read the tables and templates of, app `used`."""
    if user == used:
        return True
    heights = {app: (height, independent) for app, height, independent in layers()}
    (user_height, independent), (used_height, _) = heights[user], heights[used]
    return used_height < user_height or (used_height == user_height and not independent)


def app_files(app: str, *suffixes: str) -> list[Path]:
    return sorted(path for path in (ROOT / app).rglob("*") if path.suffix in suffixes and path.is_file())


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def string_literals(path: Path) -> list[str]:
    """The string literals of a Python module, the constant parts of f-strings included."""
    tree = ast.parse(path.read_text(), filename=str(path))
    return [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]
