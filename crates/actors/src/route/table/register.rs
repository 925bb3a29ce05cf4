//! REGISTER_BROKER (protocol §5.2).
//!
//! Follows Java step by step, including its quirks that brokers can observe (the sticky
//! cluster of a group, the conflict path that answers SUCCESS, the refused single-topic
//! first registration that leaves an empty group behind). It departs from Java where
//! Java's behaviour is an accident that loses routes:
//!
//! * **Nameless topic configs are skipped.** Java throws midway through writing topics,
//!   swallows the error and answers SUCCESS, leaving the broker in the group table but
//!   without a live entry, so it never expires and is never cleaned on disconnect.
//! * **Same-version registrations merge.** Java updates a broker's topics only when its
//!   DataVersion changed; with an unchanged version it only adds topics missing for the
//!   broker. Split registration (a large broker sending its topics in chunks that all carry
//!   the one new DataVersion) then updates only the first chunk's topics. Here every chunk
//!   writes its own topics' queue data. A periodic re-registration with unchanged topics
//!   writes identical values and so changes nothing, generation included.
//! * **Operator perm changes still stick.** Because of the merge, WIPE/ADD_WRITE_PERM would
//!   be undone by the broker's next periodic registration. So after such a change the
//!   group falls back to Java's add-only rule until it reports a new DataVersion, which is
//!   exactly as long as Java keeps the operator's perms.
//! * **Deleting unlisted topics waits for a new DataVersion.** With
//!   `delete_topic_with_broker_registration`, Java deletes on every registration, so a
//!   split registration deletes every topic outside the current chunk. Here only a
//!   registration whose DataVersion differs from the stored one deletes: later chunks of
//!   the same version never remove each other's topics. The trade-off: the first chunk of a
//!   new version still removes the topics the later chunks carry, until those arrive a
//!   moment later; and a broker that drops topics without bumping its version (real brokers
//!   always bump it when topics change) keeps them until it does.
//! * **Static-topic mappings merge on every registration**, not only on a new DataVersion:
//!   they change with a version of their own and, in split registration, travel only in the
//!   last chunk, which Java would ignore.

use std::collections::{BTreeMap, HashSet};

use namesrv_protocol::body::{
    BodyFingerprint, BrokerData, DataVersion, QueueData, TopicConfigSerializeWrapper,
};

use super::*;

/// What the registering broker may do to its group's topic data.
struct TopicWrite<'a> {
    broker_name: &'a str,
    /// The registration carries a DataVersion we have not stored for this broker.
    version_changed: bool,
    /// First registration of this address in this group: write everything.
    register_first: bool,
    /// A prime slave standing in for a lost master in an acting-master group: its queues
    /// are served read-only.
    clear_write: bool,
}

/// A registration in progress: what every step needs besides the table.
pub(super) struct Registering {
    pub(super) reg: BrokerRegistration,
    pub(super) key: BrokerAddrKey,
    pub(super) incoming_version: DataVersion,
    /// Something an answer can see changed (moves the generation when done).
    pub(super) changed: bool,
    /// First registration of this address in this group.
    pub(super) register_first: bool,
    /// The group's lowest broker id went down with this registration.
    pub(super) min_id_changed: bool,
    /// The broker's queues left every topic the body does not list.
    pub(super) unlisted_removed: bool,
}

/// Why a broker id was not taken; see [`RegisterOutcome`].
enum Refusal {
    Conflict,
    Refused,
}

/// Who the registering broker is in its group, once it holds its id.
pub(super) struct Role {
    is_master: bool,
    /// The lowest 5.x slave of a group without master: it speaks for the group's topics.
    is_prime_slave: bool,
}

impl Role {
    /// Its registrations write the group's topics; other slaves' only refresh themselves.
    pub(super) fn writes_group_topics(&self) -> bool {
        self.is_master || self.is_prime_slave
    }
}

impl RouteTable {
    /// Registers or refreshes one broker process. See the module docs for where this
    /// departs from Java.
    pub fn register_broker(&mut self, reg: BrokerRegistration) -> RegisterOutcome {
        let key = BrokerAddrKey::new(&reg.cluster_name, &reg.broker_addr);
        let incoming_version = reg
            .topic_config_wrapper
            .as_ref()
            .map(|w| w.data_version)
            .unwrap_or_default();
        let mut r = Registering {
            reg,
            key,
            incoming_version,
            changed: false,
            register_first: false,
            min_id_changed: false,
            unlisted_removed: false,
        };
        let fingerprint = r.reg.body_fingerprint;
        let outcome = self.register(&mut r);
        if r.changed {
            self.touch();
        }
        if let (RegisterOutcome::Registered { .. }, Some(fingerprint)) = (&outcome, fingerprint) {
            self.note_applied(&r.key, fingerprint, r.unlisted_removed);
        }
        outcome
    }

    /// Remembers the body a broker's registration applied, as of the current generation.
    pub(super) fn note_applied(
        &mut self,
        key: &BrokerAddrKey,
        fingerprint: BodyFingerprint,
        unlisted_removed: bool,
    ) {
        let generation = self.generation;
        if let Some(entry) = self.broker_live_table.get_mut(key) {
            entry.applied = Some(AppliedBody {
                fingerprint,
                generation,
                unlisted_removed,
            });
        }
    }

    /// The steps, in Java's order. A conflict or refusal returns without undoing the steps
    /// before it, as Java does.
    fn register(&mut self, r: &mut Registering) -> RegisterOutcome {
        self.join_cluster_and_group(r);
        if let Err(refusal) = self.claim_broker_id(r) {
            return match refusal {
                Refusal::Conflict => RegisterOutcome::Conflict,
                Refusal::Refused => RegisterOutcome::Refused,
            };
        }
        let role = self.role_in_group(r);
        if role.writes_group_topics() {
            self.write_group_topics(r, &role);
        }
        self.record_live_entry(r);
        self.record_filter_servers(r);
        self.registered_reply(r, &role)
    }

    /// Puts the group in the cluster and the broker's flags on the group; an address that
    /// held another id in the group gives it up (role switch: one address, one id).
    fn join_cluster_and_group(&mut self, r: &mut Registering) {
        let reg = &r.reg;
        r.changed |= self
            .cluster_addr_table
            .entry(reg.cluster_name.clone())
            .or_default()
            .insert(reg.broker_name.clone());

        // A group keeps the cluster it first registered under.
        let mut created = false;
        let group = self
            .broker_addr_table
            .entry(reg.broker_name.clone())
            .or_insert_with(|| {
                created = true;
                BrokerData {
                    cluster: reg.cluster_name.clone(),
                    broker_name: reg.broker_name.clone(),
                    broker_addrs: BTreeMap::new(),
                    enable_acting_master: false,
                    zone_name: None,
                }
            });
        r.register_first = created;
        r.changed |= created;

        let acting_master = reg.enable_acting_master.unwrap_or(false);
        if group.enable_acting_master != acting_master {
            group.enable_acting_master = acting_master;
            r.changed = true;
        }
        if group.zone_name != reg.zone_name {
            group.zone_name = reg.zone_name.clone();
            r.changed = true;
        }

        let prev_min_id = group
            .broker_addrs
            .keys()
            .next()
            .copied()
            .unwrap_or(MASTER_ID);
        r.min_id_changed = reg.broker_id < prev_min_id;

        let before = group.broker_addrs.len();
        group
            .broker_addrs
            .retain(|id, addr| *id == reg.broker_id || *addr != reg.broker_addr);
        r.changed |= group.broker_addrs.len() != before;
    }

    /// Takes the broker id in the group, unless another address holds it with a newer state
    /// version (Conflict) or this is a single-topic registration of an id the group does not
    /// know yet (Refused).
    fn claim_broker_id(&mut self, r: &mut Registering) -> Result<(), Refusal> {
        let reg = &r.reg;
        let group = self
            .broker_addr_table
            .get_mut(&reg.broker_name)
            .expect("joined above");
        if let Some(holder) = group.broker_addrs.get(&reg.broker_id) {
            if *holder != reg.broker_addr {
                let holder_key = BrokerAddrKey::new(&reg.cluster_name, holder);
                let newer_holder = self.broker_live_table.get(&holder_key).is_some_and(|e| {
                    e.info.data_version.state_version > r.incoming_version.state_version
                });
                if newer_holder {
                    self.broker_live_table.remove(&r.key);
                    return Err(Refusal::Conflict);
                }
            }
        }

        // An incremental (one-topic) registration needs the broker already in its group.
        let single_topic = reg
            .topic_config_wrapper
            .as_ref()
            .is_some_and(|w| w.topic_config_table.len() == 1);
        if single_topic && !group.broker_addrs.contains_key(&reg.broker_id) {
            return Err(Refusal::Refused);
        }

        let previous = group
            .broker_addrs
            .insert(reg.broker_id, reg.broker_addr.clone());
        r.changed |= previous.as_deref() != Some(reg.broker_addr.as_str());
        r.register_first |= previous.as_deref().unwrap_or("").is_empty();
        Ok(())
    }

    pub(super) fn role_in_group(&self, r: &Registering) -> Role {
        let reg = &r.reg;
        let old_version_broker = reg.enable_acting_master.is_none();
        let is_master = reg.broker_id == MASTER_ID;
        let lowest = self.broker_addr_table[&reg.broker_name]
            .broker_addrs
            .keys()
            .next()
            .copied();
        Role {
            is_master,
            is_prime_slave: !old_version_broker && !is_master && lowest == Some(reg.broker_id),
        }
    }

    /// Writes the topics of a broker that speaks for its group.
    fn write_group_topics(&mut self, r: &mut Registering, role: &Role) {
        let Some(wrapper) = r.reg.topic_config_wrapper.take() else {
            return;
        };
        let stored_version = self
            .broker_live_table
            .get(&r.key)
            .map(|e| e.info.data_version);
        let write = TopicWrite {
            broker_name: &r.reg.broker_name,
            version_changed: stored_version != Some(r.incoming_version),
            register_first: r.register_first,
            // A prime slave standing in for a lost master serves its queues read-only.
            clear_write: role.is_prime_slave
                && self.broker_addr_table[&r.reg.broker_name].enable_acting_master,
        };
        r.unlisted_removed = self.removes_unlisted(&write, &wrapper);
        r.changed |= self.write_topics(&write, &wrapper);
    }

    /// Only after the topic writes, which compare against the previous version.
    pub(super) fn record_live_entry(&mut self, r: &Registering) {
        let reg = &r.reg;
        self.broker_live_table.insert(
            r.key.clone(),
            LiveEntry {
                info: BrokerLiveInfo {
                    data_version: r.incoming_version,
                    ha_server_addr: reg.ha_server_addr.clone(),
                    connection: reg.connection,
                    heartbeat_timeout_millis: reg
                        .heartbeat_timeout_millis
                        .unwrap_or(DEFAULT_HEARTBEAT_TIMEOUT_MILLIS),
                },
                broker_name: reg.broker_name.clone(),
                applied: None,
            },
        );
    }

    /// `None` leaves the stored list alone; an empty list removes it.
    fn record_filter_servers(&mut self, r: &mut Registering) {
        match r.reg.filter_server_list.take() {
            Some(list) if list.is_empty() => {
                r.changed |= self.filter_server_table.remove(&r.key).is_some();
            }
            Some(list) if self.filter_server_table.get(&r.key) != Some(&list) => {
                self.filter_server_table.insert(r.key.clone(), list);
                r.changed = true;
            }
            _ => {}
        }
    }

    /// A slave learns its live master's addresses; the group's other members may have to
    /// learn the new minimum broker id.
    pub(super) fn registered_reply(&self, r: &Registering, role: &Role) -> RegisterOutcome {
        let reg = &r.reg;
        let group = &self.broker_addr_table[&reg.broker_name];
        let (master_addr, master_ha) = match group.broker_addrs.get(&MASTER_ID) {
            Some(master) if !role.is_master => self
                .broker_live_table
                .get(&BrokerAddrKey::new(&reg.cluster_name, master))
                .map_or((None, None), |e| {
                    (Some(master.clone()), Some(e.info.ha_server_addr.clone()))
                }),
            _ => (None, None),
        };
        let notify = (r.min_id_changed && self.config.notify_min_broker_id_changed)
            .then(|| {
                MinBrokerIdChange::new(
                    &reg.broker_name,
                    &group.broker_addrs,
                    None,
                    Some(reg.ha_server_addr.clone()),
                )
            })
            .flatten();
        RegisterOutcome::Registered {
            master_addr,
            ha_server_addr: master_ha,
            notify,
        }
    }

    /// Whether writing `wrapper` removes the broker's queues from the topics it does not
    /// list. Static topics are not supported by this clean-up, as in Java.
    fn removes_unlisted(&self, write: &TopicWrite, wrapper: &TopicConfigSerializeWrapper) -> bool {
        write.version_changed
            && self.config.delete_topic_with_broker_registration
            && wrapper.topic_queue_mapping_info_map.is_empty()
    }

    /// Writes a registration's topics into the topic and mapping tables; true if anything
    /// visible changed.
    fn write_topics(&mut self, write: &TopicWrite, wrapper: &TopicConfigSerializeWrapper) -> bool {
        let broker_name = write.broker_name;
        let new_version = write.register_first || write.version_changed;
        if new_version {
            self.operator_perm_brokers.remove(broker_name);
        }
        let add_only = !new_version && self.operator_perm_brokers.contains(broker_name);
        let mut changed = false;

        if self.removes_unlisted(write, wrapper) {
            // Both the key and the config's own name count as listed.
            let listed: HashSet<&str> = wrapper
                .topic_config_table
                .iter()
                .flat_map(|(key, config)| [Some(key.as_str()), config.topic_name.as_deref()])
                .flatten()
                .collect();
            self.topic_queue_table.retain(|topic, queues| {
                if !listed.contains(topic.as_str()) && queues.remove(broker_name).is_some() {
                    changed = true;
                }
                !queues.is_empty()
            });
        }

        for (_, config) in &wrapper.topic_config_table {
            let Some(topic) = config.topic_name.as_deref() else {
                continue;
            };
            let perm = if write.clear_write {
                config.perm & !perm::WRITE
            } else {
                config.perm
            };
            let queues = match self.topic_queue_table.get_mut(topic) {
                Some(queues) => queues,
                None => self.topic_queue_table.entry(topic.to_owned()).or_default(),
            };
            let write = match queues.get(broker_name) {
                None => true,
                Some(existing) => {
                    let same = existing.read_queue_nums == config.read_queue_nums
                        && existing.write_queue_nums == config.write_queue_nums
                        && existing.perm == perm
                        && existing.topic_sys_flag == config.topic_sys_flag;
                    !same && !add_only
                }
            };
            if write {
                queues.insert(self.queue_pool.share(QueueData {
                    broker_name: broker_name.to_owned(),
                    read_queue_nums: config.read_queue_nums,
                    write_queue_nums: config.write_queue_nums,
                    perm,
                    topic_sys_flag: config.topic_sys_flag,
                }));
                changed = true;
            }
        }

        for (topic, info) in &wrapper.topic_queue_mapping_info_map {
            // Java files a mapping under the broker name it names itself.
            let Some(bname) = info.bname.as_deref() else {
                continue;
            };
            let by_broker = self
                .topic_queue_mapping_info_table
                .entry(topic.clone())
                .or_default();
            if by_broker.get(bname) != Some(info) {
                by_broker.insert(bname.to_owned(), info.clone());
                changed = true;
            }
        }
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;
    use super::*;

    fn registered(outcome: &RegisterOutcome) -> (Option<&str>, Option<&str>) {
        match outcome {
            RegisterOutcome::Registered {
                master_addr,
                ha_server_addr,
                ..
            } => (master_addr.as_deref(), ha_server_addr.as_deref()),
            other => panic!("not registered: {other:?}"),
        }
    }

    fn notification(outcome: RegisterOutcome) -> Option<MinBrokerIdChange> {
        match outcome {
            RegisterOutcome::Registered { notify, .. } => notify,
            other => panic!("not registered: {other:?}"),
        }
    }

    #[test]
    fn a_master_registration_fills_every_table() {
        let mut table = RouteTable::new();
        let master = Broker::master();
        master.register(&mut table, &["baseTopic", "TestTopic"]);

        let info = table.cluster_info();
        assert_eq!(
            info.cluster_addr_table[CLUSTER].iter().collect::<Vec<_>>(),
            [BROKER]
        );
        assert_eq!(
            info.broker_addr_table[BROKER].broker_addrs,
            addrs(&[(0, MASTER_ADDR)])
        );
        assert!(table.is_live(&master.key()));
        let route = table.topic_route("TestTopic").unwrap();
        assert_eq!(route.queue_datas, [queue(BROKER, 6)]);
        assert_eq!(table.broker_count(), 1);
        assert_eq!(table.topic_count(), 2);
    }

    #[test]
    fn a_master_gets_no_master_or_ha_address_back() {
        let mut table = RouteTable::new();
        let outcome = Broker::master().register(&mut table, &["baseTopic", "TestTopic"]);
        assert_eq!(registered(&outcome), (None, None));
    }

    #[test]
    fn a_slave_gets_its_live_masters_addresses_back() {
        let mut table = RouteTable::new();
        Broker::master().register(&mut table, &["baseTopic", "TestTopic"]);
        let outcome = Broker::slave().register(&mut table, &["baseTopic", "TestTopic"]);
        assert_eq!(registered(&outcome), (Some(MASTER_ADDR), Some(MASTER_HA)));
    }

    #[test]
    fn a_slave_whose_master_is_not_live_gets_no_master_address() {
        let mut table = RouteTable::new();
        let master = Broker::master();
        master.register(&mut table, &["baseTopic", "TestTopic"]);
        // The master left the live table (a conflict elsewhere) but not the group.
        table.broker_live_table.remove(&master.key());
        let outcome = Broker::slave().register(&mut table, &["baseTopic", "TestTopic"]);
        assert_eq!(registered(&outcome), (None, None));
    }

    #[test]
    fn master_and_slave_both_appear_in_the_route() {
        let mut table = RouteTable::new();
        Broker::master().register(&mut table, &["baseTopic", "TestTopic"]);
        assert_eq!(
            route_addrs(&table, "TestTopic", BROKER),
            addrs(&[(0, MASTER_ADDR)])
        );
        Broker::slave().register(&mut table, &["baseTopic", "TestTopic"]);
        assert_eq!(
            route_addrs(&table, "TestTopic", BROKER),
            addrs(&[(0, MASTER_ADDR), (1, SLAVE_ADDR)])
        );
    }

    #[test]
    fn a_new_topic_of_the_master_routes_to_the_whole_group() {
        let mut table = RouteTable::new();
        let mut master = Broker::master();
        master.register(&mut table, &["baseTopic", "TestTopic"]);
        Broker::slave().register(&mut table, &["baseTopic", "TestTopic"]);
        master.bump();
        master.register(&mut table, &["TestTopic", "NewTopic"]);
        assert_eq!(
            route_addrs(&table, "NewTopic", BROKER),
            addrs(&[(0, MASTER_ADDR), (1, SLAVE_ADDR)])
        );
    }

    #[test]
    fn a_non_prime_slave_never_touches_topic_data() {
        let mut table = RouteTable::new();
        Broker::master().register(&mut table, &["baseTopic", "TestTopic"]);
        let slave_topic = topic_config("SlaveOnly");
        let mut changed_perm = topic_config("TestTopic");
        changed_perm.perm = perm::READ;
        table.register_broker(Broker::slave().registration_with(vec![slave_topic, changed_perm]));
        assert!(table.topic_route("SlaveOnly").is_none());
        assert_eq!(route_perm(&table, "TestTopic", BROKER), 6);

        // A second slave is not prime either while id 1 is present.
        let mut table = RouteTable::new();
        Broker::slave().register(&mut table, &["baseTopic", "TestTopic"]);
        Broker::slave()
            .id(2)
            .addr("127.0.0.1:50911")
            .register(&mut table, &["TestTopic", "Id2Only"]);
        assert!(table.topic_route("Id2Only").is_none());
    }

    #[test]
    fn an_old_version_slave_never_touches_topic_data_even_without_a_master() {
        let mut table = RouteTable::new();
        let slave = Broker::slave().acting_master(None);
        slave.register(&mut table, &["TestTopic", "Other"]);
        assert!(table.topic_route("TestTopic").is_none());
        assert_eq!(table.topic_count(), 0);
        assert!(table.is_live(&slave.key()));
    }

    #[test]
    fn old_version_brokers_never_enable_acting_master() {
        let mut table = RouteTable::new();
        Broker::master()
            .acting_master(None)
            .register(&mut table, &["baseTopic", "TestTopic"]);
        assert!(!table.cluster_info().broker_addr_table[BROKER].enable_acting_master);
        Broker::master()
            .acting_master(Some(true))
            .register(&mut table, &["baseTopic", "TestTopic"]);
        assert!(table.cluster_info().broker_addr_table[BROKER].enable_acting_master);
    }

    #[test]
    fn a_prime_slave_of_an_acting_master_group_registers_read_only_queues() {
        let mut table = RouteTable::new();
        Broker::slave().register(&mut table, &["baseTopic", "TestTopic"]);
        assert_eq!(route_perm(&table, "TestTopic", BROKER), perm::READ);
    }

    #[test]
    fn a_prime_slave_without_acting_master_registers_its_own_perm() {
        let mut table = RouteTable::new();
        Broker::slave()
            .acting_master(Some(false))
            .register(&mut table, &["baseTopic", "TestTopic"]);
        assert_eq!(route_perm(&table, "TestTopic", BROKER), 6);
    }

    #[test]
    fn a_slave_registering_as_master_replaces_its_old_id() {
        let mut table = RouteTable::new();
        let master = Broker::master();
        master.register(&mut table, &["baseTopic", "TestTopic"]);
        let slave = Broker::slave();
        slave.register(&mut table, &["baseTopic", "TestTopic"]);
        table.unregister_brokers(&[master.unregistration()]);
        assert_eq!(
            route_addrs(&table, "TestTopic", BROKER),
            addrs(&[(1, SLAVE_ADDR)])
        );

        let mut promoted = slave.clone().id(0);
        promoted.bump();
        promoted.register(&mut table, &["baseTopic", "TestTopic"]);
        assert_eq!(
            route_addrs(&table, "TestTopic", BROKER),
            addrs(&[(0, SLAVE_ADDR)])
        );

        let mut demoted = master.clone().id(1);
        demoted.bump();
        demoted.register(&mut table, &["baseTopic", "TestTopic"]);
        assert_eq!(
            route_addrs(&table, "TestTopic", BROKER),
            addrs(&[(0, SLAVE_ADDR), (1, MASTER_ADDR)])
        );
    }

    #[test]
    fn re_registering_an_address_under_another_id_moves_it() {
        let mut table = RouteTable::new();
        let b0 = Broker::master().name("broker-0").addr("cluster-broker-0:0");
        let b1 = Broker::slave().name("broker-0").addr("cluster-broker-0:1");
        b0.register(&mut table, &["topic-0", "topic-1"]);
        b1.register(&mut table, &["topic-0", "topic-1"]);
        table.unregister_brokers(&[b0.unregistration()]);
        b1.clone()
            .id(0)
            .register(&mut table, &["topic-0", "topic-1"]);
        assert_eq!(
            route_addrs(&table, "topic-0", "broker-0"),
            addrs(&[(0, "cluster-broker-0:1")])
        );
    }

    #[test]
    fn a_stale_claim_on_a_held_id_is_a_conflict_that_registers_nothing() {
        let mut table = RouteTable::new();
        let holder = Broker::master().state_version(5);
        holder.register(&mut table, &["baseTopic", "TestTopic"]);
        let claimant = Broker::master().addr("127.0.0.1:10999").state_version(4);
        table.broker_live_table.insert(
            claimant.key(),
            table.broker_live_table[&holder.key()].clone(),
        );
        let outcome = table.register_broker(claimant.registration(&["TestTopic", "Other"]));
        assert_eq!(outcome, RegisterOutcome::Conflict);
        assert!(!table.is_live(&claimant.key()), "the claimant is dropped");
        assert!(table.is_live(&holder.key()));
        assert!(table.topic_route("Other").is_none());
        assert_eq!(
            route_addrs(&table, "TestTopic", BROKER),
            addrs(&[(0, MASTER_ADDR)])
        );
    }

    #[test]
    fn a_newer_claim_on_a_held_id_takes_it_over() {
        let mut table = RouteTable::new();
        Broker::master()
            .state_version(5)
            .register(&mut table, &["baseTopic", "TestTopic"]);
        let claimant = Broker::master().addr("127.0.0.1:10999").state_version(5);
        claimant.register(&mut table, &["baseTopic", "TestTopic"]);
        assert_eq!(
            route_addrs(&table, "TestTopic", BROKER),
            addrs(&[(0, "127.0.0.1:10999")])
        );
    }

    #[test]
    fn a_single_topic_first_registration_is_refused_and_leaves_an_empty_group() {
        let mut table = RouteTable::new();
        let master = Broker::master();
        let outcome = table.register_broker(master.registration(&["TestTopic"]));
        assert_eq!(outcome, RegisterOutcome::Refused);
        assert!(!table.is_live(&master.key()));
        assert!(table.topic_route("TestTopic").is_none());
        // Java does not roll back the first steps.
        let info = table.cluster_info();
        assert!(info.broker_addr_table[BROKER].broker_addrs.is_empty());
        assert!(info.cluster_addr_table[CLUSTER].contains(BROKER));
    }

    #[test]
    fn a_single_topic_registration_of_a_known_broker_is_accepted() {
        let mut table = RouteTable::new();
        let mut master = Broker::master();
        master.register(&mut table, &["TestTopic", "Other"]);
        master.bump();
        master.register(&mut table, &["Incremental"]);
        assert!(table.topic_route("Incremental").is_some());
    }

    #[test]
    fn an_incremental_registration_updates_its_one_topic() {
        let mut table = RouteTable::new();
        let mut master = Broker::master();
        master.register(&mut table, &["TestTopic", "Other"]);
        master.bump();
        let mut grown = topic_config("TestTopic");
        grown.write_queue_nums = 16;
        grown.read_queue_nums = 16;
        table.register_broker(master.registration_with(vec![grown]));
        let route = table.topic_route("TestTopic").unwrap();
        assert_eq!(route.queue_datas[0].write_queue_nums, 16);
        assert!(table.topic_route("Other").is_some(), "other topics stay");
    }

    #[test]
    fn nameless_topic_configs_are_skipped_and_the_rest_registers() {
        // Java fails midway here and never records the broker as live.
        let mut table = RouteTable::new();
        let master = Broker::master();
        let mut nameless = topic_config("ignored");
        nameless.topic_name = None;
        let outcome = table.register_broker(master.registration_with(vec![
            nameless.clone(),
            topic_config("Named"),
            nameless,
        ]));
        assert!(matches!(outcome, RegisterOutcome::Registered { .. }));
        assert!(table.is_live(&master.key()));
        assert!(table.topic_route("Named").is_some());
        assert_eq!(table.topic_count(), 1);
    }

    #[test]
    fn the_topic_name_comes_from_the_config_not_the_key() {
        let mut table = RouteTable::new();
        let mut reg = Broker::master().registration(&["Real", "Other"]);
        reg.topic_config_wrapper
            .as_mut()
            .unwrap()
            .topic_config_table[0]
            .0 = "key".to_owned();
        table.register_broker(reg);
        assert!(table.topic_route("Real").is_some());
        assert!(table.topic_route("key").is_none());
    }

    #[test]
    fn the_stored_data_version_is_the_registered_one() {
        let mut table = RouteTable::new();
        let master = Broker::master().counter(10);
        master.register(&mut table, &["unit-test0", "unit-test1"]);
        let (changed, stored) = table.query_data_version(&master.key(), Some(&master.version));
        assert!(!changed);
        assert_eq!(stored, Some(master.version));
    }

    #[test]
    fn live_entries_are_per_cluster_and_address() {
        let mut table = RouteTable::new();
        let first = Broker::master().counter(10);
        first.register(&mut table, &["unit-test0", "unit-test1"]);
        let second = Broker::master()
            .cluster("default-cluster-1")
            .name("default-broker-1")
            .counter(20);
        second.register(&mut table, &["unit-test0", "unit-test1"]);
        assert_eq!(
            table.live_info(&first.key()).unwrap().data_version.counter,
            10
        );
        assert_eq!(
            table.live_info(&second.key()).unwrap().data_version.counter,
            20
        );

        table.unregister_brokers(&[second.unregistration()]);
        assert!(table.is_live(&first.key()));
        assert!(!table.is_live(&second.key()));
    }

    #[test]
    fn the_live_entry_keeps_timeout_ha_address_and_connection() {
        let mut table = RouteTable::new();
        let master = Broker::master().connection(42);
        master.register(&mut table, &["a", "b"]);
        let info = table.live_info(&master.key()).unwrap();
        assert_eq!(
            info.heartbeat_timeout_millis,
            DEFAULT_HEARTBEAT_TIMEOUT_MILLIS
        );
        assert_eq!(info.ha_server_addr, MASTER_HA);
        assert_eq!(info.connection, 42);

        let mut reg = master.registration(&["a", "b"]);
        reg.heartbeat_timeout_millis = Some(10_000);
        table.register_broker(reg);
        assert_eq!(
            table
                .live_info(&master.key())
                .unwrap()
                .heartbeat_timeout_millis,
            10_000
        );
    }

    #[test]
    fn a_registration_without_topic_table_only_refreshes_membership() {
        let mut table = RouteTable::new();
        let master = Broker::master();
        master.register(&mut table, &["a", "b"]);
        let mut reg = master.registration(&[]);
        reg.topic_config_wrapper = None;
        assert!(matches!(
            table.register_broker(reg),
            RegisterOutcome::Registered { .. }
        ));
        assert_eq!(
            table.live_info(&master.key()).unwrap().data_version,
            DataVersion::default()
        );
        assert!(table.topic_route("a").is_some());
    }

    #[test]
    fn a_group_keeps_its_first_cluster_while_the_cluster_table_lists_both() {
        let mut table = RouteTable::new();
        Broker::master().register(&mut table, &["a", "b"]);
        Broker::slave()
            .cluster("Other_Cluster")
            .register(&mut table, &["a", "b"]);
        let info = table.cluster_info();
        assert_eq!(info.broker_addr_table[BROKER].cluster, CLUSTER);
        assert!(info.cluster_addr_table["Other_Cluster"].contains(BROKER));
        assert!(info.cluster_addr_table[CLUSTER].contains(BROKER));
    }

    #[test]
    fn the_zone_is_overwritten_by_every_registration() {
        let mut table = RouteTable::new();
        Broker::master()
            .zone("zone-a")
            .register(&mut table, &["a", "b"]);
        assert_eq!(
            table.cluster_info().broker_addr_table[BROKER]
                .zone_name
                .as_deref(),
            Some("zone-a")
        );
        Broker::master().register(&mut table, &["a", "b"]);
        assert_eq!(
            table.cluster_info().broker_addr_table[BROKER].zone_name,
            None
        );
    }

    #[test]
    fn filter_servers_are_kept_replaced_or_removed() {
        let mut table = RouteTable::new();
        let master = Broker::master();
        let mut reg = master.registration(&["a", "b"]);
        reg.filter_server_list = Some(vec!["10.0.0.1:1".to_owned()]);
        table.register_broker(reg);
        let fs = |t: &RouteTable| t.topic_route("a").unwrap().filter_server_table;
        assert_eq!(fs(&table)[MASTER_ADDR], ["10.0.0.1:1"]);

        let mut reg = master.registration(&["a", "b"]);
        reg.filter_server_list = None;
        table.register_broker(reg);
        assert_eq!(fs(&table)[MASTER_ADDR], ["10.0.0.1:1"], "None leaves it");

        master.register(&mut table, &["a", "b"]);
        assert!(fs(&table).is_empty(), "an empty list removes it");
    }

    #[test]
    fn an_unchanged_re_registration_adds_topics_missing_for_the_broker() {
        let mut table = RouteTable::new();
        let master = Broker::master();
        master.register(&mut table, &["a", "b"]);
        table.delete_topic("a", None);
        master.register(&mut table, &["a", "b"]);
        assert!(table.topic_route("a").is_some());
    }

    #[test]
    fn split_registration_chunks_merge_and_update_their_own_topics() {
        let mut table = RouteTable::new();
        let mut master = Broker::master();
        master.register(&mut table, &["a", "b", "c", "d"]);

        // A new version arrives in two chunks; both carry changed topics.
        master.bump();
        let grow = |name: &str| {
            let mut c = topic_config(name);
            c.write_queue_nums = 16;
            c
        };
        table.register_broker(master.registration_with(vec![grow("a"), grow("b")]));
        table.register_broker(master.registration_with(vec![grow("c"), grow("d")]));
        for topic in ["a", "b", "c", "d"] {
            let route = table.topic_route(topic).unwrap();
            assert_eq!(route.queue_datas[0].write_queue_nums, 16, "{topic}");
        }
    }

    #[test]
    fn split_registration_chunks_do_not_delete_each_others_topics() {
        let mut table = RouteTable::new();
        table.set_config(RouteConfig {
            delete_topic_with_broker_registration: true,
            ..RouteConfig::default()
        });
        let mut master = Broker::master();
        master.register(&mut table, &["a", "b", "c", "d", "gone"]);
        master.bump();
        master.register(&mut table, &["a", "b"]);
        master.register(&mut table, &["c", "d"]);
        for topic in ["a", "b", "c", "d"] {
            assert!(table.topic_route(topic).is_some(), "{topic}");
        }
        assert!(table.topic_route("gone").is_none());
        // The periodic re-send of the same chunks keeps everything.
        master.register(&mut table, &["a", "b"]);
        master.register(&mut table, &["c", "d"]);
        assert_eq!(table.topic_count(), 4);
    }

    #[test]
    fn without_delete_mode_unlisted_topics_stay() {
        let mut table = RouteTable::new();
        let mut master = Broker::master();
        master.register(&mut table, &["TestTopic", "TestTopic1"]);
        master.bump();
        master.register(&mut table, &["TestTopic1", "baseTopic"]);
        assert!(table.topic_route("TestTopic").is_some());
        assert!(table.topic_route("TestTopic1").is_some());
    }

    #[test]
    fn delete_mode_removes_unlisted_topics_on_a_new_version() {
        let mut table = RouteTable::new();
        table.set_config(RouteConfig {
            delete_topic_with_broker_registration: true,
            ..RouteConfig::default()
        });
        let mut master = Broker::master();
        master.register(&mut table, &["baseTopic", "TestTopic", "TestTopic1"]);
        master.bump();
        master.register(&mut table, &["baseTopic", "TestTopic1"]);
        assert!(table.topic_route("TestTopic").is_none());
        assert!(table.topic_route("TestTopic1").is_some());
    }

    #[test]
    fn delete_mode_waits_for_a_new_version() {
        // Java would delete here; we wait until the broker bumps its DataVersion.
        let mut table = RouteTable::new();
        table.set_config(RouteConfig {
            delete_topic_with_broker_registration: true,
            ..RouteConfig::default()
        });
        let master = Broker::master();
        master.register(&mut table, &["baseTopic", "TestTopic", "TestTopic1"]);
        master.register(&mut table, &["baseTopic", "TestTopic1"]);
        assert!(table.topic_route("TestTopic").is_some());
    }

    #[test]
    fn delete_mode_only_removes_the_registering_brokers_queues() {
        let mut table = RouteTable::new();
        table.set_config(RouteConfig {
            delete_topic_with_broker_registration: true,
            ..RouteConfig::default()
        });
        let mut one = Broker::master();
        let mut two = Broker::master()
            .name("Default_Broker1")
            .addr("127.0.0.1:109119");
        one.register(&mut table, &["baseTopic", "TestTopic", "TestTopic1"]);
        two.register(&mut table, &["baseTopic", "TestTopic", "TestTopic1"]);
        assert_eq!(
            table.topic_route("TestTopic").unwrap().broker_datas.len(),
            2
        );

        one.bump();
        one.register(&mut table, &["baseTopic", "TestTopic1"]);
        let route = table.topic_route("TestTopic").unwrap();
        assert_eq!(route.broker_datas.len(), 1);
        assert_eq!(route.broker_datas[0].broker_name, "Default_Broker1");
        assert_eq!(
            table.topic_route("TestTopic1").unwrap().broker_datas.len(),
            2
        );

        two.bump();
        two.register(&mut table, &["baseTopic", "TestTopic1"]);
        assert!(table.topic_route("TestTopic").is_none());
        assert_eq!(
            table.topic_route("TestTopic1").unwrap().broker_datas.len(),
            2
        );
    }

    #[test]
    fn delete_mode_skips_static_topic_registrations() {
        let mut table = RouteTable::new();
        table.set_config(RouteConfig {
            delete_topic_with_broker_registration: true,
            ..RouteConfig::default()
        });
        let mut master = Broker::master();
        master.register(&mut table, &["a", "b"]);
        master.bump();
        let mut reg = master.registration(&["a", "c"]);
        reg.topic_config_wrapper
            .as_mut()
            .unwrap()
            .topic_queue_mapping_info_map
            .insert("a".to_owned(), mapping("a", BROKER, 1));
        table.register_broker(reg);
        assert!(table.topic_route("b").is_some());
    }

    #[test]
    fn single_topic_registrations_interleave_with_delete_mode() {
        let mut table = RouteTable::new();
        table.set_config(RouteConfig {
            delete_topic_with_broker_registration: true,
            ..RouteConfig::default()
        });
        table.register_topic("TestTopic", vec![queue(BROKER, 6)]);
        assert!(
            table.topic_route("TestTopic").is_none(),
            "unknown broker name"
        );

        let mut master = Broker::master();
        master.register(&mut table, &["baseTopic", "TestTopic"]);
        table.register_topic("TestTopic1", vec![queue(BROKER, 6)]);
        assert!(table.topic_route("TestTopic1").is_some());

        master.bump();
        master.register(&mut table, &["baseTopic", "TestTopic", "TestTopic1"]);
        assert!(table.topic_route("TestTopic1").is_some());

        master.bump();
        master.register(&mut table, &["baseTopic", "TestTopic"]);
        assert!(table.topic_route("TestTopic").is_some());
        assert!(table.topic_route("TestTopic1").is_none());

        table.register_topic("TestTopic1", vec![queue(BROKER, 6)]);
        assert!(table.topic_route("TestTopic1").is_some());
        table.unregister_brokers(&[master.unregistration()]);
        assert!(table.topic_route("TestTopic").is_none());
        assert!(table.topic_route("TestTopic1").is_none());
    }

    #[test]
    fn mappings_are_filed_under_their_own_broker_name_and_merge_across_chunks() {
        let mut table = RouteTable::new();
        let master = Broker::master();
        master.register(&mut table, &["a", "b"]);
        // Same version, mappings in the last chunk only.
        let mut reg = master.registration(&["a", "b"]);
        let wrapper = reg.topic_config_wrapper.as_mut().unwrap();
        wrapper
            .topic_queue_mapping_info_map
            .insert("a".to_owned(), mapping("a", "other-broker", 3));
        table.register_broker(reg);
        let route = table.topic_route("a").unwrap();
        let mappings = route.topic_queue_mapping_by_broker.unwrap();
        assert_eq!(mappings["other-broker"].epoch, 3);
    }

    #[test]
    fn an_unchanged_re_registration_keeps_a_wiped_perm() {
        let mut table = RouteTable::new();
        let mut master = Broker::master();
        master.register(&mut table, &["a", "b"]);
        assert_eq!(table.wipe_write_perm(BROKER), 2);
        master.register(&mut table, &["a", "b", "c"]);
        assert_eq!(route_perm(&table, "a", BROKER), perm::READ);
        assert_eq!(
            route_perm(&table, "c", BROKER),
            6,
            "new topics use the broker's perm"
        );

        master.bump();
        master.register(&mut table, &["a", "b", "c"]);
        assert_eq!(
            route_perm(&table, "a", BROKER),
            6,
            "a new version restores it"
        );
    }

    #[test]
    fn a_returning_master_notifies_the_slaves_when_enabled() {
        let mut table = RouteTable::new();
        table.set_config(RouteConfig {
            notify_min_broker_id_changed: true,
            ..RouteConfig::default()
        });
        Broker::slave().register(&mut table, &["a", "b"]);
        let third = Broker::slave().id(2).addr("127.0.0.1:50911");
        assert_eq!(notification(third.register(&mut table, &["a", "b"])), None);

        let change = notification(Broker::master().register(&mut table, &["a", "b"])).unwrap();
        assert_eq!(
            change,
            MinBrokerIdChange {
                broker_name: BROKER.to_owned(),
                min_broker_id: 0,
                min_broker_addr: MASTER_ADDR.to_owned(),
                offline_broker_addr: None,
                ha_broker_addr: Some(MASTER_HA.to_owned()),
                recipients: vec![SLAVE_ADDR.to_owned(), "127.0.0.1:50911".to_owned()],
            }
        );
    }

    #[test]
    fn a_returning_master_does_not_notify_when_disabled() {
        let mut table = RouteTable::new();
        Broker::slave().register(&mut table, &["a", "b"]);
        assert_eq!(
            notification(Broker::master().register(&mut table, &["a", "b"])),
            None
        );
    }

    #[test]
    fn a_lone_new_minimum_notifies_itself() {
        let mut table = RouteTable::new();
        table.set_config(RouteConfig {
            notify_min_broker_id_changed: true,
            ..RouteConfig::default()
        });
        let slave = Broker::slave().id(2);
        slave.register(&mut table, &["a", "b"]);
        // The same address comes back as id 1: the role switch leaves it alone in the group.
        let change = notification(slave.clone().id(1).register(&mut table, &["a", "b"])).unwrap();
        assert_eq!(change.min_broker_id, 1);
        assert_eq!(change.recipients, [SLAVE_ADDR]);
    }

    #[test]
    fn a_periodic_re_registration_leaves_the_generation_alone() {
        let mut table = RouteTable::new();
        let master = Broker::master();
        let slave = Broker::slave();
        let topics = ["a", "b", "c"];
        master.register(&mut table, &topics);
        slave.register(&mut table, &topics);
        let generation = table.generation();
        for _ in 0..3 {
            master.register(&mut table, &topics);
            slave.register(&mut table, &topics);
        }
        assert_eq!(table.generation(), generation);
    }

    #[test]
    fn a_new_version_with_the_same_topics_leaves_the_generation_alone() {
        let mut table = RouteTable::new();
        let mut master = Broker::master();
        master.register(&mut table, &["a", "b"]);
        let generation = table.generation();
        master.bump();
        master.register(&mut table, &["a", "b"]);
        assert_eq!(table.generation(), generation);
    }

    #[test]
    fn visible_registration_changes_move_the_generation() {
        let mut table = RouteTable::new();
        let mut master = Broker::master();
        let mut last = table.generation();
        let mut moved = |table: &RouteTable, what: &str| {
            assert!(table.generation() > last, "{what}");
            last = table.generation();
        };
        master.register(&mut table, &["a", "b"]);
        moved(&table, "first registration");
        Broker::slave().register(&mut table, &["a", "b"]);
        moved(&table, "new group member");
        master.register(&mut table, &["a", "b", "c"]);
        moved(&table, "new topic");
        master.bump();
        let mut changed = topic_config("a");
        changed.perm = perm::READ;
        table.register_broker(master.registration_with(vec![changed, topic_config("b")]));
        moved(&table, "changed perm");
        master.clone().zone("z").register(&mut table, &["a", "b"]);
        moved(&table, "zone");
        let mut reg = master.registration(&["a", "b"]);
        reg.filter_server_list = Some(vec!["fs".to_owned()]);
        table.register_broker(reg);
        moved(&table, "filter servers");
    }

    #[test]
    fn a_liveness_only_change_leaves_the_generation_alone() {
        let mut table = RouteTable::new();
        let master = Broker::master();
        master.register(&mut table, &["a", "b"]);
        let generation = table.generation();
        let mut reg = master.clone().connection(99).registration(&["a", "b"]);
        reg.heartbeat_timeout_millis = Some(5_000);
        reg.ha_server_addr = "elsewhere:1".to_owned();
        table.register_broker(reg);
        assert_eq!(table.generation(), generation);
        assert_eq!(table.live_info(&master.key()).unwrap().connection, 99);
    }

    #[test]
    fn one_hundred_thousand_topics_register_and_re_register() {
        let mut table = RouteTable::new();
        let mut master = Broker::master();
        let configs: Vec<_> = (0..100_000)
            .map(|i| topic_config(&format!("topic-{i}")))
            .collect();
        table.register_broker(master.registration_with(configs.clone()));
        assert_eq!(table.topic_count(), 100_000);
        let generation = table.generation();
        table.register_broker(master.registration_with(configs.clone()));
        assert_eq!(table.generation(), generation);

        table.set_config(RouteConfig {
            delete_topic_with_broker_registration: true,
            ..RouteConfig::default()
        });
        master.bump();
        table.register_broker(master.registration_with(configs[..50_000].to_vec()));
        assert_eq!(table.topic_count(), 50_000);
        assert!(table.topic_route("topic-49999").is_some());
        assert!(table.topic_route("topic-50000").is_none());
    }
}
