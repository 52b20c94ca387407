"""Build csnn's compiled engine: one extension module per ``csnn/_core/*.pyx``.

Every module is compiled with ``-O3`` and the Cython directives ``boundscheck=False``,
``wraparound=False`` and ``cdivision=True``: the facade validates every array before it
reaches the core, so the core skips the checks.  OpenMP is used when the compiler supports
it (GCC on Linux); otherwise the ``prange`` loops compile to serial loops and csnn runs on
one thread (Apple clang without libomp, for example).

``-g0`` drops the debug information that Python's own ``CFLAGS`` (``-g``) would put in the
extension modules: it made up 11 of their 14 MB, and wheels ship them.

``CSNN_EXTRA_COMPILE_ARGS`` and ``CSNN_EXTRA_LINK_ARGS`` (shell-quoted lists) are appended after
these flags, so they can override them: ``.ci/asan`` builds with
``CSNN_EXTRA_COMPILE_ARGS="-fsanitize=address -fno-omit-frame-pointer -O1 -g"``, and
``CSNN_EXTRA_COMPILE_ARGS=-g`` brings debug information back for gdb.  (``CFLAGS`` cannot do
that: setuptools puts it before ``extra_compile_args``, so the ``-O3 -g0`` would win.)

The modules are compiled in parallel, one C compiler per core (``build_ext``'s ``parallel``
option, threads), and Cython translates them in parallel processes where ``multiprocessing``
forks (Linux); elsewhere a child process would run this file again.
"""
import glob
import multiprocessing
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup

#: compilers (and Cython processes) run at once: one per core
JOBS = os.cpu_count() or 1

DIRECTIVES = {
    "language_level": 3,
    "boundscheck": False,
    "wraparound": False,
    "cdivision": True,
    "initializedcheck": False,
    "embedsignature": True,
}


def _compiler_supports_openmp():
    """Return True when the C compiler used for extensions can build and link ``-fopenmp``."""
    if os.environ.get("CSNN_NO_OPENMP"):
        return False
    if sys.platform == "win32":
        return True  # MSVC: /openmp, handled below
    compiler = sysconfig.get_config_var("CC") or "cc"
    compiler = os.environ.get("CC", compiler).split()[0]
    if shutil.which(compiler) is None:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "omp.c")
        with open(src, "w") as fh:
            fh.write("#include <omp.h>\nint main(void){return omp_get_max_threads() > 0 ? 0 : 1;}\n")
        result = subprocess.run(
            [compiler, "-fopenmp", src, "-o", os.path.join(tmp, "omp")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return result.returncode == 0


def _stamp_templates():
    """Write the core's generated ``.pxd`` files from their Tempita templates
    (``csnn/_core/*.pxd.in``) and the model list (``csnn/_core/model_list.py``, read as a file:
    the package is not built yet).  A file is rewritten only when its text changes, so that an
    unchanged model list does not force a rebuild."""
    from Cython import Tempita

    spec = {}
    with open(os.path.join("csnn", "_core", "model_list.py")) as fh:
        exec(fh.read(), spec)
    context = {"models": spec["MODELS"], "kernels": spec["kernels"]()}
    for template in sorted(glob.glob(os.path.join("csnn", "_core", "*.pxd.in"))):
        with open(template) as fh:
            text = Tempita.sub(fh.read(), **context)
        target = template[:-len(".in")]
        if os.path.exists(target):
            with open(target) as fh:
                if fh.read() == text:
                    continue
        with open(target, "w") as fh:
            fh.write(text)


def _extensions():
    _stamp_templates()
    openmp = _compiler_supports_openmp()
    if sys.platform == "win32":
        compile_args = ["/O2"] + (["/openmp"] if openmp else [])
        link_args = []
    else:
        compile_args = ["-O3", "-g0"] + (["-fopenmp"] if openmp else [])
        link_args = ["-fopenmp"] if openmp else []
    compile_args += shlex.split(os.environ.get("CSNN_EXTRA_COMPILE_ARGS", ""))
    link_args += shlex.split(os.environ.get("CSNN_EXTRA_LINK_ARGS", ""))
    extensions = []
    for pyx in sorted(glob.glob(os.path.join("csnn", "_core", "*.pyx"))):
        name = os.path.splitext(pyx)[0].replace(os.sep, ".")
        extensions.append(
            Extension(
                name,
                [pyx],
                include_dirs=[numpy.get_include()],
                define_macros=[
                    ("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION"),
                    ("CSNN_OPENMP", "1" if openmp else "0"),
                ],
                extra_compile_args=compile_args,
                extra_link_args=link_args,
            )
        )
    forks = multiprocessing.get_start_method() == "fork"
    return cythonize(extensions, compiler_directives=DIRECTIVES, nthreads=JOBS if forks else 0)


setup(ext_modules=_extensions(), options={"build_ext": {"parallel": JOBS}})
