"""The keep-awake request: held for the block, closed on every way out, denied in one line;
and the setting in the bundle, the header and the markdown."""

from __future__ import annotations

import io
import os
import struct
from dataclasses import replace
from pathlib import Path

import pytest

from perfwaterfall.analysis.build import build_report
from perfwaterfall.export.exporters import to_json, to_markdown
from perfwaterfall.measure import keep_awake
from perfwaterfall.render.terminal import make_console, print_report
from perfwaterfall.store import bundle as bundles
from perfwaterfall.store.machine import MachineInfo
from tests.unit.builders import ladder_bundle, ladder_comparison, report

FIXTURES = Path(__file__).parents[1] / "fixtures"


def open_targets() -> list[Path]:
    """What this process's descriptors point at, as /proc shows them."""
    fds = Path("/proc/self/fd")
    targets = []
    for fd in fds.iterdir():
        try:
            targets.append(Path(os.readlink(fd)))
        except OSError:
            continue  # the descriptor iterdir itself used, closed by now
    return targets


def test_the_request_is_a_32_bit_zero_held_open_for_the_block(tmp_path: Path) -> None:
    device = tmp_path / "cpu_dma_latency"
    device.write_bytes(b"")
    with keep_awake.kept_awake(True, device) as awake:
        assert awake == keep_awake.KeepAwake(keep_awake.HELD)
        assert device.read_bytes() == struct.pack("i", 0)
        assert device in open_targets()
    assert device not in open_targets()


def test_the_request_ends_when_the_block_raises(tmp_path: Path) -> None:
    device = tmp_path / "cpu_dma_latency"
    device.write_bytes(b"")
    with pytest.raises(KeyboardInterrupt), keep_awake.kept_awake(True, device):
        assert device in open_targets()
        raise KeyboardInterrupt
    assert device not in open_targets()


def test_switched_off_opens_nothing(tmp_path: Path) -> None:
    device = tmp_path / "cpu_dma_latency"
    device.write_bytes(b"")
    with keep_awake.kept_awake(False, device) as awake:
        assert awake.setting == keep_awake.OFF and awake.warning is None
        assert device not in open_targets()
    assert device.read_bytes() == b""


@pytest.mark.parametrize("make", ["missing", "directory"])
def test_a_device_that_cannot_be_opened_is_denied_in_one_line(tmp_path: Path, make: str) -> None:
    device = tmp_path / "cpu_dma_latency"
    if make == "directory":
        device.mkdir()
    with keep_awake.kept_awake(True, device) as awake:
        assert awake.setting == keep_awake.DENIED
    assert awake.warning is not None and "\n" not in awake.warning
    assert str(device) in awake.warning and "doctor" in awake.warning
    assert keep_awake.denied_reason(True, device) == awake.warning
    assert keep_awake.denied_reason(False, device) is None


@pytest.mark.parametrize(
    ("flag", "env", "expected"),
    [
        (None, {}, True),
        (None, {keep_awake.SWITCH_ENV: "0"}, False),
        (None, {keep_awake.SWITCH_ENV: " Off "}, False),
        (None, {keep_awake.SWITCH_ENV: "1"}, True),
        (True, {keep_awake.SWITCH_ENV: "0"}, True),
        (False, {}, False),
    ],
)
def test_the_command_line_decides_then_the_environment(
    flag: bool | None, env: dict[str, str], expected: bool
) -> None:
    assert keep_awake.wanted(flag, env) is expected


def real_device_or_skip() -> Path:
    if keep_awake.denied_reason(True, keep_awake.DEVICE) is not None:
        pytest.skip(f"{keep_awake.DEVICE} cannot be opened here")
    return keep_awake.DEVICE


def test_the_kernel_limit_reads_zero_while_held() -> None:
    device = real_device_or_skip()
    with keep_awake.kept_awake(True, device) as awake:
        assert awake.setting == keep_awake.HELD
        assert keep_awake.effective_latency_us(device) == 0
        assert device in open_targets()
    # Another process on the machine may hold its own request: only ours must be gone.
    assert device not in open_targets()


# A machine as new bundles record it (no numpy/pyzmq of perf-waterfall's own).
HERE = MachineInfo("Test CPU", 2, "3.11.7", system="Linux test")


def render_terminal(rep: object) -> str:
    out = io.StringIO()
    print_report(make_console(file=out, width=160), rep)
    return out.getvalue()


@pytest.mark.parametrize("setting", ["held", "off", "denied"])
def test_the_header_and_the_markdown_say_the_setting(setting: str) -> None:
    machine = replace(HERE, keep_awake=setting)
    text = render_terminal(report(ladder_comparison(), machine=machine))
    line = next(row for row in text.splitlines() if "machine" in row)
    assert f"keep-awake {setting}" in line
    md = to_markdown(build_report(replace(ladder_bundle(), machine=machine), threshold_pct=2.0))
    machine_lines = [ln for ln in md.splitlines() if "keep-awake" in ln]
    assert len(machine_lines) == 1 and machine_lines[0].startswith("- Machine: ")
    assert f"keep-awake {setting}" in machine_lines[0]


def test_a_report_without_the_setting_says_nothing_of_it() -> None:
    assert "keep-awake" not in render_terminal(report(ladder_comparison(), machine=HERE))
    rep = build_report(replace(ladder_bundle(), machine=HERE), threshold_pct=2.0)
    assert "keep-awake" not in to_markdown(rep) and "keep_awake" not in to_json(rep)


def test_the_setting_survives_a_saved_bundle(tmp_path: Path) -> None:
    saved = tmp_path / "b.json"
    bundles.save(replace(ladder_bundle(), machine=replace(HERE, keep_awake="held")), saved)
    loaded = bundles.load(saved)
    assert loaded.machine.keep_awake == "held"
    assert '"keep_awake": "held"' in to_json(build_report(loaded, threshold_pct=2.0))


def test_an_old_bundle_loads_without_the_setting() -> None:
    old = bundles.load(FIXTURES / "ladder.bundle.json")
    assert old.machine.keep_awake is None
    assert "keep_awake" not in old.machine.to_dict()
