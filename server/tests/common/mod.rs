//! Helpers of the server's integration tests: the library's router served
//! on a loopback port in this process, a real `redis-server`, SSE helpers.

#![allow(dead_code)]

pub mod redis;
pub mod sse;
pub mod stores;

pub use sse::*;

use sse_task_server::{Database, TaskServer, TaskServerConfig};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The task server's router served in this test's runtime.
pub struct TestServer {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    stop: Option<oneshot::Sender<()>>,
    /// Resolves when `serve` returned.
    pub done: JoinHandle<Result<(), sse_task_server::ServerError>>,
    /// The server's SQLite database (`TaskServer::database`).
    pub database: Database,
}

impl TestServer {
    /// Builds a server with `config` and serves it ([`TestServer::serve`]).
    pub async fn start(config: TaskServerConfig) -> Self {
        Self::serve(TaskServer::builder(config).build().await.unwrap()).await
    }

    /// Serves `server`'s router (with its CORS layer, if any) on 127.0.0.1:0.
    pub async fn serve(server: TaskServer) -> Self {
        let database = server.database();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let done = tokio::spawn(async move {
            // As the docs say: CORS around the whole app.
            let router = match server.cors() {
                Some(cors) => server.router().layer(cors),
                None => server.router(),
            };
            let shutdown = async move {
                let _ = stopped.await;
            };
            server.serve(listener, router, shutdown).await
        });
        Self {
            base,
            stop: Some(stop),
            done,
            database,
        }
    }

    /// A server with the default configuration and the demo job.
    pub async fn default() -> Self {
        Self::start(configured(|_| {})).await
    }

    /// `base` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Shuts the server down and waits until it returned.
    pub async fn stop(mut self) {
        self.shutdown();
        let _ = (&mut self.done).await;
    }

    /// Triggers the graceful shutdown.
    pub fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Served for TestServer {
    fn base(&self) -> &str {
        &self.base
    }
}

/// The default configuration with the demo job (the `steps` kind these
/// tests run) and `change` made to it.
pub fn configured(change: impl FnOnce(&mut TaskServerConfig)) -> TaskServerConfig {
    let mut config = TaskServerConfig {
        demo_job: true,
        ..TaskServerConfig::default()
    };
    change(&mut config);
    config
}
