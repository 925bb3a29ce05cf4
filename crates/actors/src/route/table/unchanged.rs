//! A re-registration whose body the table has already applied: refreshed without its topics.
//!
//! Brokers re-register every 30 s, nearly always with the bytes they sent last time. Java
//! decodes every body and then, finding the data version unchanged, writes only topics the
//! broker has no queue data for yet. Here the session reads the data version and the body's
//! fingerprint without decoding it, and the table accepts the registration without its
//! topics only when re-applying that body could not change anything:
//!
//! * the broker's live entry holds that data version and that fingerprint, recorded when the
//!   same bytes were applied, and the table's generation has not moved since, so nothing a
//!   route can show (topics, groups, perms, filter servers, run-time flags) changed;
//! * the header puts the broker where it already is: same group, same id at this address,
//!   same cluster, acting-master flag and zone.
//!
//! Then every step of a full registration but the live entry is a no-op (identical topic
//! values merge to nothing; the filter-server list is the body's and so identical), and the
//! outcome is computed by the same code as a full registration's. Anything else — a new
//! version, other bytes under the same version (a split registration's next chunk, or a
//! broker whose body changed without a new version), a table that moved — is `None`, and the
//! body is decoded and registered in full, exactly as before.
//!
//! The price of keying on the whole table's generation: after any visible change, each
//! broker's next registration is decoded once more before it can be skipped again.

use super::register::Registering;
use super::*;

impl RouteTable {
    /// Registers `reg` (no topics, `body_fingerprint` set) as a refresh of the body it
    /// applied last, or `None` when that body must be decoded and registered in full.
    pub fn register_unchanged(
        &mut self,
        reg: BrokerRegistration,
        version: DataVersion,
    ) -> Option<RegisterOutcome> {
        let fingerprint = reg.body_fingerprint?;
        let key = BrokerAddrKey::new(&reg.cluster_name, &reg.broker_addr);
        if !self.already_applied(&reg, &key, version, fingerprint) {
            return None;
        }
        let r = Registering {
            reg,
            key,
            incoming_version: version,
            changed: false,
            register_first: false,
            min_id_changed: false,
        };
        let role = self.role_in_group(&r);
        self.record_live_entry(&r);
        self.note_applied(&r.key, fingerprint);
        Some(self.registered_reply(&r, &role))
    }

    fn already_applied(
        &self,
        reg: &BrokerRegistration,
        key: &BrokerAddrKey,
        version: DataVersion,
        fingerprint: BodyFingerprint,
    ) -> bool {
        let Some(entry) = self.broker_live_table.get(key) else {
            return false;
        };
        let same_body = entry.applied
            == Some(AppliedBody {
                fingerprint,
                generation: self.generation,
            })
            && entry.info.data_version == version
            && entry.broker_name == reg.broker_name;
        if !same_body {
            return false;
        }
        let Some(group) = self.broker_addr_table.get(&reg.broker_name) else {
            return false;
        };
        let same_place = group.broker_addrs.get(&reg.broker_id) == Some(&reg.broker_addr)
            && group
                .broker_addrs
                .iter()
                .all(|(id, addr)| *id == reg.broker_id || *addr != reg.broker_addr)
            && group.enable_acting_master == reg.enable_acting_master.unwrap_or(false)
            && group.zone_name == reg.zone_name;
        same_place
            && self
                .cluster_addr_table
                .get(&reg.cluster_name)
                .is_some_and(|names| names.contains(&reg.broker_name))
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;
    use super::*;

    fn fingerprint(text: &str) -> BodyFingerprint {
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
        let again = table.register_unchanged(undecoded(&master, "body-1"), master.version);
        assert!(again.is_some());
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
        let refreshed = table.register_unchanged(undecoded(&slave, "s"), slave.version);
        assert_eq!(refreshed, Some(full_reply));
    }

    #[test]
    fn anything_not_provably_applied_goes_to_the_full_path() {
        let mut table = RouteTable::new();
        let master = Broker::master();
        // Never registered.
        assert_eq!(
            table.register_unchanged(undecoded(&master, "b"), master.version),
            None
        );
        table.register_broker(full(&master, &["a", "b"], "b"));
        // Other bytes under the same version (a split registration's next chunk).
        assert_eq!(
            table.register_unchanged(undecoded(&master, "other"), master.version),
            None
        );
        // Another version.
        let mut newer = master.version;
        newer.counter += 1;
        assert_eq!(
            table.register_unchanged(undecoded(&master, "b"), newer),
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
        assert!(table
            .register_unchanged(undecoded(&master, "b"), master.version)
            .is_some());
    }

    #[test]
    fn any_visible_change_since_the_body_was_applied_sends_it_to_the_full_path() {
        let mut table = RouteTable::new();
        let master = Broker::master();
        table.register_broker(full(&master, &["a", "b"], "b"));
        // An operator deletes a topic the body lists: the full path puts it back, as Java's
        // "topic missing for this broker" rule does.
        table.delete_topic("a", None);
        assert_eq!(
            table.register_unchanged(undecoded(&master, "b"), master.version),
            None
        );
        table.register_broker(full(&master, &["a", "b"], "b"));
        assert!(table.topic_route("a").is_some());
        assert!(table
            .register_unchanged(undecoded(&master, "b"), master.version)
            .is_some());
        // Another broker joining moves the generation too.
        Broker::master()
            .name("other")
            .addr("127.0.0.1:50911")
            .register(&mut table, &["c", "d"]);
        assert_eq!(
            table.register_unchanged(undecoded(&master, "b"), master.version),
            None
        );
    }
}
