//! Unregistration (protocol §5.3) and the look-ups that turn a closed connection or an
//! expired broker into unregistrations (§6.3).
//!
//! Unregistrations arrive in batches (a burst of UNREGISTER_BROKER, every broker of a dead
//! connection, an expiry scan that found thousands). A batch first updates the group and
//! cluster tables request by request, then walks the topic table once for the whole batch,
//! so unregistering N brokers costs one pass over the topics rather than N.
//!
//! Where Java would fail on inconsistent input (a broker name unregistered twice in one
//! batch, a queue data whose group is gone), we treat the group as absent and carry on.

use std::collections::{BTreeMap, HashSet};

use super::*;

impl RouteTable {
    /// Applies a batch of unregistrations and returns the NOTIFY_MIN_BROKER_ID_CHANGEs to
    /// send (only when `notify_min_broker_id_changed` is on, and only for acting-master
    /// groups that lost their lowest id but still have members).
    pub fn unregister_brokers(&mut self, batch: &[BrokerUnregistration]) -> Vec<MinBrokerIdChange> {
        let mut changed = false;
        let mut removed: HashSet<&str> = HashSet::new();
        let mut reduced: HashSet<&str> = HashSet::new();
        // broker name → the address whose departure took the group's lowest id.
        let mut lost_min: BTreeMap<&str, &str> = BTreeMap::new();
        let mut seen: HashSet<&BrokerUnregistration> = HashSet::new();

        for request in batch {
            if !seen.insert(request) {
                continue;
            }
            let name = request.broker_name.as_str();
            let addr = request.broker_addr.as_str();
            changed |= self.forget_live(&BrokerAddrKey::new(&request.cluster_name, addr));

            let Some(group) = self.broker_addr_table.get_mut(name) else {
                reduced.insert(name);
                continue;
            };
            // The id in the request is only used to tell whether the minimum left; every id
            // this address holds is removed.
            let held_min = group.broker_addrs.keys().next() == Some(&request.broker_id);
            let before = group.broker_addrs.len();
            group.broker_addrs.retain(|_, a| a != addr);
            changed |= group.broker_addrs.len() != before;

            if group.broker_addrs.is_empty() {
                self.broker_addr_table.remove(name);
                changed = true;
                if let Some(names) = self.cluster_addr_table.get_mut(&request.cluster_name) {
                    names.remove(name);
                    if names.is_empty() {
                        self.cluster_addr_table.remove(&request.cluster_name);
                    }
                }
                self.operator_perm_brokers.remove(name);
                removed.insert(name);
            } else {
                reduced.insert(name);
                if held_min {
                    lost_min.insert(name, addr);
                }
            }
        }

        // Groups that serve on through slaves but lost their master: their queues turn
        // read-only so producers stop writing to them.
        let read_only: HashSet<&str> = reduced
            .iter()
            .copied()
            .filter(|name| {
                self.broker_addr_table.get(*name).is_some_and(|g| {
                    g.enable_acting_master
                        && !matches!(g.broker_addrs.keys().next(), Some(min) if *min <= MASTER_ID)
                })
            })
            .collect();
        if !removed.is_empty() || !read_only.is_empty() {
            let pool = &mut self.queue_pool;
            self.topic_queue_table.retain(|_, queues| {
                if !removed.is_empty() {
                    let before = queues.len();
                    queues.retain(|q| !removed.contains(q.broker_name.as_str()));
                    changed |= queues.len() != before;
                }
                for name in &read_only {
                    if let Some(queue) = queues.get(name).filter(|q| perm::is_writable(q.perm)) {
                        let read_only_queue = QueueData {
                            perm: queue.perm & !perm::WRITE,
                            ..queue.clone()
                        };
                        queues.insert(pool.share(read_only_queue));
                        changed = true;
                    }
                }
                !queues.is_empty()
            });
            // Already a pass over every topic: sweeping the pool too costs little.
            self.queue_pool.sweep();
        }

        let notifications = if self.config.notify_min_broker_id_changed {
            lost_min
                .into_iter()
                .filter_map(|(name, offline)| {
                    let group = self.broker_addr_table.get(name)?;
                    if !group.enable_acting_master {
                        return None;
                    }
                    MinBrokerIdChange::new(
                        name,
                        &group.broker_addrs,
                        Some(offline.to_owned()),
                        None,
                    )
                })
                .collect()
        } else {
            Vec::new()
        };
        if changed {
            self.touch();
        }
        notifications
    }

    /// Whether `request` names a broker this table holds: a live entry for its address, or
    /// its address in its group. Unregistering anything else changes nothing visible.
    pub fn holds(&self, request: &BrokerUnregistration) -> bool {
        self.is_live(&BrokerAddrKey::new(
            &request.cluster_name,
            &request.broker_addr,
        )) || self
            .broker_addr_table
            .get(&request.broker_name)
            .is_some_and(|g| g.broker_addrs.values().any(|a| *a == request.broker_addr))
    }

    /// Unregistrations for every broker registered over `connection`, for when it closes.
    /// (Java finds only the first; brokers sharing a connection all leave here.)
    pub fn broker_on_connection(&self, connection: ConnectionId) -> Vec<BrokerUnregistration> {
        let mut found: Vec<_> = self
            .broker_live_table
            .iter()
            .filter(|(_, e)| e.info.connection == connection)
            // A broker whose address no group of its cluster holds (its group first
            // registered under another cluster) still has a live entry to drop.
            .map(|(key, _)| {
                self.unregistration_for(key)
                    .unwrap_or_else(|| BrokerUnregistration {
                        cluster_name: key.cluster_name.clone(),
                        broker_addr: key.broker_addr.clone(),
                        broker_name: String::new(),
                        broker_id: 0,
                    })
            })
            .collect();
        found.sort_by(|a, b| {
            (&a.cluster_name, &a.broker_addr).cmp(&(&b.cluster_name, &b.broker_addr))
        });
        found
    }

    /// The unregistration for a broker process known only by cluster and address (expiry,
    /// closed connection): the group of that cluster holding the address, and its id there.
    /// `None` if no group of that cluster holds it.
    pub fn unregistration_for(&self, key: &BrokerAddrKey) -> Option<BrokerUnregistration> {
        let id_in = |group: &BrokerData| {
            if group.cluster != key.cluster_name {
                return None;
            }
            group
                .broker_addrs
                .iter()
                .find(|(_, addr)| **addr == key.broker_addr)
                .map(|(id, _)| *id)
        };
        // The group it last registered with is almost always still the one.
        let hinted = self
            .broker_live_table
            .get(key)
            .and_then(|e| self.broker_addr_table.get(&e.broker_name))
            .and_then(|g| Some((g, id_in(g)?)));
        let (group, broker_id) = hinted.or_else(|| {
            self.broker_addr_table
                .values()
                .filter_map(|g| Some((g, id_in(g)?)))
                .min_by(|a, b| a.0.broker_name.cmp(&b.0.broker_name))
        })?;
        Some(BrokerUnregistration {
            cluster_name: key.cluster_name.clone(),
            broker_addr: key.broker_addr.clone(),
            broker_name: group.broker_name.clone(),
            broker_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;
    use super::*;

    fn acting_master_table() -> RouteTable {
        let mut table = RouteTable::new();
        table.set_config(RouteConfig {
            support_acting_master: true,
            ..RouteConfig::default()
        });
        table
    }

    #[test]
    fn unregistering_a_lone_master_removes_its_topics() {
        let mut table = RouteTable::new();
        let master = Broker::master();
        master.register(&mut table, &["a", "b", "c"]);
        table.unregister_brokers(&[master.unregistration()]);
        for topic in ["a", "b", "c"] {
            assert!(table.topic_route(topic).is_none());
        }
        assert_eq!(table.topic_count(), 0);
        assert_eq!(table.broker_count(), 0);
        let info = table.cluster_info();
        assert!(info.broker_addr_table.is_empty());
        assert!(info.cluster_addr_table.is_empty(), "empty clusters go too");
    }

    #[test]
    fn unregistering_a_slave_keeps_the_master() {
        let mut table = RouteTable::new();
        let master = Broker::master();
        let slave = Broker::slave();
        master.register(&mut table, &["a", "b"]);
        slave.register(&mut table, &["a", "b"]);
        table.unregister_brokers(&[slave.unregistration()]);
        let route = table.topic_route("a").unwrap();
        assert_eq!(route.broker_datas.len(), 1);
        assert_eq!(
            route.broker_datas[0].broker_addrs,
            addrs(&[(0, MASTER_ADDR)])
        );
    }

    #[test]
    fn unregistering_a_replica_id_leaves_the_others() {
        let mut table = RouteTable::new();
        let brokers: Vec<_> = (0..3)
            .map(|id| {
                Broker::master()
                    .name("broker-0")
                    .id(id)
                    .addr(&format!("cluster-broker-0:{id}"))
            })
            .collect();
        for b in &brokers {
            b.register(&mut table, &["topic-0", "topic-1"]);
        }
        table.unregister_brokers(&[brokers[2].unregistration()]);
        let group = route_addrs(&table, "topic-0", "broker-0");
        assert_eq!(group.keys().copied().collect::<Vec<_>>(), [0, 1]);
    }

    #[test]
    fn losing_the_master_of_an_acting_master_group_makes_its_queues_read_only() {
        let mut table = acting_master_table();
        let master = Broker::master();
        master.register(&mut table, &["a", "b"]);
        Broker::slave().register(&mut table, &["a", "b"]);
        table.unregister_brokers(&[master.unregistration()]);
        assert_eq!(route_perm(&table, "a", BROKER), perm::READ);
        assert_eq!(
            route_addrs(&table, "a", BROKER),
            addrs(&[(0, SLAVE_ADDR)]),
            "the slave acts as master"
        );
    }

    #[test]
    fn losing_the_master_without_acting_master_keeps_perms_and_shows_no_master() {
        let mut table = acting_master_table();
        let master = Broker::master().acting_master(Some(false));
        master.register(&mut table, &["a", "b"]);
        Broker::slave()
            .acting_master(Some(false))
            .register(&mut table, &["a", "b"]);
        table.unregister_brokers(&[master.unregistration()]);
        assert_eq!(route_perm(&table, "a", BROKER), 6);
        assert_eq!(route_addrs(&table, "a", BROKER), addrs(&[(1, SLAVE_ADDR)]));
    }

    #[test]
    fn the_read_only_wipe_does_not_depend_on_support_acting_master() {
        let mut table = RouteTable::new();
        let master = Broker::master();
        master.register(&mut table, &["a", "b"]);
        Broker::slave().register(&mut table, &["a", "b"]);
        table.unregister_brokers(&[master.unregistration()]);
        assert_eq!(route_perm(&table, "a", BROKER), perm::READ);
        assert_eq!(route_addrs(&table, "a", BROKER), addrs(&[(1, SLAVE_ADDR)]));
    }

    #[test]
    fn a_batch_removes_every_group_it_empties() {
        let mut table = RouteTable::new();
        let one = Broker::master();
        let two = Broker::master()
            .name("Other_Broker")
            .addr("127.0.0.1:11911");
        one.register(&mut table, &["a", "shared"]);
        two.register(&mut table, &["b", "shared"]);
        table.unregister_brokers(&[one.unregistration(), two.unregistration()]);
        assert_eq!(table.topic_count(), 0);
        assert!(table.cluster_info().broker_addr_table.is_empty());
    }

    #[test]
    fn a_batch_that_reduces_then_removes_a_group_removes_it() {
        let mut table = RouteTable::new();
        let master = Broker::master();
        let slave = Broker::slave();
        master.register(&mut table, &["a", "b"]);
        slave.register(&mut table, &["a", "b"]);
        table.unregister_brokers(&[
            master.unregistration(),
            slave.unregistration(),
            slave.unregistration(),
        ]);
        assert_eq!(table.topic_count(), 0);
    }

    #[test]
    fn unregistering_an_unknown_broker_changes_nothing() {
        let mut table = RouteTable::new();
        Broker::master().register(&mut table, &["a", "b"]);
        let generation = table.generation();
        let stranger = Broker::master().name("nobody").addr("10.9.9.9:1");
        assert!(table
            .unregister_brokers(&[stranger.unregistration()])
            .is_empty());
        assert_eq!(table.generation(), generation);
        assert!(table.topic_route("a").is_some());
    }

    #[test]
    fn unregistering_removes_every_id_of_the_address() {
        let mut table = RouteTable::new();
        let master = Broker::master();
        master.register(&mut table, &["a", "b"]);
        let mut request = master.unregistration();
        request.broker_id = 7;
        table.unregister_brokers(&[request]);
        assert!(table.topic_route("a").is_none());
    }

    #[test]
    fn unregistration_drops_the_filter_servers() {
        let mut table = RouteTable::new();
        let master = Broker::master();
        let slave = Broker::slave();
        master.register(&mut table, &["a", "b"]);
        let mut reg = slave.registration(&["a", "b"]);
        reg.filter_server_list = Some(vec!["fs:1".to_owned()]);
        table.register_broker(reg);
        assert!(!table
            .topic_route("a")
            .unwrap()
            .filter_server_table
            .is_empty());
        table.unregister_brokers(&[slave.unregistration()]);
        assert!(table
            .topic_route("a")
            .unwrap()
            .filter_server_table
            .is_empty());
    }

    #[test]
    fn losing_the_minimum_notifies_the_remaining_members() {
        let mut table = RouteTable::new();
        table.set_config(RouteConfig {
            notify_min_broker_id_changed: true,
            ..RouteConfig::default()
        });
        let master = Broker::master();
        master.register(&mut table, &["a", "b"]);
        Broker::slave().register(&mut table, &["a", "b"]);
        let changes = table.unregister_brokers(&[master.unregistration()]);
        assert_eq!(
            changes,
            [MinBrokerIdChange {
                broker_name: BROKER.to_owned(),
                min_broker_id: 1,
                min_broker_addr: SLAVE_ADDR.to_owned(),
                offline_broker_addr: Some(MASTER_ADDR.to_owned()),
                ha_broker_addr: None,
                recipients: vec![SLAVE_ADDR.to_owned()],
            }]
        );
    }

    #[test]
    fn losing_the_minimum_notifies_only_acting_master_groups_when_enabled() {
        for (acting, notify, expected) in [(false, true, 0), (true, false, 0), (true, true, 1)] {
            let mut table = RouteTable::new();
            table.set_config(RouteConfig {
                notify_min_broker_id_changed: notify,
                ..RouteConfig::default()
            });
            let master = Broker::master().acting_master(Some(acting));
            master.register(&mut table, &["a", "b"]);
            Broker::slave()
                .acting_master(Some(acting))
                .register(&mut table, &["a", "b"]);
            let changes = table.unregister_brokers(&[master.unregistration()]);
            assert_eq!(changes.len(), expected, "acting {acting} notify {notify}");
        }
    }

    #[test]
    fn losing_a_non_minimum_member_or_the_last_one_notifies_nobody() {
        let mut table = RouteTable::new();
        table.set_config(RouteConfig {
            notify_min_broker_id_changed: true,
            ..RouteConfig::default()
        });
        let master = Broker::master();
        let slave = Broker::slave();
        master.register(&mut table, &["a", "b"]);
        slave.register(&mut table, &["a", "b"]);
        assert!(table
            .unregister_brokers(&[slave.unregistration()])
            .is_empty());
        assert!(table
            .unregister_brokers(&[master.unregistration()])
            .is_empty());
    }

    #[test]
    fn a_closed_connection_names_every_broker_on_it() {
        let mut table = RouteTable::new();
        let one = Broker::master().connection(7);
        let two = Broker::master()
            .name("Container_Broker")
            .addr("127.0.0.1:12911")
            .connection(7);
        let other = Broker::slave().connection(8);
        one.register(&mut table, &["a", "b"]);
        two.register(&mut table, &["a", "b"]);
        other.register(&mut table, &["a", "b"]);
        assert_eq!(
            table.broker_on_connection(7),
            [one.unregistration(), two.unregistration()]
        );
        assert!(table.broker_on_connection(99).is_empty());
    }

    #[test]
    fn a_closed_connection_drops_a_broker_even_when_its_group_sits_in_another_cluster() {
        let mut table = RouteTable::new();
        // The group's cluster is sticky: a member that later registers under another
        // cluster is live under that cluster but no group of it holds its address.
        Broker::master()
            .cluster("first")
            .register(&mut table, &["a", "b"]);
        let stray = Broker::slave().cluster("second").connection(42);
        stray.register(&mut table, &["a", "b"]);
        assert!(table.is_live(&stray.key()));
        let batch = table.broker_on_connection(42);
        assert_eq!(batch.len(), 1);
        table.unregister_brokers(&batch);
        assert!(!table.is_live(&stray.key()));
    }

    #[test]
    fn a_destroyed_connection_unregisters_its_broker() {
        let mut table = RouteTable::new();
        let master = Broker::master().connection(5);
        master.register(&mut table, &["a", "b"]);
        let batch = table.broker_on_connection(5);
        table.unregister_brokers(&batch);
        assert!(table.topic_route("a").is_none());
    }

    #[test]
    fn destroying_master_then_slave_connections_empties_the_route() {
        let mut table = RouteTable::new();
        let master = Broker::master().acting_master(Some(false));
        let slave = Broker::slave().acting_master(Some(false));
        master.register(&mut table, &["a", "b"]);
        slave.register(&mut table, &["a", "b"]);
        let batch = table.broker_on_connection(master.connection);
        table.unregister_brokers(&batch);
        assert_eq!(route_addrs(&table, "a", BROKER), addrs(&[(1, SLAVE_ADDR)]));
        let batch = table.broker_on_connection(slave.connection);
        table.unregister_brokers(&batch);
        assert!(table.topic_route("a").is_none());
    }

    #[test]
    fn role_switch_after_a_lost_connection_gives_the_same_routes() {
        let mut table = RouteTable::new();
        let master = Broker::master().acting_master(Some(false));
        let slave = Broker::slave().acting_master(Some(false));
        master.register(&mut table, &["a", "b"]);
        slave.register(&mut table, &["a", "b"]);
        let batch = table.broker_on_connection(master.connection);
        table.unregister_brokers(&batch);
        assert_eq!(route_addrs(&table, "a", BROKER), addrs(&[(1, SLAVE_ADDR)]));

        let mut promoted = slave.clone().id(0);
        promoted.bump();
        promoted.register(&mut table, &["a", "b"]);
        assert_eq!(route_addrs(&table, "a", BROKER), addrs(&[(0, SLAVE_ADDR)]));

        let mut demoted = master.clone().id(1);
        demoted.bump();
        demoted.register(&mut table, &["a", "b"]);
        assert_eq!(
            route_addrs(&table, "a", BROKER),
            addrs(&[(0, SLAVE_ADDR), (1, MASTER_ADDR)])
        );
    }

    #[test]
    fn expiry_finds_the_group_and_id_of_an_address() {
        let mut table = RouteTable::new();
        let master = Broker::master();
        let slave = Broker::slave();
        master.register(&mut table, &["a", "b"]);
        slave.register(&mut table, &["a", "b"]);
        assert_eq!(
            table.unregistration_for(&slave.key()),
            Some(slave.unregistration())
        );
        let batch: Vec<_> = table
            .unregistration_for(&master.key())
            .into_iter()
            .collect();
        table.unregister_brokers(&batch);
        assert_eq!(
            route_addrs(&table, "a", BROKER).keys().collect::<Vec<_>>(),
            [&1]
        );
    }

    #[test]
    fn expiry_look_up_requires_the_groups_cluster() {
        let mut table = RouteTable::new();
        let master = Broker::master();
        master.register(&mut table, &["a", "b"]);
        assert_eq!(
            table.unregistration_for(&BrokerAddrKey::new("Other_Cluster", MASTER_ADDR)),
            None
        );
        assert_eq!(
            table.unregistration_for(&BrokerAddrKey::new(CLUSTER, "10.0.0.1:1")),
            None
        );
    }

    #[test]
    fn expiry_look_up_falls_back_to_scanning_groups() {
        let mut table = RouteTable::new();
        let master = Broker::master();
        master.register(&mut table, &["a", "b"]);
        table.broker_live_table.clear();
        assert_eq!(
            table.unregistration_for(&master.key()),
            Some(master.unregistration())
        );
    }

    #[test]
    fn ten_thousand_brokers_leave_in_one_batch() {
        let mut table = acting_master_table();
        let mut masters = Vec::new();
        for i in 0..10_000 {
            let name = format!("broker-{i}");
            let master =
                Broker::master()
                    .name(&name)
                    .addr(&format!("10.0.{}.{}:10911", i / 256, i % 256));
            let slave =
                Broker::slave()
                    .name(&name)
                    .addr(&format!("10.1.{}.{}:10911", i / 256, i % 256));
            let topics = [format!("own-{i}"), "shared".to_owned()];
            let topics: Vec<&str> = topics.iter().map(String::as_str).collect();
            master.register(&mut table, &topics);
            if i % 2 == 0 {
                slave.register(&mut table, &topics);
            }
            masters.push(master);
        }
        let batch: Vec<_> = masters.iter().map(Broker::unregistration).collect();
        table.unregister_brokers(&batch);

        assert!(table.topic_route("own-1").is_none());
        assert_eq!(route_perm(&table, "own-0", "broker-0"), perm::READ);
        let shared = table.topic_route("shared").unwrap();
        assert_eq!(shared.broker_datas.len(), 5_000);
        assert!(shared.queue_datas.iter().all(|q| q.perm == perm::READ));
        assert_eq!(table.topic_count(), 5_001);
        assert_eq!(table.broker_count(), 5_000);
    }
}
