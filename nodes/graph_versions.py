"""Older graph file versions, brought up to the current one when a file is read
(docs/graph-format.md, "Versions"). Each step is a pure function of the document."""
from __future__ import annotations

from typing import Any


class MigrationRefused(ValueError):
    """A document that cannot be brought up to date without losing something."""


def from_v1(document: dict[str, Any]) -> dict[str, Any]:
    """Version 1 → 2: version 2 adds `annotations` (sticky notes and groups); a version 1 file has none.

    A version 1 file already holding an unknown `annotations` key is refused rather than read as
    version 2's notes (it would change meaning) or dropped (it would be lost).
    """
    if 'annotations' in document:
        raise MigrationRefused('a version 1 graph file cannot hold "annotations" (they came with version 2): '
                               'set "version": 2 if they are sticky notes and groups, or rename the key')
    return {**document, 'version': 2}


STEPS = {1: from_v1}
"""version → the function that brings a document of that version one version up."""


def migrate(document: dict[str, Any], current: int) -> dict[str, Any]:
    """The document brought up to `current`, one version at a time (unchanged if it is current)."""
    while document.get('version') in STEPS and document['version'] < current:
        document = STEPS[document['version']](document)
    return document
