//! The mock server's users (`--user NAME:TOKEN`, `NAME:TOKEN:operator` for
//! one who sees every task): a request is a user by its
//! `Authorization: Bearer TOKEN`, or by the session cookie the demo's
//! sign-in form sets (so an `EventSource` needs no secret in its URL).
//! Sessions live in memory, at most [`MAX_SESSIONS`], newest kept.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use sse_task_server::http::{bearer_token, same_secret, ApiError, Caller, Refusal};
use thiserror::Error;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "sse_session";

/// Sessions kept at most (the oldest go first).
pub const MAX_SESSIONS: usize = 10_000;

/// One user of the flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Their name: their tasks' owner.
    pub name: String,
    /// What they sign in with.
    pub token: String,
    /// Sees every task.
    pub operator: bool,
}

/// Why a `--user` flag cannot be read.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum UserError {
    /// Not `NAME:TOKEN` or `NAME:TOKEN:operator`.
    #[error("--user {0:?}: expected NAME:TOKEN or NAME:TOKEN:operator, both not empty")]
    Form(String),
    /// Two users with one name or one token.
    #[error("--user {0:?}: another user has that name or token")]
    Taken(String),
}

impl User {
    /// Reads one `--user` flag.
    pub fn parse(flag: &str) -> Result<Self, UserError> {
        let form = || UserError::Form(flag.chars().take(64).collect());
        let mut parts = flag.splitn(3, ':');
        let (name, token) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let operator = match parts.next() {
            None => false,
            Some("operator") => true,
            Some(_) => return Err(form()),
        };
        if name.trim().is_empty() || token.is_empty() {
            return Err(form());
        }
        Ok(Self {
            name: name.trim().to_owned(),
            token: token.to_owned(),
            operator,
        })
    }
}

/// The users, their sessions, and who a request is.
#[derive(Debug, Default)]
pub struct Users {
    users: Vec<User>,
    sessions: Mutex<Sessions>,
}

#[derive(Debug, Default)]
struct Sessions {
    by_id: HashMap<String, usize>,
    order: VecDeque<String>,
}

impl Users {
    /// The users of the `--user` flags.
    pub fn from_flags(flags: &[String]) -> Result<Self, UserError> {
        let mut users: Vec<User> = Vec::new();
        for flag in flags {
            let user = User::parse(flag)?;
            if users
                .iter()
                .any(|other| other.name == user.name || other.token == user.token)
            {
                return Err(UserError::Taken(user.name));
            }
            users.push(user);
        }
        Ok(Self {
            users,
            sessions: Mutex::default(),
        })
    }

    /// True when users were named (tasks then belong to them).
    pub fn any(&self) -> bool {
        !self.users.is_empty()
    }

    fn by_token(&self, token: &str) -> Option<usize> {
        self.users
            .iter()
            .position(|user| same_secret(user.token.as_bytes(), token.as_bytes()))
    }

    /// Opens a session for the user whose token is `token`; its id.
    pub fn sign_in(&self, token: &str) -> Option<(String, &User)> {
        let user = self.by_token(token)?;
        let id = uuid::Uuid::new_v4().simple().to_string();
        let mut sessions = self.sessions.lock().ok()?;
        sessions.by_id.insert(id.clone(), user);
        sessions.order.push_back(id.clone());
        while sessions.order.len() > MAX_SESSIONS {
            if let Some(old) = sessions.order.pop_front() {
                sessions.by_id.remove(&old);
            }
        }
        Some((id, &self.users[user]))
    }

    /// Ends the session `id`.
    pub fn sign_out(&self, id: &str) {
        if let Ok(mut sessions) = self.sessions.lock() {
            sessions.by_id.remove(id);
            sessions.order.retain(|kept| kept != id);
        }
    }

    /// The user of a request: its bearer token, else its session cookie.
    pub fn of(&self, headers: &HeaderMap) -> Option<&User> {
        if let Some(token) = bearer_token(headers) {
            return self.by_token(&token).map(|user| &self.users[user]);
        }
        let id = session_id(headers)?;
        let sessions = self.sessions.lock().ok()?;
        sessions.by_id.get(&id).map(|user| &self.users[*user])
    }

    /// The task server's hook: the request's user, or a 401 that says how
    /// to sign in.
    pub fn identify(&self, parts: &Parts) -> Result<Caller, Refusal> {
        match self.of(&parts.headers) {
            Some(user) if user.operator => Ok(Caller::operator(&user.name)),
            Some(user) => Ok(Caller::user(&user.name)),
            None => Err(ApiError::Unauthorized(
                "sign in first: POST /session with your token, or send Authorization: Bearer"
                    .into(),
            )
            .into()),
        }
    }
}

/// The session cookie's value, if the request has one.
pub fn session_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .find_map(|cookie| {
            let (name, value) = cookie.trim().split_once('=')?;
            (name == SESSION_COOKIE).then(|| value.to_owned())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_name_users_and_operators_and_refuse_what_they_cannot_read() {
        let users =
            Users::from_flags(&["alice:a-token".into(), "root:r-token:operator".into()]).unwrap();
        assert!(users.any());
        assert!(users.users[1].operator);
        for bad in ["alice", "alice:", ":t", "a:t:admin"] {
            assert!(matches!(User::parse(bad), Err(UserError::Form(_))), "{bad}");
        }
        let twice = Users::from_flags(&["a:t".into(), "b:t".into()]);
        assert!(matches!(twice, Err(UserError::Taken(_))));
    }

    #[test]
    fn a_request_is_its_bearer_tokens_user_or_its_sessions() {
        let users = Users::from_flags(&["alice:a-token".into(), "bob:b-token".into()]).unwrap();
        let headers = |pairs: &[(header::HeaderName, String)]| {
            let mut map = HeaderMap::new();
            for (name, value) in pairs {
                map.append(name, value.parse().unwrap());
            }
            map
        };
        let bearer = headers(&[(header::AUTHORIZATION, "Bearer b-token".into())]);
        assert_eq!(users.of(&bearer).map(|u| u.name.as_str()), Some("bob"));
        let (id, _) = users.sign_in("a-token").unwrap();
        let cookie = headers(&[(header::COOKIE, format!("theme=dark; {SESSION_COOKIE}={id}"))]);
        assert_eq!(users.of(&cookie).map(|u| u.name.as_str()), Some("alice"));
        users.sign_out(&id);
        assert_eq!(users.of(&cookie), None);
        assert!(users.sign_in("wrong").is_none());
    }
}
