//! Small pure helpers of the components: the percentage label and the plan
//! that keeps the log's DOM in step with the log in O(changed lines).

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

/// The keys of the lines on screen: `first..next`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RenderedRange {
    /// Key of the oldest line in the DOM.
    pub first: u64,
    /// Key after the newest line in the DOM.
    pub next: u64,
}

/// What to do to the DOM to show the log's lines `log_first..log_next`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderPlan {
    /// Remove this many of the oldest rendered lines.
    pub remove_front: u64,
    /// Then append the log's lines from this key on.
    pub append_from: u64,
    /// The range on screen afterwards.
    pub after: RenderedRange,
}

/// Plans the update from `rendered` to the log `log_first..log_next`.
/// Costs nothing per line already on screen: only dropped and new lines count.
pub fn plan_render(rendered: RenderedRange, log_first: u64, log_next: u64) -> RenderPlan {
    let on_screen = rendered.next.saturating_sub(rendered.first);
    let stale = log_first.saturating_sub(rendered.first).min(on_screen);
    // A log that restarted (cleared) may hold keys we never rendered, or none.
    let append_from = rendered.next.max(log_first);
    let first = if stale == on_screen {
        log_first
    } else {
        rendered.first + stale
    };
    RenderPlan {
        remove_front: stale,
        append_from,
        after: RenderedRange {
            first,
            next: log_next.max(append_from),
        },
    }
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

    #[test]
    fn appending_touches_only_the_new_lines() {
        let rendered = RenderedRange {
            first: 0,
            next: 10_000,
        };
        let plan = plan_render(rendered, 0, 10_001);
        assert_eq!(plan.remove_front, 0);
        assert_eq!(plan.append_from, 10_000);
        assert_eq!(
            plan.after,
            RenderedRange {
                first: 0,
                next: 10_001
            }
        );
    }

    #[test]
    fn dropped_lines_are_removed_from_the_front() {
        let plan = plan_render(
            RenderedRange {
                first: 0,
                next: 100,
            },
            5,
            105,
        );
        assert_eq!(plan.remove_front, 5);
        assert_eq!(plan.append_from, 100);
        assert_eq!(
            plan.after,
            RenderedRange {
                first: 5,
                next: 105
            }
        );
    }

    #[test]
    fn a_cleared_log_removes_everything_on_screen() {
        // Cleared at key 40, then two new lines 40 and 41.
        let plan = plan_render(
            RenderedRange {
                first: 10,
                next: 40,
            },
            40,
            42,
        );
        assert_eq!(plan.remove_front, 30);
        assert_eq!(plan.append_from, 40);
        assert_eq!(
            plan.after,
            RenderedRange {
                first: 40,
                next: 42
            }
        );
        let empty = plan_render(
            RenderedRange {
                first: 10,
                next: 40,
            },
            40,
            40,
        );
        assert_eq!(empty.remove_front, 30);
        assert_eq!(
            empty.after,
            RenderedRange {
                first: 40,
                next: 40
            }
        );
    }
}
