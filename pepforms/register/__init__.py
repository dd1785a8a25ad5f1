"""The term register: a database of forms issued, versions received and what happened to them.

The public calls (each opens its own transaction on the `Register` it is given):

    reg = open_register(url)            # None: $PEPFORMS_REGISTER, else the default SQLite file
    record_issued(reg, forms)           # generate
    record_version(reg, received)       # validate (idempotent by the file's SHA-256)
    issued_values(reg, form_id)         # the pre-filled values as issued, to catch tampering
    record_sent_back / record_qa / record_finalised
    term_status(reg, term, school, on)  # the state of the term
    due(reg, within, on)                # what is due soon or overdue
    purge(reg, before_term, dry_run)    # retention
    register_info(reg)

It knows nothing of Word or PDF: it stores instances (JSON), findings (as dicts) and hashes.
"""

from __future__ import annotations

from pepforms.register.admin import purge, register_info
from pepforms.register.due import due, due_ics
from pepforms.register.engine import (
    Register,
    RegisterError,
    RegisterOutdated,
    default_path,
    open_register,
    upgrade,
)
from pepforms.register.models import (
    STATES,
    DueItem,
    FormState,
    IssuedForm,
    PurgeResult,
    ReceivedVersion,
    RecordedVersion,
    RegisterInfo,
    TermStatus,
)
from pepforms.register.recording import (
    IssuedIndex,
    UnknownForm,
    find_form_id,
    issued_values,
    record_finalised,
    record_issued,
    record_qa,
    record_sent_back,
    record_version,
    record_versions,
)
from pepforms.register.status import term_status

__all__ = [
    "STATES", "DueItem", "FormState", "IssuedForm", "IssuedIndex", "PurgeResult", "ReceivedVersion",
    "RecordedVersion", "Register", "RegisterError", "RegisterInfo", "RegisterOutdated",
    "TermStatus", "UnknownForm", "default_path", "due", "due_ics", "find_form_id",
    "issued_values", "open_register", "purge", "record_finalised", "record_issued", "record_qa",
    "record_sent_back", "record_version", "record_versions", "register_info", "term_status",
    "upgrade",
]
