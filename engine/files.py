"""Writing a file whole or not at all: what `nn.save` and `Animation.save` write with."""

from __future__ import annotations

import os
import secrets
import stat


def write_atomically(path: str | os.PathLike[str], data: bytes) -> str:
    """Write `data` to `path` atomically; returns the path written (symlinks followed).

    The file is written next to its destination under a temporary name and
    renamed over it only once complete, so a crash or a full disk mid-write
    leaves any earlier file at `path` intact. A file that is replaced keeps
    its mode (a 0600 file stays private); a new one gets the usual mode
    (0666 less the umask). A symlink is written through: the file it points
    to is replaced and the link stays. Anything that is not a regular file
    (a directory, a device such as /dev/null, a pipe, which would block) is refused.
    """
    target = os.path.realpath(os.fspath(path))  # through a symlink, to the file it names
    try:
        info = os.stat(target)
    except FileNotFoundError:
        mode = None  # a new file
    else:
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(
                f"cannot save to {target}: not a regular file; expected a file path or a new one"
            )
        mode = stat.S_IMODE(info.st_mode)
    folder = os.path.dirname(target)
    # O_EXCL with mode 0o666: the umask applies as to any new file (mkstemp's 0600 would not).
    temporary = os.path.join(folder, f".{os.path.basename(target)}.{secrets.token_hex(8)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            if mode is not None:
                os.fchmod(f.fileno(), mode)
            os.fsync(f.fileno())
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise
    return target


__all__ = ["write_atomically"]
