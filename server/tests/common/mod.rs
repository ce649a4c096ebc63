//! Helpers of the server's integration tests.

pub mod redis;
