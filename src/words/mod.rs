//! What the monitor says: every word as a template a page may replace
//! ([`Labels`], keyed by [`Word`]), built-in translations chosen by
//! language, and failures as codes with values ([`Failure`]) that the
//! labels put in words. Pure: native tests cover every rule.

mod builtin;
mod failure;
mod labels;

pub use builtin::{builtin_json, primary_language, BUILTIN_LANGUAGES};
pub use failure::{During, Failure, FailureCode, GaveUp};
pub use labels::{fill, whole_percent, Labels, LabelsError, Word};
