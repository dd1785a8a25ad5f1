"""The only exceptions pepforms raises: conditions under which a command cannot do its job at all.

Anything wrong with a user's document is a Finding, never an exception.
"""

from __future__ import annotations


class PepformsError(Exception):
    """The tool cannot proceed (missing schema, unusable roster, bad option). Exit code 2."""


class SchemaError(PepformsError):
    """An authority's schema or authority.json is missing or inconsistent."""


class TemplateError(PepformsError):
    """A Word template is missing or does not match its schema."""


class OutputExistsError(PepformsError):
    """An output file exists and --force was not given."""
