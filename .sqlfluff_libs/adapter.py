"""Stand-in for dbt's `adapter` object under sqlfluff."""


def quote(identifier):
    return '"' + identifier + '"'
