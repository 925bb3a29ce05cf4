//! The election policy (Java's `DefaultElectPolicy`): which replica of a group becomes
//! master.
//!
//! Candidates are the living members of the sync-state set; only if none qualifies, and only
//! with `enableElectUncleanMaster`, the living members outside it (a master from outside the
//! set may lack messages the old master acknowledged). Among the candidates:
//! 1. a still-living old master stays, unless an operator designated another broker;
//! 2. a designated broker wins if it is a living candidate, otherwise nobody wins in this
//!    round;
//! 3. otherwise the best report wins: highest epoch, then highest max offset, then the
//!    lowest election priority; equal reports go to the lowest broker id.
//!
//! Deliberately not like Java: Java compares max offsets as `(int) (o2 - o1)`, which for
//! replicas more than 2 GiB of commit log apart can rank the one behind first, and compares
//! priorities by subtraction, which overflows for negative priorities. We compare the
//! numbers. A candidate without a report (Java would fail with a null pointer) ranks last.

use std::cmp::Reverse;
use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::liveness::ReplicaLiveness;

/// The controller settings elections depend on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElectPolicy {
    /// `enableElectUncleanMaster` (default false): allow a master from outside the sync-state
    /// set when nobody in it is alive.
    pub enable_elect_unclean_master: bool,
}

/// What an election looks at.
#[derive(Debug, Clone, Copy)]
pub struct ElectionInput<'a> {
    pub cluster_name: &'a str,
    pub broker_name: &'a str,
    pub sync_state_set: &'a BTreeSet<i64>,
    /// Every registered replica of the group.
    pub all_replicas: &'a BTreeSet<i64>,
    pub old_master: Option<i64>,
    /// The broker an operator designated (`mqadmin electMaster`).
    pub preferred: Option<i64>,
}

impl ElectPolicy {
    /// The new (or kept) master, or `None` when nobody qualifies.
    pub fn elect(&self, input: &ElectionInput<'_>, liveness: &impl ReplicaLiveness) -> Option<i64> {
        try_elect(input, input.sync_state_set, liveness).or_else(|| {
            if self.enable_elect_unclean_master {
                try_elect(input, input.all_replicas, liveness)
            } else {
                None
            }
        })
    }
}

fn try_elect(
    input: &ElectionInput<'_>,
    pool: &BTreeSet<i64>,
    liveness: &impl ReplicaLiveness,
) -> Option<i64> {
    let alive: BTreeSet<i64> = pool
        .iter()
        .copied()
        .filter(|id| liveness.is_alive(input.cluster_name, input.broker_name, *id))
        .collect();
    if alive.is_empty() {
        return None;
    }
    if let Some(old) = input.old_master {
        if alive.contains(&old) && (input.preferred.is_none() || input.preferred == Some(old)) {
            return Some(old);
        }
    }
    if let Some(preferred) = input.preferred {
        return alive.contains(&preferred).then_some(preferred);
    }
    alive.into_iter().min_by_key(|id| {
        let report = liveness.heartbeat(input.cluster_name, input.broker_name, *id);
        (
            report.is_none(),
            report.as_ref().map(|r| Reverse(r.epoch)),
            report.as_ref().map(|r| Reverse(r.max_offset)),
            report.as_ref().map(|r| r.election_priority),
            *id,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::liveness::{LivenessSnapshot, ReplicaHeartbeat, ReplicaKey};

    /// Replicas of group c/b: (id, epoch, max offset, priority).
    fn alive(replicas: &[(i64, i32, i64, i32)]) -> LivenessSnapshot {
        LivenessSnapshot {
            alive: replicas
                .iter()
                .map(|&(id, epoch, max_offset, election_priority)| {
                    (
                        ReplicaKey {
                            cluster_name: "c".into(),
                            broker_name: "b".into(),
                            broker_id: id,
                        },
                        ReplicaHeartbeat {
                            epoch,
                            max_offset,
                            confirm_offset: max_offset,
                            election_priority,
                            address: format!("127.0.0.1:{}", 30_000 + id),
                        },
                    )
                })
                .collect(),
        }
    }

    fn elect(
        policy: ElectPolicy,
        set: &[i64],
        all: &[i64],
        old: Option<i64>,
        preferred: Option<i64>,
        live: &LivenessSnapshot,
    ) -> Option<i64> {
        let set: BTreeSet<i64> = set.iter().copied().collect();
        let all: BTreeSet<i64> = all.iter().copied().collect();
        policy.elect(
            &ElectionInput {
                cluster_name: "c",
                broker_name: "b",
                sync_state_set: &set,
                all_replicas: &all,
                old_master: old,
                preferred,
            },
            live,
        )
    }

    const CLEAN: ElectPolicy = ElectPolicy {
        enable_elect_unclean_master: false,
    };
    const UNCLEAN: ElectPolicy = ElectPolicy {
        enable_elect_unclean_master: true,
    };

    #[test]
    fn a_living_old_master_is_kept() {
        let live = alive(&[(1, 1, 1, 0), (2, 5, 9, 0)]);
        assert_eq!(
            elect(CLEAN, &[1, 2], &[1, 2], Some(1), None, &live),
            Some(1)
        );
    }

    #[test]
    fn higher_epoch_wins_then_higher_offset_then_lower_priority() {
        // Java's ReplicasInfoManagerTest: master 1 dead; 2 has epoch 1, 3 has epoch 0.
        let live = alive(&[(2, 1, 2, 0), (3, 0, 3, 0)]);
        assert_eq!(
            elect(CLEAN, &[1, 2, 3], &[1, 2, 3], Some(1), None, &live),
            Some(2)
        );
        let live = alive(&[(2, 1, 2, 0), (3, 1, 3, 0)]);
        assert_eq!(
            elect(CLEAN, &[1, 2, 3], &[1, 2, 3], Some(1), None, &live),
            Some(3)
        );
        let live = alive(&[(2, 1, 3, 2), (3, 1, 3, 1)]);
        assert_eq!(
            elect(CLEAN, &[1, 2, 3], &[1, 2, 3], Some(1), None, &live),
            Some(3)
        );
        let live = alive(&[(2, 1, 3, 1), (3, 1, 3, 1)]);
        assert_eq!(
            elect(CLEAN, &[1, 2, 3], &[1, 2, 3], Some(1), None, &live),
            Some(2),
            "equal reports go to the lowest id"
        );
    }

    #[test]
    fn offsets_more_than_2_gib_apart_rank_by_value_not_by_javas_int_cast() {
        let ahead = 3 * (1i64 << 31);
        let live = alive(&[(2, 1, 1, 0), (3, 1, 1 + ahead, 0)]);
        assert_eq!(elect(CLEAN, &[2, 3], &[2, 3], None, None, &live), Some(3));
        let live = alive(&[(2, 1, 0, -1), (3, 1, 0, i32::MAX)]);
        assert_eq!(elect(CLEAN, &[2, 3], &[2, 3], None, None, &live), Some(2));
    }

    #[test]
    fn a_designated_broker_wins_only_while_alive() {
        let live = alive(&[(1, 1, 1, 0), (2, 1, 1, 0), (3, 1, 9, 0)]);
        assert_eq!(
            elect(CLEAN, &[1, 2, 3], &[1, 2, 3], Some(1), Some(2), &live),
            Some(2)
        );
        assert_eq!(
            elect(CLEAN, &[1, 2, 3], &[1, 2, 3], Some(1), Some(1), &live),
            Some(1)
        );
        let live = alive(&[(1, 1, 1, 0), (3, 1, 9, 0)]);
        assert_eq!(
            elect(CLEAN, &[1, 2, 3], &[1, 2, 3], Some(1), Some(2), &live),
            None
        );
        // Outside the set: only with unclean election.
        let live = alive(&[(1, 1, 1, 0), (4, 1, 1, 0)]);
        assert_eq!(elect(CLEAN, &[1], &[1, 4], Some(1), Some(4), &live), None);
        assert_eq!(
            elect(UNCLEAN, &[1], &[1, 4], Some(1), Some(4), &live),
            Some(4)
        );
    }

    #[test]
    fn outside_the_sync_state_set_only_when_unclean_election_is_on() {
        let live = alive(&[(2, 1, 100, 0), (3, 1, 50, 0)]);
        assert_eq!(elect(CLEAN, &[1], &[1, 2, 3], Some(1), None, &live), None);
        assert_eq!(
            elect(UNCLEAN, &[1], &[1, 2, 3], Some(1), None, &live),
            Some(2)
        );
        // A living set member always beats anyone outside it, however far ahead.
        let live = alive(&[(2, 1, 1, 0), (3, 9, 999, 0)]);
        assert_eq!(
            elect(UNCLEAN, &[1, 2], &[1, 2, 3], Some(1), None, &live),
            Some(2)
        );
    }

    #[test]
    fn nobody_alive_elects_nobody() {
        let live = alive(&[]);
        assert_eq!(
            elect(UNCLEAN, &[1, 2], &[1, 2, 3], Some(1), None, &live),
            None
        );
    }
}
