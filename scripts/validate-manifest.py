#!/usr/bin/env python3
"""Validates manifest.yml against Slack's app-manifest JSON schema (slackapi/manifest-schema).

Usage: scripts/validate-manifest.py [SCHEMA_DIR]   (default: ../shared/slack-schemas)
Needs PyYAML and jsonschema (pip install pyyaml jsonschema). Exits non-zero on errors.
"""
import json
import pathlib
import sys

import jsonschema
import referencing.jsonschema
import yaml
from referencing import Registry, Resource

root = pathlib.Path(__file__).resolve().parent.parent
schemas = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else root.parent / "shared" / "slack-schemas"
top = json.loads((schemas / "manifest.schema.json").read_text())
registry = Registry()
for version in ["1.0.0", "2.0.0"]:
    url = f"https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/manifest.schema.{version}.json"
    contents = json.loads((schemas / "schemas" / f"manifest.schema.{version}.json").read_text())
    registry = registry.with_resource(url, Resource.from_contents(contents, referencing.jsonschema.DRAFT7))
manifest = yaml.safe_load((root / "manifest.yml").read_text())
errors = list(jsonschema.Draft7Validator(top, registry=registry).iter_errors(manifest))
for error in errors:
    print(f"manifest.yml: {'/'.join(map(str, error.path))}: {error.message}", file=sys.stderr)
print(f"manifest.yml: {'valid' if not errors else f'{len(errors)} error(s)'} against Slack's manifest schema")
sys.exit(1 if errors else 0)
