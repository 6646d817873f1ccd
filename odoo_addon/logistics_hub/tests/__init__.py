from . import test_hub_rules
from . import test_connector
from . import test_outbox
from . import test_sync_state
from . import test_inbound
from . import test_security
