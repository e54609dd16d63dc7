"""The harness's interpreter and package versions, from its spans' resources.

The machine line must name what the harness ran, not what runs perf-waterfall, so
the versions come from the resource each process reports (OpenTelemetry's
resource conventions), read conservatively:

- ``meta["python"]``: ``process.runtime.version``, when ``process.runtime.name`` is
  a Python implementation (or absent, from a Python SDK: ``telemetry.sdk.language``).
- ``meta["packages"]`` (name -> version): ``opentelemetry-sdk`` from the Python SDK's
  ``telemetry.sdk.version``; a distribution from ``telemetry.distro.name`` and
  ``.version``; and any ``perf_waterfall.package.NAME = VERSION`` the harness adds
  (``OTEL_RESOURCE_ATTRIBUTES`` sets them without code), e.g. for numpy and pyzmq.

Processes that disagree are all shown (``2.2.6 / 2.4.6``); nothing reported, no key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from perfwaterfall.otel.decode import Span

PYTHONS = ("cpython", "pypy", "graalpy", "ironpython", "jython", "micropython")
PACKAGE_PREFIX = "perf_waterfall.package."
MAX_VALUE = 64


def machine_facts(spans: Iterable[Span]) -> dict[str, Any]:
    """``python`` and ``packages`` for the results document's meta (module docstring)."""
    resources: dict[int, Mapping[str, Any]] = {}
    for span in spans:
        resources.setdefault(id(span.resource), span.resource)
    pythons: set[str] = set()
    packages: dict[str, set[str]] = {}
    for resource in resources.values():
        python = _python(resource)
        if python:
            pythons.add(python)
        for name, version in _packages(resource):
            packages.setdefault(name, set()).add(version)
    facts: dict[str, Any] = {}
    if pythons:
        facts["python"] = _joined(pythons)
    if packages:
        facts["packages"] = {name: _joined(packages[name]) for name in sorted(packages)}
    return facts


def _python(resource: Mapping[str, Any]) -> str:
    version = _text(resource.get("process.runtime.version"))
    runtime = _text(resource.get("process.runtime.name")).lower()
    language = _text(resource.get("telemetry.sdk.language")).lower()
    if runtime in PYTHONS or (not runtime and language == "python"):
        return version
    return ""


def _packages(resource: Mapping[str, Any]) -> Iterable[tuple[str, str]]:
    sdk_version = _text(resource.get("telemetry.sdk.version"))
    sdk = (_text(resource.get("telemetry.sdk.name")), _text(resource.get("telemetry.sdk.language")))
    if sdk == ("opentelemetry", "python") and sdk_version:
        yield "opentelemetry-sdk", sdk_version
    distro, distro_version = (
        _text(resource.get(f"telemetry.distro.{key}")) for key in ("name", "version")
    )
    if distro and distro_version:
        yield distro, distro_version
    for key, value in resource.items():
        name = key[len(PACKAGE_PREFIX) :] if key.startswith(PACKAGE_PREFIX) else ""
        if name and _text(value):
            yield name[:MAX_VALUE], _text(value)


def _text(value: Any) -> str:
    """A version is a short string; anything else is not one."""
    return value.strip()[:MAX_VALUE] if isinstance(value, str) else ""


def _joined(values: set[str]) -> str:
    return " / ".join(sorted(values))
