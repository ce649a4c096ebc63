//! One load client: reads an SSE stream to its end and checks the ids.

use futures_util::StreamExt;

/// What one client saw.
#[derive(Debug, Clone, Default)]
pub struct StreamReport {
    /// Events with a numeric id.
    pub events: u64,
    /// Whether the stream ended with `id: CLOSE`.
    pub closed: bool,
    /// The first problem, if any.
    pub error: Option<String>,
}

impl StreamReport {
    /// A client that could not run.
    pub fn failed(error: String) -> Self {
        Self {
            error: Some(error),
            ..Self::default()
        }
    }
}

/// Reads `url` to its end; ids must be 1, 2, 3, ... then `CLOSE`.
pub async fn read_stream(client: reqwest::Client, url: String) -> StreamReport {
    let mut report = StreamReport::default();
    let response = match client.get(&url).send().await {
        Ok(response) if response.status().is_success() => response,
        Ok(response) => return StreamReport::failed(format!("status {}", response.status())),
        Err(error) => return StreamReport::failed(error.to_string()),
    };
    let mut body = response.bytes_stream();
    let mut pending: Vec<u8> = Vec::new();
    while let Some(chunk) = body.next().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(error) => {
                report.error = Some(error.to_string());
                return report;
            }
        };
        pending.extend_from_slice(&chunk);
        let mut start = 0;
        while let Some(end) = find_line_end(&pending, start) {
            let line = &pending[start..end];
            start = end + 1;
            if let Some(id) = line.strip_prefix(b"id: ") {
                if id == b"CLOSE" {
                    report.closed = true;
                } else if std::str::from_utf8(id)
                    .ok()
                    .and_then(|t| t.parse::<u64>().ok())
                    == Some(report.events + 1)
                {
                    report.events += 1;
                } else {
                    report.error = Some(format!(
                        "id {:?} after {}",
                        String::from_utf8_lossy(id),
                        report.events
                    ));
                    return report;
                }
            }
        }
        pending.drain(..start);
    }
    report
}

fn find_line_end(bytes: &[u8], from: usize) -> Option<usize> {
    bytes[from..]
        .iter()
        .position(|b| *b == b'\n')
        .map(|i| from + i)
}
