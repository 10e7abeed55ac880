"""Disposition names in `Definitions` meet the frame: a misspelling is refused, an absent name said."""

from __future__ import annotations

import warnings

import pytest

import dialstats as ds
from dialstats.errors import InvalidParameterError


@pytest.mark.parametrize("name", ["Not a Decision Makr", "not a decision maker"])
def test_a_misspelt_disposition_is_refused_with_the_name_it_meant(demo, name):
    with pytest.raises(InvalidParameterError, match="did you mean 'Not a Decision Maker'") as err:
        ds.answer_rates(demo, definitions=ds.Definitions(reached={name}))
    assert err.value.parameter == "definitions.reached"


@pytest.mark.parametrize(
    ("field", "analysis"),
    [("meetings", ds.disposition_funnel), ("voicemails", ds.machine_detection)],
)
def test_every_field_of_names_is_checked(demo, field, analysis):
    with pytest.raises(InvalidParameterError, match="'Left Voicemail'"):
        analysis(demo, definitions=ds.Definitions(**{field: {"left voicemal"}}))


def test_a_name_no_call_has_warns_at_the_callers_line(demo):
    with pytest.warns(UserWarning, match="'Board Meeting Booked'.*counts nothing") as caught:
        ds.disposition_funnel(demo, definitions=ds.Definitions(meetings={"Board Meeting Booked"}))
    assert caught[0].filename == __file__


def test_known_names_and_empty_frames_pass_quietly(demo):
    definitions = ds.Definitions(reached={"Not a Decision Maker"}, meetings={1, "Connected"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        counted = ds.answer_rates(demo, definitions=definitions)
        ds.answer_rates(demo.iloc[:0], definitions=ds.Definitions(reached={"Anything"}))
    vendor = ds.answer_rates(demo)
    assert counted["connected"].iloc[0] > vendor["connected"].iloc[0]
