"""The termly pack made in the background: `generate` in a thread, its progress kept for the page,
and the pack written as one zip (a folder per school, each with summary.txt).

The roster is read (and its problems shown) before anything is written; only "Make the pack"
starts the work.
"""

from __future__ import annotations

import logging
import os
import threading
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pepforms.errors import PepformsError
from pepforms.web.store import read_meta, write_meta

if TYPE_CHECKING:
    from pepforms.web.app import WebState

log = logging.getLogger("pepforms.web")
PACK_ZIP = "pack.zip"


@dataclass
class Progress:
    status: str = "waiting"  # waiting | running | done | failed
    done: int = 0
    total: int = 0
    message: str = ""


def _zip_folder(folder: Path, target: Path) -> None:
    """Every file under `folder`, at its path inside it (names the server itself made); written
    beside the target and renamed, so a half-made zip is never offered."""
    part = target.with_name(target.name + ".part")
    with zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.is_symlink():
                zf.write(path, path.relative_to(folder).as_posix())
    os.replace(part, target)


class PackRunner:
    """Packs being made, one thread each; their progress for the page that shows them."""

    def __init__(self, web: WebState) -> None:
        self.web = web
        self.lock = threading.Lock()
        self.progress: dict[str, Progress] = {}

    def get(self, ident: str) -> Progress:
        with self.lock:
            known = self.progress.get(ident)
            if known is not None:
                return Progress(known.status, known.done, known.total, known.message)
        meta = read_meta(self.web.store.pack(ident))
        status = meta.get("status", "waiting")
        return Progress(status if status in ("done", "failed") else "waiting", 0, 0,
                        str(meta.get("message", "")))

    def start(self, ident: str) -> bool:
        """Start making the pack; False when it is already being made or made."""
        with self.lock:
            if ident in self.progress or read_meta(self.web.store.pack(ident)).get("status"):
                return False
            self.progress[ident] = Progress("running")
        thread = threading.Thread(target=self._run, args=(ident,), name=f"pack-{ident[:8]}",
                                  daemon=True)
        thread.start()
        return True

    def _update(self, ident: str, **values: Any) -> None:
        with self.lock:
            progress = self.progress[ident]
            for key, value in values.items():
                setattr(progress, key, value)

    def _tick(self, ident: str) -> Any:
        def step(n: int) -> None:
            with self.lock:
                self.progress[ident].done += n
        return step

    def _run(self, ident: str) -> None:
        from pepforms.generating import generate

        folder = self.web.store.pack(ident)
        meta = read_meta(folder)
        meta["started"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        try:
            result = generate(
                meta["authority"], meta["term"], folder / meta["roster_file"], folder / "pack",
                previous=folder / "previous", register=self.web.register,
                progress=self._tick(ident),
                on_total=lambda total: self._update(ident, total=total))
            _zip_folder(folder / "pack", folder / PACK_ZIP)
            blanks = [f for f in result.forms if f.kind == "blank form"]
            meta.update(status="done", forms=len(blanks), school_count=len({f.school for f in blanks}),
                        carried=sum(1 for f in result.forms if f.kind.startswith("last term")),
                        recorded=result.recorded, skipped_rows=result.skipped_rows,
                        previous_not_used=len(result.previous_not_used))
            message = ""
        except PepformsError as exc:
            meta["status"], message = "failed", str(exc)
        except Exception as exc:  # a fault: logged by kind only, the page says so plainly
            log.error("pack failed: %s", type(exc).__name__)
            meta["status"] = "failed"
            message = "Something went wrong and the pack was not made. Please report it."
        meta["message"] = message
        write_meta(folder, meta)
        self._update(ident, status=meta["status"], message=message)
