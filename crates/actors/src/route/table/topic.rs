//! Operator actions on topic data: WIPE/ADD_WRITE_PERM_OF_BROKER (protocol §3 205/327),
//! DELETE_TOPIC_IN_NAMESRV (216) and REGISTER_TOPIC_IN_NAMESRV (217).
//!
//! They change only the name server's copy. Perm changes last until the broker's next
//! registration with a new DataVersion, as in Java (see `register` for how). Queue data
//! written by REGISTER_TOPIC for a registered broker lasts only until that broker's next
//! registration, which writes its own view of the topic; Java keeps it until the broker's
//! DataVersion changes.

use super::*;

impl RouteTable {
    /// Clears the write bit of every queue data of `broker_name`; returns how many topics
    /// have one.
    pub fn wipe_write_perm(&mut self, broker_name: &str) -> i32 {
        self.change_perm(broker_name, |perm| perm & !perm::WRITE)
    }

    /// Sets every queue data of `broker_name` to read|write exactly (inherit and priority
    /// bits are dropped, as in Java); returns how many topics have one.
    pub fn add_write_perm(&mut self, broker_name: &str) -> i32 {
        self.change_perm(broker_name, |_| perm::READ | perm::WRITE)
    }

    fn change_perm(&mut self, broker_name: &str, change: impl Fn(i32) -> i32) -> i32 {
        let mut count = 0;
        let mut changed = false;
        for queues in self.topic_queue_table.values_mut() {
            if let Some(queue) = queues.get(broker_name) {
                count += 1;
                let perm = change(queue.perm);
                if perm != queue.perm {
                    let changed_queue = QueueData {
                        perm,
                        ..queue.clone()
                    };
                    queues.insert(self.queue_pool.share(changed_queue));
                    changed = true;
                }
            }
        }
        if count > 0 {
            self.operator_perm_brokers.insert(broker_name.to_owned());
        }
        if changed {
            self.queue_pool.sweep();
        }
        if changed {
            self.touch();
        }
        count
    }

    /// Removes `topic`, or with a non-empty `cluster_name` only its queue data on that
    /// cluster's groups (an unknown cluster is a no-op). Static-topic mappings are kept,
    /// as in Java.
    pub fn delete_topic(&mut self, topic: &str, cluster_name: Option<&str>) {
        let changed = match cluster_name.filter(|c| !c.is_empty()) {
            None => self.topic_queue_table.remove(topic).is_some(),
            Some(cluster) => {
                let (Some(names), Some(queues)) = (
                    self.cluster_addr_table.get(cluster),
                    self.topic_queue_table.get_mut(topic),
                ) else {
                    return;
                };
                let before = queues.len();
                queues.retain(|q| !names.contains(&q.broker_name));
                let changed = queues.len() != before;
                if queues.is_empty() {
                    self.topic_queue_table.remove(topic);
                }
                changed
            }
        };
        if changed {
            self.touch();
        }
    }

    /// Adds queue data for `topic` on groups that are registered. A new topic is created
    /// only if every named group is known; an existing one takes entries in order until the
    /// first unknown group (Java's rules, kept because admin tools see the difference).
    pub fn register_topic(&mut self, topic: &str, queue_datas: Vec<QueueData>) {
        if queue_datas.is_empty() {
            return;
        }
        let known = |q: &QueueData| self.broker_addr_table.contains_key(&q.broker_name);
        let mut changed = false;
        match self.topic_queue_table.get_mut(topic) {
            Some(queues) => {
                for queue in queue_datas {
                    if !self.broker_addr_table.contains_key(&queue.broker_name) {
                        break;
                    }
                    if queues.get(&queue.broker_name) != Some(&queue) {
                        queues.insert(self.queue_pool.share(queue));
                        changed = true;
                    }
                }
            }
            None => {
                if !queue_datas.iter().all(known) {
                    return;
                }
                for queue in queue_datas {
                    self.put_queue_data(topic, queue);
                }
                changed = true;
            }
        }
        if changed {
            self.touch();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;
    use super::*;

    fn table_with_queue(broker_name: &str, perm: i32) -> RouteTable {
        let mut table = RouteTable::new();
        table.put_queue_data("topic-a", queue(broker_name, perm));
        table
    }

    fn stored_perm(table: &RouteTable, broker_name: &str) -> i32 {
        table.topic_queue_table["topic-a"]
            .get(broker_name)
            .unwrap()
            .perm
    }

    #[test]
    fn wiping_write_perm_clears_the_write_bit_and_counts_topics() {
        let mut table = table_with_queue("broker-a", 6);
        assert_eq!(table.wipe_write_perm("broker-a"), 1);
        assert_eq!(stored_perm(&table, "broker-a"), 4);
    }

    #[test]
    fn wiping_an_already_read_only_broker_still_counts_it() {
        let mut table = table_with_queue("broker-0", 4);
        assert_eq!(table.wipe_write_perm("broker-0"), 1);
        assert_eq!(stored_perm(&table, "broker-0"), 4);
    }

    #[test]
    fn adding_write_perm_sets_read_write_exactly() {
        let mut table = table_with_queue("broker-a", 4);
        assert_eq!(table.add_write_perm("broker-a"), 1);
        assert_eq!(stored_perm(&table, "broker-a"), 6);

        let mut table = table_with_queue("broker-a", perm::READ | perm::INHERIT | perm::PRIORITY);
        table.add_write_perm("broker-a");
        assert_eq!(stored_perm(&table, "broker-a"), 6);
    }

    #[test]
    fn perm_changes_count_zero_for_unknown_brokers() {
        let mut table = table_with_queue("broker-a", 6);
        let generation = table.generation();
        assert_eq!(table.wipe_write_perm("nobody"), 0);
        assert_eq!(table.add_write_perm("nobody"), 0);
        assert_eq!(table.generation(), generation);
    }

    #[test]
    fn a_wiped_perm_shows_in_the_route() {
        let mut table = RouteTable::new();
        Broker::master().register(&mut table, &["TestTopic", "Other"]);
        assert_eq!(table.wipe_write_perm(BROKER), 2);
        assert_eq!(route_perm(&table, "TestTopic", BROKER), 4);
    }

    #[test]
    fn perm_changes_move_the_generation_only_when_a_perm_changes() {
        let mut table = table_with_queue("broker-a", 6);
        let generation = table.generation();
        table.add_write_perm("broker-a");
        assert_eq!(table.generation(), generation);
        table.wipe_write_perm("broker-a");
        assert!(table.generation() > generation);
    }

    #[test]
    fn deleting_a_topic_removes_its_route() {
        let mut table = RouteTable::new();
        Broker::master().register(&mut table, &["TestTopic", "Other"]);
        table.delete_topic("TestTopic", None);
        assert!(table.topic_route("TestTopic").is_none());
        assert!(table.topic_route("Other").is_some());
        table.delete_topic("Other", Some(""));
        assert!(
            table.topic_route("Other").is_none(),
            "an empty cluster means all"
        );
    }

    #[test]
    fn deleting_a_topic_in_one_cluster_keeps_the_others() {
        let mut table = RouteTable::new();
        Broker::master().register(&mut table, &["TestTopic", "x"]);
        Broker::master()
            .cluster("AnotherCluster")
            .name("AnotherBroker")
            .addr("127.0.0.1:30911")
            .register(&mut table, &["TestTopic", "x"]);
        table.delete_topic("TestTopic", Some(CLUSTER));
        let route = table.topic_route("TestTopic").unwrap();
        assert_eq!(route.broker_datas.len(), 1);
        assert_eq!(route.broker_datas[0].broker_name, "AnotherBroker");

        table.delete_topic("TestTopic", Some("AnotherCluster"));
        assert!(table.topic_route("TestTopic").is_none());
        assert!(!table
            .all_topics()
            .topic_list
            .contains(&"TestTopic".to_owned()));
    }

    #[test]
    fn deleting_in_an_unknown_cluster_changes_nothing() {
        let mut table = RouteTable::new();
        Broker::master().register(&mut table, &["TestTopic", "x"]);
        let generation = table.generation();
        table.delete_topic("TestTopic", Some("nope"));
        table.delete_topic("missing", None);
        table.delete_topic("missing", Some(CLUSTER));
        assert!(table.topic_route("TestTopic").is_some());
        assert_eq!(table.generation(), generation);
    }

    #[test]
    fn deleting_a_topic_keeps_its_static_mappings() {
        let mut table = RouteTable::new();
        let mut reg = Broker::master().registration(&["a", "b"]);
        reg.topic_config_wrapper
            .as_mut()
            .unwrap()
            .topic_queue_mapping_info_map
            .insert("a".to_owned(), mapping("a", BROKER, 1));
        table.register_broker(reg);
        table.delete_topic("a", None);
        assert!(table.topic_queue_mapping_info_table.contains_key("a"));
    }

    #[test]
    fn registering_a_new_topic_is_all_or_nothing() {
        let mut table = RouteTable::new();
        Broker::master().register(&mut table, &["a", "b"]);
        table.register_topic("new", vec![queue(BROKER, 6), queue("unknown", 6)]);
        assert!(table.topic_route("new").is_none());
        table.register_topic("new", vec![queue(BROKER, 6)]);
        assert_eq!(
            table.topic_route("new").unwrap().queue_datas,
            [queue(BROKER, 6)]
        );
    }

    #[test]
    fn registering_an_existing_topic_stops_at_the_first_unknown_group() {
        let mut table = RouteTable::new();
        Broker::master().register(&mut table, &["a", "b"]);
        let other = "Other_Broker";
        let third = "Third_Broker";
        Broker::master()
            .name(other)
            .addr("o:1")
            .register(&mut table, &["x", "y"]);
        Broker::master()
            .name(third)
            .addr("t:1")
            .register(&mut table, &["x", "y"]);
        table.register_topic(
            "a",
            vec![queue(other, 6), queue("unknown", 6), queue(third, 6)],
        );
        let route = table.topic_route("a").unwrap();
        let names: Vec<_> = route
            .queue_datas
            .iter()
            .map(|q| q.broker_name.as_str())
            .collect();
        assert_eq!(names, [BROKER, other]);
    }

    #[test]
    fn registering_a_topic_with_no_queue_data_does_nothing() {
        let mut table = RouteTable::new();
        Broker::master().register(&mut table, &["a", "b"]);
        let generation = table.generation();
        table.register_topic("new", Vec::new());
        assert!(table.topic_route("new").is_none());
        table.register_topic("a", vec![queue(BROKER, 6)]);
        assert_eq!(table.generation(), generation, "identical queue data");
    }
}
