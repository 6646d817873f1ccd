"""18.0.1.0.1: the secret dialogs (hub.api.client.secret, hub.connector.secret) no longer have a table.

They were transient models whose rows held the plaintext secret until the vacuum; they are abstract now
and Odoo leaves a former model's table behind, rows included, so the tables are dropped here.
"""


def migrate(cr, version):
    if version:
        cr.execute("DROP TABLE IF EXISTS hub_api_client_secret, hub_connector_secret")
