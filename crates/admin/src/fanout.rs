//! What a command does with a list of replicas (name servers or controller nodes): a read
//! asks them in order until one answers, a write (or `--all-replicas`) asks every one. Both
//! print the answer themselves; see the crate docs for why a refusal ends a read while an
//! unreachable replica does not.

use serde_json::Value;

use crate::error::{self, AdminError};
use crate::{note, output};

/// Asks every replica; prints each answer under `== addr` (JSON: one object keyed by address,
/// errors included) and returns the exit code of the worst failure.
pub fn every(
    replicas: &[String],
    json: bool,
    mut ask: impl FnMut(usize, &str) -> Result<(Value, String), AdminError>,
) -> i32 {
    let mut all = serde_json::Map::new();
    let mut text = String::new();
    let mut codes = Vec::new();
    for (i, addr) in replicas.iter().enumerate() {
        match ask(i, addr) {
            Ok((value, t)) => {
                all.insert(addr.clone(), value);
                text.push_str(&format!("== {addr}\n{t}\n"));
            }
            Err(e) => {
                codes.push(e.exit_code());
                if !json {
                    eprintln!("namesrv-admin: {e}");
                }
                all.insert(addr.clone(), e.to_json());
            }
        }
    }
    output::print(json, &Value::Object(all), &text);
    error::worst(codes)
}

/// Asks replicas in order until one answers, and prints that answer. Replicas that could not
/// answer at all are skipped with a note; a refusal ends the command.
pub fn first(
    replicas: &[String],
    json: bool,
    mut ask: impl FnMut(usize, &str) -> Result<(Value, String), AdminError>,
) -> Result<i32, AdminError> {
    let mut attempts = Vec::new();
    for (i, addr) in replicas.iter().enumerate() {
        match ask(i, addr) {
            Ok((value, text)) => {
                output::print(json, &value, &text);
                return Ok(0);
            }
            Err(e) if e.tries_next() => {
                if let Some(next) = replicas.get(i + 1) {
                    note(&e, &format!("trying the next replica, {next}"));
                }
                attempts.push(e);
            }
            Err(e) => return Err(e),
        }
    }
    match attempts.len() {
        1 => Err(attempts.remove(0)),
        _ => Err(AdminError::NoneAnswered(attempts)),
    }
}
