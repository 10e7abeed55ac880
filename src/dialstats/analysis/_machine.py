"""Answering machines and answering-machine detection (AMD): how often, and how wrong.

The AMD audit reads AMD as a classifier whose positive class is "a machine answered". Among the
calls it labelled human (``answered_by == "human"``) or machine (any ``machine_*`` value), the
truth is never recorded, only evidence of it, so every error rate is a lower bound built from the
calls whose evidence shows an error (see `evidence` and docs/metrics.md, "AMD audit"):

- false_positive_rate = P(labelled machine | a person answered)
  >= person-evidenced machine labels / (those + human labels without machine evidence);
- false_negative_rate = P(labelled human | a machine answered)
  >= machine-evidenced human labels / (those + machine labels without person evidence);
- false_discovery_rate = share of machine labels that were people >= person-evidenced / machine;
- false_omission_rate = share of human labels that were machines >= machine-evidenced / human.

When the evidence catches every error the bounds are the rates themselves. AMD's "fax" and
"unknown" answers are outside the human/machine matrix and reported as their own categories.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import partial

import numpy as np
import pandas as pd

from dialstats._vocabulary import ANSWERED_BY, DISPOSITION_CATEGORIES, MACHINE_PREFIX
from dialstats.analysis import _engine_tables, _flags, _frames, _groups
from dialstats.analysis._choices import choose
from dialstats.analysis._definitions import Definitions, check_definitions
from dialstats.analysis._deprecate import keyword_only
from dialstats.analysis._intervals import rate_columns
from dialstats.analysis._rates import with_rates
from dialstats.analysis._validate import (
    check_choice,
    check_columns,
    check_confidence,
    check_frame,
    group_keys,
)

_RATES = {
    "machine_rate": ("machine", "answered"),
    "voicemail_rate": ("voicemails", "dials"),
    "amd_suspected_false_positive_rate": ("amd_suspected_false_positive", "machine"),
    "amd_suspected_false_negative_rate": ("amd_suspected_false_negative", "human"),
    "amd_false_positive_rate": ("amd_false_positive", "amd_persons_bound"),
    "amd_false_negative_rate": ("amd_false_negative", "amd_machines_bound"),
    "amd_false_discovery_rate": ("amd_false_positive", "machine"),
    "amd_false_omission_rate": ("amd_false_negative", "human"),
}
_COLUMNS = [
    "dials",
    "answered",
    "human",
    "machine",
    "fax",
    "unknown",
    *("machine_rate", "machine_rate_low", "machine_rate_high"),
    "voicemails",
    *("voicemail_rate", "voicemail_rate_low", "voicemail_rate_high"),
    "amd_suspected_false_positive",
    *(f"amd_suspected_false_positive_rate{end}" for end in ("", "_low", "_high")),
    "amd_suspected_false_negative",
    *(f"amd_suspected_false_negative_rate{end}" for end in ("", "_low", "_high")),
    "amd_false_positive",
    "amd_false_negative",
    "amd_persons_bound",
    "amd_machines_bound",
    *(
        f"amd_false_{kind}_rate{end}"
        for kind in ("positive", "negative", "discovery", "omission")
        for end in ("", "_low", "_high")
    ),
    "median_duration_human",
    "median_duration_machine",
]
# `columns="compact"`: what a manager reads. How often a machine answers (with its interval),
# and the lower bounds of how often AMD is wrong each way.
COMPACT = [
    "dials",
    "answered",
    "human",
    "machine",
    *("machine_rate", "machine_rate_low", "machine_rate_high"),
    "amd_false_positive_rate",
    "amd_false_negative_rate",
]
COLUMN_SETS = ("all", "compact")
# Disposition id of the vendor's "No Answer", and how short (seconds) a human-labelled No Answer
# may be to count as a machine: a greeting the rep hung up on without leaving a message
# (in the sandbox 5-45 s); a person kept on the line longer is not taken for one.
NO_ANSWER_ID, NO_ANSWER_NAME = 10, "No Answer"
SHORT_SECONDS = 45.0
# Transcript text only an answering machine says (greeting, beep, mailbox prompts).
GREETING = re.compile(
    r"leave (?:a|your) (?:message|name)|(?:after|at) the (?:tone|beep)|\bbeep\b"
    r"|record your message|mailbox (?:is )?full|is not available|voice ?mail box|\[beep\]",
    re.IGNORECASE,
)
# A dialogue: one speaker label at the start of a line, and later a line with another label.
DIALOGUE = re.compile(r"^\s*([^:\n]{1,40}):.*?^\s*(?!\1:)[^:\n]{1,40}:", re.MULTILINE | re.DOTALL)
PERSON_RULES = ("disposition", "transcript", "duration")
MACHINE_RULES = ("voicemail", "transcript", "short_no_answer")
FAX, UNKNOWN = "fax", "unknown"
# Matrix labels for an answered call without answered_by, and without a disposition category.
MISSING = "missing"
NO_CATEGORY = "unknown"
ALWAYS = ("human", "machine_start")
# AMD's answers, exclusive, in the order of `_answer_codes`.
ANSWERS = ("human", "machine", FAX, UNKNOWN)
ANY = slice(None)  # an axis of a count table taken whole
# The columns the AMD rules read (on an engine frame, their distinct rows are counted there).
READS = ("outcome", "answered_by", "disposition_id", "disposition_name", "duration")
READS += ("transcription",)
# machine_detection's class grid: AMD's answer (a position in ANSWERS, or none of them), then
# whether the call was answered, got a voicemail or a reached disposition, and whether the
# evidence (not conflicting) shows a person or a machine.
_AXES = {
    "answer": len(ANSWERS) + 1,
    "answered": 2,
    "voicemail": 2,
    "reached": 2,
    "person": 2,
    "machine": 2,
}
_SHAPE = tuple(_AXES.values())


def machine_detection(
    df: pd.DataFrame,
    by: str | Sequence[str] | None = None,
    *,
    confidence: float = 0.95,
    definitions: Definitions | None = None,
    columns: str = "all",
) -> pd.DataFrame:
    """How often a machine answers, and the calls where AMD looks wrong, per group.

    Parameters
    ----------
    df : pandas.DataFrame
        The call log (`read_call_logs`). It may also be a Polars DataFrame or LazyFrame, a DuckDB
        relation or a pyarrow.Table: the distinct rows of the columns the rules read are then
        counted in that engine.
    by : str or sequence of str, optional
        The columns to group by; None (default) is one group of every call.
    confidence : float, default 0.95
        The level of the Wilson intervals.
    definitions : Definitions, optional
        Which dispositions are reached and voicemails; None (default) is the vendor's
        (`VENDOR`).
    columns : {"all", "compact"}, default "all"
        ``"all"``: every column below. ``"compact"`` keeps the `by` columns, `dials`,
        `answered`, `human`, `machine`, `machine_rate` with `_low` / `_high`,
        `amd_false_positive_rate` and `amd_false_negative_rate`.

    Returns
    -------
    pandas.DataFrame
        One row per group, with columns:

        - the `by` columns, `dials`, `answered`, `human`, `machine` (any ``machine_*`` value of
          answered_by), `fax` and `unknown` (AMD's other answers: neither human nor machine);
        - `machine_rate` (machine / answered), `voicemails` (disposition 11) with
          `voicemail_rate` (over dials);
        - `amd_suspected_false_positive` (machine, yet a reached disposition, by default an
          "Answered - ..." one, 1-9) with its rate over machine, `amd_suspected_false_negative`
          (human, yet Left Voicemail) with its rate over human;
        - the AMD audit (positive = a machine answered; lower bounds from the evidence, see
          `amd_evidence`): `amd_false_positive` (machine labels with evidence of a person),
          `amd_false_negative` (human labels with evidence of a machine), `amd_persons_bound` /
          `amd_machines_bound` (the largest number of persons / machines the evidence allows
          among human and machine labels), and `amd_false_positive_rate` (over persons),
          `amd_false_negative_rate` (over machines), `amd_false_discovery_rate` (over machine
          labels), `amd_false_omission_rate` (over human labels);
        - `median_duration_human`, `median_duration_machine` (seconds).

        Every rate has `_low` / `_high` Wilson bounds; no denominator -> NA.

    Raises
    ------
    InvalidParameterError
        `columns` is neither ``"all"`` nor ``"compact"``, or `confidence` is not in (0, 1).
    MissingColumnError
        `df` lacks `duration` or a column the flags read.

    See Also
    --------
    amd_audit : The audit's error rates tidy, with the evidence each used.
    amd_evidence : Per call, the evidence of who answered.
    machine_detection_matrix : Who answered x disposition category.
    dialstats.plot.machine_detection : Draws this table.

    Examples
    --------
    >>> import dialstats as ds
    >>> df = ds.read_call_logs(demo=True, max_records=2000)
    >>> compact = ds.machine_detection(df, columns="compact")
    >>> compact[["answered", "machine", "machine_rate", "amd_false_positive_rate"]].round(3)
       answered  machine  machine_rate  amd_false_positive_rate
    0       738      378         0.512                    0.059
    >>> ds.machine_detection(df, by="user_name").shape
    (9, 40)
    """
    frame, weights = _frames.wrap(df), None
    if frame is not None:
        choose("columns", columns, COLUMN_SETS), check_confidence(confidence)  # before reading
        df, weights = _engine_tables.call_rows(frame, by, READS, "machine_detection")
    check_frame(df, "machine_detection")
    shown = COMPACT if choose("columns", columns, COLUMN_SETS) == "compact" else _COLUMNS
    keys = {name: df[name] for name in group_keys(df, by, "machine_detection")}
    confidence = check_confidence(confidence)
    check_columns(df, {"duration": "number"}, "machine_detection")
    names = ["answered", "human", "machine", "voicemails", "reached"]
    flags = _flags.compute(df, names, "machine_detection", definitions)
    human, machine = flags["human"], flags["machine"]
    voicemail, reached = flags["voicemails"], flags["reached"]
    seconds = df["duration"].to_numpy(dtype=float, na_value=np.nan)
    # Only whether some rule holds matters here, not which one.
    person, by_machine = (np.logical_or.reduce(r) for r in _rules(df, flags, definitions))
    clear = ~(person & by_machine)
    # Every count below is a sum over classes of one code per call (AMD's answer x the flags),
    # so one bincount gives them all; each axis of the class grid is named in _AXES.
    axes = {
        "answer": _answer_codes(df, flags),
        "answered": flags["answered"],
        "voicemail": voicemail,
        "reached": reached,
        "person": person & clear,
        "machine": by_machine & clear,
    }
    code = np.ravel_multi_index([np.asarray(axes[name], dtype=np.int64) for name in _AXES], _SHAPE)
    columns = {
        "dials": (None, _groups.SIZE),
        "median_duration_human": (np.where(human, seconds, np.nan), _groups.MEDIAN),
        "median_duration_machine": (np.where(machine, seconds, np.nan), _groups.MEDIAN),
    }
    counts, cells = _tally(weights)(df.index, keys, columns, code, int(np.prod(_SHAPE)))
    cells = cells.reshape(len(cells), *_SHAPE)

    def count(**held: int) -> np.ndarray:
        """Per group, the calls with those values on the named axes (any value on the rest)."""
        part = cells[(slice(None), *(held.get(name, ANY) for name in _AXES))]
        return part.sum(axis=tuple(range(1, part.ndim)))

    human_answer, machine_answer = ANSWERS.index("human"), ANSWERS.index("machine")
    counts["answered"] = count(answered=1)
    for i, name in enumerate(ANSWERS):
        counts[name] = count(answer=i)
    counts["voicemails"] = count(voicemail=1)
    counts["amd_suspected_false_positive"] = count(answer=machine_answer, reached=1)
    counts["amd_suspected_false_negative"] = count(answer=human_answer, voicemail=1)
    counts["amd_false_positive"] = count(answer=machine_answer, person=1)
    counts["amd_false_negative"] = count(answer=human_answer, machine=1)
    counts["amd_persons_bound"] = counts["amd_false_positive"] + counts["human"]
    counts["amd_persons_bound"] -= counts["amd_false_negative"]
    counts["amd_machines_bound"] = counts["amd_false_negative"] + counts["machine"]
    counts["amd_machines_bound"] -= counts["amd_false_positive"]
    out = with_rates(counts, _RATES, confidence)
    return out[[*keys, *shown]]


@keyword_only("definitions", public="amd_evidence")
def evidence(df: pd.DataFrame, *, definitions: Definitions | None = None) -> pd.DataFrame:
    """Per call, the evidence of who answered, whatever AMD said.

    `person` and `machine` name the first rule that shows it (NA: none), each rule tried in this
    order. A person answered when: "disposition" (a reached disposition, by default ids 1-9),
    "transcript" (the transcription shows a dialogue: lines from two speakers, and no machine
    greeting), "duration" (no disposition at all, and the call lasted at least the definitions'
    conversation threshold, 60 s). A machine answered when: "voicemail" (the rep left a
    voicemail, disposition 11), "transcript" (greeting or beep text: "leave a message", "after
    the tone", ...), "short_no_answer" (disposition No Answer on an answered call and shorter
    at most 45 s). A call with evidence both ways is "conflicting" and counts as neither.

    Parameters
    ----------
    df : pandas.DataFrame
        The call log (`read_call_logs`). `transcription` is optional: without the column the
        transcript rules find nothing. It may also be a Polars DataFrame or LazyFrame, a DuckDB
        relation or a pyarrow.Table: the columns the rules read are then collected from it.
    definitions : Definitions, optional
        Which dispositions are reached and voicemails, and the conversation threshold; None
        (default) is the vendor's (`VENDOR`).

    Returns
    -------
    pandas.DataFrame
        One row per call, indexed like `df`: `person` and `machine` (categoricals of the rule
        names above, NA when no rule holds or the call is conflicting) and `conflicting`
        (boolean).

    Raises
    ------
    MissingColumnError
        `df` lacks `duration`, `outcome` or a column the flags read.

    See Also
    --------
    amd_audit : The error rates this evidence bounds.
    machine_detection : Machine rates and the audit per group.

    Examples
    --------
    >>> import dialstats as ds
    >>> df = ds.read_call_logs(demo=True, max_records=2000)
    >>> ds.amd_evidence(df)["person"].value_counts()
    person
    disposition    306
    transcript       3
    duration         1
    Name: count, dtype: int64
    """
    frame = _frames.wrap(df)
    if frame is not None:
        df = _engine_tables.call_columns(frame, READS, "amd_evidence")
    check_frame(df, "amd_evidence")
    check_columns(df, {"duration": "number", "outcome": "text"}, "amd_evidence")
    names = ["answered", "voicemails", "reached"]
    flags = _flags.compute(df, names, "amd_evidence", definitions)
    person, machine = _evidence(df, flags, definitions)
    both = (person >= 0) & (machine >= 0)
    return pd.DataFrame(
        {
            "person": _labels(np.where(both, -1, person), PERSON_RULES),
            "machine": _labels(np.where(both, -1, machine), MACHINE_RULES),
            "conflicting": pd.array(both, dtype="boolean"),
        },
        index=df.index,
    )


def amd_audit(
    df: pd.DataFrame,
    by: str | Sequence[str] | None = None,
    *,
    confidence: float = 0.95,
    definitions: Definitions | None = None,
) -> pd.DataFrame:
    """The answering-machine detector's error rates, as lower bounds, tidy: one per group and rate.

    Positive = "a machine answered". Rates (`rate` column): `false_positive_rate` (P(labelled
    machine | a person answered)), `false_negative_rate` (P(labelled human | a machine
    answered)), `false_discovery_rate` (share of machine labels that were people),
    `false_omission_rate` (share of human labels that were machines), then for AMD's `fax` and
    `unknown` answers `<answer>_person_share` and `<answer>_machine_share` (share with evidence of
    each). Rules: see `amd_evidence`; definitions in docs/metrics.md.

    Parameters
    ----------
    df : pandas.DataFrame
        The call log (`read_call_logs`). It may also be a Polars DataFrame or LazyFrame, a DuckDB
        relation or a pyarrow.Table: the distinct rows of the columns the rules read are then
        counted in that engine.
    by : str or sequence of str, optional
        The columns to group by; None (default) is one group of every call.
    confidence : float, default 0.95
        The level of the Wilson intervals.
    definitions : Definitions, optional
        Which dispositions are reached and voicemails; None (default) is the vendor's
        (`VENDOR`).

    Returns
    -------
    pandas.DataFrame
        One row per group and rate: the `by` columns, `rate` (ordered as above), `numerator`,
        `denominator`, `value`, `value_low`, `value_high` (Wilson), `bound` ("lower" for the
        error rates: the truth is at least this; "lower" too for the shares), `evidence` (how
        many numerator calls each rule caught, e.g. "disposition 41, transcript 3").

    Raises
    ------
    InvalidParameterError
        `confidence` is not in (0, 1).
    MissingColumnError
        `df` lacks `duration` or a column the flags read.

    See Also
    --------
    amd_evidence : Per call, the evidence of who answered.
    machine_detection : The same bounds as columns, per group.

    Examples
    --------
    >>> import dialstats as ds
    >>> df = ds.read_call_logs(demo=True, max_records=2000)
    >>> audit = ds.amd_audit(df)
    >>> audit[["rate", "numerator", "denominator", "value"]].head(4).round(3)
                       rate  numerator  denominator  value
    0   false_positive_rate         21          358  0.059
    1   false_negative_rate          8          365  0.022
    2  false_discovery_rate         21          378  0.056
    3   false_omission_rate          8          345  0.023
    >>> audit["evidence"][1]
    'voicemail 6, short_no_answer 2'
    """
    frame, weights = _frames.wrap(df), None
    if frame is not None:
        check_confidence(confidence)  # before reading the frame
        df, weights = _engine_tables.call_rows(frame, by, READS, "amd_audit")
    check_frame(df, "amd_audit")
    keys = {name: df[name] for name in group_keys(df, by, "amd_audit")}
    confidence = check_confidence(confidence)
    check_columns(df, {"duration": "number"}, "amd_audit")
    flags = _flags.compute(
        df, ["human", "machine", "answered", "voicemails", "reached"], "amd_audit", definitions
    )
    person, machine = _evidence(df, flags, definitions)
    both = (person >= 0) & (machine >= 0)
    person, machine = np.where(both, -1, person), np.where(both, -1, machine)
    # AMD's answers are exclusive, and so are each call's first person and machine rules: one
    # code per call (answer x person rule x machine rule) counted per group in one pass.
    label = _answer_codes(df, flags)
    width = len(PERSON_RULES) + 1, len(MACHINE_RULES) + 1
    code = (label * width[0] + person + 1) * width[1] + machine + 1
    counts, cells = _tally(weights)(
        df.index, keys, {}, code, (len(ANSWERS) + 1) * width[0] * width[1]
    )
    cells = cells.reshape(len(cells), len(ANSWERS) + 1, *width)
    position = {name: i for i, name in enumerate(ANSWERS)}
    key_names = list(keys)
    for name in ("machine", "human", FAX, UNKNOWN):
        counts[name] = cells[:, position[name]].sum(axis=(1, 2))

    def caught(label: str, kind: str) -> tuple[np.ndarray, str]:
        rules = PERSON_RULES if kind == "person" else MACHINE_RULES
        block = cells[:, position[label]]
        # Per rule (rows) and group (columns); slot 0 of each axis is "no rule".
        parts = (block.sum(axis=2) if kind == "person" else block.sum(axis=1))[:, 1:].T
        text = [
            ", ".join(f"{rule} {n}" for rule, n in zip(rules, column, strict=True) if n) or "none"
            for column in parts.T
        ]
        return parts.sum(axis=0), text

    fp, fp_evidence = caught("machine", "person")
    fn, fn_evidence = caught("human", "machine")
    machines, humans = counts["machine"].to_numpy(np.int64), counts["human"].to_numpy(np.int64)
    rows = [
        ("false_positive_rate", fp, fp + humans - fn, fp_evidence),
        ("false_negative_rate", fn, fn + machines - fp, fn_evidence),
        ("false_discovery_rate", fp, machines, fp_evidence),
        ("false_omission_rate", fn, humans, fn_evidence),
    ]
    for label in (FAX, UNKNOWN):
        total = counts[label].to_numpy(np.int64)
        for kind in ("person", "machine"):
            hits, text = caught(label, kind)
            rows.append((f"{label}_{kind}_share", hits, total, text))
    parts = []
    for name, numerator, denominator, text in rows:
        part = counts[key_names].copy()
        part["rate"] = name
        part["numerator"] = numerator
        part["denominator"] = denominator
        part["bound"] = "lower"
        part["evidence"] = pd.array(text, dtype="string")
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    order = pd.CategoricalDtype([name for name, *_ in rows])
    out["rate"] = out["rate"].astype(order)
    out = out.sort_values(
        [*key_names, "rate"], kind="stable", na_position="last", ignore_index=True
    )
    value, low, high = rate_columns(out["numerator"], out["denominator"], confidence)
    out["value"], out["value_low"], out["value_high"] = value, low, high
    out.attrs["confidence"] = confidence
    columns_out = [
        *key_names,
        "rate",
        "numerator",
        "denominator",
        "value",
        "value_low",
        "value_high",
    ]
    return out[[*columns_out, "bound", "evidence"]]


def _tally(weights: np.ndarray | None):
    """`_groups.tally`, or its weighted form for the distinct rows of an engine's calls."""
    if weights is None:
        return _groups.tally
    return partial(_engine_tables.tally, weights=weights)


def _evidence(
    df: pd.DataFrame, flags: dict[str, np.ndarray], definitions: Definitions | None
) -> tuple[np.ndarray, np.ndarray]:
    """Per call, the index of the first person rule and machine rule that hold (-1: none)."""
    person_rules, machine_rules = _rules(df, flags, definitions)
    return _first_rule(person_rules), _first_rule(machine_rules)


def _rules(
    df: pd.DataFrame, flags: dict[str, np.ndarray], definitions: Definitions | None
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per person rule and per machine rule (in their order), whether each call meets it."""
    seconds = df["duration"].to_numpy(dtype=float, na_value=np.nan)
    no_disposition = df["disposition_id"].isna().to_numpy()
    if "disposition_name" in df.columns:
        no_disposition = no_disposition & df["disposition_name"].isna().to_numpy()
    no_answer = df["disposition_id"].eq(NO_ANSWER_ID).to_numpy(dtype=bool, na_value=False)
    if "disposition_name" in df.columns:
        named = df["disposition_name"].eq(NO_ANSWER_NAME).to_numpy(dtype=bool, na_value=False)
        no_answer = no_answer | named
    greeting, dialogue = _transcripts(df, flags["answered"])
    long = seconds >= check_definitions(definitions).conversation_seconds
    person_rules = [flags["reached"], dialogue & ~greeting, no_disposition & long]
    machine_rules = [
        flags["voicemails"],
        greeting,
        flags["answered"] & no_answer & (seconds <= SHORT_SECONDS),
    ]
    return person_rules, machine_rules


@keyword_only("normalize")
def machine_detection_matrix(
    df: pd.DataFrame, *, normalize: bool | str = False, answered_only: bool = True
) -> pd.DataFrame:
    """Answered calls counted by who answered (rows) x disposition category (columns).

    Parameters
    ----------
    df : pandas.DataFrame
        The call log (`read_call_logs`). It may also be a Polars DataFrame or LazyFrame, a DuckDB
        relation or a pyarrow.Table: the calls are then counted in that engine.
    normalize : bool or {"all", "index", "columns"}, default False
        As in `pd.crosstab`: False (counts), True or "all" (share of all), "index" (share of
        each row), "columns" (share of each column).
    answered_only : bool, default True
        Count only answered calls; False keeps unanswered calls too.

    Returns
    -------
    pandas.DataFrame
        Indexed by `answered_by`: `human` and `machine_start`, then the other answered_by values
        the counted calls carry, each its own row (Twilio's `machine_end_beep`,
        `machine_end_silence`, `machine_end_other`, `fax`, `unknown`, in that order, then any
        other value), then `missing` when some call lacks one. Columns (`disposition_category`):
        the five disposition categories, and `unknown` when some call lacks one. Counts (int64),
        or shares (Float64, NA for an empty row or column) with `normalize`.

    Raises
    ------
    InvalidParameterError
        `normalize` is none of the values above.
    MissingColumnError
        `df` lacks `outcome`, `answered_by` or `disposition_category`.

    See Also
    --------
    machine_detection : Machine rates and the AMD audit per group.

    Examples
    --------
    >>> import dialstats as ds
    >>> df = ds.read_call_logs(demo=True, max_records=2000)
    >>> matrix = ds.machine_detection_matrix(df)
    >>> matrix.columns.tolist()
    ['positive', 'negative', 'neutral', 'not_answered', 'cancelled', 'unknown']
    >>> matrix.loc["human"].tolist()
    [159, 114, 27, 39, 0, 6]
    >>> ds.machine_detection_matrix(df, normalize="index").loc["human"].round(2).tolist()
    [0.46, 0.33, 0.08, 0.11, 0.0, 0.02]
    """
    frame, weights = _frames.wrap(df), None
    if frame is not None:
        check_choice("normalize", normalize, [False, True, "all", "index", "columns"])
        reads = ["outcome", "answered_by", "disposition_category"]
        df, weights = _engine_tables.call_rows(frame, None, reads, "machine_detection_matrix")
    check_frame(df, "machine_detection_matrix")
    check_choice("normalize", normalize, [False, True, "all", "index", "columns"])
    kinds = dict.fromkeys(["outcome", "answered_by", "disposition_category"], "text")
    check_columns(df, kinds, "machine_detection_matrix")
    answerers = _answerers(df["answered_by"])
    rows = _codes(df["answered_by"], answerers)
    columns = _codes(df["disposition_category"], DISPOSITION_CATEGORIES)
    if answered_only:
        answered = _flags.compute(df, ["answered"], "machine_detection_matrix")["answered"]
        rows, columns = rows[answered], columns[answered]
        weights = None if weights is None else weights[answered]
    width = len(DISPOSITION_CATEGORIES) + 1
    size = (len(answerers) + 1) * width
    cells = np.bincount(rows * width + columns, weights=weights, minlength=size)
    cells = cells if weights is None else np.rint(cells).astype(np.int64)
    counts = pd.DataFrame(
        cells.reshape(-1, width),
        index=pd.Index([*answerers, MISSING], name="answered_by"),
        columns=pd.Index([*DISPOSITION_CATEGORIES, NO_CATEGORY], name="disposition_category"),
    )
    # human and machine_start always (a fixed shape); other values and missing ones only when
    # some counted call has them.
    shown = [name for name in [*answerers, MISSING] if name in ALWAYS or counts.loc[name].any()]
    counts = counts.loc[
        shown,
        [*DISPOSITION_CATEGORIES, *([NO_CATEGORY] if counts[NO_CATEGORY].any() else [])],
    ]
    if normalize is False:
        return counts
    shares = counts.astype(float)
    if normalize in (True, "all"):
        shares = shares / (shares.to_numpy().sum() or np.nan)
    elif normalize == "index":
        shares = shares.div(shares.sum(axis=1).replace(0, np.nan), axis=0)
    else:
        shares = shares.div(shares.sum(axis=0).replace(0, np.nan), axis=1)
    return shares.astype("Float64")


def _transcripts(df: pd.DataFrame, answered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per call, whether its transcription has machine greeting text, and shows a dialogue."""
    greeting = np.zeros(len(df), dtype=bool)
    dialogue = np.zeros(len(df), dtype=bool)
    if "transcription" not in df.columns:
        return greeting, dialogue
    text = df["transcription"]
    # Only answered calls with some text are read: a small share of a call log.
    rows = np.flatnonzero(answered & text.notna().to_numpy() & text.ne("").to_numpy(na_value=False))
    for row, value in zip(rows, text.take(rows).astype(str), strict=True):
        greeting[row] = GREETING.search(value) is not None
        dialogue[row] = DIALOGUE.search(value) is not None
    return greeting, dialogue


def _answer_codes(df: pd.DataFrame, flags: dict[str, np.ndarray]) -> np.ndarray:
    """Per call, the position of AMD's answer in ANSWERS; len(ANSWERS) for none of them."""
    values = df["answered_by"]
    if isinstance(values.dtype, pd.CategoricalDtype):
        # One answer per category (the rules of `_flags`), then a lookup per call.
        names = values.cat.categories.astype(str)
        table = np.full(len(names) + 1, len(ANSWERS), dtype=np.int16)
        table[:-1][np.asarray(names.str.startswith(MACHINE_PREFIX), dtype=bool)] = 1
        for i, name in ((0, "human"), (2, FAX), (3, UNKNOWN)):
            table[:-1][np.asarray(names == name, dtype=bool)] = i
        return table[values.cat.codes.to_numpy()]
    answers = [flags["human"], flags["machine"], *(_answered_by_is(df, a) for a in (FAX, UNKNOWN))]
    codes = _first_rule(answers).astype(np.int16)
    codes[codes < 0] = len(ANSWERS)
    return codes


def _first_rule(rules: list[np.ndarray]) -> np.ndarray:
    """Per call, the index of the first rule that holds; -1 when none does."""
    # The rules as bits of one small integer per call, then a lookup of its lowest set bit:
    # whole-array arithmetic instead of one masked assignment per rule.
    bits = np.zeros(len(rules[0]), dtype=np.uint8)
    for code, rule in enumerate(rules):
        bits |= np.asarray(rule, dtype=bool).view(np.uint8) << np.uint8(code)
    first = np.full(2 ** len(rules), -1, dtype=np.int8)
    for pattern in range(1, len(first)):
        first[pattern] = (pattern & -pattern).bit_length() - 1
    return first[bits]


def _labels(codes: np.ndarray, names: Sequence[str]) -> pd.Categorical:
    return pd.Categorical.from_codes(codes, categories=list(names))


def _answered_by_is(df: pd.DataFrame, value: str) -> np.ndarray:
    return df["answered_by"].eq(value).to_numpy(dtype=bool, na_value=False)


def _answerers(values: pd.Series) -> list[str]:
    """Twilio's answered_by values, then any other value in `values`, sorted."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        seen = values.cat.categories.astype(str)
    else:
        seen = values.dropna().astype(str).unique()
    return [*ANSWERED_BY, *sorted(set(seen) - set(ANSWERED_BY))]


def _codes(values: pd.Series, known: Sequence[str]) -> np.ndarray:
    """Position of each value in `known`; len(known) for a missing or unexpected value."""
    codes = values.astype(pd.CategoricalDtype(list(known))).cat.codes.to_numpy(dtype=np.int64)
    return np.where(codes < 0, len(known), codes)
