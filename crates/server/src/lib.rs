//! Kansa as a service: the HTTP API (axum) over the engines and the store,
//! its tokens and roles, and what the command line shares with it.

pub mod api;
pub mod api_cases;
pub mod api_chain;
pub mod app;
pub mod auth;
pub mod decider;
pub mod decisions;
pub mod error;
pub mod extract;
pub mod nats;
pub mod resources;
pub mod screening;
pub mod state;
pub mod transfer;

pub use app::{router, serve};
pub use state::{AppState, Config};
