"""Reading user text safely and writing outputs atomically.

Input text may come as UTF-8 (with or without BOM), UTF-16 (with BOM) or Windows-1256, the legacy
Arabic code page; anything else, an empty file or a binary file is an `InputError`, never a traceback.
Outputs are written to a temporary file next to the target and renamed, so a failure never leaves a
half-written file behind.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from egm_text.arabic import fold_forms
from egm_text.errors import InputError, OutputError

_ARABIC = re.compile(r"[\u0600-\u06FF]")


def decode_bytes(data: bytes, *, path: str = "<bytes>") -> str:
    """Decode text bytes, detecting UTF-8, UTF-16 and Windows-1256; reject binary data."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(f"invalid UTF-16 text ({exc.reason})", path=path) from None
    if data.startswith(b"%PDF"):
        raise InputError("this is a PDF; use `egm-text extract` or `egm-text run FILE.pdf`", path=path)
    if b"\x00" in data[:4096]:
        raise InputError("binary file, not text", path=path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1256")
    except UnicodeDecodeError:
        raise InputError("not UTF-8, UTF-16 or Windows-1256 text", path=path) from None
    if not _ARABIC.search(text):
        raise InputError("not UTF-8 text, and no Arabic found when read as Windows-1256", path=path)
    return text


def _check_text(text: str, path: str) -> str:
    if not text.strip():
        raise InputError("file is empty", path=path)
    controls = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\t\n\r\f")
    if controls > 0.01 * min(len(text), 20000):
        raise InputError("binary file, not text", path=path)
    # text another tool took from a PDF may keep the glyphs' presentation forms: read as base letters
    return fold_forms(text.replace("\r\n", "\n").replace("\r", "\n"))


def read_text(path: str | os.PathLike[str], *, require_arabic: bool = True) -> str:
    """Read a text document for the pipeline, with one clear error for every kind of bad input."""
    p = Path(path)
    if not p.exists():
        raise InputError("no such file", path=str(p))
    if p.is_dir():
        raise InputError("is a folder, not a file", path=str(p))
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror})", path=str(p)) from None
    text = _check_text(decode_bytes(data, path=str(p)), str(p))
    if require_arabic and not _ARABIC.search(text):
        raise InputError("no Arabic text found", path=str(p))
    return text


def iter_text_lines(path: str | os.PathLike[str], *, chunk_bytes: int = 1 << 20) -> Iterator[str]:
    """Stream the lines of a large UTF-8 (or detected) text file with bounded memory."""
    p = Path(path)
    if not p.exists():
        raise InputError("no such file", path=str(p))
    with p.open("rb") as fh:
        head = fh.read(4096)
    if not head.strip():
        raise InputError("file is empty", path=str(p))
    encoding = "utf-8-sig"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        if b"\x00" in head or head.startswith(b"%PDF"):
            decode_bytes(head, path=str(p))  # raises the right InputError
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:
                encoding = "cp1256"
    with p.open("r", encoding=encoding, errors="replace", newline=None, buffering=chunk_bytes) as fh:
        for line in fh:
            yield fold_forms(line.rstrip("\n"))


STREAM_ABOVE = 8 << 20  # files larger than this are repaired in batches, never read whole


def open_text_lines(path: str | os.PathLike[str]) -> tuple[Iterable[str], bool]:
    """The lines of a text input (read whole when small, streamed when large) and whether the text
    ends with a newline; every bad input is an InputError, as with `read_text`."""
    p = Path(path)
    if p.exists() and p.is_file() and p.stat().st_size > STREAM_ABOVE:
        with p.open("rb") as fh:
            head = fh.read(1 << 20)
            fh.seek(-1, os.SEEK_END)
            last = fh.read(1)
        if not _ARABIC.search(fold_forms(decode_bytes(head[: head.rfind(b"\n") + 1] or head, path=str(p)))):
            raise InputError("no Arabic text found", path=str(p))
        return iter_text_lines(p), last == b"\n"
    text = read_text(p)
    lines = text.split("\n")
    ends = lines[-1] == ""
    if ends:
        lines.pop()
    return lines, ends


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str], mode: str = "w", encoding: str | None = "utf-8"):
    """Open a temporary file beside `path`; rename it over `path` only if the block succeeds.

    A path that is no regular file (`/dev/null`, a named pipe, `/dev/stdout`) or a symbolic link is written
    through, as a shell's `>` would: a rename would put a regular file in the place of the device or the link.
    """
    target = Path(path)
    kwargs = {"encoding": encoding} if "b" not in mode else {}
    if target.is_symlink() or (target.exists() and not target.is_file() and not target.is_dir()):
        try:
            fh = open(target, mode, **kwargs)  # noqa: SIM115 - closed by the with below
        except OSError as exc:
            raise OutputError(f"cannot write ({exc.strerror})", path=str(target)) from None
        with fh:
            yield fh
        return
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise OutputError(f"cannot write here ({exc.strerror})", path=str(target.parent)) from None
    try:
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes files private; outputs are ordinary files
        try:
            os.replace(tmp, target)
        except OSError as exc:
            raise OutputError(f"cannot write ({exc.strerror})", path=str(target)) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path: str | os.PathLike[str], text: str, *, bom: bool = False) -> None:
    """Write text atomically (optionally with a UTF-8 BOM for spreadsheet programs)."""
    with atomic_writer(path, encoding="utf-8-sig" if bom else "utf-8") as fh:
        fh.write(text)


def ensure_writable_dir(path: str | os.PathLike[str]) -> Path:
    """Create the output folder or fail with one clear message."""
    p = Path(path)
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create output folder ({exc.strerror})", path=str(p)) from None
    if not os.access(p, os.W_OK):
        raise OutputError("output folder is not writable", path=str(p))
    return p
