"""Drive the headless ``authenticator`` command as a tester would (a real subprocess)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PIN = "482916"


@dataclass
class HeadlessAuthenticator:
    vault: Path

    def _cmd(self, *args: str) -> list[str]:
        return [
            str(Path(sys.executable).parent / "authenticator"),
            "--vault",
            str(self.vault),
            *args,
        ]

    def env(self) -> dict[str, str]:
        return {**os.environ, "AUTHENTICATOR_PIN": PIN}

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self._cmd(*args),
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self, *args: str) -> subprocess.Popen[str]:
        """Start a verb in the background (e.g. ``approve`` waiting for the next challenge)."""
        return subprocess.Popen(
            self._cmd(*args),
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
