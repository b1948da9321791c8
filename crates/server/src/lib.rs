//! Kansa as a service: the HTTP API (axum) over the engines and the store,
//! its tokens and roles, and what the command line shares with it.

pub mod auth;
pub mod error;
pub mod resources;
pub mod screening;
