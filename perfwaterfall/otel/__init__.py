"""Spans in, stages out: OpenTelemetry traces turned into a results document.

A harness that already describes its frames in OpenTelemetry spans need not time
them again: perf-waterfall receives the spans of a round (an OTLP/HTTP receiver on
localhost, ``receiver.py``, or an OTLP JSON file the harness writes), decodes them
with the OpenTelemetry project's own protobuf messages (``decode.py``) and turns
them into a results@1 document with sub-stages (``convert.py``), which is then
validated exactly as a harness's own document is. docs/harness-protocol.md,
"Spans (OpenTelemetry)", is the contract.

Imported only for a harness whose table says ``spans``: protobuf costs start-up time.
"""
