-- neutralization of the Cronofy connections: a copied database must not act on
-- the customer's Cronofy Organizational Unit nor accept its webhooks.
UPDATE cronofy_connection
    SET client_secret = NULL,
        previous_client_secret = NULL,
        embed_secret = NULL,
        internal_app_client_secret = NULL,
        access_token = NULL,
        refresh_token = NULL,
        token_expires_at = NULL,
        oauth_state_nonce = NULL,
        webhook_key = md5(random()::text || id::text),
        state = 'not_connected';
