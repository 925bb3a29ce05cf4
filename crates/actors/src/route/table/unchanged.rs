//! A re-registration whose body the table has already applied: refreshed without its topics.
//!
//! Brokers re-register every 30 s, nearly always with the bytes they sent last time. Java
//! decodes every body and then, finding the data version unchanged, writes only topics the
//! broker has no queue data for yet. Here the session reads the data version and a
//! fingerprint of the rest of the body without decoding it (`RegisterBodyPeek`), and the
//! table accepts the registration without its topics only when re-applying that body could
//! not change anything but the broker's live entry:
//!
//! * the broker's live entry holds that fingerprint, recorded when the same bytes were
//!   applied, and the table's generation has not moved since, so nothing a route can show
//!   (topics, groups, perms, filter servers, run-time flags) changed;
//! * the header puts the broker where it already is: same group, same id at this address,
//!   same cluster, acting-master flag and zone.
//!
//! Then every step of a full registration but the live entry is a no-op (identical topic
//! values merge to nothing; the filter-server list is the body's and so identical), and the
//! outcome is computed by the same code as a full registration's.
//!
//! **A new data version with the same body.** Brokers also bump their version without
//! changing a topic: a 5.x broker in controller mode on every role change, any broker on an
//! `updateTopic` that repeats a topic's settings. Java then rewrites every topic, to the
//! same values. A full registration under a new version does two things an unchanged one
//! does not, both only for a broker that speaks for its group's topics (a master, or the
//! prime slave of a group without one), so for such a broker this path takes a new version
//! only when neither can change anything:
//!
//! * it restores perms an operator changed (`wipeWritePerm`): so the broker's group must not
//!   be marked as changed by an operator;
//! * with `deleteTopicWithBrokerRegistration`, it removes the broker from every topic the
//!   body does not list: so the applied body must have done that already.
//!
//! Anything else — other bytes (a split registration's next chunk, a changed topic), a
//! compressed body under a new version (its fingerprint covers the version), a table that
//! moved — is `None`, and the body is decoded and registered in full, exactly as before.
//!
//! The price of keying on the whole table's generation: after any visible change, each
//! broker's next registration is decoded once more before it can be skipped again.

use super::register::Registering;
use super::*;

impl RouteTable {
    /// Registers `reg` (no topics, `body_fingerprint` set) as a refresh of the body it
    /// applied last, now at `version`, or `None` when the body must be decoded and
    /// registered in full.
    pub fn register_unchanged(
        &mut self,
        reg: BrokerRegistration,
        version: DataVersion,
    ) -> Option<RegisterOutcome> {
        let fingerprint = reg.body_fingerprint?;
        let key = BrokerAddrKey::new(&reg.cluster_name, &reg.broker_addr);
        let (applied, stored_version) = self.already_applied(&reg, &key, fingerprint)?;
        let r = Registering {
            reg,
            key,
            incoming_version: version,
            changed: false,
            register_first: false,
            min_id_changed: false,
            unlisted_removed: applied.unlisted_removed,
        };
        let role = self.role_in_group(&r);
        if version != stored_version
            && role.writes_group_topics()
            && !self.new_version_changes_no_topic(&r.reg, applied)
        {
            return None;
        }
        self.record_live_entry(&r);
        self.note_applied(&r.key, fingerprint, r.unlisted_removed);
        Some(self.registered_reply(&r, &role))
    }

    /// The body the broker's live entry applied and the data version it holds, if `reg`
    /// carries the same body (apart from the version) to the same place, with nothing
    /// changed since.
    fn already_applied(
        &self,
        reg: &BrokerRegistration,
        key: &BrokerAddrKey,
        fingerprint: BodyFingerprint,
    ) -> Option<(AppliedBody, DataVersion)> {
        let entry = self.broker_live_table.get(key)?;
        let applied = entry.applied?;
        let same_body = applied.fingerprint == fingerprint
            && applied.generation == self.generation
            && entry.broker_name == reg.broker_name;
        if !same_body {
            return None;
        }
        let group = self.broker_addr_table.get(&reg.broker_name)?;
        let same_place = group.broker_addrs.get(&reg.broker_id) == Some(&reg.broker_addr)
            && group
                .broker_addrs
                .iter()
                .all(|(id, addr)| *id == reg.broker_id || *addr != reg.broker_addr)
            && group.enable_acting_master == reg.enable_acting_master.unwrap_or(false)
            && group.zone_name == reg.zone_name;
        let in_cluster = self
            .cluster_addr_table
            .get(&reg.cluster_name)
            .is_some_and(|names| names.contains(&reg.broker_name));
        (same_place && in_cluster).then_some((applied, entry.info.data_version))
    }

    /// Whether a full registration of the applied body under a new data version would
    /// write no topic of the broker's group; see the module docs.
    fn new_version_changes_no_topic(&self, reg: &BrokerRegistration, applied: AppliedBody) -> bool {
        applied.fingerprint.leaves_out_data_version()
            && !self.operator_perm_brokers.contains(&reg.broker_name)
            && (!self.config.delete_topic_with_broker_registration || applied.unlisted_removed)
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;
    use super::*;

    /// The fingerprint of a JSON body: it leaves the data version out.
    fn fingerprint(text: &str) -> BodyFingerprint {
        BodyFingerprint {
            data_version_at: Some(0),
            ..BodyFingerprint::of(text.as_bytes())
        }
    }

    /// The fingerprint of a compressed body: it covers the data version.
    fn whole(text: &str) -> BodyFingerprint {
        BodyFingerprint::of(text.as_bytes())
    }

    /// A full registration of `topics`, as a session sends it after decoding `body`.
    fn full(broker: &Broker, topics: &[&str], body: &str) -> BrokerRegistration {
        let mut reg = broker.registration(topics);
        reg.body_fingerprint = Some(fingerprint(body));
        reg
    }

    /// The same header, the body left undecoded.
    fn undecoded(broker: &Broker, body: &str) -> BrokerRegistration {
        let mut reg = broker.registration(&[]);
        reg.topic_config_wrapper = None;
        reg.filter_server_list = None;
        reg.body_fingerprint = Some(fingerprint(body));
        reg
    }

    /// Sends `broker`'s undecoded registration of `body` at its current data version.
    fn refresh(table: &mut RouteTable, broker: &Broker, body: &str) -> Option<RegisterOutcome> {
        table.register_unchanged(undecoded(broker, body), broker.version)
    }

    fn delete_mode() -> RouteConfig {
        RouteConfig {
            delete_topic_with_broker_registration: true,
            ..RouteConfig::default()
        }
    }

    #[test]
    fn the_body_applied_last_is_refreshed_without_its_topics_and_answers_the_same() {
        let mut table = RouteTable::new();
        let master = Broker::master();
        let first = table.register_broker(full(&master, &["a", "b"], "body-1"));
        let generation = table.generation();
        let route = table.topic_route("a");

        let mut reg = undecoded(&master, "body-1");
        reg.connection = 77;
        let outcome = table.register_unchanged(reg, master.version);
        assert_eq!(outcome, Some(first));
        assert_eq!(table.generation(), generation, "nothing visible changed");
        assert_eq!(table.topic_route("a"), route);
        assert_eq!(table.live_info(&master.key()).unwrap().connection, 77);
        // And again: the refresh keeps what it needs for the next one.
        let again = refresh(&mut table, &master, "body-1");
        assert!(again.is_some());
    }

    #[test]
    fn a_new_version_of_the_same_body_is_taken_as_a_full_registration_would_be() {
        let topics = ["a", "b"];
        let (mut fast, mut slow) = (RouteTable::new(), RouteTable::new());
        let (mut master, mut slave) = (Broker::master(), Broker::slave());
        for table in [&mut fast, &mut slow] {
            table.set_config(delete_mode());
            table.register_broker(full(&master, &topics, "body"));
            table.register_broker(full(&slave, &topics, "slave-body"));
        }
        // The slave joining moved the generation: one more full round, at a new version.
        master.bump();
        slave.bump();
        for table in [&mut fast, &mut slow] {
            table.register_broker(full(&master, &topics, "body"));
            table.register_broker(full(&slave, &topics, "slave-body"));
        }
        let generation = fast.generation();
        for broker in [master, slave] {
            let mut newer = broker.clone();
            newer.bump();
            let body = if broker.id == 0 { "body" } else { "slave-body" };
            let skipped = fast.register_unchanged(undecoded(&newer, body), newer.version);
            let decoded = slow.register_broker(full(&newer, &topics, body));
            assert_eq!(skipped, Some(decoded), "{body}");
            assert_eq!(
                fast.live_info(&broker.key()).unwrap().data_version,
                newer.version
            );
        }
        assert_eq!(fast.generation(), generation);
        assert_eq!(fast.cluster_info(), slow.cluster_info());
        for topic in topics {
            assert_eq!(fast.topic_route(topic), slow.topic_route(topic));
        }
    }

    #[test]
    fn a_slave_gets_its_masters_addresses_from_an_unchanged_registration_too() {
        let mut table = RouteTable::new();
        let master = Broker::master();
        let slave = Broker::slave();
        table.register_broker(full(&master, &["a", "b"], "m"));
        let full_reply = table.register_broker(full(&slave, &["a", "b"], "s"));
        assert!(matches!(
            &full_reply,
            RegisterOutcome::Registered {
                master_addr: Some(_),
                ..
            }
        ));
        let refreshed = refresh(&mut table, &slave, "s");
        assert_eq!(refreshed, Some(full_reply));
    }

    #[test]
    fn anything_not_provably_applied_goes_to_the_full_path() {
        let mut table = RouteTable::new();
        let master = Broker::master();
        // Never registered.
        assert_eq!(refresh(&mut table, &master, "b"), None);
        table.register_broker(full(&master, &["a", "b"], "b"));
        // Other bytes under the same version (a split registration's next chunk).
        assert_eq!(refresh(&mut table, &master, "other"), None);
        // Other bytes under another version.
        let mut newer = master.version;
        newer.counter += 1;
        assert_eq!(
            table.register_unchanged(undecoded(&master, "other"), newer),
            None
        );
        // Another place in its group.
        let mut moved = undecoded(&master, "b");
        moved.broker_id = 3;
        assert_eq!(table.register_unchanged(moved, master.version), None);
        let mut zoned = undecoded(&master, "b");
        zoned.zone_name = Some("z".into());
        assert_eq!(table.register_unchanged(zoned, master.version), None);
        // Restored or hand-made registrations carry no fingerprint.
        let mut bare = undecoded(&master, "b");
        bare.body_fingerprint = None;
        assert_eq!(table.register_unchanged(bare, master.version), None);
        // Still the same after all these refusals.
        assert!(refresh(&mut table, &master, "b").is_some());
    }

    #[test]
    fn a_fingerprint_that_covers_the_version_never_takes_a_new_one() {
        let mut table = RouteTable::new();
        let master = Broker::master();
        let mut reg = master.registration(&["a", "b"]);
        reg.body_fingerprint = Some(whole("zlib"));
        table.register_broker(reg);
        let mut again = undecoded(&master, "zlib");
        again.body_fingerprint = Some(whole("zlib"));
        assert!(table
            .register_unchanged(again.clone(), master.version)
            .is_some());
        let mut newer = master.version;
        newer.counter += 1;
        assert_eq!(table.register_unchanged(again, newer), None);
    }

    #[test]
    fn a_new_version_restores_an_operators_perms_through_the_full_path() {
        let mut table = RouteTable::new();
        let mut master = Broker::master();
        table.register_broker(full(&master, &["a", "b"], "b"));
        table.wipe_write_perm(BROKER);
        // The periodic re-registration keeps the operator's perms (add-only) ...
        table.register_broker(full(&master, &["a", "b"], "b"));
        assert!(refresh(&mut table, &master, "b").is_some());
        assert_eq!(route_perm(&table, "a", BROKER), perm::READ);
        // ... until the broker reports a new version, which is decoded and undoes them.
        master.bump();
        assert_eq!(refresh(&mut table, &master, "b"), None);
        table.register_broker(full(&master, &["a", "b"], "b"));
        assert_eq!(route_perm(&table, "a", BROKER), 6);
        master.bump();
        assert!(refresh(&mut table, &master, "b").is_some());
    }

    #[test]
    fn with_delete_mode_a_new_version_is_skipped_only_once_unlisted_topics_are_gone() {
        let mut table = RouteTable::new();
        table.set_config(delete_mode());
        let mut master = Broker::master();
        table.register_broker(full(&master, &["a", "b", "c"], "abc"));
        // Same version, fewer topics: merged, "c" stays (see register.rs).
        table.register_broker(full(&master, &["a", "b"], "ab"));
        assert!(table.topic_route("c").is_some());
        master.bump();
        assert_eq!(
            refresh(&mut table, &master, "ab"),
            None,
            "a full registration would remove c"
        );
        table.register_broker(full(&master, &["a", "b"], "ab"));
        assert!(table.topic_route("c").is_none());
        master.bump();
        assert!(refresh(&mut table, &master, "ab").is_some());
        // A skipped new version keeps what the next one needs.
        master.bump();
        assert!(refresh(&mut table, &master, "ab").is_some());
    }

    #[test]
    fn any_visible_change_since_the_body_was_applied_sends_it_to_the_full_path() {
        let mut table = RouteTable::new();
        let master = Broker::master();
        table.register_broker(full(&master, &["a", "b"], "b"));
        // An operator deletes a topic the body lists: the full path puts it back, as Java's
        // "topic missing for this broker" rule does.
        table.delete_topic("a", None);
        assert_eq!(refresh(&mut table, &master, "b"), None);
        table.register_broker(full(&master, &["a", "b"], "b"));
        assert!(table.topic_route("a").is_some());
        assert!(refresh(&mut table, &master, "b").is_some());
        // Another broker joining moves the generation too.
        Broker::master()
            .name("other")
            .addr("127.0.0.1:50911")
            .register(&mut table, &["c", "d"]);
        assert_eq!(refresh(&mut table, &master, "b"), None);
    }
}
