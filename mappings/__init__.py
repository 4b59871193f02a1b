"""Declarative status mapping tables, shipped inside the package as `statebridge.mappings`.

One YAML file per platform family. They are data, not code: read them with
`statebridge.mapping.load_table(name)`, which validates each file against the JSON Schema in
`statebridge/mapping/table.schema.json` and checks it for consistency.
"""
