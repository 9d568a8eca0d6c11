"""The timeline as text (``idp trace`` without ``--json``): one line per event, then its
decoded JWS and checks, indented."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

__all__ = ["render_text"]


def _mark(passed: object) -> str:
    if passed is None:
        return "n/a "
    return "ok  " if passed is True else "FAIL"


def _jws_lines(jws: dict[str, Any], indent: str) -> Iterator[str]:
    header = jws.get("header")
    yield f"{indent}header: {json.dumps(header, sort_keys=True)}"
    yield f"{indent}kid: {jws.get('kid')}  key thumbprint (RFC 7638): {jws.get('key_thumbprint')}"
    if "device_key_thumbprint" in jws:
        yield f"{indent}device key thumbprint: {jws['device_key_thumbprint']}"
    yield f"{indent}signature verified now: {str(jws.get('signature_verified_now')).lower()}"
    yield f"{indent}payload: {json.dumps(jws.get('payload'), sort_keys=True, ensure_ascii=False)}"
    yield f"{indent}compact: {jws.get('compact')}"


def render_text(timeline: dict[str, Any]) -> str:
    subject = timeline["subject"]
    lines = ["  ".join(f"{k}={v}" for k, v in subject.items() if v not in (None, [], {}))]
    for e in timeline["events"]:
        where = f" [{e['instance']}]" if e.get("instance") else ""
        device = f" device={e['device_id']}" if e.get("device_id") else ""
        lines.append(
            f"+{e['offset_ms'] / 1000:8.3f}s  {e['at']}  {e['kind']:<18} {e['summary']}"
            f"{device}{where}"
        )
        for copy in e.get("copies", []):
            lines.append(f"      copy for device {copy['device_id']}:")
            lines.extend(_jws_lines(copy["jws"], "        "))
        if "jws" in e:
            lines.extend(_jws_lines(e["jws"], "      "))
        for check in e.get("checks", []):
            lines.append(
                f"      check {_mark(check['passed'])} {check['check']}: {check['detail']}"
            )
        if "audit" in e:
            details = json.dumps(e["audit"]["details"], sort_keys=True, ensure_ascii=False)
            lines.append(f"      {details}")
    return "\n".join(lines)
