from . import hub_exception_carrier_wizard
from . import hub_resend_wizard
