//! The route table as the route actor holds it: read freely, changed only through
//! [`PublishingTable::change`], whose guard publishes the new generation when the change is
//! done.
//!
//! Publishing is what lets workers serve kept answers without asking (see
//! [`answers`](super::answers)), so it must follow every change, before the actor answers
//! the request that caused it. Making the guard the only way to a `&mut RouteTable` means no
//! handler can change the table and forget to publish; the table itself stays plain data.

use std::ops::{Deref, DerefMut};

use super::answers::RoutePublication;
use super::table::RouteTable;

pub struct PublishingTable {
    table: RouteTable,
    publication: RoutePublication,
    serving: bool,
}

impl PublishingTable {
    /// Wraps `table`; workers may not serve kept answers until [`Self::set_serving`].
    pub fn new(table: RouteTable, publication: RoutePublication) -> Self {
        let this = Self {
            table,
            publication,
            serving: false,
        };
        this.publish();
        this
    }

    /// The table, for a change; published when the returned guard is dropped.
    pub fn change(&mut self) -> Change<'_> {
        Change(self)
    }

    /// Whether workers may serve kept answers (false while waiting for brokers at start).
    pub fn set_serving(&mut self, serving: bool) {
        self.serving = serving;
        self.publish();
    }

    pub fn publication(&self) -> &RoutePublication {
        &self.publication
    }

    fn publish(&self) {
        self.publication
            .publish(self.table.generation(), self.serving);
    }
}

impl Deref for PublishingTable {
    type Target = RouteTable;

    fn deref(&self) -> &RouteTable {
        &self.table
    }
}

/// A change in progress; see [`PublishingTable::change`].
pub struct Change<'a>(&'a mut PublishingTable);

impl Deref for Change<'_> {
    type Target = RouteTable;

    fn deref(&self) -> &RouteTable {
        &self.0.table
    }
}

impl DerefMut for Change<'_> {
    fn deref_mut(&mut self) -> &mut RouteTable {
        &mut self.0.table
    }
}

impl Drop for Change<'_> {
    fn drop(&mut self) {
        self.0.publish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_change_is_published_when_it_ends() {
        let publication = RoutePublication::default();
        let mut table = PublishingTable::new(RouteTable::new(), publication.clone());
        assert_eq!(publication.current(), None, "not serving yet");
        table.set_serving(true);
        let before = publication.current().unwrap();
        {
            let mut change = table.change();
            change.invalidate_answers();
            assert_eq!(
                publication.current(),
                Some(before),
                "not before the change ends"
            );
        }
        assert!(publication.current().unwrap() > before);
        assert_eq!(publication.current(), Some(table.generation()));
    }
}
