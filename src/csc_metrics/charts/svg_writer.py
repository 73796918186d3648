"""Charts written as SVG, text kept as text and measured from a process-wide glyph table.

Why SVG: matplotlib (3.11) measures every string with FreeType glyph by glyph (about 45
microseconds a character, cached only for the life of one renderer) and rasterises text on an
Agg canvas glyph by glyph in Python. A chart drawn as SVG with ``svg.fonttype: none`` writes each
label as one ``<text>`` element that the browser draws, so no text is rasterised, nothing is
PNG-encoded, the picture stays sharp at any zoom and in the printed PDF, and the text in a chart
can be selected and found.

What keeps the writing cheap:

- Text is measured from a table of each glyph's advance and ink box, kept for the whole process
  (``text_extent``): the same width, height and descent FreeType gives for the string, except
  that kerning is not applied, which can only make a string measure a little wider.
- Each text is laid out (its lines, their sizes and offsets) once for what it depends on, not at
  each measuring and drawing (``_remembered_layout``).
- ``ChartRenderer`` writes the same bytes as matplotlib's SVG writer followed by the rounding
  of the tags' numbers, with less work per element: numbers rounded as they are written (so the
  pass over the finished document only checks), style strings, a text's CSS and clip ids
  worked out once for what they depend on, markers and texts written in one piece by a leaner
  XML writer (``_Writer``), a text's place on the canvas worked out once (``_text_draw``) and a
  curved marker's box once for the process (``_remembered_extents``). All of it only under the
  matplotlib versions it was checked on (``WRITER_CHECKED_FOR``; tests compare the bytes with
  matplotlib's own writer).

Coordinates in the SVG are written to a tenth of a point (a tenth of a pixel at the reports'
old 100 dpi): finer than any screen or printer shows, smaller files, and no more precision about
the values drawn than the picture needs.

The one-pass layout that makes room for the labels is ``charts.render``.
"""

from __future__ import annotations

import functools
import io
import logging
import re
import string
from collections.abc import Iterable
from typing import Any

import matplotlib
import matplotlib.font_manager as fm
import numpy as np
from matplotlib.backends.backend_svg import (
    RendererSVG,
    _escape_cdata,
    _escape_comment,
    _generate_css,
    _generate_transform,
    _quote_escape_attrib,
)
from matplotlib.colors import to_hex, to_rgba
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont, get_font
from matplotlib.ft2font import LoadFlags
from matplotlib.path import Path
from matplotlib.text import Text
from matplotlib.transforms import Affine2D, Affine2DBase, Bbox

#: Points per inch: SVG user units are points, so the figure is drawn at 72 dpi.
POINTS = 72.0
#: SVG output settings: text stays text; ids do not change from run to run.
SVG_RC: dict[str, Any] = {"svg.fonttype": "none", "svg.hashsalt": "csc-metrics", "svg.id": None}

#: No date, creator, format or type in the SVG: the same figure gives the same bytes.
NO_METADATA: dict[str, None] = {"Date": None, "Creator": None, "Format": None, "Type": None}

_Glyph = tuple[float, float, float, float, float]  # advance, ink x0, x1, y0, y1 (points)


@functools.cache
def _glyphs(font_path: str, size: float) -> dict[str, _Glyph]:
    """The glyph table of one font at one size, filled as characters are met."""
    return {}


def _glyph(font_path: str, size: float, character: str) -> _Glyph:
    table = _glyphs(font_path, size)
    found = table.get(character)
    if found is None:
        font = get_font(font_path)
        font.set_size(size, POINTS)
        glyph = font.load_char(ord(character), flags=LoadFlags.NO_HINTING)
        x0, y0, x1, y1 = (v / 64 for v in glyph.bbox)
        found = table[character] = (glyph.linearHoriAdvance / 65536, x0, x1, y0, y1)
    return found


@functools.lru_cache(maxsize=50_000)
def text_extent(text: str, font_path: str, size: float) -> tuple[float, float, float]:
    """Width, height and descent (points) of one line of text, as FreeType measures it.

    The box runs from the pen's start (or the first glyph's ink, if that starts further left)
    to the pen's end (or the last glyph's ink, if that reaches further right); height and
    descent are those of the ink. Kerning is left out, so a string never measures narrower
    than it draws.

    Args:
        text: One line of plain text.
        font_path: The font file.
        size: Font size in points.

    Returns:
        ``(width, height, descent)`` in points.
    """
    if not text:
        return 0.0, 0.0, 0.0
    # Wrapping a text measures each run of its first words, one word longer each time: a
    # string that extends the one measured last goes on from where that one ended, with the
    # same sums in the same order (so the same result as measuring it from its start).
    last_text, last_font, state = _last_measured
    if last_font == (font_path, size) and text.startswith(last_text):
        start, (pen, left, right, low, high) = len(last_text), state
    else:
        start, (pen, left, right, low, high) = 0, (0.0, 0.0, 0.0, 0.0, 0.0)
    for character in text[start:]:
        advance, x0, x1, y0, y1 = _glyph(font_path, size, character)
        if x1 > x0:
            left, right = min(left, pen + x0), max(right, pen + x1)
        low, high = min(low, y0), max(high, y1)
        pen += advance
    _last_measured[:] = [text, (font_path, size), (pen, left, right, low, high)]
    return max(right, pen) - left, high - low, -low


#: The string ``text_extent`` measured last, its font and size, and where its measuring ended:
#: the pen's place and the ink's left, right, bottom and top.
_last_measured: list[Any] = ["", ("", 0.0), (0.0, 0.0, 0.0, 0.0, 0.0)]


def _font_key(prop: FontProperties) -> tuple:
    return (
        tuple(prop.get_family()),
        prop.get_style(),
        prop.get_variant(),
        prop.get_weight(),
        prop.get_stretch(),
        prop.get_file(),
    )


@functools.lru_cache(maxsize=256)
def _font_path(key: tuple) -> str:
    family, style, variant, weight, stretch, file = key
    if file:
        return str(file)
    return str(
        findfont(
            FontProperties(
                family=list(family), style=style, variant=variant, weight=weight, stretch=stretch
            )
        )
    )


@functools.lru_cache(maxsize=256)
def _height_metrics(font_path: str, size: float) -> tuple[float, float, float]:
    """Ascent, descent and line gap (points) of a font, as ``Text`` reads them from its tables."""
    font = get_font(font_path)
    head = font.get_sfnt_table("head")
    os2, hhea = font.get_sfnt_table("OS/2"), font.get_sfnt_table("hhea")
    if head is not None:
        scale = size / head["unitsPerEm"]
        if os2 is not None:
            return (
                os2["sTypoAscender"] * scale,
                -os2["sTypoDescender"] * scale,
                os2["sTypoLineGap"] * scale,
            )
        if hhea is not None:
            return hhea["ascent"] * scale, -hhea["descent"] * scale, hhea["lineGap"] * scale
    _, height, low = text_extent("lp", font_path, size)
    return height - low, low, 0.0


#: The matplotlib versions whose SVG writer (``backend_svg.RendererSVG``, ``_XMLWriter``)
#: ``ChartRenderer`` writes the same bytes as, more cheaply (tests compare the two). Under any
#: other version the charts are written by matplotlib's own writer: slower, never different.
WRITER_CHECKED_FOR = {(3, 11)}
#: The generic font families whose font lists (rcParams ``font.<family>``) a text's CSS names.
_GENERIC_FAMILIES = ("serif", "sans-serif", "cursive", "fantasy", "monospace")
#: Style strings (``_get_style``) and texts' CSS by what they are worked out from.
_STYLES: dict[tuple, str] = {}
_TEXT_STYLES: dict[tuple, str] = {}
#: Numbers as written (``_rounded``) by value, and decimals rounded (``_round_numbers``).
_ROUNDED_VALUES: dict[float, str] = {}
_ROUNDED_DECIMALS: dict[str, str] = {}
_ROUNDED_WORDS: dict[str, str] = {}
#: More entries than this in one of the tables above and it starts again.
_MEMO_MAX = 100_000
_INDENT = " " * 64  # matplotlib's _XMLWriter indents by one space a level, to 64 at most
_ANCHORS = {"left": "start", "right": "end", "center": "middle"}


def _attribute(name: str, value: str | None) -> str:
    """`` name="value"`` as matplotlib's XML writer writes it; nothing for an empty value."""
    return f" {name}={_quote_escape_attrib(value)}" if value else ""


def _rounded(value: float) -> str:
    """A number as matplotlib writes it (``%f``, trailing zeros cut), then rounded to a tenth.

    The same as ``_round_numbers`` on matplotlib's string: ``12.3456`` -> ``12.3``, ``12.04`` ->
    ``12.0``, ``12.5`` and ``12`` as they are, ``-0.04`` -> ``-0.0``.
    """
    if value != value or value == 0:  # NaN, and 0.0 / -0.0 (equal as keys, written apart)
        return _round_numbers(f"{value:f}".rstrip("0").rstrip("."))
    found = _ROUNDED_VALUES.get(value)
    if found is None:
        if len(_ROUNDED_VALUES) >= _MEMO_MAX:
            _ROUNDED_VALUES.clear()
        found = _ROUNDED_VALUES[value] = _round_numbers(f"{value:f}".rstrip("0").rstrip("."))
    return found


#: matplotlib's ``Affine2D().scale(1.0, -1.0)``, turning a marker upside down (its zeros signed
#: as matplotlib's are).
_UPSIDE_DOWN = Affine2D().scale(1.0, -1.0).get_matrix().copy()


def _matrix_after(matrix: np.ndarray, transform: Any) -> np.ndarray:
    """The matrix of ``transform`` followed by ``matrix``.

    Multiplied as matplotlib's ``CompositeAffine2D`` multiplies them for the path converter
    (``transform + Affine2D(matrix)``), so the converter gets the same numbers.
    """
    return np.dot(matrix, transform.get_matrix())


def _style_key(gc: Any, rgb_face: Any) -> tuple:
    """What ``RendererSVG._get_style_dict`` reads from a graphics context without a hatch."""
    offset, dashes = gc.get_dashes()
    return (
        None if rgb_face is None else tuple(rgb_face),
        gc.get_forced_alpha(),
        gc.get_alpha(),
        offset,
        None if dashes is None else tuple(dashes),
        gc.get_linewidth(),
        tuple(gc.get_rgb()),
        gc.get_joinstyle(),
        gc.get_capstyle(),
    )


def _font_family_names(prop: FontProperties) -> list[str]:
    """The font names a text's CSS lists, as matplotlib's ``_draw_text_as_text`` expands them."""

    def normalized(name: str) -> str:
        return "sans-serif" if name in ["sans", "sans serif"] else name

    def expanded(entry: str) -> Iterable[str]:
        entry = normalized(entry)
        if entry in fm.font_family_aliases:
            for name in fm.FontManager._expand_aliases(entry):  # type: ignore[attr-defined]
                yield normalized(name)
        yield entry

    return [
        name if name in fm.font_family_aliases else repr(name)
        for entry in prop.get_family()
        for name in expanded(entry)
    ]


def _text_css(prop: FontProperties, rgb: Any, alpha: float, ha: str | None) -> str:
    """A plain text's CSS as matplotlib's ``_draw_text_as_text`` writes it (before rounding).

    ``ha`` is the text's horizontal alignment when it is written anchored, else None.
    """
    font_style: dict[str, str] = {}
    color_style: dict[str, str] = {}
    color = to_hex(rgb)
    if color != "#000000":
        color_style["fill"] = color
    if alpha != 1:
        color_style["opacity"] = _short_float(alpha)
    if prop.get_style() != "normal":
        font_style["font-style"] = prop.get_style()
    if prop.get_variant() != "normal":
        font_style["font-variant"] = prop.get_variant()
    weight: Any = prop.get_weight()
    weight = fm.weight_dict.get(weight, weight)
    if weight != 400:
        font_style["font-weight"] = f"{weight}"
    font_style["font-size"] = f"{_short_float(prop.get_size())}px"
    font_style["font-family"] = ", ".join(dict.fromkeys(_font_family_names(prop)))
    if prop.get_stretch() != "normal":
        font_style["font-stretch"] = str(prop.get_stretch())
    if ha is not None:
        font_style["text-anchor"] = _ANCHORS[ha]
    return _generate_css({**font_style, **color_style})


def _short_float(value: float) -> str:
    return f"{value:f}".rstrip("0").rstrip(".")


def _segment_ends(cleaned: Path) -> list[list[float]]:
    """The last vertex of each segment of a cleaned path, as ``Path.iter_segments`` gives them."""
    codes, vertices = np.asarray(cleaned.codes).tolist(), np.asarray(cleaned.vertices).tolist()
    counts = Path.NUM_VERTICES_FOR_CODE
    ends, at = [], 0
    while at < len(codes):
        code = codes[at]
        if code == Path.STOP:
            break
        at += counts[code]
        ends.append(vertices[at - 1])
    return ends


class _Writer:
    """matplotlib's ``backend_svg._XMLWriter``, the same bytes with less work per element.

    Tags and attribute names are matplotlib's own (no character to escape in them); values and
    texts are escaped as matplotlib escapes them. ``leaf``, ``leaf_with_text`` and ``leaves``
    write whole elements built by the caller.
    """

    def __init__(self, write: Any, tags: list[str]) -> None:
        self._write = write
        self._tags = tags
        self._open = False  # a start tag is open (its ">" not yet written)
        self._data: list[str] = []

    @classmethod
    def taking_over(cls, writer: Any, write: Any) -> _Writer:
        """A writer that goes on where matplotlib's ``writer`` (nothing pending) stands."""
        state = vars(writer)
        if state["_XMLWriter__open"] or state["_XMLWriter__data"]:
            raise ValueError("the writer to take over has a start tag or text pending")
        return cls(write, list(state["_XMLWriter__tags"]))

    def _flush(self, indent: bool = True) -> None:
        if self._open:
            self._write(">\n" if indent else ">")
            self._open = False
        if self._data:
            self._write(_escape_cdata("".join(self._data)))
            self._data = []

    def start(self, tag: str, attrib: dict[str, str] | None = None, **extra: str) -> int:
        """Open an element (``_XMLWriter.start``); its id for ``close``."""
        if self._open or self._data:
            self._flush()
        tags = self._tags
        tags.append(tag)
        text = _INDENT[: len(tags) - 1] + "<" + tag
        for name, value in ({**attrib, **extra} if attrib else extra).items():
            if value:
                text += f" {name}={_quote_escape_attrib(value)}"
        self._write(text)
        self._open = True
        return len(tags) - 1

    def start_with(self, tag: str, attributes: str) -> None:
        """Open an element with its attributes written (each `` name="value"``)."""
        if self._open or self._data:
            self._flush()
        tags = self._tags
        tags.append(tag)
        self._write(f"{_INDENT[: len(tags) - 1]}<{tag}{attributes}")
        self._open = True

    def data(self, text: str) -> None:
        """Text inside the open element."""
        self._data.append(text)

    def comment(self, comment: str) -> None:
        """A comment (``_XMLWriter.comment``)."""
        self._flush()
        self._write(_INDENT[: len(self._tags)])
        self._write(f"<!-- {_escape_comment(comment)} -->\n")

    def end(self, tag: str | None = None, indent: bool = True) -> None:
        """Close the element opened last (``_XMLWriter.end``)."""
        tag = self._tags.pop()
        if self._data:
            self._flush(indent)
        elif self._open:
            self._open = False
            self._write("/>\n")
            return
        if indent:
            self._write(_INDENT[: len(self._tags)])
        self._write(f"</{tag}>\n")

    def close(self, id: int) -> None:
        """Close the open elements down to (and including) the one ``start`` numbered ``id``."""
        while len(self._tags) > id:
            self.end()

    def element(
        self, tag: str, text: str | None = None, attrib: dict[str, str] | None = None, **extra: str
    ) -> None:
        """A whole element (``_XMLWriter.element``)."""
        self.start(tag, attrib, **extra)
        if text:
            self.data(text)
        self.end(indent=False)

    def flush(self) -> None:
        """Nothing: the writer writes straight to its file."""

    def leaf(self, tag: str, attributes: str) -> None:
        """An empty element with its attributes written (each `` name="value"``)."""
        if self._open or self._data:
            self._flush()
        self._write(f"{_INDENT[: len(self._tags)]}<{tag}{attributes}/>\n")

    def leaf_with_text(self, tag: str, attributes: str, text: str) -> None:
        """An element holding only ``text`` (as ``element(tag, text, ...)`` writes it)."""
        if not text:
            self.leaf(tag, attributes)
            return
        if self._open or self._data:
            self._flush()
        self._write(
            f"{_INDENT[: len(self._tags)]}<{tag}{attributes}>{_escape_cdata(text)}</{tag}>\n"
        )

    def leaves(self, lines: list[str]) -> None:
        """Whole elements, each a line ending in a newline, at the current depth."""
        if not lines:
            return
        if self._open or self._data:
            self._flush()
        indent = _INDENT[: len(self._tags)]
        self._write(indent + indent.join(lines))


class ChartRenderer(RendererSVG):
    """The SVG renderer with text measured from the process-wide glyph tables, written cheaply.

    Under the matplotlib versions in ``WRITER_CHECKED_FOR`` (``_fast``), the SVG is written
    with the same bytes as matplotlib's ``RendererSVG`` followed by the rounding of every
    number in a tag to a tenth (``_round_numbers``), but with less work per element: numbers
    are rounded as they are written, style strings and hex colours are worked out once for
    what they depend on, markers and texts are written without matplotlib's per-element
    dictionaries and transforms, and the XML is written by a leaner writer (``_Writer``).
    Anything else (hatches, mathtext, images) is left to matplotlib. Tests compare the bytes
    with matplotlib's own writer (``_fast`` off).
    """

    #: Whether the cheaper writing is used (the installed matplotlib is one it was checked on).
    _fast: bool = tuple(matplotlib.__version_info__[:2]) in WRITER_CHECKED_FOR

    def __init__(self, width, height, svgwriter, basename=None, image_dpi=72, *, metadata=None):
        super().__init__(
            width, height, svgwriter, basename=basename, image_dpi=image_dpi, metadata=metadata
        )
        # matplotlib's flip of y (its ``_make_flip_transform``), made once for the renderer.
        self._flip = Affine2D().scale(1, -1).translate(0, self.height)
        self._clips_met: dict[bytes, dict[str, str]] = {}
        #: The text being drawn by ``_text_draw`` and its position on the canvas.
        self._anchor: tuple[Text, float, float] | None = None
        if self._fast:
            self.writer: Any = _Writer.taking_over(self.writer, svgwriter.write)
            # The font-family lists the generic families expand to (rcParams), as they are
            # while this renderer draws.
            self._font_families = tuple(
                tuple(matplotlib.rcParams[f"font.{name}"])  # type: ignore[index]
                for name in _GENERIC_FAMILIES
            )

    def get_text_width_height_descent(self, s, prop, ismath):
        """Width, height and descent of ``s`` in points (``text_extent``).

        Always as plain text: the charts turn mathtext off (``style.py``), but matplotlib's
        wrapping asks with ``ismath`` set for any string with two dollar signs.
        """
        return text_extent(s, _font_path(_font_key(prop)), prop.get_size_in_points())

    def _get_font_height_metrics(self, prop):
        # Read by Text._get_layout (matplotlib's hook for backends) for the line spacing.
        return _height_metrics(_font_path(_font_key(prop)), prop.get_size_in_points())

    def _convert_path(self, path, transform=None, clip=None, simplify=None, sketch=None):
        data = super()._convert_path(path, transform, clip, simplify, sketch)
        return _round_path_data(data) if self._fast else _round_numbers(data)

    def open_group(self, s, gid=None):
        """As matplotlib opens an artist's group (``<g id="line2d_3">``), in one write."""
        if not self._fast or gid:
            return super().open_group(s, gid)
        count = self._groupd[s] = self._groupd.get(s, 0) + 1
        self.writer.start_with("g", _attribute("id", f"{s}_{count:d}"))

    def _make_flip_transform(self, transform):
        return transform + self._flip

    def _flipped(self, transform: Any) -> Any:
        """``transform`` then the flip, as a matrix for the path converter if it is affine.

        The same matrix as ``_make_flip_transform(transform)`` gives the converter (matplotlib
        multiplies the two the same way), without making a transform object.
        """
        if isinstance(transform, Affine2DBase):
            return _matrix_after(self._flip.get_matrix(), transform)
        return transform + self._flip

    def _get_clip_attrs(self, gc):
        # matplotlib's, remembered for each clip rectangle's corners (as its bounds and the
        # clip's id follow from them) once this renderer has met it.
        if not self._fast or gc.get_clip_path()[0] is not None:
            return super()._get_clip_attrs(gc)
        rectangle = gc.get_clip_rectangle()
        if rectangle is None:
            return {}
        key = rectangle.get_points().tobytes()
        found = self._clips_met.get(key)
        if found is None:
            found = self._clips_met[key] = super()._get_clip_attrs(gc)
        return found

    def _get_style(self, gc, rgb_face):
        if not self._fast or gc.get_hatch() is not None:
            return super()._get_style(gc, rgb_face)
        key = _style_key(gc, rgb_face)
        found = _STYLES.get(key)
        if found is None:
            if len(_STYLES) >= _MEMO_MAX:
                _STYLES.clear()
            found = _STYLES[key] = _round_numbers(
                _generate_css(super()._get_style_dict(gc, rgb_face))
            )
        return found

    def draw_path(self, gc, path, transform, rgb_face=None):
        """As matplotlib draws a path, its numbers rounded as written (``_fast``)."""
        if not self._fast or gc.get_url() is not None:
            return super().draw_path(gc, path, transform, rgb_face)
        clip = rgb_face is None and gc.get_hatch_path() is None
        path_data = self._convert_path(
            path,
            self._flipped(transform),
            clip=clip,
            simplify=path.should_simplify and clip,
            sketch=gc.get_sketch_params(),
        )
        clip_path = self._get_clip_attrs(gc).get("clip-path")
        style = self._get_style(gc, rgb_face)
        self.writer.leaf(
            "path",
            _attribute("d", path_data)
            + _attribute("clip-path", clip_path)
            + _attribute("style", style),
        )

    def draw_markers(self, gc, marker_path, marker_trans, path, trans, rgb_face=None):
        """As matplotlib draws markers, with each ``<use>`` written in one piece (``_fast``)."""
        if not self._fast or gc.get_url() is not None or gc.get_hatch() is not None:
            return super().draw_markers(gc, marker_path, marker_trans, path, trans, rgb_face)
        if not len(path.vertices):
            return
        writer = self.writer
        path_data = self._convert_path(
            marker_path, _matrix_after(_UPSIDE_DOWN, marker_trans), simplify=False
        )
        style_dict = self._get_style_dict(gc, rgb_face)
        style = _generate_css(style_dict)
        dictkey = (path_data, style)
        oid = self._markers.get(dictkey)
        if oid is None:
            oid = self._make_id("m", dictkey)
            stroke = _generate_css({k: v for k, v in style_dict.items() if k.startswith("stroke")})
            writer.start("defs")
            writer.element("path", id=oid, d=path_data, style=_round_numbers(stroke))
            writer.end("defs")
            self._markers[dictkey] = oid
        writer.start("g", **self._get_clip_attrs(gc))
        cleaned = path.cleaned(
            transform=self._make_flip_transform(trans),
            remove_nans=True,
            clip=(0, 0, self.width * 72, self.height * 72),
            simplify=False,
            curves=True,
        )
        head = "<use" + _attribute("xlink:href", f"#{oid}") + ' x="'
        tail = '"' + _attribute("style", _round_numbers(style)) + "/>\n"
        lines = [f'{head}{_rounded(x)}" y="{_rounded(y)}{tail}' for x, y in _segment_ends(cleaned)]
        writer.leaves(lines)
        writer.end("g")

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        """As matplotlib writes a plain text as ``<text>`` (``_fast``), styles worked out once."""
        if (
            not self._fast
            or ismath is not False
            or gc.get_url() is not None
            or matplotlib.rcParams["svg.fonttype"] != "none"
        ):
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        writer = self.writer
        clip_attrs = self._get_clip_attrs(gc)
        if clip_attrs:
            # (As matplotlib: a text with a transform cannot take the clip path itself.)
            writer.start("g", **clip_attrs)
        rgb = gc.get_rgb()
        alpha = gc.get_alpha() if gc.get_forced_alpha() else rgb[3]
        if mtext and (angle == 0 or mtext.get_rotation_mode() == "anchor"):
            anchor = self._anchor
            if anchor is not None and anchor[0] is mtext:
                ax, ay = anchor[1], anchor[2]  # where _text_draw has just placed it
            else:
                ax, ay = mtext.get_transform().transform(mtext.get_unitless_position())
            ay = self.height - ay
            if angle == 0:
                # matplotlib's vertical offset along (sin 0, cos 0) = (0, 1), exactly.
                v_offset = 0.0 * (x - ax) + 1.0 * (y - ay)
                ax, ay = ax + v_offset * 0.0, ay + v_offset * 1.0
            else:
                angle_rad = np.deg2rad(angle)
                dir_vert = np.array([np.sin(angle_rad), np.cos(angle_rad)])
                v_offset = np.dot(dir_vert, [(x - ax), (y - ay)])
                ax = ax + v_offset * dir_vert[0]
                ay = ay + v_offset * dir_vert[1]
            style = self._text_style(prop, rgb, alpha, mtext.get_ha())
            x_text, y_text = _rounded(ax), _rounded(ay)
            attributes = (
                _attribute("style", style)
                + f' x="{x_text}" y="{y_text}"'
                + f' transform="rotate({_rounded(-angle)} {x_text} {y_text})"'
            )
        else:
            style = self._text_style(prop, rgb, alpha, None)
            transform = _round_numbers(
                _generate_transform([("translate", (x, y)), ("rotate", (-angle,))])
            )
            attributes = _attribute("style", style) + _attribute("transform", transform)
        writer.leaf_with_text("text", attributes, s)
        if clip_attrs:
            writer.end("g")

    def _text_style(self, prop, rgb, alpha, ha):
        """The CSS of a ``<text>``, as matplotlib's ``_draw_text_as_text`` writes it."""
        key = (
            tuple(prop.get_family()),
            prop.get_style(),
            prop.get_variant(),
            prop.get_weight(),
            prop.get_size(),
            prop.get_stretch(),
            self._font_families,
            tuple(rgb),
            alpha,
            ha,
        )
        found = _TEXT_STYLES.get(key)
        if found is None:
            if len(_TEXT_STYLES) >= _MEMO_MAX:
                _TEXT_STYLES.clear()
            found = _TEXT_STYLES[key] = _round_numbers(_text_css(prop, rgb, alpha, ha))
        return found

    def _write_clips(self):
        # matplotlib's, then rounded: a rectangle's corner and size to a tenth of a point.
        if not self._fast:
            return super()._write_clips()
        if not len(self._clipd):
            return
        writer = self.writer
        writer.start("defs")
        for clip, oid in self._clipd.values():
            writer.start("clipPath", id=oid)
            if len(clip) == 2:
                clippath, clippath_trans = clip
                writer.element(
                    "path", d=self._convert_path(clippath, clippath_trans, simplify=False)
                )
            else:
                x, y, w, h = clip
                writer.element(
                    "rect", x=_rounded(x), y=_rounded(y), width=_rounded(w), height=_rounded(h)
                )
            writer.end("clipPath")
        writer.end("defs")


#: Each text's layout (``Text._get_layout``: its lines, their sizes and offsets) as measured
#: on a ``ChartRenderer``, by what it is worked out from (``_layout_key``).
_LAYOUTS: dict[tuple, Any] = {}
#: More layouts than this and the table starts again (a national run's hundreds of teams).
_LAYOUTS_MAX = 50_000
_matplotlib_layout = Text._get_layout  # type: ignore[attr-defined]


def _layout_key(text: Text) -> tuple:
    """What a text's layout is worked out from, on a ``ChartRenderer`` (whose metrics are fixed).

    The string, or for a wrapped text the string and the width it wraps in (the line breaks
    follow from them), the font, the rotation, the alignments, the line spacing and the dpi.
    """
    wraps = text.get_wrap()
    # (Asked first: working out the wrapping width sets a wrapped text's rotation mode.)
    wrap_width = text._get_wrap_line_width() if wraps else None  # type: ignore[attr-defined]
    prop = text.get_fontproperties()
    figure = text.get_figure(root=True)
    return (
        text.get_text(),
        wrap_width,
        _font_key(prop),
        prop.get_size_in_points(),
        text.get_rotation(),
        text.get_rotation_mode(),
        text.get_horizontalalignment(),
        text.get_verticalalignment(),
        text._get_multialignment(),  # type: ignore[attr-defined]
        text.get_linespacing(),
        text.get_usetex(),
        figure.dpi if figure is not None else None,
    )


def _remembered_layout(text: Text, renderer: Any) -> Any:
    """``Text._get_layout``, worked out once for each ``_layout_key`` on a ``ChartRenderer``.

    Matplotlib lays a text out again each time it is measured or drawn: a chart's labels are
    measured three or four times (its ticks fixed, its axes fitted, then drawn), and the same
    tick labels, axis labels and legend entries recur from chart to chart. On a
    ``ChartRenderer`` a layout depends only on the key, so it is worked out once for the
    process; another renderer (a PNG's) is left to matplotlib. The layout is only read by its
    callers (``get_window_extent``, ``draw``, a legend's ``TextArea``), never changed.
    """
    if not isinstance(renderer, ChartRenderer):
        return _matplotlib_layout(text, renderer)
    key = _layout_key(text)
    found = _LAYOUTS.get(key)
    if found is None:
        if len(_LAYOUTS) >= _LAYOUTS_MAX:
            _LAYOUTS.clear()
        found = _LAYOUTS[key] = _matplotlib_layout(text, renderer)
    return found


#: The matplotlib versions whose private ``Text._get_layout`` is known to work out a layout from
#: ``_layout_key``'s inputs alone (tests compare the kept layouts with matplotlib's own). Under
#: any other version texts are laid out by matplotlib as usual: slower, never different.
LAYOUT_KEPT_FOR = {(3, 10), (3, 11)}
if tuple(matplotlib.__version_info__[:2]) in LAYOUT_KEPT_FOR:
    Text._get_layout = _remembered_layout  # type: ignore[attr-defined]


#: The box around each curved path under each affine transform (``Path.get_extents``), by
#: the path's vertices and codes and the transform's matrix.
_EXTENTS: dict[tuple, np.ndarray] = {}
_EXTENTS_MAX = 10_000  # (a key holds the path's vertices: a circle's are about 400 bytes)
_matplotlib_extents = Path.get_extents


def _remembered_extents(path: Path, transform: Any = None, **kwargs: Any) -> Bbox:
    """``Path.get_extents``, worked out once for each curved path and affine transform.

    A scatter's markers (a circle is eight Bézier curves) are measured each time the scatter is
    drawn, to decide whether the markers can be drawn as one shape repeated: about a
    millisecond, in Python, for a circle. The same marker recurs in chart after chart, so its
    box is kept by what it is worked out from (the vertices, codes and matrix, compared
    byte for byte). Paths without curves, other transforms and extra arguments go to
    matplotlib as usual. The box returned is a new one each time.
    """
    codes: Any = path.codes
    if (
        kwargs
        or codes is None
        or not (transform is None or isinstance(transform, Affine2DBase))
        or not np.isin(codes, (Path.CURVE3, Path.CURVE4)).any()
    ):
        return _matplotlib_extents(path, transform, **kwargs)
    vertices: Any = path.vertices
    key = (
        vertices.shape,
        vertices.tobytes(),
        codes.tobytes(),
        None if transform is None else transform.get_matrix().tobytes(),
    )
    found = _EXTENTS.get(key)
    if found is None:
        if len(_EXTENTS) >= _EXTENTS_MAX:
            _EXTENTS.clear()
        found = _EXTENTS[key] = _matplotlib_extents(path, transform).get_points().copy()
    return Bbox(found.copy())


_matplotlib_text_draw = Text.draw


def _text_draw(text: Text, renderer: Any) -> None:
    """``Text.draw`` (matplotlib 3.11), handing a ``ChartRenderer`` the text's place.

    The same steps as matplotlib's, but the position on the canvas worked out here is handed
    to the renderer (``_anchor``), which would otherwise work it out again for each single-line
    text it writes anchored. A text with a box, path effects, TeX or a link, and any other
    renderer, go to matplotlib's ``Text.draw``.
    """
    if (
        not isinstance(renderer, ChartRenderer)
        or not renderer._fast
        or text._bbox_patch  # type: ignore[attr-defined]
        or text.get_path_effects()
        or text.get_usetex()
        or text.get_url() is not None
    ):
        return _matplotlib_text_draw(text, renderer)
    text._renderer = renderer  # type: ignore[attr-defined]
    if not text.get_visible() or text.get_text() == "":
        return None
    renderer.open_group("text", text.get_gid())
    _, info, _ = text._get_layout(renderer)  # type: ignore[attr-defined]
    trans = text.get_transform()
    x, y = text._x, text._y  # type: ignore[attr-defined]
    if np.ma.is_masked(x):
        x = np.nan
    if np.ma.is_masked(y):
        y = np.nan
    posx, posy = trans.transform((float(text.convert_xunits(x)), float(text.convert_yunits(y))))
    if not np.isfinite(posx) or not np.isfinite(posy):
        # matplotlib leaves the group open here too (and warns of an infinite place).
        return _matplotlib_text_draw_nowhere(text, posx, posy)
    _, canvas_height = renderer.get_canvas_width_height()
    gc = renderer.new_gc()
    gc.set_foreground(to_rgba(text.get_color()), isRGBA=True)
    gc.set_alpha(text.get_alpha())  # type: ignore[arg-type]
    gc.set_url(text._url)  # type: ignore[attr-defined]
    gc.set_antialiased(text._antialiased)  # type: ignore[attr-defined]
    gc.set_snap(text.get_snap())
    text._set_gc_clip(gc)  # type: ignore[attr-defined]
    angle = text.get_rotation()
    mtext = text if len(info) == 1 else None
    renderer._anchor = (text, posx, posy)
    try:
        for line, _, (line_x, line_y) in info:
            line_x, line_y = line_x + posx, line_y + posy
            if renderer.flipy():
                line_y = canvas_height - line_y
            clean_line, ismath = text._preprocess_math(line)  # type: ignore[attr-defined]
            renderer.draw_text(
                gc, line_x, line_y, clean_line, text._fontproperties, angle,  # type: ignore[attr-defined]
                ismath=ismath, mtext=mtext,
            )  # fmt: skip
    finally:
        renderer._anchor = None
    gc.restore()
    renderer.close_group("text")
    text.stale = False
    return None


def _matplotlib_text_draw_nowhere(text: Text, posx: float, posy: float) -> None:
    if not np.isnan(posx) and not np.isnan(posy):
        logging.getLogger("matplotlib.text").warning("posx and posy should be finite values")


if tuple(matplotlib.__version_info__[:2]) in WRITER_CHECKED_FOR:
    Path.get_extents = _remembered_extents  # type: ignore[method-assign, assignment]
    Text.draw = _text_draw  # type: ignore[method-assign, assignment]


_NUMBER = re.compile(r"-?\d+\.\d\d+")
_NUMBERS = re.compile(r"(-?\d+\.\d\d+)")
#: A text's content (between two tags) holding a number ``_NUMBER`` would round.
_TEXT_NUMBER = re.compile(r"(?<=>)[^<>]*\d\.\d\d[^<]*")
#: Where a number with two decimals or more may be: found faster than ``_NUMBER`` (its pattern
#: starts with a character to look for).
_DECIMALS = re.compile(r"\.\d\d")


def _round_numbers(text: str) -> str:
    """Every decimal number in ``text`` to one decimal place (``12.3456`` -> ``12.3``)."""
    pieces = _NUMBERS.split(text)
    if len(pieces) == 1:
        return text
    rounded = _ROUNDED_DECIMALS
    numbers = pieces[1::2]
    if len(rounded) >= _MEMO_MAX:
        rounded.clear()
    for number in numbers:
        if number not in rounded:
            rounded[number] = f"{float(number):.1f}"
    pieces[1::2] = [rounded[number] for number in numbers]
    return "".join(pieces)


def _round_path_data(data: str) -> str:
    """``_round_numbers`` of a path's data as matplotlib writes it, a word at a time.

    The words of ``"M 12.3456 7 L ..."`` (split at spaces: numbers and path codes) are
    each rounded once for the process; no number runs across a space, so the words rounded
    and joined again are the data rounded.
    """
    words = data.split(" ")
    rounded = _ROUNDED_WORDS
    try:
        return " ".join([rounded[word] for word in words])
    except KeyError:
        if len(rounded) >= _MEMO_MAX:
            rounded.clear()
        for word in words:
            if word not in rounded:
                rounded[word] = _round_numbers(word)
        return " ".join([rounded[word] for word in words])


def _round_tags(document: str) -> str:
    """Every number in ``document``'s tags to a tenth, a text's content as it is.

    Numbers are rounded in the tags only, never in a text's content (a label's "2.66"). The
    ``ChartRenderer`` rounds its numbers as it writes them, except in the ``<svg>`` tag on the
    first line (the figure's size), so usually only a text's content holds a number with two
    decimals after that line: then only the first line is rounded. Otherwise (a number written
    by matplotlib's own code) every tag is. No number runs across a tag's edge, so the
    stretches between the contents holding one are each rounded in one pass: the same numbers
    as tag by tag.
    """
    first, newline, rest = document.partition("\n")
    for found in _DECIMALS.finditer(rest):
        at = found.start()
        if at and rest[at - 1].isdigit() and rest.rfind(">", 0, at) < rest.rfind("<", 0, at):
            break  # a number in a tag
    else:
        if "<" not in first[1:] and ">" not in first[:-1]:  # the first line is one tag
            return _round_numbers(first) + newline + rest
    pieces, start = [], 0
    for content in _TEXT_NUMBER.finditer(document):
        pieces += [_round_numbers(document[start : content.start()]), content.group()]
        start = content.end()
    pieces.append(_round_numbers(document[start:]))
    return "".join(pieces)


def _renderer(figure: Figure, out: io.StringIO) -> ChartRenderer:
    # No MixedModeRenderer: no chart has a rasterised artist.
    width, height = figure.get_size_inches() * POINTS
    return ChartRenderer(width, height, out, image_dpi=POINTS, metadata=NO_METADATA)


def figure_svg(figure: Figure) -> str:
    """The figure as an SVG document, text as text, numbers in tags to a tenth of a point.

    The figure is drawn on white and keeps its own facecolor and dpi. No metadata is written
    (no date, no creator), so the same figure gives the same bytes; the document starts at its
    ``<svg>`` element (no XML declaration or DOCTYPE, which an embedded image does not need).
    """
    dpi, facecolor = figure.dpi, figure.get_facecolor()
    out = io.StringIO()
    # As matplotlib.rc_context(SVG_RC), without copying every setting.
    params: dict[str, Any] = matplotlib.rcParams  # type: ignore[assignment]
    saved = {name: dict.__getitem__(params, name) for name in SVG_RC}
    params.update(SVG_RC)
    try:
        figure.dpi = POINTS
        figure.set_facecolor("white")
        try:
            renderer = _renderer(figure, out)
            figure.draw(renderer)
            renderer.finalize()
        finally:
            figure.dpi = dpi
            figure.set_facecolor(facecolor)
    finally:
        dict.update(params, saved)
    document = out.getvalue()
    return _round_tags(document[document.index("<svg") :])


def measuring_renderer(figure: Figure) -> ChartRenderer:
    """A renderer for measuring the figure's texts (at 72 dpi: boxes come out in points)."""
    return _renderer(figure, io.StringIO())


#: The characters the reports write, measured ahead by ``warm_up``.
_COMMON_CHARACTERS = string.ascii_letters + string.digits + string.punctuation + " £±×–—’"
#: The fonts the charts use: (size in points, bold).
_CHART_FONTS = (
    (8.0, False),
    (8.5, False),
    (9.0, False),
    (10.0, False),
    (11.0, False),
    (13.0, True),
)


def warm_up() -> None:
    """Measure the common characters in the chart fonts now, once for every report.

    The run's kernel server calls this before it forks the report kernels (``views.preload``),
    so each kernel starts with the glyph tables filled.
    """
    for size, bold in _CHART_FONTS:
        prop = FontProperties(size=size, weight="bold" if bold else "normal")
        path = _font_path(_font_key(prop))
        for character in _COMMON_CHARACTERS:
            _glyph(path, size, character)
        _height_metrics(path, size)
