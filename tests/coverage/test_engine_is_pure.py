"""The engine, its validation and the vocabulary import no Django (STYLE.md: a pure domain).

Each check runs a fresh interpreter in which importing django fails, so an import of it
anywhere in the chain (even indirectly, even in coverage/__init__.py) breaks the test.
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import sys

class RefuseDjango:
    def find_spec(self, name, path=None, target=None):
        if name == "django" or name.startswith("django."):
            raise ImportError("django is not allowed here: " + name)

sys.meta_path.insert(0, RefuseDjango())
sys.path.insert(0, {root!r})
import {module}
loaded = sorted(m for m in sys.modules if m == "django" or m.startswith("django."))
assert not loaded, loaded
"""


def import_without_django(module: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-I", "-c", PROBE.format(root=str(ROOT), module=module)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("module", ["coverage.vocab", "coverage.engine", "coverage.validation"])
def test_module_imports_without_django(module):
    proc = import_without_django(module)
    assert proc.returncode == 0, proc.stderr


def test_the_probe_catches_a_module_that_needs_django():
    """The adapters read models, so they must fail under the probe: proof it can fail."""
    proc = import_without_django("coverage.adapters")
    assert proc.returncode != 0
    assert "django is not allowed here" in proc.stderr
