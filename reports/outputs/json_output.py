"""The snapshot's figures as a JSON file: exactly what was computed, readable by any tool."""

import json


def report_json(figures: dict) -> bytes:
    """UTF-8 JSON, keys sorted and indented by one space so that two versions diff line by line;
    Dari and Pashto written as themselves, not escaped."""
    return json.dumps(figures, sort_keys=True, indent=1, ensure_ascii=False).encode("utf-8")
