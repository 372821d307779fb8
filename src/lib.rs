//! fieldlab: the back office of an engineering school's incubator, labs and field missions.

pub mod allocation;
pub mod app;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod dates;
pub mod db;
pub mod demo;
pub mod error;
pub mod guard;
pub mod incubator;
pub mod labs;
pub mod mail;
pub mod missions;
pub mod notifications;
pub mod openapi;
pub mod paging;
pub mod routes;
pub mod service;
pub mod startup;
pub mod telemetry;
pub mod text;
pub mod tutors;
pub mod upload;
pub mod web;
