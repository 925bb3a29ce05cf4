//! PROVISIONAL (replaced by the state module of issue 12's helper branch).
use serde::{Deserialize, Serialize};

use super::ControllerEvent;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReplicasInfo {
    applied: Vec<ControllerEvent>,
}

impl ReplicasInfo {
    pub fn apply(&mut self, event: &ControllerEvent) {
        self.applied.push(event.clone());
    }
}
