"""Record lists served from values(): the same JSON the output serializers give, without building
a model instance and a serializer per row (a page of 50 grants: about 10 times less work)."""

import datetime
import uuid


def plain(value):
    """Return a value as DRF's fields would render it."""
    if isinstance(value, datetime.datetime):
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def plan(output_class):
    """Return (columns to read with values(), many-to-many fields) for an output serializer."""
    many = {f.name for f in output_class.Meta.model._meta.many_to_many}
    m2m = [f for f in output_class.Meta.fields if f in many]
    computed = set(getattr(output_class, "computed", ()))  # set from the row by output_class.finish
    columns = [f for f in output_class.Meta.fields if f not in m2m and f not in computed]
    return columns, m2m


def render(rows: list[dict], model, m2m: list[str]) -> list[dict]:
    """Render rows read with values(), adding many-to-many ids with one query per field."""
    ids = [row["id"] for row in rows]
    related = {}
    for name in m2m:
        field = model._meta.get_field(name)
        through = field.remote_field.through
        source = field.m2m_field_name() + "_id"
        target = field.m2m_reverse_field_name() + "_id"
        by_row = {i: [] for i in ids}
        for left, right in (
            through.objects.filter(**{f"{source}__in": ids}).order_by(target).values_list(source, target)
        ):
            by_row[left].append(right)
        related[name] = by_row
    out = []
    for row in rows:
        item = {key: plain(value) for key, value in row.items()}
        for name in m2m:
            item[name] = related[name][row["id"]]
        out.append(item)
    return out
