//! The Lua scripts that change a task: each runs atomically in Redis, so a
//! task's row, its events and the feed never disagree, and two nodes never
//! write the same event twice.
//!
//! Event writes are fenced: a task's events are written only by the node
//! that owns it (the one whose worker took its job), one seq after the
//! stored last one; a seq already stored is answered as done (a retried
//! batch), and a write of a node that lost the task (its lease expired and
//! another node took it over, or the task ended) is refused.

use redis::Script;

/// What a fenced write answered.
pub const WRITTEN: i64 = 1;
/// The event was already stored (a retry): nothing written, nothing lost.
pub const ALREADY: i64 = 0;
/// This node no longer owns the task, or the task ended.
pub const FENCED: i64 = -1;
/// The task is gone (retention).
pub const GONE: i64 = -2;
/// The seq does not follow the stored one (a concurrent change: retry).
pub const OUT_OF_ORDER: i64 = -3;
/// The queue is full.
pub const QUEUE_FULL: i64 = -4;
/// The task's owner has the most active tasks one user may have.
pub const USER_LIMIT: i64 = -5;

const TERMINAL: &str = "
local function terminal(state)
  return state == 'completed' or state == 'failed' or state == 'cancelled'
end
";

/// KEYS: task, tasks, jobs, feed, feed-seq, queued, the owner's active set.
/// ARGV: id, created ms, queue capacity, feed data, most active tasks per
/// owner (0: no limit), owner, field, value, ...
/// Answers the task's queue position, [`QUEUE_FULL`] or [`USER_LIMIT`].
/// The owner's set is cleaned of ended or removed tasks before it refuses.
pub fn create() -> Script {
    Script::new(&create_source())
}

fn create_source() -> String {
    format!(
        "{TERMINAL}
local waiting = redis.call('SCARD', KEYS[6])
if waiting >= tonumber(ARGV[3]) then return -4 end
local cap = tonumber(ARGV[5])
if cap > 0 and redis.call('SCARD', KEYS[7]) >= cap then
  local task_key = string.sub(KEYS[1], 1, #KEYS[1] - #ARGV[1])
  for _, id in ipairs(redis.call('SMEMBERS', KEYS[7])) do
    local state = redis.call('HGET', task_key .. id, 'state')
    if not state or terminal(state) then redis.call('SREM', KEYS[7], id) end
  end
  if redis.call('SCARD', KEYS[7]) >= cap then return -5 end
end
redis.call('HSET', KEYS[1], unpack(ARGV, 7))
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('SADD', KEYS[6], ARGV[1])
if ARGV[6] ~= '' then redis.call('SADD', KEYS[7], ARGV[1]) end
local g = redis.call('INCR', KEYS[5])
redis.call('XADD', KEYS[4], '0-' .. g, 'task', ARGV[1], 'user', ARGV[6], 'data', ARGV[4])
redis.call('XADD', KEYS[3], '*', 'task', ARGV[1])
return waiting
"
    )
}

/// KEYS: task, events, feed, feed-seq, the task owner's active set.
/// ARGV: node (or '' for any: a cancel), task id, seq, wire id, kind,
/// data, feed data, '1' when the event ends the task, field, value, ...
/// (the row after the event).
pub fn append() -> Script {
    Script::new(&append_source())
}

fn append_source() -> String {
    format!(
        "{TERMINAL}
local h = redis.call('HMGET', KEYS[1], 'owner', 'state', 'last_seq', 'user')
if not h[2] then return -2 end
local last = tonumber(h[3])
local seq = tonumber(ARGV[3])
if seq <= last then return 0 end
if (ARGV[1] ~= '' and h[1] ~= ARGV[1]) or terminal(h[2]) then return -1 end
if seq ~= last + 1 then return -3 end
redis.call('XADD', KEYS[2], '0-' .. seq, 'id', ARGV[4], 'kind', ARGV[5], 'data', ARGV[6])
redis.call('HSET', KEYS[1], unpack(ARGV, 9))
local g = redis.call('INCR', KEYS[4])
redis.call('XADD', KEYS[3], '0-' .. g, 'task', ARGV[2], 'user', h[4] or '', 'data', ARGV[7])
if ARGV[8] == '1' then redis.call('SREM', KEYS[5], ARGV[2]) end
return 1
"
    )
}

/// KEYS: task, the task owner's active set. ARGV: node, task id, '1' when
/// the change ends the task, field, value, ... (a row change without an
/// event: the task starts).
pub fn update() -> Script {
    Script::new(&update_source())
}

fn update_source() -> String {
    format!(
        "{TERMINAL}
local h = redis.call('HMGET', KEYS[1], 'owner', 'state')
if not h[2] then return -2 end
if h[1] ~= ARGV[1] or terminal(h[2]) then return -1 end
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
if ARGV[3] == '1' then redis.call('SREM', KEYS[2], ARGV[2]) end
return 1
"
    )
}

/// KEYS: task, queued. ARGV: node, task id. Makes `node` the task's
/// owner, unless it ended: 1 when taken, 0 when there is nothing to run.
pub fn take() -> Script {
    Script::new(&take_source())
}

fn take_source() -> String {
    format!(
        "{TERMINAL}
redis.call('SREM', KEYS[2], ARGV[2])
local state = redis.call('HGET', KEYS[1], 'state')
if not state or terminal(state) then return 0 end
redis.call('HSET', KEYS[1], 'owner', ARGV[1])
return 1
"
    )
}

/// Every script's source, for `SCRIPT LOAD` on a new connection (a pipeline
/// calls them by hash, and a restarted Redis has forgotten them).
pub fn sources() -> [String; 4] {
    [
        create_source(),
        append_source(),
        update_source(),
        take_source(),
    ]
}
