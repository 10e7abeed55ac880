"""Records to a typed frame: the column schema, flattening and the derived columns."""
