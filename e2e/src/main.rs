//! `sse-task-e2e`: the end-to-end test of the built demo site in a real
//! browser. Starts Debian's chromedriver, drives headless Chromium through
//! fantoccini against a mock server that serves `dist/`, checks what the user
//! sees and what the server says, and saves a screenshot. With `--engine
//! firefox` or `--engine webkit` it runs the element's pages (every
//! transport, Stop, three tabs on one stream) in that engine instead.

mod accessibility;
mod demo_users;
mod element;
mod example_app;
mod npm_package;
mod php_page;
mod redis_nodes;
mod redis_process;
mod restart;
mod scenario;
mod server_process;
mod shared_tabs;
mod signed_in_app;
mod tasks_view;

use sse_task_e2e::driver;
use sse_task_e2e::page::PageError;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// End-to-end test of the demo site.
#[derive(Debug, Parser)]
struct Args {
    /// Base URL of a mock server started with `--static-dir dist`.
    #[arg(long)]
    base_url: String,
    /// The chromedriver binary (Debian's package; nothing is downloaded).
    #[arg(long, default_value = "/usr/bin/chromedriver")]
    chromedriver: PathBuf,
    /// The Chromium binary.
    #[arg(long, default_value = "/usr/bin/chromium")]
    chromium: PathBuf,
    /// The browser engine: `chromium` runs every step; `firefox` and
    /// `webkit` run the element's pages.
    #[arg(long, value_enum, default_value = "chromium")]
    engine: EngineArg,
    /// geckodriver (for `--engine firefox`; scripts/install-tools.sh
    /// installs it from crates.io).
    #[arg(long, default_value = "geckodriver")]
    geckodriver: PathBuf,
    /// The Firefox binary.
    #[arg(long, default_value = "/usr/bin/firefox-esr")]
    firefox: PathBuf,
    /// WebKitWebDriver, or a wrapper that gives it a display (for
    /// `--engine webkit`).
    #[arg(long, default_value = "/usr/bin/WebKitWebDriver")]
    webkit_driver: PathBuf,
    /// The mock server binary: when given (with `--dist`), also runs the
    /// crash scenario, where the e2e test starts, SIGKILLs and restarts it,
    /// and the plain page under `php -S` against a server it starts.
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// The task server's `folder_hashes` example: when given (with
    /// `--dist`, whose `element/` it serves), its page runs its own job.
    #[arg(long)]
    example_bin: Option<PathBuf>,
    /// The task server's `my_exports` example: when given (with `--dist`),
    /// two users sign in to it in two browsers.
    #[arg(long)]
    exports_bin: Option<PathBuf>,
    /// The built site, for the crash scenario's server.
    #[arg(long, default_value = "dist")]
    dist: PathBuf,
    /// axe-core's `axe.min.js` (scripts/install-tools.sh installs it and
    /// sets `SSE_AXE_JS`).
    #[arg(long, env = "SSE_AXE_JS")]
    axe_js: PathBuf,
    /// Runs only these steps (comma separated module names, e.g.
    /// `signed_in_app,demo_users`), for a contributor's loop.
    #[arg(long)]
    only: Option<String>,
    /// Where to save the screenshot (PNG).
    #[arg(long, default_value = "target/e2e/demo.png")]
    screenshot: PathBuf,
}

/// `--engine`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum EngineArg {
    Chromium,
    Firefox,
    Webkit,
}

/// The steps every engine runs; the others need Chromium's console log.
const EVERY_ENGINE: [&str; 2] = ["element", "shared_tabs"];

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let base = args.base_url.trim_end_matches('/').to_owned();
    let started = match args.engine {
        EngineArg::Chromium => driver::Driver::start(&args.chromedriver, &args.chromium).await,
        EngineArg::Firefox => driver::Driver::start_firefox(&args.geckodriver, &args.firefox).await,
        EngineArg::Webkit => driver::Driver::start_webkit(&args.webkit_driver).await,
    };
    let driver = match started {
        Ok(driver) => driver,
        Err(error) => {
            eprintln!("e2e: {error}");
            return ExitCode::FAILURE;
        }
    };
    let chromium = args.engine == EngineArg::Chromium;
    let wants = |step: &str| {
        (chromium || EVERY_ENGINE.contains(&step))
            && args
                .only
                .as_deref()
                .is_none_or(|only| only.split(',').any(|name| name.trim() == step))
    };
    let mut result = if chromium {
        console_check_sees_errors(&driver, &base).await
    } else {
        Ok(Vec::new())
    };
    if result.is_ok() && wants("scenario") {
        result = scenario::run(&driver, &base, &args.screenshot).await;
    }
    if let (Ok(steps), true) = (&mut result, wants("tasks_view")) {
        match tasks_view::run(&driver.client, &base).await {
            Ok(step) => steps.push(step),
            Err(error) => result = Err(error),
        }
    }
    if let (Ok(steps), true) = (&mut result, wants("element")) {
        match element::run(&driver, &base).await {
            Ok(passed) => steps.extend(passed),
            Err(error) => result = Err(error),
        }
    }
    if let (Ok(steps), Some(bin), true) = (&mut result, &args.server_bin, wants("shared_tabs")) {
        match shared_tabs::run(&driver, bin, &args.dist).await {
            Ok(step) => steps.push(step),
            Err(error) => result = Err(error),
        }
    }
    if let (Ok(steps), true) = (&mut result, wants("accessibility")) {
        match accessibility::run(&driver.client, &base, &args.axe_js).await {
            Ok(step) => steps.push(step),
            Err(error) => result = Err(error),
        }
    }
    if let (Ok(steps), Some(bin), true) = (&mut result, &args.server_bin, wants("demo_users")) {
        match demo_users::run(&driver, bin, &args.dist).await {
            Ok(step) => steps.push(step),
            Err(error) => result = Err(error),
        }
    }
    if let (Ok(steps), Some(bin), true) = (&mut result, &args.server_bin, wants("restart")) {
        match restart::run(&driver, bin, &args.dist).await {
            Ok(step) => steps.push(step),
            Err(error) => result = Err(error),
        }
    }
    if let (Ok(steps), Some(bin), true) = (&mut result, &args.server_bin, wants("redis_nodes")) {
        match redis_nodes::run(&driver, bin, &args.dist).await {
            Ok(step) => steps.push(step),
            Err(error) => result = Err(error),
        }
    }
    if let (Ok(steps), Some(bin), true) = (&mut result, &args.server_bin, wants("php_page")) {
        match php_page::run(&driver, bin, &args.dist).await {
            Ok(step) => steps.push(step),
            Err(error) => result = Err(error),
        }
    }
    if let (Ok(steps), Some(bin), true) = (&mut result, &args.server_bin, wants("npm_package")) {
        match npm_package::run(&driver, bin, &args.dist).await {
            Ok(step) => steps.push(step),
            Err(error) => result = Err(error),
        }
    }
    if let (Ok(steps), Some(example), true) = (&mut result, &args.example_bin, wants("example_app"))
    {
        match example_app::run(&driver, example, &args.dist).await {
            Ok(step) => steps.push(step),
            Err(error) => result = Err(error),
        }
    }
    if let (Ok(steps), Some(example), true) =
        (&mut result, &args.exports_bin, wants("signed_in_app"))
    {
        let browser = (args.chromedriver.as_path(), args.chromium.as_path());
        match signed_in_app::run(&driver, browser, example, &args.dist).await {
            Ok(step) => steps.push(step),
            Err(error) => result = Err(error),
        }
    }
    if let (Ok(steps), true) = (&mut result, chromium) {
        match driver.console_errors().await {
            Ok(errors) if errors.is_empty() => {
                steps.push("no uncaught error in the console on any page".into())
            }
            Ok(errors) => {
                result = Err(PageError::Unexpected(format!(
                    "errors in the console: {errors:#?}"
                )))
            }
            Err(error) => result = Err(error.into()),
        }
    }
    driver.stop().await;
    match result {
        Ok(steps) => {
            let engine = format!("{:?}", args.engine).to_lowercase();
            for step in steps {
                if chromium {
                    println!("e2e: ok: {step}");
                } else {
                    println!("e2e: ok ({engine}): {step}");
                }
            }
            if chromium {
                println!("e2e: screenshot saved to {}", args.screenshot.display());
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("e2e: FAILED: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The console check itself: an uncaught exception and an unhandled
/// rejection on a page are both reported (and drained, so the run's own
/// check starts clean).
async fn console_check_sees_errors(
    driver: &driver::Driver,
    base: &str,
) -> Result<Vec<String>, PageError> {
    driver
        .client
        .goto(&format!("{base}/element/es.html"))
        .await?;
    driver
        .client
        .execute(
            "setTimeout(() => { throw new Error('e2e-check-exception'); });
             Promise.reject(new Error('e2e-check-rejection'));",
            vec![],
        )
        .await?;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let errors = driver.console_errors().await?.join("\n");
    if !errors.contains("e2e-check-exception") || !errors.contains("e2e-check-rejection") {
        return Err(PageError::Unexpected(format!(
            "the console check does not see a page's errors: {errors:?}"
        )));
    }
    Ok(Vec::new())
}
