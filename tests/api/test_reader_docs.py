"""The thin readers' docstrings are their Client methods' with the connection keywords: one
text for both, in the order of the reader's own signature."""

from __future__ import annotations

import inspect
import re

import pytest

import dialstats as ds
from dialstats.api import Client

READERS = [name for name in ds.__all__ if name.startswith("read_") and name != "read_call_logs"]


def parameters(doc: str) -> list[str]:
    section = doc.split("Parameters\n----------\n", 1)[1].split("\n\n", 1)[0]
    return [line.split(" :")[0] for line in section.splitlines() if re.match(r"\S", line)]


@pytest.mark.parametrize("name", READERS)
def test_a_reader_documents_its_signature_in_order(name):
    reader = getattr(ds, name)
    documented = [p.lstrip("*") for p in parameters(inspect.getdoc(reader))]
    assert documented == list(inspect.signature(reader).parameters)


@pytest.mark.parametrize("name", READERS)
def test_a_reader_says_what_its_method_says(name):
    method, reader = inspect.getdoc(getattr(Client, name)), inspect.getdoc(getattr(ds, name))
    returns = method.split("Returns\n-------\n", 1)[1].split("\n\n", 1)[0]
    assert method.splitlines()[0] == reader.splitlines()[0]
    assert returns in reader
    assert f"dialstats.Client.{name} : The same read on a client." in reader
    assert f"ds.{name}(" in reader.split("Examples\n--------\n", 1)[1]
