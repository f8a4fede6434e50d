"""tools/fuzz_json.py: a short run of each check, and proof that they can fail."""

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

TOOLS = Path(__file__).resolve().parents[2] / "tools"
pytestmark = pytest.mark.compiled


def _load() -> ModuleType:
    if importlib.util.find_spec("fastresp._json_c") is None:
        if os.environ.get("FASTRESP_REQUIRE_COMPILED"):
            pytest.fail("compiled kernels are required but missing")
        pytest.skip("compiled kernels not built", allow_module_level=True)
    spec = importlib.util.spec_from_file_location("fastresp_fuzz_json", TOOLS / "fuzz_json.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fuzz_json = _load()


def test_floats_hard_cases_and_a_random_sample() -> None:
    count, failure = fuzz_json.fuzz_floats(20240601, 0.5)
    assert failure is None
    assert count >= fuzz_json.BATCH


def test_values_for_two_seconds() -> None:
    count, failure = fuzz_json.fuzz_values(20240601, 2.0)
    assert failure is None, failure
    assert count > 100


def test_a_wrong_float_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    real = fuzz_json._json_c.dumps

    def off(value: object) -> bytes:
        if value == 1e23 or (isinstance(value, list) and 1e23 in value):
            return bytes(real(value)).replace(b"1e+23", b"9.999999999999999e+22")
        return bytes(real(value))

    monkeypatch.setattr(fuzz_json, "_json_c", SimpleNamespace(dumps=off))
    count, failure = fuzz_json.fuzz_floats(1, 0.1)
    assert count == 0 and failure is not None and "1e+23" in failure


def test_a_wrong_value_is_caught(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(fuzz_json, "_json_c", SimpleNamespace(dumps=lambda value: b"null"))
    assert fuzz_json.main(["--seconds", "1", "--seed", "7", "--only", "values"]) == 1
    out = capsys.readouterr().out
    assert "MISMATCH" in out and "reproduce: python tools/fuzz_json.py --seed 7" in out
    assert sys.modules.get("fastresp_fuzz_json") is None  # loaded without registering
