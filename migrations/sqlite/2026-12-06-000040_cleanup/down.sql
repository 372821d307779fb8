DROP INDEX password_tokens_expires;
DROP INDEX notifications_body_kept;
