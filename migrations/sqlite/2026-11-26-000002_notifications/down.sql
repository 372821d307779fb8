DROP TABLE password_tokens;
DROP TABLE notifications;
