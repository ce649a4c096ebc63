//! A page with `<task-monitor>` elements as a user sees it: each element
//! found by its id, its controls clicked inside its shadow root (real
//! WebDriver clicks), its status, bar and log read from there. From the
//! moment its elements are ready the page also keeps its own uncaught
//! errors, unhandled rejections, `console.error` and `console.warn`
//! ([`ElementPage::page_errors`]), in every engine.

use std::future::Future;

use fantoccini::elements::Element;
use fantoccini::{Client, Locator};

use crate::page::{poll_until, PageError};

/// Keeps the page's errors in `window.__e2eErrors` (once per page).
const KEEP_ERRORS: &str = "if (!window.__e2eErrors) {\
       window.__e2eErrors = [];\
       const keep = what => window.__e2eErrors.push(String(what));\
       addEventListener('error', e => keep('uncaught: ' + (e.message || e.error)));\
       addEventListener('unhandledrejection', e =>\
         keep('unhandled rejection: ' + ((e.reason && e.reason.message) || e.reason)));\
       for (const level of ['error', 'warn']) {\
         const original = console[level].bind(console);\
         console[level] = (...args) => { keep(level + ': ' + args.join(' ')); original(...args); };\
       }\
     }";

/// A page holding `<task-monitor>` elements.
pub struct ElementPage<'a> {
    client: &'a Client,
}

impl<'a> ElementPage<'a> {
    /// Wraps a session.
    pub fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// Opens `url` and waits until every `<task-monitor>` shows its Start button.
    pub async fn open(&self, url: &str) -> Result<(), PageError> {
        self.client.goto(url).await?;
        self.wait_ready().await
    }

    /// Waits until every `<task-monitor>` on the current page shows its
    /// Start button, and keeps the page's errors from then on.
    pub async fn wait_ready(&self) -> Result<(), PageError> {
        self.script(KEEP_ERRORS, vec![]).await?;
        self.wait_until("every task-monitor to be defined and rendered", || async {
            let ready = self
                .client
                .execute(
                    "const all = document.querySelectorAll('task-monitor');\
                     return all.length > 0 && Array.from(all).every(m =>\
                       m.shadowRoot && m.shadowRoot.querySelector('[data-testid=start]'));",
                    vec![],
                )
                .await?;
            Ok(ready == serde_json::Value::Bool(true))
        })
        .await
    }

    /// The element with this `data-testid` inside the shadow root of the
    /// `<task-monitor>` matching `monitor` (a CSS selector).
    pub async fn find(&self, monitor: &str, test_id: &str) -> Result<Element, PageError> {
        let host = self.client.find(Locator::Css(monitor)).await?;
        let root = host.shadow_root().await?;
        Ok(root
            .find(Locator::Css(&format!("[data-testid='{test_id}']")))
            .await?)
    }

    /// Clicks the control with this `data-testid` in `monitor`.
    pub async fn click(&self, monitor: &str, test_id: &str) -> Result<(), PageError> {
        Ok(self.find(monitor, test_id).await?.click().await?)
    }

    /// Clicks the page's own element matching `selector`.
    pub async fn click_page(&self, selector: &str) -> Result<(), PageError> {
        Ok(self
            .client
            .find(Locator::Css(selector))
            .await?
            .click()
            .await?)
    }

    /// The `data-status` of `monitor`'s status badge.
    pub async fn status(&self, monitor: &str) -> Result<String, PageError> {
        Ok(self
            .find(monitor, "status")
            .await?
            .attr("data-status")
            .await?
            .unwrap_or_default())
    }

    /// The text of the control with this `data-testid` in `monitor`.
    pub async fn text(&self, monitor: &str, test_id: &str) -> Result<String, PageError> {
        Ok(self.find(monitor, test_id).await?.text().await?)
    }

    /// The text of the page's own element matching `selector`.
    pub async fn page_text(&self, selector: &str) -> Result<String, PageError> {
        Ok(self
            .client
            .find(Locator::Css(selector))
            .await?
            .text()
            .await?)
    }

    /// `monitor`'s log lines (each block's `textContent`, split at `\n`).
    pub async fn lines(&self, monitor: &str) -> Result<Vec<String>, PageError> {
        let lines = self
            .script(
                "const m = document.querySelector(arguments[0]);\
                 return Array.from(m.shadowRoot.querySelectorAll('.tm-log-block'))\
                   .flatMap(b => b.textContent.split('\\n'));",
                vec![monitor.into()],
            )
            .await?;
        serde_json::from_value(lines.clone())
            .map_err(|_| PageError::Unexpected(format!("the log's lines are not strings: {lines}")))
    }

    /// Adds `<task-monitor id="{id}">` with `attributes` (name to value) to
    /// the page's `.grid`, or its body, and waits until it is ready.
    pub async fn add_monitor(
        &self,
        id: &str,
        attributes: serde_json::Value,
    ) -> Result<(), PageError> {
        self.script(
            "const m = document.createElement('task-monitor');\
             m.id = arguments[0];\
             for (const [name, value] of Object.entries(arguments[1])) m.setAttribute(name, value);\
             (document.querySelector('.grid') || document.body).append(m);",
            vec![id.into(), attributes],
        )
        .await?;
        self.wait_ready().await
    }

    /// What the current page reported since it was ready (and since the
    /// last call): uncaught errors, unhandled rejections, `console.error`
    /// and `console.warn`.
    pub async fn page_errors(&self) -> Result<Vec<String>, PageError> {
        let errors = self
            .script(
                "const kept = window.__e2eErrors || []; window.__e2eErrors = [];\
                 return kept;",
                vec![],
            )
            .await?;
        serde_json::from_value(errors.clone()).map_err(|_| {
            PageError::Unexpected(format!("the page's errors are not strings: {errors}"))
        })
    }

    /// Fails, naming them, when the current page reported any error.
    pub async fn no_errors(&self, when: &str) -> Result<(), PageError> {
        let errors = self.page_errors().await?;
        if errors.is_empty() {
            return Ok(());
        }
        Err(PageError::Unexpected(format!(
            "the page reported errors {when}: {errors:#?}"
        )))
    }

    /// Runs `script` in the page with `args`.
    pub async fn script(
        &self,
        script: &str,
        args: Vec<serde_json::Value>,
    ) -> Result<serde_json::Value, PageError> {
        Ok(self.client.execute(script, args).await?)
    }

    /// Runs `script` (no arguments) and reads its answer as a string (`""`
    /// for anything else).
    pub async fn string(&self, script: &str) -> Result<String, PageError> {
        let value = self.script(script, vec![]).await?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    /// Waits until `monitor`'s status is `status`.
    pub async fn wait_for_status(&self, monitor: &str, status: &str) -> Result<(), PageError> {
        self.wait_until(&format!("{monitor} to be {status}"), || async {
            Ok(self.status(monitor).await? == status)
        })
        .await
    }

    /// Polls `condition` every 100 ms for up to [`crate::page::WAIT_LIMIT`].
    pub async fn wait_until<F, Fut>(&self, what: &str, condition: F) -> Result<(), PageError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<bool, PageError>>,
    {
        poll_until(what, condition, || self.describe()).await
    }

    /// Each element's id (or `src`, or `task-id`), status, progress and
    /// status words, for error messages.
    pub async fn describe(&self) -> String {
        self.script(
            "return Array.from(document.querySelectorAll('task-monitor')).map(m =>\
               (m.id || m.getAttribute('src') || m.getAttribute('task-id')) + ': ' + m.status\
               + ' ' + m.progress + ' (' + (m.shadowRoot && m.shadowRoot.querySelector(\
               '[data-testid=status]') || {}).textContent + ')');",
            vec![],
        )
        .await
        .map(|v| v.to_string())
        .unwrap_or_default()
    }
}
