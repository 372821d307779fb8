//! The integration tests: one binary, every test against a real server and database.

mod abuse;
mod accessibility;
mod accounts;
mod agreements;
mod agreements_office;
mod browser;
mod browser_look;
mod browser_texts;
mod cli;
mod console;
mod csv_files;
mod delivery;
mod errors;
mod hardening;
mod helpers;
mod incubator;
mod labs;
mod missions;
mod missions_journeys;
mod notifications;
mod pdf_text;
mod scans;
mod service;
mod smtp;
mod tutors;
mod webdriver;
