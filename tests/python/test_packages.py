"""Package boundaries (issue 15 item 6): production code never imports the synthetic tooling, and the
exporter never imports the CLI (the CLI imports loaders and exporter, not the other way round)."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from conftest import ROOT

SYNTHETIC = "loaders.synthetic"
# the one production module allowed to reach the generator: the `cx generate` command
SYNTHETIC_USERS = {"loaders/cli/generate.py"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, relative imports resolved, plus string arguments of import_module()."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) ==
              "import_module" and node.args and isinstance(node.args[0], ast.Constant)):
            found.add(str(node.args[0].value))
    return found


def _production_modules() -> list[Path]:
    paths = sorted((ROOT / "loaders").rglob("*.py")) + sorted((ROOT / "exporter").rglob("*.py"))
    return [p for p in paths if not p.relative_to(ROOT).as_posix().startswith("loaders/synthetic/")]


def _hits(paths: list[Path], prefix: str) -> dict[str, list[str]]:
    out = {}
    for path in paths:
        bad = sorted(m for m in _imports(path) if m == prefix or m.startswith(prefix + "."))
        if bad:
            out[path.relative_to(ROOT).as_posix()] = bad
    return out


def test_the_import_walk_finds_imports() -> None:
    assert _hits([ROOT / "loaders" / "cli" / "generate.py"], SYNTHETIC)
    assert "loaders.genesys.client" in _imports(ROOT / "loaders" / "genesys" / "__init__.py")


def test_production_code_does_not_import_the_synthetic_package() -> None:
    modules = _production_modules()
    assert len(modules) > 20
    hits = {path: mods for path, mods in _hits(modules, SYNTHETIC).items() if path not in SYNTHETIC_USERS}
    assert not hits, f"production modules import {SYNTHETIC} (generator / fake Genesys are test tooling): {hits}"


def test_only_the_cli_imports_the_cli() -> None:
    modules = [p for p in _production_modules() if not p.relative_to(ROOT).as_posix().startswith("loaders/cli/")]
    assert not _hits(modules, "loaders.cli"), "nothing but the CLI package may import loaders.cli (no cycle)"


def test_the_synthetic_package_does_not_import_the_cli_or_the_exporter() -> None:
    modules = sorted((ROOT / "loaders" / "synthetic").rglob("*.py"))
    assert not _hits(modules, "loaders.cli") and not _hits(modules, "exporter")


def test_genesys_variables_are_read_only_by_the_client_settings() -> None:
    """Every GENESYS_* variable is read in GenesysSettings.from_env, so every command honours all of them."""
    reads = re.compile(r"""(environ|getenv|env)\s*(\.get\s*\(|\[)\s*["']GENESYS_""")
    readers = [p.relative_to(ROOT).as_posix() for p in _production_modules() if reads.search(p.read_text())]
    assert readers == ["loaders/genesys/config.py"]
    from loaders.genesys import GenesysSettings

    env = {"GENESYS_CLIENT_ID": "id", "GENESYS_CLIENT_SECRET": "s3cr3t", "GENESYS_API_BASE_URL": "http://127.0.0.1:9",
           "GENESYS_REQUESTS_PER_MINUTE": "120", "GENESYS_RATE_WINDOW_S": "2.5"}
    settings = GenesysSettings.from_env(env)
    assert (settings.requests_per_minute, settings.rate_window_s) == (120, 2.5)
    assert "s3cr3t" not in repr(settings)


def test_the_reference_page_is_one_file_the_fake_ships_and_the_tests_read() -> None:
    from conftest import REFERENCE_PAGE

    from loaders.synthetic.fake_genesys import sample

    shipped = ROOT / "loaders" / "synthetic" / "fake_genesys" / sample.REFERENCE_PAGE
    assert REFERENCE_PAGE.resolve() == shipped.resolve()
    assert sample.TEMPLATE == json.loads(shipped.read_text(encoding="utf-8"))["conversations"][0]


def test_every_command_registers_the_same_way() -> None:
    import argparse
    import inspect

    from loaders.cli import COMMANDS, build_parser

    for command in COMMANDS:
        signature = inspect.signature(command.add_parser)
        assert list(signature.parameters) == ["sub"] and signature.return_annotation in (None, "None"), command
    [sub] = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    assert set(sub.choices) == {"generate", "load", "extract", "summary", "export", "lake", "run", "verify", "ui",
                                "report"}
