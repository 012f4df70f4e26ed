"""The graphics of PPTX, DOCX and XLSX that keep their content in parts of their own, as text.

A chart, from the values its part caches: its title, then one tab-separated row per category
with a column per series:

    [chart: Sales by region]
    \t2024\t2025
    North\t10\t12

A SmartArt diagram, from its data model: the text of each of its nodes, a line per paragraph.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workers.errors import TaskError
from workers.formats.base import local, member, parse_xml

if TYPE_CHECKING:
    import zipfile

# Where a series keeps its categories (x values) and its values (y values), by chart type.
_CATEGORIES = ("cat", "xVal")
_VALUES = ("val", "yVal")
_MAX_POINTS = 10_000  # a cached point index beyond this is damage, not data


def graphic_part(zf: zipfile.ZipFile, name: str, limit: int, warnings: list[str]) -> list[str]:
    """The text of the chart or diagram part `name` of an OOXML zip; a missing or damaged part
    is a warning, not the document's failure."""
    try:
        data = member(zf, name, limit)
        if data is not None:
            return graphic_lines(parse_xml(data, name))
    except TaskError as exc:
        warnings.append(f"graphic {name}: {exc.message}")
        return []
    warnings.append(f"graphic part {name} is missing")
    return []


def graphic_lines(root: Any) -> list[str]:
    """The text of a chart part (`c:chartSpace`) or a diagram's data part (`dgm:dataModel`)."""
    return diagram_lines(root) if local(root.tag) == "dataModel" else chart_lines(root)


def diagram_lines(root: Any) -> list[str]:
    """The text of a SmartArt diagram's nodes, in the order its data model lists them; the
    points that only lay it out (transitions, presentation) hold no text of their own."""
    lines: list[str] = []
    for point in root.iter():
        if local(point.tag) != "pt" or point.get("type", "node") not in ("node", "asst", "doc"):
            continue
        body = _child(point, "t")
        for paragraph in body.iter() if body is not None else ():
            if local(paragraph.tag) == "p":
                text = "".join(e.text or "" for e in paragraph.iter() if local(e.tag) == "t")
                if text.strip():
                    lines.append(text.strip())
    return lines


def chart_lines(root: Any) -> list[str]:
    """The text of a chart part (`c:chartSpace`): a marked title line, a header of series names
    and one row per category. Works on ElementTree and lxml elements alike."""
    chart = _child(root, "chart")
    if chart is None:
        return []
    title = _text(_child(chart, "title"))
    plot = _child(chart, "plotArea")
    series = [
        element
        for group in (plot if plot is not None else ())
        for element in group
        if local(element.tag) == "ser"
    ]
    names = [_series_name(ser, number) for number, ser in enumerate(series, 1)]
    columns = [_points(_first(ser, _VALUES)) for ser in series]
    categories = next((found for ser in series if (found := _points(_first(ser, _CATEGORIES)))), {})
    if not title and len(series) == 1 and _child(chart, "autoTitleDeleted") is None:
        title = names[0]  # what PowerPoint and Word show over a chart of one series
    lines = [f"[chart: {title}]" if title else "[chart]"]
    if not series:
        return lines
    lines.append("\t".join(["", *names]))
    count = max((max(points, default=-1) + 1 for points in (categories, *columns)), default=0)
    for index in range(count):
        row = [categories.get(index, str(index + 1))]
        row.extend(points.get(index, "") for points in columns)
        lines.append("\t".join(row).rstrip())
    return lines


def _child(element: Any, name: str) -> Any:
    if element is None:
        return None
    return next((child for child in element if local(child.tag) == name), None)


def _first(element: Any, names: tuple[str, ...]) -> Any:
    return next((child for child in element if local(child.tag) in names), None)


def _text(element: Any) -> str:
    """The text under a title or series name: rich text runs, else its cached string."""
    if element is None:
        return ""
    runs = [e.text or "" for e in element.iter() if local(e.tag) == "t"]
    if runs:
        return " ".join("".join(runs).split())
    return " / ".join(value for value in _points(element).values() if value)


def _series_name(series: Any, number: int) -> str:
    name = _child(series, "tx")
    if name is not None:
        literal = _child(name, "v")  # a name typed in, not taken from a cell
        text = (literal.text or "").strip() if literal is not None else _text(name)
        if text:
            return text
    return f"Series {number}"


def _points(element: Any) -> dict[int, str]:
    """The cached points under `element` by index (c:pt idx= / c:v), levels of a multi-level
    category axis joined outer first."""
    if element is None:
        return {}
    levels: list[dict[int, str]] = []
    for cache in element.iter():
        if local(cache.tag) not in ("strCache", "numCache", "strLit", "numLit", "lvl"):
            continue
        points: dict[int, str] = {}
        for point in cache:
            index = point.get("idx", "")
            if local(point.tag) != "pt" or not index.isdecimal() or int(index) >= _MAX_POINTS:
                continue
            value = _child(point, "v")
            points[int(index)] = _number((value.text or "") if value is not None else "")
        levels.append(points)
    if len(levels) <= 1:
        return levels[0] if levels else {}
    # A multi-level axis lists its innermost level first.
    joined: dict[int, str] = {}
    for index in sorted(set().union(*levels)):
        joined[index] = " / ".join(level[index] for level in reversed(levels) if level.get(index))
    return joined


def _number(text: str) -> str:
    """A cached value as written, but 12.0 as 12 and binary-float noise such as
    0.30000000000000004 rounded to what Office shows (15 significant digits)."""
    text = text.strip()
    try:
        value = float(text)
    except ValueError:
        return text
    if value != value or value in (float("inf"), float("-inf")):
        return text
    shown = f"{value:.15g}"
    return shown if "e" not in shown else text
