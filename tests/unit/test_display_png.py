"""display.png_base64: one draw on an Agg canvas, the same pixels as savefig on white."""

from __future__ import annotations

import base64
import io

import numpy as np
from matplotlib.figure import Figure
from PIL import Image

from csc_metrics.display import png_base64


def a_figure(facecolor: str = "white") -> Figure:
    figure = Figure(figsize=(4.0, 3.0), dpi=100, layout="constrained", facecolor=facecolor)
    ax = figure.add_subplot()
    ax.plot([1, 2, 3], [3, 1, 2], marker="o", label="series")
    ax.set_ylabel("a long label that constrained layout makes room for")
    ax.legend(loc="best")
    figure.suptitle("Title")
    return figure


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def saved(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=figure.dpi, facecolor="white")
    return buffer.getvalue()


def test_the_pixels_are_those_savefig_draws_on_white():
    ours = base64.b64decode(png_base64(a_figure()))
    assert np.array_equal(pixels(ours), pixels(saved(a_figure())))


def test_a_transparent_figure_is_drawn_on_white_and_keeps_its_own_facecolor():
    figure = a_figure(facecolor="none")
    ours = pixels(base64.b64decode(png_base64(figure)))
    # The top-left corner is background: white (255, 255, 255), not transparent black.
    assert ours[0, 0].tolist() == [255, 255, 255]
    assert figure.get_facecolor() == (0.0, 0.0, 0.0, 0.0)


def test_the_figure_keeps_its_canvas():
    figure = a_figure()
    canvas = figure.canvas
    png_base64(figure)
    assert figure.canvas is canvas


def test_the_png_is_rgb_without_metadata():
    image = Image.open(io.BytesIO(base64.b64decode(png_base64(a_figure()))))
    assert image.mode == "RGB"
    assert image.info == {}
