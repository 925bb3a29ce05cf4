//! Which ports the tests may reserve: a fixed window outside the ephemeral range.
//!
//! Linux picks the local port of every outgoing connection, and of every bind to port 0,
//! from `net.ipv4.ip_local_port_range`. A port outside that range is taken only by someone
//! asking for it by number, so a reserved one stays free until our peer binds it. The window
//! is fixed rather than random so that every test process, and `tests/ports.sh`, scans the
//! same ports and their lock files meet.

use std::ops::RangeInclusive;

/// The window scanned first (below Linux's default ephemeral range, 32768–60999).
pub const PREFERRED: RangeInclusive<u16> = 20000..=31999;
/// Scanned instead when the ephemeral range leaves too little of [`PREFERRED`].
pub const FALLBACK: RangeInclusive<u16> = 1024..=65535;
/// Fewer candidates than this in [`PREFERRED`] and [`FALLBACK`] is used.
const ENOUGH: usize = 1000;
/// Linux's default, assumed when `/proc` cannot be read.
const DEFAULT_EPHEMERAL: RangeInclusive<u16> = 32768..=60999;
const EPHEMERAL_SYSCTL: &str = "/proc/sys/net/ipv4/ip_local_port_range";

/// The ephemeral range of this machine, read at run time.
pub fn ephemeral_range() -> RangeInclusive<u16> {
    std::fs::read_to_string(EPHEMERAL_SYSCTL)
        .ok()
        .and_then(|text| parse_ephemeral(&text))
        .unwrap_or(DEFAULT_EPHEMERAL)
}

fn parse_ephemeral(text: &str) -> Option<RangeInclusive<u16>> {
    let mut numbers = text.split_whitespace().map(str::parse::<u16>);
    let (low, high) = (numbers.next()?.ok()?, numbers.next()?.ok()?);
    (low <= high).then_some(low..=high)
}

/// The ports of a window that lie outside the ephemeral range, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidates {
    pieces: Vec<RangeInclusive<u16>>,
}

impl Candidates {
    /// [`PREFERRED`] without `ephemeral`, or [`FALLBACK`] without it when that leaves too
    /// few; `None` when no port is left at all.
    pub fn outside(ephemeral: &RangeInclusive<u16>) -> Option<Candidates> {
        let preferred = Self::window_without(&PREFERRED, ephemeral);
        let chosen = if preferred.len() >= ENOUGH {
            preferred
        } else {
            Self::window_without(&FALLBACK, ephemeral)
        };
        (!chosen.is_empty()).then_some(chosen)
    }

    fn window_without(window: &RangeInclusive<u16>, hole: &RangeInclusive<u16>) -> Candidates {
        let (start, end) = (*window.start(), *window.end());
        let mut pieces = Vec::new();
        if *hole.start() > start {
            pieces.push(start..=end.min(hole.start() - 1));
        }
        if *hole.end() < end {
            pieces.push(start.max(hole.end() + 1)..=end);
        }
        Candidates { pieces }
    }

    #[cfg(test)]
    pub(crate) fn single(port: u16) -> Candidates {
        Candidates {
            pieces: vec![port..=port],
        }
    }

    pub fn len(&self) -> usize {
        self.pieces.iter().map(|p| p.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.pieces.is_empty()
    }

    /// The `index`-th candidate, counting from the lowest (`index < len()`).
    pub fn nth(&self, mut index: usize) -> u16 {
        for piece in &self.pieces {
            if index < piece.len() {
                return piece.start() + index as u16;
            }
            index -= piece.len();
        }
        panic!("candidate index out of range");
    }

    pub fn contains(&self, port: i64) -> bool {
        u16::try_from(port).is_ok_and(|p| self.pieces.iter().any(|piece| piece.contains(&p)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sysctl_text_parses_and_nonsense_does_not() {
        assert_eq!(parse_ephemeral("32768\t60999\n"), Some(32768..=60999));
        assert_eq!(parse_ephemeral("60999 32768"), None);
        assert_eq!(parse_ephemeral("x"), None);
    }

    #[test]
    fn with_linux_defaults_the_whole_preferred_window_is_used() {
        let c = Candidates::outside(&(32768..=60999)).unwrap();
        assert_eq!(c.len(), PREFERRED.len());
        assert_eq!(c.nth(0), 20000);
        assert!(!c.contains(32768));
    }

    #[test]
    fn an_ephemeral_range_inside_the_window_is_cut_out() {
        let c = Candidates::outside(&(21000..=30999)).unwrap();
        assert_eq!(c.len(), 2000);
        assert_eq!((c.nth(999), c.nth(1000)), (20999, 31000));
        assert!(!c.contains(21000) && !c.contains(30999) && c.contains(31000));
    }

    #[test]
    fn too_little_left_of_the_window_falls_back_to_the_rest_of_the_port_space() {
        let c = Candidates::outside(&(15000..=31500)).unwrap();
        assert!(c.contains(1024) && c.contains(31501) && c.contains(65535));
        assert!(!c.contains(20000) && !c.contains(1023));
    }

    #[test]
    fn an_ephemeral_range_covering_everything_leaves_nothing() {
        assert_eq!(Candidates::outside(&(1..=65535)), None);
    }
}
