"""Who may run the hub's manager-only actions: the one rule behind every such check.

Framework-light: it asks the caller's environment (``env.su``, ``env.user.has_group``) and raises Odoo's
AccessError, so every refusal reaches the client as "access denied", whichever model refused it.
"""
from odoo.exceptions import AccessError

MANAGER_GROUP = "logistics_hub.group_hub_manager"


def check_manager(env, message):
    """Raise AccessError(``message``) unless the environment runs as superuser or as a hub manager.

    Superuser mode passes: code that sudo()es (crons, the parked-item retry) has already decided.
    """
    if not env.su and not env.user.has_group(MANAGER_GROUP):
        raise AccessError(message)
