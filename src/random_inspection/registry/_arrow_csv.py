"""The target directory's CSV files through pyarrow: the same directory, errors and bytes as
the standard-library path, in a fraction of the time.

Reading: pyarrow parses the data rows as text; the header is read as the standard-library
path reads it. Whatever pyarrow would read differently from Python's ``csv`` module (a quote
inside an unquoted cell, text after a closing quote, an unclosed quote, a cell over the
``csv`` field limit, an encoding other than UTF-8 and GB18030, a wrong number of cells) and
any file whose bad values cannot be placed on their physical line (records over several
lines, empty lines) is handed back to the standard-library path, which reports it exactly:
that costs time only on unusual or bad files.

Writing: the cells are built with Arrow compute kernels and joined into the file's bytes,
quoted exactly as ``csv.writer`` quotes them (``QUOTE_MINIMAL``).
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt

from .._atomic import open_atomic
from .._errors import FileFormatError, InvalidValueError
from .._progress import Progress, Reporter
from . import _files
from ._arrow_io import REQUIRED, id_strings, pyarrow, table_columns
from ._columns import NO_DATE, Coded, days_to_date
from ._name_column import Utf8Texts
from ._target_columns import ENTITY_TYPES, RISK_CLASSES, TargetColumns

__all__ = ["ENGINES", "Located", "UnplacedError", "csv_engine", "read_target_csv",
           "write_target_csv"]

ENGINES = ("auto", "pyarrow", "python")
_QUOTE, _COMMA, _LF, _CR = 0x22, 0x2C, 0x0A, 0x0D
#: Encodings read natively by pyarrow, or transcoded by it, as the standard path reads them.
_NATIVE = ("utf-8", "utf-8-sig")
_ROWS_PER_CHUNK = 1 << 20


def csv_engine(engine: str, where: str) -> str:
    """``"pyarrow"`` or ``"python"`` for an ``engine`` argument (``"auto"``: pyarrow when it
    is installed)."""
    if engine not in ENGINES:
        raise InvalidValueError(where, "engine", engine, "is not a CSV engine",
                                "use 'auto', 'pyarrow' or 'python'")
    if engine == "python":
        return engine
    try:
        import pyarrow.csv  # noqa: F401, PLC0415  (optional dependency)
    except ImportError as error:
        if engine == "pyarrow":
            raise ImportError(f"{where}(engine='pyarrow') needs pyarrow: pip install "
                              "'random-inspection[arrow]' (or pass engine='python')") from error
        return "python"
    return "pyarrow"


# --- reading -----------------------------------------------------------------------------

class UnplacedError(LookupError):
    """A bad value's line is unknown to the pyarrow read (see `Located`)."""


class Located:
    """Where each data row of a pyarrow read starts: its physical line as the standard path
    counts it, found only when a bad value needs it. ``lines`` is ``None`` when records and
    lines differ (a record over several lines, an empty line): only that path knows them."""

    def __init__(self, data: bytes, parsed_rows: int, rows: npt.NDArray[np.int64]) -> None:
        self._data: bytes | None = data
        self._parsed = parsed_rows
        self._rows = rows
        self._lines: npt.NDArray[np.int64] | None = None

    @property
    def lines(self) -> npt.NDArray[np.int64] | None:
        """The line of each row (the header is line 1), or ``None`` if unknown."""
        if self._data is not None:
            if _physical_lines(self._data) == 1 + self._parsed:  # one line per record
                self._lines = self._rows + 2
            self._data = None
        return self._lines

    def __call__(self, row: int) -> int:
        lines = self.lines
        if lines is None:
            raise UnplacedError(row)
        return int(lines[row])


def _physical_lines(data: bytes) -> int:
    """Lines as ``io.StringIO(newline="")`` splits them (``\\n``, ``\\r\\n`` and ``\\r``)."""
    breaks = data.count(b"\n")
    carriage = data.count(b"\r")
    if carriage:
        breaks += carriage - data.count(b"\r\n")
    return breaks + (0 if not data or data[-1:] in (b"\n", b"\r") else 1)


def _quoting_is_plain(data: bytes, start: int, delimiter: int) -> tuple[bool, bool]:
    """Whether every quote opens a cell and closes it as Python's strict ``csv`` module
    reads it (the only quoting pyarrow reads the same way), and whether a quoted cell holds
    a line break (which pyarrow reads only when told)."""
    if data.find(b'"', start) < 0:
        return True, False
    buffer = np.frombuffer(data, dtype=np.uint8)
    quotes = np.flatnonzero(buffer == _QUOTE)
    quotes = quotes[quotes >= start]
    if len(quotes) % 2:
        return False, False
    opening, closing = quotes[0::2], quotes[1::2]
    before = buffer[np.maximum(opening - 1, 0)]
    opens_cell = ((opening == start) | (before == delimiter) | (before == _LF)
                  | (before == _CR) | (before == _QUOTE))
    after = buffer[np.minimum(closing + 1, len(buffer) - 1)]
    closes_cell = ((closing == len(buffer) - 1) | (after == delimiter) | (after == _LF)
                   | (after == _CR) | (after == _QUOTE))
    if not (opens_cell.all() and closes_cell.all()):
        return False, False
    breaks = np.flatnonzero((buffer == _LF) | (buffer == _CR))
    inside = np.searchsorted(quotes, breaks) % 2 == 1
    return True, bool(inside.any())


def _header(data: bytes, encoding: str) -> tuple[list[str], str, int] | None:
    """The header cells, the delimiter and where the data rows start, read as the standard
    path reads them; ``None`` for a header the fast path leaves to it."""
    end = data.find(b"\n")
    first = data if end < 0 else data[:end + 1]
    try:
        text = first.decode(encoding)
    except UnicodeDecodeError:
        return None
    line = text.rstrip("\r\n")
    if "\r" in line or line.count('"') % 2 or not line.strip():
        return None
    delimiter = "\t" if "\t" in line and "," not in line else ","
    try:
        [header] = list(csv.reader([line], delimiter=delimiter, strict=True))
    except (csv.Error, ValueError):
        return None
    return header, delimiter, len(first)


def _blank_rows(table: Any, id_column: int, ids: object
                ) -> npt.NDArray[np.intp]:
    """Rows whose every cell is blank (skipped, as the standard path skips them)."""
    if isinstance(ids, np.ndarray) and ids.dtype.kind == "S" and ids.dtype.itemsize:
        return np.zeros(0, dtype=np.intp)  # plain ids: none is blank, so no row is
    column = table.column(id_column).to_pylist()
    candidates = [row for row, value in enumerate(column) if not value.strip()]
    names = table.column_names
    return np.array([row for row in candidates
                     if not any(table.column(c)[row].as_py().strip() for c in names)],
                    dtype=np.intp)


def _parse(pa: ModuleType, data: bytes, *, start: int, fields: list[str | None] | None,
           delimiter: str, encoding: str, newlines: bool) -> Any:
    """The data rows as text columns (repeating fields are dictionary-encoded afterwards,
    when they hold any text: faster than while parsing)."""
    import pyarrow.csv as pcsv  # noqa: PLC0415  (optional dependency)
    assert fields is not None
    columns = [f"c{i}" for i in range(len(fields))]
    types = {column: pa.string() for column in columns}
    source = pa.BufferReader(pa.py_buffer(data)[start:])
    return pcsv.read_csv(
        source,
        read_options=pcsv.ReadOptions(column_names=columns, encoding=encoding.replace(
            "utf-8-sig", "utf8").replace("utf-8", "utf8")),
        parse_options=pcsv.ParseOptions(delimiter=delimiter, newlines_in_values=newlines),
        convert_options=pcsv.ConvertOptions(column_types=types, strings_can_be_null=False))


def _longest_cell(pa: ModuleType, table: Any) -> int:
    """The length in bytes of the longest cell (at least its length in characters)."""
    longest = 0
    for column in table.columns:
        for chunk in column.chunks:
            values = chunk.dictionary if pa.types.is_dictionary(chunk.type) else chunk
            if len(values):
                longest = max(longest, pa.compute.max(pa.compute.binary_length(values)
                                                      ).as_py() or 0)
    return longest


def _encodings(data: bytes, encoding: str | None) -> list[str] | None:
    """The encodings to try, as the standard path decides; ``None`` to leave it to that."""
    if encoding is None:
        return ["utf-8-sig", "gb18030"]
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return None
    if name == "utf-8" and data.startswith(codecs.BOM_UTF8):
        return None  # read as text, the BOM starts the first header cell
    return [name] if name in (*_NATIVE, "gb18030") else None


def read_target_csv(path: _files.PathLike, *, encoding: str | None, unknown_columns: str,
                    progress: Progress | None,
                    ) -> tuple[dict[str, Any], int, Located] | None:
    """The raw columns of a target CSV file, their row count and where each row starts; or
    ``None`` when the standard path must read the file (see the module docstring). Header
    problems raise `FileFormatError` exactly as the standard path raises them."""
    pa = pyarrow("from_csv")
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    candidates = _encodings(data, encoding)
    if candidates is None:
        return None
    report = Reporter(progress)
    report.start(f"reading {Path(path).name}", None)
    for attempt, name in enumerate(candidates):
        header = _header(data, name)
        if header is None:
            if attempt + 1 < len(candidates) and not _decodes(data, name):
                continue
            return None
        cells, delimiter, start = header
        plain, newlines = _quoting_is_plain(data, start, ord(delimiter))
        if not plain:
            return None
        try:  # raised only once the whole file is known to decode, as the standard path does
            fields: list[str | None] | None = _files._header_fields(
                path, cells, _files.TARGET_HEADERS, REQUIRED, unknown_columns)
            header_problem = None
        except FileFormatError as problem:
            fields, header_problem = [None] * len(cells), problem
        try:
            table = _parse(pa, data, start=start, fields=fields, delimiter=delimiter,
                           encoding=name, newlines=newlines)
        except (pa.ArrowInvalid, UnicodeDecodeError):
            if attempt + 1 < len(candidates) and not _decodes(data, name):
                continue  # not UTF-8: GB18030, as the standard path decides
            return None
        break
    else:  # pragma: no cover - the loop always breaks or returns
        return None
    if header_problem is not None:
        raise header_problem
    assert fields is not None
    if _longest_cell(pa, table) > csv.field_size_limit():
        return None  # the csv module refuses the cell; let it say so
    columns = table_columns(table, fields)
    blank = _blank_rows(table, fields.index("id"), columns["id"])
    rows = np.arange(table.num_rows, dtype=np.int64)
    if len(blank):
        keep = np.ones(table.num_rows, dtype=bool)
        keep[blank] = False
        rows = rows[keep]
        columns = {field: _kept(values, keep) for field, values in columns.items()}
    report.finish()
    return columns, len(rows), Located(data, table.num_rows, rows)


def _kept(values: Any, keep: npt.NDArray[np.bool_]) -> Any:
    """The rows of a raw column that ``keep`` selects."""
    if isinstance(values, np.ndarray | Coded | Utf8Texts):
        return values[keep] if isinstance(values, np.ndarray) else values.take(keep)
    return [v for v, k in zip(values, keep.tolist(), strict=True) if k]


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


# --- writing -----------------------------------------------------------------------------

def _cells(values: list[str]) -> list[str]:
    """Each value as ``csv.writer`` writes it as one cell of a row (``QUOTE_MINIMAL``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    quoted = []
    for value in values:
        out.seek(0)
        out.truncate()
        writer.writerow([value, ""])
        quoted.append(out.getvalue()[:-2])
    return quoted


def _coded(pa: ModuleType, codes: npt.NDArray[Any], values: list[str], suffix: str = "") -> Any:
    table = pa.array([c + suffix for c in _cells(values)] or [suffix], pa.large_string())
    return table.take(pa.array(codes))


def _quoted_text(pa: ModuleType, text: Any, raw: npt.NDArray[np.uint8]) -> Any:
    """Free text cells, quoted where ``csv.writer`` quotes (a comma, quote or line break)."""
    if not (np.any(raw == _COMMA) or np.any(raw == _QUOTE) or np.any(raw < 0x20)):
        return text
    compute = pa.compute
    needs = compute.match_substring_regex(text, r'[,"\r\n]')
    doubled = compute.replace_substring(text, '"', '""')
    quote, empty = pa.scalar('"', pa.large_string()), pa.scalar("", pa.large_string())
    quoted = compute.binary_join_element_wise(quote, doubled, quote, empty)
    return compute.if_else(needs, quoted, text)


def _dates(cols: TargetColumns, lo: int, hi: int) -> tuple[npt.NDArray[Any], list[str]]:
    days, inverse = np.unique(cols.last_check[lo:hi], return_inverse=True)
    texts = [(d.isoformat() if (d := days_to_date(int(x))) else "") if x != NO_DATE else ""
             for x in days.tolist()]
    return inverse.reshape(-1), texts


def _chunk(pa: ModuleType, ids: Any, cols: TargetColumns, *, lo: int, hi: int,
           chinese: bool) -> Any:
    """The CSV bytes of rows ``lo:hi`` (each ending in a line feed), as an Arrow buffer."""
    offsets = cols.name_offsets[lo:hi + 1].astype(np.int64)
    names = pa.Array.from_buffers(pa.large_string(), hi - lo, [
        None, pa.py_buffer(offsets - offsets[0]),
        pa.py_buffer(cols.names[offsets[0]:offsets[-1]])])
    names = _quoted_text(pa, names, cols.names[offsets[0]:offsets[-1]])
    kinds = [t.label_zh if chinese else t.code for t in ENTITY_TYPES]
    day_codes, day_texts = _dates(cols, lo, hi)
    cells = [
        ids.slice(lo, hi - lo).cast(pa.large_string()),
        names,
        _coded(pa, cols.entity_type[lo:hi], kinds),
        *(_coded(pa, getattr(cols, field).codes[lo:hi], list(getattr(cols, field).categories))
          for field in ("region", "industry", "registering_office", "supervising_office")),
        _coded(pa, cols.risk_class[lo:hi], [r.code for r in RISK_CLASSES]),
        _coded(pa, cols.tags.codes[lo:hi], list(cols.tags.categories)),
        _coded(pa, day_codes, day_texts, "\n"),
    ]
    lines = pa.compute.binary_join_element_wise(*cells, pa.scalar(",", pa.large_string()))
    _, bounds, data = lines.buffers()
    ends = np.frombuffer(bounds, dtype=np.int64)[lines.offset:lines.offset + len(lines) + 1]
    return data[int(ends[0]):int(ends[-1])]


def write_target_csv(path: _files.PathLike, id_array: npt.NDArray[np.bytes_],
                     cols: TargetColumns, *, encoding: str,
                     header_language: str, overwrite: bool, progress: Progress | None) -> bool:
    """Write the directory as `write_table` writes it, byte for byte; ``False`` (nothing
    done) for an encoding only the standard path writes."""
    pa = pyarrow("to_csv")
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return False
    if name not in (*_NATIVE, "gb18030") or header_language not in ("english", "chinese"):
        return False
    chinese = header_language == "chinese"
    shown = [aliases[0] if chinese else field for field, aliases in
             _files.TARGET_HEADERS.items()]
    ids = id_strings(id_array)
    n = len(ids)
    report = Reporter(progress)
    report.start(f"writing {Path(path).name}", n)
    with open_atomic(path, "wb", overwrite=overwrite) as handle:
        handle.write((",".join(_cells(shown)) + "\n").encode(name))
        for lo in range(0, n, _ROWS_PER_CHUNK):
            hi = min(lo + _ROWS_PER_CHUNK, n)
            body = _chunk(pa, ids, cols, lo=lo, hi=hi, chinese=chinese)
            if name == "gb18030":
                handle.write(body.to_pybytes().decode().encode(name))
            else:
                handle.write(memoryview(body))
            report.advance(hi)
    report.finish()
    return True
