//! The stores a contract case runs on: SQLite in this process, and a
//! fresh real `redis-server` (started on a free port, stopped when dropped).

#![allow(dead_code)]

use std::time::Duration;

use sse_task_server::{RedisConfig, TaskServerConfig};

use super::redis::Redis;
use super::TestServer;

/// Which store a case runs on.
pub enum Store {
    /// In this process.
    Sqlite,
    /// On this `redis-server`.
    Redis(Redis),
}

impl Store {
    /// `sqlite` or `redis`, for the assertions' messages.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Redis(_) => "redis",
        }
    }

    /// `config` on this store, with the demo job.
    pub fn config(&self, mut config: TaskServerConfig) -> TaskServerConfig {
        config.demo_job = true;
        if let Self::Redis(redis) = self {
            let mut redis_config = RedisConfig::new(redis.url());
            redis_config.lease = Duration::from_millis(900);
            config.redis = Some(redis_config);
        }
        config
    }
}

impl Store {
    /// From now on the store refuses every write as full: SQLite may not
    /// grow its file (`max_page_count`), Redis may not grow its memory
    /// (`maxmemory` with no eviction); reads go on.
    pub async fn refuse_writes(&self, app: &TestServer) {
        match self {
            Self::Sqlite => {
                app.database
                    .exec(|connection| {
                        connection.pragma_update(None, "max_page_count", 1)?;
                        Ok(0)
                    })
                    .await
                    .unwrap();
            }
            Self::Redis(redis) => {
                let settings = ["maxmemory-policy", "noeviction", "maxmemory", "1"];
                config_set(redis, &settings).await;
            }
        }
    }
}

/// `CONFIG SET` of `settings` (name, value, ...) on `redis`.
pub async fn config_set(redis: &Redis, settings: &[&str]) {
    let client = ::redis::Client::open(redis.url()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let _: () = ::redis::cmd("CONFIG")
        .arg("SET")
        .arg(settings)
        .query_async(&mut connection)
        .await
        .unwrap();
}

/// Runs `case` on SQLite, then on a fresh `redis-server`.
pub async fn on_both_stores<F, Fut>(case: F)
where
    F: Fn(Store) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    case(Store::Sqlite).await;
    case(Store::Redis(Redis::start())).await;
}
