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


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def check_xml_shape(shapes: dict, shape_name: str, element, path: str = "$") -> list[str]:
    """Problems with an XML element (query protocol) as `shape_name`: required members, unknown members, types."""
    from datetime import datetime

    shape = shapes[shape_name]
    kind = shape["type"]
    errors: list[str] = []
    children = list(element)
    if kind == "structure":
        members = {ref.get("locationName", name): (name, ref) for name, ref in shape["members"].items()}
        seen = [_local(c.tag) for c in children]
        for req in shape.get("required", []):
            if shape["members"][req].get("locationName", req) not in seen:
                errors.append(f"{path}: required member {req} of {shape_name} missing")
        for child in children:
            tag = _local(child.tag)
            if tag not in members:
                errors.append(f"{path}: member {tag!r} not in shape {shape_name}")
                continue
            errors += check_xml_shape(shapes, members[tag][1]["shape"], child, f"{path}.{tag}")
    elif kind == "list":
        for i, child in enumerate(children):
            if _local(child.tag) != "member":
                errors.append(f"{path}[{i}]: list items are <member>, got <{_local(child.tag)}>")
            errors += check_xml_shape(shapes, shape["member"]["shape"], child, f"{path}[{i}]")
    else:
        text = element.text or ""
        if children:
            errors.append(f"{path}: scalar {shape_name} has child elements")
        if kind in ("integer", "long") and not text.lstrip("-").isdigit():
            errors.append(f"{path}: want integer for {shape_name}, got {text!r}")
        elif kind == "boolean" and text not in ("true", "false"):
            errors.append(f"{path}: want true/false for {shape_name}, got {text!r}")
        elif kind == "timestamp":
            try:
                datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
            except ValueError:
                errors.append(f"{path}: want ISO 8601 UTC (YYYY-MM-DDTHH:MM:SSZ) for {shape_name}, got {text!r}")
        elif kind == "string":
            if "enum" in shape and text not in shape["enum"]:
                errors.append(f"{path}: {text!r} not in enum {shape_name}")
            if "min" in shape and len(text) < shape["min"]:
                errors.append(f"{path}: {shape_name} shorter than {shape['min']}")
    return errors
