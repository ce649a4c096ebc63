//! Users' jobs: the [`Job`] trait a kind of job implements, the
//! [`JobContext`] it reports through, the registry of kinds, and the
//! built-in `steps` kind.

mod context;
mod job;
mod kinds;
mod steps;

pub use context::{JobContext, FLAT_OUT_EVENTS, RATE_WINDOW};
pub use job::{parse_params, Job, JobError, JobPlan, OnRestart, Stopped};
pub use kinds::JobKinds;
pub use steps::{Steps, STEPS_KIND};
