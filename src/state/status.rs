//! Where a stream is in its life, and the `EventSource`'s own `readyState`.

use crate::words::{Failure, Labels, Word};

/// The status shown to the user.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TaskStatus {
    /// Nothing started yet.
    #[default]
    Idle,
    /// Creating the task or opening the connection.
    Connecting,
    /// The page holds as many connections to the server as the browser
    /// opens at once: this stream waits for one of them to close.
    Queued,
    /// Connected; events flow.
    Open,
    /// The server ended the connection as planned; the next one opens soon.
    Waiting,
    /// The browser is offline: no attempt until it is back online.
    Offline,
    /// The tab is hidden and the stream paused until it shows again.
    Paused,
    /// Reconnecting: after a connection that went silent (0 failed
    /// attempts), or attempts to connect fail and are retried with backoff.
    Reconnecting {
        /// Failed attempts in a row so far.
        attempt: u32,
    },
    /// The task finished; the source is closed for good.
    Completed,
    /// The task or the connection failed.
    Failed {
        /// Why: a code, and the values the labels put in words.
        failure: Failure,
    },
    /// Stopped by the user, or cancelled on the server.
    Stopped {
        /// The task was cancelled, or the server asked to cancel it (Stop on
        /// a task the monitor created or attached); false when only the
        /// watching stopped (Stop on a stream URL: the task may go on).
        cancelled: bool,
    },
}

impl TaskStatus {
    /// True once nothing more will arrive.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            Self::Completed | Self::Failed { .. } | Self::Stopped { .. }
        )
    }

    /// True while a connection is wanted (connecting, open or reconnecting).
    pub fn is_active(&self) -> bool {
        matches!(
            self,
            Self::Connecting
                | Self::Queued
                | Self::Open
                | Self::Waiting
                | Self::Offline
                | Self::Paused
                | Self::Reconnecting { .. }
        )
    }

    /// Short lowercase name: a CSS class and a `data-status` attribute.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Idle => "idle",
            Self::Connecting => "connecting",
            Self::Queued => "queued",
            Self::Open => "open",
            Self::Waiting => "waiting",
            Self::Offline => "offline",
            Self::Paused => "paused",
            Self::Reconnecting { .. } => "reconnecting",
            Self::Completed => "completed",
            Self::Failed { .. } => "failed",
            Self::Stopped { .. } => "stopped",
        }
    }

    /// The status badge's classes: `status` and `status-{name}`.
    pub fn badge_class(&self) -> String {
        format!("tm-status tm-status-{}", self.name())
    }

    /// Words for the status badge, in English.
    pub fn label(&self) -> String {
        self.words(&Labels::english())
    }

    /// Words for the status badge, in `labels`' words.
    pub fn words(&self, labels: &Labels) -> String {
        let word = match self {
            Self::Idle => Word::StatusIdle,
            Self::Connecting => Word::StatusConnecting,
            Self::Queued => Word::StatusQueued,
            Self::Open => Word::StatusOpen,
            Self::Waiting => Word::StatusWaiting,
            Self::Offline => Word::StatusOffline,
            Self::Paused => Word::StatusPaused,
            Self::Reconnecting { attempt: 0 } => Word::StatusReconnectingNow,
            Self::Reconnecting { attempt } => {
                return labels.say(Word::StatusReconnecting, &[("n", &attempt.to_string())])
            }
            Self::Completed => Word::StatusCompleted,
            Self::Failed { failure } => {
                let reason = labels.failure(failure);
                return labels.say(Word::StatusFailed, &[("reason", &reason)]);
            }
            Self::Stopped { cancelled: true } => Word::StatusStopped,
            Self::Stopped { cancelled: false } => Word::StatusStoppedWatching,
        };
        labels.template(word).to_owned()
    }
}

/// The `EventSource.readyState` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReadyState {
    /// 0: connecting, or waiting to reconnect.
    Connecting,
    /// 1: open.
    Open,
    /// 2: closed for good (or no source yet).
    #[default]
    Closed,
}

impl ReadyState {
    /// Maps the numeric `readyState`.
    pub fn from_code(code: u16) -> Self {
        match code {
            0 => Self::Connecting,
            1 => Self::Open,
            _ => Self::Closed,
        }
    }
}
