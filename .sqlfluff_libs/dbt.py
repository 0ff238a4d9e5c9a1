"""Stand-ins for dbt's cross-database macros (the `dbt.` namespace) under sqlfluff."""


def type_string():
    return "varchar"


def type_timestamp():
    return "timestamp"


def type_int():
    return "integer"


def type_boolean():
    return "boolean"


def type_bigint():
    return "bigint"


def date_trunc(datepart, date):
    return f"date_trunc('{datepart}', {date})"


def dateadd(datepart, interval, from_date_or_timestamp):
    return f"{from_date_or_timestamp} + interval ({interval}) {datepart}"


def concat(fields):
    return "concat(" + ", ".join(fields) + ")"


def listagg(measure, delimiter_text="','", order_by_clause=None, limit_num=None):
    return f"string_agg({measure}, {delimiter_text})"


def datediff(first_date, second_date, datepart):
    return f"date_diff('{datepart}', {first_date}, {second_date})"


def type_boolean():
    return "boolean"
