"""Rule catalog -> pandera schemas: one DataFrame-level check per rule, named by the rule id.

Every check kind and `when` condition of docs/architecture.md is interpreted here as a vectorized
pandas expression over the whole frame. A check function returns True where the row is OK (pandera's
convention); `rule_violations` gives the opposite, True where the edit is violated.

Extensions to the architecture's table (documented in docs/edits.md):
* every kind except `engine` accepts `when` (the rule only applies where it holds) and `value_column`
  (the column whose cell is reported as {value}; default: the primary column);
* `compare` accepts `add: N` (compare left with right + N, e.g. `age2 le age1 add 20`);
* `when` also knows `gt`/`ge`/`lt`/`le` (integer comparison, blank or non-integer -> False),
  `matches` (full regex match, blank -> False) and `eq: true|false` on boolean helper columns.
"""
from __future__ import annotations

import inspect
import operator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.backends.pandas.checks import PandasCheckBackend

from schemas import custom_checks
from schemas.catalog import Catalog, CatalogError, Rule
from schemas.primitives import (
    bools, full_match, has_any_token, has_duplicate_tokens, ints, iso_dates, not_matching, text_compare,
    token_count, tokens_outside,
)

OPS = {"lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge,
       "eq": operator.eq, "ne": operator.ne}


@dataclass(frozen=True, eq=False)
class CheckContext:
    """What the checks may know besides the frame itself."""

    as_of: pd.Timestamp
    agency_kind: str  # local | federal | tribal
    codes: dict[str, frozenset] = field(repr=False)  # code table name -> valid codes
    offenses: pd.DataFrame = field(repr=False)  # mappings/offenses.yaml
    # The submitter (agency profile): I1 must be one of agency_oris (agency_ori + additional_agency_oris),
    # I4 must be reporting_agency_ori. Empty / None: not checked (rule tests without a profile).
    agency_oris: frozenset = frozenset()
    reporting_agency_ori: str | None = None


# --- `when` ---------------------------------------------------------------------------------

def when_mask(cond, df: pd.DataFrame) -> pd.Series:
    """Where the `when` condition holds (bool Series over df.index)."""
    if "all" in cond:
        out = pd.Series(True, index=df.index)
        for sub in cond["all"]:
            out &= when_mask(sub, df)
        return out
    if "any" in cond:
        out = pd.Series(False, index=df.index)
        for sub in cond["any"]:
            out |= when_mask(sub, df)
        return out
    if "not" in cond:
        return ~when_mask(cond["not"], df)
    s = df[cond["column"]]
    (op, value), = ((k, v) for k, v in cond.items() if k != "column")
    if op in ("eq", "ne"):
        if isinstance(value, bool):
            hit = bools(s) == value
        else:
            hit = (s == value).fillna(False).astype(bool)
        return hit if op == "eq" else ~hit
    if op == "blank":
        return s.isna() if value else s.notna()
    if op == "has_any":
        return has_any_token(s, value)
    if op == "in":
        return s.isin(list(value)).fillna(False).astype(bool)
    if op == "not_in":
        return ~s.isin(list(value)).fillna(False).astype(bool)
    if op in ("on_or_after", "before"):
        # ISO dates compare correctly as text; cells that are not ISO dates never match
        return text_compare(iso_dates(s), operator.ge if op == "on_or_after" else operator.lt, str(value))
    if op in ("gt", "ge", "lt", "le"):
        return pd.Series(OPS[op](ints(s).to_numpy(), value), index=df.index)
    if op == "matches":
        return full_match(s, value)
    raise ValueError(f"unknown `when` operator {op!r}")


# --- check kinds ----------------------------------------------------------------------------

def _table(rule: Rule, ctx: CheckContext) -> frozenset:
    name = rule.check["table"]
    if name not in ctx.codes:
        raise CatalogError(f"unknown code table '{name}' (see mappings/codes.yaml)", rule=rule.id)
    return ctx.codes[name]


def _kind_violations(rule: Rule, df: pd.DataFrame, ctx: CheckContext) -> pd.Series:
    c = rule.check
    kind = c["kind"]
    if kind == "compare":
        left = ints(df[c["left"]]).to_numpy()
        right = ints(df[c["right"]]).to_numpy() if "right" in c else np.full(len(df), float(c["value"]))
        right = right + c.get("add", 0)
        both = ~np.isnan(left) & ~np.isnan(right)
        return pd.Series(both & ~OPS[c["op"]](left, right), index=df.index)
    if kind == "custom":
        function = getattr(custom_checks, c["function"])
        # A custom check written for any column (e.g. offense1-3) takes the rule's `column`.
        per_column = "column" in inspect.signature(function).parameters
        out = function(df, ctx, column=c["column"]) if per_column else function(df, ctx)
        if not isinstance(out, pd.Series) or not out.index.equals(df.index):
            raise TypeError(f"rule {rule.id}: custom function {c['function']} must return a Series on the frame's index")
        return out.fillna(False).astype(bool)
    s = df[c["column"]]
    if kind == "required":
        return s.isna()
    if kind == "forbidden":
        return s.notna()
    if kind == "lov":
        return (s.notna() & ~s.isin(list(_table(rule, ctx)))).astype(bool)
    if kind == "lov_each":
        return tokens_outside(s, _table(rule, ctx))
    if kind == "max_values":
        return token_count(s) > c["max"]
    if kind == "min_values":
        return token_count(s) < c["min"]
    if kind == "alone":
        return has_any_token(s, c["values"]) & (token_count(s) > 1)
    if kind == "unique_values":
        return has_duplicate_tokens(s)
    if kind == "regex":
        return not_matching(s, c["pattern"])
    if kind == "int_range":
        n = ints(s).to_numpy()
        return pd.Series(s.notna().to_numpy() & ~((n >= c["min"]) & (n <= c["max"])), index=df.index)
    if kind == "max_length":
        return (s.str.len() > c["max"]).fillna(False).astype(bool)
    raise ValueError(f"rule {rule.id}: check kind '{kind}' cannot be evaluated on a frame")


def rule_violations(rule: Rule, df: pd.DataFrame, ctx: CheckContext) -> pd.Series:
    """True where `rule` is violated (bool Series over df.index)."""
    out = _kind_violations(rule, df, ctx)
    if "when" in rule.check:
        out = out & when_mask(rule.check["when"], df)
    return out.astype(bool)


# --- pandera --------------------------------------------------------------------------------

class RuleCheck(pa.Check):
    """A DataFrame-level pandera Check for one catalog rule.

    Its failure cases hold one row per violating row (`index` = row label, `failure_case` = the
    rule's value column), instead of pandera's default of one row per column of each failing row,
    which would make validating a wide frame with many findings quadratic.
    """

    def __init__(self, fn, *, rule: Rule, **kwargs):
        super().__init__(fn, name=rule.id, ignore_na=False, **kwargs)
        self.rule_id = rule.id
        self.value_column = rule.value_column


class RuleCheckBackend(PandasCheckBackend):
    def _get_series_failure_cases(self, check_obj, check_output):
        if not check_obj.index.equals(check_output.index):
            return None
        failed = ~check_output.astype(bool)
        if not failed.any():
            return None
        column = self.check.value_column
        if column in check_obj.columns:
            return check_obj.loc[failed.to_numpy(), column]
        return check_obj.index[failed.to_numpy()].to_series()


RuleCheck.register_backend(pd.DataFrame, RuleCheckBackend)


def _check_fn(rule: Rule, ctx: CheckContext):
    def passes(df: pd.DataFrame) -> pd.Series:
        return ~rule_violations(rule, df, ctx)

    passes.__name__ = rule.id
    return passes


def build_schemas(catalog: Catalog, ctx: CheckContext) -> dict[str, pa.DataFrameSchema]:
    """One DataFrameSchema per segment that has schema rules, one check per rule (name = rule id)."""
    by_segment: dict[str, list[pa.Check]] = {}
    for rule in catalog:
        if rule.is_engine:
            continue
        if rule.kind in ("lov", "lov_each"):
            _table(rule, ctx)  # fail at build time, not on the first row
        by_segment.setdefault(rule.segment, []).append(RuleCheck(_check_fn(rule, ctx), rule=rule))
    return {segment: pa.DataFrameSchema(checks=checks, name=segment)
            for segment, checks in by_segment.items()}


__all__ = ["CheckContext", "RuleCheck", "build_schemas", "rule_violations", "when_mask"]
