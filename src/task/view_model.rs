//! Small pure helpers of the components: the percentage label.

/// The bar's label: whole percent, rounded down so 99.6 % never reads "100%"
/// before the task is done.
pub fn format_percent(progress: f64) -> String {
    let clamped = if progress.is_finite() {
        progress.clamp(0.0, 100.0)
    } else {
        0.0
    };
    format!("{}%", clamped.floor() as u32)
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
