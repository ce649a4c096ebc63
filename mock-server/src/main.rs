//! `sse-mock-server`: parses the flags, sets up logging, binds, and serves
//! until SIGINT or SIGTERM.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use sse_mock_server::{check_config, run, Cli, ServerConfig};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .on_thread_start(yield_to_jobs)
        .build();
    match runtime {
        Ok(runtime) => runtime.block_on(serve()),
        Err(error) => fail(&format!("cannot start the runtime: {error}")),
    }
}

/// Niceness of the runtime's threads (requests and streams) relative to the
/// job and database-writer threads, which are created by the main thread
/// and keep its priority: when the CPU is short, viewers wait, jobs do not.
/// The lowest priority (19): measured on 2 cores with 1 000 streams of a
/// 20 000-step task, 10 left the job ~1.9x slower than with one stream, 19
/// about 1.35x (`scripts/bench.sh`).
const VIEWER_NICENESS: i32 = 19;

fn yield_to_jobs() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority with PRIO_PROCESS and 0 changes the calling
    // thread's niceness (Linux threads are scheduled one by one); raising it
    // needs no privilege and touches no memory.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, VIEWER_NICENESS);
    }
}

async fn serve() -> ExitCode {
    tracing_subscriber::fmt()
        // Colour codes only for a terminal: a log written to a file is text.
        .with_ansi(std::io::stdout().is_terminal())
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let cli = Cli::parse();
    let config = ServerConfig::from(&cli);
    if let Err(error) = check_config(&config).await {
        return fail(&error);
    }
    let listener = match tokio::net::TcpListener::bind(cli.addr).await {
        Ok(listener) => listener,
        Err(error) => return fail(&format!("cannot listen on {}: {error}", cli.addr)),
    };
    let addr = listener
        .local_addr()
        .map_or_else(|_| cli.addr.to_string(), |a| a.to_string());
    tracing::info!(%addr, static_dir = ?cli.static_dir, db = ?cli.db, "listening");
    println!("sse-mock-server listening on http://{addr}");
    match run(listener, config, shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(&error),
    }
}

/// Says what is wrong in one line and exits with 1.
fn fail(error: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("sse-mock-server: {error}");
    ExitCode::FAILURE
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}
