//! One blocking remoting client and the request builders that go with it.
//!
//! The admin tool and the black-box tests each carried their own blocking client, and the
//! tests built REGISTER_BROKER bodies in two places; fixes (timeouts, skipping frames that
//! answer other requests, the body checksum) had to be made in each copy. This crate is the
//! one copy: [`Client`] for talking to one name server at a time with every wait bounded,
//! [`request`] helpers for requests without a typed header, and [`Broker`] for the requests a
//! broker sends. It speaks through `namesrv-protocol`'s codec and nothing else.

mod blocking;
mod error;
mod register;
mod request;

pub use blocking::Client;
pub use error::{ClientError, ClientErrorKind};
pub use register::{register_body, Broker};
pub use request::{request, route_query, with_ext};
