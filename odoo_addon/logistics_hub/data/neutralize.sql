-- A copied database must neither sign as the production hub nor keep sending to its partners.
UPDATE hub_connector SET secret = NULL, active = false;
