//! The state the seed endpoints keep between requests (the routes in
//! [`crate::routes`] use it; it knows nothing of them).

pub mod delta_feed;
pub mod openacs_jobs;
