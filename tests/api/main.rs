//! The integration tests: one binary, every test against a real server and database.

mod abuse;
mod accounts;
mod agreements;
mod browser;
mod browser_texts;
mod cli;
mod console;
mod csv_files;
mod delivery;
mod errors;
mod helpers;
mod incubator;
mod labs;
mod missions;
mod missions_journeys;
mod notifications;
mod service;
mod smtp;
mod tutors;
mod webdriver;
