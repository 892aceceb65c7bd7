//! The YAML events of a text, in order. A large text is scanned on a second thread while the
//! caller builds nodes from the events already scanned: scanning is about three fifths of
//! parsing a 1000-service file and building the rest, so the two overlap on the machine's second
//! core instead of running one after the other. A small text is scanned in place (a thread
//! costs more than it would save).

use std::sync::mpsc::{self, SyncSender};

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, ScanError};

/// Texts at least this long are scanned on a second thread.
const PIPELINE_MIN_LEN: usize = 64 * 1024;
/// Events sent together (one channel operation per batch, not per event).
const BATCH_LEN: usize = 2048;
/// Batches the scanner may run ahead of the builder: bounds the memory in flight.
const BATCHES_AHEAD: usize = 8;

type Scanned = Result<(Event, Marker), ScanError>;

/// Where the text is scanned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scan {
    /// On a second thread from [`PIPELINE_MIN_LEN`] bytes, in place below.
    BySize,
    /// On a second thread whatever the size (tests compare both ways on small texts).
    SecondThread,
}

/// Calls `each` with every event of `source` until it returns `false` or the stream ends.
/// Returns the scanner's error when scanning failed before `each` stopped; the events before
/// the error have all been passed to `each`.
pub(super) fn for_each(
    source: &str,
    scan: Scan,
    mut each: impl FnMut(Event, Marker) -> bool,
) -> Result<(), ScanError> {
    if scan == Scan::BySize && source.len() < PIPELINE_MIN_LEN {
        return scan_in_place(source, &mut each);
    }
    std::thread::scope(|scope| {
        let (sender, receiver) = mpsc::sync_channel::<Vec<Scanned>>(BATCHES_AHEAD);
        let spawned = std::thread::Builder::new()
            .name("yaml-scan".into())
            .spawn_scoped(scope, move || scan_into(source, &sender));
        if spawned.is_err() {
            return scan_in_place(source, &mut each);
        }
        // Returning drops the receiver, which stops the scanner at its next batch.
        for batch in receiver {
            for scanned in batch {
                let (event, mark) = scanned?;
                let end = matches!(event, Event::StreamEnd);
                if !each(event, mark) || end {
                    return Ok(());
                }
            }
        }
        Ok(())
    })
}

fn scan_in_place(
    source: &str,
    each: &mut impl FnMut(Event, Marker) -> bool,
) -> Result<(), ScanError> {
    let mut parser = Parser::new_from_str(source);
    loop {
        let (event, mark) = parser.next_token()?;
        let end = matches!(event, Event::StreamEnd);
        if !each(event, mark) || end {
            return Ok(());
        }
    }
}

/// The scanning thread: sends the events in batches, the last one ending with the stream's end
/// or the scanner's error; stops early when the receiver is gone.
fn scan_into(source: &str, sender: &SyncSender<Vec<Scanned>>) {
    let mut parser = Parser::new_from_str(source);
    let mut batch = Vec::with_capacity(BATCH_LEN);
    loop {
        let scanned = parser.next_token();
        let last = matches!(scanned, Ok((Event::StreamEnd, _)) | Err(_));
        batch.push(scanned);
        if last || batch.len() == BATCH_LEN {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH_LEN));
            if sender.send(full).is_err() || last {
                return;
            }
        }
    }
}
