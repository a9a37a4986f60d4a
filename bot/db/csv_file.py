"""Reading a bank CSV export: header check, per-row validation, duplicates, all problems at once."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.db.csv_rows import CsvKind, RowError


@dataclass(frozen=True)
class RowProblem:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


class CsvImportError(ValueError):
    """The file was not imported; ``problems`` lists every bad row."""

    def __init__(self, path: Path, problems: Sequence[RowProblem]) -> None:
        self.path = path
        self.problems = list(problems)
        shown = "\n".join(str(problem) for problem in self.problems[:50])
        more = f"\n... and {len(self.problems) - 50} more" if len(self.problems) > 50 else ""
        super().__init__(f"{path}: {len(self.problems)} error(s), nothing imported\n{shown}{more}")


def read_rows(kind: CsvKind, path: Path) -> list[dict[str, Any]]:
    """Parse and validate the whole file; raise CsvImportError listing every problem."""
    problems: list[RowProblem] = []
    rows: list[dict[str, Any]] = []
    seen: dict[tuple[Any, ...], int] = {}
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise CsvImportError(path, [RowProblem(0, f"cannot read file ({exc.strerror})")]) from None
    with handle:
        reader = csv.DictReader(handle)
        try:
            header = [name.strip() for name in reader.fieldnames or []]
        except (UnicodeDecodeError, csv.Error) as exc:
            raise CsvImportError(path, [RowProblem(1, f"unreadable header ({exc})")]) from None
        missing = [name for name in kind.required if name not in header]
        unknown = [name for name in header if name not in kind.required + kind.optional]
        if missing or unknown or not header:
            reason = "; ".join(
                part
                for part in (
                    "no header row" if not header else "",
                    f"missing column(s): {', '.join(missing)}" if missing and header else "",
                    f"unknown column(s): {', '.join(unknown)}" if unknown else "",
                )
                if part
            )
            raise CsvImportError(path, [RowProblem(1, f"{reason} (expected {', '.join(kind.required)})")])
        reader.fieldnames = header
        try:
            for raw in reader:
                line = reader.line_num
                if None in raw:
                    problems.append(RowProblem(line, "more values than columns"))
                    continue
                if not any((value or "").strip() for value in raw.values()):
                    continue  # blank line
                try:
                    row = kind.parse(raw)
                except RowError as exc:
                    problems.append(RowProblem(line, str(exc)))
                    continue
                key = tuple(row[name] for name in kind.key)
                if key in seen:
                    problems.append(
                        RowProblem(line, f"duplicate of line {seen[key]} ({', '.join(map(str, key))})")
                    )
                    continue
                seen[key] = line
                row["_line"] = line
                rows.append(row)
        except (UnicodeDecodeError, csv.Error) as exc:
            problems.append(RowProblem(reader.line_num + 1, f"unreadable ({exc})"))
    if problems:
        raise CsvImportError(path, problems)
    return rows
