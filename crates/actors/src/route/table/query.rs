//! Read-only answers: topic routes (protocol §5.4) and their zone filter (§5.6), cluster
//! info, member groups, topic lists (§5.7) and data-version queries.
//!
//! Java answers in hash-map order; clients sort or do not care. We sort (broker and queue
//! data by broker name, lists by name) so equal tables give byte-equal answers, which the
//! route cache and the tests both rely on. Where Java looks at "the first" element of an
//! unordered map (unit topic lists, the system list's broker address), we take the one
//! with the smallest name or id.

use std::collections::{BTreeMap, BTreeSet};

use namesrv_protocol::body::{BrokerMemberGroup, ClusterInfo, TopicList, TopicRouteData};

use super::*;

impl RouteTable {
    /// The route of `topic`, or `None` when no registered group serves it.
    pub fn topic_route(&self, topic: &str) -> Option<TopicRouteData> {
        let queues = self.topic_queue_table.get(topic)?;
        let mut broker_datas: Vec<BrokerData> = queues
            .broker_names()
            .filter_map(|name| self.broker_addr_table.get(name))
            .cloned()
            .collect();
        if broker_datas.is_empty() {
            return None;
        }
        broker_datas.sort_by(|a, b| a.broker_name.cmp(&b.broker_name));
        // Queue data of unregistered groups (left by REGISTER_TOPIC) are served too.
        let mut queue_datas: Vec<QueueData> = queues.iter().cloned().collect();
        queue_datas.sort_by(|a, b| a.broker_name.cmp(&b.broker_name));

        let mut filter_server_table = BTreeMap::new();
        if !self.filter_server_table.is_empty() {
            for group in &broker_datas {
                for addr in group.broker_addrs.values() {
                    if let Some(servers) = self
                        .filter_server_table
                        .get(&BrokerAddrKey::new(&group.cluster, addr))
                    {
                        filter_server_table.insert(addr.clone(), servers.clone());
                    }
                }
            }
        }

        let mut route = TopicRouteData {
            order_topic_conf: None,
            queue_datas,
            broker_datas,
            filter_server_table,
            topic_queue_mapping_by_broker: self
                .topic_queue_mapping_info_table
                .get(topic)
                .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
        };
        if self.config.support_acting_master && !topic.starts_with(SYNC_BROKER_MEMBER_TOPIC_PREFIX)
        {
            show_acting_masters(&mut route);
        }
        Some(route)
    }

    /// Every group and every cluster's group names (GET_BROKER_CLUSTER_INFO).
    pub fn cluster_info(&self) -> ClusterInfo {
        ClusterInfo {
            broker_addr_table: self
                .broker_addr_table
                .iter()
                .map(|(name, group)| (name.clone(), group.clone()))
                .collect(),
            cluster_addr_table: self
                .cluster_addr_table
                .iter()
                .map(|(cluster, names)| (cluster.clone(), names.iter().cloned().collect()))
                .collect(),
        }
    }

    /// A group's current members. The cluster is echoed, not checked, as in Java.
    pub fn broker_member_group(&self, cluster: &str, broker_name: &str) -> BrokerMemberGroup {
        BrokerMemberGroup {
            cluster: cluster.to_owned(),
            broker_name: broker_name.to_owned(),
            broker_addrs: self
                .broker_addr_table
                .get(broker_name)
                .map(|g| g.broker_addrs.clone())
                .unwrap_or_default(),
        }
    }

    /// Whether a broker's topic config moved since it last registered (QUERY_DATA_VERSION):
    /// changed unless it is registered with exactly `version`. Also returns the stored one.
    pub fn query_data_version(
        &self,
        key: &BrokerAddrKey,
        version: Option<&DataVersion>,
    ) -> (bool, Option<DataVersion>) {
        let stored = self.live_info(key).map(|info| info.data_version);
        let changed = match (&stored, version) {
            (Some(stored), Some(version)) => stored != version,
            _ => true,
        };
        (changed, stored)
    }

    pub fn all_topics(&self) -> TopicList {
        topic_list(self.topic_queue_table.keys().cloned())
    }

    /// Topics with queue data on any group of `cluster`; empty for an unknown cluster.
    pub fn topics_by_cluster(&self, cluster: &str) -> TopicList {
        let Some(names) = self.cluster_addr_table.get(cluster) else {
            return topic_list(std::iter::empty());
        };
        topic_list(
            self.topic_queue_table
                .iter()
                .filter(|(_, queues)| queues.broker_names().any(|name| names.contains(name)))
                .map(|(topic, _)| topic.clone()),
        )
    }

    /// Cluster and group names (which double as system topic names), plus one broker
    /// address for the client to ask about the brokers' own system topics.
    pub fn system_topics(&self) -> TopicList {
        let names = self
            .cluster_addr_table
            .iter()
            .flat_map(|(cluster, names)| std::iter::once(cluster).chain(names))
            .cloned();
        let broker_addr = self
            .broker_addr_table
            .values()
            .filter_map(|g| Some((&g.broker_name, g.broker_addrs.values().next()?)))
            .min()
            .map(|(_, addr)| addr.clone());
        TopicList {
            broker_addr,
            ..topic_list(names)
        }
    }

    pub fn unit_topics(&self) -> TopicList {
        self.topics_by_sys_flag(|flag| flag & sys_flag::UNIT != 0)
    }

    pub fn has_unit_sub_topics(&self) -> TopicList {
        self.topics_by_sys_flag(|flag| flag & sys_flag::UNIT_SUB != 0)
    }

    pub fn has_unit_sub_ununit_topics(&self) -> TopicList {
        self.topics_by_sys_flag(|flag| flag & sys_flag::UNIT == 0 && flag & sys_flag::UNIT_SUB != 0)
    }

    /// Topics whose sys flag, read from one queue data as Java does, passes `test`.
    fn topics_by_sys_flag(&self, test: impl Fn(i32) -> bool) -> TopicList {
        topic_list(
            self.topic_queue_table
                .iter()
                .filter(|(_, queues)| {
                    queues
                        .iter()
                        .min_by(|a, b| a.broker_name.cmp(&b.broker_name))
                        .is_some_and(|q| test(q.topic_sys_flag))
                })
                .map(|(topic, _)| topic.clone()),
        )
    }
}

fn topic_list(topics: impl Iterator<Item = String>) -> TopicList {
    TopicList {
        topic_list: topics.collect::<BTreeSet<_>>().into_iter().collect(),
        broker_addr: None,
    }
}

/// Shows the lowest slave of each master-less acting-master group as id 0, when its queues
/// were made read-only, so clients that read only from "the master" keep reading.
fn show_acting_masters(route: &mut TopicRouteData) {
    for group in &mut route.broker_datas {
        if group.broker_addrs.is_empty()
            || group.broker_addrs.contains_key(&MASTER_ID)
            || !group.enable_acting_master
        {
            continue;
        }
        let writable = route
            .queue_datas
            .iter()
            .find(|q| q.broker_name == group.broker_name)
            .map(|q| perm::is_writable(q.perm));
        if writable == Some(false) {
            if let Some((_, addr)) = group.broker_addrs.pop_first() {
                group.broker_addrs.insert(MASTER_ID, addr);
            }
        }
    }
}

/// Narrows a route to the brokers of the client's zone (protocol §5.6): groups of other
/// zones are dropped with their queue data and filter servers, except groups without a
/// master, which stay so their slaves can still be read.
pub fn filter_route_by_zone(route: &TopicRouteData, zone: &str) -> TopicRouteData {
    let (kept, dropped): (Vec<BrokerData>, Vec<BrokerData>) =
        route.broker_datas.iter().cloned().partition(|group| {
            !group.broker_addrs.contains_key(&MASTER_ID)
                || group
                    .zone_name
                    .as_deref()
                    .is_some_and(|z| equals_ignore_case(z, zone))
        });
    let dropped_names: BTreeSet<&str> = dropped.iter().map(|g| g.broker_name.as_str()).collect();
    let mut filter_server_table = route.filter_server_table.clone();
    for addr in dropped.iter().flat_map(|g| g.broker_addrs.values()) {
        filter_server_table.remove(addr);
    }
    TopicRouteData {
        order_topic_conf: route.order_topic_conf.clone(),
        queue_datas: route
            .queue_datas
            .iter()
            .filter(|q| !dropped_names.contains(q.broker_name.as_str()))
            .cloned()
            .collect(),
        broker_datas: kept,
        filter_server_table,
        topic_queue_mapping_by_broker: route.topic_queue_mapping_by_broker.clone(),
    }
}

/// Java's `equalsIgnoreCase`: equal after case folding character by character.
fn equals_ignore_case(a: &str, b: &str) -> bool {
    a.chars().count() == b.chars().count()
        && a.chars().zip(b.chars()).all(|(x, y)| {
            x == y || x.to_uppercase().eq(y.to_uppercase()) || x.to_lowercase().eq(y.to_lowercase())
        })
}

#[cfg(test)]
mod tests {
    use namesrv_protocol::body::TopicConfig;

    use super::super::fixture::*;
    use super::*;

    fn group(name: &str, zone: Option<&str>, members: &[(i64, &str)]) -> BrokerData {
        BrokerData {
            cluster: CLUSTER.to_owned(),
            broker_name: name.to_owned(),
            broker_addrs: addrs(members),
            enable_acting_master: false,
            zone_name: zone.map(str::to_owned),
        }
    }

    fn acting_master_table() -> RouteTable {
        let mut table = RouteTable::new();
        table.set_config(RouteConfig {
            support_acting_master: true,
            ..RouteConfig::default()
        });
        table
    }

    fn order_topic(name: &str, queues: i32) -> TopicConfig {
        TopicConfig {
            read_queue_nums: queues,
            write_queue_nums: queues,
            order: true,
            ..topic_config(name)
        }
    }

    #[test]
    fn an_unknown_topic_has_no_route() {
        let mut table = RouteTable::new();
        assert!(table.topic_route("unit_test").is_none());
        Broker::master().register(&mut table, &["a", "b"]);
        assert!(table.topic_route("unit_test").is_none());
    }

    #[test]
    fn a_topic_whose_groups_are_all_gone_has_no_route() {
        let mut table = RouteTable::new();
        table.put_queue_data("orphan", queue("ghost", 6));
        assert!(table.topic_route("orphan").is_none());
    }

    #[test]
    fn a_route_lists_each_group_and_queue_sorted_by_broker_name() {
        let mut table = RouteTable::new();
        Broker::master().register(&mut table, &["TestTopic", "x"]);
        let route = table.topic_route("TestTopic").unwrap();
        assert_eq!(route.broker_datas.len(), 1);
        assert_eq!(route.broker_datas[0].broker_name, BROKER);
        assert_eq!(route.broker_datas[0].broker_addrs[&0], MASTER_ADDR);
        assert_eq!(route.queue_datas, [queue(BROKER, 6)]);

        Broker::master()
            .name("AnotherBroker")
            .addr("127.0.0.1:30911")
            .register(&mut table, &["TestTopic", "x"]);
        let route = table.topic_route("TestTopic").unwrap();
        let names: Vec<_> = route
            .broker_datas
            .iter()
            .map(|b| b.broker_name.as_str())
            .collect();
        assert_eq!(names, ["AnotherBroker", BROKER]);
        let names: Vec<_> = route
            .queue_datas
            .iter()
            .map(|q| q.broker_name.as_str())
            .collect();
        assert_eq!(names, ["AnotherBroker", BROKER]);
    }

    #[test]
    fn a_three_by_three_cluster_routes_every_group_and_id() {
        let mut table = RouteTable::new();
        let topics: Vec<String> = (0..10).map(|i| format!("topic-{i}")).collect();
        let topics: Vec<&str> = topics.iter().map(String::as_str).collect();
        for b in 0..3 {
            for id in 0..3 {
                let name = format!("broker-{b}");
                Broker::master()
                    .cluster("cluster")
                    .name(&name)
                    .id(id)
                    .addr(&format!("cluster-{name}:{id}"))
                    .register(&mut table, &topics);
            }
        }
        let info = table.cluster_info();
        assert_eq!(info.cluster_addr_table.len(), 1);
        assert_eq!(
            info.cluster_addr_table["cluster"]
                .iter()
                .collect::<Vec<_>>(),
            ["broker-0", "broker-1", "broker-2"]
        );
        assert_eq!(
            table.all_topics().topic_list,
            table.topics_by_cluster("cluster").topic_list
        );
        assert_eq!(table.all_topics().topic_list.len(), 10);

        let route = table.topic_route("topic-0").unwrap();
        for (b, group) in route.broker_datas.iter().enumerate() {
            assert_eq!(group.broker_name, format!("broker-{b}"));
            let expected: BTreeMap<i64, String> = (0..3)
                .map(|id| (id, format!("cluster-broker-{b}:{id}")))
                .collect();
            assert_eq!(group.broker_addrs, expected);
        }
        for (b, q) in route.queue_datas.iter().enumerate() {
            assert_eq!(*q, queue(&format!("broker-{b}"), 6));
        }
    }

    #[test]
    fn routes_carry_filter_servers_by_address() {
        let mut table = RouteTable::new();
        Broker::master().register(&mut table, &["a", "b"]);
        let mut reg = Broker::slave().registration(&["a", "b"]);
        reg.filter_server_list = Some(vec!["fs:1".to_owned(), "fs:2".to_owned()]);
        table.register_broker(reg);
        let route = table.topic_route("a").unwrap();
        assert_eq!(
            route.filter_server_table,
            BTreeMap::from([(
                SLAVE_ADDR.to_owned(),
                vec!["fs:1".to_owned(), "fs:2".to_owned()]
            )])
        );
    }

    #[test]
    fn routes_carry_static_topic_mappings() {
        let mut table = RouteTable::new();
        let mut reg = Broker::master().registration(&["a", "b"]);
        reg.topic_config_wrapper
            .as_mut()
            .unwrap()
            .topic_queue_mapping_info_map
            .insert("a".to_owned(), mapping("a", BROKER, 2));
        table.register_broker(reg);
        let route = table.topic_route("a").unwrap();
        assert_eq!(
            route.topic_queue_mapping_by_broker,
            Some(BTreeMap::from([(
                BROKER.to_owned(),
                mapping("a", BROKER, 2)
            )]))
        );
        assert_eq!(
            table
                .topic_route("b")
                .unwrap()
                .topic_queue_mapping_by_broker,
            None
        );
    }

    #[test]
    fn master_and_slave_routes_are_writable_until_the_master_leaves() {
        let mut table = acting_master_table();
        let master = Broker::master();
        master.register(&mut table, &["TestTopic", "x"]);
        Broker::slave().register(&mut table, &["TestTopic", "x"]);
        let route = table.topic_route("TestTopic").unwrap();
        assert_eq!(route.broker_datas[0].broker_addrs.len(), 2);
        assert!(perm::is_writable(route.queue_datas[0].perm));

        table.unregister_brokers(&[master.unregistration()]);
        let route = table.topic_route("TestTopic").unwrap();
        assert_eq!(route.broker_datas[0].broker_addrs.len(), 1);
        assert!(!perm::is_writable(route.queue_datas[0].perm));

        let mut back = master.clone();
        back.bump();
        back.register(&mut table, &["TestTopic", "x"]);
        let route = table.topic_route("TestTopic").unwrap();
        assert_eq!(route.broker_datas[0].broker_addrs.len(), 2);
        assert!(perm::is_writable(route.queue_datas[0].perm));
    }

    #[test]
    fn an_order_topic_of_a_lone_slave_routes_to_it_as_acting_master() {
        for queues in [8, 1] {
            let mut table = acting_master_table();
            table.register_broker(Broker::slave().registration_with(vec![
                order_topic("baseTopic", queues),
                order_topic("Order", queues),
            ]));
            let route = table.topic_route("Order").unwrap();
            assert_eq!(
                route.broker_datas[0].broker_addrs,
                addrs(&[(0, SLAVE_ADDR)])
            );
            assert!(!perm::is_writable(route.queue_datas[0].perm));
        }
    }

    #[test]
    fn an_order_topic_keeps_the_acting_master_after_the_master_leaves() {
        let mut table = acting_master_table();
        let master = Broker::master();
        let configs = || vec![order_topic("baseTopic", 8), order_topic("Order", 8)];
        table.register_broker(Broker::slave().registration_with(configs()));
        table.register_broker(master.registration_with(configs()));
        table.unregister_brokers(&[master.unregistration()]);
        let route = table.topic_route("Order").unwrap();
        assert_eq!(
            route.broker_datas[0].broker_addrs,
            addrs(&[(0, SLAVE_ADDR)])
        );
        assert!(!perm::is_writable(route.queue_datas[0].perm));
    }

    #[test]
    fn only_the_master_less_group_gets_an_acting_master() {
        let mut table = acting_master_table();
        let other = "Default_Broker_ANOTHER";
        let master = Broker::master();
        master.register(&mut table, &["baseTopic", "T"]);
        Broker::slave().register(&mut table, &["baseTopic", "T"]);
        Broker::master()
            .name(other)
            .addr("127.0.0.2:10911")
            .register(&mut table, &["baseTopic", "T"]);
        Broker::slave()
            .name(other)
            .addr("127.0.0.2:30911")
            .register(&mut table, &["baseTopic", "T"]);
        table.unregister_brokers(&[master.unregistration()]);

        let route = table.topic_route("T").unwrap();
        assert_eq!(route.broker_datas.len(), 2);
        assert_eq!(route.queue_datas.len(), 2);
        assert_eq!(route_addrs(&table, "T", BROKER), addrs(&[(0, SLAVE_ADDR)]));
        assert_eq!(
            route_addrs(&table, "T", other),
            addrs(&[(0, "127.0.0.2:10911"), (1, "127.0.0.2:30911")])
        );
    }

    #[test]
    fn a_lone_slave_is_readable_not_writable_until_the_master_registers() {
        let mut table = acting_master_table();
        let master = Broker::master();
        Broker::slave().register(&mut table, &["baseTopic", "T"]);
        assert!(!perm::is_writable(route_perm(&table, "T", BROKER)));
        master.register(&mut table, &["baseTopic", "T"]);
        assert!(perm::is_writable(route_perm(&table, "T", BROKER)));
        table.unregister_brokers(&[master.unregistration()]);
        assert!(!perm::is_writable(route_perm(&table, "T", BROKER)));
        let mut back = master.clone();
        back.bump();
        back.register(&mut table, &["baseTopic", "T"]);
        assert!(perm::is_writable(route_perm(&table, "T", BROKER)));
    }

    #[test]
    fn the_acting_master_rewrite_needs_support_acting_master() {
        let mut table = RouteTable::new();
        Broker::slave().register(&mut table, &["baseTopic", "T"]);
        assert_eq!(route_addrs(&table, "T", BROKER), addrs(&[(1, SLAVE_ADDR)]));
        table.set_config(RouteConfig {
            support_acting_master: true,
            ..RouteConfig::default()
        });
        assert_eq!(route_addrs(&table, "T", BROKER), addrs(&[(0, SLAVE_ADDR)]));
    }

    #[test]
    fn the_acting_master_rewrite_skips_writable_groups_and_member_sync_topics() {
        let mut table = acting_master_table();
        let sync = format!("{SYNC_BROKER_MEMBER_TOPIC_PREFIX}{BROKER}");
        Broker::slave().register(&mut table, &["baseTopic", &sync]);
        assert_eq!(
            route_addrs(&table, &sync, BROKER),
            addrs(&[(1, SLAVE_ADDR)])
        );

        table.add_write_perm(BROKER);
        assert_eq!(
            route_addrs(&table, "baseTopic", BROKER),
            addrs(&[(1, SLAVE_ADDR)])
        );
    }

    #[test]
    fn the_rewrite_is_never_stored() {
        let mut table = acting_master_table();
        Broker::slave().register(&mut table, &["baseTopic", "T"]);
        table.topic_route("T");
        assert_eq!(
            table.broker_member_group(CLUSTER, BROKER).broker_addrs,
            addrs(&[(1, SLAVE_ADDR)])
        );
    }

    #[test]
    fn cluster_info_lists_every_cluster_group_and_master() {
        let mut table = RouteTable::new();
        Broker::master().register(&mut table, &["a", "b"]);
        Broker::master()
            .cluster("AnotherCluster")
            .name("AnotherBroker")
            .addr("127.0.0.1:30911")
            .register(&mut table, &["a", "b"]);
        let info = table.cluster_info();
        assert_eq!(
            info.cluster_addr_table.keys().collect::<Vec<_>>(),
            ["AnotherCluster", CLUSTER]
        );
        assert_eq!(info.broker_addr_table[BROKER].broker_addrs[&0], MASTER_ADDR);
        assert_eq!(
            info.broker_addr_table["AnotherBroker"].broker_addrs[&0],
            "127.0.0.1:30911"
        );
    }

    #[test]
    fn a_member_group_echoes_the_cluster_and_lists_the_members() {
        let mut table = RouteTable::new();
        Broker::master().register(&mut table, &["a", "b"]);
        Broker::slave().register(&mut table, &["a", "b"]);
        let group = table.broker_member_group("whatever", BROKER);
        assert_eq!(group.cluster, "whatever");
        assert_eq!(
            group.broker_addrs,
            addrs(&[(0, MASTER_ADDR), (1, SLAVE_ADDR)])
        );
        assert!(table
            .broker_member_group(CLUSTER, "nobody")
            .broker_addrs
            .is_empty());
    }

    #[test]
    fn data_version_changes_are_detected_on_every_field() {
        let mut table = RouteTable::new();
        let master = Broker::master().counter(10);
        master.register(&mut table, &["a", "b"]);
        let key = master.key();
        let same = master.version;
        assert_eq!(
            table.query_data_version(&key, Some(&same)),
            (false, Some(same))
        );
        let later = DataVersion {
            timestamp: same.timestamp + 1,
            ..same
        };
        assert!(table.query_data_version(&key, Some(&later)).0);
        let next = DataVersion {
            counter: same.counter + 1,
            ..same
        };
        assert!(table.query_data_version(&key, Some(&next)).0);
        let state = DataVersion {
            state_version: 1,
            ..same
        };
        assert!(table.query_data_version(&key, Some(&state)).0);
        assert!(
            table.query_data_version(&key, None).0,
            "no body counts as changed"
        );
    }

    #[test]
    fn an_unregistered_broker_has_changed_and_no_stored_version() {
        let table = RouteTable::new();
        let key = BrokerAddrKey::new(CLUSTER, MASTER_ADDR);
        assert_eq!(
            table.query_data_version(&key, Some(&version(1))),
            (true, None)
        );
    }

    #[test]
    fn all_topics_grows_with_registrations() {
        let mut table = RouteTable::new();
        assert!(table.all_topics().topic_list.is_empty());
        Broker::master().register(&mut table, &["c", "a", "b"]);
        assert_eq!(table.all_topics().topic_list, ["a", "b", "c"]);
        assert_eq!(table.all_topics().broker_addr, None);
    }

    #[test]
    fn topics_by_cluster_only_lists_that_clusters_groups() {
        let mut table = RouteTable::new();
        Broker::master().register(&mut table, &["a", "shared"]);
        Broker::master()
            .cluster("Other")
            .name("Other_Broker")
            .addr("x:1")
            .register(&mut table, &["b", "shared"]);
        assert_eq!(table.topics_by_cluster(CLUSTER).topic_list, ["a", "shared"]);
        assert_eq!(table.topics_by_cluster("Other").topic_list, ["b", "shared"]);
        assert!(table.topics_by_cluster("nope").topic_list.is_empty());
    }

    #[test]
    fn the_system_list_names_clusters_and_groups_and_one_address() {
        let mut table = RouteTable::new();
        assert_eq!(table.system_topics(), topic_list(std::iter::empty()));
        Broker::slave().register(&mut table, &["a", "b"]);
        Broker::master().register(&mut table, &["a", "b"]);
        Broker::master()
            .name("B2")
            .addr("x:1")
            .register(&mut table, &["a", "b"]);
        let list = table.system_topics();
        assert_eq!(list.topic_list, ["B2", BROKER, CLUSTER]);
        assert_eq!(list.broker_addr.as_deref(), Some("x:1"));
    }

    #[test]
    fn unit_lists_follow_the_sys_flag() {
        let mut table = RouteTable::new();
        let flagged = |name: &str, flag: i32| TopicConfig {
            topic_sys_flag: flag,
            ..topic_config(name)
        };
        table.register_broker(Broker::master().registration_with(vec![
            flagged("plain", 0),
            flagged("unit", sys_flag::UNIT),
            flagged("sub", sys_flag::UNIT_SUB),
            flagged("both", sys_flag::UNIT | sys_flag::UNIT_SUB),
        ]));
        assert_eq!(table.unit_topics().topic_list, ["both", "unit"]);
        assert_eq!(table.has_unit_sub_topics().topic_list, ["both", "sub"]);
        assert_eq!(table.has_unit_sub_ununit_topics().topic_list, ["sub"]);
    }

    #[test]
    fn unit_lists_read_the_first_broker_names_queue_data() {
        let mut table = RouteTable::new();
        let unit = TopicConfig {
            topic_sys_flag: sys_flag::UNIT,
            ..topic_config("t")
        };
        Broker::master()
            .name("b-second")
            .register(&mut table, &["t", "x"]);
        table.register_broker(
            Broker::master()
                .name("a-first")
                .addr("y:1")
                .registration_with(vec![unit, topic_config("x")]),
        );
        assert_eq!(table.unit_topics().topic_list, ["t"]);
    }

    fn zone_route() -> TopicRouteData {
        TopicRouteData {
            order_topic_conf: None,
            queue_datas: vec![
                queue("BrokerA", 6),
                queue("BrokerB", 6),
                queue("BrokerC", 6),
            ],
            broker_datas: vec![
                group("BrokerA", Some("zone1"), &[(0, "127.0.0.1:10911")]),
                group("BrokerB", Some("zone2"), &[(0, "127.0.0.1:10912")]),
                group("BrokerC", Some("zone1"), &[]),
            ],
            filter_server_table: BTreeMap::from([
                ("127.0.0.1:10911".to_owned(), vec!["fs:1".to_owned()]),
                ("127.0.0.1:10912".to_owned(), vec!["fs:2".to_owned()]),
            ]),
            topic_queue_mapping_by_broker: None,
        }
    }

    #[test]
    fn the_zone_filter_drops_other_zones_with_their_queues_and_filter_servers() {
        let filtered = filter_route_by_zone(&zone_route(), "zone1");
        let names: Vec<_> = filtered
            .broker_datas
            .iter()
            .map(|b| b.broker_name.as_str())
            .collect();
        assert_eq!(names, ["BrokerA", "BrokerC"]);
        let names: Vec<_> = filtered
            .queue_datas
            .iter()
            .map(|q| q.broker_name.as_str())
            .collect();
        assert_eq!(names, ["BrokerA", "BrokerC"]);
        assert_eq!(
            filtered.filter_server_table.keys().collect::<Vec<_>>(),
            ["127.0.0.1:10911"]
        );
    }

    #[test]
    fn the_zone_filter_keeps_master_less_groups_of_any_zone() {
        let mut route = zone_route();
        route.broker_datas[1] = group("BrokerB", Some("zone2"), &[(1, "127.0.0.1:10913")]);
        let filtered = filter_route_by_zone(&route, "zone1");
        assert_eq!(filtered.broker_datas.len(), 3);
        assert_eq!(filtered.queue_datas.len(), 3);
    }

    #[test]
    fn the_zone_filter_ignores_case_and_drops_groups_without_zone() {
        let mut route = zone_route();
        route.broker_datas[0].zone_name = None;
        let filtered = filter_route_by_zone(&route, "ZONE2");
        let names: Vec<_> = filtered
            .broker_datas
            .iter()
            .map(|b| b.broker_name.as_str())
            .collect();
        assert_eq!(names, ["BrokerB", "BrokerC"]);
        assert_eq!(
            filtered.filter_server_table.keys().collect::<Vec<_>>(),
            ["127.0.0.1:10912"]
        );
    }

    #[test]
    fn java_case_folding_is_character_wise() {
        assert!(equals_ignore_case("Zone-Ä", "zone-ä"));
        assert!(!equals_ignore_case("zone", "zone1"));
        assert!(!equals_ignore_case("zone1", "zone2"));
    }
}
