"""The wheel a non-editable install is made from holds every app the settings install, with every
one of its modules (migrations included)."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]


def test_the_wheel_holds_every_installed_app_of_the_project(tmp_path):
    ours = [app for app in settings.INSTALLED_APPS if (ROOT / app.split(".")[0]).is_dir()]
    assert {"rightsledger", "provenance", "generation", "tracker", "portal", "demo"} <= set(ours)
    # From a copy of the sources: a build folder left in the tree would hide a package left out.
    source = tmp_path / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(".git", ".venv", ".zou", "var", "build", "*.egg-info", "__pycache__"),
    )
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            "-w",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("rightsledger-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for app in [*ours, "config"]:
        modules = {
            str(p.relative_to(ROOT)) for p in (ROOT / app).rglob("*.py") if "__pycache__" not in p.parts
        }
        assert modules and modules <= names, (app, sorted(modules - names)[:5])
