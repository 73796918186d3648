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

Coordinates in the SVG are written to a tenth of a point (a tenth of a pixel at the reports'
old 100 dpi): finer than any screen or printer shows, smaller files, and no more precision about
the values drawn than the picture needs.

The one-pass layout that makes room for the labels is ``charts.render``.
"""

from __future__ import annotations

import functools
import io
import re
import string
from typing import Any

import matplotlib
from matplotlib.backends.backend_svg import RendererSVG
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont, get_font
from matplotlib.ft2font import LoadFlags
from matplotlib.text import Text

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


class ChartRenderer(RendererSVG):
    """The SVG renderer with text measured from the process-wide glyph tables."""

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
        return _round_numbers(super()._convert_path(path, transform, clip, simplify, sketch))


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


_NUMBER = re.compile(r"-?\d+\.\d\d+")
#: A text's content (between two tags) holding a number ``_NUMBER`` would round.
_TEXT_NUMBER = re.compile(r"(?<=>)[^<>]*\d\.\d\d[^<]*")


def _round_numbers(text: str) -> str:
    """Every decimal number in ``text`` to one decimal place (``12.3456`` -> ``12.3``)."""
    return _NUMBER.sub(lambda m: f"{float(m.group()):.1f}", text)


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
    with matplotlib.rc_context(SVG_RC):  # type: ignore[arg-type]
        figure.dpi = POINTS
        figure.set_facecolor("white")
        try:
            renderer = _renderer(figure, out)
            figure.draw(renderer)
            renderer.finalize()
        finally:
            figure.dpi = dpi
            figure.set_facecolor(facecolor)
    document = out.getvalue()
    document = document[document.index("<svg") :]
    # Numbers are rounded in the tags only, never in a text's content (a label's "2.66"). No
    # number runs across a tag's edge, so the stretches between the contents holding one are
    # each rounded in one pass: the same numbers as tag by tag.
    pieces, start = [], 0
    for content in _TEXT_NUMBER.finditer(document):
        pieces += [_round_numbers(document[start : content.start()]), content.group()]
        start = content.end()
    pieces.append(_round_numbers(document[start:]))
    return "".join(pieces)


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
