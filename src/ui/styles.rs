//! `<TaskStyles>`: the components' stylesheet as a `<style>` element, for
//! apps that would rather not link the file.

use leptos::prelude::*;

use crate::STYLESHEET;

/// The components' stylesheet ([`STYLESHEET`], `style/task-monitor.css`)
/// in a `<style>` element: put it once in the app, e.g. beside the first
/// `<TaskMonitor>`. Its rules are scoped to the components' `tm-` classes.
#[component]
pub fn TaskStyles() -> impl IntoView {
    // The sheet is a constant of the crate: set as markup, it is never
    // escaped (`>` is a CSS combinator) and holds no data from anyone.
    view! { <style data-task-styles="" inner_html=STYLESHEET></style> }
}
