//! The demo page as a user sees it: find by `data-testid`, click, type, read,
//! and wait for a condition with a bound.

use std::future::Future;
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::{Client, Locator};
use thiserror::Error;

/// How long any wait may take.
pub const WAIT_LIMIT: Duration = Duration::from_secs(30);

/// What went wrong on the page.
#[derive(Debug, Error)]
pub enum PageError {
    /// A WebDriver command failed.
    #[error("webdriver: {0}")]
    WebDriver(#[from] fantoccini::error::CmdError),
    /// A condition did not come true in time.
    #[error("timed out after {limit:?} waiting for {what}; page shows: {seen}")]
    Timeout {
        /// The condition.
        what: String,
        /// The bound.
        limit: Duration,
        /// Status and log at the time.
        seen: String,
    },
    /// The page or the server showed something wrong.
    #[error("{0}")]
    Unexpected(String),
    /// The server's API could not be read.
    #[error("server API: {0}")]
    Api(#[from] reqwest::Error),
}

/// The demo page in one browser session.
pub struct DemoPage<'a> {
    client: &'a Client,
}

impl<'a> DemoPage<'a> {
    /// Wraps a session.
    pub fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// Opens `url` and waits for the Start button.
    pub async fn open(&self, url: &str) -> Result<(), PageError> {
        self.client.goto(url).await?;
        self.wait_until("the Start button", || async {
            Ok(self.find("start").await.is_ok())
        })
        .await
    }

    /// The element with this `data-testid`.
    pub async fn find(&self, test_id: &str) -> Result<Element, PageError> {
        Ok(self
            .client
            .find(Locator::Css(&format!("[data-testid='{test_id}']")))
            .await?)
    }

    /// Clicks the element with this `data-testid`.
    pub async fn click(&self, test_id: &str) -> Result<(), PageError> {
        Ok(self.find(test_id).await?.click().await?)
    }

    /// Replaces the text of the input with this `data-testid`.
    pub async fn fill(&self, test_id: &str, text: &str) -> Result<(), PageError> {
        let input = self.find(test_id).await?;
        input.clear().await?;
        Ok(input.send_keys(text).await?)
    }

    /// Whether the element with this `data-testid` is shown.
    pub async fn displayed(&self, test_id: &str) -> Result<bool, PageError> {
        Ok(self.find(test_id).await?.is_displayed().await?)
    }

    /// Picks `value` in the select with this `data-testid`.
    pub async fn select(&self, test_id: &str, value: &str) -> Result<(), PageError> {
        Ok(self.find(test_id).await?.select_by_value(value).await?)
    }

    /// A DOM property (`value`, `disabled`, ...) of the element with this `data-testid`.
    pub async fn prop(&self, test_id: &str, name: &str) -> Result<String, PageError> {
        Ok(self
            .find(test_id)
            .await?
            .prop(name)
            .await?
            .unwrap_or_default())
    }

    /// The text of the element with this `data-testid`.
    pub async fn text(&self, test_id: &str) -> Result<String, PageError> {
        Ok(self.find(test_id).await?.text().await?)
    }

    /// The status badge's `data-status`.
    pub async fn status(&self) -> Result<String, PageError> {
        Ok(self
            .find("status")
            .await?
            .attr("data-status")
            .await?
            .unwrap_or_default())
    }

    /// The log's lines: each block's text, one line per `\n` (read as
    /// `textContent`, which blocks scrolled out of view also have).
    pub async fn lines(&self) -> Result<Vec<String>, PageError> {
        let lines = self
            .client
            .execute(
                "return Array.from(document.querySelectorAll('.tm-log-block'))\
                   .flatMap(function (b) { return b.textContent.split('\\n'); });",
                vec![],
            )
            .await?;
        serde_json::from_value(lines.clone())
            .map_err(|_| PageError::Unexpected(format!("the log's lines are not strings: {lines}")))
    }

    /// Status and log, for error messages.
    pub async fn describe(&self) -> String {
        let status = self.text("status").await.unwrap_or_default();
        let lines = self.lines().await.unwrap_or_default();
        let tail: Vec<_> = lines.iter().rev().take(5).rev().collect();
        format!("status {status:?}, {} lines, last {tail:?}", lines.len())
    }

    /// Polls `condition` every 100 ms for up to [`WAIT_LIMIT`].
    pub async fn wait_until<F, Fut>(&self, what: &str, condition: F) -> Result<(), PageError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<bool, PageError>>,
    {
        poll_until(what, condition, || self.describe()).await
    }

    /// Waits until the status badge says `status`.
    pub async fn wait_for_status(&self, status: &str) -> Result<(), PageError> {
        self.wait_until(&format!("status {status}"), || async {
            Ok(self.status().await? == status)
        })
        .await
    }

    /// Saves a PNG screenshot of the window.
    pub async fn screenshot(&self) -> Result<Vec<u8>, PageError> {
        Ok(self.client.screenshot().await?)
    }
}

/// Polls the task API's `status_url` (relative to `base`, or absolute)
/// until the task's `state` is `want`, for up to 5 s.
pub async fn wait_for_server_state(
    base: &str,
    status_url: &str,
    want: &str,
) -> Result<String, PageError> {
    let url = if status_url.starts_with("http") {
        status_url.to_owned()
    } else {
        format!("{base}{status_url}")
    };
    let mut state = String::new();
    for _ in 0..50 {
        let body: serde_json::Value = reqwest::get(&url).await?.json().await?;
        state = body["state"].as_str().unwrap_or_default().to_owned();
        if state == want {
            return Ok(state);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(PageError::Unexpected(format!(
        "the server says the task is {state:?}, not {want}"
    )))
}

/// Polls `condition` every 100 ms for up to [`WAIT_LIMIT`]; a timeout says
/// what `describe` says the page shows.
pub async fn poll_until<F, Fut, D, DFut>(
    what: &str,
    condition: F,
    describe: D,
) -> Result<(), PageError>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<bool, PageError>>,
    D: FnOnce() -> DFut,
    DFut: Future<Output = String>,
{
    let start = tokio::time::Instant::now();
    loop {
        if condition().await? {
            return Ok(());
        }
        if start.elapsed() > WAIT_LIMIT {
            return Err(PageError::Timeout {
                what: what.to_owned(),
                limit: WAIT_LIMIT,
                seen: describe().await,
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
