"""One hierarchy for every error a user can cause; the CLI maps it to a message and an exit code."""

from __future__ import annotations


class EgmTextError(Exception):
    """Base class: a problem with the user's input or environment, reported in one line."""

    exit_code = 1

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.path = path
        self.line = line
        where = ""
        if path:
            where = f"{path}:{line}: " if line else f"{path}: "
        super().__init__(f"{where}{message}")


class InputError(EgmTextError):
    """The input file is missing, empty, binary, or not decodable."""

    exit_code = 2


class OutputError(EgmTextError):
    """The output location cannot be written."""

    exit_code = 3


class ProfileError(EgmTextError):
    """A font profile or taxonomy file is malformed."""

    exit_code = 4


class NotFittedError(EgmTextError):
    """transform() was called before fit()."""

    exit_code = 5


class PdfError(EgmTextError):
    """The PDF is corrupt, encrypted, empty or has no text layer."""

    exit_code = 6
