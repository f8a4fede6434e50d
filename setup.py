"""Build the optional Cython kernels; all metadata lives in pyproject.toml.

Every `fastresp/_<area>_c.pyx` becomes an optional extension: a missing Cython or
C compiler (or FASTRESP_NO_EXTENSIONS=1) gives a working pure-Python install.
"""

import os
import sys
from pathlib import Path

from setuptools import setup

WANTED = not os.getenv("FASTRESP_NO_EXTENSIONS") and sys.implementation.name == "cpython"
try:
    from Cython.Distutils import Extension, build_ext
except ImportError:  # no Cython at build time: the pure package still installs
    WANTED = False

ext_modules = []
if WANTED:
    ext_modules = [
        Extension(
            f"fastresp.{pyx.stem}",
            [f"fastresp/{pyx.name}"],
            cython_directives={"language_level": "3", "embedsignature": True},
            optional=True,  # failed C compile -> pure install; a broken .pyx still fails
        )
        for pyx in sorted(Path("fastresp").glob("_*_c.pyx"))
    ]
print(f"fastresp: {'accelerated' if ext_modules else 'pure-Python'} build", file=sys.stderr)
setup(ext_modules=ext_modules, cmdclass={"build_ext": build_ext} if ext_modules else {})
