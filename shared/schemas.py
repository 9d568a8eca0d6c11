"""JSON Schemas of the wire messages, generated from the pydantic models.

``scripts/gen_schemas.py`` writes them to ``docs/schemas/<name>.schema.json``; a test keeps the
committed files equal to what the models generate. Output is deterministic: sorted keys, two-space
indent, UTF-8, one trailing newline.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

from shared.messages import MESSAGE_MODELS, ProtocolMessage

__all__ = ["SCHEMA_DIALECT", "generate_schemas", "render_schema", "write_schemas"]

SCHEMA_DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"


def generate_schemas() -> dict[str, dict[str, Any]]:
    """``{name: JSON Schema}`` for every model of :data:`shared.messages.MESSAGE_MODELS`."""
    schemas: dict[str, dict[str, Any]] = {}
    for name, model in MESSAGE_MODELS.items():
        schema = model.model_json_schema(mode="validation")
        schema["$schema"] = SCHEMA_DIALECT
        schema["$id"] = f"{name}.schema.json"
        if issubclass(model, ProtocolMessage):
            # Not claims, but part of the contract: the JOSE header and the lifetime bound.
            schema["x-jose-header"] = {"alg": "ES256", "typ": model.media_type}
            schema["x-max-lifetime-seconds"] = int(model.max_lifetime.total_seconds())
            # verify() requires both on the wire even though the models default them.
            schema["required"] = [*schema["required"], "typ", "v"]
        schemas[name] = schema
    return schemas


def render_schema(schema: dict[str, Any]) -> str:
    """The deterministic file content of one schema."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_schemas(directory: Path | str) -> list[Path]:
    """Write every schema as ``<name>.schema.json`` under ``directory``; return the paths."""
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in sorted(generate_schemas().items()):
        path = target / f"{name}.schema.json"
        path.write_text(render_schema(schema), encoding="utf-8")
        written.append(path)
    return written
