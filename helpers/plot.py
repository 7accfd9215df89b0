"""The course's figure style and the plotting helpers its chapters share (first used in Chapter 1,
notebook 01; every figure after it uses them).

* :func:`use_book_style` sets one consistent matplotlib style: the Okabe-Ito palette (distinguishable
  with the common forms of colour blindness), large enough type for the website, light grids.
* :func:`log_log_axes` puts both axes on log scales with plain-number tick labels (``2k``, ``0.05``)
  rather than bare powers of ten, which are hard to read over one or two decades, and thins them out
  over wider ranges; in the same call it sets the axis labels and the title.
* :func:`plot_power_law` draws a fitted law as a line with its equation in the legend.

A typical figure cell::

    fig, ax = new_figure()
    ax.plot(n, error, "o")
    plot_power_law(ax, law, (n[0], n[-1]), x_name="n", y_name="error")
    log_log_axes(ax, xlabel="training images $n$", ylabel="test error", title="A learning curve")
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from html import escape

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from IPython.display import HTML
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from helpers.fit import PowerLaw

# Okabe & Ito (2008), "Color Universal Design": eight colours safe for colour-blind readers (Chapter 1,
# notebook 01, and every figure after it).
OKABE_ITO: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#E69F00",  # orange
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)

BOOK_STYLE: dict[str, object] = {
    "axes.prop_cycle": mpl.cycler(color=OKABE_ITO),
    "figure.figsize": (6.4, 4.2),
    "figure.dpi": 150,  # sharp on high-density screens; the page scales figures to its column
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "legend.fontsize": 10,
    "legend.frameon": False,
    "axes.grid": True,
    "axes.grid.which": "both",
    "grid.alpha": 0.25,
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "lines.linewidth": 2.0,
    "lines.markersize": 6,
}


def use_book_style() -> None:
    """Apply the course's matplotlib style to every figure drawn after this call (Chapter 1, notebook 01;
    :func:`new_figure` calls it)."""
    mpl.rcParams.update(BOOK_STYLE)


def compact_number(value: float, _position: object = None) -> str:
    """Format a tick value briefly: ``2000 -> '2k'``, ``1.5e6 -> '1.5M'``, ``0.05 -> '0.05'``.

    The tick labels of :func:`log_log_axes` (Chapter 1, notebook 01, and every log-log figure after it).
    """
    if value == 0:
        return "0"
    for threshold, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= threshold:
            return f"{value / threshold:g}{suffix}"
    return f"{value:.3g}"


def log_log_axes(
    ax: Axes,
    *,
    xlabel: str | None = None,
    ylabel: str | None = None,
    title: str | None = None,
    label_subs: Sequence[float] | None = None,
) -> Axes:
    """Log scales on both axes, with plain-number tick labels, and the labels and title in one call.

    Chapter 1, notebook 01 explains why scaling laws are drawn on log-log axes (a power law is a straight
    line there); the book's figures of scaling laws are finished with this call.

    Call it after plotting. Ticks are labelled at 1, 2 and 5 times each power of ten when an axis spans
    up to three decades, and at powers of ten alone beyond that, so that labels never collide;
    ``label_subs`` overrides the choice for both axes. ``xlabel``, ``ylabel`` and ``title`` are set
    when given; an omitted one leaves the axes' current text as it is. Returns ``ax``.
    """
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    ax.set_xscale("log")
    ax.set_yscale("log")
    for axis, limits in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
        decades = np.log10(max(limits) / min(limits)) if min(limits) > 0 else np.inf
        subs = (
            label_subs
            if label_subs is not None
            else ((1.0, 2.0, 5.0) if decades <= 3 else (1.0,))
        )
        axis.set_major_locator(LogLocator(base=10, subs=tuple(subs)))
        axis.set_major_formatter(FuncFormatter(compact_number))
        axis.set_minor_locator(LogLocator(base=10, subs=tuple(np.arange(1, 10))))
        axis.set_minor_formatter(NullFormatter())
    return ax


def plot_power_law(
    ax: Axes,
    law: PowerLaw,
    x_range: tuple[float, float],
    *,
    x_name: str = "x",
    y_name: str = "y",
    label: str | None = None,
    **line_kwargs: object,
) -> None:
    """Draw ``law`` over ``x_range`` (log-spaced), its equation in the legend (Chapter 1, notebook 01)."""
    low, high = x_range
    if not 0 < low < high:
        raise ValueError(
            f"x_range must satisfy 0 < low < high, got {x_range}; pass (smallest x, largest x) to draw, "
            f"both positive, e.g. (x[0], x[-1])"
        )
    x = np.geomspace(low, high, 200)
    equation = law.equation(x=x_name, y=y_name)
    ax.plot(
        x,
        law.predict(x),
        label=f"{label}: {equation}" if label else equation,
        **line_kwargs,
    )


def new_figure(**subplot_kwargs: object) -> tuple[plt.Figure, Axes]:
    """A new figure and axes in the book style: ``plt.subplots(**subplot_kwargs)`` after
    :func:`use_book_style` (Chapter 1, notebook 01, and every figure after it)."""
    use_book_style()
    return plt.subplots(**subplot_kwargs)


def figure_html(
    fig: plt.Figure, alt: str, caption: str | None = None, dpi: int = 150
) -> HTML:
    """``fig`` as a self-contained HTML figure (an embedded PNG with alt text, and a caption if given), to
    glue in a notebook and paste into a chapter page with the ``{glue}`` role: MyST-NB's ``glue:figure``
    cannot paste from another document (Preface, "How the code is organised")."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    image = base64.b64encode(buffer.getvalue()).decode("ascii")
    body = f'<img src="data:image/png;base64,{image}" alt="{escape(alt)}" style="max-width: 100%">'
    if caption:
        body += f"<figcaption><p>{escape(caption)}</p></figcaption>"
    return HTML(f'<figure class="align-default">{body}</figure>')
