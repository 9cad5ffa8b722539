"""The one build step pyproject.toml cannot declare: ship the repository's ``schema/`` and demo ``vault/``
inside the package, as ``vaultgraph/_data/schema`` and ``vaultgraph/_data/vault``.

Both folders stay where the user keeps them, at the top of the repository, in one copy; a wheel gets
theirs at build time (a demo index in ``vault/.kg`` left out). An editable install reads them from the
checkout instead (``vaultgraph.resources``).
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
SHIPPED = ("schema", "vault")  # top-level folders → vaultgraph/_data/<name>


class build_py_with_data(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "vaultgraph" / "_data"
        for name in SHIPPED:
            shutil.rmtree(target / name, ignore_errors=True)
            shutil.copytree(HERE / name, target / name, ignore=shutil.ignore_patterns(".kg", "__pycache__"))


setup(cmdclass={"build_py": build_py_with_data})
