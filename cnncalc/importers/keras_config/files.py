"""A model file opened with bounds: a regular file only, and a zip's directory checked first.

``cnncalc import keras /dev/zero`` once read until memory ran out (zipfile's
search for a zip directory reads to the end of the file, which a device never
reaches), and a FIFO blocks ``open`` until something writes to it. So the path
is checked with ``stat`` before it is opened (a FIFO, a device, a socket or a
directory is a one-line error), opened without blocking, and checked again on
the open descriptor. A ``.keras`` file is a zip of the config and the weights
(gigabytes): only its directory's size and member count are read before
``zipfile`` parses the directory, which keeps a zip of a million members from
costing memory before a single one is read.
"""

from __future__ import annotations

import os
import stat
import struct
from typing import BinaryIO

from cnncalc.errors import CnncalcError, os_reason
from cnncalc.i18n import N_, _

MAX_ZIP_MEMBERS = 10_000
"""The most members a ``.keras`` zip may list (Keras writes three: config.json,
metadata.json, model.weights.h5, and a few assets)."""
MAX_ZIP_DIRECTORY_BYTES = 4 * 1024 * 1024
"""The largest zip directory read: ``MAX_ZIP_MEMBERS`` entries with long names."""

_END_OF_DIRECTORY = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_END_OF_DIRECTORY = b"PK\x06\x06"
_END_RECORD = struct.Struct("<4s4H2LH")  # APPNOTE.TXT 4.3.16: 22 bytes, then a comment
_ZIP64_LOCATOR_RECORD = struct.Struct("<4sLQL")  # 4.3.15: 20 bytes
_ZIP64_END_RECORD = struct.Struct("<4sQ2H2L4Q")  # 4.3.14: 56 bytes
_LONGEST_COMMENT = 0xFFFF


def open_regular(path: str, onnx: bool = False) -> BinaryIO:
    """``path`` opened for reading if it is a regular file; a one-line error otherwise.

    Checked before opening (opening a device can have effects; opening a FIFO
    for reading waits for a writer), opened non-blocking, and checked again on
    the descriptor, in case the path changed in between. ``onnx``: the message names an
    ONNX model file (``cnncalc import onnx`` opens its file here too).
    """
    try:
        _check_regular(path, os.stat(path).st_mode, onnx)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as error:
        raise CnncalcError(cannot_read(path, error)) from None
    try:
        _check_regular(path, os.fstat(fd).st_mode, onnx)
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


def _check_regular(path: str, mode: int, onnx: bool = False) -> None:
    if stat.S_ISREG(mode):
        return
    kinds = [(stat.S_ISDIR, N_("a directory")), (stat.S_ISFIFO, N_("a FIFO (named pipe)")),
             (stat.S_ISCHR, N_("a character device")), (stat.S_ISBLK, N_("a block device")),
             (stat.S_ISSOCK, N_("a socket"))]  # fmt: skip
    kind = next((name for test, name in kinds if test(mode)), _NOT_REGULAR)
    if onnx:
        raise CnncalcError(
            _(
                "{path}: {kind}, not a model file: cnncalc reads an ONNX model from a regular "
                "file (model.onnx)"
            ).format(path=path, kind=_(kind))
        )
    raise CnncalcError(
        _(
            "{path}: {kind}, not a model file: cnncalc reads a Keras model from a regular file "
            "(model.json or model.keras)"
        ).format(path=path, kind=_(kind))
    )


_NOT_REGULAR = N_("not a regular file")


def cannot_read(path: str, error: OSError) -> str:
    """``model.json: cannot read the file: No such file or directory``."""
    return _("{path}: cannot read the file: {why}").format(path=path, why=os_reason(error))


def check_zip_directory(file: BinaryIO, path: str) -> None:
    """Refuse a zip whose directory lists more than ``MAX_ZIP_MEMBERS`` members or is
    larger than ``MAX_ZIP_DIRECTORY_BYTES``, from its end record alone (APPNOTE.TXT
    4.3.14–4.3.16, the Zip64 record where the 16- and 32-bit fields overflow).

    A file without an end record is left to ``zipfile``, which says it is damaged.
    """
    size = file.seek(0, os.SEEK_END)
    start = max(0, size - _END_RECORD.size - _LONGEST_COMMENT)
    file.seek(start)
    tail = file.read(size - start)
    at = tail.rfind(_END_OF_DIRECTORY)
    if at < 0 or at + _END_RECORD.size > len(tail):
        return
    fields = _END_RECORD.unpack_from(tail, at)
    members, directory = fields[4], fields[5]
    if (members == 0xFFFF or directory == 0xFFFFFFFF) and at >= _ZIP64_LOCATOR_RECORD.size:
        locator = _ZIP64_LOCATOR_RECORD.unpack_from(tail, at - _ZIP64_LOCATOR_RECORD.size)
        if locator[0] == _ZIP64_LOCATOR and locator[2] < size:
            file.seek(locator[2])
            record = file.read(_ZIP64_END_RECORD.size)
            if len(record) == _ZIP64_END_RECORD.size and record[:4] == _ZIP64_END_OF_DIRECTORY:
                zip64 = _ZIP64_END_RECORD.unpack(record)
                members, directory = zip64[7], zip64[8]
    if members > MAX_ZIP_MEMBERS:
        raise CnncalcError(
            _(
                "{path}: a zip of {members} members; a .keras file holds a few (config.json, "
                "metadata.json, the weights), and cnncalc reads zips of at most {most}"
            ).format(path=path, members=f"{members:,}", most=f"{MAX_ZIP_MEMBERS:,}")
        )
    if directory > MAX_ZIP_DIRECTORY_BYTES:
        raise CnncalcError(
            _(
                "{path}: a zip whose directory is {size} bytes; cnncalc reads zip directories "
                "of at most {most} bytes (a .keras file's is a few hundred)"
            ).format(path=path, size=f"{directory:,}", most=f"{MAX_ZIP_DIRECTORY_BYTES:,}")
        )
    file.seek(0)
