"""The course's figure style and the plotting helpers its chapters share (first used in Chapter 1,
notebook 01; every figure after it uses them).

* :func:`use_book_style` sets one consistent matplotlib style: the Okabe-Ito palette (distinguishable
  with the common forms of colour blindness), large enough type for the website, light grids.
* :func:`log_log_axes` puts both axes on log scales with plain-number tick labels (``2k``, ``0.05``)
  rather than bare powers of ten, which are hard to read over one or two decades, and thins them out
  over wider ranges; in the same call it sets the axis labels and the title.
* :func:`plot_power_law` draws a fitted law as a line with its equation in the legend.
* :func:`plot_joint_law`, :func:`plot_forecast_distance` and :func:`plot_time_against_flops` draw the
  three figures Chapter 4 makes of every sweep (notebooks 04a-04c).

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
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from helpers.fit import PowerLaw
from helpers.forecast import JointTable, WindowForecast

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


def plot_joint_law(law: Any, table: JointTable, unit: str) -> plt.Figure:
    """Two panels (Chapter 4): the measured loss against distinct training units for each model size,
    with the law's curves, and the law's contours over the (N, D) plane with each configuration's
    residual ``law / measured - 1`` as a coloured dot."""
    fig, (slices, plane) = new_figure(nrows=2, figsize=(6.4, 9.0))
    model_sizes, data_sizes = np.unique(table.N), np.unique(table.D)
    span = np.geomspace(data_sizes[0] / 1.5, data_sizes[-1] * 2, 100)
    for color, n in zip(OKABE_ITO * 2, model_sizes):
        here = table.N == n
        slices.errorbar(
            table.D[here],
            table.L[here],
            yerr=table.L_std[here],
            fmt="o",
            color=color,
            markersize=4,
            label=f"N = {n:,.0f}",
        )
        slices.plot(span, law.predict(n, span), "-", color=color, linewidth=1)
    log_log_axes(
        slices,
        xlabel=f"distinct training {unit}s $D$",
        ylabel="early-stopped test loss (nats)",
        title="Measured (points, ±1 s.d. over seeds) and fitted (lines)",
    )
    slices.legend(fontsize=7, ncol=2)
    grid_N = np.geomspace(model_sizes[0] / 2, model_sizes[-1] * 2, 120)
    grid_D = np.geomspace(data_sizes[0] / 2, data_sizes[-1] * 2, 120)
    surface = law.predict(grid_N[None, :], grid_D[:, None])
    levels = np.unique(np.quantile(table.L, np.linspace(0.02, 0.98, 8)))
    contours = plane.contour(
        grid_N, grid_D, surface, levels=levels, colors="0.4", linewidths=0.8
    )
    plane.clabel(contours, fmt="%.2f", fontsize=7)
    residual = 100 * (law.predict(table.N, table.D) / table.L - 1)
    limit = max(1.0, float(np.max(np.abs(residual))))
    points = plane.scatter(
        table.N,
        table.D,
        c=residual,
        cmap="coolwarm",
        vmin=-limit,
        vmax=limit,
        s=40,
        edgecolors="k",
    )
    fig.colorbar(points, ax=plane, label="fit minus measured (%)")
    log_log_axes(
        plane,
        xlabel="parameters $N$",
        ylabel=f"distinct training {unit}s $D$",
        title="Fitted loss contours and each configuration's residual",
    )
    fig.tight_layout()
    return fig


def plot_forecast_distance(windows: Sequence[WindowForecast]) -> plt.Figure:
    """|Forecast error| (%) against extrapolation distance, one colour per fit window, with the
    course's 5% goal dotted (Chapter 4)."""
    fig, ax = new_figure(figsize=(6.4, 4.2))
    for color, window in zip(OKABE_ITO, windows):
        ax.scatter(
            window.distance,
            100 * np.abs(window.relative_error),
            color=color,
            s=18,
            label=f"fitted on the {window.k} smallest of each axis",
        )
    ax.axhline(5, color="0.5", linestyle=":", linewidth=1)
    ax.set_yscale("log")
    ax.set_xlabel("extrapolation distance (decades beyond the fit window)")
    ax.set_ylabel("|forecast error| (%)")
    ax.set_title("Forecast error grows with distance")
    ax.legend(fontsize=8)
    return fig


def plot_time_against_flops(
    flops: np.ndarray, seconds: np.ndarray, sizes: np.ndarray, time_law: PowerLaw
) -> plt.Figure:
    """Wall seconds against training FLOPs for every run, one colour per model size, with a power-law
    fit (Chapter 4)."""
    fig, ax = new_figure(figsize=(6.4, 4.2))
    for color, n in zip(OKABE_ITO * 2, np.unique(sizes)):
        here = sizes == n
        ax.scatter(
            flops[here], seconds[here], color=color, s=14, label=f"N = {n:,.0f}"
        )
    span = np.geomspace(flops.min(), flops.max(), 50)
    ax.plot(span, time_law.predict(span), "k--", linewidth=1, label="power-law fit")
    log_log_axes(
        ax,
        xlabel="training FLOPs (steps taken)",
        ylabel="wall seconds",
        title="What FLOPs say about time on this machine",
    )
    ax.legend(fontsize=7, ncol=2)
    return fig
