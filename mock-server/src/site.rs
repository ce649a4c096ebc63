//! `--static-dir`: the site's files, served as a browser caches them best.
//!
//! - Compressed at build (`scripts/lib/precompress.sh` writes `name.br` and
//!   `name.gz` beside each file): a request that accepts brotli or gzip gets
//!   that file with its `Content-Encoding`; `Vary: accept-encoding` always.
//! - A name that carries trunk's content hash (`app-0123456789abcdef.js`) never
//!   changes: cached for a year, `immutable`. Any other file (`index.html`, the
//!   element's `task-monitor.js`) is `no-cache`: a returning visit asks again
//!   (`If-None-Match`, `If-Modified-Since`) and gets a bodiless 304 while it
//!   is unchanged.
//! - A path that is no file is a JSON 404 that names it (the demo has no
//!   client-side routes, so a mistyped stream URL must read as "not found",
//!   not as a page of HTML); nothing outside the folder is reachable.

use std::path::Path;

use axum::handler::HandlerWithoutStateExt;
use axum::http::header::CACHE_CONTROL;
use axum::http::{HeaderValue, Uri};
use axum::middleware::{from_fn, Next};
use axum::response::Response;
use axum::Router;
use sse_task_server::http::ApiError;
use tower_http::services::ServeDir;

/// What a file whose name carries a content hash may be cached for.
const HASHED: &str = "public, max-age=31536000, immutable";
/// What any other file may be cached for: kept, but asked again each visit.
const UNHASHED: &str = "no-cache";

/// The site in `dir` as a fallback router (see the header).
pub fn site(dir: &Path) -> Router {
    let files = ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(no_such_file.into_service());
    Router::new()
        .fallback_service(files)
        .layer(from_fn(cache_headers))
}

/// Adds the cache rule of the requested file to a successful answer.
async fn cache_headers(request: axum::extract::Request, next: Next) -> Response {
    let hashed = has_content_hash(request.uri().path());
    let mut response = next.run(request).await;
    let status = response.status();
    if status.is_success() || status == axum::http::StatusCode::NOT_MODIFIED {
        let rule = if hashed { HASHED } else { UNHASHED };
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static(rule));
    }
    response
}

/// Whether the file name ends in trunk's hash: `-` then 16 lowercase hex
/// digits before the extension (`app-0123456789abcdef_bg.wasm` too).
fn has_content_hash(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let stem = name.split('.').next().unwrap_or(name);
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    match stem.rsplit_once('-') {
        Some((_, hash)) => {
            hash.len() == 16
                && hash
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        }
        None => false,
    }
}

/// A path that is neither a route nor a file of the site (see the header).
async fn no_such_file(uri: Uri) -> ApiError {
    let path: String = uri.path().chars().take(200).collect();
    ApiError::NotFound(format!("no such route or file: {path}"))
}

#[cfg(test)]
mod tests {
    use super::has_content_hash;

    #[test]
    fn only_trunks_hashed_names_count_as_immutable() {
        assert!(has_content_hash("/demo-5c2f1e0a9b8d7c6e.js"));
        assert!(has_content_hash("/demo-5c2f1e0a9b8d7c6e_bg.wasm"));
        assert!(has_content_hash("/style-0123456789abcdef.css"));
        assert!(!has_content_hash("/index.html"));
        assert!(!has_content_hash("/element/task-monitor.js"));
        assert!(!has_content_hash("/element/task_monitor_element_bg.wasm"));
        assert!(!has_content_hash("/a-0123456789ABCDEF.js"));
        assert!(!has_content_hash("/a-0123456789abcde.js"));
    }
}
