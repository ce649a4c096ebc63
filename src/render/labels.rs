//! Small pure helpers of the views (the components and the element): the
//! percentage and its label, the notice of dropped lines.

/// The bar's label: whole percent, rounded down so 99.6 % never reads "100%"
/// before the task is done.
pub fn format_percent(progress: f64) -> String {
    format!("{}%", whole_percent(progress))
}

/// The percentage as a whole number from 0 to 100, rounded down (`NaN` is
/// 0). Rendering a whole number keeps float formatting out of the wasm.
pub fn whole_percent(progress: f64) -> u32 {
    if progress.is_finite() {
        progress.clamp(0.0, 100.0).floor() as u32
    } else {
        0
    }
}

/// The log's notice of older lines it no longer keeps.
pub fn dropped_notice(dropped: u64) -> String {
    format!("{dropped} earlier lines not shown")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_label_rounds_down_and_clamps() {
        assert_eq!(format_percent(0.0), "0%");
        assert_eq!(format_percent(99.6), "99%");
        assert_eq!(format_percent(100.0), "100%");
        assert_eq!(format_percent(180.0), "100%");
        assert_eq!(format_percent(f64::NAN), "0%");
    }
}
