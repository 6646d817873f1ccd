from . import hub_exception_carrier_wizard
