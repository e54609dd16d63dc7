"""The machine line and fingerprint: the harness's versions, never perf-waterfall's own."""

from __future__ import annotations

import json
from pathlib import Path

from perfwaterfall.store import bundle as bundles
from perfwaterfall.store.fingerprint import fingerprint, machine_differences
from perfwaterfall.store.machine import MachineInfo, describe_machine, with_harness
from scenarios.results import installed_versions

FIXTURES = Path(__file__).parents[1] / "fixtures"
HERE = MachineInfo("AMD EPYC 7763", 2, "3.11.7", system="Linux 6.8.0", host_id="a1")


def test_a_new_machine_records_no_package_of_its_own():
    machine = describe_machine()
    assert machine.numpy is None and machine.pyzmq is None
    assert "numpy" not in machine.to_dict() and "pyzmq" not in machine.to_dict()
    assert "absent" not in machine.one_line()
    assert machine.host_id and len(machine.host_id) == 12


def test_the_line_names_what_the_harness_reported():
    meta = {"python": "3.12.1", "packages": {"numpy": "2.2.6", "pyzmq": "27.1.0"}}
    line = with_harness(HERE, [[meta], [meta]]).one_line()
    assert (
        line == "AMD EPYC 7763 · 2 cores · Linux 6.8.0 · Python 3.12.1 · numpy 2.2.6 · pyzmq 27.1.0"
    )


def test_a_harness_without_packages_is_not_said_to_lack_any():
    line = with_harness(HERE, [[{"python": "3.11.2"}], [{"python": "3.11.2"}]]).one_line()
    assert line == "AMD EPYC 7763 · 2 cores · Linux 6.8.0 · Python 3.11.2"
    assert with_harness(HERE, [[{}], [{}]]).one_line() == "AMD EPYC 7763 · 2 cores · Linux 6.8.0"


def test_versions_the_sides_disagree_on_read_base_to_head():
    base = {"python": "3.11.7", "packages": {"numpy": "2.2.6"}}
    head = {"python": "3.11.7", "packages": {"numpy": "2.4.6", "simplejpeg": "1.9.0"}}
    machine = with_harness(HERE, [[base], [head]])
    assert machine.packages == (("numpy", "2.2.6 → 2.4.6"), ("simplejpeg", "? → 1.9.0"))
    assert machine.harness_python == "3.11.7"


def test_malformed_packages_are_left_out():
    meta = {"packages": {"numpy": 2, "ok": "1.0", "empty": ""}}
    assert with_harness(HERE, [[meta]]).packages == (("ok", "1.0"),)
    assert with_harness(HERE, [[{"packages": ["numpy"]}]]).packages == ()


def test_the_keep_awake_state_is_shown_when_recorded():
    held = MachineInfo.from_dict({**HERE.to_dict(), "keep_awake": "held"})
    assert "keep-awake held" in held.one_line()
    assert "keep-awake" not in HERE.one_line()


def test_an_old_bundle_reads_as_before():
    old = bundles.load(FIXTURES / "ladder.bundle.json")
    raw = json.loads((FIXTURES / "ladder.bundle.json").read_text())["machine"]
    assert old.machine.to_dict() == raw
    line = "Test CPU · 2 cores · Python 3.11.7 · numpy 2.0.0 · pyzmq 26.0.0"
    assert old.machine.one_line() == line
    assert with_harness(old.machine, [[{"python": "3.12.0"}]]).one_line() == line


def test_keys_a_later_version_adds_are_kept_out_not_refused():
    machine = MachineInfo.from_dict({**HERE.to_dict(), "governor": "performance"})
    assert machine == HERE


def test_this_repositorys_harness_reports_its_packages():
    versions = installed_versions()
    assert set(versions) <= {"numpy", "pyzmq", "simplejpeg"}
    assert "pyzmq" in versions and all(versions.values())


def test_fingerprints_differ_in_words():
    other = MachineInfo(
        "Intel Xeon 8370C", 2, "3.11.7", system="Linux 6.5.0", keep_awake="held", host_id="b2"
    )
    assert machine_differences(HERE, HERE) == []
    assert machine_differences(HERE, other) == [
        "CPU AMD EPYC 7763 (base), Intel Xeon 8370C (head)",
        "kernel Linux 6.8.0 (base), Linux 6.5.0 (head)",
        "keep-awake unknown (base), held (head)",
        "host a1 (base), b2 (head)",
    ]
    assert fingerprint(HERE)["keep-awake"] == "unknown"


def test_the_interpreter_perf_waterfall_ran_under_is_no_fingerprint():
    """It is not the harness's: two runs by two installs of the tool are still alike."""
    other = MachineInfo.from_dict({**HERE.to_dict(), "python": "3.12.0"})
    assert machine_differences(HERE, other) == []
