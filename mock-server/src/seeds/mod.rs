//! What the seeds' emulations and the demo's endpoints keep and compute
//! (the routes in [`crate::routes`] use it; it knows nothing of them): the
//! delta seed's feed, the OpenACS seed's jobs, tick streams computed from
//! the id (benchmarks, fetch demos), and the demo's short-lived tokens.

pub mod delta_feed;
pub mod openacs_jobs;
pub mod ticks;
pub mod tokens;
