//! The companion server's own kinds of job, registered beside the
//! library's built-in `steps`.

pub mod countdown;

pub use countdown::Countdown;
