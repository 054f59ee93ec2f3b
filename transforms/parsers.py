"""Value parsers: turn an RMS export's cells into FBI element values, declared per column in the profile.

Each parser is a small vectorized function over text Series (pandas `str` dtype, NaN = blank). The
profile's `parsers:` section names, per table, which parser reads which RMS column(s) and which
element column(s) it writes (`into`); `PARSERS` below says, per parser, its options and defaults, and
`flows/config.py` checks a profile against it before any data is read.

Conventions, shared by every parser:

* input cells are trimmed first; empty cells, and cells equal to one of the entry's `blank` values
  (e.g. `"0"` for an age the RMS writes as 0 when it is unknown), are blank;
* a blank input gives blank outputs; `when_blank: {element: VALUE}` writes VALUE into another element
  where the input is blank (e.g. `age_pu_ids: UNKNOWN`) and leaves it blank elsewhere;
* a value a parser cannot read is kept, as written, in the first output column, so that the rule
  catalog reports it with the analyst's own text - except dates and times: an unreadable or impossible
  date or time leaves the outputs blank and is reported as `PARSE-DATETIME` on the incident, because a
  half-read date must never place an incident in a month.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from transforms.normalize import FALSE_WORDS, TRUE_WORDS, iso_dates, joined_by_group, trimmed

SEP = ";"
_NUM = r"[+-]?[0-9]+(?:\.[0-9]+)?"
_INT = r"[0-9]+"
_RANGE_SEP = r"(?:to|-|–|—)"
_FEET = r"([0-9]+)\s*(?:'|ft\.?|feet)\s*(?:([0-9]{1,2}(?:\.[0-9]+)?)\s*(?:''|\"|”|in\.?|inch(?:es)?)?)?"


# --------------------------------------------------------------------------------------------- helpers

def _text(values, index: pd.Index) -> pd.Series:
    return pd.Series(values, index=index, dtype="str")


def _na(index: pd.Index) -> pd.Series:
    return pd.Series(np.nan, index=index, dtype="str")


def _int_text(values: pd.Series, ok: pd.Series) -> pd.Series:
    """Whole numbers as text (`7`, `22`) where `ok`, NA elsewhere."""
    numbers = pd.to_numeric(values, errors="coerce").where(ok)
    out = numbers.astype("Int64").astype("str")
    return out.where(ok & numbers.notna()).astype("str")


def cleaned(s: pd.Series, blank: tuple[str, ...] = ()) -> pd.Series:
    """Trimmed text; empty cells and the `blank` values become NA."""
    out = trimmed(s)
    if blank:
        out = out.mask(out.isin(list(blank)))
    return out


def _fullmatch(s: pd.Series, pattern: str, flags: int = 0) -> pd.DataFrame:
    """Capture groups of a full match of `pattern` (all NA where it does not match)."""
    return s.str.extract(f"^{pattern}$", flags=flags)


# ------------------------------------------------------------------------------------- date and time

def date_time(s: pd.Series, fmt: str) -> tuple[pd.DataFrame, pd.Series]:
    """One cell holding date and time, e.g. `02/25/2018 10:23:00 PM` with `%m/%d/%Y %I:%M:%S %p`.

    Returns (frame of `date` (ISO YYYY-MM-DD), `hours` (0-23), `minutes` (0-59); bad mask): a filled
    cell that does not match `fmt` or is not a real date and time (`02/30/2018 ...`, `13:75`) is bad.
    """
    stamp = pd.to_datetime(s, format=fmt, errors="coerce")
    ok = stamp.notna()
    out = pd.DataFrame({"date": _text(stamp.dt.strftime("%Y-%m-%d"), s.index).where(ok),
                        "hours": _int_text(stamp.dt.hour, ok), "minutes": _int_text(stamp.dt.minute, ok)},
                       index=s.index)
    return out, s.notna() & ~ok


def date_only(s: pd.Series, fmt: str | None) -> tuple[pd.Series, pd.Series]:
    """A date in `fmt` (e.g. `%d.%m.%Y`) as ISO `YYYY-MM-DD`; without `fmt`, ISO or MM/DD/YYYY. (iso, bad)."""
    if fmt is None:
        iso = iso_dates(s)
    else:
        stamp = pd.to_datetime(s, format=fmt, errors="coerce")
        iso = _text(stamp.dt.strftime("%Y-%m-%d"), s.index).where(stamp.notna())
    return iso.astype("str"), s.notna() & iso.isna()


def time_only(s: pd.Series, fmt: str) -> tuple[pd.DataFrame, pd.Series]:
    """A time of day in `fmt`, e.g. 12-hour `10:23 PM` with `%I:%M %p`, or `2230` with `%H%M`.

    Returns (frame of `hours`, `minutes`; bad mask).
    """
    stamp = pd.to_datetime(s, format=fmt, errors="coerce")
    ok = stamp.notna()
    out = pd.DataFrame({"hours": _int_text(stamp.dt.hour, ok), "minutes": _int_text(stamp.dt.minute, ok)},
                       index=s.index)
    return out, s.notna() & ~ok


def years_between(start: pd.Series, end_iso: pd.Series, fmt: str | None = None) -> pd.Series:
    """Whole years from `start` (e.g. a hire date) to `end_iso` (the incident date, ISO).

    `8/13/2010` to `2020-08-12` is 9, to `2020-08-13` is 10. A start date that cannot be read is kept
    as written (the years-of-service rule reports it); a missing end date gives NA.
    """
    start_iso, bad = date_only(start, fmt)
    a = pd.to_datetime(start_iso, format="%Y-%m-%d", errors="coerce")
    b = pd.to_datetime(end_iso, format="%Y-%m-%d", errors="coerce")
    before = (b.dt.month < a.dt.month) | ((b.dt.month == a.dt.month) & (b.dt.day < a.dt.day))
    years = b.dt.year - a.dt.year - before.astype("int64")
    out = _int_text(years, a.notna() & b.notna())
    return out.mask(bad, start).astype("str")


# ------------------------------------------------------------------------------------------ location

def coordinates(s: pd.Series) -> pd.DataFrame:
    """`(28.5413, -81.3790)`, `28.5413, -81.3790` (latitude first) or WKT `POINT (-81.3790 28.5413)`
    (longitude first) as `lat`, `lon` text. Other text is kept in `lat`."""
    point = _fullmatch(s, rf"POINT\s*\(\s*({_NUM})\s+({_NUM})\s*\)", flags=re.IGNORECASE)
    pair = _fullmatch(s, rf"\(?\s*({_NUM})\s*[,;]?\s+({_NUM})\s*\)?|\(?\s*({_NUM})\s*[,;]\s*({_NUM})\s*\)?")
    pair_lat = pair[0].fillna(pair[2])
    pair_lon = pair[1].fillna(pair[3])
    lat = point[1].fillna(pair_lat)
    lon = point[0].fillna(pair_lon)
    read = lat.notna() & lon.notna()
    return pd.DataFrame({"lat": lat.where(read, s).astype("str"), "lon": lon.where(read).astype("str")},
                        index=s.index)


# ---------------------------------------------------------------------------------- ranges, heights

def height_range(s: pd.Series) -> pd.DataFrame:
    """`5'10''`, `5' 10"`, `6 ft 1 in` or a range `5'10'' to 6'0''` as feet/inches pairs.

    Returns `feet1`, `inch1`, `feet2`, `inch2` (the second pair only for a range; a missing inch is 0).
    Open ranges (`> 6'3''`) and other text are not read: they are kept in `feet1`.
    """
    parts = _fullmatch(s, rf"{_FEET}(?:\s*{_RANGE_SEP}\s*{_FEET})?", flags=re.IGNORECASE)
    read = parts[0].notna()
    ranged = read & parts[2].notna()
    inch1 = parts[1].where(parts[1].notna(), "0").where(read)
    inch2 = parts[3].where(parts[3].notna(), "0").where(ranged)
    return pd.DataFrame({"feet1": parts[0].where(read, s).astype("str"), "inch1": inch1.astype("str"),
                         "feet2": parts[2].where(ranged).astype("str"), "inch2": inch2.astype("str")},
                        index=s.index)


def number_range(s: pd.Series) -> pd.DataFrame:
    """`35` or a range `30 to 40` / `30-40` as `low`, `high` (high blank for a single number).

    Other text is kept in `low`.
    """
    parts = _fullmatch(s, rf"({_INT})(?:\s*{_RANGE_SEP}\s*({_INT}))?", flags=re.IGNORECASE)
    read = parts[0].notna()
    low = parts[0].str.lstrip("0").replace("", "0")
    high = parts[1].str.lstrip("0").replace("", "0")
    return pd.DataFrame({"low": low.where(read, s).astype("str"), "high": high.where(read).astype("str")},
                        index=s.index)


# ------------------------------------------------------------------------------------- coded values

def boolean(s: pd.Series, true_value: str = "YES", false_value: str = "NO") -> pd.Series:
    """Yes/No, Y/N, true/false, 1/0 (any case) as `true_value` / `false_value`; other text kept."""
    low = s.str.lower()
    return s.mask(low.isin(TRUE_WORDS), true_value).mask(low.isin(FALSE_WORDS), false_value).astype("str")


def split_list(s: pd.Series, separator: str) -> pd.Series:
    """A cell listing several codes with `separator` (e.g. `,` or ` / `) as the FBI list form `A;B`."""
    out = s.str.split(re.escape(separator) if separator.strip() else r"\s+", regex=True)
    tokens = out.explode().str.strip()
    tokens = tokens[tokens.notna() & (tokens != "")]
    joined = joined_by_group(pd.Series(tokens.index, index=tokens.index), tokens, SEP)
    return joined.reindex(s.index).astype("str")


def text(s: pd.Series, trim: bool = True, case: str = "keep") -> pd.Series:
    """The cell as text: `trim` collapses runs of spaces to one; `case` keep|upper|lower|fold."""
    out = s.str.replace(r"\s+", " ", regex=True) if trim else s
    if case == "upper":
        out = out.str.upper()
    elif case == "lower":
        out = out.str.lower()
    elif case == "fold":
        out = out.str.casefold()
    return out.astype("str")


def joined(frame: pd.DataFrame, separator: str = " ") -> pd.Series:
    """Several columns as one value, e.g. race `W` and ethnicity `HI` as `W HI`, for one crosswalk
    entry per combination. Blank parts stay empty (`L4||Yes`); all parts blank gives a blank."""
    parts = [frame[c].fillna("") for c in frame.columns]
    out = parts[0].str.cat(parts[1:], sep=separator) if len(parts) > 1 else parts[0]
    return out.where(frame.notna().any(axis=1)).astype("str")


def any_of(s: pd.Series, values: tuple[str, ...], then: str = "YES", otherwise: str = "NO",
           separator: str = SEP) -> pd.Series:
    """`then` where the cell, or one entry of a `separator` list, is one of `values`; else `otherwise`.

    Used on a column collapsed from several rows (`Hands;Firearm (Discharged)`), e.g. shots_fired is
    YES when any force type of the officer is a discharge.
    """
    tokens = s.str.split(separator, regex=False).explode().str.strip()
    hit = tokens.isin(list(values)).groupby(level=0).any().reindex(s.index, fill_value=False).astype(bool)
    return pd.Series(np.where(hit, then, otherwise), index=s.index, dtype="str").where(s.notna())


def flags(frame: pd.DataFrame, labels: dict[str, str], none: str | None = None) -> pd.Series:
    """Yes/No columns as a list: the label of every column that says yes (`ELECTRONIC;PHYSICAL`).

    A cell that is neither yes nor no is listed as written so that the rule catalog reports it.
    All cells blank gives a blank; none saying yes gives `none` (blank when not set).
    """
    pieces = []
    for column, label in labels.items():
        cell = frame[column]
        low = cell.str.lower()
        unknown = cell.notna() & ~low.isin(TRUE_WORDS) & ~low.isin(FALSE_WORDS)
        piece = pd.Series("", index=frame.index, dtype="str").mask(low.isin(TRUE_WORDS), label + SEP)
        pieces.append(piece.mask(unknown, cell + SEP))
    out = pieces[0].str.cat(pieces[1:]) if len(pieces) > 1 else pieces[0]
    out = out.str.rstrip(SEP)
    if none is not None:
        out = out.mask(out == "", none)
    out = out.where(out != "")
    return out.where(frame.notna().any(axis=1)).astype("str")


# ----------------------------------------------------------------------------------------- registry

@dataclass(frozen=True)
class ParserKind:
    """What a parser reads, writes and accepts (checked by flows/config.py)."""

    name: str
    inputs: str  # "column" | "columns" | "column_or_columns" | "labels"
    outputs: tuple[int, ...]  # allowed numbers of `into` names
    default_into: dict[str, tuple[str, ...]] = field(default_factory=dict)  # table ("*" = any) -> names
    required: tuple[str, ...] = ()
    optional: dict[str, object] = field(default_factory=dict)  # option -> default
    needs_date_format: bool = False
    summary: str = ""


COMMON_OPTIONS = ("parser", "column", "columns", "into", "blank", "when_blank")

PARSERS: dict[str, ParserKind] = {p.name: p for p in (
    ParserKind("datetime", "column", (3,), {"*": ("incident_date", "incident_time_hours", "incident_time_minutes")},
               required=("format",), needs_date_format=True,
               summary="date and time in one cell -> incident_date, incident_time_hours, incident_time_minutes"),
    ParserKind("date", "column", (1,), {"*": ("incident_date",)}, optional={"format": None},
               summary="a date in another format -> ISO date"),
    ParserKind("time", "column", (2,), {"*": ("incident_time_hours", "incident_time_minutes")},
               optional={"format": "%H:%M"}, summary="a time (e.g. 12-hour with %I:%M %p) -> hours, minutes"),
    ParserKind("coordinates", "column_or_columns", (2,), {"*": ("address_latitude", "address_longitude")},
               summary="'(lat, lon)', 'POINT (lon lat)' or two columns -> latitude, longitude"),
    ParserKind("height_range", "column", (2, 4),
               {"subjects": ("height1_feet", "height1_inch", "height2_feet", "height2_inch"),
                "officers": ("height_feet", "height_inch")},
               summary="5'10'' or 5'10'' to 6'0'' -> feet/inch pairs"),
    ParserKind("number_range", "column", (1, 2), summary="35 or 30 to 40 -> e.g. age1, age2"),
    ParserKind("boolean", "column", (1,), optional={"true": "YES", "false": "NO"},
               summary="Yes/No, Y/N, true/false, 1/0 -> YES/NO (or the given values)"),
    ParserKind("years_of_service", "column", (1,), {"*": ("years_of_service",)}, optional={"format": None},
               summary="hire date -> whole years of service on the incident date"),
    ParserKind("split", "column", (1,), required=("separator",),
               summary="list with another separator -> the FBI list form A;B"),
    ParserKind("text", "column", (1,), optional={"trim": "true", "case": "keep"},
               summary="copy a column (trimmed, case changed) into an element, e.g. before a crosswalk"),
    ParserKind("join", "columns", (1,), optional={"separator": " "},
               summary="several columns -> one value for one crosswalk entry per combination"),
    ParserKind("any_of", "column", (1,), required=("values",), optional={"then": "YES", "else": "NO",
                                                                          "separator": SEP},
               summary="THEN when the cell (or an entry of a list) is one of VALUES, else ELSE"),
    ParserKind("flags", "labels", (1,), optional={"none": None},
               summary="Yes/No columns -> the list of the labels of those saying yes"),
)}

CASES = ("keep", "upper", "lower", "fold")


@dataclass(frozen=True)
class ParserSpec:
    """One `parsers:` entry of a profile, checked."""

    parser: str
    inputs: tuple[str, ...]  # RMS column names
    into: tuple[str, ...]  # element columns written
    options: dict = field(default_factory=dict)
    blank: tuple[str, ...] = ()
    when_blank: dict = field(default_factory=dict)
    labels: dict = field(default_factory=dict)  # flags: RMS column -> label
    key: str = ""  # where it is in the profile, e.g. parsers.incidents[0]

    @property
    def writes(self) -> tuple[str, ...]:
        return self.into + tuple(self.when_blank)


@dataclass
class Parsed:
    """A parser's output columns and the rows whose date/time could not be read."""

    columns: dict[str, pd.Series]
    bad: pd.Series | None = None  # bool, True where PARSE-DATETIME applies
    source: pd.Series | None = None  # the input text reported for bad rows


def run_parser(spec: ParserSpec, frame: pd.DataFrame, incident_dates: pd.Series | None = None) -> Parsed:
    """Apply one parser to `frame` (RMS columns); returns its output columns (element names)."""
    cells = {c: cleaned(frame[c], spec.blank) for c in spec.inputs}
    first = cells[spec.inputs[0]]
    opts = spec.options
    bad = None
    name = spec.parser
    if name == "datetime":
        parts, bad = date_time(first, opts["format"])
        values = [parts["date"], parts["hours"], parts["minutes"]]
    elif name == "date":
        iso, bad = date_only(first, opts.get("format"))
        values = [iso]
    elif name == "time":
        parts, bad = time_only(first, opts.get("format", "%H:%M"))
        values = [parts["hours"], parts["minutes"]]
    elif name == "coordinates":
        if len(spec.inputs) == 2:
            values = [first, cells[spec.inputs[1]]]
        else:
            parts = coordinates(first)
            values = [parts["lat"], parts["lon"]]
    elif name == "height_range":
        parts = height_range(first)
        if len(spec.into) == 2:
            single = parts["feet2"].isna()
            values = [parts["feet1"].where(single, first), parts["inch1"].where(single)]
        else:
            values = [parts["feet1"], parts["inch1"], parts["feet2"], parts["inch2"]]
    elif name == "number_range":
        parts = number_range(first)
        if len(spec.into) == 1:
            single = parts["high"].isna()
            values = [parts["low"].where(single, first)]
        else:
            values = [parts["low"], parts["high"]]
    elif name == "boolean":
        values = [boolean(first, opts.get("true", "YES"), opts.get("false", "NO"))]
    elif name == "years_of_service":
        ends = incident_dates if incident_dates is not None else _na(frame.index)
        values = [years_between(first, ends, opts.get("format"))]
    elif name == "split":
        values = [split_list(first, opts["separator"])]
    elif name == "text":
        values = [text(first, opts.get("trim", "true") == "true", opts.get("case", "keep"))]
    elif name == "join":
        values = [joined(pd.DataFrame(cells, index=frame.index), opts.get("separator", " "))]
    elif name == "any_of":
        values = [any_of(first, tuple(opts["values"]), opts.get("then", "YES"), opts.get("else", "NO"),
                         opts.get("separator", SEP))]
    elif name == "flags":
        values = [flags(pd.DataFrame(cells, index=frame.index), spec.labels, opts.get("none"))]
    else:  # flows/config.py refuses unknown parsers before any data is read
        raise ValueError(f"unknown parser {name!r}")
    out = {column: value.astype("str") for column, value in zip(spec.into, values)}
    if spec.when_blank:
        absent = pd.DataFrame(cells, index=frame.index).isna().all(axis=1)
        for column, value in spec.when_blank.items():
            out[column] = pd.Series(value, index=frame.index, dtype="str").where(absent)
    return Parsed(columns=out, bad=bad, source=first if bad is not None else None)
