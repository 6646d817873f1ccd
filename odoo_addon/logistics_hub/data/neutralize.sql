-- A copied database must neither sign as the production hub nor keep sending to its partners.
UPDATE hub_connector SET secret = NULL, active = false;
-- nor let production partners in: their client secrets and the gateway's signing keys stay behind
UPDATE hub_api_client SET secret_hash = NULL;
DO $$ BEGIN
  IF to_regclass('hub_sidecar.jwt_key') IS NOT NULL THEN
    DELETE FROM hub_sidecar.jwt_key;
  END IF;
END $$;
