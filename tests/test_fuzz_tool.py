"""tools/fuzz.py and its engine (tools/fuzz_engine.py): a short run per area, and proof that
it can fail."""

import importlib.util
import os
import sys
import types
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

TOOLS = Path(__file__).resolve().parent.parent / "tools"


def load_fuzz() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fastresp_fuzz_tool", TOOLS / "fuzz.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fuzz = load_fuzz()
engine = fuzz.engine


def compiled_or_skip() -> None:
    if importlib.util.find_spec("fastresp._cookies_c") is None:
        if os.environ.get("FASTRESP_REQUIRE_COMPILED"):
            pytest.fail("compiled kernels are required but missing")
        pytest.skip("compiled kernels not built")


@pytest.mark.parametrize("area", engine.AREAS)
def test_twins_agree_for_two_seconds(area: str) -> None:
    compiled_or_skip()
    files = fuzz.inputs.Files() if area == "files" else None
    try:
        targets = engine.targets_of(engine.load_pairs([area]))
        divergence, stats = engine.run(targets, fuzz.inputs.generators(files), 20240601, 2.0)
    finally:
        if files is not None:
            files.close()
    assert divergence is None, engine.report(divergence, 20240601, [area])
    assert stats.cases > 50


def fake_twin(pure: ModuleType, name: str, fn: Callable[..., object]) -> ModuleType:
    fake = types.ModuleType("fake_twin")
    fake.__all__ = list(pure.__all__)  # type: ignore[attr-defined]
    for attr in pure.__all__:
        setattr(fake, attr, getattr(pure, attr))
    setattr(fake, name, fn)
    return fake


def test_a_divergent_twin_is_caught_with_a_reproducer() -> None:
    from fastresp import _ranges_py

    def off_by_one(start: int, end: int, size: int) -> str:
        result = _ranges_py.content_range(start, end, size)
        return result + " " if start == 0 else result  # one wrong byte, on one input in many

    pairs = {"ranges": (fake_twin(_ranges_py, "content_range", off_by_one), _ranges_py)}
    divergence, _ = engine.run(engine.targets_of(pairs), fuzz.inputs.generators(None), 7, 10.0)
    assert divergence is not None
    text = engine.report(divergence, 7, ["ranges"])
    assert "DIVERGENCE in ranges.content_range" in text
    assert f"--seed 7 --areas ranges --replay {divergence.index}" in text
    replayed = engine.case_at(
        7, divergence.index, engine.targets_of(pairs), fuzz.inputs.generators(None)
    )
    assert replayed.args == divergence.case.args


def test_a_different_exception_message_is_a_divergence() -> None:
    from fastresp import _cookies_py

    def reworded(*args: object) -> str:
        try:
            return _cookies_py.http_date(*args)  # type: ignore[arg-type]
        except ValueError as exc:
            raise ValueError(f"{exc}!") from None

    pairs = {"cookies": (fake_twin(_cookies_py, "http_date", reworded), _cookies_py)}
    divergence, _ = engine.run(engine.targets_of(pairs), fuzz.inputs.generators(None), 3, 10.0)
    assert divergence is not None
    assert divergence.compiled[2] == divergence.pure[2] + "!"


@pytest.mark.parametrize(
    ("body", "verdict"),
    [
        ("os.abort()", "crash (exit status -6)"),
        ("time.sleep(60)", "hang"),
        ("sys.exit(1)", "diverged"),
        ("pass", "ok"),
    ],
)
def test_the_supervisor_names_the_case_of_a_crash_or_hang(
    tmp_path: Path, body: str, verdict: str
) -> None:
    progress = tmp_path / "progress"
    progress.write_bytes(b"\0" * 8)
    worker = (
        "import os, sys, time\n"
        f"sys.path.insert(0, {str(TOOLS)!r})\n"
        "import fuzz\n"
        f"write = fuzz.progress_writer({str(progress)!r})\n"
        "for i in range(5): write(i)\n"
        f"{body}\n"
    )
    command = [sys.executable, "-c", worker]
    assert fuzz.supervise(command, str(progress), hang=1.0, limit=30.0) == (verdict, 4)


def test_cli_replay_prints_the_case(capsys: pytest.CaptureFixture[str]) -> None:
    compiled_or_skip()
    assert fuzz.main(["--seed", "1", "--areas", "cookies", "--replay", "5"]) == 0
    assert "reproduce: python tools/fuzz.py --seed 1 --areas cookies --replay 5" in (
        capsys.readouterr().out
    )
