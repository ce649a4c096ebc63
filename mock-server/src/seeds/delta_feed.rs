//! Announces new delta-seed messages to open `/seeds/delta` streams.

use tokio::sync::watch;

/// The newest message id inserted through this server.
pub struct DeltaFeed {
    newest: watch::Sender<u64>,
}

impl Default for DeltaFeed {
    fn default() -> Self {
        Self {
            newest: watch::Sender::new(0),
        }
    }
}

impl DeltaFeed {
    /// Tells the streams that message `id` is stored.
    pub fn announce(&self, id: u64) {
        self.newest.send_replace(id);
    }

    /// Wakes on every announced message.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.newest.subscribe()
    }
}
