"""The mechanism diagram of the model page, every arrow checked against the right-hand side."""

from __future__ import annotations

from mscsim.model import Model
from mscsim.model._symbolic import SymbolicModel
from mscsim.report._model_doc._markdown import table

DOSE = "<infusion>"
Link = tuple[tuple[str, ...], str, tuple[str, ...]]  # (sources, mechanism, targets)
Stage = tuple[str, tuple[Link, ...]]
# Every arrow must exist in the right-hand side (`check_mechanisms`); an empty target tuple
# after DOSE means the model's dose state.
MECHANISMS: tuple[Stage, ...] = (
    (
        "virus and adaptive immunity",
        (
            (("V", "E"), "infection", ("I",)),
            (("I",), "virus production", ("V",)),
            (("V",), "priming", ("A",)),
            (("A",), "antibody clearance / CD8 killing", ("V", "I")),
        ),
    ),
    (
        "epithelium",
        (
            (("I",), "infected-cell death", ("D",)),
            (("TNFx", "N"), "inflammatory injury", ("E", "D")),
            (("D",), "repair by type II cell proliferation", ("E",)),
        ),
    ),
    (
        "macrophages and neutrophils",
        (
            (("V", "A"), "monocyte recruitment (innate, then primed)", ("M1",)),
            (("I", "E"), "DAMPs from dying cells recruit", ("M1",)),
            (("IL6x",), "amplifies recruitment", ("M1",)),
            (("M2x",), "damps recruitment (resolution)", ("M1",)),
            (("M1", "IL10x"), "repolarisation M1 -> M2", ("M2x",)),
            (("TNFx", "IL6x"), "neutrophil recruitment", ("N",)),
        ),
    ),
    (
        "cytokines",
        (
            (("M1", "N", "D"), "IL-6 production", ("IL6x",)),
            (("M1", "N"), "TNF production", ("TNFx",)),
            (("IL10x",), "brakes production", ("IL6x", "TNFx")),
            (("M2x", "M1"), "IL-10 production", ("IL10x",)),
            (("M2x", "D"), "TGF-beta activation", ("TGFx",)),
        ),
    ),
    (
        "CRP, edema and P/F",
        (
            (("IL6x",), "hepatic induction (transit)", ("H",)),
            (("H",), "CRP synthesis", ("CRPx",)),
            (("TNFx", "N", "D"), "capillary leak", ("Q",)),
            (("E",), "alveolar fluid clearance", ("Q",)),
            (("IL6x",), "microthrombosis / perfusion mismatch", ("Tv",)),
            (("Q", "D", "Tv"), "impair oxygenation", ("pf_ratio",)),
        ),
    ),
    (
        "fibrosis",
        (
            (("TGFx",), "fibroblast activation", ("F",)),
            (("F",), "matrix deposition", ("C",)),
            (("F", "C"), "matrix turns into persistent scar", ("P",)),
            (("C", "P"), "fibrosis index", ("fibrosis",)),
            (("C", "P"), "lower gas exchange and lung function", ("pf_ratio", "dlco", "fvc")),
        ),
    ),
    (
        "MSC pharmacokinetics",
        (
            ((DOSE,), "IV bolus", ()),
            (("Sb",), "first-pass lung entrapment (f_trap, saturating at cap_lung)", ("Sl",)),
            (("Sb",), "pass the lung", ("Ss",)),
            (("Sl",), "loss from the lung, redistribution (f_red)", ("Ss",)),
            (("Sl",), "paracrine biophase (potency, k_e0)", ("Xe",)),
        ),
    ),
    (
        "MSC pharmacodynamics via h_msc = Xe / (Xe + EC50_msc)",
        (
            (("Xe",), "PGE2: M1 -> M2 repolarisation", ("M1", "M2x")),
            (("Xe",), "PGE2: more IL-10", ("IL10x",)),
            (("Xe",), "TSG-6: less IL-6 and TNF", ("IL6x", "TNFx")),
            (("Xe",), "KGF: epithelial repair", ("E", "D")),
            (("Xe",), "KGF: alveolar fluid clearance", ("Q",)),
            (("Xe",), "anti-fibrotic: less TGF-beta-driven activation", ("F",)),
        ),
    ),
)


def dependencies(model: Model, sm: SymbolicModel | None = None) -> dict[str, set[str]]:
    """States each state's derivative and each observable depends on (expressions expanded)."""
    sm = sm or SymbolicModel(model)
    states = set(model.state_names)
    exprs = dict(zip(model.state_names, sm.rhs, strict=True))
    exprs |= dict(zip(model.observable_names, sm.observables, strict=True))
    return {k: {s.name for s in e.free_symbols} & states for k, e in exprs.items()}


def check_mechanisms(
    model: Model, mechanisms: tuple[Stage, ...] = MECHANISMS, sm: SymbolicModel | None = None
) -> None:
    """Raise ValueError for an arrow ``source -> target`` that the model's equations lack."""
    deps = dependencies(model, sm)
    for _, links in mechanisms:
        for sources, label, targets in links:
            for src in sources:
                for tgt in targets or (model.dose_state,):
                    ok = tgt == model.dose_state if src == DOSE else src in deps.get(tgt, ())
                    if not ok:
                        msg = f"diagram arrow {src} --{label}--> {tgt} is not in the model"
                        raise ValueError(msg)


def _names(sources: tuple[str, ...]) -> str:
    return "IV infusion" if sources == (DOSE,) else ", ".join(sources)


def mechanisms_section(model: Model, sm: SymbolicModel) -> str:
    """The checked diagram (a text block) and the state coupling table."""
    check_mechanisms(model, MECHANISMS, sm)
    width = max(len(_names(s)) for _, links in MECHANISMS for s, _, _ in links)
    lines = []
    for stage, links in MECHANISMS:
        lines.append(stage)
        for sources, label, targets in links:
            tgt = ", ".join(targets or (model.dose_state,))
            lines.append(f"  {_names(sources):<{width}}  --{label}-->  {tgt}")
        lines.append("")
    deps = dependencies(model, sm)
    rows = [
        [f"`{s}`", ", ".join(f"`{d}`" for d in model.state_names if d in deps[s])]
        for s in model.state_names
    ]
    return "\n\n".join(
        [
            "## Mechanisms",
            "Each arrow reads *sources -- mechanism --> targets* (state and observable names as in "
            "the tables below). The generator checks every arrow against the right-hand side: the "
            "targets' equations contain the sources.",
            "```text\n" + "\n".join(lines).rstrip() + "\n```",
            "### Couplings\n\nStates that appear in each state's time derivative (after "
            "substituting the intermediate expressions).",
            table(["state", "derivative depends on"], rows),
        ]
    )
