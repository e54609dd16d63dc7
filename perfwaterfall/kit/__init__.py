"""perfwaterfall.kit: a harness in a few lines, standard library only.

    from perfwaterfall.kit import Recorder, Scenario, main

    def detect(rec: Recorder) -> None:
        for _ in rec.frames():  # warm-up frames first, not recorded
            with rec.stage("Decode"):
                frame = decode()
            with rec.hop():  # kind ipc, named "hop 1"
                frame = send(frame)
            with rec.stage("Detector"):
                detect(frame)

    if __name__ == "__main__":
        main([Scenario("detect", detect, label="one detector")])

perf-waterfall never imports this: the harness does, in each worktree. The kit
imports nothing beyond the standard library and perf-waterfall's document
constants, so a harness starts in milliseconds.
"""

from perfwaterfall.kit.cli import Scenario, main, record
from perfwaterfall.kit.recorder import KitError, Recorder, Span, SubSpan

__all__ = ["KitError", "Recorder", "Scenario", "Span", "SubSpan", "main", "record"]
