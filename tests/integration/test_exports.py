"""libraws3.so exports the public API and nothing else: every dynamic symbol is a raws3:: name the public
headers declare, every RAWS3_API declaration is exported, llhttp and the layers stay inside, and the
pkg-config file gives a user's build only the include path and -lraws3."""

import os
import pathlib
import re
import subprocess
import unittest

BUILD = pathlib.Path(os.environ["RAWS3_BUILD_DIR"])
HEADERS = pathlib.Path(__file__).resolve().parents[2] / "lib" / "include" / "raws3"

# What the ABI adds for a class beside its members: catching a raws3::Error needs its typeinfo.
SPECIAL = re.compile(r"^(typeinfo name for|typeinfo for|vtable for) (raws3::.*)$")
ABI_TAG = re.compile(r"\[abi:\w+\]")


def header_text():
    return "\n".join(p.read_text() for p in sorted(HEADERS.glob("*.hpp")))


def exported_names():
    out = subprocess.run(["nm", "-D", "--defined-only", "-C", str(BUILD / "lib" / "libraws3.so")],
                         check=True, capture_output=True, text=True).stdout
    names = []
    for line in out.splitlines():
        # "<address> <type> <name>"; the version-script node (type A) is not code.
        address, kind, name = line.split(" ", 2)
        if kind != "A":
            names.append(name)
    return names


def qualified_path(symbol):
    """raws3::ObjectWriter::finish[abi:cxx11]() -> ['ObjectWriter', 'finish']"""
    special = SPECIAL.match(symbol)
    name = special.group(2) if special else symbol
    name = ABI_TAG.sub("", name.split("(", 1)[0])
    return name.split("::")[1:] if name.startswith("raws3::") else None


class Exports(unittest.TestCase):
    def setUp(self):
        self.headers = header_text()
        self.symbols = exported_names()

    def declared(self, name):
        if name.startswith("~") or name.startswith("operator"):
            return re.escape(name) in self.headers or name in self.headers
        return re.search(r"\b(struct|class|enum class|enum)\s+(\w+\s+)*" + name + r"\b", self.headers) or \
            re.search(r"\b" + name + r"\s*\(", self.headers)

    def test_every_symbol_is_public_api(self):
        self.assertGreater(len(self.symbols), 20, self.symbols)
        strays = []
        for symbol in self.symbols:
            path = qualified_path(symbol)
            if path is None or not all(self.declared(part) for part in path):
                strays.append(symbol)
        self.assertEqual(strays, [], "exported but not declared in lib/include/raws3")

    def test_llhttp_and_the_layers_stay_inside(self):
        raw = subprocess.run(["nm", "-D", "--defined-only", str(BUILD / "lib" / "libraws3.so")],
                             check=True, capture_output=True, text=True).stdout
        self.assertNotIn("llhttp_", raw)
        for layer in ("io", "http", "auth", "s3", "store"):
            self.assertFalse([s for s in self.symbols if f"raws3::{layer}::" in s], layer)

    def test_every_marked_declaration_is_exported(self):
        classes = re.findall(r"\b(?:struct|class)\s+RAWS3_API\s+(\w+)", self.headers)
        functions = re.findall(r"^\s*RAWS3_API\s+[^;(]*?\b(\w+)\s*\(", self.headers, re.M)
        self.assertIn("Client", classes)
        self.assertIn("parse_byte_size", functions)
        # A nested class (ObjectWriter::Backend) is found by its own name.
        exported = {part for symbol in self.symbols for part in qualified_path(symbol) or ()}
        missing = [name for name in classes + functions if name not in exported]
        self.assertEqual(missing, [], "marked RAWS3_API in a header but not in libraws3.so")

    def test_pkg_config_carries_no_dependency_flags(self):
        pc = (BUILD / "meson-private" / "raws3.pc").read_text()
        fields = dict(line.split(":", 1) for line in pc.splitlines() if re.match(r"^[A-Za-z.]+:", line))
        self.assertEqual(fields.get("Cflags", "").split(), ["-I${includedir}"])
        self.assertEqual(fields.get("Libs", "").split(), ["-L${libdir}", "-lraws3"])
        self.assertNotIn("Requires", fields)
        self.assertNotIn("Requires.private", fields)


if __name__ == "__main__":
    unittest.main(verbosity=2)
