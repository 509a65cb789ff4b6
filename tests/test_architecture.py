"""Where code lives (DESIGN.md, "Where code lives"): SQL in warehouse/ (the alert outbox keeps its
own), and packages importing only the floors below them, so there is no import loop."""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SKIPPED_DIRS = {"tests", "state", "build", "dist", "__pycache__", "node_modules"}
SQL_HOMES = ("warehouse/", "alerts/outbox.py")
SQL_WRITE = re.compile(r"\b(INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\S+\s+SET|DELETE\s+FROM|MERGE\s+INTO)\b", re.IGNORECASE)
# Upserts that need a key constraint, which a DuckLake warehouse has not: warehouse/merge.py builds MERGEs instead.
KEYED_UPSERT = re.compile(r"\b(INSERT\s+OR\s+(REPLACE|IGNORE)|ON\s+CONFLICT)\b", re.IGNORECASE)
SHIPPED = ("warehouse/", "alerts/", "brandmon/", "dags/", "bench/")
OURS = ("alerts", "bench", "brandmon", "dags", "extractors", "plugins", "training", "transforms", "warehouse")
MAY_IMPORT = {  # package → our packages it may import besides itself
    "extractors": set(),
    "transforms": {"extractors"},  # the Post record only
    "training": {"transforms"},
    "warehouse": {"transforms"},
    "alerts": {"warehouse"},
}


def sources() -> list[Path]:
    """Our Python files, without tests, virtual environments, state and hidden folders."""
    found = []
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in SKIPPED_DIRS]
        found += [Path(folder) / f for f in files if f.endswith(".py")]
    return sorted(found)


def string_literals(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, text) of every string literal but docstrings; an f-string's holes read as {}."""
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    found, inside_fstrings = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = []
            for part in node.values:
                inside_fstrings.add(id(part))
                parts.append(part.value if isinstance(part, ast.Constant) else "{}")
            found.append((node.lineno, "".join(parts)))
    for node in ast.walk(tree):
        if (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
                and id(node) not in inside_fstrings):
            found.append((node.lineno, node.value))
    return found


def sql_writes(source: str) -> list[tuple[int, str]]:
    """(line, statement start) of each INSERT / UPDATE / DELETE in a module's string literals.

    Adjacent literals (implicit concatenation) are one constant to the parser, so a statement
    split over lines is still seen whole.
    """
    return [(line, match.group(0)) for line, text in string_literals(ast.parse(source))
            for match in SQL_WRITE.finditer(text)]


def test_the_write_finder_reads_string_literals_not_comments_or_docstrings():
    source = '''
"""Docstring: we INSERT INTO nothing here."""
# a comment: DELETE FROM posts
table = "deliveries"
conn.execute(f"UPDATE {table} SET status = ?", [1])
conn.execute("insert or replace into "
             "topics VALUES (?)")
conn.execute(f"""DELETE FROM mentions WHERE x = {x}""")
log.info("update the settings then delete the file")
'''
    assert [w.upper() for _, w in sql_writes(source)] == ["UPDATE {} SET", "DELETE FROM", "INSERT OR REPLACE INTO"]


def test_sql_writes_live_only_in_the_warehouse_and_the_outbox():
    found = {}
    for path in sources():
        relative = path.relative_to(ROOT).as_posix()
        for line, statement in sql_writes(path.read_text(encoding="utf-8")):
            found.setdefault(relative.startswith(SQL_HOMES), []).append(f"{relative}:{line}: {statement}")
    assert found.get(False, []) == [], "SQL writes belong in warehouse/ (or the alert outbox)"
    assert any(w.startswith("warehouse/load.py") for w in found[True])  # the finder does see real writes


def test_shipped_code_upserts_by_merge_not_by_a_key_constraint():
    found = [f"{path.relative_to(ROOT).as_posix()}:{line}: {match.group(0)}"
             for path in sources() if path.relative_to(ROOT).as_posix().startswith(SHIPPED)
             for line, text in string_literals(ast.parse(path.read_text(encoding="utf-8")))
             for match in KEYED_UPSERT.finditer(text)]
    found += [f"{path.relative_to(ROOT).as_posix()}: {match.group(0)}" for path in sorted(ROOT.glob("warehouse/**/*.sql"))
              for match in KEYED_UPSERT.finditer(re.sub(r"--[^\n]*", "", path.read_text(encoding="utf-8")))]
    assert found == [], ("INSERT OR REPLACE / INSERT OR IGNORE / ON CONFLICT need a primary key, which DuckLake "
                         "tables have not: upsert with warehouse/merge.py (a MERGE on warehouse.schema.TABLE_KEYS)")


def test_the_upsert_finder_sees_statements_not_words():
    assert [m.group(0) for m in KEYED_UPSERT.finditer(
        "insert or replace into t; INSERT OR IGNORE INTO t; INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING; "
        "a conflict, or ignore it")] == ["insert or replace", "INSERT OR IGNORE", "ON CONFLICT"]


def sql_calls(source: str) -> list[int]:
    """Lines that run SQL through a DB-API or DuckDB connection (`.execute`, `.executemany`, `.sql`)."""
    return [node.lineno for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"execute", "executemany", "sql"}]


def test_only_the_warehouse_and_the_outbox_run_sql():
    outside = [f"{path.relative_to(ROOT).as_posix()}:{line}" for path in sources()
               if not path.relative_to(ROOT).as_posix().startswith(SQL_HOMES)
               for line in sql_calls(path.read_text(encoding="utf-8"))]
    assert outside == [], "reads, writes and transactions go through warehouse/ functions"


def our_imports(path: Path) -> set[str]:
    """Top-level packages of ours that a module imports (type-checking imports included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                 else [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else [])
        found |= {n.split(".")[0] for n in names} & set(OURS)
    return found


def package_imports() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in sources():
        package = path.relative_to(ROOT).parts[0]
        if package in OURS:
            graph.setdefault(package, set()).update(our_imports(path) - {package})
    return graph


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_lower_floors_import_only_what_lies_below_them(package):
    assert package_imports()[package] <= MAY_IMPORT[package]


def test_packages_import_each_other_without_a_loop():
    graph = package_imports()
    done: set[str] = set()

    def visit(package: str, path: tuple[str, ...]) -> None:
        assert package not in path, f"import loop: {' -> '.join((*path, package))}"
        if package not in done:
            for below in sorted(graph.get(package, ())):
                visit(below, (*path, package))
            done.add(package)

    for package in sorted(graph):
        visit(package, ())
