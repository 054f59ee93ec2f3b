"""Value parsers: turn an RMS export's cells into FBI element values, declared per column in the profile.

Each parser is a small vectorized function over text Series (pandas `str` dtype, NaN = blank). The
profile's `parsers:` section names, per table, which parser reads which RMS column(s) and which
element column(s) it writes (`into`); `PARSERS` below says, per parser, its options and defaults, and
`flows/config/load.py` checks a profile against it before any data is read.

Conventions, shared by every parser:

* input cells are trimmed first; empty cells, and cells equal to one of the entry's `blank` values
  (e.g. `"0"` for an age the RMS writes as 0 when it is unknown), are blank;
* a blank input gives blank outputs (except `any_of`, `flags`, `one_hot`: their `if_blank`);
  `when_blank: {element: VALUE}` writes VALUE into an element where the input is blank (e.g.
  `age_pu_ids: UNKNOWN`, or `gender: U` on the parser's own output) and leaves it alone elsewhere;
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

from transforms.normalize import FALSE_WORDS, TRUE_WORDS, joined_by_group, trimmed

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
#
# Three ways to read a date, a time or both, chosen by the parser's `format`:
#
# * no format: ISO `YYYY-MM-DD` or `MM/DD/YYYY` (month first, never day first) for the date, and a clock
#   `H:MM`, `H:MM:SS` (optionally `.ffffff`, `AM`/`PM`) for the time, joined by a space or `T`: exactly
#   what flows/io/read.py makes of Excel date, time and date-time cells, and ISO 8601 date-times;
# * a strptime format, read strictly (`format_pattern`): numeric fields written next to each other
#   without a separator (`%H%M`, `%Y%m%d`) must have their full width, minutes and seconds always two
#   digits, because pandas would otherwise split `233` into 23:03 and `2019111` into 2019-11-01; a
#   digits-only time under `%H%M` (or `%H%M%S`) is the number the RMS stored, left-padded (`233` = 02:33);
# * `excel-serial` / `excel-serial-1904`: Excel serial numbers (`43647` a date, `0.111` a time of day,
#   `43647.5` a date and time), only when the profile says so: a plain number is never taken for a date.
#
# A value carrying a UTC offset (`Z`, `-06:00`, `%z`) is converted to the parser's `timezone` (IANA
# name); without a `timezone` it is not read (PARSE-DATETIME): the FBI wants the local time.

EXCEL_FORMATS = {"excel-serial": "1899-12-30", "excel-serial-1904": "1904-01-01"}  # serial 0
_EXCEL_FIRST = {"excel-serial": 61, "excel-serial-1904": 0}  # 1900 system: 60 is the fictitious 1900-02-29
_EXCEL_LAST = 2958466  # 10000-01-01
_NUMERIC_WIDTH = {"Y": 4, "y": 2, "m": 2, "d": 2, "H": 2, "I": 2, "M": 2, "S": 2, "f": 6}
_FULL_WIDTH = ("Y", "y", "M", "S")  # never written with fewer digits (a minute `3` may be :03 or :30)
_ZONE = r"(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)"
_WORD_PATTERN = {"p": r"(?:AM|PM)", "b": r"[A-Z]{3}", "B": r"[A-Z]+", "z": _ZONE}
DIRECTIVES = tuple(_NUMERIC_WIDTH) + tuple(_WORD_PATTERN) + ("%",)
_CLOCK_FORMATS = ("%H%M", "%H%M%S")  # numeric HHMM(SS): a time stored as a number
_DATE_DEFAULT = (r"(?:(?P<Y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})"  # ISO
                 r"|(?P<m2>[0-9]{1,2})/(?P<d2>[0-9]{1,2})/(?P<Y2>[0-9]{4}))")  # US, month first
_CLOCK_DEFAULT = (r"(?P<H>[0-9]{1,2}):(?P<M>[0-9]{2})(?::(?P<S>[0-9]{2})(?:[.,][0-9]{1,9})?)?"
                  r"(?:\s*(?P<p>[AP]M))?(?P<z>Z|(?P<zs>[+-])(?P<zh>[0-9]{2})(?::?(?P<zm>[0-9]{2}))?)?")


def _format_tokens(fmt: str) -> list[tuple[str, str]]:
    """`%m/%d` as [("dir", "m"), ("lit", "/"), ("dir", "d")]."""
    tokens, i = [], 0
    while i < len(fmt):
        if fmt[i] == "%" and i + 1 < len(fmt):
            tokens.append(("dir", fmt[i + 1]))
            i += 2
        else:
            tokens.append(("lit", fmt[i]))
            i += 1
    return tokens


def format_problem(fmt: str, parser: str) -> str | None:
    """What makes `fmt` unusable or ambiguous for `parser` (None when it is fine); checked at profile load."""
    if fmt in EXCEL_FORMATS:
        return None
    directives = [t for k, t in _format_tokens(fmt) if k == "dir"]
    unknown = [d for d in directives if d not in DIRECTIVES]
    if unknown:
        return (f"'%{unknown[0]}' is not supported (use %Y %y %m %d %b %B %H %I %M %S %f %p %z: weekday names, "
                "day-of-year and zone abbreviations such as CST are ambiguous or unchecked)")
    if "I" in directives and "p" not in directives:
        return f"'{fmt}' has %I (hour 1-12) without %p (AM/PM): 10:23 could be morning or evening"
    if "p" in directives and "I" not in directives:
        return f"'{fmt}' has %p (AM/PM) without %I: with %H the AM/PM would be ignored"
    if "H" in directives and "I" in directives:
        return f"'{fmt}' has both %H and %I"
    if "z" in directives and parser not in ("datetime", "date"):
        return f"'{fmt}' has %z: a UTC offset can only be converted with a date (use the datetime parser)"
    needs = {"datetime": ("%d", "%M"), "time": ("%M",), "date": ("%d",), "years_of_service": ("%d",)}[parser]
    missing = [n for n in needs if n[1] not in directives]
    if parser in ("datetime", "time") and "H" not in directives and "I" not in directives:
        missing.append("%H or %I")
    if parser != "time":
        if not {"m", "b", "B"} & set(directives):
            missing.append("%m (or %b)")
        if not {"Y", "y"} & set(directives):
            missing.append("%Y")
    if missing:
        return f"'{fmt}' lacks {', '.join(missing)} for a {parser}"
    return None


def format_pattern(fmt: str) -> str:
    """The regular expression a value must fully match (case-insensitively) to be read with `fmt`.

    A numeric field next to another numeric field has its full width (`%H%M` needs `0233`), as have
    %Y, %y, %M and %S everywhere; %m, %d, %H, %I may drop a leading zero where a separator follows
    (`8/13/2020` with `%m/%d/%Y`). Spaces in the format match one or more spaces.
    """
    tokens = _format_tokens(fmt)
    numeric = [kind == "dir" and t in _NUMERIC_WIDTH for kind, t in tokens]
    parts = []
    for i, (kind, t) in enumerate(tokens):
        if kind == "lit":
            parts.append(r"\s+" if t.isspace() else re.escape(t))
        elif t == "%":
            parts.append("%")
        elif t in _NUMERIC_WIDTH:
            width = _NUMERIC_WIDTH[t]
            fixed = t in _FULL_WIDTH or (i > 0 and numeric[i - 1]) or (i + 1 < len(tokens) and numeric[i + 1])
            parts.append(f"[0-9]{{{width}}}" if fixed else f"[0-9]{{1,{width}}}")
        else:
            parts.append(_WORD_PATTERN[t])
    return "".join(parts)


def zone_problem(name: str) -> str | None:
    """What is wrong with `name` as a parser's `timezone` (None when it is an IANA location zone)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    hint = "an IANA time zone of the agency's location, such as America/Chicago"
    if not isinstance(name, str) or "/" not in name or name.startswith("Etc/"):
        return (f"'{name}' is not {hint} (abbreviations and fixed offsets such as CST, EST or Etc/GMT+6 "
                "ignore daylight saving time)")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return f"'{name}' is not a known time zone: give {hint}"
    return None


def _local(stamp: pd.Series, offset_minutes: pd.Series, zone: str | None) -> pd.Series:
    """Naive `stamp` that carries a UTC offset (minutes, NA where none) as the wall time in `zone`;
    NaT where an offset is given but no zone."""
    has = offset_minutes.notna()
    if not has.any():
        return stamp
    if zone is None:
        return stamp.mask(has)
    utc = (stamp - pd.to_timedelta(offset_minutes.fillna(0), unit="m")).where(has)
    converted = utc.dt.tz_localize("UTC").dt.tz_convert(zone).dt.tz_localize(None)
    return stamp.mask(has, converted.astype(stamp.dtype))


def _extract(s: pd.Series, pattern: str, numeric: tuple[str, ...] = ()) -> pd.DataFrame:
    """Named groups of a case-insensitive full match of `pattern`, NA where it does not match or a group
    took no part; the `numeric` groups (digits only) as float. Vectorized by pyarrow (RE2): several
    times faster than `Series.str.extract` and `pd.to_numeric` on text."""
    import pyarrow as pa
    import pyarrow.compute as pc

    values = pa.array(s.astype("str").array)
    found = pc.extract_regex(values, f"(?i)^(?:{pattern})$")
    names = [found.type.field(i).name for i in range(found.type.num_fields)]
    out = {}
    for name, part in zip(names, found.flatten()):  # flatten: a row that did not match is null
        part = pc.if_else(pc.equal(part, ""), pa.scalar(None, part.type), part)
        if name in numeric:
            out[name] = pd.Series(pc.cast(part, pa.int64()).to_numpy(zero_copy_only=False), index=s.index,
                                  dtype="float64")
        else:
            out[name] = pd.Series(part.to_numpy(zero_copy_only=False), index=s.index, dtype="str")
    return pd.DataFrame(out, index=s.index)


def _by_default(s: pd.Series, want: str, zone: str | None) -> pd.Series:
    """Timestamps (naive, local) read without a format; NaT where not read."""
    clock = _CLOCK_DEFAULT
    pattern = {"time": clock, "date": rf"{_DATE_DEFAULT}(?:(?:T|\s+){clock})?",
               "datetime": rf"{_DATE_DEFAULT}(?:T|\s+){clock}"}[want]
    parts = _extract(s, pattern, numeric=("Y", "m", "d", "Y2", "m2", "d2", "H", "M", "S", "zh", "zm"))
    number = {k: parts[k] for k in ("H", "M", "S")}
    if want == "time":
        year = pd.Series(1900, index=s.index)
        month = day = pd.Series(1, index=s.index)
    else:
        year, month, day = (parts[a].fillna(parts[b]) for a, b in (("Y", "Y2"), ("m", "m2"), ("d", "d2")))
    dates = pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": day}).dropna(),
                           errors="coerce").reindex(s.index)
    hour, minute, second = number["H"].fillna(0), number["M"].fillna(0), number["S"].fillna(0)
    ampm = parts["p"].str.upper()
    twelve = ampm.notna()
    clock_ok = (minute <= 59) & (second <= 59) & ((twelve & (hour >= 1) & (hour <= 12)) | (~twelve & (hour <= 23)))
    has_clock = parts["M"].notna()
    ok = dates.notna() & (clock_ok & has_clock if want != "date" else clock_ok | ~has_clock)
    hour = hour.mask(twelve, hour % 12 + (ampm == "PM") * 12)
    stamp = (dates + pd.to_timedelta(hour * 60 + minute, unit="m")).where(ok)
    sign = parts["zs"].map({"+": 1, "-": -1}).astype("float64")
    offset = (sign * (parts["zh"] * 60 + parts["zm"].fillna(0))).fillna(0)  # "Z": 0
    return _local(stamp, offset.where(parts["z"].notna()), zone)


def _by_format(s: pd.Series, fmt: str, zone: str | None) -> pd.Series:
    """Timestamps (naive, local) read strictly with a strptime format; NaT where not read."""
    if fmt in _CLOCK_FORMATS:  # numeric HHMM: a number lost its leading zeros (233 = 02:33, 6 = 00:06)
        digits = s.str.fullmatch(f"[0-9]{{1,{len(fmt)}}}").fillna(False).astype(bool)
        s = s.mask(digits, s.str.zfill(len(fmt)))
    shaped = s.str.fullmatch(format_pattern(fmt), flags=re.IGNORECASE).fillna(False).astype(bool)
    if "%z" not in fmt:
        return pd.to_datetime(s.where(shaped), format=fmt, errors="coerce")
    aware = pd.to_datetime(s.where(shaped), format=fmt, errors="coerce", utc=True)
    if zone is None:
        return aware.dt.tz_localize(None).mask(aware.notna())
    return aware.dt.tz_convert(zone).dt.tz_localize(None)


def _by_serial(s: pd.Series, system: str, want: str) -> pd.Series:
    """Excel serial numbers: days since the system's day 0, the fraction the time of day."""
    numeric = s.str.fullmatch(r"[0-9]+(?:\.[0-9]+)?").fillna(False).astype(bool)
    number = pd.to_numeric(s.where(numeric), errors="coerce")
    if want == "time":  # a time cell is a day fraction; a whole day count is no time of day
        ok = number < 1
    else:
        ok = (number >= _EXCEL_FIRST[system]) & (number < _EXCEL_LAST)
        if want == "date":
            number = np.floor(number)
        else:  # a date-time without fraction is a date: its time of day is not in the cell
            ok &= number != np.floor(number)
    seconds = np.round(number * 86400).where(ok)
    if want == "time":
        seconds = seconds.where(seconds < 86400)  # 0.99999999 rounds to 24:00: not a time of day
    origin = pd.Timestamp("1900-01-01" if want == "time" else EXCEL_FORMATS[system])
    return origin + pd.to_timedelta(seconds, unit="s")


def stamps(s: pd.Series, fmt: str | None, want: str, zone: str | None = None) -> tuple[pd.Series, pd.Series]:
    """`s` read as `want` (`date`, `time` or `datetime`): (naive local timestamps, bad mask).

    A filled cell that is not read (wrong shape, impossible value, a UTC offset without `zone`) is bad.
    """
    if fmt is None:
        stamp = _by_default(s, want, zone)
    elif fmt in EXCEL_FORMATS:
        stamp = _by_serial(s, fmt, want)
    else:
        stamp = _by_format(s, fmt, zone)
    return stamp, s.notna() & stamp.isna()


def date_time(s: pd.Series, fmt: str | None = None, zone: str | None = None) -> tuple[pd.DataFrame, pd.Series]:
    """One cell holding date and time, e.g. `02/25/2018 10:23:00 PM` with `%m/%d/%Y %I:%M:%S %p`, or
    without a format `2019-07-01 14:30:00` (an Excel date-time cell), `2017-01-18T12:00:00-06:00`.

    Returns (frame of `date` (ISO YYYY-MM-DD), `hours` (0-23), `minutes` (0-59); bad mask): a filled
    cell that does not match `fmt` or is not a real date and time (`02/30/2018 ...`, `13:75`) is bad,
    and so is a date without a time of day.
    """
    stamp, bad = stamps(s, fmt, "datetime", zone)
    ok = stamp.notna()
    out = pd.DataFrame({"date": _text(stamp.dt.strftime("%Y-%m-%d"), s.index).where(ok),
                        "hours": _int_text(stamp.dt.hour, ok), "minutes": _int_text(stamp.dt.minute, ok)},
                       index=s.index)
    return out, bad


def date_only(s: pd.Series, fmt: str | None = None, zone: str | None = None) -> tuple[pd.Series, pd.Series]:
    """A date in `fmt` (e.g. `%d.%m.%Y`) as ISO `YYYY-MM-DD`; without `fmt`, ISO or MM/DD/YYYY, possibly
    followed by a time (which is dropped, after converting a UTC offset to `zone`). (iso, bad)."""
    stamp, bad = stamps(s, fmt, "date", zone)
    iso = _text(stamp.dt.strftime("%Y-%m-%d"), s.index).where(stamp.notna())
    return iso.astype("str"), bad


def time_only(s: pd.Series, fmt: str | None = None) -> tuple[pd.DataFrame, pd.Series]:
    """A time of day: without `fmt` `H:MM` or `H:MM:SS` (an Excel time cell), optionally with AM/PM;
    12-hour `10:23 PM` with `%I:%M %p`; `2230` or `233` (02:33) with `%H%M`. Seconds are dropped.

    Returns (frame of `hours`, `minutes`; bad mask).
    """
    stamp, bad = stamps(s, fmt, "time")
    ok = stamp.notna()
    out = pd.DataFrame({"hours": _int_text(stamp.dt.hour, ok), "minutes": _int_text(stamp.dt.minute, ok)},
                       index=s.index)
    return out, bad


def years_between(start: pd.Series, end_iso: pd.Series, fmt: str | None = None) -> pd.Series:
    """Whole years from `start` (e.g. a hire date) to `end_iso` (the incident date, ISO).

    `8/13/2010` to `2020-08-12` is 9, to `2020-08-13` is 10. A start date that cannot be read is kept
    as written (the years-of-service rule reports it); a missing end date gives NA. With a two-digit
    year (`%y`) the century is the one that puts the start on or before the end (`05` is 2005, `68`
    1968 for an incident in 2017).
    """
    a, bad = stamps(start, fmt, "date")
    a = a.dt.normalize()
    b = pd.to_datetime(end_iso, format="%Y-%m-%d", errors="coerce")
    if fmt is not None and "%y" in fmt:
        a = a.mask(a > b, a - pd.DateOffset(years=100))
    before = (b.dt.month < a.dt.month) | ((b.dt.month == a.dt.month) & (b.dt.day < a.dt.day))
    years = b.dt.year - a.dt.year - before.astype("int64")
    out = _int_text(years, a.notna() & b.notna())
    return out.mask(bad, start).astype("str")


# ------------------------------------------------------------------------------------------ location

def coordinates(s: pd.Series) -> pd.DataFrame:
    """`(28.5413, -81.3790)`, `28.5413, -81.3790` (latitude first) or WKT `POINT (-81.3790 28.5413)`
    (longitude first) as `lat`, `lon` text. Other text is kept in `lat`.

    A plain pair whose first number is negative and second positive is not read: latitude first it
    lies south-east of the equator and Greenwich, where no US agency is; it is most likely a longitude
    first (`-81.3790, 28.5413`), so it is kept as written for the latitude edit to report.
    """
    point = _fullmatch(s, rf"POINT\s*\(\s*({_NUM})\s+({_NUM})\s*\)", flags=re.IGNORECASE)
    pair = _fullmatch(s, rf"\(?\s*({_NUM})\s*[,;]?\s+({_NUM})\s*\)?|\(?\s*({_NUM})\s*[,;]\s*({_NUM})\s*\)?")
    pair_lat = pair[0].fillna(pair[2])
    pair_lon = pair[1].fillna(pair[3])
    swapped = (pd.to_numeric(pair_lat, errors="coerce") < 0) & (pd.to_numeric(pair_lon, errors="coerce") > 0)
    lat = point[1].fillna(pair_lat.mask(swapped))
    lon = point[0].fillna(pair_lon.mask(swapped))
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


def _entries(s: pd.Series, separator: str) -> pd.Series:
    """The non-empty entries of each cell, trimmed, one per row of a Series indexed like `s` (repeated)."""
    out = s.str.split(re.escape(separator) if separator.strip() else r"\s+", regex=True)
    tokens = out.explode().astype("str").str.strip()
    return tokens[tokens.notna() & (tokens != "")]


def split_list(s: pd.Series, separator: str) -> pd.Series:
    """A cell listing several codes with `separator` (e.g. `,` or ` / `) as the FBI list form `A;B`."""
    tokens = _entries(s, separator)
    joined = joined_by_group(pd.Series(tokens.index, index=tokens.index), tokens, SEP)
    return joined.reindex(s.index).astype("str")


def split_positions(s: pd.Series, separator: str, n: int) -> list[pd.Series]:
    """Entry i of the cell into output i (`13A, 90Z` -> offense1 `13A`, offense2 `90Z`); empty entries
    are skipped. Entries beyond the n-th are not dropped: the last output holds them all, joined by `;`
    (`120, 13A, 90Z, 23H` into three -> `120`, `13A`, `90Z;23H`), a value its edits then reject."""
    tokens = _entries(s, separator)
    position = tokens.groupby(level=0).cumcount()
    out = [tokens[position == i].reindex(s.index).astype("str") for i in range(n - 1)]
    rest = tokens[position >= n - 1]
    last = joined_by_group(pd.Series(rest.index, index=rest.index), rest, SEP)
    return out + [last.reindex(s.index).astype("str")]


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


def _folded(s: pd.Series, case: str) -> pd.Series:
    """Trimmed, inner runs of spaces as one, and case-folded unless `case` is `exact`."""
    out = s.str.strip().str.replace(r"\s+", " ", regex=True)
    return out.str.casefold() if case == "fold" else out


def any_of(s: pd.Series | pd.DataFrame, values: tuple[str, ...], then: str = "YES", otherwise: str = "NO",
           separator: str = SEP, case: str = "fold", if_blank: str | None = None) -> pd.Series:
    """`then` where a cell, or one entry of a `separator` list, of any input column is one of `values`;
    `otherwise` where some cell is filled but none matches; `if_blank` (default: `otherwise`; `""`
    keeps the blank) where every input cell is blank.

    Used on a column collapsed from several rows (`Hands;Firearm (Discharged)`) or on several columns
    (Austin's `Weapon Used 1` .. `Weapon Used 5`), e.g. shots_fired is YES when any force type of the
    officer is a discharge. Matching ignores spaces around entries and, with `case: fold`, case.
    """
    frame = s if isinstance(s, pd.DataFrame) else s.to_frame()
    wanted = set(_folded(pd.Series(list(values), dtype="str"), case))
    hit = pd.Series(False, index=frame.index)
    for column in frame.columns:
        tokens = _folded(frame[column].astype("str").str.split(separator, regex=False).explode().astype("str"), case)
        hit |= tokens.isin(wanted).groupby(level=0).any().reindex(frame.index, fill_value=False).astype(bool)
    out = pd.Series(np.where(hit, then, otherwise), index=frame.index, dtype="str")
    blank_value = otherwise if if_blank is None else if_blank
    out = out.mask(frame.isna().all(axis=1), blank_value if blank_value != "" else np.nan)
    return out.where(out != "").astype("str")


FLAG_TRUE = (*TRUE_WORDS, "x")  # a ticked one-hot column: 1, x, yes, true (any case)


def flags(frame: pd.DataFrame, labels: dict[str, str], none: str | None = None,
          if_blank: str | None = None) -> pd.Series:
    """Yes/No (or one-hot 1/blank) columns as a list: the label of every column that is set, each label
    once (`ELECTRONIC;PHYSICAL`). Set is yes, y, true, 1 or x in any case; not set is no, n, false, 0.

    A cell that is neither is listed as written so that the rule catalog reports it. Several columns
    set on a single-valued element give `F;M`, which its list-of-values edit rejects naming both. None
    set (some cell filled) gives `none`; every cell blank gives `if_blank` (both blank when not set).
    """
    pieces = []
    for label in dict.fromkeys(labels.values()):
        columns = [c for c, lab in labels.items() if lab == label]
        said = pd.concat([frame[c].str.lower().isin(FLAG_TRUE) for c in columns], axis=1).any(axis=1)
        pieces.append(pd.Series("", index=frame.index, dtype="str").mask(said, label + SEP))
    for column in labels:
        cell = frame[column]
        low = cell.str.lower()
        unknown = cell.notna() & ~low.isin(FLAG_TRUE) & ~low.isin(FALSE_WORDS)
        pieces.append(pd.Series("", index=frame.index, dtype="str").mask(unknown, cell + SEP))
    out = pieces[0].str.cat(pieces[1:]) if len(pieces) > 1 else pieces[0]
    out = out.str.rstrip(SEP)
    if none is not None:
        out = out.mask(out == "", none)
    out = out.where(out != "")
    blank = frame.isna().all(axis=1)
    out = out.mask(blank)
    if if_blank:
        out = out.mask(blank, if_blank)
    return out.astype("str")


# ----------------------------------------------------------------------------------------- registry

@dataclass(frozen=True)
class ParserKind:
    """What a parser reads, writes and accepts (checked by flows/config/load.py)."""

    name: str
    inputs: str  # "column" | "columns" | "column_or_columns" | "labels"
    outputs: tuple[int, ...]  # allowed numbers of `into` names
    default_into: dict[str, tuple[str, ...]] = field(default_factory=dict)  # table ("*" = any) -> names
    required: tuple[str, ...] = ()
    optional: dict[str, object] = field(default_factory=dict)  # option -> default
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)  # option -> allowed values
    summary: str = ""


COMMON_OPTIONS = ("parser", "column", "columns", "into", "blank", "when_blank")
CASES = ("keep", "upper", "lower", "fold")
MATCH_CASES = ("fold", "exact")
MAX_POSITIONS = 10  # split into at most this many elements
_WHEN = {"format": None, "timezone": None}
_FLAG_OPTIONS = {"none": None, "if_blank": None}

PARSERS: dict[str, ParserKind] = {p.name: p for p in (
    ParserKind("datetime", "column", (3,), {"*": ("incident_date", "incident_time_hours", "incident_time_minutes")},
               optional=_WHEN,
               summary="date and time in one cell -> incident_date, incident_time_hours, incident_time_minutes"),
    ParserKind("date", "column", (1,), {"*": ("incident_date",)}, optional=_WHEN,
               summary="a date in another format -> ISO date"),
    ParserKind("time", "column", (2,), {"*": ("incident_time_hours", "incident_time_minutes")},
               optional={"format": None}, summary="a time (e.g. 12-hour with %I:%M %p) -> hours, minutes"),
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
    ParserKind("split", "column", tuple(range(1, MAX_POSITIONS + 1)), required=("separator",),
               summary="list with another separator -> the FBI list form A;B, or entry i into element i"),
    ParserKind("text", "column", (1,), optional={"trim": "true", "case": "keep"}, choices={"case": CASES},
               summary="copy a column (trimmed, case changed) into an element, e.g. before a crosswalk"),
    ParserKind("join", "columns", (1,), optional={"separator": " "},
               summary="several columns -> one value for one crosswalk entry per combination"),
    ParserKind("any_of", "column_or_columns", (1,), required=("values",),
               optional={"then": "YES", "else": "NO", "separator": SEP, "case": "fold", "if_blank": None},
               choices={"case": MATCH_CASES},
               summary="THEN when a cell (or an entry of a list) of the column(s) is one of VALUES, else ELSE"),
    ParserKind("flags", "labels", (1,), optional=_FLAG_OPTIONS,
               summary="Yes/No columns -> the list of the labels of those saying yes"),
    ParserKind("one_hot", "labels", (1,), optional=_FLAG_OPTIONS,
               summary="one column per value (1 or blank) -> the label of the column that is set"),
)}


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
        """Element columns written: `into`, then the `when_blank` elements it does not write already."""
        return self.into + tuple(c for c in self.when_blank if c not in self.into)


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
        parts, bad = date_time(first, opts.get("format"), opts.get("timezone"))
        values = [parts["date"], parts["hours"], parts["minutes"]]
    elif name == "date":
        iso, bad = date_only(first, opts.get("format"), opts.get("timezone"))
        values = [iso]
    elif name == "time":
        parts, bad = time_only(first, opts.get("format"))
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
        values = ([split_list(first, opts["separator"])] if len(spec.into) == 1
                  else split_positions(first, opts["separator"], len(spec.into)))
    elif name == "text":
        values = [text(first, opts.get("trim", "true") == "true", opts.get("case", "keep"))]
    elif name == "join":
        values = [joined(pd.DataFrame(cells, index=frame.index), opts.get("separator", " "))]
    elif name == "any_of":
        values = [any_of(pd.DataFrame(cells, index=frame.index), tuple(opts["values"]), opts.get("then", "YES"),
                         opts.get("else", "NO"), opts.get("separator", SEP), opts.get("case", "fold"),
                         opts.get("if_blank"))]
    elif name in ("flags", "one_hot"):
        values = [flags(pd.DataFrame(cells, index=frame.index), spec.labels, opts.get("none"), opts.get("if_blank"))]
    else:  # flows/config/load.py refuses unknown parsers before any data is read
        raise ValueError(f"unknown parser {name!r}")
    out = {column: value.astype("str") for column, value in zip(spec.into, values)}
    if spec.when_blank:
        absent = pd.DataFrame(cells, index=frame.index).isna().all(axis=1)
        for column, value in spec.when_blank.items():
            if column in out:  # its own output: the value where the input is blank
                out[column] = out[column].mask(absent, value).astype("str")
            else:
                out[column] = pd.Series(value, index=frame.index, dtype="str").where(absent)
    return Parsed(columns=out, bad=bad, source=first if bad is not None else None)
