#!/usr/bin/env python3
"""Checks Switchboard's module graph: every import declared, and every edge allowed.

Reads the package from `swift package dump-package` and the allowed edges from the
fenced `imports` block in docs/architecture.md, then fails (exit 1) when a Swift target:
  - imports a module that Package.swift does not list among its dependencies, or
  - depends on, or imports, a module its line in the table does not allow (a back-edge,
    or a layer skipped), or has no line in the table at all.

A Swift target's edges are its imports, in every form (`internal import`, `public import`,
`package import`, `@preconcurrency import`, `@testable import`, `import struct M.T`); a
C target's are its dependencies and its includes of another target's header.

    scripts/check_imports.py            (make test runs it)
    scripts/check_imports.py --root DIR (another checkout: the tests plant a bad edge in one)
"""
import json
import pathlib
import re
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
TABLE = ROOT / "docs" / "architecture.md"
C_SOURCES = {".c", ".h", ".modulemap"}
# Modules that come with the toolchain or the system: never declared in Package.swift.
SYSTEM = {
    "Foundation", "FoundationEssentials", "FoundationNetworking", "FoundationXML", "Glibc", "Darwin", "Musl",
    "Dispatch", "Synchronization", "Testing", "XCTest", "_Concurrency", "_StringProcessing", "RegexBuilder",
    "Observation", "os",
}
# Every form of an import: attributes (`@testable`, `@preconcurrency`, `@_exported`,
# `@_implementationOnly`), an access level (`public`, `package`, `internal`, `fileprivate`,
# `private`), and a kind (`import struct M.T`); the module is the first name after it.
IMPORT = re.compile(
    r"^\s*(?:@[\w(): ,]+\s+)*(?:(?:public|package|internal|fileprivate|private)\s+)?(?:@[\w(): ,]+\s+)*"
    r"import\s+(?:(?:struct|class|enum|protocol|typealias|func|var|let)\s+)?([A-Za-z_]\w*)")
# A C target's include of another target's header: `#include "CLibraryLoader.h"` or
# `#include <CLibraryLoader/…>`.
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([A-Za-z_][\w]*)(?:\.h)?[/>"]')


def allowed_edges():
    """The `imports` block of docs/architecture.md: `Target: Module Module …` per line."""
    text = TABLE.read_text()
    match = re.search(r"```imports\n(.*?)```", text, re.S)
    if not match:
        sys.exit(f"check-imports: no ```imports block in {TABLE.relative_to(ROOT)}")
    edges = {}
    for line in match.group(1).splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        names, _, allowed = line.partition(":")
        for name in names.split(","):
            edges[name.strip()] = set(allowed.split())
    return edges


def declared_dependencies(target):
    names = set()
    for dependency in target["dependencies"]:
        for kind in ("byName", "target", "product"):
            if kind in dependency:
                names.add(dependency[kind][0])
    return names


def imports_of(target):
    """Each module the target's Swift files import, with the first file that does."""
    found = {}
    for path in sorted((ROOT / target["path"]).rglob("*.swift")):
        relative = path.relative_to(ROOT)
        if any(str(relative).startswith(f"{target['path']}/{excluded}") for excluded in target.get("exclude", [])):
            continue
        in_literal = False  # inside a multi-line string: Python scripts in tests import too
        for line in path.read_text().splitlines():
            if line.count('"""') % 2 == 1:
                in_literal = not in_literal
                continue
            match = None if in_literal else IMPORT.match(line)
            if match and match.group(1) not in SYSTEM:
                found.setdefault(match.group(1), str(relative))
    return found


def includes_of(target, targets):
    """Each other Switchboard target a C target's sources include, with the first file that does."""
    found = {}
    folder = ROOT / target["path"]
    for path in sorted(p for p in folder.rglob("*") if p.suffix in C_SOURCES):
        relative = path.relative_to(ROOT)
        if any(str(relative).startswith(f"{target['path']}/{excluded}") for excluded in target.get("exclude", [])):
            continue
        for line in path.read_text(errors="replace").splitlines():
            match = INCLUDE.match(line)
            if match and match.group(1) in targets and match.group(1) != target["name"]:
                found.setdefault(match.group(1), str(relative))
    return found


def main():
    global ROOT, TABLE
    if len(sys.argv) == 3 and sys.argv[1] == "--root":
        ROOT = pathlib.Path(sys.argv[2]).resolve()
        TABLE = ROOT / "docs" / "architecture.md"
    # A scratch path of its own: the package's .build may be locked by a build or a
    # test run (which runs this check too), and reading the manifest needs none of it.
    with tempfile.TemporaryDirectory(prefix="check-imports-") as scratch:
        package = json.loads(subprocess.run(
            ["swift", "package", "--package-path", str(ROOT), "--scratch-path", scratch, "dump-package"],
            check=True, capture_output=True, text=True).stdout)
    edges = allowed_edges()
    problems = []
    names = {t["name"] for t in package["targets"]}
    for target in package["targets"]:
        if target["type"] == "system":
            continue  # a module map over a system library: nothing of ours in it
        name = target["name"]
        declared = declared_dependencies(target)
        if list((ROOT / target["path"]).rglob("*.swift")):
            imported = imports_of(target)
        else:
            imported = includes_of(target, names)  # a C target's edges are its includes
        for module, file in imported.items():
            if module not in declared:
                problems.append(f"{file} uses {module}, which Package.swift does not list for {name}")
        if name not in edges:
            problems.append(f"{name} has no line in the imports table of docs/architecture.md")
            continue
        allowed = edges[name]
        if "*" in allowed:
            continue
        for module in sorted(declared | set(imported)):
            if module not in allowed:
                problems.append(
                    f"{name} depends on {module}, which docs/architecture.md does not allow it "
                    f"(allowed: {' '.join(sorted(allowed)) or 'nothing'})")
    for name in sorted(set(edges) - {t["name"] for t in package["targets"]}):
        problems.append(f"docs/architecture.md lists {name}, which is not a target of Package.swift")
    for problem in problems:
        print(f"check-imports: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(
        f"check-imports: {sum(1 for t in package['targets'] if t['type'] != 'system')} targets, "
        "every import declared and allowed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
