"""Benchmark: ms per finalised PDF with `pepforms finalise` (reportlab) against
`soffice --headless --convert-to pdf` of the same forms (when LibreOffice is installed).
Prints figures and the ratio; asserts nothing.

    python benchmarks/finalise_bench.py [--forms 20]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from pepforms.cases import discover, returned_form
from pepforms.finalising import finalise_form


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=20, help="how many sample returns")
    args = parser.parse_args()
    cases = [c for c in discover() if c.name == "good"]
    cases = (cases * (args.forms // len(cases) + 1))[: args.forms]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "forms"
        folder.mkdir()
        paths = []
        for i, case in enumerate(cases):
            _, data = returned_form(case)
            path = folder / f"{i:03d}-{case.authority}-{case.phase}.docx"
            path.write_bytes(data)
            paths.append(path)
        finalise_form(paths[0])  # warm up: fonts registered, schemas loaded
        start = time.perf_counter()
        for path in paths:
            finalise_form(path, allow_findings=True)
        ours = (time.perf_counter() - start) * 1000 / len(paths)
        print(f"{len(paths)} returned forms (the good sample of each authority's forms)")
        print(f"  pepforms finalise (check + reportlab)   {ours:8.1f} ms/PDF")
        soffice = shutil.which("soffice") or shutil.which("libreoffice")
        if soffice is None:
            print("  soffice --convert-to pdf                (LibreOffice not installed)")
            return
        out = Path(tmp) / "lo"
        profile = Path(tmp) / "profile"
        cmd = [soffice, f"-env:UserInstallation=file://{profile}", "--headless",
               "--convert-to", "pdf", "--outdir", str(out)]
        subprocess.run([*cmd, str(paths[0])], check=True, capture_output=True)  # warm profile
        start = time.perf_counter()
        subprocess.run([*cmd, *map(str, paths)], check=True, capture_output=True)
        batch = (time.perf_counter() - start) * 1000 / len(paths)
        start = time.perf_counter()
        for path in paths[:5]:
            subprocess.run([*cmd, str(path)], check=True, capture_output=True)
        single = (time.perf_counter() - start) * 1000 / 5
        print(f"  soffice --convert-to pdf, one batch     {batch:8.1f} ms/PDF")
        print(f"  soffice --convert-to pdf, one per call  {single:8.1f} ms/PDF")
        print(f"  ratio soffice (batch) / pepforms        {batch / ours:8.1f} x")
        print(f"  ratio soffice (per call) / pepforms     {single / ours:8.1f} x")


if __name__ == "__main__":
    main()
