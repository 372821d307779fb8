//! The integration tests: one binary, every test against a real server and database.

mod accounts;
mod errors;
mod helpers;
mod labs;
mod notifications;
mod service;
mod smtp;
