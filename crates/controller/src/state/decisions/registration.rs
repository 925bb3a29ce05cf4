//! How a broker in controller mode joins its group: it asks for the next free broker id
//! (1012), applies for it with its register check code (1013), then registers (1003) on every
//! start, which also tells the controller a new address.

use namesrv_protocol::code::ResponseCode;
use namesrv_protocol::headers::{
    ApplyBrokerIdRequestHeader, ApplyBrokerIdResponseHeader, GetNextBrokerIdRequestHeader,
    GetNextBrokerIdResponseHeader, RegisterBrokerToControllerRequestHeader,
    RegisterBrokerToControllerResponseHeader,
};

use crate::state::liveness::ReplicaLiveness;
use crate::state::replicas::FIRST_BROKER_ID;
use crate::state::{body_json, ControllerEvent, Decision, ReplicasInfo};

impl ReplicasInfo {
    /// CONTROLLER_GET_NEXT_BROKER_ID: the group's next id, 1 for an unknown group. A read.
    pub fn get_next_broker_id(
        &self,
        header: &GetNextBrokerIdRequestHeader,
    ) -> Decision<GetNextBrokerIdResponseHeader> {
        let next = self
            .broker_replica_info(&header.broker_name)
            .map_or(FIRST_BROKER_ID, |replicas| replicas.next_assign_broker_id());
        Decision::success(Some(GetNextBrokerIdResponseHeader {
            cluster_name: Some(header.cluster_name.clone()),
            broker_name: Some(header.broker_name.clone()),
            next_broker_id: Some(next),
        }))
    }

    /// CONTROLLER_APPLY_BROKER_ID: takes an id for the broker whose check code (`address;
    /// timestamp`) comes with it. A free id is granted; a taken one only to the same check
    /// code (a broker re-applying after a lost answer); a new group only starts with id 1.
    pub fn apply_broker_id(
        &self,
        header: &ApplyBrokerIdRequestHeader,
    ) -> Decision<ApplyBrokerIdResponseHeader> {
        let response = ApplyBrokerIdResponseHeader {
            cluster_name: Some(header.cluster_name.clone()),
            broker_name: Some(header.broker_name.clone()),
        };
        let id = header.applied_broker_id;
        let code = &header.register_check_code;
        let event = ControllerEvent::ApplyBrokerId {
            cluster_name: header.cluster_name.clone(),
            broker_name: header.broker_name.clone(),
            broker_address: code.split(';').next().unwrap_or_default().to_owned(),
            register_check_code: code.clone(),
            new_broker_id: id,
        };
        match self.broker_replica_info(&header.broker_name) {
            None if id == FIRST_BROKER_ID => Decision::success(Some(response)).with_event(event),
            None => Decision::refuse(
                ResponseCode::CONTROLLER_BROKER_ID_INVALID,
                format!(
                    "broker group {} is unknown to the controller; its first broker id is {FIRST_BROKER_ID}, not {id}",
                    header.broker_name
                ),
                Some(response),
            ),
            Some(replicas)
                if !replicas.contains(id)
                    || replicas.register_check_code(id) == Some(code.as_str()) =>
            {
                Decision::success(Some(response)).with_event(event)
            }
            Some(_) => Decision::refuse(
                ResponseCode::CONTROLLER_BROKER_ID_INVALID,
                format!(
                    "broker id {id} of broker group {} belongs to another broker",
                    header.broker_name
                ),
                Some(response),
            ),
        }
    }

    /// CONTROLLER_REGISTER_BROKER: a broker with an id says it is up. The answer names the
    /// master while it is alive, and carries the sync-state set; a changed address is
    /// recorded.
    pub fn register_broker(
        &self,
        header: &RegisterBrokerToControllerRequestHeader,
        liveness: &impl ReplicaLiveness,
    ) -> Decision<RegisterBrokerToControllerResponseHeader> {
        let mut response = RegisterBrokerToControllerResponseHeader {
            cluster_name: Some(header.cluster_name.clone()),
            broker_name: Some(header.broker_name.clone()),
            ..Default::default()
        };
        let Some((replicas, sync)) = self.group(&header.broker_name) else {
            return Decision::refuse(
                ResponseCode::CONTROLLER_BROKER_NEED_TO_BE_REGISTERED,
                format!(
                    "broker group {} is unknown to the controller",
                    header.broker_name
                ),
                Some(response),
            );
        };
        if !replicas.contains(header.broker_id) {
            return Decision::refuse(
                ResponseCode::CONTROLLER_BROKER_NEED_TO_BE_REGISTERED,
                format!(
                    "broker id {} was never applied for in broker group {}",
                    header.broker_id, header.broker_name
                ),
                Some(response),
            );
        }
        if let Some(master) = sync.master_broker_id() {
            if liveness.is_alive(&header.cluster_name, &header.broker_name, master) {
                response.master_broker_id = Some(master);
                response.master_address = replicas.address(master).map(str::to_owned);
                response.master_epoch = Some(sync.master_epoch());
                response.sync_state_set_epoch = Some(sync.sync_state_set_epoch());
            }
        }
        let mut decision = Decision::success(Some(response)).with_body(body_json(&sync.to_body()));
        if replicas.address(header.broker_id) != Some(header.broker_address.as_str()) {
            decision = decision.with_event(ControllerEvent::UpdateBrokerAddress {
                cluster_name: header.cluster_name.clone(),
                broker_name: header.broker_name.clone(),
                broker_address: header.broker_address.clone(),
                broker_id: header.broker_id,
            });
        }
        decision
    }
}
