"""A small validator of raw restJson1 JSON against a botocore model shape (what the wire must carry)."""
from __future__ import annotations

import numbers


def check_shape(shapes: dict, shape_name: str, value, path: str = "$") -> list[str]:
    """Problems with `value` as the JSON of `shape_name`: required members, types, unknown members, enums."""
    shape = shapes[shape_name]
    kind = shape["type"]
    errors: list[str] = []
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{path}: want object for {shape_name}, got {type(value).__name__}"]
        wire = {ref.get("jsonName", name): (name, ref) for name, ref in shape["members"].items()
                if not ref.get("location")}
        for req in shape.get("required", []):
            ref = shape["members"][req]
            if ref.get("location"):
                continue
            if ref.get("jsonName", req) not in value:
                errors.append(f"{path}: required member {req} of {shape_name} missing")
        for key, val in value.items():
            if key not in wire:
                errors.append(f"{path}: member {key!r} not in shape {shape_name}")
                continue
            if val is None:
                errors.append(f"{path}.{key}: null is never sent")
                continue
            errors += check_shape(shapes, wire[key][1]["shape"], val, f"{path}.{key}")
    elif kind == "list":
        if not isinstance(value, list):
            return [f"{path}: want list for {shape_name}"]
        for i, item in enumerate(value):
            errors += check_shape(shapes, shape["member"]["shape"], item, f"{path}[{i}]")
    elif kind == "map":
        if not isinstance(value, dict):
            return [f"{path}: want map for {shape_name}"]
        for k, v in value.items():
            errors += check_shape(shapes, shape["key"]["shape"], k, f"{path}<key>")
            errors += check_shape(shapes, shape["value"]["shape"], v, f"{path}.{k}")
    elif kind == "string":
        if not isinstance(value, str):
            return [f"{path}: want string for {shape_name}, got {type(value).__name__}"]
        if "enum" in shape and value not in shape["enum"]:
            errors.append(f"{path}: {value!r} not in enum {shape_name}")
    elif kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            errors.append(f"{path}: want integer for {shape_name}")
    elif kind in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            errors.append(f"{path}: want number for {shape_name}")
    elif kind == "boolean":
        if not isinstance(value, bool):
            errors.append(f"{path}: want boolean for {shape_name}")
    elif kind == "timestamp":
        fmt = shape.get("timestampFormat", "unixTimestamp")
        if fmt == "unixTimestamp" and (isinstance(value, bool) or not isinstance(value, numbers.Real)):
            errors.append(f"{path}: want epoch seconds (number) for timestamp {shape_name}, got {value!r}")
        if fmt == "iso8601" and not isinstance(value, str):
            errors.append(f"{path}: want ISO 8601 string for {shape_name}")
    return errors
