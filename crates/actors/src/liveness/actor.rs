//! LivenessActor: the expiry scan.
//!
//! Every `scanNotActiveBrokerInterval` it removes the brokers silent past their timeout,
//! closes their connections (as Java does, so a half-dead broker reconnects cleanly) and tells
//! the route owner to unregister them, in one batch per scan.

use std::time::{Duration, Instant};

use actix::prelude::*;
use tracing::{info, warn};

use super::table::LivenessTable;
use crate::messages::BrokerAddrKey;
use crate::messages::{
    BrokerHeartbeat, BrokerSeen, CloseSession, ExpireBrokers, ForgetBrokers, GetBrokerSilences,
    RegistrationNumber,
};

/// What the actor needs when a broker expires: the registration it expires, and its session.
type Watched = (RegistrationNumber, Option<Recipient<CloseSession>>);

pub struct LivenessActor {
    table: LivenessTable<BrokerAddrKey, Watched>,
    scan_interval: Duration,
    route: Recipient<ExpireBrokers>,
}

impl LivenessActor {
    pub fn new(scan_interval: Duration, route: Recipient<ExpireBrokers>) -> Self {
        Self {
            table: LivenessTable::new(),
            scan_interval,
            route,
        }
    }

    fn scan(&mut self) {
        let expired = self.table.expire(Instant::now());
        if expired.is_empty() {
            return;
        }
        let mut keys = Vec::with_capacity(expired.len());
        for (key, (registration, session)) in expired {
            warn!(cluster = %key.cluster_name, addr = %key.broker_addr, "broker expired: no heartbeat within its timeout");
            if let Some(session) = session {
                session.do_send(CloseSession);
            }
            keys.push((key, registration));
        }
        info!(count = keys.len(), "unregistering expired brokers");
        self.route.do_send(ExpireBrokers(keys));
    }
}

impl Actor for LivenessActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.run_interval(self.scan_interval, |act, _| act.scan());
    }
}

impl Handler<BrokerSeen> for LivenessActor {
    type Result = ();

    fn handle(&mut self, msg: BrokerSeen, _: &mut Self::Context) {
        self.table.seen(
            msg.key,
            Instant::now(),
            msg.timeout,
            (msg.registration, msg.session),
        );
    }
}

impl Handler<BrokerHeartbeat> for LivenessActor {
    type Result = ();

    fn handle(&mut self, msg: BrokerHeartbeat, _: &mut Self::Context) {
        self.table.heartbeat(&msg.0, Instant::now());
    }
}

impl Handler<ForgetBrokers> for LivenessActor {
    type Result = ();

    fn handle(&mut self, msg: ForgetBrokers, _: &mut Self::Context) {
        for key in &msg.0 {
            self.table.forget(key);
        }
    }
}

impl Handler<GetBrokerSilences> for LivenessActor {
    type Result = MessageResult<GetBrokerSilences>;

    fn handle(&mut self, _: GetBrokerSilences, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.table.silences(Instant::now()))
    }
}
