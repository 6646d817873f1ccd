-- A copied database must neither sign as the production hub nor keep sending to its partners:
-- connectors lose their current and previous (rotation overlap) secrets and are archived.
UPDATE hub_connector SET secret = NULL, previous_secret = NULL, previous_secret_expires = NULL, active = false;
-- nor let production partners in: their client secrets (kept only as hashes) stop working,
UPDATE hub_api_client SET secret_hash = NULL;
-- nor call the production sidecar's admin API with its token.
DELETE FROM ir_config_parameter WHERE key = 'logistics_hub.sidecar_token';
-- Before 18.0.1.0.1 the secret dialogs were transient rows holding the plaintext (migrations/18.0.1.0.1).
DROP TABLE IF EXISTS hub_api_client_secret, hub_connector_secret;
-- The sidecar's own tables (created by the sidecar, so absent until it first ran): the gateway's JWT
-- signing keys; the production replicas' heartbeats (the copy must not claim production's sidecar is
-- running); refused callbacks (production partners' addresses and body excerpts). Inbound message ids
-- stay: they only make a copy refuse replays of production messages.
DO $$ BEGIN
  IF to_regclass('hub_sidecar.jwt_key') IS NOT NULL THEN
    DELETE FROM hub_sidecar.jwt_key;
  END IF;
  IF to_regclass('hub_sidecar.heartbeat') IS NOT NULL THEN
    DELETE FROM hub_sidecar.heartbeat;
  END IF;
  IF to_regclass('hub_sidecar.inbound_refusal') IS NOT NULL THEN
    DELETE FROM hub_sidecar.inbound_refusal;
  END IF;
END $$;
