"""The MSC / COVID-19 lung-injury model (states, rate laws, observables).

Time is in days from symptom onset. Inflammatory quantities are tracked as *excess over the
healthy baseline* (``IL6x`` = IL-6 minus its healthy level, etc.), so the uninfected state is an
exact steady state with every inflammatory state at zero; observables add the baselines back.

Mechanisms (numbers refer to the issue's list, see docs/model.md for equations and sources):

1. infection of alveolar epithelium ``E -> I``, virus ``V`` produced by ``I``, innate clearance
   and a simple adaptive response ``A`` that clears virus and kills infected cells;
2. inflammatory (``M1``) and reparative (``M2x``) macrophages, neutrophils ``N``;
3. cytokine storm: IL-6, TNF-alpha made by M1/neutrophils/injured epithelium; their positive
   feedback (cytokines recruit monocytes; TNF and neutrophils injure epithelium; damage recruits
   more monocytes) lets it run on after the virus falls; IL-10 brakes production and drives
   M1 -> M2;
4. hepatic CRP driven by IL-6 through a transit compartment ``H``, CRP half-life 19 h;
5. capillary leak (TNF, neutrophils, epithelial damage) -> alveolar edema ``Q``, cleared by
   alveolar fluid clearance through intact epithelium;
6. type II cell proliferation repairs damaged epithelium ``D -> E``;
7. TGF-beta (from M2 and injured epithelium) activates fibroblasts ``F`` that lay down
   reversible matrix ``C`` and persistent scar ``P`` (fibrosis index ``C + P``);
8. P/F ratio from edema, epithelial injury, a vascular/perfusion term ``Tv``
   (microthrombosis / perfusion mismatch, driven by IL-6) and fibrosis; lung function (DLCO,
   FVC in % predicted) falls with the fibrosis index;
9. MSC pharmacokinetics: IV bolus into blood ``Sb``, first-pass lung entrapment (``Sl``,
   half-life ~1 day) that saturates at the lung's capacity ``cap_lung``, redistribution and
   clearance via liver/spleen ``Ss``; product-specific potency, entrapment and lung
   half-life (``potency``, ``f_trap``, ``k_l`` per patient from the product table); secretome
   and extracellular-vesicle products enter the same path in cell-equivalents;
10. MSC pharmacodynamics through the secretome, saturable in lung exposure
    ``h = Xe / (Xe + EC50_msc)`` where the biophase ``Xe`` follows ``potency * Sl`` with rate
    ``k_e0`` (the effect lags the cells): M1 -> M2 polarisation and IL-10 induction (PGE2), IL-6/TNF
    suppression (TSG-6), KGF-driven repair and fluid clearance, anti-fibrotic reduction of
    TGF-beta signalling.
"""

from __future__ import annotations

from mscsim.model._params import load_parameters
from mscsim.model._spec import Expression, Model, Observable, State

_STATES = (
    State(
        name="V",
        unit="1e6 copies/mL",
        description="SARS-CoV-2 load in the lower airways",
        group="virus",
    ),
    State(
        name="E",
        unit="1",
        description="intact alveolar epithelium (fraction)",
        healthy=1.0,
        group="epithelium",
    ),
    State(name="I", unit="1", description="infected epithelium (fraction)", group="epithelium"),
    State(
        name="D", unit="1", description="damaged/denuded epithelium (fraction)", group="epithelium"
    ),
    State(
        name="A", unit="1", description="adaptive immune response (0 none, 1 full)", group="immune"
    ),
    State(
        name="M1",
        unit="1",
        description="inflammatory macrophages (relative to resident pool)",
        group="immune",
    ),
    State(
        name="M2x",
        unit="1",
        description="reparative M2 macrophages above the resident pool",
        group="immune",
    ),
    State(name="N", unit="1", description="lung neutrophils (relative units)", group="immune"),
    State(
        name="IL6x",
        unit="pg/mL",
        description="plasma IL-6 above baseline",
        group="cytokine",
        scale=10.0,
    ),
    State(
        name="TNFx",
        unit="pg/mL",
        description="plasma TNF-alpha above baseline",
        group="cytokine",
        scale=10.0,
    ),
    State(
        name="IL10x",
        unit="pg/mL",
        description="plasma IL-10 above baseline",
        group="cytokine",
        scale=10.0,
    ),
    State(
        name="TGFx",
        unit="pg/mL",
        description="active lung TGF-beta above baseline",
        group="cytokine",
        scale=10.0,
    ),
    State(name="H", unit="1", description="hepatic CRP induction signal (transit)", group="crp"),
    State(
        name="CRPx", unit="mg/L", description="plasma CRP above baseline", group="crp", scale=100.0
    ),
    State(
        name="Q",
        unit="1",
        description="alveolar edema (flooded fraction of airspace)",
        group="lung",
    ),
    State(
        name="Tv", unit="1", description="vascular injury / perfusion mismatch (0-1)", group="lung"
    ),
    State(
        name="F",
        unit="1",
        description="activated fibroblasts / myofibroblasts (0-1)",
        group="fibrosis",
    ),
    State(
        name="C",
        unit="1",
        description="reversible excess matrix (fibrosis index part)",
        group="fibrosis",
    ),
    State(
        name="P", unit="1", description="persistent scar (fibrosis index part)", group="fibrosis"
    ),
    State(
        name="Sb",
        unit="cells",
        description="infused MSC in venous blood (pre-lung)",
        group="msc",
        scale=1e11,
    ),
    State(
        name="Sl",
        unit="cells",
        description="viable MSC entrapped in the lung",
        group="msc",
        scale=1e11,
    ),
    State(
        name="Xe",
        unit="cells",
        description="paracrine (secretome) activity acting in the lung, in UC-MSC cell-equivalents (biophase)",
        group="msc",
        scale=1e11,
    ),
    State(
        name="Ss",
        unit="cells",
        description="MSC-derived material in liver and spleen",
        group="msc",
        scale=1e11,
    ),
)

_EXPRESSIONS = (
    Expression(
        name="h_msc",
        formula="Xe / (Xe + EC50_msc)",
        unit="1",
        description="saturable MSC secretome effect in the lung (biophase exposure Xe)",
    ),
    Expression(
        name="supp",
        formula="(1 - Imax_tsg * h_msc) / (1 + pos(IL10x) / K_10inh)",
        unit="1",
        description="fraction of inflammatory cytokine production left by IL-10 and TSG-6",
    ),
    Expression(
        name="injury",
        formula="hill(TNFx, K_inj_tnf, 1) + hill(N, K_inj_N, 1)",
        unit="1",
        description="epithelial/endothelial injury drive (TNF, neutrophils)",
    ),
    Expression(
        name="dying",
        formula="(d_I + k_AI * A) * pos(I) + k_inj * injury * pos(E)",
        unit="1/day",
        description="epithelial cell death flux (source of DAMPs)",
    ),
    Expression(
        name="recruit",
        formula="r_M * (hill(V, K_MV, 1) * (w_V0 + hill(A, K_Aact, 2)) + w_MD * hill(dying, K_MD, 1)) * (1 + g_M * hill(IL6x, K_M6, 1)) / (1 + M2x / K_res)",
        unit="1/day",
        description="monocyte recruitment into M1 (virus sensed innately and, more strongly, once adaptive immunity is primed; DAMPs; IL-6 feedback; damped by resolving M2)",
    ),
    Expression(
        name="polar",
        formula="k_pol * (1 + Emax_pol10 * hill(IL10x, K_pol10, 1) + Emax_pol * h_msc) * M1",
        unit="1/day",
        description="M1 -> M2 repolarisation (IL-10, MSC PGE2)",
    ),
    Expression(
        name="repair",
        formula="k_rep * (1 + Emax_kgf * h_msc) * pos(E) * pos(D)",
        unit="1/day",
        description="type II cell proliferation re-covering damaged epithelium (KGF boost)",
    ),
    Expression(
        name="leak",
        formula="l_T * hill(TNFx, K_LT, 1) + l_N * hill(N, K_LN, 1) + l_D * pos(D)",
        unit="1/day",
        description="capillary leak rate into the airspace",
    ),
)

_ODES = {
    "V": "p_V * I - c_V * V - k_AV * A * V",
    "E": "-beta * E * V - k_inj * injury * E + repair",
    "I": "beta * E * V - d_I * I - k_AI * A * I",
    "D": "d_I * I + k_AI * A * I + k_inj * injury * E - repair",
    "A": "k_A * (hill(V, K_AV, 1) + A) * (1 - A)",
    "M1": "recruit - polar - d_M1 * M1",
    "M2x": "polar - d_M2 * M2x",
    "N": "r_N * (hill(TNFx, K_NT, 1) + hill(IL6x, K_N6, 1)) - d_N * N",
    "IL6x": "(p6_M * M1 + p6_N * N + p6_D * D * hill(M1, K_6D, 1)) * supp - k_6 * IL6x",
    "TNFx": "(pT_M * M1 + pT_N * N) * supp - k_T * TNFx",
    "IL10x": "p10 * (M2x + w10_M1 * M1) * (1 + Emax_10 * h_msc) - k_10 * IL10x",
    "TGFx": "pTGF * (M2x + w_TD * D) - k_TGF * TGFx",
    "H": "k_H * (hill(IL6x, K_C6, 1) - H)",
    "CRPx": "p_C * H - k_C * CRPx",
    "Q": "leak * (1 - Q) - k_afc * (1 + Emax_afc * h_msc) * pos(E) * Q",
    "Tv": "k_v * hill(IL6x, K_V6, 1) * (1 - Tv) - d_v * Tv",
    "F": "k_F * hill(TGFx, K_FT, 1) * (1 - Imax_fib * h_msc) * (1 - F) - d_F * F",
    "C": "k_Cm * F * (1 - C - P) - d_C * C - k_P * F * C",
    "P": "k_P * F * C - d_P * P",
    "Sb": "-k_b * Sb",
    "Sl": "f_trap * pos(1 - Sl / cap_lung) * k_b * Sb - k_l * Sl",
    "Xe": "k_e0 * (potency * Sl - Xe)",
    "Ss": "(1 - f_trap * pos(1 - Sl / cap_lung)) * k_b * Sb + f_red * k_l * Sl - k_s * Ss",
}

_OBSERVABLES = (
    Observable(
        name="viral_load",
        formula="1000000 * V",
        unit="copies/mL",
        description="lower-airway SARS-CoV-2 RNA",
    ),
    Observable(name="il6", formula="IL6_0 + IL6x", unit="pg/mL", description="plasma IL-6"),
    Observable(name="tnf", formula="TNF_0 + TNFx", unit="pg/mL", description="plasma TNF-alpha"),
    Observable(name="il10", formula="IL10_0 + IL10x", unit="pg/mL", description="plasma IL-10"),
    Observable(
        name="crp", formula="CRP_0 + CRPx", unit="mg/L", description="plasma C-reactive protein"
    ),
    Observable(
        name="pf_ratio",
        formula="PF_0 * exp(-(w_Q * Q + w_D * D + w_v * Tv + w_F * (C + P)))",
        unit="mmHg",
        description="PaO2/FiO2 ratio",
    ),
    Observable(
        name="epithelium",
        formula="E",
        unit="1",
        description="intact alveolar epithelium (fraction)",
    ),
    Observable(
        name="edema", formula="Q", unit="1", description="alveolar edema (fraction of airspace)"
    ),
    Observable(name="fibrosis", formula="C + P", unit="1", description="fibrosis index (0-1)"),
    Observable(name="msc_lung", formula="Sl", unit="cells", description="viable MSC in the lung"),
    Observable(
        name="dlco",
        formula="100 * exp(-k_dlco * (C + P))",
        unit="% predicted",
        description="diffusing capacity for carbon monoxide (typical patient, before measurement spread)",
    ),
    Observable(
        name="fvc",
        formula="100 * exp(-k_fvc * (C + P))",
        unit="% predicted",
        description="forced vital capacity (typical patient, before measurement spread)",
    ),
)

MSC_COVID = Model(
    name="msc_covid",
    description="MSC therapy in COVID-19 lung injury: virus, innate/adaptive immunity, cytokine storm, "
    "CRP, edema, repair, fibrosis, gas exchange, MSC PK/PD",
    time_unit="day",
    states=_STATES,
    parameters=load_parameters(),
    expressions=_EXPRESSIONS,
    odes=_ODES,
    observables=_OBSERVABLES,
    dose_state="Sb",
)
