//! Which DOM blocks show the log, and how to bring them up to date in
//! O(changed lines).
//!
//! A flood cannot afford one element per line: creating, styling and laying
//! out 100 000 `div`s is most of the page's work. So the log is shown as
//! blocks: a run of info lines that arrived together is one block whose text
//! is the lines joined by `\n` (shown with `white-space: pre-wrap`), and each
//! warning or error is a block of its own, so it can be styled and counted.
//! A slow stream still gets one block per line.

use std::collections::VecDeque;

use crate::state::{LogLevel, TaskLog};

/// Most lines in one block: bounds the text rewritten when the log drops the
/// oldest lines of the first block.
pub const MAX_BLOCK_LINES: u64 = 256;
/// Most bytes of text in one block (a block of one longer line aside),
/// likewise: long lines make short blocks.
pub const MAX_BLOCK_BYTES: usize = 64 * 1024;

/// One block on screen: the log's lines `first..next`, all of one level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block {
    /// Key of the block's first line.
    pub first: u64,
    /// Key after its last line.
    pub next: u64,
    /// Level of its lines.
    pub level: LogLevel,
}

/// What to do to the DOM, in this order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BlockPlan {
    /// Remove this many blocks from the front.
    pub remove_front: usize,
    /// Then set the (new) first block's text to the lines of this block,
    /// because the log dropped its oldest lines.
    pub rewrite_front: Option<Block>,
    /// Then append these blocks.
    pub append: Vec<Block>,
}

/// The blocks on screen, oldest first.
#[derive(Debug, Clone, Default)]
pub struct LogBlocks {
    blocks: VecDeque<Block>,
}

impl LogBlocks {
    /// Plans the update to show exactly `log`'s lines, and records the blocks
    /// as they will be once the plan is applied.
    pub fn update(&mut self, log: &TaskLog) -> BlockPlan {
        let log_first = log.first_key();
        let mut plan = BlockPlan::default();
        while self.blocks.front().is_some_and(|b| b.next <= log_first) {
            self.blocks.pop_front();
            plan.remove_front += 1;
        }
        if let Some(front) = self.blocks.front_mut() {
            if front.first < log_first {
                front.first = log_first;
                plan.rewrite_front = Some(*front);
            }
        }
        let append_from = self
            .blocks
            .back()
            .map_or(log_first, |b| b.next.max(log_first));
        let mut current: Option<Block> = None;
        let mut current_bytes = 0;
        for line in log.lines_from(append_from) {
            let extends = current.is_some_and(|block| {
                block.level == LogLevel::Info
                    && line.level == LogLevel::Info
                    && block.next - block.first < MAX_BLOCK_LINES
                    && current_bytes + line.text.len() <= MAX_BLOCK_BYTES
            });
            match current.as_mut() {
                Some(block) if extends => {
                    block.next = line.key + 1;
                    current_bytes += line.text.len();
                }
                _ => {
                    current_bytes = line.text.len();
                    plan.append.extend(current.take());
                    current = Some(Block {
                        first: line.key,
                        next: line.key + 1,
                        level: line.level,
                    });
                }
            }
        }
        plan.append.extend(current);
        self.blocks.extend(plan.append.iter().copied());
        plan
    }

    #[cfg(test)]
    /// Number of blocks on screen.
    pub fn len(&self) -> usize {
        self.blocks.len()
    }

    #[cfg(test)]
    /// True when nothing is on screen.
    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }
}

/// The text of `block`: its lines still in `log`, joined by `\n`.
pub fn block_text(log: &TaskLog, block: &Block) -> String {
    let mut text = String::new();
    for line in log
        .lines_from(block.first)
        .take_while(|line| line.key < block.next)
    {
        if line.key > block.first {
            text.push('\n');
        }
        text.push_str(&line.text);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push(log: &mut TaskLog, level: LogLevel, text: &str) {
        log.push(level, text, None, 0.0);
    }

    /// Applies plans to a model of the DOM (one string per block), as the view does.
    fn render(dom: &mut Vec<String>, log: &TaskLog, plan: &BlockPlan) {
        dom.drain(..plan.remove_front);
        if let Some(front) = plan.rewrite_front {
            dom[0] = block_text(log, &front);
        }
        dom.extend(plan.append.iter().map(|block| block_text(log, block)));
    }

    #[test]
    fn a_burst_of_info_lines_is_one_block_and_warnings_stand_alone() {
        let mut log = TaskLog::with_capacity(100);
        let mut blocks = LogBlocks::default();
        let mut dom = Vec::new();
        push(&mut log, LogLevel::Info, "one");
        push(&mut log, LogLevel::Info, "two");
        push(&mut log, LogLevel::Warning, "odd");
        push(&mut log, LogLevel::Info, "three");
        render(&mut dom, &log, &blocks.update(&log));
        assert_eq!(dom, ["one\ntwo", "odd", "three"]);
        assert_eq!(blocks.update(&log), BlockPlan::default());
        push(&mut log, LogLevel::Error, "boom");
        let plan = blocks.update(&log);
        assert_eq!(plan.append.len(), 1);
        assert_eq!(plan.append[0].level, LogLevel::Error);
        render(&mut dom, &log, &plan);
        assert_eq!(dom, ["one\ntwo", "odd", "three", "boom"]);
    }

    #[test]
    fn the_screen_holds_exactly_the_kept_lines_under_a_flood() {
        let mut log = TaskLog::with_capacity(1000);
        let mut blocks = LogBlocks::default();
        let mut dom = Vec::new();
        let mut pushed = 0;
        // Frames of growing size, one larger than the whole log.
        for frame in [1, 3, 300, 700, 2500, 10, 1] {
            for _ in 0..frame {
                push(&mut log, LogLevel::Info, &format!("line {pushed}"));
                pushed += 1;
            }
            render(&mut dom, &log, &blocks.update(&log));
            let shown: Vec<&str> = dom.iter().flat_map(|text| text.split('\n')).collect();
            let kept: Vec<&str> = log.lines().map(|line| line.text.as_str()).collect();
            assert_eq!(shown, kept);
            assert_eq!(blocks.len(), dom.len());
        }
        assert!(dom
            .iter()
            .all(|text| text.split('\n').count() as u64 <= MAX_BLOCK_LINES));
    }

    #[test]
    fn long_lines_make_short_blocks_so_a_rewrite_stays_small() {
        let mut log = TaskLog::with_capacity(1000);
        let mut blocks = LogBlocks::default();
        let mut dom = Vec::new();
        let line = "x".repeat(4000);
        for _ in 0..40 {
            push(&mut log, LogLevel::Info, &line);
        }
        render(&mut dom, &log, &blocks.update(&log));
        assert_eq!(dom.len(), 3, "40 lines of 4 000 bytes: 16 per block");
        assert!(dom.iter().all(|text| text.len() <= MAX_BLOCK_BYTES + 8));
    }

    #[test]
    fn a_cleared_log_empties_the_screen() {
        let mut log = TaskLog::with_capacity(10);
        let mut blocks = LogBlocks::default();
        let mut dom = Vec::new();
        push(&mut log, LogLevel::Info, "old");
        render(&mut dom, &log, &blocks.update(&log));
        log.clear();
        render(&mut dom, &log, &blocks.update(&log));
        assert!(dom.is_empty() && blocks.is_empty());
        push(&mut log, LogLevel::Info, "new");
        render(&mut dom, &log, &blocks.update(&log));
        assert_eq!(dom, ["new"]);
    }
}
