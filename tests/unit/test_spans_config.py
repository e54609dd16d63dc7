"""``spans``, ``spans-port``, ``frame-key``, ``span-kinds`` in the table; the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfwaterfall.errors import UsageError
from perfwaterfall.measure.spans_round import FILE_VARIABLE, collecting_spans
from perfwaterfall.protocol.harness_spec import SpanSettings, load_harness_spec


def spec_of(tmp_path: Path, table: str):
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.perf-waterfall]\nharness = ["{{python}}", "b.py"]\n{table}\n'
    )
    return load_harness_spec(tmp_path, None)


def test_without_spans_the_document_is_read_as_before(tmp_path: Path) -> None:
    assert spec_of(tmp_path, "").spans is None


def test_spans_settings_are_read(tmp_path: Path) -> None:
    table = 'spans = "otlp"\nspans-port = 4318\n[tool.perf-waterfall.span-kinds]\n"mq.*" = "other"'
    assert spec_of(tmp_path, table).spans == SpanSettings(
        source="otlp", port=4318, kinds=(("mq.*", "other"),)
    )
    assert spec_of(tmp_path, 'spans = "file"').spans == SpanSettings(source="file")
    assert SpanSettings(source="file").frame_key == "frame.id"
    keyed = spec_of(tmp_path, 'spans = "otlp"\nframe-key = "pipeline.frame"').spans
    assert keyed is not None and keyed.frame_key == "pipeline.frame"
    unkeyed = spec_of(tmp_path, 'spans = "otlp"\nframe-key = ""').spans
    assert unkeyed is not None and unkeyed.frame_key == ""


@pytest.mark.parametrize(
    ("table", "fragment"),
    [
        ('spans = "jaeger"', 'spans must be "otlp" or "file"'),
        ('spans = "otlp"\nspans-port = 70000', "spans-port must be a port number"),
        ('spans = "otlp"\nspans-port = true', "spans-port must be a port number"),
        ('spans = "file"\nspans-port = 4318', 'spans-port is for spans = "otlp"'),
        ("spans-port = 4318", 'spans-port needs spans = "otlp" or "file"'),
        ('frame-key = "frame.id"', 'frame-key needs spans = "otlp" or "file"'),
        ('spans = "otlp"\nframe-key = 3', "frame-key must be a span attribute name"),
        ('spans = "otlp"\n[tool.perf-waterfall.span-kinds]\nx = "gpu"', "span-kinds must map"),
    ],
)
def test_bad_settings_are_usage_errors_naming_the_key(tmp_path: Path, table, fragment) -> None:
    with pytest.raises(UsageError) as info:
        spec_of(tmp_path, table)
    assert fragment in str(info.value) and "pyproject.toml" in str(info.value)


def test_the_harness_is_told_where_spans_go(tmp_path: Path) -> None:
    with collecting_spans(SpanSettings(source="file"), tmp_path) as spans:
        assert spans is not None
        assert spans.env == {FILE_VARIABLE: str(tmp_path / "spans.otlp.jsonl")}
    with collecting_spans(SpanSettings(source="otlp"), tmp_path) as spans:
        assert spans is not None
        endpoint = spans.env["OTEL_EXPORTER_OTLP_ENDPOINT"]
        assert endpoint.startswith("http://127.0.0.1:")
        assert spans.env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] == f"{endpoint}/v1/traces"
        assert spans.env["OTEL_EXPORTER_OTLP_PROTOCOL"] == "http/protobuf"
    with collecting_spans(None, tmp_path) as spans:
        assert spans is None
