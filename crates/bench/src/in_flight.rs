//! When each outstanding request was sent (or due), by opaque. A connection's opaques are
//! consecutive, so a power-of-two ring indexed by the opaque's low bits does what a hash map
//! did, without hashing or allocating per request. A slot is overwritten only when more
//! requests than the ring holds were sent since; the late answer then counts, unmeasured.

pub struct InFlight {
    /// (opaque, nanoseconds since the connection's epoch); opaque 0 marks an empty slot.
    slots: Vec<(i32, u64)>,
    mask: usize,
}

impl InFlight {
    /// A ring for at least `capacity` outstanding requests.
    pub fn new(capacity: usize) -> Self {
        let size = capacity.max(2).next_power_of_two();
        InFlight {
            slots: vec![(0, 0); size],
            mask: size - 1,
        }
    }

    pub fn insert(&mut self, opaque: i32, at_nanos: u64) {
        self.slots[opaque as usize & self.mask] = (opaque, at_nanos);
    }

    /// When `opaque` was sent, if it is still known; forgets it.
    pub fn take(&mut self, opaque: i32) -> Option<u64> {
        let slot = &mut self.slots[opaque as usize & self.mask];
        (slot.0 == opaque && opaque != 0).then(|| {
            slot.0 = 0;
            slot.1
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_finds_its_send_time_once() {
        let mut ring = InFlight::new(3);
        ring.insert(1, 10);
        ring.insert(2, 20);
        assert_eq!(ring.take(2), Some(20));
        assert_eq!(ring.take(2), None, "taken already");
        assert_eq!(ring.take(1), Some(10));
        assert_eq!(ring.take(7), None, "never sent");
    }

    #[test]
    fn a_slot_reused_by_a_later_opaque_does_not_answer_for_the_old_one() {
        let mut ring = InFlight::new(4);
        ring.insert(1, 10);
        ring.insert(5, 50);
        assert_eq!(ring.take(1), None);
        assert_eq!(ring.take(5), Some(50));
    }
}
