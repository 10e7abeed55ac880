"""The metric contract: every count and rate the analyses report, named once.

Counts are numbers of calls; a rate is a count over another count, with `<rate>_low` /
`<rate>_high` interval bounds. Every analysis, chart and report uses these names; the vendor's
report names (`total_calls`, `connected_calls`, `connection_rate`, `meetings_set`) appear only
where a vendor report is reproduced, and `Metric.vendor_name` maps them. What "a person was
reached", "a conversation" and "a meeting" mean is a `Definitions` (`_definitions`), the
vendor's (`VENDOR`) by default. docs/metrics.md is the same table in prose.

>>> metric("connect_rate").numerator, metric("connect_rate").denominator
('connected', 'dials')
>>> metric("connect_rate").vendor_name
'connection_rate'
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dialstats.analysis import _flags, _groups
from dialstats.analysis._definitions import Definitions, check_definitions
from dialstats.analysis._validate import check_frame, group_keys
from dialstats.errors import InvalidParameterError


@dataclass(frozen=True)
class Metric:
    """One count or rate of the metric contract: its names, chart label and meaning.

    A count has `denominator` None and `numerator` the count itself; a rate is numerator /
    denominator, both count names. `metric` looks entries up by name.

    Parameters
    ----------
    name : str
        The contract's name (``"connect_rate"``).
    numerator : str
        The count counted (a count's own name).
    denominator : str or None
        The count a rate is taken over; None for a count.
    label : str
        The words a chart shows for it.
    description : str
        What it counts, in words.
    vendor_name : str, optional
        The vendor report's name for it, if any (``"connection_rate"``).

    Attributes
    ----------
    is_rate : bool
        Whether it is a rate (it has a denominator).

    See Also
    --------
    metric : The entry for a name.

    Examples
    --------
    >>> metric("machine_rate").denominator
    'answered'
    >>> metric("machine_rate").is_rate, metric("meetings").is_rate
    (True, False)
    """

    name: str
    numerator: str
    denominator: str | None
    label: str
    description: str
    vendor_name: str | None = None

    @property
    def is_rate(self) -> bool:
        return self.denominator is not None


_CONTRACT = (
    Metric("dials", "dials", None, "Dials", "every call in the frame", "total_calls"),
    Metric("answered", "answered", None, "Answered", 'outcome is "answered"'),
    Metric("human", "human", None, "Answered by a person", 'answered_by is "human"'),
    Metric(
        "machine",
        "machine",
        None,
        "Answered by a machine",
        "answered_by is a machine value (answering-machine detection)",
    ),
    Metric(
        "connected",
        "connected",
        None,
        "Connected",
        "answered by a person and a reached disposition (vendor: disposition id < 10)",
        "connected_calls",
    ),
    Metric(
        "conversations",
        "conversations",
        None,
        "Conversations",
        "connected and (a meeting or duration >= the conversation threshold, 60 s)",
        "conversations",
    ),
    Metric(
        "meetings",
        "meetings",
        None,
        "Meetings set",
        "a meeting disposition (vendor: disposition id 1), whoever answered",
        "meetings_set",
    ),
    Metric("positive", "positive", None, "Positive outcome", 'disposition category "positive"'),
    Metric("voicemails", "voicemails", None, "Voicemails left", "a voicemail disposition (id 11)"),
    Metric("answer_rate", "answered", "dials", "Answer rate", "answered / dials"),
    Metric("human_rate", "human", "dials", "Person-answer rate", "human / dials"),
    Metric(
        "machine_rate", "machine", "answered", "Machine rate (of answered)", "machine / answered"
    ),
    Metric(
        "connect_rate", "connected", "dials", "Connect rate", "connected / dials", "connection_rate"
    ),
    Metric(
        "conversation_rate",
        "conversations",
        "dials",
        "Conversation rate",
        "conversations / dials",
        "conversation_rate",
    ),
    Metric("meeting_rate", "meetings", "dials", "Meeting rate", "meetings / dials", "meeting_rate"),
    Metric("positive_rate", "positive", "dials", "Positive rate", "positive / dials"),
    Metric("voicemail_rate", "voicemails", "dials", "Voicemail rate", "voicemails / dials"),
)
METRICS: Mapping[str, Metric] = {m.name: m for m in _CONTRACT}
COUNTS: tuple[str, ...] = tuple(m.name for m in _CONTRACT if not m.is_rate)
RATES: tuple[str, ...] = tuple(m.name for m in _CONTRACT if m.is_rate)
# Vendor report column -> contract name (rates keep the same name where the vendor's matches).
VENDOR_NAMES: Mapping[str, str] = {m.vendor_name: m.name for m in _CONTRACT if m.vendor_name}

# The words charts show for names: each count and rate by its contract label (a title's words,
# capitalised), the funnel's default stages, the machine-detection audit's rates, and the
# call-log columns results are grouped by, as they read after "by" (lower case: "Connect rate
# by rep"). `label` reads a name through it.
LABELS: Mapping[str, str] = {
    **{m.name: m.label for m in _CONTRACT},
    "connected_meetings": "Meetings (on connected calls)",
    "amd_suspected_false_positive_rate": "Machine, yet a person reached",
    "amd_suspected_false_negative_rate": "Person, yet voicemail left",
    "amd_false_positive_rate": "People labelled machine (of people)",
    "amd_false_negative_rate": "Machines labelled person (of machines)",
    "user_name": "rep",
    "user_id": "rep ID",
    "user_email": "rep email",
    "team_name": "team",
    "contact_list_name": "list",
    "contact_list_id": "list ID",
    "sequence_name": "sequence",
    "sequence_id": "sequence ID",
    "from": "caller ID",
    "from_e164": "caller ID",
    "from_number": "caller ID",
    "to": "number called",
    "to_e164": "number called",
    "disposition_name": "disposition",
    "disposition_id": "disposition ID",
    "disposition_category": "disposition category",
    "answered_by": "who answered",
    "contact_tz": "contact time zone",
    "contact_timezone": "contact time zone",
    "contact_company": "company",
    "contact_id": "contact",
    "contact_title": "contact job title",
    "local": "local caller ID",
}


def label(name: str) -> str:
    """The words a chart shows for a count, rate, stage or column name: its `LABELS` entry (a
    vendor name reads as the contract's), else the name with its underscores read as spaces.

    >>> label("user_name"), label("connected_meetings"), label("connection_rate")
    ('rep', 'Meetings (on connected calls)', 'Connect rate')
    >>> label("deal_size")
    'deal size'
    """
    name = str(name)
    if name in LABELS:
        return LABELS[name]
    if name in VENDOR_NAMES:
        return LABELS[VENDOR_NAMES[name]]
    return name.replace("_", " ")


def metric(name: str) -> Metric:
    """The contract's entry for a count or rate name.

    Parameters
    ----------
    name : str
        A count or rate of the contract (``"connect_rate"``); a vendor name
        (``"connection_rate"``) is accepted too.

    Returns
    -------
    Metric
        Its names, label and meaning.

    Raises
    ------
    InvalidParameterError
        An unknown name, with the closest valid one.

    See Also
    --------
    Metric : What an entry holds.

    Examples
    --------
    >>> metric("meetings_set").name
    'meetings'
    >>> spec = metric("connect_rate")
    >>> spec.numerator, spec.denominator, spec.vendor_name
    ('connected', 'dials', 'connection_rate')
    """
    if isinstance(name, str):
        if name in METRICS:
            return METRICS[name]
        if name in VENDOR_NAMES:
            return METRICS[VENDOR_NAMES[name]]
    close = difflib.get_close_matches(str(name), [*METRICS, *VENDOR_NAMES], n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise InvalidParameterError(
        "metric", f"unknown metric {name!r}: one of {', '.join(METRICS)}{hint}"
    )


def rates(names: Sequence[str]) -> dict[str, tuple[str, str]]:
    """rate name -> (numerator, denominator) for `with_rates`."""
    return {name: (METRICS[name].numerator, METRICS[name].denominator) for name in names}


def count_columns(
    df: pd.DataFrame, names: Sequence[str], function: str, definitions: Definitions
) -> dict[str, _groups.Column]:
    """The `aggregate` columns that count `names` (contract count names)."""
    for name in names:
        if name not in COUNTS:
            metric(name)  # the did-you-mean error for a misspelling
            raise InvalidParameterError(
                "names", f"{name!r} is a rate; grouped_counts takes counts: {', '.join(COUNTS)}"
            )
    flags = _flags.compute(df, [n for n in names if n != "dials"], function, definitions)
    return {
        name: (None, _groups.SIZE) if name == "dials" else (flags[name], _groups.SUM)
        for name in names
    }


def grouped_counts(
    df: pd.DataFrame,
    by: Sequence[str],
    names: Sequence[str],
    *,
    function: str,
    definitions: Definitions | None = None,
) -> pd.DataFrame:
    """Per group of `by` (column names; [] for one row), one int64 column per count in `names`.

    Group rows follow the analyses' rules (every category of a categorical key is a row; a
    missing key is a group of its own). `function` names the caller in error messages.

    >>> import dialstats as ds
    >>> df = ds.read_call_logs(demo=True)
    >>> grouped_counts(df, ["user_name"], ["dials", "meetings"], function="mine").head(3)
          user_name  dials  meetings
    0  Ethan Brooks   2876        18
    1    Hannah Kim   2095        20
    2  Jordan Reyes   2756        37
    """
    check_frame(df, function)
    definitions = check_definitions(definitions)
    keys = {name: df[name] for name in group_keys(df, list(by), function)}
    columns = count_columns(df, list(names), function, definitions)
    out = _groups.aggregate(df.index, keys, columns)
    for name in names:
        out[name] = out[name].astype(np.int64)
    return out
