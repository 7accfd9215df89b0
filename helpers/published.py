"""Published scaling laws and famous models, each number with its source (Chapter 5).

Chapter 5 measures famous language models against the published laws; Chapter 7's planner (and
Chapter 10's energy estimates) compute with the same table. Every number carries the key of its entry
in ``references.bib`` and says whether it is **published** (printed in the cited source), an
**estimate** (computed here from published numbers, for example training FLOPs as ``6 N D`` where the
paper gives none) or **missing** (no source the course could verify gives it: the value is ``None``,
and nothing here is a plausible guess).

    >>> from helpers.published import LAWS, MODELS, get_law
    >>> law = get_law("hoffmann-unrounded")           # a JointLaw, with a name and a citation
    >>> N_opt, D_opt = law.compute_optimal(MODELS["Gopher"].train_flops)

Laws (``LAWS``):

    "hoffmann-rounded"    L = E + A/N^alpha + B/D^beta, constants as printed (Hoffmann et al. 2022)
    "hoffmann-unrounded"  the same law with the digits of the paper's TeX source
    "besiroglu"           Besiroglu et al.'s (2024) refit of that law to the paper's own data
    "kaplan"              Kaplan et al.'s (2020) laws in N, D and C, and their allocation N_opt ~ C^0.73

Models (``MODELS``, read with :func:`get_model`); :func:`new_model` builds one more, of your own,
with its source.

The Hoffmann and Besiroglu laws are :class:`helpers.fit.JointLaw` values, so everything that takes a
fitted law takes them. Kaplan et al.'s laws are of another form and count *non-embedding* parameters,
so they have a class of their own, :class:`KaplanLaw`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from helpers.fit import JointLaw
from helpers.names import lookup

Kind = Literal["published", "estimate", "missing"]
"""``"published"``: printed in the cited source. ``"estimate"``: computed here from published numbers.
``"missing"``: no verified source gives the number, and its value is ``None``."""

PF_DAY_FLOPS = 8.64e19
"""One petaflop/s-day in FLOPs, ``1e15 * 86400``: Kaplan et al.'s unit of compute (Chapter 5)."""


@dataclass(frozen=True)
class PublishedJointLaw(JointLaw):
    """A published ``L(N, D) = E + A/N^alpha + B/D^beta`` with its name and source (Chapter 5).

    A :class:`helpers.fit.JointLaw` (same ``.predict(N, D)``, ``.compute_optimal(C)``,
    ``.tokens_per_parameter(C)``, ``.E``, ``.A``, ``.B``, ``.alpha``, ``.beta``) that also records
    where its constants come from. ``N`` counts all parameters and ``D`` training tokens; ``L`` is in
    nats per token on Hoffmann et al.'s MassiveText, so it predicts losses of *their* models only.

    Attributes:
        name: the key in :data:`LAWS`.
        label: a short name for legends and tables.
        citation: the key of the source in ``references.bib``.
        kind: ``"published"`` (the source prints these constants).
        note: where in the source the constants are, and what to know about them.
    """

    name: str = ""
    label: str = ""
    citation: str = ""
    kind: Kind = "published"
    note: str = ""

    def __str__(self) -> str:
        return (
            f"{self.label}: L = {self.E:.5g} + {self.A:.5g}/N^{self.alpha:.4g} + "
            f"{self.B:.5g}/D^{self.beta:.4g}  [{self.citation}]"
        )


@dataclass(frozen=True)
class KaplanLaw:
    """Kaplan et al.'s (2020) laws for language models, with their published constants (Chapter 5).

    Here ``N`` counts **non-embedding** parameters, ``D`` tokens of WebText2 and the loss is in nats
    per token of their tokenizer, so its values are not comparable with Hoffmann et al.'s.

    * single-variable laws (Eqs. 1.1-1.3; App. A, Table 5):
      ``L(N) = (N_c/N)^alpha_N``, ``L(D) = (D_c/D)^alpha_D``, ``L(C_min) = (C_c/C_min)^alpha_C``;
    * the joint law (Eqs. 1.5/4.1, with its own constants from Table 2):
      ``L(N, D) = [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D``;
    * the compute-efficient allocation (Eq. 1.7; App. A, Table 6):
      ``N_opt = N_e (C_min / 1 PF-day)^0.73`` with ``N_e = 1.3e9``.

    Attributes:
        name, label, citation, kind, note: as for :class:`PublishedJointLaw`.
        alpha_N, N_c, alpha_D, D_c: the single-variable laws in ``N`` and ``D``.
        alpha_C, C_c_pf_days: the law in ``C_min`` (PF-days).
        joint_alpha_N, joint_N_c, joint_alpha_D, joint_D_c: the joint law's constants.
        n_opt_exponent, n_opt_scale: ``N_opt = n_opt_scale * (C / 1 PF-day)^n_opt_exponent``.
    """

    name: str
    label: str
    citation: str
    kind: Kind
    note: str
    alpha_N: float
    N_c: float
    alpha_D: float
    D_c: float
    alpha_C: float
    C_c_pf_days: float
    joint_alpha_N: float
    joint_N_c: float
    joint_alpha_D: float
    joint_D_c: float
    n_opt_exponent: float
    n_opt_scale: float

    def predict_N(self, N: ArrayLike) -> float | np.ndarray:
        """``L(N) = (N_c/N)^alpha_N``: the loss of a model of ``N`` non-embedding parameters trained
        to convergence on enough data (Chapter 5)."""
        return _scalar_or_array((self.N_c / _positive(N, "N")) ** self.alpha_N)

    def predict_D(self, D: ArrayLike) -> float | np.ndarray:
        """``L(D) = (D_c/D)^alpha_D``: the loss of a large model trained on ``D`` tokens with early
        stopping (Chapter 5)."""
        return _scalar_or_array((self.D_c / _positive(D, "D")) ** self.alpha_D)

    def predict_C(self, C: ArrayLike) -> float | np.ndarray:
        """``L(C_min) = (C_c/C_min)^alpha_C`` with ``C_min`` in FLOPs (converted to PF-days): the loss
        of compute-efficient training (Chapter 5)."""
        C_pf_days = _positive(C, "C (FLOPs)") / PF_DAY_FLOPS
        return _scalar_or_array((self.C_c_pf_days / C_pf_days) ** self.alpha_C)

    def predict(self, N: ArrayLike, D: ArrayLike) -> float | np.ndarray:
        """The joint law ``L(N, D) = [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D`` with Table 2's
        constants, elementwise like a numpy function (Chapter 5)."""
        N, D = _positive(N, "N"), _positive(D, "D")
        ratio = self.joint_alpha_N / self.joint_alpha_D
        return _scalar_or_array(
            ((self.joint_N_c / N) ** ratio + self.joint_D_c / D)
            ** self.joint_alpha_D
        )

    def compute_optimal(
        self, C: ArrayLike
    ) -> tuple[float, float] | tuple[np.ndarray, np.ndarray]:
        """``(N_opt, D)`` for a budget of ``C`` FLOPs: ``N_opt = 1.3e9 (C / 1 PF-day)^0.73`` as
        published, and ``D = C / (6 N_opt)``, an estimate from ``C = 6 N D`` (Chapter 5).

        Kaplan et al. state the allocation for ``C_min``, the compute of training at the critical
        batch size; reading it at ``C`` is the usual approximation.
        """
        C = _positive(C, "C (FLOPs)")
        N_opt = self.n_opt_scale * (C / PF_DAY_FLOPS) ** self.n_opt_exponent
        return _scalar_or_array(N_opt), _scalar_or_array(C / (6.0 * N_opt))

    def tokens_per_parameter(self, C: ArrayLike) -> float | np.ndarray:
        """``D / N_opt`` of :meth:`compute_optimal` at the budget ``C`` (Chapter 5)."""
        N_opt, D_opt = self.compute_optimal(C)
        return D_opt / N_opt

    def __str__(self) -> str:
        return (
            f"{self.label}: L(N) = ({self.N_c:.3g}/N)^{self.alpha_N}, "
            f"L(D) = ({self.D_c:.3g}/D)^{self.alpha_D}, "
            f"N_opt = {self.n_opt_scale:.2g} (C/PF-day)^{self.n_opt_exponent}  "
            f"[{self.citation}]"
        )


def _positive(values: ArrayLike, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(array) & (array > 0)):
        raise ValueError(
            f"{name} must be finite and positive, got {values!r}; pass counts or FLOPs as "
            f"numbers, e.g. 70e9"
        )
    return array


def _scalar_or_array(array: np.ndarray) -> float | np.ndarray:
    return float(array) if np.ndim(array) == 0 else array


PublishedLaw = PublishedJointLaw | KaplanLaw

LAWS: dict[str, PublishedLaw] = {
    "hoffmann-rounded": PublishedJointLaw(
        E=1.69,
        A=406.4,
        B=410.7,
        alpha=0.34,
        beta=0.28,
        name="hoffmann-rounded",
        label="Hoffmann et al., rounded",
        citation="hoffmann2022training",
        note="App. D.2 as printed; the body rounds E, alpha and beta to two digits",
    ),
    "hoffmann-unrounded": PublishedJointLaw(
        E=1.6934,
        A=406.4,
        B=410.7,
        alpha=0.3392,
        beta=0.2849,
        name="hoffmann-unrounded",
        label="Hoffmann et al., unrounded",
        citation="hoffmann2022training",
        note="the values of the paper's TeX source, as Besiroglu et al. and Pearce & Song use them",
    ),
    "besiroglu": PublishedJointLaw(
        E=1.817,
        A=482.0,
        B=2085.4,
        alpha=0.348,
        beta=0.366,
        name="besiroglu",
        label="Besiroglu et al. refit",
        citation="besiroglu2024chinchilla",
        note="refit to 240 of the 245 points read off Hoffmann et al.'s Figure 4; bootstrap standard "
        "errors E 0.026, A 124.5, B 1293.3, alpha 0.015, beta 0.021",
    ),
    "kaplan": KaplanLaw(
        name="kaplan",
        label="Kaplan et al.",
        citation="kaplan2020scaling",
        kind="published",
        note="N counts non-embedding parameters; WebText2 tokens; Eqs. 1.1-1.3 and 1.7, Tables 2, "
        "5 and 6",
        alpha_N=0.076,
        N_c=8.8e13,
        alpha_D=0.095,
        D_c=5.4e13,
        alpha_C=0.050,
        C_c_pf_days=3.1e8,
        joint_alpha_N=0.076,
        joint_N_c=6.4e13,
        joint_alpha_D=0.103,
        joint_D_c=1.8e13,
        n_opt_exponent=0.73,
        n_opt_scale=1.3e9,
    ),
}
"""The published laws by name (Chapter 5). Read one with :func:`get_law`."""


def get_law(name: str) -> PublishedLaw:
    """The published law called ``name`` (a key of :data:`LAWS`); a ``ValueError`` lists the choices
    (Chapter 5)."""
    return lookup(LAWS, name, "published law")


def equivalent_compute(
    law: JointLaw, n_params: ArrayLike, train_tokens: ArrayLike
) -> float | np.ndarray:
    """The compute budget (FLOPs, ``C = 6 N D``) at which ``law``'s compute-optimal split reaches the
    loss ``L(n_params, train_tokens)`` (Chapters 5 and 10).

    Along the frontier the reducible loss falls as ``L*(C) - E = K (C/6)^(-alpha beta/(alpha + beta))``
    with ``K = A G^-alpha + B G^beta`` (``G`` is :attr:`helpers.fit.JointLaw.G`), so
    ``C_eq = 6 ((L - E) / K)^(-(alpha + beta)/(alpha beta))``. ``1 - C_eq / (6 N D)`` is the share of
    a model's budget that the best split would not have needed; a compute-optimal model gives
    ``C_eq = 6 N D``. Elementwise, like a numpy function.
    """
    scale = law.A * law.G ** (-law.alpha) + law.B * law.G**law.beta
    excess = (law.predict(n_params, train_tokens) - law.E) / scale
    # the same operations, in the same order, as notebooks 05a and 10c once ran
    return 6 * excess ** (-(law.alpha + law.beta) / (law.alpha * law.beta))


@dataclass(frozen=True)
class Figure:
    """One number about a model and where it comes from (Chapter 5).

    Attributes:
        value: the number, or ``None`` where no source gives it (then ``kind`` is ``"missing"``).
        kind: ``"published"`` (printed in ``citation``), ``"estimate"`` (computed here, see ``note``)
            or ``"missing"`` (``value`` is ``None``; ``note`` says why).
        citation: the key of the source in ``references.bib`` (for an estimate, of its inputs).
        note: how the number was obtained, or why it is missing.
    """

    value: float | None
    kind: Kind
    citation: str
    note: str = ""


def _unknown(citation: str, note: str) -> Figure:
    """A number no verified source gives: ``None``, of kind ``"missing"``, with the reason."""
    return Figure(None, "missing", citation, note)


@dataclass(frozen=True)
class PublishedModel:
    """A famous model's size, training tokens and training compute, each with its source (Chapter 5).

    Attributes:
        name: the key in :data:`MODELS`.
        year: the year the model was first described in public.
        citation: the key of the model's own paper or announcement in ``references.bib``.
        params, tokens, compute: :class:`Figure` values for the parameter count, the training tokens
            and the training FLOPs.
        note: what the model is (all of these are text-only language models).
    """

    name: str
    year: int
    citation: str
    params: Figure
    tokens: Figure
    compute: Figure
    note: str = ""

    @property
    def n_params(self) -> float | None:
        """The parameter count, or ``None`` (Chapter 5)."""
        return self.params.value

    @property
    def train_tokens(self) -> float | None:
        """The training tokens, or ``None`` (Chapter 5)."""
        return self.tokens.value

    @property
    def train_flops(self) -> float | None:
        """The training FLOPs (published, or estimated as ``6 N D``), or ``None`` (Chapter 5)."""
        return self.compute.value

    @property
    def tokens_per_parameter(self) -> float | None:
        """``D / N``, or ``None`` when either is unknown (Chapter 5)."""
        if self.n_params is None or self.train_tokens is None:
            return None
        return self.train_tokens / self.n_params


def _six_nd(params: Figure, tokens: Figure, extra: str = "") -> Figure:
    """Training FLOPs estimated as ``6 N D`` from published ``N`` and ``D``."""
    assert params.value is not None and tokens.value is not None
    sources = dict.fromkeys([params.citation, tokens.citation])
    return Figure(
        6.0 * params.value * tokens.value,
        "estimate",
        ",".join(sources),
        "6 N D from the published N and D; the source gives no FLOP count" + extra,
    )


def _model(
    name: str,
    year: int,
    citation: str,
    params: Figure,
    tokens: Figure,
    compute: Figure | None = None,
    note: str = "",
) -> PublishedModel:
    if compute is None:
        compute = (
            _six_nd(params, tokens)
            if params.value is not None and tokens.value is not None
            else _unknown(
                citation, "no published training compute, and N or D unknown"
            )
        )
    return PublishedModel(name, year, citation, params, tokens, compute, note)


_BERT_TOKENS_NOTE = (
    "as Brown et al.'s Table D.1 counts them; BERT trained about 40 epochs over a 3.3B-word "
    "corpus (Devlin et al.)"
)
_CHINCHILLA_TABLE_1 = "Hoffmann et al., Table 1"

MODELS: dict[str, PublishedModel] = {
    model.name: model
    for model in (
        _model(
            "ERNIE 1.0",
            2019,
            "sun2019ernie",
            _unknown("sun2019ernie", "parameter count not verified"),
            _unknown("sun2019ernie", "training tokens not verified"),
            note="Baidu; BERT-Base-sized encoder (12 layers, hidden size 768)",
        ),
        _model(
            "ERNIE 2.0",
            2019,
            "sun2020ernie2",
            _unknown("sun2020ernie2", "parameter count not verified"),
            _unknown("sun2020ernie2", "training tokens not verified"),
            note="Baidu; continual multi-task pre-training; base and large encoders",
        ),
        _model(
            "BERT-Base",
            2018,
            "devlin2019bert",
            Figure(110e6, "published", "devlin2019bert"),
            Figure(250e9, "published", "brown2020language", _BERT_TOKENS_NOTE),
            Figure(
                1.64e20,
                "published",
                "brown2020language",
                "Brown et al.'s Table D.1 estimate (counting 109M parameters)",
            ),
            note="Google; bidirectional encoder, not a generative language model",
        ),
        _model(
            "BERT-Large",
            2018,
            "devlin2019bert",
            Figure(340e6, "published", "devlin2019bert"),
            Figure(250e9, "published", "brown2020language", _BERT_TOKENS_NOTE),
            Figure(
                5.33e20,
                "published",
                "brown2020language",
                "Brown et al.'s Table D.1 estimate (counting 355M parameters)",
            ),
            note="Google; bidirectional encoder, not a generative language model",
        ),
        _model(
            "GPT-2",
            2019,
            "radford2019language",
            Figure(1.5e9, "published", "radford2019language"),
            _unknown(
                "radford2019language",
                "trained on WebText; no token count published",
            ),
            note="OpenAI",
        ),
        _model(
            "GPT-3",
            2020,
            "brown2020language",
            Figure(
                174.6e9, "published", "brown2020language", "Table D.1: 174,600M"
            ),
            Figure(300e9, "published", "brown2020language"),
            Figure(
                3.14e23,
                "published",
                "brown2020language",
                "Table D.1: 3,640 PF-days, itself computed as 6 N D",
            ),
            note="OpenAI",
        ),
        _model(
            "Turing-NLG",
            2020,
            "rosset2020turing",
            Figure(17e9, "published", "rosset2020turing"),
            _unknown("rosset2020turing", "no token count in the announcement"),
            note="Microsoft; a text-only language model (generation, summarisation, QA)",
        ),
        _model(
            "ERNIE 3.0",
            2021,
            "sun2021ernie3",
            Figure(10e9, "published", "sun2021ernie3"),
            _unknown(
                "sun2021ernie3",
                "a 4TB corpus of text and a knowledge graph; tokens not verified",
            ),
            note="Baidu",
        ),
        _model(
            "ERNIE 3.0 Titan",
            2021,
            "wang2021ernie3titan",
            Figure(260e9, "published", "wang2021ernie3titan"),
            _unknown("wang2021ernie3titan", "training tokens not verified"),
            note="Baidu with Peng Cheng Laboratory",
        ),
        _model(
            "Gopher",
            2021,
            "rae2021scaling",
            Figure(280e9, "published", "rae2021scaling"),
            Figure(300e9, "published", "hoffmann2022training", _CHINCHILLA_TABLE_1),
            Figure(
                5.76e23,
                "published",
                "hoffmann2022training",
                "Hoffmann et al., Fig. 2 caption (6.3e23 with their exact count, App. F)",
            ),
            note="DeepMind",
        ),
        _model(
            "MT-NLG",
            2022,
            "smith2022using",
            Figure(530e9, "published", "smith2022using"),
            Figure(270e9, "published", "hoffmann2022training", _CHINCHILLA_TABLE_1),
            note="Microsoft and NVIDIA; Megatron-Turing NLG, a text-only language model",
        ),
        _model(
            "Chinchilla",
            2022,
            "hoffmann2022training",
            Figure(70e9, "published", "hoffmann2022training"),
            Figure(1.4e12, "published", "hoffmann2022training"),
            note="DeepMind; trained with Gopher's compute budget to test the allocation",
        ),
        _model(
            "PaLM",
            2022,
            "chowdhery2022palm",
            Figure(540e9, "published", "chowdhery2022palm"),
            Figure(780e9, "published", "chowdhery2022palm"),
            note="Google",
        ),
        _model(
            "LLaMA 7B",
            2023,
            "touvron2023llama",
            Figure(7e9, "published", "touvron2023llama"),
            Figure(1.0e12, "published", "touvron2023llama", "Fig. 1 caption"),
            note="Meta",
        ),
        _model(
            "LLaMA 65B",
            2023,
            "touvron2023llama",
            Figure(65e9, "published", "touvron2023llama"),
            Figure(1.4e12, "published", "touvron2023llama", "Fig. 1 caption"),
            note="Meta",
        ),
        _model(
            "Llama 2 70B",
            2023,
            "touvron2023llama2",
            Figure(70e9, "published", "touvron2023llama2"),
            Figure(
                2.0e12, "published", "touvron2023llama2", "Table 1: 2.0T tokens"
            ),
            note="Meta",
        ),
        _model(
            "Llama 3 8B",
            2024,
            "grattafiori2024llama3",
            Figure(8e9, "published", "grattafiori2024llama3"),
            Figure(
                15e12,
                "published",
                "grattafiori2024llama3",
                "'over 15T tokens', a lower bound, from Meta's Llama 3 model card "
                "(18 April 2024), which has no entry in references.bib; the key is the "
                "Llama 3 paper's, whose 15.6T (section 1) is the 405B model's figure",
            ),
            note="Meta",
        ),
        _model(
            "Llama 3 405B",
            2024,
            "grattafiori2024llama3",
            Figure(405e9, "published", "grattafiori2024llama3"),
            Figure(15.6e12, "published", "grattafiori2024llama3", "section 1"),
            Figure(3.8e25, "published", "grattafiori2024llama3", "section 1"),
            note="Meta (released as Llama 3.1 405B)",
        ),
    )
}
"""Famous language models by name (Chapter 5). Read one with :func:`get_model`."""


def new_model(
    name: str,
    year: int,
    citation: str,
    n_params: float,
    train_tokens: float,
    train_flops: float | None = None,
    note: str = "",
) -> PublishedModel:
    """A model of your own, with its source, in the form of :data:`MODELS` (Chapter 5, notebook 05a).

    ``n_params`` and ``train_tokens`` are taken as published in ``citation`` (a ``references.bib``
    key, or any label of your source); ``train_flops`` too when the source gives it, and otherwise
    it is estimated as ``C = 6 N D``. Add the result to a copy of :data:`MODELS` to chart it:

        >>> mine = new_model("My 1B", 2025, "my-source", n_params=1e9, train_tokens=20e9)
        >>> mine.train_flops, mine.compute.kind
        (1.2e+20, 'estimate')
    """
    if not citation:
        raise ValueError(
            f"{name!r}: pass the source of its numbers as citation, e.g. a references.bib key"
        )
    params = Figure(float(_positive(n_params, "n_params")), "published", citation)
    tokens = Figure(
        float(_positive(train_tokens, "train_tokens")), "published", citation
    )
    compute = (
        None
        if train_flops is None
        else Figure(
            float(_positive(train_flops, "train_flops")), "published", citation
        )
    )
    return _model(name, year, citation, params, tokens, compute, note)


def get_model(name: str) -> PublishedModel:
    """The model called ``name`` (a key of :data:`MODELS`); a ``ValueError`` lists the choices
    (Chapter 5)."""
    return lookup(MODELS, name, "published model")


def citation_keys() -> set[str]:
    """Every ``references.bib`` key that :data:`LAWS` and :data:`MODELS` cite (Chapter 5)."""
    keys = {law.citation for law in LAWS.values()}
    for model in MODELS.values():
        keys.add(model.citation)
        for figure in (model.params, model.tokens, model.compute):
            keys.update(figure.citation.split(","))
    return keys
