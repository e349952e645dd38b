"""The declarative MSC / COVID-19 lung-injury model and its therapy inputs."""

from mscsim.model._msc_covid import MSC_COVID
from mscsim.model._patients import (
    SEVERITIES,
    SEVERITY_SCORE,
    Patient,
    host_parameters,
    onset_state,
    typical_patient,
)
from mscsim.model._spec import Expression, Model, Observable, Parameter, State
from mscsim.model._therapy import Doses, Regimen, stack_regimens

__all__ = [
    "MSC_COVID",
    "SEVERITIES",
    "SEVERITY_SCORE",
    "Patient",
    "host_parameters",
    "onset_state",
    "typical_patient",
    "Expression",
    "Model",
    "Observable",
    "Parameter",
    "Doses",
    "Regimen",
    "State",
    "stack_regimens",
]
