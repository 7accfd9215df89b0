"""The table of published laws and models: derived numbers match the papers, every entry is cited."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from helpers.fit import JointLaw
from helpers.published import (
    LAWS,
    MODELS,
    KaplanLaw,
    citation_keys,
    get_law,
    get_model,
    new_model,
)

BIBLIOGRAPHY = Path(__file__).resolve().parents[1] / "references.bib"


def test_gpt3_six_nd_matches_its_published_compute():
    gpt3 = get_model("GPT-3")
    six_nd = 6 * gpt3.n_params * gpt3.train_tokens
    assert gpt3.compute.kind == "published"
    assert six_nd == pytest.approx(3.14e23, rel=0.005)
    assert gpt3.train_flops == 3.14e23


def test_unrounded_hoffmann_puts_gophers_budget_at_about_40b_parameters():
    """Hoffmann et al., Fig. 4 caption: Approach 3 projects about 40B parameters for Gopher's budget."""
    gopher = get_model("Gopher")
    n_opt, d_opt = get_law("hoffmann-unrounded").compute_optimal(gopher.train_flops)
    assert 38e9 < n_opt < 42e9
    assert 6 * n_opt * d_opt == pytest.approx(gopher.train_flops)


def test_allocations_at_chinchillas_budget_match_the_fact_sheet():
    budget = 6 * 70e9 * 1.4e12
    expected_n_opt = {
        "hoffmann-rounded": 32.5e9,
        "hoffmann-unrounded": 40.7e9,
        "besiroglu": 73e9,
    }
    for name, n_opt in expected_n_opt.items():
        assert get_law(name).compute_optimal(budget)[0] == pytest.approx(
            n_opt, rel=0.01
        ), name


def test_joint_laws_are_joint_laws_and_vectorise():
    for name in ("hoffmann-rounded", "hoffmann-unrounded", "besiroglu"):
        law = get_law(name)
        assert isinstance(law, JointLaw)
        budgets = np.array([1e20, 1e22, 1e24])
        assert law.tokens_per_parameter(budgets).shape == (3,)
        assert law.predict(70e9, 1.4e12) > law.E


def test_kaplan_law_follows_its_equations():
    kaplan = get_law("kaplan")
    assert isinstance(kaplan, KaplanLaw)
    # doubling N multiplies the loss by 2^-alpha_N, about 0.95 (Kaplan et al., section 1.2)
    ratio = kaplan.predict_N(2e9) / kaplan.predict_N(1e9)
    assert ratio == pytest.approx(0.95, abs=0.002)
    # N_opt = 1.3e9 at one PF-day, and grows as C^0.73
    n_one, d_one = kaplan.compute_optimal(8.64e19)
    assert n_one == pytest.approx(1.3e9)
    assert 6 * n_one * d_one == pytest.approx(8.64e19)
    n_big, _ = kaplan.compute_optimal(8.64e21)
    assert n_big / n_one == pytest.approx(100**0.73)
    # with infinite data the joint law reduces to (N_c/N)^alpha_N with the joint constants
    assert kaplan.predict(1e9, 1e30) == pytest.approx(
        (6.4e13 / 1e9) ** 0.076, rel=1e-6
    )


def test_unknown_names_list_the_choices():
    with pytest.raises(ValueError, match="hoffmann-rounded.*besiroglu.*kaplan"):
        get_law("chinchilla")
    with pytest.raises(ValueError, match="unknown published model 'GPT-5'.*GPT-3"):
        get_model("GPT-5")


def test_every_citation_key_is_in_the_bibliography():
    keys = set(
        re.findall(r"^@\w+\{([^,]+),", BIBLIOGRAPHY.read_text(), re.MULTILINE)
    )
    missing = citation_keys() - keys
    assert not missing, f"not in references.bib: {sorted(missing)}"


def test_every_number_says_where_it_comes_from():
    for law in LAWS.values():
        assert law.citation and law.kind == "published"
    for model in MODELS.values():
        for figure in (model.params, model.tokens, model.compute):
            assert figure.kind in ("published", "estimate", "missing")
            assert figure.citation
            # a number is missing exactly when its value is None, and never "published"
            assert (figure.value is None) == (figure.kind == "missing"), model.name
            if figure.value is None:
                assert figure.note, f"{model.name}: a missing number must say why"
            if figure.kind == "estimate":
                assert "6 N D" in figure.note
                assert figure.value == pytest.approx(
                    6 * model.n_params * model.train_tokens
                )


def test_the_corrected_facts_of_the_source():
    assert get_model("BERT-Large").n_params == 340e6  # not "billions"
    assert get_model("BERT-Base").n_params == 110e6
    turing = get_model("Turing-NLG")
    assert turing.n_params == 17e9 and "language model" in turing.note


def test_published_figures_match_the_fact_sheet():
    gopher = get_model("Gopher")
    assert gopher.train_flops == 5.76e23 and gopher.compute.kind == "published"
    # Hoffmann et al.'s count is about 1.14 times 6ND
    assert gopher.train_flops / (6 * gopher.n_params * gopher.train_tokens) == (
        pytest.approx(1.143, abs=0.001)
    )
    palm = get_model("PaLM")
    assert palm.n_params == 540e9 and palm.train_tokens == 780e9
    assert palm.compute.kind == "estimate"
    assert palm.train_flops == pytest.approx(2.5e24, rel=0.02)
    llama_405b = get_model("Llama 3 405B")
    assert llama_405b.train_flops == 3.8e25 and llama_405b.train_tokens == 15.6e12
    assert llama_405b.compute.kind == "published"
    assert get_model("BERT-Base").train_flops == 1.64e20
    assert get_model("BERT-Large").train_flops == 5.33e20
    llama_8b = get_model("Llama 3 8B")
    assert llama_8b.train_tokens == 15e12 and "model card" in llama_8b.tokens.note


def test_kaplan_constants_match_the_fact_sheet():
    kaplan = get_law("kaplan")
    assert (kaplan.alpha_N, kaplan.N_c) == (0.076, 8.8e13)
    assert (kaplan.alpha_D, kaplan.D_c) == (0.095, 5.4e13)
    assert (kaplan.alpha_C, kaplan.C_c_pf_days) == (0.050, 3.1e8)
    assert (kaplan.joint_alpha_N, kaplan.joint_N_c) == (0.076, 6.4e13)
    assert (kaplan.joint_alpha_D, kaplan.joint_D_c) == (0.103, 1.8e13)
    assert (kaplan.n_opt_exponent, kaplan.n_opt_scale) == (0.73, 1.3e9)


def test_missing_numbers_are_labelled_missing():
    ernie = get_model("ERNIE 1.0")
    assert ernie.n_params is None and ernie.params.kind == "missing"
    assert get_model("Turing-NLG").tokens.kind == "missing"
    assert get_model("Turing-NLG").compute.kind == "missing"


def test_a_learner_can_add_a_model():
    mine = new_model("My 1B", 2025, "my-source", n_params=1e9, train_tokens=20e9)
    assert mine.train_flops == pytest.approx(6 * 1e9 * 20e9)
    assert mine.compute.kind == "estimate" and "6 N D" in mine.compute.note
    assert mine.params.kind == "published" and mine.tokens_per_parameter == 20
    given = new_model(
        "Mine", 2025, "src", n_params=1e9, train_tokens=2e10, train_flops=1.3e20
    )
    assert given.train_flops == 1.3e20 and given.compute.kind == "published"
    n_opt, _ = get_law("besiroglu").compute_optimal(mine.train_flops)
    assert n_opt > 0
    with pytest.raises(ValueError, match="citation"):
        new_model("No source", 2025, "", n_params=1e9, train_tokens=2e10)
    with pytest.raises(ValueError, match="n_params"):
        new_model("Bad", 2025, "src", n_params=-1, train_tokens=2e10)
