//! Sending a request to the controller leader.
//!
//! Only the leader decides: followers answer CONTROLLER_NOT_LEADER (2007) and forward
//! nothing, in Java's controller as in ours. Every node names the leader it knows in its
//! CONTROLLER_GET_METADATA_INFO answer, which is how brokers and `mqadmin` find it. `mqadmin`
//! asks only the first address and trusts it; here the listed addresses are asked in order, and
//! an address that is down, knows no leader, or names a leader that is down or no longer leads
//! (a killed leader stays named until the others time it out) is noted on stderr and the next
//! address asked. Each address is asked once and each named leader tried once (a leader that
//! answers 2007 a few times, `NOT_LEADER_RETRIES`), so the search ends within the list; when it
//! ends without an answer the error lists every attempt.

use std::collections::BTreeSet;
use std::time::Duration;

use namesrv_client::Client;
use namesrv_protocol::code::ResponseCode;

use super::requests;
use crate::error::AdminError;
use crate::{note, queries};

/// How often, and how far apart, a named leader answering CONTROLLER_NOT_LEADER is asked
/// again before the next address is: Java's controller names itself leader in 1005 for a
/// while after its election before it serves (it is not "in leader state" until it has caught
/// up), and 2007 means the request was not acted on, so asking again is safe.
const NOT_LEADER_RETRIES: u32 = 4;
const NOT_LEADER_PAUSE: Duration = Duration::from_millis(500);

/// A refusal that means "ask the leader": the node named as leader has stepped down since,
/// or does not serve yet.
fn is_not_leader(e: &AdminError) -> bool {
    matches!(e, AdminError::Refused { code, .. } if *code == ResponseCode::CONTROLLER_NOT_LEADER.code())
}

/// Runs `request` on the leader found through `addrs`; the leader's address and the result.
pub fn on_leader<T>(
    addrs: &[String],
    timeout: Duration,
    mut request: impl FnMut(&mut Client) -> Result<T, AdminError>,
) -> Result<(String, T), AdminError> {
    let mut attempts = Vec::new();
    let mut tried = BTreeSet::new();
    for (i, addr) in addrs.iter().enumerate() {
        let then = match addrs.get(i + 1) {
            Some(next) => format!("asking the next controller address, {next}"),
            None => "no controller address left to ask".to_owned(),
        };
        let found = queries::connect(addr, timeout).and_then(|mut c| {
            let meta = requests::metadata(&mut c)?;
            Ok((c, meta))
        });
        let (here, meta) = match found {
            Ok(found) => found,
            Err(e) => {
                note(&e, &then);
                attempts.push(e);
                continue;
            }
        };
        let leader = if meta.is_leader {
            addr.clone()
        } else {
            match meta
                .controller_leader_address
                .filter(|a| !a.trim().is_empty())
            {
                Some(leader) => leader.trim().to_owned(),
                None => {
                    let e = AdminError::NoLeaderKnown { addr: addr.clone() };
                    note(&e, &then);
                    attempts.push(e);
                    continue;
                }
            }
        };
        if !tried.insert(leader.clone()) {
            continue;
        }
        let connected = if leader == *addr {
            Ok(here)
        } else {
            drop(here);
            queries::connect(&leader, timeout)
        };
        let answer = connected.and_then(|mut c| {
            let mut answer = request(&mut c);
            for _ in 0..NOT_LEADER_RETRIES {
                if !matches!(&answer, Err(e) if is_not_leader(e)) {
                    break;
                }
                std::thread::sleep(NOT_LEADER_PAUSE);
                answer = request(&mut c);
            }
            answer
        });
        match answer {
            Ok(result) => return Ok((leader, result)),
            Err(e) if e.tries_next() || is_not_leader(&e) => {
                note(&e, &format!("{addr} named it leader; {then}"));
                attempts.push(e);
            }
            Err(e) => return Err(e),
        }
    }
    Err(AdminError::NoLeader(attempts))
}
