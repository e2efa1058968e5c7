-- An expired-path application holds its certificate (open_cert) only once it has
-- verified the company's bank account (server/src/expired/hold.rs): earlier ones
-- let go of it, so any number that can receive an SMS no longer locks a certificate.
UPDATE expired_applications SET open_cert = NULL
    WHERE status IN ('started', 'details_saved', 'transfer_sent');
